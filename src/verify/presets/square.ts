/**
 * Square: `x-square-hmacsha256-signature: base64(HMAC-SHA256(signature key, notification
 * URL + body))`. The URL is the one Square was given (`publicUrl` when it differs from the
 * URL the edge sees). No timestamp. Event id: the body's `event_id`.
 * https://developer.squareup.com/docs/webhooks/step3validate
 */
import type { SignatureScheme } from "../scheme";
import { schemePreset } from "./scheme-preset";

export const squareScheme: SignatureScheme = {
  name: "square",
  algorithm: "hmac-sha256",
  encoding: "base64",
  header: "x-square-hmacsha256-signature",
  format: { kind: "single", prefix: "" },
  payload: "{url}{body}",
  eventId: { jsonField: "event_id" },
  keyEncoding: "utf8",
};

export const square = schemePreset(squareScheme, { display: "Square", sources: ["https://developer.squareup.com/docs/webhooks/step3validate"] });
