// Meta (src/verify/presets/meta.ts): `X-Hub-Signature-256: sha256=<hex HMAC of the raw body>` (and the
// SHA-1 `X-Hub-Signature`); the subscribe handshake is a GET answered with hub.challenge.
import { challenge, getWith, hex, hubSignature, json, JSON_TYPE } from "./lib.mjs";
import { HOST, vector } from "./vector.mjs";

/** Meta sends non-ASCII as `\uXXXX`: the escaped text is what is signed. */
const asciiJson = (value) => json(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);

export function event(c) {
  const body = c.body ?? asciiJson({ object: "page", entry: [{ id: "1234567890", time: c.now, messaging: [{ sender: { id: "42" }, message: { mid: `m_${hex(8)}`, text: "Grüße äöå" } }] }] });
  return { body, headers: { "content-type": JSON_TYPE, "x-hub-signature-256": hubSignature("sha256", c.need("secret"), body) } };
}
export const handshake = (c) => getWith(c, { "hub.mode": "subscribe", "hub.verify_token": c.need("verifyToken"), "hub.challenge": challenge() });

export async function vectors() {
  const source = "https://developers.facebook.com/docs/graph-api/webhooks/getting-started";
  const secret = "meta-app-secret-provider-vectors-abcdef";
  const verifyToken = "meatyhamhock";
  // Meta sends (and signs) unicode escaped: this body holds the six characters \u00e4, not "ä".
  const body = String.raw`{"object":"page","entry":[{"id":"0","time":1790000000,"messaging":[{"sender":{"id":"12334"},"recipient":{"id":"23245"},"timestamp":1790000000000,"message":{"mid":"m_ehhe9GqzK","text":"\u00e4\u00f6\u00e5 gr\u00fc\u00dfe"}}]}]}`;
  return [
    vector({
      name: "meta: page message with escaped unicode",
      provider: "meta",
      source: `node:crypto HMAC-SHA256 over the raw (escaped) body per ${source}#event-notifications`,
      method: { secrets: [secret], verifyToken },
      request: {
        url: `${HOST}/meta`,
        headers: { "content-type": "application/json", "x-hub-signature-256": hubSignature("sha256", secret, body), "x-hub-signature": hubSignature("sha1", secret, body) },
        body,
      },
    }),
    vector({
      name: "meta: subscribe handshake (GET hub.challenge)",
      provider: "meta",
      source: `documented handshake: ${source}#verification-requests`,
      method: { secrets: [secret], verifyToken },
      request: { method: "GET", url: `${HOST}/meta?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=${verifyToken}`, headers: {} },
      reply: { status: 200, contentType: "text/plain", body: "1158201444" },
    }),
  ];
}
