/**
 * Zoom: `x-zm-signature: v0=<hex HMAC-SHA256(secret token, "v0:<ts>:<body>")>` with
 * `x-zm-request-timestamp`. Zoom states no window; ours is 300 s either way, configurable.
 * The signed `endpoint.url_validation` event is answered at the edge with
 * `{plainToken, encryptedToken}`. No event id.
 * https://developers.zoom.us/docs/api/webhooks/#verify-webhook-events
 */
import { zoomUrlValidation } from "../handshakes";
import type { SignatureScheme } from "../scheme";
import { schemePreset } from "./scheme-preset";
import { currentSecret } from "./types";

export const zoomScheme: SignatureScheme = {
  name: "zoom",
  algorithm: "hmac-sha256",
  encoding: "hex",
  header: "x-zm-signature",
  format: { kind: "single", prefix: "v0=" },
  payload: "v0:{timestamp}:{body}",
  timestamp: { header: "x-zm-request-timestamp", unit: "s", toleranceSeconds: 300 },
  keyEncoding: "utf8",
};

export const zoom = schemePreset(zoomScheme, { display: "Zoom", sources: ["https://developers.zoom.us/docs/api/webhooks/#verify-webhook-events"],  decorate: (v, input) => ({ ...v, reply: zoomUrlValidation(currentSecret(input.secrets)) }) });
