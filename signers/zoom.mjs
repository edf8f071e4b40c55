// Zoom (src/verify/presets/zoom.ts): `x-zm-signature: v0=<hex HMAC-SHA256 of "v0:<ts>:<body>">`; the
// endpoint.url_validation is signed like any event. @zoom/rivet only verifies (over
// JSON.stringify(JSON.parse(body)), which these bodies are): it must accept what this signs and
// answer the url_validation as the vector says.
import { isDeepStrictEqual } from "node:util";
import { challenge, hmac, json, JSON_TYPE, seconds, v0Signature } from "./lib.mjs";
import { anySecret, attempt, HOST, NOW_MS, once, TS, vector } from "./vector.mjs";

function request(c, body) {
  const ts = String(seconds(c.now));
  return { body, headers: { "content-type": JSON_TYPE, "x-zm-request-timestamp": ts, "x-zm-signature": v0Signature(c.need("secret"), ts, body) } };
}

export const event = (c) => request(c, c.body ?? json({ event: "meeting.started", event_ts: c.now, payload: { account_id: "AAAAAABBBB", object: { id: "1234567890", topic: "Standup" } } }));
export const handshake = (c) => request(c, json({ event: "endpoint.url_validation", event_ts: c.now, payload: { plainToken: challenge() } }));

export async function vectors() {
  const source = "https://developers.zoom.us/docs/api/webhooks/#verify-webhook-events";
  const secret = "zoom-secret-token-provider-vectors";
  const meeting = json({
    event: "meeting.started",
    event_ts: NOW_MS,
    payload: { account_id: "AAAAAABBBB", object: { id: "1234567890", uuid: "4444AAAiAAAAAiAiAiiAii==", topic: "Grüße" } },
  });
  const plainToken = "qgg8vlvZRS6UYooatFL8Aw";
  const validation = json({ payload: { plainToken }, event_ts: NOW_MS, event: "endpoint.url_validation" });
  const headers = (body) => ({ "content-type": "application/json; charset=utf-8", "x-zm-request-timestamp": String(TS), "x-zm-signature": v0Signature(secret, TS, body) });
  return [
    vector({
      name: "zoom: meeting.started",
      provider: "zoom",
      source: `node:crypto per ${source}, accepted by @zoom/rivet 0.4 AwsLambdaReceiver`,
      method: { secrets: [secret] },
      request: { url: `${HOST}/zoom`, headers: headers(meeting), body: meeting },
    }),
    vector({
      name: "zoom: endpoint.url_validation (signed handshake)",
      provider: "zoom",
      source: `node:crypto per ${source} and https://developers.zoom.us/docs/api/webhooks/#validate-your-webhook-endpoint (encryptedToken = hex HMAC-SHA256(secret, plainToken)); @zoom/rivet 0.4 AwsLambdaReceiver accepts and replies the same`,
      method: { secrets: [secret] },
      request: { url: `${HOST}/zoom`, headers: headers(validation), body: validation },
      reply: { status: 200, contentType: "application/json", body: json({ plainToken, encryptedToken: hmac("sha256", secret, plainToken, "hex") }) },
    }),
  ];
}

const sdk = once(() => import("@zoom/rivet/meetings"));

/** rivet's Lambda receiver logs every event with console.debug: silenced for the call. */
async function quietDebug(fn) {
  const debug = console.debug;
  console.debug = () => {};
  try {
    return await fn();
  } finally {
    console.debug = debug;
  }
}

export function oracle(v) {
  const body = v.request.body;
  return {
    sdk: "@zoom/rivet 0.4 AwsLambdaReceiver",
    verify: async () => {
      const { AwsLambdaReceiver } = await sdk();
      // rivet checks the HMAC over JSON.stringify(JSON.parse(body)): its verdict is about the bytes sent
      // only when that is the body itself, so anything else is refused here.
      if (!(await attempt(() => JSON.stringify(JSON.parse(body)) === body))) return false;
      return anySecret(v, (s) =>
        attempt(async () => {
          const handler = new AwsLambdaReceiver({ webhooksSecretToken: s }).start();
          const res = await quietDebug(() => handler({ body, headers: v.request.headers, isBase64Encoded: false }, {}));
          if (res.statusCode !== 200) return false;
          // The url_validation answer (encryptedToken) must be the reply the vector expects.
          return !v.reply || isDeepStrictEqual(JSON.parse(res.body), JSON.parse(v.reply.body));
        }),
      );
    },
  };
}
