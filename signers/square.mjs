// Square (src/verify/presets/square.ts): `X-Square-Hmacsha256-Signature`, the base64 HMAC-SHA256 of
// the notification URL it was given followed by the body. square's WebhooksHelper only verifies:
// it must accept what this signs, and this must reproduce the SDKs' documented vector.
import { randomUUID } from "node:crypto";
import { concat, hex, hmac, json, JSON_TYPE, signedUrl } from "./lib.mjs";
import { agree, anySecret, EDGE_HOST, GATEWAY_TOKEN, HOST, iso, NOW_MS, once, vector } from "./vector.mjs";

export const signature = (key, url, body) => hmac("sha256", key, concat(url, body), "base64");

export function event(c) {
  const body = Buffer.from(c.body ?? json({ merchant_id: "6SSW7HV8K2ST5", type: "payment.created", event_id: c.eventId ?? randomUUID(), created_at: new Date(c.now).toISOString(), data: { type: "payment", id: hex(8) } }));
  return { body, headers: { "content-type": JSON_TYPE, "x-square-hmacsha256-signature": signature(c.need("secret"), signedUrl(c.url, c.publicUrl), body) } };
}

export async function vectors() {
  // Documented vector from the Square SDKs' tests: the URL as given to Square is the URL received.
  const doc = {
    body: '{"merchant_id":"MLEFBHHSJGVHD","type":"webhooks.test_notification","event_id":"ac3ac95b-f97d-458c-a6e6-18981597e05f","created_at":"2022-07-13T20:30:59.037339943Z","data":{"type":"webhooks","id":"bc368e64-01aa-407e-b46e-3231809b1129"}}',
    signature: "GF4YkrJgGBDZ9NIYbNXBnMzqb2HoL4RW/S6vkZ9/2N4=",
    key: "Ibxx_5AKakO-3qeNVR61Dw",
    url: "https://webhook.site/679a4f3a-dcfa-49ee-bac5-9d0edad886b9",
  };
  agree("square: documented vector", signature(doc.key, doc.url, doc.body), doc.signature);
  const key = "square-signature-key-provider-vectors";
  const publicUrl = `${HOST}/square`;
  const url = `${EDGE_HOST}/square?auth=${GATEWAY_TOKEN}`;
  const eventId = "6a8f5f28-54a1-4eb0-a98a-3111513fd4fc";
  const body = json({
    merchant_id: "6SSW7HV8K2ST5",
    type: "payment.created",
    event_id: eventId,
    created_at: iso(NOW_MS),
    data: {
      type: "payment",
      id: "KkAkhdMsgzn59SM8A89WgKwekxLZY",
      object: { payment: { id: "KkAkhdMsgzn59SM8A89WgKwekxLZY", amount_money: { amount: 100, currency: "USD" }, status: "APPROVED" } },
    },
  });
  return [
    vector({
      name: "square: documented vector",
      provider: "square",
      source: "documented vector: Square SDK tests (square-go-sdk, square-python-sdk WebhooksHelper tests); square 46 WebhooksHelper.verifySignature accepts",
      method: { secrets: [doc.key] },
      request: { url: doc.url, headers: { "content-type": "application/json", "x-square-hmacsha256-signature": doc.signature }, body: doc.body },
      eventId: "ac3ac95b-f97d-458c-a6e6-18981597e05f",
    }),
    vector({
      name: "square: payment.created via publicUrl, gateway token signed",
      provider: "square",
      source: "node:crypto per https://developer.squareup.com/docs/webhooks/step3validate, accepted by square 46 WebhooksHelper.verifySignature",
      method: { secrets: [key], publicUrl },
      request: {
        url,
        headers: { "content-type": "application/json", "square-version": "2026-07-16", "x-square-hmacsha256-signature": signature(key, signedUrl(url, publicUrl), body) },
        body,
      },
      eventId,
    }),
  ];
}

const sdk = once(() => import("square"));

export function oracle(v) {
  return {
    sdk: "square 46 WebhooksHelper.verifySignature",
    verify: async () => {
      const { WebhooksHelper } = await sdk();
      const notificationUrl = signedUrl(v.request.url, v.method.publicUrl);
      return anySecret(v, (s) => WebhooksHelper.verifySignature({ requestBody: v.request.body, signatureHeader: v.request.headers["x-square-hmacsha256-signature"], signatureKey: s, notificationUrl }));
    },
  };
}
