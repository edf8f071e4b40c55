// PayPal (src/verify/presets/paypal.ts): SHA256withRSA over `transmission id|time|webhook id|crc32`,
// the certificate at PAYPAL-CERT-URL. Vectors: a delivery PayPal itself signed (PayPal's Java SDK
// tests, with its sandbox certificate pinned) and ours with the test key in test/fixtures/paypal.
import { createSign, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { crc32 } from "node:zlib";
import { json, JSON_TYPE } from "./lib.mjs";
import { HOST, NOW_MS, vector } from "./vector.mjs";

export const keyKind = "rsa";
const fixture = (name) => readFileSync(new URL(`../test/fixtures/paypal/${name}`, import.meta.url), "utf8");
export const DEMO_CERT_URL = "https://api-m.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-hookgate1";

export const signedString = (id, time, webhookId, body) => `${id}|${time}|${webhookId}|${crc32(Buffer.from(body, "utf8"))}`;

export function headers(key, webhookId, body, now, id = randomUUID(), certUrl = DEMO_CERT_URL) {
  const time = new Date(now).toISOString().replace(/\.\d{3}Z$/, "Z");
  const sig = createSign("RSA-SHA256").update(signedString(id, time, webhookId, body)).sign(key, "base64");
  return { "content-type": JSON_TYPE, "paypal-transmission-id": id, "paypal-transmission-time": time, "paypal-transmission-sig": sig, "paypal-cert-url": certUrl, "paypal-auth-algo": "SHA256withRSA" };
}

const sample = (c) => json({ id: `WH-${c.eventId ?? randomUUID()}`, event_version: "1.0", create_time: new Date(c.now).toISOString(), resource_type: "capture", event_type: "PAYMENT.CAPTURE.COMPLETED", summary: "Payment completed for $ 10.0 USD", resource: { id: "42311647XV020574X", status: "COMPLETED", amount: { value: "10.00", currency_code: "USD" } } });

export function event(c) {
  const body = c.body ?? sample(c);
  return { body, headers: headers(c.need("key"), c.need("webhookId"), body, c.now, c.eventId ?? randomUUID(), c.certUrl ?? DEMO_CERT_URL) };
}

export async function vectors() {
  const paypal = JSON.parse(fixture("paypal-java-sdk-vector.json"));
  const key = fixture("key.pem");
  const webhookId = "1JE4291016473214C";
  const body = json({ id: "WH-1VECTORS0000000", event_version: "1.0", event_type: "PAYMENT.CAPTURE.COMPLETED", resource_type: "capture", resource: { id: "42311647XV020574X", status: "COMPLETED" } });
  const id = "c3a1f9c4-1584-11e7-abf0-provider0001";
  return [
    vector({
      name: "paypal: signed by PayPal (its Java SDK's test delivery, sandbox certificate pinned)",
      provider: "paypal",
      source: `documented vector: ${paypal.source}`,
      method: { secrets: [], webhookId: paypal.webhookId, certificates: { [paypal.headers["paypal-cert-url"]]: paypal.certificate } },
      request: { url: `${HOST}/paypal`, headers: { "content-type": JSON_TYPE, ...paypal.headers }, body: paypal.body },
      now: Date.parse(paypal.headers["paypal-transmission-time"]),
      eventId: paypal.headers["paypal-transmission-id"],
    }),
    vector({
      name: "paypal: PAYMENT.CAPTURE.COMPLETED (test certificate pinned)",
      provider: "paypal",
      source: "https://developer.paypal.com/api/rest/webhooks/rest/ and PayPal's Java SDK Event.validateReceivedEvent",
      // vector-cert.pem: the test key certified for 2026-2036 (cert.pem starts later than NOW_MS).
      method: { secrets: [], webhookId, certificates: { [DEMO_CERT_URL]: fixture("vector-cert.pem") } },
      request: { url: `${HOST}/paypal`, headers: headers(key, webhookId, body, NOW_MS, id), body },
      eventId: id,
    }),
  ];
}
