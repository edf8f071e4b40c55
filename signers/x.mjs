// X account activity (src/verify/presets/x.ts): `x-twitter-webhooks-signature: sha256=<base64 HMAC-SHA256
// of the body>` with the consumer secret; the CRC check (GET ?crc_token=) is answered with the same
// HMAC of the token. No SDK verifies it.
import { challenge, getWith, hmac, json, JSON_TYPE } from "./lib.mjs";
import { HOST, vector } from "./vector.mjs";

export const signature = (secret, data) => `sha256=${hmac("sha256", secret, data, "base64")}`;

export function event(c) {
  const body = c.body ?? json({ for_user_id: "2244994945", tweet_create_events: [{ id_str: String(BigInt(c.now) << 22n), text: "hello from hookgate" }] });
  return { body, headers: { "content-type": JSON_TYPE, "x-twitter-webhooks-signature": signature(c.need("secret"), body) } };
}
export const handshake = (c) => getWith(c, { crc_token: challenge() });

export async function vectors() {
  const source = "https://docs.x.com/x-api/account-activity/introduction";
  const secret = "x-consumer-secret-provider-vectors";
  const body = json({ for_user_id: "2244994945", tweet_create_events: [{ id_str: "1790000000000000001", text: "Grüße", user: { id_str: "2244994945" } }] });
  const crcToken = "FKdfgKUnMJkUYC9hOfG1";
  return [
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
