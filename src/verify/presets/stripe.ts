/**
 * Stripe: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=…]`, HMAC-SHA256 over "<t>.<body>" with
 * the whole `whsec_…` string as key bytes. Only v1 counts (v0 is ignored: downgrade
 * protection). Several v1 values appear during secret rotation.
 * https://docs.stripe.com/webhooks#verify-manually
 * Unlike stripe-node, which only checks age, the window is enforced both ways.
 */
import type { HmacScheme } from "../hmac";

export const stripe: HmacScheme = {
  name: "stripe",
  algorithm: "SHA-256",
  encoding: "hex",
  header: "stripe-signature",
  format: { kind: "pairs", separator: ",", timestampKey: "t", signatureKey: "v1" },
  payload: "{timestamp}.{body}",
  timestamp: { unit: "s", toleranceSeconds: 300 },
  secretEncoding: "utf8",
};
