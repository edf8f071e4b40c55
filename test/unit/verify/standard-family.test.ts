/**
 * Standard Webhooks under either header family: the family whose signature header the
 * request carries is the one checked (`webhook-*` first), so a right signature under one name
 * cannot cover a wrong one under the other; with neither, the request is unsigned.
 */
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { utf8 } from "../../../src/lib/encoding";
import { presets } from "../../../src/verify/presets";

const SECRET = `whsec_${btoa(String.fromCharCode(...new Uint8Array(32).fill(9)))}`;
const NOW = 1_780_000_000_000;
const body = '{"type":"user.created"}';
const id = "msg_family_test";
const signature = new Webhook(SECRET).sign(id, new Date(NOW), body);
const wrong = new Webhook(`whsec_${btoa(String.fromCharCode(...new Uint8Array(32).fill(3)))}`).sign(id, new Date(NOW), body);

const family = (prefix: string, sig: string) => ({ [`${prefix}-id`]: id, [`${prefix}-timestamp`]: String(NOW / 1000), [`${prefix}-signature`]: sig });

async function check(name: string, headers: Record<string, string>) {
  const verifier = await presets[name]!.build({ secrets: [{ value: SECRET }], options: {}, url: {} });
  return verifier.verify({ method: "POST", url: new URL("https://hooks.example.com/x"), headers: new Headers(headers), body: utf8(body), now: NOW });
}

describe("either header family", () => {
  for (const name of ["standard-webhooks", "svix", "clerk", "openai"]) {
    it(`${name}: webhook-* and svix-* each verify, with the family's id as event id`, async () => {
      expect(await check(name, family("webhook", signature))).toEqual({ ok: true, eventId: id });
      expect(await check(name, family("svix", signature))).toEqual({ ok: true, eventId: id });
    });
  }

  it("both families present: webhook-* is checked, so a right svix-signature cannot cover a wrong webhook-signature", async () => {
    expect(await check("svix", { ...family("webhook", wrong), ...family("svix", signature) })).toEqual({ ok: false, reason: "signature_mismatch" });
    expect(await check("svix", { ...family("webhook", signature), ...family("svix", wrong) })).toEqual({ ok: true, eventId: id });
  });

  it("a signature under one family with the timestamp of the other is not accepted", async () => {
    expect(await check("standard-webhooks", { "webhook-id": id, "svix-timestamp": String(NOW / 1000), "webhook-signature": signature })).toEqual({ ok: false, reason: "missing_timestamp" });
  });

  it("neither family: missing_signature", async () => {
    expect(await check("resend", { "content-type": "application/json" })).toEqual({ ok: false, reason: "missing_signature" });
  });
});
