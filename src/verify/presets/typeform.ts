/**
 * Typeform: `Typeform-Signature: sha256=<base64 HMAC-SHA256(secret, body)>` (base64, not
 * hex). No timestamp. Event id: the body's `event_id`.
 * https://www.typeform.com/developers/webhooks/secure-your-webhooks/
 */
import type { SignatureScheme } from "../scheme";
import { schemePreset } from "./scheme-preset";

export const typeformScheme: SignatureScheme = {
  name: "typeform",
  algorithm: "hmac-sha256",
  encoding: "base64",
  header: "typeform-signature",
  format: { kind: "single", prefix: "sha256=" },
  payload: "{body}",
  eventId: { jsonField: "event_id" },
  keyEncoding: "utf8",
};

export const typeform = schemePreset(typeformScheme, { display: "Typeform", sources: ["https://www.typeform.com/developers/webhooks/secure-your-webhooks/"] });
