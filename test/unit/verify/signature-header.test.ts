/** Property tests: the signature header parser and the HMAC verifier never throw on arbitrary input, and never verify it. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { schemeVerifier } from "../../../src/verify/scheme";
import { githubScheme as github } from "../../../src/verify/presets/github";
import { stripeScheme as stripe } from "../../../src/verify/presets/stripe";
import { MAX_SIGNATURE_HEADER_CHARS, parseSignatureHeader } from "../../../src/verify/signature-header";
import { parseTimestampMs } from "../../../src/verify/timestamp";

const headerish = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ unit: "binary", maxLength: 300 }),
  fc.array(fc.tuple(fc.constantFrom("t", "v1", "v0", "", "x", " t"), fc.string({ maxLength: 80 })), { maxLength: 12 }).map((pairs) =>
    pairs.map(([k, v]) => `${k}=${v}`).join(","),
  ),
  fc.string({ maxLength: 80 }).map((s) => `sha256=${s}`),
);

describe("parseSignatureHeader", () => {
  it("never throws, and returns null or at least one non-empty signature", () => {
    fc.assert(
      fc.property(headerish, (value) => {
        for (const format of [stripe.format, github.format]) {
          const parsed = parseSignatureHeader(value, format);
          if (parsed) {
            expect(parsed.signatures.length).toBeGreaterThan(0);
            for (const s of parsed.signatures) expect(s).not.toBe("");
          }
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("refuses headers over the length cap", () => {
    expect(parseSignatureHeader(`t=1,v1=${"a".repeat(MAX_SIGNATURE_HEADER_CHARS)}`, stripe.format)).toBeNull();
  });

  it("refuses two timestamps", () => {
    expect(parseSignatureHeader("t=1,t=2,v1=aa", stripe.format)).toBeNull();
  });

  it("keeps every v1 and drops other schemes", () => {
    expect(parseSignatureHeader("t=12,v1=aa,v0=bb,v1=cc", stripe.format)).toEqual({ timestamp: "12", signatures: ["aa", "cc"] });
  });
});

describe("parseTimestampMs", () => {
  it("accepts only plain digits", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), (s) => {
        const ms = parseTimestampMs(s, "s");
        if (ms !== null) expect(/^[0-9]+$/.test(s)).toBe(true);
      }),
    );
  });
});

describe("hmac verifier on arbitrary headers", () => {
  it("rejects every arbitrary stripe or github header without throwing", async () => {
    const [s, g] = await Promise.all([schemeVerifier(stripe, [{ value: "whsec_x" }]), schemeVerifier(github, [{ value: "x" }])]);
    await fc.assert(
      fc.asyncProperty(headerish, fc.uint8Array({ maxLength: 64 }), async (value, body) => {
        for (const [v, name] of [
          [s, "stripe-signature"],
          [g, "x-hub-signature-256"],
        ] as const) {
          // Headers arrive as bytes decoded as latin-1: code points above 0xff cannot occur.
          if (/[^\x00-\xff]/.test(value)) return;
          let headers: Headers;
          try {
            headers = new Headers({ [name]: value });
          } catch {
            return; // not representable as an HTTP header at all
          }
          const res = await v.verify({ method: "POST", url: new URL("https://h.test/"), headers, body, now: 1_700_000_000_000 });
          expect(res.ok).toBe(false);
        }
      }),
      { numRuns: 500 },
    );
  });
});
