/**
 * Dropbox: `X-Dropbox-Signature: hex(HMAC-SHA256(app secret, body))`. No timestamp, no
 * event id. The `GET ?challenge=` check is echoed as text/plain with `nosniff`.
 * https://www.dropbox.com/developers/reference/webhooks
 */
import { echoQuery } from "../handshakes";
import type { SignatureScheme } from "../scheme";
import { schemePreset } from "./scheme-preset";

export const dropboxScheme: SignatureScheme = {
  name: "dropbox",
  algorithm: "hmac-sha256",
  encoding: "hex",
  header: "x-dropbox-signature",
  format: { kind: "single", prefix: "" },
  payload: "{body}",
  keyEncoding: "utf8",
};

export const dropbox = schemePreset(dropboxScheme, { display: "Dropbox", sources: ["https://www.dropbox.com/developers/reference/webhooks"],  decorate: (v) => ({ ...v, handshake: echoQuery("GET", "challenge") }) });
