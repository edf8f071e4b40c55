// Dropbox (src/verify/presets/dropbox.ts): `X-Dropbox-Signature`, the hex HMAC-SHA256 of the body
// with the app secret; the URL is checked with a GET ?challenge= echoed back. No SDK verifies it.
import { challenge, getWith, hmac, json, JSON_TYPE } from "./lib.mjs";
import { HOST, vector } from "./vector.mjs";

export const signature = (secret, body) => hmac("sha256", secret, body, "hex");

export function event(c) {
  const body = c.body ?? json({ list_folder: { accounts: ["dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc"] }, delta: { users: [12345678] } });
  return { body, headers: { "content-type": JSON_TYPE, "x-dropbox-signature": signature(c.need("secret"), body) } };
}
export const handshake = (c) => getWith(c, { challenge: challenge() });

export async function vectors() {
  const source = "https://www.dropbox.com/developers/reference/webhooks";
  const secret = "dropbox-app-secret-provider-vectors";
  const body = json({ list_folder: { accounts: ["dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc"] }, delta: { users: [12345] } });
  return [
    vector({
      name: "dropbox: notification",
      provider: "dropbox",
      source: `node:crypto per ${source}`,
      method: { secrets: [secret] },
      request: { url: `${HOST}/dropbox`, headers: { "content-type": "application/json", "user-agent": "DropboxNotification/1.0", "x-dropbox-signature": signature(secret, body) }, body },
    }),
    vector({
      name: "dropbox: challenge (GET)",
      provider: "dropbox",
      source: `documented handshake: ${source}`,
      method: { secrets: [secret] },
      request: { method: "GET", url: `${HOST}/dropbox?challenge=4kGcDqj3X9w2`, headers: {} },
      reply: { status: 200, contentType: "text/plain", body: "4kGcDqj3X9w2" },
    }),
  ];
}
