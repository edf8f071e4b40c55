/**
 * Zendesk's signed order, key and timestamp, beyond the generic vector checks
 * (test/unit/verify/providers.test.ts). Zendesk has two texts: its verifying page,
 * base64(HMACSHA256(TIMESTAMP + BODY)), and an older copy of the event-connectors page that
 * wrote (BODY)(TIMESTAMP) and published the only worked example, which holds only in that
 * order. The preset follows the main page (what verifiers of real deliveries do; see
 * docs/research/hmac-j.md), so that example must be refused, and the same inputs signed in
 * the main page's order accepted. Signatures here are computed with WebCrypto over the
 * bytes the docs name, not by bin/scheme-signer.mjs.
 */
import { describe, expect, it } from "vitest";
import { presets } from "../../../src/verify/presets";
import type { VerifyInput } from "../../../src/verify/types";

const enc = new TextEncoder();

async function hmacBase64(key: Uint8Array, data: string): Promise<string> {
  const k = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.sign("HMAC", k, enc.encode(data)))));
}

const build = (secret: string) => presets.zendesk!.build({ secrets: [{ value: secret }], options: {}, url: {} });

function input(method: string, headers: Record<string, string>, body: string, now: number): VerifyInput {
  return { method, url: new URL("https://hooks.example.com/zendesk"), headers: new Headers(headers), body: enc.encode(body), now };
}

// The event-connectors page's worked example (https://developer.zendesk.com/documentation/event-connectors/webhooks/verifying/, older copy).
const EXAMPLE = {
  secret: "HRkRd4BeOAoUkfZr-mhauJT64rvBASlJRoIyPsd3zeA=",
  body: '{"say": "hello"}',
  timestamp: "2021-07-25T10:00:00Z",
  signature: "tRDSF7URY8BLCDlaBcQ7FHu051Zk+aAB0NKMP53teMw=",
};
const AT = Date.UTC(2021, 6, 25, 10, 0, 0);
const SIG = "x-zendesk-webhook-signature";
const TS = "x-zendesk-webhook-signature-timestamp";

describe("zendesk: TIMESTAMP + BODY, keyed with the secret's text", () => {
  it("the event-connectors example holds for BODY + TIMESTAMP only (so it documents the other order)", async () => {
    const key = enc.encode(EXAMPLE.secret);
    expect(await hmacBase64(key, EXAMPLE.body + EXAMPLE.timestamp)).toBe(EXAMPLE.signature);
    expect(await hmacBase64(key, EXAMPLE.timestamp + EXAMPLE.body)).toBe("Rry/4TtIdFyawtXXp8QdI6tlAUUQ/5kL1OTp5qo/ZIk=");
  });

  it("refuses that example as published, at its own time: the preset does not accept the superseded order", async () => {
    const verifier = await build(EXAMPLE.secret);
    const result = await verifier.verify(input("POST", { [SIG]: EXAMPLE.signature, [TS]: EXAMPLE.timestamp }, EXAMPLE.body, AT));
    expect(result).toEqual({ ok: false, reason: "signature_mismatch" });
  });

  it("accepts the same inputs signed in the main page's order", async () => {
    const verifier = await build(EXAMPLE.secret);
    const result = await verifier.verify(input("POST", { [SIG]: "Rry/4TtIdFyawtXXp8QdI6tlAUUQ/5kL1OTp5qo/ZIk=", [TS]: EXAMPLE.timestamp }, EXAMPLE.body, AT));
    expect(result).toEqual({ ok: true });
  });

  it("uses the secret as text: a signature keyed with its base64-decoded bytes is refused", async () => {
    // Zendesk's static test secret (the main page's NodeJS example) looks like base64; its example hands the string to createHmac.
    const secret = "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==";
    const verifier = await build(secret);
    const asText = await hmacBase64(enc.encode(secret), EXAMPLE.timestamp + EXAMPLE.body);
    const decoded = await hmacBase64(Uint8Array.from(atob(secret), (c) => c.charCodeAt(0)), EXAMPLE.timestamp + EXAMPLE.body);
    expect((await verifier.verify(input("POST", { [SIG]: asText, [TS]: EXAMPLE.timestamp }, EXAMPLE.body, AT))).ok).toBe(true);
    expect(await verifier.verify(input("POST", { [SIG]: decoded, [TS]: EXAMPLE.timestamp }, EXAMPLE.body, AT))).toEqual({ ok: false, reason: "signature_mismatch" });
  });
});

describe("zendesk: bodiless requests (GET, DELETE) sign the timestamp alone", () => {
  const secret = "demo-zendesk-webhook-signing-secret";

  it.each(["GET", "DELETE"])("%s with an empty body verifies over the timestamp; a body added is refused", async (method) => {
    const verifier = await build(secret);
    const signature = await hmacBase64(enc.encode(secret), EXAMPLE.timestamp);
    expect(await verifier.verify(input(method, { [SIG]: signature, [TS]: EXAMPLE.timestamp }, "", AT))).toEqual({ ok: true });
    expect(await verifier.verify(input(method, { [SIG]: signature, [TS]: EXAMPLE.timestamp }, "{}", AT))).toEqual({ ok: false, reason: "signature_mismatch" });
  });

  it("a timestamp-only signature does not cover another timestamp", async () => {
    const verifier = await build(secret);
    const signature = await hmacBase64(enc.encode(secret), EXAMPLE.timestamp);
    expect(await verifier.verify(input("GET", { [SIG]: signature, [TS]: "2021-07-25T10:00:01Z" }, "", AT))).toEqual({ ok: false, reason: "signature_mismatch" });
  });
});

describe("zendesk: the timestamp header", () => {
  const secret = "demo-zendesk-webhook-signing-secret";

  it("signs the header's text as sent: a form with milliseconds verifies when signed so", async () => {
    const verifier = await build(secret);
    const ts = "2021-07-25T10:00:00.250Z";
    const signature = await hmacBase64(enc.encode(secret), ts + EXAMPLE.body);
    expect(await verifier.verify(input("POST", { [SIG]: signature, [TS]: ts }, EXAMPLE.body, AT))).toEqual({ ok: true });
  });

  it("refuses a missing timestamp, and Unix digits or an HTTP date where ISO 8601 is documented, before any HMAC", async () => {
    const verifier = await build(secret);
    for (const ts of ["1627207200", "Sun, 25 Jul 2021 10:00:00 GMT", "2021-07-25 10:00:00Z", ""]) {
      const signature = await hmacBase64(enc.encode(secret), ts + EXAMPLE.body);
      expect(await verifier.verify(input("POST", { [SIG]: signature, [TS]: ts }, EXAMPLE.body, AT)), ts).toEqual({ ok: false, reason: "malformed_timestamp" });
    }
    const signature = await hmacBase64(enc.encode(secret), EXAMPLE.body);
    expect(await verifier.verify(input("POST", { [SIG]: signature }, EXAMPLE.body, AT))).toEqual({ ok: false, reason: "missing_timestamp" });
  });

  it("refuses a signed timestamp five minutes and a second away, both ways", async () => {
    const verifier = await build(secret);
    const signature = await hmacBase64(enc.encode(secret), EXAMPLE.timestamp + EXAMPLE.body);
    const headers = { [SIG]: signature, [TS]: EXAMPLE.timestamp };
    expect(await verifier.verify(input("POST", headers, EXAMPLE.body, AT + 301_000))).toEqual({ ok: false, reason: "stale_timestamp" });
    expect(await verifier.verify(input("POST", headers, EXAMPLE.body, AT - 301_000))).toEqual({ ok: false, reason: "future_timestamp" });
    expect((await verifier.verify(input("POST", headers, EXAMPLE.body, AT + 300_000))).ok).toBe(true);
  });
});
