/**
 * ZaloPay and payOS sign part of their body: what they sign is protected, what they do not
 * (ZaloPay's `type`, payOS's `code`/`desc`/`success` envelope) is not, and the origin must not
 * trust it. Bodies that are not the documented shape are refused, never thrown on.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import vectors from "../../vectors/providers.json";
import { utf8 } from "../../../src/lib/encoding";
import { presets } from "../../../src/verify/presets";
import { payosSignedString } from "../../../src/verify/presets/vn-payments";

const vectorOf = (name: string) => (vectors as { name: string; method: { secrets: string[] }; request: { body: string }; now: number }[]).find((v) => v.name === name)!;

async function check(provider: string, secret: string, body: string | Uint8Array) {
  const verifier = await presets[provider]!.build({ secrets: [{ value: secret }], options: {}, url: {} });
  return verifier.verify({ method: "POST", url: new URL("https://hooks.example.com/x"), headers: new Headers(), body: typeof body === "string" ? utf8(body) : body, now: Date.now() });
}

describe("payOS", () => {
  const v = vectorOf("payos: documented vector");
  const key = v.method.secrets[0]!;
  const body = JSON.parse(v.request.body) as { data: Record<string, unknown>; desc: string; signature: string };

  it("the signed data is protected; the envelope is not signed (the origin must read `data` only)", async () => {
    expect(await check("payos", key, JSON.stringify({ ...body, data: { ...body.data, amount: 3001 } }))).toEqual({ ok: false, reason: "signature_mismatch" });
    expect(await check("payos", key, JSON.stringify({ ...body, data: { ...body.data, extra: "x" } }))).toEqual({ ok: false, reason: "signature_mismatch" });
    expect((await check("payos", key, JSON.stringify({ ...body, desc: "changed" }))).ok).toBe(true);
  });

  it("renders values as the SDK does: null and 'null' empty, arrays with sorted keys", () => {
    expect(payosSignedString({ b: null, a: "null", c: [{ y: 1, x: 2 }], d: 5, e: true })).toBe('a=&b=&c=[{"x":2,"y":1}]&d=5&e=true');
  });

  it("refuses bodies of the wrong shape with a reason", async () => {
    for (const [bad, reason] of [
      ["not json", "malformed_body"],
      ["[]", "malformed_body"],
      [JSON.stringify({ data: "string", signature: body.signature }), "malformed_body"],
      [JSON.stringify({ data: body.data }), "missing_signature"],
      [JSON.stringify({ data: body.data, signature: 12 }), "malformed_signature"],
      [JSON.stringify({ data: body.data, signature: "zz" }), "malformed_signature"],
    ] as const) {
      expect(await check("payos", key, bad), bad).toEqual({ ok: false, reason });
    }
  });
});

describe("ZaloPay", () => {
  const v = vectorOf("zalopay: documented vector");
  const key = v.method.secrets[0]!;
  const body = JSON.parse(v.request.body) as { data: string; mac: string; type: number };

  it("the data string is protected byte for byte (re-serialised JSON is not the same data)", async () => {
    expect(await check("zalopay", key, JSON.stringify({ ...body, data: body.data.replace("10000", "90000") }))).toEqual({ ok: false, reason: "signature_mismatch" });
    expect(await check("zalopay", key, JSON.stringify({ ...body, data: JSON.stringify(JSON.parse(body.data), null, 1) }))).toEqual({ ok: false, reason: "signature_mismatch" });
    expect(await check("zalopay", key, JSON.stringify({ ...body, data: JSON.parse(body.data) }))).toEqual({ ok: false, reason: "malformed_body" });
  });

  it("any body: a verdict, never an exception, and never a pass without the key", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.json(), fc.record({ data: fc.string(), mac: fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: 64, maxLength: 64 }) }).map((o) => JSON.stringify(o))), async (text) => {
        const r = await check("zalopay", key, text);
        expect(r.ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
