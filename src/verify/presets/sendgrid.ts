/**
 * SendGrid Event Webhook: `X-Twilio-Email-Event-Webhook-Signature: base64(DER ECDSA
 * P-256/SHA-256 over timestamp + body)`, checked with the base64 SPKI public key from Mail
 * Settings. SendGrid documents no window; ours is 300 s either way, configurable. The body
 * is a batch of events: no single event id.
 * https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/getting-started-event-webhook-security-features
 */
import type { SignatureScheme } from "../scheme";
import { schemePreset } from "./scheme-preset";

export const sendgridScheme: SignatureScheme = {
  name: "sendgrid",
  algorithm: "ecdsa-p256-sha256",
  encoding: "base64",
  header: "x-twilio-email-event-webhook-signature",
  format: { kind: "single", prefix: "" },
  payload: "{timestamp}{body}",
  timestamp: { header: "x-twilio-email-event-webhook-timestamp", unit: "s", toleranceSeconds: 300 },
  keyEncoding: "spki",
};

export const sendgrid = schemePreset(sendgridScheme, { display: "SendGrid", sources: ["https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/getting-started-event-webhook-security-features"] });
