/**
 * The eBay preset beyond the shared vector checks (providers.test.ts): one refusal per reason,
 * against eBay's own signed test message (event-notification-nodejs-sdk test/test.json, in
 * test/vectors/providers.json) with its header re-encoded field by field; the compact-form
 * fallback and the bodies it must not take; keys pinned by kid and the config it refuses;
 * the challenge_code handshake; and fast-check properties of the two parsers of untrusted input.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import vectors from "../../vectors/providers.json";
import { bytesToBase64, bytesToHex, utf8 } from "../../../src/lib/encoding";
import { compactForm, ebayVerifier, parseEbaySignatureHeader, type EbayPinnedKey } from "../../../src/verify/ebay";
import { ebayChallenge } from "../../../src/verify/handshakes";
import { SchemeConfigError } from "../../../src/verify/keys";
import { presets } from "../../../src/verify/presets";
import type { VerifyInput } from "../../../src/verify/types";

interface Vector {
  readonly name: string;
  readonly provider: string;
  readonly method: { readonly keys: Record<string, EbayPinnedKey>; readonly verificationToken: string };
  readonly request: { readonly headers: Record<string, string>; readonly body: string };
  readonly eventId?: string;
}

const EBAY = (vectors as unknown as Vector[]).find((v) => v.name === "ebay: eBay's signed MARKETPLACE_ACCOUNT_DELETION (compact body)")!;
const HEADER = EBAY.request.headers["x-ebay-signature"]!;
const BODY = EBAY.request.body;
const KEYS = EBAY.method.keys;
const KID = Object.keys(KEYS)[0]!;
const NOTIFICATION_ID = EBAY.eventId!;
const DECODED = JSON.parse(atob(HEADER)) as Record<string, unknown>;
const NOW = 1_790_000_000_000;

const encode = (value: unknown) => bytesToBase64(utf8(typeof value === "string" ? value : JSON.stringify(value)));
const header = (change: Record<string, unknown>) => encode({ ...DECODED, ...change });

function input(over: { headers?: Record<string, string | null>; body?: string | Uint8Array; method?: string; url?: string } = {}): VerifyInput {
  const headers = new Headers({ "content-type": "application/json", "x-ebay-signature": HEADER });
  for (const [k, v] of Object.entries(over.headers ?? {})) {
    if (v === null) headers.delete(k);
    else headers.set(k, v);
  }
  const body = over.body ?? BODY;
  return { method: over.method ?? "POST", url: new URL(over.url ?? "https://hooks.example.com/ebay"), headers, body: typeof body === "string" ? utf8(body) : body, now: NOW };
}

const verifier = () => ebayVerifier(KEYS);
const reasonFor = async (over: Parameters<typeof input>[0]) => {
  const r = await (await verifier()).verify(input(over));
  return r.ok ? "ok" : r.reason;
};

async function p256Spki(): Promise<string> {
  const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
  return bytesToBase64(new Uint8Array((await crypto.subtle.exportKey("spki", pair.publicKey)) as ArrayBuffer));
}

describe("ebay: eBay's signed message", () => {
  it("verifies and yields notification.notificationId as the event id", async () => {
    expect(await (await verifier()).verify(input())).toEqual({ ok: true, eventId: NOTIFICATION_ID });
  });

  it("takes alg and digest in either case, as eBay's docs (ECDSA) and its test message (ecdsa) write them", async () => {
    expect(await reasonFor({ headers: { "x-ebay-signature": header({ alg: "ECDSA", digest: "sha1" }) } })).toBe("ok");
  });
});

describe("ebay: one refusal per reason", () => {
  it("refuses a request without X-EBAY-SIGNATURE: missing_signature", async () => {
    expect(await reasonFor({ headers: { "x-ebay-signature": null } })).toBe("missing_signature");
  });

  it("refuses a header that is not base64, not JSON, or not an object of four strings: malformed_signature", async () => {
    const bad = [
      "",
      "%%%",
      "not base64!",
      HEADER.slice(1),
      `${HEADER}00`,
      encode("not json"),
      encode("[1,2]"),
      encode("null"),
      encode(JSON.stringify(DECODED).slice(0, -1)),
      header({ kid: 42 }),
      header({ signature: null }),
      header({ digest: undefined }),
      header({ alg: undefined }),
      "A".repeat(5000),
    ];
    for (const value of bad) expect(await reasonFor({ headers: { "x-ebay-signature": value } }), value.slice(0, 60)).toBe("malformed_signature");
  });

  it("refuses another algorithm or digest than ECDSA with SHA1: malformed_signature", async () => {
    for (const change of [{ alg: "RSA" }, { alg: "ES256" }, { alg: "ecdsa " }, { digest: "SHA256" }, { digest: "SHA-1" }, { digest: "" }]) {
      expect(await reasonFor({ headers: { "x-ebay-signature": header(change) } }), JSON.stringify(change)).toBe("malformed_signature");
    }
  });

  it("refuses a signature that is not base64 DER of two integers: malformed_signature", async () => {
    const der = atob(DECODED.signature as string);
    const raw = Uint8Array.from(der, (c) => c.charCodeAt(0));
    const withTrailing = bytesToBase64(new Uint8Array([...raw, 0]));
    for (const signature of ["", "!!!", "MEYCIQ", withTrailing, bytesToBase64(raw.slice(0, -1)), bytesToBase64(new Uint8Array(64))]) {
      expect(await reasonFor({ headers: { "x-ebay-signature": header({ signature }) } }), signature).toBe("malformed_signature");
    }
  });

  it("refuses a kid the route does not pin, or one that is no key id: untrusted_certificate, malformed_signature", async () => {
    expect(await reasonFor({ headers: { "x-ebay-signature": header({ kid: "9936261a-7d7b-4621-a0f1-96ccb428af47" }) } })).toBe("untrusted_certificate");
    expect(await reasonFor({ headers: { "x-ebay-signature": header({ kid: "__proto__" }) } })).toBe("untrusted_certificate");
    expect(await reasonFor({ headers: { "x-ebay-signature": header({ kid: "../keys" }) } })).toBe("malformed_signature");
    expect(await reasonFor({ headers: { "x-ebay-signature": header({ kid: "" }) } })).toBe("malformed_signature");
  });

  it("refuses a changed body, and eBay's signature under another key pinned for its kid: signature_mismatch", async () => {
    expect(await reasonFor({ body: BODY.replace("test_user", "test_usr") })).toBe("signature_mismatch");
    expect(await reasonFor({ body: BODY.replace('"publishAttemptCount":1', '"publishAttemptCount":2') })).toBe("signature_mismatch");
    expect(await reasonFor({ body: "" })).toBe("signature_mismatch");
    const other = await ebayVerifier({ [KID]: await p256Spki() });
    expect(await other.verify(input())).toEqual({ ok: false, reason: "signature_mismatch" });
  });

  it("checks a signature with the key its kid names among several pinned (rotation), and no other", async () => {
    const two = await ebayVerifier({ "rotated-in": await p256Spki(), [KID]: KEYS[KID]! });
    expect((await two.verify(input())).ok).toBe(true);
    expect(await two.verify(input({ headers: { "x-ebay-signature": header({ kid: "rotated-in" }) } }))).toEqual({ ok: false, reason: "signature_mismatch" });
  });
});

describe("ebay: the compact form eBay's SDKs verify", () => {
  const message = JSON.parse(BODY) as unknown;

  it("accepts the message with JSON whitespace added anywhere between tokens (pretty-printed, CRLF, tabs, a trailing newline)", async () => {
    for (const body of [JSON.stringify(message, null, 2), JSON.stringify(message, null, "\t"), `${BODY}\n`, ` ${BODY}`, JSON.stringify(message, null, 4).replace(/\n/g, "\r\n")]) {
      expect(await (await verifier()).verify(input({ body })), body.slice(0, 40)).toEqual({ ok: true, eventId: NOTIFICATION_ID });
    }
  });

  it("refuses a body that re-serialises to the signed form but says it otherwise (escapes, numbers, duplicate keys, BOM)", async () => {
    const variants = [
      BODY.replace("test_user", "test\\u005fuser"), // an escape: the same string to JSON.parse, other bytes
      BODY.replace("eiasToken", "eias\\u0054oken"),
      BODY.replace("nY+seQ==", "nY\\u002bseQ=="),
      BODY.replace('"publishAttemptCount":1', '"publishAttemptCount":1.0'),
      BODY.replace('"publishAttemptCount":1', '"publishAttemptCount":1e0'),
      BODY.replace('"deprecated":false', '"deprecated":true,"deprecated":false'), // a first-wins parser would read true
      BODY.replace('{"metadata":', '{"notification":{"data":{"userId":"someone-else"}},"metadata":'),
      `\uFEFF${BODY}`,
    ];
    for (const body of variants) {
      expect(body).not.toBe(BODY);
      expect(await reasonFor({ body }), body.slice(0, 80)).toBe("signature_mismatch");
    }
  });

  it("has no compact form for a body already compact, not JSON, or not UTF-8", () => {
    expect(compactForm(utf8(BODY))).toBeNull();
    expect(compactForm(utf8("{not json"))).toBeNull();
    expect(compactForm(new Uint8Array([0x7b, 0xff, 0x7d]))).toBeNull();
    expect(compactForm(utf8(" 1 "))).toEqual(utf8("1"));
  });

  it("gives the compact form of any JSON value with whitespace added, and nothing when there is none to remove (property)", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(1, 2, "\t", "\r\n  "), (value, space) => {
        const compact = JSON.stringify(value);
        const spaced = JSON.stringify(value, null, space);
        const form = compactForm(utf8(spaced));
        if (spaced === compact) expect(form).toBeNull();
        else expect(new TextDecoder().decode(form!)).toBe(compact);
      }),
    );
  });

  it("never throws on arbitrary bytes or JSON-like text, and what it gives always parses to what the body parses to (property)", () => {
    const jsonish = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc.string({ maxLength: 200 }).map(utf8),
      fc.tuple(fc.json(), fc.array(fc.nat(), { maxLength: 4 }), fc.constantFrom(" ", "\n", "\\", '"', "\uFEFF", "\\u0041")).map(([text, at, insert]) => {
        let out = text;
        for (const i of at) out = out.slice(0, i % (out.length + 1)) + insert + out.slice(i % (out.length + 1));
        return utf8(out);
      }),
    );
    fc.assert(
      fc.property(jsonish, (body) => {
        const form = compactForm(body);
        if (form === null) return;
        const text = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true }).decode(body);
        expect(JSON.parse(new TextDecoder().decode(form))).toEqual(JSON.parse(text));
        expect(form.length).toBeLessThan(body.length);
      }),
    );
  });
});

describe("ebay: the header parser (untrusted input)", () => {
  it("never throws, and gives a 64-byte r‖s signature or null (property)", () => {
    const fields = fc.dictionary(fc.constantFrom("alg", "kid", "signature", "digest", "__proto__", "extra"), fc.oneof(fc.jsonValue(), fc.constantFrom("ECDSA", "SHA1", KID, DECODED.signature as string)));
    const headerText = fc.oneof(fc.string({ maxLength: 300 }), fields.map(encode), fc.json().map(encode), fc.base64String({ maxLength: 300 }));
    fc.assert(
      fc.property(headerText, (text) => {
        const parsed = parseEbaySignatureHeader(text);
        if (parsed) expect(parsed.signature.length).toBe(64);
      }),
    );
  });

  it("makes the verifier refuse, never throw, whatever the header and body (property)", async () => {
    const v = await verifier();
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 300 }), fc.jsonValue().map(encode)), fc.uint8Array({ maxLength: 64 }), async (text, body) => {
        const r = await v.verify(input({ headers: { "x-ebay-signature": text }, body }));
        expect(r.ok).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});

describe("ebay: pinned keys in the route config", () => {
  it("takes the PEM alone, base64 SPKI, or getPublicKey's answer as it came", async () => {
    const response = KEYS[KID] as { key: string };
    const spki = response.key.replace(/-----(BEGIN|END) PUBLIC KEY-----/g, "");
    for (const pinned of [response, response.key, spki, { key: response.key }, { ...response, algorithm: "ecdsa", digest: "sha1" }]) {
      expect((await (await ebayVerifier({ [KID]: pinned as EbayPinnedKey })).verify(input())).ok, JSON.stringify(pinned).slice(0, 60)).toBe(true);
    }
  });

  it("fails the route's config, never a request later, for keys it cannot use", async () => {
    const response = KEYS[KID] as { key: string; algorithm: string; digest: string };
    const rsa = (await crypto.subtle.generateKey({ name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
    const p384 = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-384" }, true, ["sign", "verify"])) as CryptoKeyPair;
    const spkiOf = async (k: CryptoKey) => bytesToBase64(new Uint8Array((await crypto.subtle.exportKey("spki", k)) as ArrayBuffer));
    const bad: [Record<string, EbayPinnedKey> | undefined, RegExp][] = [
      [undefined, /pinned by kid/],
      [{}, /pinned by kid/],
      [Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`kid-${i}`, response])), /1 to 10/],
      [{ "bad kid/": response }, /not a key id/],
      [{ [KID]: { ...response, digest: "SHA256" } }, /digest "SHA256" is not SHA1/],
      [{ [KID]: { ...response, algorithm: "RSA" } }, /algorithm "RSA" is not ECDSA/],
      [{ [KID]: "-----BEGIN PUBLIC KEY-----%%%-----END PUBLIC KEY-----" }, /not valid pem/],
      [{ [KID]: "-----BEGIN CERTIFICATE-----MIIB-----END CERTIFICATE-----" }, /not valid pem/],
      [{ [KID]: await spkiOf(rsa.publicKey) }, /not a usable ecdsa-p256-sha1 key/],
      [{ [KID]: await spkiOf(p384.publicKey) }, /not a usable ecdsa-p256-sha1 key/],
    ];
    for (const [pins, message] of bad) {
      const error = await ebayVerifier(pins).catch((e: unknown) => e);
      expect(error, message.source).toBeInstanceOf(SchemeConfigError);
      expect((error as Error).message).toMatch(message);
    }
  });
});

describe("ebay: the endpoint validation (GET ?challenge_code=)", () => {
  const TOKEN = "ebay-verification-token-for-unit-tests-0123";
  const sha256Hex = async (text: string) => bytesToHex(new Uint8Array(await crypto.subtle.digest("SHA-256", utf8(text))));
  const ask = (url: string, method = "GET", token: string | undefined = TOKEN, publicUrl?: string) =>
    ebayChallenge(token, publicUrl ? { publicUrl } : {}).answer({ method, url: new URL(url), headers: new Headers(), now: NOW });

  it("answers hex SHA-256(challengeCode + verificationToken + endpoint) as JSON, the endpoint being the URL without challenge_code", async () => {
    const answer = await ask("https://hooks.example.com/ebay?challenge_code=abc123");
    expect(answer!.status).toBe(200);
    expect(answer!.headers.get("content-type")).toBe("application/json");
    expect(answer!.headers.get("x-hookgate-handshake")).toBe("true");
    expect(await answer!.json()).toEqual({ challengeResponse: await sha256Hex(`abc123${TOKEN}https://hooks.example.com/ebay`) });
  });

  it("keeps the rest of the query (a gateway token given to eBay) and takes publicUrl when eBay was given another URL", async () => {
    const kept = await ask("https://hooks.example.com/ebay?auth=tk&challenge_code=c0de");
    expect(await kept!.json()).toEqual({ challengeResponse: await sha256Hex(`c0de${TOKEN}https://hooks.example.com/ebay?auth=tk`) });
    const pub = await ask("https://edge.workers.dev/ebay?challenge_code=c0de", "GET", TOKEN, "https://shop.example.com/ebay/deletion");
    expect(await pub!.json()).toEqual({ challengeResponse: await sha256Hex(`c0de${TOKEN}https://shop.example.com/ebay/deletion`) });
  });

  it("hashes the code as eBay sends it, URL-decoded", async () => {
    const answer = await ask("https://hooks.example.com/ebay?challenge_code=a%2Bb%20c");
    expect(await answer!.json()).toEqual({ challengeResponse: await sha256Hex(`a+b c${TOKEN}https://hooks.example.com/ebay`) });
  });

  it("refuses an empty or huge code (400), and answers nothing without a verification token (503)", async () => {
    for (const code of ["", "x".repeat(3000)]) {
      const answer = await ask(`https://hooks.example.com/ebay?challenge_code=${code}`);
      expect(answer!.status).toBe(400);
      expect(await answer!.text()).not.toMatch(/[0-9a-f]{64}/);
    }
    const none = await ebayChallenge(undefined, {}).answer({ method: "GET", url: new URL("https://hooks.example.com/ebay?challenge_code=abc"), headers: new Headers(), now: NOW });
    expect(none!.status).toBe(503);
    expect(await none!.text()).not.toMatch(/[0-9a-f]{64}/);
  });

  it("is not a handshake without challenge_code, or on another method", async () => {
    expect(await ask("https://hooks.example.com/ebay")).toBeNull();
    expect(await ask("https://hooks.example.com/ebay?challenge=abc")).toBeNull();
    expect(await ask("https://hooks.example.com/ebay?challenge_code=abc", "POST")).toBeNull();
  });

  it("is the preset's handshake, for GET only, with the route's token and publicUrl", async () => {
    const v = await presets.ebay!.build({ secrets: [], options: { keys: KEYS, verificationToken: TOKEN, publicUrl: "https://shop.example.com/ebay" }, url: { publicUrl: "https://shop.example.com/ebay" } });
    expect(v.handshake!.methods).toEqual(["GET"]);
    const answer = await v.handshake!.answer({ method: "GET", url: new URL("https://edge.example.com/x?challenge_code=q"), headers: new Headers(), now: NOW });
    expect(await answer!.json()).toEqual({ challengeResponse: await sha256Hex(`q${TOKEN}https://shop.example.com/ebay`) });
  });
});
