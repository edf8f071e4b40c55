// SendGrid's signed event webhook (src/verify/presets/sendgrid.ts): ECDSA P-256/SHA-256 over
// timestamp + body, DER, base64. @sendgrid/eventwebhook only verifies: it must accept what this
// signs, and its package's own vectors.
import { createPrivateKey, createPublicKey, sign } from "node:crypto";
import { concat, hex, json, JSON_TYPE, seconds } from "./lib.mjs";
import { anySecret, HOST, once, TS, vector } from "./vector.mjs";

export const keyKind = "p256";
export const signature = (key, timestamp, body) => sign("sha256", concat(timestamp, body), { key, dsaEncoding: "der" }).toString("base64");

export function event(c) {
  const ts = String(seconds(c.now));
  const events = [{ email: "jon@example.com", timestamp: seconds(c.now), event: "delivered", sg_event_id: c.eventId ?? hex(11), sg_message_id: hex(11) }];
  const body = c.body ?? `${json(events)}\r\n`;
  return { body, headers: { "content-type": JSON_TYPE, "x-twilio-email-event-webhook-timestamp": ts, "x-twilio-email-event-webhook-signature": signature(c.need("key"), ts, body) } };
}

const sdk = once(async () => (await import("@sendgrid/eventwebhook")).default);

/** The SDK's verdict, shared by generation (reuse check) and the oracle. */
async function accepts(publicKeyB64, body, sig, timestamp) {
  const { EventWebhook } = await sdk();
  const ew = new EventWebhook();
  try {
    return ew.verifySignature(ew.convertPublicKeyToECDSA(publicKeyB64), body, sig, timestamp);
  } catch {
    return false;
  }
}

/** A fixed P-256 key (JWK); the route gets its SPKI in base64 as SendGrid shows it. */
const JWK = {
  kty: "EC",
  crv: "P-256",
  x: "6XxjagwS5GgtIpZHvxpBleOJTqwElI19qRMoP0kkHeE",
  y: "WiE7LMsoo-6YUuMx1-j7YznEjXnbLPk-fwQ70drTXOE",
  d: "Pt_TOxH9il2vqCjgaE5G_LK2H-IERCWdO22Z1Id1SCI",
};

/** `previous` (the committed vectors) lends our vector its signature while the SDK still accepts it: ECDSA is randomized. */
export async function vectors({ previous }) {
  const spec = "@sendgrid/eventwebhook 8 src/eventwebhook.spec.js";
  // The package's own vectors (verbatim), each at its own time.
  const single = {
    key: "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g==",
    signature: "MEUCIGHQVtGj+Y3LkG9fLcxf3qfI10QysgDWmMOVmxG0u6ZUAiEAyBiXDWzM+uOe5W0JuG+luQAbPIqHh89M15TluLtEZtM=",
    ts: 1600112502,
    body:
      json([
        {
          email: "hello@world.com",
          event: "dropped",
          reason: "Bounced Address",
          sg_event_id: "ZHJvcC0xMDk5NDkxOS1MUnpYbF9OSFN0T0doUTRrb2ZTbV9BLTA",
          sg_message_id: "LRzXl_NHStOGhQ4kofSm_A.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-9.0",
          "smtp-id": "<LRzXl_NHStOGhQ4kofSm_A@ismtpd0039p1iad1.sendgrid.net>",
          timestamp: 1600112492,
        },
      ]) + "\r\n",
  };
  const multiple = {
    key: "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEQ4LIFtWztlsF7skFqOncjD1lun4H5w8XOhyOArHW9RcIx/FfEzx6cikC/yPfUvwaX/JScE7Fc9CJD2afQ9Ok3Q==",
    signature: "MEYCIQC/I4o6vCgqRYrTljjoVWB/GRWNtxeePlLMHr3x9ETeRQIhAIpV+03nREPTTHWSW0wIOA0EoMPdcNgXa70yCaqDJlu5",
    ts: 1619651159,
    body:
      json([
        {
          email: "invalid@gmail.com",
          event: "processed",
          send_at: 0,
          sg_event_id: "cHJvY2Vzc2VkLTE5OTQyMTEyLXFOd0JMZ1BRUWpXNkRKdktRd1NBYnctMA",
          sg_message_id: "qNwBLgPQQjW6DJvKQwSAbw.filterdrecv-canary-547b64655b-cw6zx-1-6089EA4A-56.0",
          "smtp-id": "<qNwBLgPQQjW6DJvKQwSAbw@ismtpd0178p1mdw1.sendgrid.net>",
          timestamp: 1619651146,
        },
        {
          email: "invalid@gmail.com",
          event: "bounce",
          ip: "167.89.101.76",
          reason:
            "552 5.2.2 The email account that you tried to reach is over quota and inactive. Please direct the recipient to https://support.google.com/mail/?p=OverQuotaPerm c17si1130468pgv.34 - gsmtp",
          sg_event_id: "Ym91bmNlLTAtMTk5NDIxMTItcU53QkxnUFFRalc2REp2S1F3U0Fidy0w",
          sg_message_id: "qNwBLgPQQjW6DJvKQwSAbw.filterdrecv-canary-547b64655b-cw6zx-1-6089EA4A-56.0",
          "smtp-id": "<qNwBLgPQQjW6DJvKQwSAbw@ismtpd0178p1mdw1.sendgrid.net>",
          status: "5.2.2",
          timestamp: 1619651147,
          tls: 1,
          type: "blocked",
        },
      ])
        .split("},{")
        .join("},\r\n{") + "\r\n",
  };
  const headers = (sig, ts) => ({
    "content-type": "application/json",
    "user-agent": "SendGrid Event API",
    "x-twilio-email-event-webhook-signature": sig,
    "x-twilio-email-event-webhook-timestamp": String(ts),
  });
  const out = [];
  for (const [name, v] of [
    ["single event", single],
    ["multiple events", multiple],
  ]) {
    if (!(await accepts(v.key, v.body, v.signature, String(v.ts)))) throw new Error(`sendgrid: the package's own ${name} vector fails`);
    out.push(
      vector({
        name: `sendgrid: package vector (${name})`,
        provider: "sendgrid",
        source: `documented vector: ${spec}`,
        method: { secrets: [v.key] },
        request: { url: `${HOST}/sendgrid`, headers: headers(v.signature, v.ts), body: v.body },
        now: v.ts * 1000,
      }),
    );
  }
  const name = "sendgrid: delivered + open (our P-256 key)";
  const key = createPrivateKey({ key: JWK, format: "jwk" });
  const spki = createPublicKey(key).export({ format: "der", type: "spki" }).toString("base64");
  // SendGrid's framing: a JSON array with CRLF between events and after the array.
  const events = [
    {
      email: "example@test.com",
      timestamp: TS,
      "smtp-id": "<14c5d75ce93.dfd.64b469@ismtpd-555>",
      event: "delivered",
      sg_event_id: "sg_event_id_delivered",
      sg_message_id: "14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0",
    },
    {
      email: "example@test.com",
      timestamp: TS,
      event: "open",
      useragent: "Mozilla/5.0",
      sg_event_id: "sg_event_id_open",
      sg_message_id: "14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0",
    },
  ];
  const body = `[${events.map(json).join(",\r\n")}]\r\n`;
  const kept = previous?.find((p) => p.name === name);
  let sig = kept?.request.headers["x-twilio-email-event-webhook-signature"];
  const sameInput = kept && kept.request.body === body && kept.request.headers["x-twilio-email-event-webhook-timestamp"] === String(TS) && kept.method.secrets?.[0] === spki;
  if (!sameInput || !(await accepts(spki, body, sig, String(TS)))) sig = signature(key, TS, body);
  out.push(
    vector({
      name,
      provider: "sendgrid",
      source:
        "node:crypto ECDSA P-256/SHA-256 (DER, base64), accepted by @sendgrid/eventwebhook 8 verifySignature; signature kept from the committed file while it verifies (ECDSA is randomized)",
      method: { secrets: [spki] },
      request: { url: `${HOST}/sendgrid`, headers: headers(sig, TS), body },
    }),
  );
  return out;
}

export function oracle(v) {
  const h = v.request.headers;
  return {
    sdk: "@sendgrid/eventwebhook 8 EventWebhook.verifySignature",
    verify: () => anySecret(v, (s) => accepts(s, v.request.body, h["x-twilio-email-event-webhook-signature"], h["x-twilio-email-event-webhook-timestamp"])),
  };
}
