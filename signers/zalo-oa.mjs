// Zalo OA events (src/verify/presets/zalo-oa.ts): `X-ZEvent-Signature: mac=<hex SHA-256 of app_id +
// body + timestamp + OA secret key>`. No official vector is published; the scheme follows
// Chatwoot's receiver and a Vietnamese walkthrough, which agree.
import { hex, json, JSON_TYPE, sha256Hex } from "./lib.mjs";
import { HOST, NOW_MS, vector } from "./vector.mjs";

export const signature = (secret, appId, body, timestamp) => `mac=${sha256Hex(`${appId}${body}${timestamp}${secret}`)}`;
const eventBody = (appId, timestamp, text) => json({ app_id: appId, user_id_by_app: "552177279717587730", event_name: "user_send_text", sender: { id: "246845883529197922" }, recipient: { id: "388613280878808645" }, message: { text, msg_id: hex(8) }, timestamp: String(timestamp) });

export function event(c) {
  const body = c.body ?? eventBody("360846524940903967", c.now, "xin chào");
  const parsed = JSON.parse(body);
  return { body, headers: { "content-type": JSON_TYPE, "x-zevent-signature": signature(c.need("secret"), parsed.app_id, body, parsed.timestamp) } };
}

export async function vectors() {
  const secret = "zalo-oa-provider-vectors-secret";
  const body = json({ app_id: "360846524940903967", event_name: "user_send_text", sender: { id: "246845883529197922" }, recipient: { id: "388613280878808645" }, message: { text: "xin chào", msg_id: "vectors0001" }, timestamp: String(NOW_MS) });
  return [
    vector({
      name: "zalo-oa: user_send_text",
      provider: "zalo-oa",
      source: "https://hainh.me/zalo-api-php-webhook-callback-official-account.html and chatwoot app/jobs/webhooks/zalo_events_job.rb; no published vector",
      method: { secrets: [secret] },
      request: { url: `${HOST}/zalo-oa`, headers: { "content-type": JSON_TYPE, "x-zevent-signature": signature(secret, "360846524940903967", body, String(NOW_MS)) }, body },
    }),
  ];
}
