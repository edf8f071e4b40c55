/**
 * Shopify: `X-Shopify-Hmac-Sha256: base64(HMAC-SHA256(app client secret, body))`
 * (`Shopify-Hmac-Sha256` from the Events API). No signed timestamp. After a secret
 * rotation the old one stays in use for up to an hour: keep both, with `notAfter`.
 * Event id: `X-Shopify-Webhook-Id`.
 * https://shopify.dev/docs/apps/build/webhooks/verify-deliveries
 */
import type { SignatureScheme } from "../scheme";
import { schemePreset } from "./scheme-preset";

export const shopifyScheme: SignatureScheme = {
  name: "shopify",
  algorithm: "hmac-sha256",
  encoding: "base64",
  header: ["x-shopify-hmac-sha256", "shopify-hmac-sha256"],
  format: { kind: "single", prefix: "" },
  payload: "{body}",
  eventId: { header: ["x-shopify-webhook-id", "shopify-webhook-id"] },
  keyEncoding: "utf8",
};

export const shopify = schemePreset(shopifyScheme, {
  display: "Shopify",
  sources: ["https://shopify.dev/docs/apps/build/webhooks/verify-deliveries"],
  retryHours: 47, // 8 retries over 4 hours; the margin covers manual resends
});
