/**
 * Xero: `x-xero-signature: base64(HMAC-SHA256(webhook key, body))`. The intent-to-receive
 * check sends deliveries with no events, some signed correctly (answered 200 at the edge)
 * and some not (401 like any bad signature). No timestamp; batches carry no single id.
 * https://developer.xero.com/documentation/guides/webhooks/configuring-your-server/
 */
import { xeroIntentToReceive } from "../handshakes";
import type { SignatureScheme } from "../scheme";
import { schemePreset } from "./scheme-preset";

export const xeroScheme: SignatureScheme = {
  name: "xero",
  algorithm: "hmac-sha256",
  encoding: "base64",
  header: "x-xero-signature",
  format: { kind: "single", prefix: "" },
  payload: "{body}",
  keyEncoding: "utf8",
};

export const xero = schemePreset(xeroScheme, { display: "Xero", sources: ["https://developer.xero.com/documentation/guides/webhooks/configuring-your-server/"],  decorate: (v) => ({ ...v, reply: xeroIntentToReceive }) });
