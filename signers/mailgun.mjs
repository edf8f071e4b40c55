// Mailgun (src/verify/presets/mailgun.ts): the signature sits in the body, `signature.signature` the
// hex HMAC-SHA256 of timestamp + token. No SDK verifies it.
import { hex, hmac, json, JSON_TYPE, seconds } from "./lib.mjs";
import { HOST, TS, vector } from "./vector.mjs";

/** The body's `signature` object: its token is also the event id (so dedup refuses a reused signature). */
export const signature = (key, timestamp, token) => ({ timestamp, token, signature: hmac("sha256", key, timestamp + token, "hex") });

export function event(c) {
  const body = json({ signature: signature(c.need("secret"), String(seconds(c.now)), c.eventId ?? hex(25)), "event-data": { event: "delivered", id: hex(11), timestamp: c.now / 1000, recipient: "jon@example.com" } });
  return { body, headers: { "content-type": JSON_TYPE } };
}

export async function vectors() {
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
