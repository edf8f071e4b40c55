/**
 * Stripe and GitHub presets. Valid signatures come from the providers' own libraries
 * (stripe's generateTestHeaderStringAsync, @octokit/webhooks-methods' sign) and GitHub's
 * documented test vector; never from our own signer.
 */
import { sign as octokitSign } from "@octokit/webhooks-methods";
import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { utf8 } from "../../../src/lib/encoding";
import { schemeVerifier } from "../../../src/verify/scheme";
import { githubScheme as github } from "../../../src/verify/presets/github";
import { stripeScheme as stripe } from "../../../src/verify/presets/stripe";
import type { VerifyInput } from "../../../src/verify/types";

const stripeSdk = new Stripe("sk_test_unused");
const NOW = 1_780_000_000_000; // fixed clock, ms
const NOW_S = NOW / 1000;

function input(headers: Record<string, string>, body: string | Uint8Array, now = NOW): VerifyInput {
  return {
    method: "POST",
    url: new URL("https://hooks.example.com/stripe"),
    headers: new Headers(headers),
    body: typeof body === "string" ? utf8(body) : body,
    now,
  };
}

const stripeHeader = (payload: string, secret: string, timestamp = NOW_S) =>
  stripeSdk.webhooks.generateTestHeaderStringAsync({ payload, secret, timestamp });

describe("stripe preset", () => {
  const secret = "whsec_test_secret_0123456789";
  const body = JSON.stringify({ id: "evt_1", object: "event", type: "payment_intent.succeeded", data: { object: { amount: 2000 } } });

  it("accepts a header made by the stripe SDK", async () => {
    const v = await schemeVerifier(stripe, [{ value: secret }]);
    // The preset hands Stripe's event id (the body's `id`) on to dedup.
    expect(await v.verify(input({ "stripe-signature": await stripeHeader(body, secret) }, body))).toEqual({ ok: true, eventId: "evt_1" });
  });

  it("accepts when one of several v1 signatures matches (rotation on Stripe's side)", async () => {
    const v = await schemeVerifier(stripe, [{ value: secret }]);
    const good = (await stripeHeader(body, secret)).split(",").find((p) => p.startsWith("v1="))!;
    const other = (await stripeHeader(body, "whsec_other")).split(",").find((p) => p.startsWith("v1="))!;
    expect((await v.verify(input({ "stripe-signature": `t=${NOW_S},${other},${good}` }, body))).ok).toBe(true);
  });

  it("accepts either of two configured secrets (rotation on our side)", async () => {
    const v = await schemeVerifier(stripe, [{ value: "whsec_old" }, { value: secret }]);
    expect((await v.verify(input({ "stripe-signature": await stripeHeader(body, secret) }, body))).ok).toBe(true);
  });

  it("stops accepting a secret after its notAfter", async () => {
    const v = await schemeVerifier(stripe, [{ value: secret, notAfter: NOW - 1 }]);
    const res = await v.verify(input({ "stripe-signature": await stripeHeader(body, secret) }, body));
    expect(res).toEqual({ ok: false, reason: "no_active_secret" });
  });

  it("ignores v0 signatures (downgrade protection)", async () => {
    const v = await schemeVerifier(stripe, [{ value: secret }]);
    const v1 = (await stripeHeader(body, secret)).split(",").find((p) => p.startsWith("v1="))!;
    const res = await v.verify(input({ "stripe-signature": `t=${NOW_S},v0=${v1.slice(3)}` }, body));
    expect(res).toEqual({ ok: false, reason: "malformed_signature" });
  });

  const rejections: [string, () => Promise<VerifyInput>, string][] = [
    ["a body changed by one byte", async () => input({ "stripe-signature": await stripeHeader(body, secret) }, body.replace("2000", "2001")), "signature_mismatch"],
    ["a wrong secret", async () => input({ "stripe-signature": await stripeHeader(body, "whsec_wrong") }, body), "signature_mismatch"],
    ["a missing header", async () => input({}, body), "missing_signature"],
    ["an empty header", async () => input({ "stripe-signature": "" }, body), "malformed_signature"],
    ["a header without signatures", async () => input({ "stripe-signature": `t=${NOW_S}` }, body), "malformed_signature"],
    ["non-hex signature", async () => input({ "stripe-signature": `t=${NOW_S},v1=zz${"0".repeat(62)}` }, body), "malformed_signature"],
    ["a huge header", async () => input({ "stripe-signature": `t=${NOW_S},${"v1=00,".repeat(2000)}` }, body), "malformed_signature"],
    ["no timestamp", async () => input({ "stripe-signature": (await stripeHeader(body, secret)).replace(/^t=\d+,/, "") }, body), "missing_timestamp"],
    ["a non-numeric timestamp", async () => input({ "stripe-signature": (await stripeHeader(body, secret)).replace(/^t=\d+/, "t=1e9") }, body), "malformed_timestamp"],
    ["a timestamp 301 s old", async () => input({ "stripe-signature": await stripeHeader(body, secret, NOW_S - 301) }, body), "stale_timestamp"],
    ["a timestamp 301 s in the future", async () => input({ "stripe-signature": await stripeHeader(body, secret, NOW_S + 301) }, body), "future_timestamp"],
  ];
  for (const [what, make, reason] of rejections) {
    it(`rejects ${what} (${reason})`, async () => {
      const v = await schemeVerifier(stripe, [{ value: secret }]);
      expect(await v.verify(await make())).toEqual({ ok: false, reason });
    });
  }

  it("accepts a timestamp 300 s old and 300 s ahead (the window is inclusive)", async () => {
    const v = await schemeVerifier(stripe, [{ value: secret }]);
    for (const t of [NOW_S - 300, NOW_S + 300]) {
      expect((await v.verify(input({ "stripe-signature": await stripeHeader(body, secret, t) }, body))).ok).toBe(true);
    }
  });

  it("honours a configured tolerance", async () => {
    const v = await schemeVerifier({ ...stripe, timestamp: { unit: "s", toleranceSeconds: 10 } }, [{ value: secret }]);
    const res = await v.verify(input({ "stripe-signature": await stripeHeader(body, secret, NOW_S - 11) }, body));
    expect(res).toEqual({ ok: false, reason: "stale_timestamp" });
  });
});

describe("github preset", () => {
  const secret = "It's a Secret to Everybody";

  it("accepts GitHub's documented test vector", async () => {
    // https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
    const v = await schemeVerifier(github, [{ value: secret }]);
    const headers = {
      "x-hub-signature-256": "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
      "x-github-delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
    };
    expect(await v.verify(input(headers, "Hello, World!"))).toEqual({ ok: true, eventId: "72d3162e-cc78-11e3-81ab-4c9367dc0958" });
  });

  it("accepts signatures from @octokit/webhooks-methods over JSON (escaped unicode) and form bodies", async () => {
    const v = await schemeVerifier(github, [{ value: "s3cret" }]);
    for (const body of ['{"zen":"Keep it logically awesome.","name":"\\u00e4\\u00f6\\u00e5"}', "payload=%7B%22a%22%3A1%7D"]) {
      const sig = await octokitSign("s3cret", body);
      expect((await v.verify(input({ "x-hub-signature-256": sig }, body))).ok).toBe(true);
    }
  });

  const body = '{"action":"opened"}';
  const rejections: [string, () => Promise<Record<string, string>>, string, string?][] = [
    ["a body changed by one byte", async () => ({ "x-hub-signature-256": await octokitSign(secret, body) }), "signature_mismatch", '{"action":"opened "}'],
    ["a wrong secret", async () => ({ "x-hub-signature-256": await octokitSign("wrong", body) }), "signature_mismatch"],
    ["a missing header", async () => ({}), "missing_signature"],
    ["a wrong prefix", async () => ({ "x-hub-signature-256": (await octokitSign(secret, body)).replace("sha256=", "sha1=") }), "malformed_signature"],
    ["an empty signature", async () => ({ "x-hub-signature-256": "sha256=" }), "malformed_signature"],
    ["odd-length hex", async () => ({ "x-hub-signature-256": "sha256=abc" }), "malformed_signature"],
    ["a truncated signature", async () => ({ "x-hub-signature-256": (await octokitSign(secret, body)).slice(0, -2) }), "signature_mismatch"],
    ["a huge header", async () => ({ "x-hub-signature-256": `sha256=${"a".repeat(10_000)}` }), "malformed_signature"],
  ];
  for (const [what, headers, reason, sentBody] of rejections) {
    it(`rejects ${what} (${reason})`, async () => {
      const v = await schemeVerifier(github, [{ value: secret }]);
      expect(await v.verify(input(await headers(), sentBody ?? body))).toEqual({ ok: false, reason });
    });
  }
});
