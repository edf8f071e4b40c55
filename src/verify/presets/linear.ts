/**
 * Linear: `Linear-Signature: <hex HMAC-SHA256(secret, body)>`. Freshness comes from the
 * signed body field `webhookTimestamp` (ms), 60 s either way as Linear's client checks it.
 * Event id: `Linear-Delivery`.
 * https://linear.app/developers/webhooks#securing-webhooks
 */
import type { SignatureScheme } from "../scheme";
import { schemePreset } from "./scheme-preset";

export const linearScheme: SignatureScheme = {
  name: "linear",
  algorithm: "hmac-sha256",
  encoding: "hex",
  header: "linear-signature",
  format: { kind: "single", prefix: "" },
  payload: "{body}",
  timestamp: { jsonField: "webhookTimestamp", unit: "ms", toleranceSeconds: 60 },
  eventId: { header: "linear-delivery" },
  keyEncoding: "utf8",
};

export const linear = schemePreset(linearScheme, { display: "Linear", sources: ["https://linear.app/developers/webhooks#securing-webhooks"] });
