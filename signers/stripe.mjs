// Stripe (src/verify/presets/stripe.ts): `Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">`,
// one v1 per active secret. stripe-node signs the vectors; ours must give the same header.
import { concat, hex, hmac, json, JSON_TYPE, seconds } from "./lib.mjs";
import { agree, anySecret, attempt, HOST, once, TS, vector } from "./vector.mjs";

/** The header for a body signed at `t` (unix seconds) with each of `secrets`. */
export const signature = (secrets, t, body) => [`t=${t}`, ...secrets.map((s) => `v1=${hmac("sha256", s, concat(`${t}.`, body), "hex")}`)].join(",");

/** A Stripe-like event: also what `send --provider token|basic|none` posts. */
export const sampleEvent = (c) =>
  json({ id: c.eventId ?? `evt_${hex(12)}`, object: "event", type: "payment_intent.succeeded", created: seconds(c.now), livemode: false, data: { object: { id: `pi_${hex(8)}`, object: "payment_intent", amount: 2000, currency: "usd", status: "succeeded" } } });

export function event(c) {
  const body = c.body ?? sampleEvent(c);
  return { body, headers: { "content-type": JSON_TYPE, "stripe-signature": signature([c.need("secret")], seconds(c.now), body) } };
}

const sdk = once(async () => new (await import("stripe")).default("sk_test_provider_vectors"));

export async function vectors() {
  const stripe = await sdk();
  const oldSecret = "whsec_provider_vectors_old_0a1b2c3d4e5f60718293a4b5c6d7e8f9";
  const secret = "whsec_provider_vectors_new_f9e8d7c6b5a4938271605f4e3d2c1b0a";
  const body = json({
    id: "evt_1VecT0rStripeA1b2C3d4",
    object: "event",
    api_version: "2026-08-27.basil",
    created: TS,
    type: "payment_intent.succeeded",
    livemode: false,
    pending_webhooks: 1,
    data: { object: { id: "pi_3VecT0rStripe", object: "payment_intent", amount: 2000, currency: "eur", status: "succeeded" } },
  });
  const header = (s) => agree("stripe", signature([s], TS, body), stripe.webhooks.generateTestHeaderString({ payload: body, secret: s, timestamp: TS }));
  const source = "stripe-node 23 webhooks.generateTestHeaderString";
  // Rotation: Stripe sends one v1 per active secret; the route knows only the new one, signed second.
  const v1 = (s) => header(s).split(",")[1];
  return [
    vector({
      name: "stripe: payment_intent.succeeded",
      provider: "stripe",
      source,
      method: { secrets: [secret] },
      request: { url: `${HOST}/stripe`, headers: { "content-type": "application/json; charset=utf-8", "stripe-signature": header(secret) }, body },
      eventId: "evt_1VecT0rStripeA1b2C3d4",
    }),
    vector({
      name: "stripe: two v1 (rotation)",
      provider: "stripe",
      source,
      method: { secrets: [secret] },
      request: {
        url: `${HOST}/stripe`,
        headers: { "content-type": "application/json; charset=utf-8", "stripe-signature": `t=${TS},${v1(oldSecret)},${v1(secret)}` },
        body,
      },
      eventId: "evt_1VecT0rStripeA1b2C3d4",
    }),
  ];
}

export function oracle(v) {
  return {
    sdk: "stripe-node 23 webhooks.constructEvent",
    verify: async () => {
      const stripe = await sdk();
      return anySecret(v, (s) => attempt(() => stripe.webhooks.constructEvent(v.request.body, v.request.headers["stripe-signature"], s, 300, undefined, v.now)));
    },
  };
}
