// Okta event hooks (src/verify/presets/okta.ts): a shared secret sent as is in a header (Authorization
// unless `--header-token`), nothing signed; the one-time verification GET is echoed back.
import { randomUUID } from "node:crypto";
import { challenge, json, JSON_TYPE } from "./lib.mjs";
import { HOST, iso, NOW_MS, vector } from "./vector.mjs";

const credential = (c) => ({ [c.headerToken ?? "authorization"]: c.need("secret") });

export function event(c) {
  const body = c.body ?? json({ eventType: "com.okta.event_hook", eventId: c.eventId ?? randomUUID(), eventTime: new Date(c.now).toISOString(), data: { events: [{ uuid: randomUUID(), eventType: "user.session.start" }] } });
  return { body, headers: { "content-type": JSON_TYPE, ...credential(c) } };
}
export const handshake = (c) => ({ method: "GET", url: c.url, headers: { "x-okta-verification-challenge": challenge(), ...credential(c) } });

export async function vectors() {
  const source = "https://developer.okta.com/docs/concepts/event-hooks/";
  const secret = "okta-shared-secret-provider-vectors";
  const body = json({
    eventType: "com.okta.event_hook",
    eventTypeVersion: "1.0",
    cloudEventsVersion: "0.1",
    source: "https://example.okta.com/api/v1/eventHooks/whoql0HfiLGPWc8Jx0g3",
    eventId: "b5a188b9-5ece-4636-b041-482ffda96311",
    data: {
      events: [{ uuid: "8a9b1c2d-0000-11f0-9c1a-000000000001", published: iso(NOW_MS), eventType: "user.session.start", displayMessage: "User login to Okta" }],
    },
    eventTime: iso(NOW_MS),
    contentType: "application/json",
  });
  return [
    vector({
      name: "okta: event hook (authorization header)",
      provider: "okta",
      source: `documented scheme (shared secret header): ${source}`,
      method: { secrets: [secret] },
      request: { url: `${HOST}/okta`, headers: { "content-type": "application/json", authorization: secret }, body },
    }),
    vector({
      name: "okta: one-time verification (GET)",
      provider: "okta",
      source: `documented handshake: ${source}`,
      method: { secrets: [secret] },
      request: { method: "GET", url: `${HOST}/okta`, headers: { "x-okta-verification-challenge": "X5t7dZdtrS7x5Dw0ENe8Ow2oXyLBaTKEkZL5XqAF" } },
      reply: { status: 200, contentType: "application/json", body: json({ verification: "X5t7dZdtrS7x5Dw0ENe8Ow2oXyLBaTKEkZL5XqAF" }) },
    }),
  ];
}
