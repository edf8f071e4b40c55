// Linear (src/verify/presets/linear.ts): `Linear-Signature`, the hex HMAC-SHA256 of the body, and
// `webhookTimestamp` (ms) in the body. @linear/sdk only verifies: it must accept what this signs.
import { randomUUID } from "node:crypto";
import { hmac, json, JSON_TYPE } from "./lib.mjs";
import { anySecret, atClock, attempt, HOST, iso, NOW_MS, once, vector } from "./vector.mjs";

export const signature = (secret, body) => hmac("sha256", secret, body, "hex");

export function event(c) {
  const body = c.body ?? json({ action: "create", type: "Issue", data: { id: randomUUID(), title: "Checkout button does nothing" }, webhookTimestamp: c.now, webhookId: randomUUID() });
  return { body, headers: { "content-type": JSON_TYPE, "linear-event": "Issue", "linear-delivery": c.eventId ?? randomUUID(), "linear-signature": signature(c.need("secret"), body) } };
}

export async function vectors() {
  const secret = "lin_wh_provider_vectors_0123456789abcdef";
  const delivery = "234d1a4e-b617-4388-90fe-adc3633d6b72";
  const body = json({
    action: "create",
    type: "Issue",
    createdAt: iso(NOW_MS),
    organizationId: "org_1",
    url: "https://linear.app/acme/issue/ENG-1",
    data: { id: "2174add1-f7c8-44e3-bbf3-2d60b5ea8bc9", title: "Grüße", identifier: "ENG-1" },
    webhookTimestamp: NOW_MS,
    webhookId: "000042e3-d123-4980-b49f-8e140eef9329",
  });
  return [
    vector({
      name: "linear: Issue create (webhookTimestamp ms in body)",
      provider: "linear",
      source: "node:crypto per https://linear.app/developers/webhooks#securing-webhooks, accepted by @linear/sdk 98 LinearWebhookClient.verify",
      method: { secrets: [secret] },
      request: {
        url: `${HOST}/linear`,
        headers: {
          "content-type": "application/json; charset=utf-8",
          "user-agent": "Linear-Webhook",
          "linear-delivery": delivery,
          "linear-event": "Issue",
          "linear-signature": signature(secret, body),
        },
        body,
      },
      eventId: delivery,
    }),
  ];
}

const sdk = once(() => import("@linear/sdk/webhooks"));

export function oracle(v) {
  return {
    sdk: "@linear/sdk 98 LinearWebhookClient.verify",
    verify: async () => {
      const { LinearWebhookClient, LINEAR_WEBHOOK_SIGNATURE_HEADER } = await sdk();
      const header = v.request.headers[LINEAR_WEBHOOK_SIGNATURE_HEADER];
      return atClock(v.now, () => anySecret(v, (s) => attempt(() => new LinearWebhookClient(s).verify(Buffer.from(v.request.body, "utf8"), header))));
    },
  };
}
