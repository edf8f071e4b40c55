/**
 * Stripe: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=…]`, HMAC-SHA256 over "<t>.<body>" with
 * the whole `whsec_…` string as key bytes. Only v1 counts (v0 is ignored: downgrade
 * protection); several v1 values appear during secret rotation. Unlike stripe-node,
 * which only checks age, the 300 s window is enforced both ways. Event id: the body's `id`.
 * https://docs.stripe.com/webhooks#verify-manually
 */
import type { SignatureScheme } from "../scheme";
import { schemePreset } from "./scheme-preset";

export const stripeScheme: SignatureScheme = {
  name: "stripe",
  algorithm: "hmac-sha256",
  encoding: "hex",
  header: "stripe-signature",
  format: { kind: "pairs", separator: ",", timestampKey: "t", signatureKey: "v1" },
  payload: "{timestamp}.{body}",
  timestamp: { unit: "s", toleranceSeconds: 300 },
  eventId: { jsonField: "id" },
  keyEncoding: "utf8",
};

export const stripe = schemePreset(stripeScheme, {
  display: "Stripe",
  sources: ["https://docs.stripe.com/webhooks#verify-manually", "https://docs.stripe.com/webhooks#retries"],
  retryHours: 72, // Stripe retries for up to 3 days
});
