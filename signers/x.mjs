// X account activity (src/verify/presets/x.ts): `x-twitter-webhooks-signature: sha256=<base64 HMAC-SHA256
// of the body>` with the consumer secret; the CRC check (GET ?crc_token=) is answered with the same
// HMAC of the token. No SDK verifies it.
import { challenge, getWith, hmac, json, JSON_TYPE } from "./lib.mjs";
import { agree, HOST, vector } from "./vector.mjs";

export const signature = (secret, data) => `sha256=${hmac("sha256", secret, data, "base64")}`;

export function event(c) {
  const body = c.body ?? json({ for_user_id: "2244994945", tweet_create_events: [{ id_str: String(BigInt(c.now) << 22n), text: "hello from hookgate" }] });
  return { body, headers: { "content-type": JSON_TYPE, "x-twitter-webhooks-signature": signature(c.need("secret"), body) } };
}
export const handshake = (c) => getWith(c, { crc_token: challenge() });

// Documented vector: xdevplatform/autohook (X's own Account Activity client) test/signature.js, whose
// validateSignature accepts this body and header under consumer_secret "test". Its other fixture,
// the form body test=1&other_test=2, is refused here on purpose: X sends JSON objects only (x.ts).
const DOC_SECRET = "test";
const DOC_BODY = '{"test_number":1,"test_string":"two"}';
const DOC_SIGNATURE = "sha256=YWHphPn/JFq43jkF0y4/w8R/SelmLjvpunhVFY8JhlI=";

export async function vectors() {
  agree("x: documented vector", signature(DOC_SECRET, DOC_BODY), DOC_SIGNATURE);
  const source = "https://docs.x.com/x-api/account-activity/introduction";
  const secret = "x-consumer-secret-provider-vectors";
  const body = json({ for_user_id: "2244994945", tweet_create_events: [{ id_str: "1790000000000000001", text: "Grüße", user: { id_str: "2244994945" } }] });
  const crcToken = "FKdfgKUnMJkUYC9hOfG1";
  return [
    vector({
      name: "x: documented vector",
      provider: "x",
      source: "documented vector: https://github.com/xdevplatform/autohook/blob/eac07b9c0bdb8fe3fad375ce5349b0c4c6d1e128/test/signature.js (the JSON fixture, consumer_secret 'test', checked by autohook's validateSignature)",
      method: { secrets: [DOC_SECRET] },
      request: { url: `${HOST}/x`, headers: { "content-type": "application/json", "x-twitter-webhooks-signature": DOC_SIGNATURE }, body: DOC_BODY },
    }),
    vector({
      name: "x: account activity (sha256=<base64>)",
      provider: "x",
      source: `node:crypto per ${source} (x-twitter-webhooks-signature)`,
      method: { secrets: [secret] },
      request: { url: `${HOST}/x`, headers: { "content-type": "application/json", "x-twitter-webhooks-signature": signature(secret, body) }, body },
    }),
    vector({
      name: "x: CRC (GET crc_token)",
      provider: "x",
      source: `node:crypto per ${source} (challenge-response check)`,
      method: { secrets: [secret] },
      request: { method: "GET", url: `${HOST}/x?crc_token=${crcToken}&nonce=MTc5MDAwMDAwMA`, headers: {} },
      reply: { status: 200, contentType: "application/json", body: json({ response_token: signature(secret, crcToken) }) },
    }),
  ];
}
