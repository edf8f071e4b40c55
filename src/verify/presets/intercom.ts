/**
 * Intercom: `X-Hub-Signature: sha1=<hex HMAC-SHA1(client secret, body)>`. No timestamp.
 * Event id: the notification's `id`.
 * https://developers.intercom.com/docs/references/webhooks/webhook-models
 */
import type { SignatureScheme } from "../scheme";
import { schemePreset } from "./scheme-preset";

export const intercomScheme: SignatureScheme = {
  name: "intercom",
  algorithm: "hmac-sha1",
  encoding: "hex",
  header: "x-hub-signature",
  format: { kind: "single", prefix: "sha1=" },
  payload: "{body}",
  eventId: { jsonField: "id" },
  keyEncoding: "utf8",
};

export const intercom = schemePreset(intercomScheme, { display: "Intercom", sources: ["https://developers.intercom.com/docs/references/webhooks/webhook-models"] });
