// Xero (src/verify/presets/xero.ts): `x-xero-signature`, the base64 HMAC-SHA256 of the body; the
// "intent to receive" is a signed delivery with no events. No SDK verifies it.
import { randomUUID } from "node:crypto";
import { hex, hmac, json, JSON_TYPE } from "./lib.mjs";
import { HOST, vector } from "./vector.mjs";

export const signature = (key, body) => hmac("sha256", key, body, "base64");

function request(c, events) {
  const body = c.body ?? json({ events, firstEventSequence: events.length ? 1 : 0, lastEventSequence: events.length ? 1 : 0, entropy: hex(10).toUpperCase() });
  return { body, headers: { "content-type": JSON_TYPE, "x-xero-signature": signature(c.need("secret"), body) } };
}

export const event = (c) =>
  request(c, [{ resourceUrl: "https://api.xero.com/api.xro/2.0/Contacts/717f2bfc", resourceId: randomUUID(), eventDateUtc: new Date(c.now).toISOString(), eventType: "CREATE", eventCategory: "CONTACT", tenantId: randomUUID(), tenantType: "ORGANISATION" }]);
export const handshake = (c) => request(c, []);

export async function vectors() {
  const source = "https://developer.xero.com/documentation/guides/webhooks/configuring-your-server/";
  const key = "xero-webhook-key-provider-vectors-0123456789abcdefABCDEF==";
  const body = json({
    events: [
      {
        resourceUrl: "https://api.xero.com/api.xro/2.0/Contacts/717f2bfc-c6d4-41fd-b238-3f2f0c0cf777",
        resourceId: "717f2bfc-c6d4-41fd-b238-3f2f0c0cf777",
        eventDateUtc: "2026-09-21T12:53:19.000",
        eventType: "CREATE",
        eventCategory: "CONTACT",
        tenantId: "c2cc9b6e-9458-4c7d-93cc-f02b81b0594f",
        tenantType: "ORGANISATION",
      },
    ],
    firstEventSequence: 1,
    lastEventSequence: 1,
    entropy: "S0m3r4Nd0mt3xt",
  });
  const intent = json({ events: [], firstEventSequence: 0, lastEventSequence: 0, entropy: "YSXCMKAQBJOEMGUZEPFZ" });
  const headers = (b) => ({ "content-type": "application/json; charset=utf-8", "x-xero-signature": signature(key, b) });
  return [
    vector({
      name: "xero: contact created",
      provider: "xero",
      source: `node:crypto per ${source}`,
      method: { secrets: [key] },
      request: { url: `${HOST}/xero`, headers: headers(body), body },
    }),
    vector({
      name: "xero: intent to receive (empty, signed)",
      provider: "xero",
      source: `node:crypto per ${source} (intent to receive)`,
      method: { secrets: [key] },
      request: { url: `${HOST}/xero`, headers: headers(intent), body: intent },
      reply: { status: 200, body: "" },
    }),
  ];
}
