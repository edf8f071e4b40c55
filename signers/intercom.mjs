// Intercom (src/verify/presets/intercom.ts): `X-Hub-Signature: sha1=<hex HMAC-SHA1 of the body>` with
// the app's client secret. No SDK verifies it.
import { randomUUID } from "node:crypto";
import { hubSignature, json, JSON_TYPE, seconds } from "./lib.mjs";
import { HOST, TS, vector } from "./vector.mjs";

export function event(c) {
  const body = c.body ?? json({ type: "notification_event", id: c.eventId ?? `notif_${randomUUID()}`, topic: "conversation.user.created", app_id: "a86dr8yl", created_at: seconds(c.now), data: { item: { type: "conversation", id: "147" } } });
  return { body, headers: { "content-type": JSON_TYPE, "x-hub-signature": hubSignature("sha1", c.need("secret"), body) } };
}

export async function vectors() {
  const secret = "intercom-client-secret-provider-vectors";
  const id = "notif_ccd8a4d0-f965-11e3-a367-c779cae3e1b3";
  const body = json({
    type: "notification_event",
    app_id: "abc123",
    data: { type: "notification_event_data", item: { type: "ping", message: "something something interzen" } },
    links: {},
    id,
    topic: "ping",
    delivery_status: null,
    delivery_attempts: 1,
    delivered_at: 0,
    first_sent_at: TS,
    created_at: TS,
    self: null,
  });
  return [
    vector({
      name: "intercom: ping (X-Hub-Signature sha1)",
      provider: "intercom",
      source: "node:crypto per https://developers.intercom.com/docs/references/webhooks/webhook-models (signed notifications)",
      method: { secrets: [secret] },
      request: { url: `${HOST}/intercom`, headers: { "content-type": "application/json", "x-hub-signature": hubSignature("sha1", secret, body) }, body },
      eventId: id,
    }),
  ];
}
