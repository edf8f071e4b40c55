// Shopify (src/verify/presets/shopify.ts): `X-Shopify-Hmac-Sha256`, the base64 HMAC-SHA256 of the
// body. @shopify/shopify-api only verifies: it must accept what this signs.
import { randomBytes, randomUUID } from "node:crypto";
import { IncomingMessage, ServerResponse } from "node:http";
import { Socket } from "node:net";
import { hmac, json, JSON_TYPE } from "./lib.mjs";
import { anySecret, atClock, attempt, HOST, iso, NOW_MS, once, vector } from "./vector.mjs";

export const signature = (secret, body) => hmac("sha256", secret, body, "base64");

export function event(c) {
  // A new order each time: Shopify's webhook id is not signed, so the gateway also keys
  // dedup on the signed body, and two sends of one body are one event.
  const body = c.body ?? json({ id: 5_000_000_000_000 + randomBytes(4).readUInt32BE(), email: "jon@example.com", total_price: "19.99", currency: "EUR", note: "Grüße" });
  return {
    body,
    headers: {
      "content-type": JSON_TYPE,
      "x-shopify-topic": "orders/create",
      "x-shopify-shop-domain": "example.myshopify.com",
      "x-shopify-api-version": "2026-07",
      "x-shopify-webhook-id": c.eventId ?? randomUUID(),
      "x-shopify-triggered-at": new Date(c.now).toISOString(),
      "x-shopify-hmac-sha256": signature(c.need("secret"), body),
    },
  };
}

export async function vectors() {
  const secret = "shpss_provider_vectors_0123456789abcdef";
  const id = "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043";
  const body = json({
    id: 820982911946154508,
    email: "jon@example.com",
    created_at: "2026-09-21T08:53:20-04:00",
    total_price: "19.99",
    currency: "EUR",
    note: "Grüße",
  });
  return [
    vector({
      name: "shopify: orders/create",
      provider: "shopify",
      source:
        "node:crypto base64 HMAC-SHA256 per https://shopify.dev/docs/apps/build/webhooks/verify-deliveries, accepted by @shopify/shopify-api 15 webhooks.validate (node adapter)",
      method: { secrets: [secret] },
      request: {
        url: `${HOST}/shopify`,
        headers: {
          "content-type": "application/json",
          "x-shopify-topic": "orders/create",
          "x-shopify-hmac-sha256": signature(secret, body),
          "x-shopify-shop-domain": "example.myshopify.com",
          "x-shopify-api-version": "2026-07",
          "x-shopify-webhook-id": id,
          "x-shopify-event-id": "98880550-7158-44d4-b7cd-2c97c8a091b5",
          "x-shopify-triggered-at": iso(NOW_MS),
        },
        body,
      },
      eventId: id,
    }),
  ];
}

// Shopify's library runs on an adapter, registered by importing it first (as documented).
const sdk = once(async () => (await import("@shopify/shopify-api/adapters/node"), import("@shopify/shopify-api")));

/** One configured Shopify library per secret (the secret is app config there). */
const apps = new Map();
function shopifyFor({ shopifyApi, ApiVersion, LogSeverity }, secret) {
  if (!apps.has(secret)) {
    const logger = { level: LogSeverity.Error, log: () => {} };
    apps.set(secret, shopifyApi({ apiKey: "provider-vectors-api-key", apiSecretKey: secret, hostName: new URL(HOST).host, apiVersion: ApiVersion.July26, isEmbeddedApp: false, logger }));
  }
  return apps.get(secret);
}

export function oracle(v) {
  return {
    sdk: "@shopify/shopify-api 15 webhooks.validate (node adapter)",
    verify: async () => {
      const shopify = await sdk();
      return atClock(v.now, () =>
        anySecret(v, (s) =>
          attempt(async () => {
            // The node adapter reads headers, method and url off a real IncomingMessage.
            const rawRequest = new IncomingMessage(new Socket());
            const url = new URL(v.request.url);
            rawRequest.method = v.request.method;
            rawRequest.url = url.pathname + url.search;
            rawRequest.headers = { ...v.request.headers };
            const rawResponse = new ServerResponse(rawRequest);
            const result = await shopifyFor(shopify, s).webhooks.validate({ rawBody: v.request.body, rawRequest, rawResponse });
            return result.valid === true;
          }),
        ),
      );
    },
  };
}
