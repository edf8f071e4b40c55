// Mailgun (src/verify/presets/mailgun.ts): the signature sits in the body, `signature.signature` the
// hex HMAC-SHA256 of timestamp + token. No SDK verifies it.
import { hex, hmac, json, JSON_TYPE, seconds } from "./lib.mjs";
import { agree, HOST, TS, vector } from "./vector.mjs";

/** The body's `signature` object: its token is also the event id (so dedup refuses a reused signature). */
export const signature = (key, timestamp, token) => ({ timestamp, token, signature: hmac("sha256", key, timestamp + token, "hex") });

export function event(c) {
  const body = json({ signature: signature(c.need("secret"), String(seconds(c.now)), c.eventId ?? hex(25)), "event-data": { event: "delivered", id: hex(11), timestamp: c.now / 1000, recipient: "jon@example.com" } });
  return { body, headers: { "content-type": JSON_TYPE } };
}

// Documented vector: mailgun/mailgun-php tests/Api/WebhookTest.php, testVerifyWebhookGood (its
// Webhook::verifyWebhookSignature accepts this timestamp, token and signature under this key).
const DOC_KEY = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0";
const DOC_TIMESTAMP = "1403645220";
const DOC_TOKEN = "5egbgr1vjgqxtrnp65xfznchgdccwh5d6i09vijqi3whgowmn6";
const DOC_SIGNATURE = "9cfc5c41582e51246e73c88d34db3af0a3a2692a76fbab81492842f000256d33";

export async function vectors() {
  agree("mailgun: documented vector", signature(DOC_KEY, DOC_TIMESTAMP, DOC_TOKEN).signature, DOC_SIGNATURE);
  const docBody = json({ signature: { timestamp: DOC_TIMESTAMP, token: DOC_TOKEN, signature: DOC_SIGNATURE }, "event-data": { event: "delivered" } });
  const key = "mailgun-signing-key-0123456789abcdef";
  const token = "9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c";
  const body = json({
    signature: signature(key, String(TS), token),
    "event-data": {
      event: "delivered",
      id: "CPgfbmQMTCKtHW6uIWtuVe",
      timestamp: TS + 0.123456,
      recipient: "alice@example.com",
      message: { headers: { "message-id": "20260921125320.1.ABCDEF@example.com" } },
    },
  });
  return [
    vector({
      name: "mailgun: documented vector",
      provider: "mailgun",
      source:
        "documented vector: https://github.com/mailgun/mailgun-php/blob/03357e252afef437fff1d5b6966b7e609f18e613/tests/Api/WebhookTest.php (testVerifyWebhookGood: signing key, timestamp, token and signature, set in a JSON body's signature object as Mailgun sends it)",
      method: { secrets: [DOC_KEY] },
      request: { url: `${HOST}/mailgun`, headers: { "content-type": "application/json" }, body: docBody },
      now: Number(DOC_TIMESTAMP) * 1000,
      eventId: `token:${DOC_TOKEN}`,
    }),
    // The preset's event id is the signature token, prefixed "token:".
    vector({
      name: "mailgun: delivered (signature in the JSON body)",
      provider: "mailgun",
      source: "node:crypto per https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/securing-webhooks",
      method: { secrets: [key] },
      request: { url: `${HOST}/mailgun`, headers: { "content-type": "application/json" }, body },
      eventId: `token:${token}`,
    }),
  ];
}
