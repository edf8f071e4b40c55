/**
 * PayPal REST webhooks: SHA256withRSA over `transmission id|transmission time|webhook id|
 * crc32(body)`, checked with the certificate at `PAYPAL-CERT-URL` (https, PayPal's API hosts
 * only, cached; pinnable with `certificates`). The route holds no secret: `webhookId` (the
 * id PayPal lists for the webhook) is part of what is signed. CRC-32 does not bind the body
 * against a forger, so the event id is the signed transmission id: dedup refuses a second
 * body under it. Window 300 s either way, configurable. The verifier is ../paypal.ts.
 * https://developer.paypal.com/api/rest/webhooks/rest/
 */
import * as v from "valibot";
import { MAX_CERT_BYTES } from "../sns";
import { paypalVerifier } from "../paypal";
import { TOLERANCE } from "./options";
import { definePreset } from "./types";

const pem = v.pipe(v.string(), v.maxLength(MAX_CERT_BYTES), v.startsWith("-----BEGIN CERTIFICATE-----", "must be a PEM certificate"));

export const paypal = definePreset({
  display: "PayPal",
  sources: ["https://developer.paypal.com/api/rest/webhooks/rest/", "docs/research/jwt.md (PayPal's Java and .NET SDKs)"],
  keyless: true,
  retryHours: 72, // up to 25 retries over 3 days
  options: {
    webhookId: { schema: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/, "must be the webhook's id as PayPal shows it")), required: true, doc: "the webhook's id (signed by PayPal)" },
    certificates: {
      schema: v.pipe(v.record(v.pipe(v.string(), v.maxLength(512)), pem), v.check((pins) => Object.keys(pins).length <= 10, "at most 10 certificates")),
      doc: "PayPal's signing certificates pinned by PAYPAL-CERT-URL (PEM), used instead of downloading them",
    },
    toleranceSeconds: TOLERANCE,
  },
  build: async ({ options: { webhookId = "", certificates, toleranceSeconds } }) => paypalVerifier({ webhookId, certificates, toleranceSeconds }),
});
