// Paddle Billing (src/verify/presets/paddle.ts): `Paddle-Signature: ts=<unix>;h1=<hex HMAC-SHA256 of
// "<ts>:<body>">`. The Paddle SDK only verifies: it must accept what this signs.
import { concat, hex, hmac, json, JSON_TYPE, seconds } from "./lib.mjs";
import { anySecret, atClock, attempt, HOST, once, TS, vector } from "./vector.mjs";

export const signature = (secret, ts, body) => `ts=${ts};h1=${hmac("sha256", secret, concat(`${ts}:`, body), "hex")}`;

export function event(c) {
  const body = c.body ?? json({ event_id: `evt_${hex(13)}`, event_type: "transaction.completed", occurred_at: new Date(c.now).toISOString(), notification_id: c.eventId ?? `ntf_${hex(13)}`, data: { id: `txn_${hex(13)}`, status: "completed" } });
  return { body, headers: { "content-type": JSON_TYPE, "paddle-signature": signature(c.need("secret"), seconds(c.now), body) } };
}

export async function vectors() {
  const secret = "pdl_ntfset_01j9vectors0000000000000000_provider0vectors0000000000";
  const notificationId = "ntf_01j9vectorsnotification00000";
  const body = json({
    event_id: "evt_01j9vectorsevent000000000000",
    event_type: "transaction.completed",
    occurred_at: "2026-09-21T12:53:19.123456Z",
    notification_id: notificationId,
    data: { id: "txn_01j9vectorstransaction00000", status: "completed", currency_code: "EUR" },
  });
  return [
    vector({
      name: "paddle: transaction.completed",
      provider: "paddle",
      source: "node:crypto per https://developer.paddle.com/webhooks/signature-verification, accepted by @paddle/paddle-node-sdk 3 webhooks.isSignatureValid",
      method: { secrets: [secret] },
      request: { url: `${HOST}/paddle`, headers: { "content-type": "application/json", "paddle-signature": signature(secret, TS, body) }, body },
      eventId: notificationId,
    }),
  ];
}

// The webhooks helper needs the runtime its client sets up: used as documented, via new Paddle(apiKey).
const sdk = once(async () => {
  const { Paddle, Environment } = await import("@paddle/paddle-node-sdk");
  return new Paddle("pdl_sdbx_apikey_provider_vectors_not_used", { environment: Environment.sandbox });
});

/** isSignatureValid is unmarshal's check without building the typed event (which wants a full transaction). */
export function oracle(v) {
  return {
    sdk: "@paddle/paddle-node-sdk 3 paddle.webhooks.isSignatureValid",
    verify: async () => {
      const paddle = await sdk();
      return atClock(v.now, () => anySecret(v, (s) => attempt(() => paddle.webhooks.isSignatureValid(v.request.body, s, v.request.headers["paddle-signature"]))));
    },
  };
}
