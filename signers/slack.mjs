// Slack (src/verify/presets/slack.ts): `X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:<ts>:<body>">`.
// @slack/bolt only verifies: it must accept every vector, the documented one included.
import { challenge, hex, json, JSON_TYPE, seconds, v0Signature } from "./lib.mjs";
import { agree, anySecret, atClock, attempt, HOST, once, TS, vector } from "./vector.mjs";

function request(c, body) {
  const ts = String(seconds(c.now));
  return { body, headers: { "content-type": JSON_TYPE, "x-slack-request-timestamp": ts, "x-slack-signature": v0Signature(c.need("secret"), ts, body) } };
}

export const event = (c) =>
  request(c, c.body ?? json({ type: "event_callback", team_id: "T061EG9R6", event_id: c.eventId ?? `Ev${hex(5).toUpperCase()}`, event_time: seconds(c.now), event: { type: "app_mention", user: "U061F7AUR", text: "<@U0LAN0Z89> hello" } }));
export const handshake = (c) => request(c, json({ token: "Jhj5dZrVaK7ZwHHjRyZWjbDl", challenge: challenge(), type: "url_verification" }));

export async function vectors() {
  const source = "https://api.slack.com/authentication/verifying-requests-from-slack";
  // Documented vector (slash command), at its own time.
  const docSecret = "8f742231b10e8888abcd99yyyzzz85a5";
  const docTs = 1531420618;
  const docBody =
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
  const docSignature = agree("slack: documented vector", v0Signature(docSecret, docTs, docBody), "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503");
  const secret = "slack-signing-secret-provider-vectors-0123";
  const callback = json({
    token: "XXYYZZ",
    team_id: "T061EG9R6",
    api_app_id: "A0PNCHHK2",
    event: {
      type: "app_mention",
      user: "U061F7AUR",
      text: "<@U0LAN0Z89> is it everything a river should be?",
      ts: "1790000000.000200",
      channel: "C0LAN2Q65",
      event_ts: "1790000000.000200",
    },
    type: "event_callback",
    event_id: "Ev0PV52K21",
    event_time: TS,
  });
  const verification = json({ token: "Jhj5dZrVaK7ZwHHjRyZWjbDl", challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", type: "url_verification" });
  const headers = (ts, body, s) => ({ "content-type": "application/json", "x-slack-request-timestamp": String(ts), "x-slack-signature": v0Signature(s, ts, body) });
  return [
    vector({
      name: "slack: documented vector (slash command)",
      provider: "slack",
      source: `documented vector: ${source}; @slack/bolt 5 verifySlackRequest accepts`,
      method: { secrets: [docSecret] },
      request: {
        url: `${HOST}/slack`,
        headers: { "content-type": "application/x-www-form-urlencoded", "x-slack-request-timestamp": String(docTs), "x-slack-signature": docSignature },
        body: docBody,
      },
      now: docTs * 1000,
    }),
    vector({
      name: "slack: event_callback",
      provider: "slack",
      source: `node:crypto per ${source}, accepted by @slack/bolt 5 verifySlackRequest`,
      method: { secrets: [secret] },
      request: { url: `${HOST}/slack`, headers: headers(TS, callback, secret), body: callback },
      eventId: "Ev0PV52K21",
    }),
    vector({
      name: "slack: url_verification (signed handshake)",
      provider: "slack",
      source: `node:crypto per ${source} and https://api.slack.com/events/url_verification, accepted by @slack/bolt 5 verifySlackRequest`,
      method: { secrets: [secret] },
      request: { url: `${HOST}/slack`, headers: headers(TS, verification, secret), body: verification },
      reply: { status: 200, contentType: "application/json", body: json({ challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" }) },
    }),
  ];
}

const sdk = once(() => import("@slack/bolt"));

export function oracle(v) {
  const h = v.request.headers;
  return {
    sdk: "@slack/bolt 5 verifySlackRequest",
    verify: async () => {
      const { verifySlackRequest } = await sdk();
      // Bolt's receivers pass the timestamp as a number.
      const headers = { "x-slack-signature": h["x-slack-signature"], "x-slack-request-timestamp": Number(h["x-slack-request-timestamp"]) };
      return atClock(v.now, () => anySecret(v, (s) => attempt(() => (verifySlackRequest({ signingSecret: s, body: v.request.body, headers }), true))));
    },
  };
}
