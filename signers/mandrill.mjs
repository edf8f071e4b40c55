// Mandrill (src/verify/presets/mandrill.ts): `X-Mandrill-Signature`, the base64 HMAC-SHA1 of the URL
// it was given and each POST field's key and value sorted by key. No SDK verifies it.
import { FORM, hex, hmac, json, seconds, signedUrl, sortedParams } from "./lib.mjs";
import { EDGE_HOST, form, GATEWAY_TOKEN, HOST, TS, vector } from "./vector.mjs";

export const signature = (key, url, body) => hmac("sha1", key, url + sortedParams(body), "base64");

export function event(c) {
  const events = [{ event: "send", _id: c.eventId ?? hex(16), ts: seconds(c.now), msg: { email: "jon@example.com", subject: "Your receipt", state: "sent" } }];
  const body = Buffer.from(new URLSearchParams({ mandrill_events: json(events) }).toString());
  return { body, headers: { "content-type": FORM, "x-mandrill-signature": signature(c.need("secret"), signedUrl(c.url, c.publicUrl), body) } };
}
export const handshake = (c) => ({ method: "HEAD", url: c.url, headers: {} });

export async function vectors() {
  const key = "mandrill-webhook-key-provider-vectors-A1b2C3";
  const publicUrl = `${HOST}/mandrill`;
  const events = json([
    {
      event: "send",
      _id: "exampleaaaaaaaaaaaaaaaaaaaaaaaaa",
      ts: TS,
      msg: {
        ts: TS,
        subject: "Grüße",
        email: "example.webhook@mandrillapp.com",
        sender: "example.sender@mandrillapp.com",
        state: "sent",
        tags: ["webhook-example"],
      },
    },
  ]);
  const body = form([["mandrill_events", events]]);
  const url = `${EDGE_HOST}/mandrill?auth=${GATEWAY_TOKEN}`;
  return [
    vector({
      name: "mandrill: send event, signed over the public URL",
      provider: "mandrill",
      source: "node:crypto per https://mailchimp.com/developer/transactional/guides/track-respond-activity-webhooks/#authenticating-webhook-requests",
      method: { secrets: [key], publicUrl },
      request: {
        url,
        headers: { "content-type": "application/x-www-form-urlencoded", "user-agent": "Mandrill-Webhook/1.0", "x-mandrill-signature": signature(key, signedUrl(url, publicUrl), body) },
        body,
      },
    }),
  ];
}
