/**
 * Property tests on every parser of untrusted input used by the presets: signature header
 * lists, form bodies, DER signatures, the signed URL, and each preset's verifier as a
 * whole. Arbitrary input never throws and never verifies.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesToBase64, bytesToHex } from "../../../src/lib/encoding";
import { BodyFields } from "../../../src/lib/json-field";
import { parseForm, sortedParams } from "../../../src/verify/form";
import { derToP1363 } from "../../../src/verify/keys";
import { PRESET_NAMES, presets } from "../../../src/verify/presets";
import { standardFamily } from "../../../src/verify/presets/standard-webhooks";
import { HMAC_FAMILY } from "../../../src/verify/presets/hmac-family";
import { parseSignatureHeader } from "../../../src/verify/signature-header";
import { hubspotUri } from "../../../src/verify/presets/hubspot";
import { withAndWithoutDefaultPort } from "../../../src/verify/presets/twilio";
import { signedUrl } from "../../../src/verify/signed-url";

const NOW = 1_790_000_000_000;

describe("signature lists (Standard Webhooks `v1,<sig> v1,<sig>`)", () => {
  it("keeps only entries of the configured version, in order", () => {
    expect(parseSignatureHeader("v1,aaa v1a,bbb v2,ccc v1,ddd", { kind: "list", version: "v1" })).toEqual({ signatures: ["aaa", "ddd"] });
    expect(parseSignatureHeader("v1,aaa v1a,bbb", { kind: "list", version: "v1a" })).toEqual({ signatures: ["bbb"] });
  });

  it("refuses a list with no entry of its version", () => {
    for (const value of ["", "v1a,bbb", "v1", "v1,", ",aaa", "v1 aaa"]) expect(parseSignatureHeader(value, { kind: "list", version: "v1" }), value).toBeNull();
  });

  it("never throws and never returns an empty signature", () => {
    const entry = fc.tuple(fc.constantFrom("v1", "v1a", "v2", "", "v1 "), fc.string({ maxLength: 60 })).map(([v, s]) => `${v},${s}`);
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 400 }), fc.array(entry, { maxLength: 20 }).map((e) => e.join(" "))), (value) => {
        const parsed = parseSignatureHeader(value, { kind: "list", version: "v1" });
        if (parsed) for (const s of parsed.signatures) expect(s).not.toBe("");
      }),
      { numRuns: 2000 },
    );
  });

  it("reads Paddle's `;`-separated pairs", () => {
    expect(parseSignatureHeader("ts=1671552777;h1=aa;h1=bb", { kind: "pairs", separator: ";", timestampKey: "ts", signatureKey: "h1" })).toEqual({
      timestamp: "1671552777",
      signatures: ["aa", "bb"],
    });
  });

  it("reads Persona's rotation: whole sets of pairs, space-separated, with one timestamp", () => {
    const persona = { kind: "pairs", separator: ",", timestampKey: "t", signatureKey: "v1", sets: " " } as const;
    expect(parseSignatureHeader("t=1700000000,v1=aa t=1700000000,v1=bb", persona)).toEqual({ timestamp: "1700000000", signatures: ["aa", "bb"] });
    expect(parseSignatureHeader("t=1700000000,v1=aa", persona)).toEqual({ timestamp: "1700000000", signatures: ["aa"] });
    // Two sets that disagree on the time are ambiguous.
    expect(parseSignatureHeader("t=1700000000,v1=aa t=1700000001,v1=bb", persona)).toBeNull();
  });

  it("reads Ghost's header as Ghost writes it: signature first, then `, t=`", () => {
    const ghost = { kind: "pairs", separator: ",", timestampKey: "t", signatureKey: "sha256" } as const;
    expect(parseSignatureHeader("sha256=630bd5f1aeffc46c04839548cef8965d1e2ab1e4aabf75d5ab2f3eff5d512598, t=1790000000000", ghost)).toEqual({
      timestamp: "1790000000000",
      signatures: ["630bd5f1aeffc46c04839548cef8965d1e2ab1e4aabf75d5ab2f3eff5d512598"],
    });
  });

  it("reads Recurly's positional `ts,sig,sig` and refuses anything without both parts", () => {
    const positional = { kind: "positional", separator: "," } as const;
    expect(parseSignatureHeader("1659641851123,aa,bb", positional)).toEqual({ timestamp: "1659641851123", signatures: ["aa", "bb"] });
    expect(parseSignatureHeader("1659641851123, aa", positional)).toEqual({ timestamp: "1659641851123", signatures: ["aa"] });
    for (const value of ["", "1659641851123", "1659641851123,", ",aa", "1,aa,,bb", `1,${Array(17).fill("a").join(",")}`]) {
      expect(parseSignatureHeader(value, positional), value).toBeNull();
    }
  });

  it("never throws on any header for any format, and every signature it returns is non-empty", () => {
    const formats = [
      { kind: "positional", separator: "," },
      { kind: "pairs", separator: ",", timestampKey: "t", signatureKey: "v1" },
      { kind: "single", prefix: "sha256=" },
    ] as const;
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.array(fc.stringMatching(/^[0-9a-f=t,v1 ]{0,20}$/), { maxLength: 20 }).map((p) => p.join(","))), fc.constantFrom(...formats), (value, format) => {
        const parsed = parseSignatureHeader(value, format);
        if (parsed) expect(parsed.signatures.every((sig) => sig !== "") && parsed.signatures.length <= 16).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});

describe("form bodies (Twilio, Mandrill)", () => {
  it("sorts keys and de-duplicates then sorts repeated values, as Twilio's validator does", () => {
    const fields = parseForm("To=%2B1555&From=%2B1444&Body=hi+there&Media=b&Media=a&Media=b")!;
    expect(sortedParams(fields)).toBe("Bodyhi thereFrom+1444MediaaMediabTo+1555");
  });

  it("refuses malformed percent-encoding instead of guessing", () => {
    expect(parseForm("a=%E0%A4%A")).toBeNull();
    expect(parseForm("a=%zz")).toBeNull();
  });

  it("never throws on arbitrary text, and round-trips what URLSearchParams encodes", () => {
    fc.assert(fc.property(fc.string({ maxLength: 500 }), (text) => void parseForm(text)), { numRuns: 3000 });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string({ minLength: 1, maxLength: 20 }), fc.string({ maxLength: 20 })), { maxLength: 10 }), (pairs) => {
        const encoded = new URLSearchParams(pairs).toString();
        expect(parseForm(encoded)).toEqual(pairs.filter(([k, v]) => k !== "" || v !== ""));
      }),
    );
  });
});

describe("DER ECDSA signatures (SendGrid)", () => {
  it("converts a DER signature to r‖s, padding short integers", () => {
    const r = new Uint8Array(32).fill(0x11);
    const s = new Uint8Array(31).fill(0x22);
    const der = new Uint8Array([0x30, 2 + 33 + 2 + 31, 0x02, 33, 0x00, ...r, 0x02, 31, ...s]);
    const out = derToP1363(der, 32)!;
    expect(bytesToHex(out.subarray(0, 32))).toBe("11".repeat(32));
    expect(bytesToHex(out.subarray(32))).toBe(`00${"22".repeat(31)}`);
  });

  it("never throws on arbitrary bytes and refuses trailing garbage", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 90 }), (bytes) => void derToP1363(bytes, 32)), { numRuns: 5000 });
    const ok = new Uint8Array([0x30, 6, 0x02, 1, 1, 0x02, 1, 1]);
    expect(derToP1363(ok, 32)).not.toBeNull();
    expect(derToP1363(new Uint8Array([...ok, 0]), 32)).toBeNull();
  });
});

describe("the URL a provider signed", () => {
  const url = new URL("https://hooks.example.com/twilio/sms?auth=tk&b=2&a=%20x");

  it("is the URL as received by default, the gateway's token included", () => {
    expect(signedUrl(url, {})).toBe("https://hooks.example.com/twilio/sms?auth=tk&b=2&a=%20x");
  });

  it("leaves the gateway's token out when the provider never saw it, keeping every other byte", () => {
    expect(signedUrl(url, { dropQuery: ["auth"] })).toBe("https://hooks.example.com/twilio/sms?b=2&a=%20x");
    expect(signedUrl(new URL("https://h.example/p?auth=tk"), { dropQuery: ["auth"] })).toBe("https://h.example/p");
  });

  it("uses the public URL the provider was given, with the query as received", () => {
    expect(signedUrl(url, { publicUrl: "https://public.example.org/sms", dropQuery: ["auth"] })).toBe("https://public.example.org/sms?b=2&a=%20x");
  });

  it("tries the default port both ways, and only the default port", () => {
    expect(withAndWithoutDefaultPort("https://a.example/x?y=1")).toEqual(["https://a.example/x?y=1", "https://a.example:443/x?y=1"]);
    expect(withAndWithoutDefaultPort("http://a.example:80/x")).toEqual(["http://a.example/x", "http://a.example:80/x"]);
    expect(withAndWithoutDefaultPort("https://a.example:8443/x")).toEqual(["https://a.example:8443/x"]);
  });

  it("decodes exactly HubSpot's listed escapes", () => {
    expect(hubspotUri("https://a.example/p%3Aq%2Fr?x=%40%21%24%27%28%29%2A%2C%3B%3F&y=%20%26")).toBe("https://a.example/p:q/r?x=@!$'()*,;?&y=%20%26");
  });

  it("never throws on arbitrary queries", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (q) => {
        let parsed: URL;
        try {
          parsed = new URL(`https://h.example/p?${q}`);
        } catch {
          return;
        }
        signedUrl(parsed, { dropQuery: ["auth", "bodySHA256"] });
      }),
    );
  });
});

describe("JSON body fields", () => {
  it("reads strings and numbers only, never through arrays or prototypes", () => {
    const f = new BodyFields(new TextEncoder().encode('{"id":"evt_1","n":12,"a":[{"x":1}],"o":{"p":{"q":"deep"}}}'));
    expect([f.text("id"), f.text("n"), f.text("o.p.q"), f.text("a.0.x"), f.text("__proto__"), f.text("constructor")]).toEqual([
      "evt_1",
      "12",
      "deep",
      undefined,
      undefined,
      undefined,
    ]);
  });
});

/** Headers that presets read beside the signature, filled with plausible or arbitrary values. */
const SIDE_HEADERS = [
  "x-slack-request-timestamp",
  "webhook-id",
  "webhook-timestamp",
  "svix-id",
  "svix-timestamp",
  "x-signature-timestamp",
  "x-twilio-email-event-webhook-timestamp",
  "x-zm-request-timestamp",
  "x-hubspot-request-timestamp",
  "x-contentful-timestamp",
  "x-contentful-signed-headers",
];

/** A key in the encoding a data-only preset (or Adyen's, hex) decodes. */
function familyKey(name: string): string | undefined {
  const encoding = name === "adyen" ? "hex" : HMAC_FAMILY.find((e) => e.name === name)?.scheme.keyEncoding;
  return encoding === "hex" ? "0a".repeat(32) : encoding === "base64" ? bytesToBase64(new Uint8Array(32).fill(5)) : undefined;
}

async function publicKeyFor(name: string): Promise<string> {
  if (name === "discord" || name === "telnyx") {
    const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
    const raw = new Uint8Array((await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer);
    return name === "discord" ? bytesToHex(raw) : bytesToBase64(raw);
  }
  const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
  return bytesToBase64(new Uint8Array((await crypto.subtle.exportKey("spki", pair.publicKey)) as ArrayBuffer));
}

/** A P-256 public key as a JWK (Plaid's and FusionAuth's pinned keys). */
async function ecJwk(): Promise<JsonWebKey> {
  const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
  return (await crypto.subtle.exportKey("jwk", pair.publicKey)) as JsonWebKey;
}

describe("every preset on arbitrary requests", () => {
  it("refuses arbitrary signature headers and bodies without throwing", async () => {
    const verifiers = await Promise.all(
      PRESET_NAMES.filter((n) => n !== "sns").map(async (name) => {
        const secret = name === "discord" || name === "sendgrid" || name === "telnyx" ? await publicKeyFor(name) : name.includes("webhooks") || name === "svix" || name === "gitlab-signing" || name in standardFamily ? `whsec_${bytesToBase64(new Uint8Array(32).fill(7))}` : ["postmark", "pipedrive", "chargebee"].includes(name) ? "fuzz-user:s3cret-for-fuzzing" : name === "contentful" ? "s3cret-for-fuzzing".padEnd(64, "x") : familyKey(name) ?? "s3cret-for-fuzzing";
        if (["plaid", "fusionauth", "paypal"].includes(name)) return presets[name]!.build({ secrets: [], options: { keys: [await ecJwk()], alg: "ES256", webhookId: "WH1" }, url: {} });
        if (name === "ebay") return presets[name]!.build({ secrets: [], options: { keys: { fuzz: await publicKeyFor("sendgrid") }, verificationToken: "vt" }, url: {} });
        const options = { legacySha1: true, verifyToken: "vt", accessKey: "ak", audience: "https://hooks.example.com/monday" };
        return presets[name]!.build({ secrets: [{ value: secret }], options, url: {} });
      }),
    );
    const headerValue = fc.oneof(
      fc.string({ maxLength: 120 }),
      fc.constant(String(NOW / 1000)),
      fc.constant(String(NOW)),
      fc.stringMatching(/^(sha256=|sha1=|v0=|v1,|t=\d{10},v1=)[0-9a-f]{0,70}$/),
      fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b) => bytesToBase64(b)),
    );
    const body = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc.json().map((j) => new TextEncoder().encode(j)),
      fc.string({ maxLength: 200 }).map((s) => new TextEncoder().encode(`mandrill_events=${encodeURIComponent(s)}&a=b`)),
      fc.constant(new TextEncoder().encode('{"signature":{"timestamp":"1790000000","token":"t","signature":"00"},"value":[{"clientState":"x"}]}')),
    );
    await fc.assert(
      fc.asyncProperty(headerValue, headerValue, body, async (sig, side, bytes) => {
        for (const verifier of verifiers) {
          const headers = new Headers();
          try {
            for (const h of [...(verifier.signatureHeaders ?? []), ...verifier.strip.headers]) headers.set(h, sig);
            for (const h of SIDE_HEADERS) headers.set(h, side);
          } catch {
            return; // not representable as HTTP header values
          }
          const url = new URL(`https://hooks.example.com/p?auth=${encodeURIComponent(sig)}&bodySHA256=${encodeURIComponent(side)}`);
          const result = await verifier.verify({ method: "POST", url, headers, body: bytes, now: NOW });
          expect(result.ok, verifier.scheme).toBe(false);
        }
      }),
      { numRuns: 150 },
    );
  });
});
