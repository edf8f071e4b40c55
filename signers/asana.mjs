// Asana (src/verify/presets/asana.ts): `X-Hook-Signature: <hex HMAC-SHA256 of the raw body>`, keyed
// with the secret Asana sent once in `X-Hook-Secret` while the webhook was created. No SDK verifies
// it; Asana publishes sample receivers only (Asana/devrel-examples), no worked example.
import { hmac, json, JSON_TYPE } from "./lib.mjs";
import { HOST, iso, NOW_MS, vector } from "./vector.mjs";

export const signature = (secret, body) => hmac("sha256", secret, body, "hex");

const sampleEvents = (now, gid) =>
  json({ events: [{ user: { gid: "1111", resource_type: "user" }, created_at: iso(now), action: "changed", resource: { gid: gid ?? "1209000000000001", resource_type: "task" }, parent: null, change: { field: "name", action: "changed" } }] });

export function event(c) {
  const body = c.body ?? sampleEvents(c.now, c.eventId);
  return { body, headers: { "content-type": JSON_TYPE, "x-hook-signature": signature(c.need("secret"), body) } };
}

/** The creation handshake: Asana's POST carrying the secret it chose (here, `--secret`), which the gateway stores while capture is armed. */
export const handshake = (c) => ({ headers: { "x-hook-secret": c.need("secret") } });

export async function vectors() {
  // The X-Hook-Secret of Asana's own handshake example (https://developers.asana.com/reference/createwebhook).
  const secret = "b537207f20cbfa02357cf448134da559e8bd39d61597dcd5631b8012eae53e81";
  const source =
    "node:crypto per https://developers.asana.com/docs/webhooks-guide (hex as Asana's samples compare it: Asana/devrel-examples python/webhooks_v5/server.py, hmac.new(secret.encode(), raw body, sha256).hexdigest()); Asana publishes no worked example, the key is its documented handshake secret";
  const body = sampleEvents(NOW_MS);
  return [
    vector({
      name: "asana: task changed (X-Hook-Signature, hex)",
      provider: "asana",
      source,
      method: { secrets: [secret] },
      request: { url: `${HOST}/asana`, headers: { "content-type": "application/json; charset=UTF-8", "x-hook-signature": signature(secret, body) }, body },
    }),
    vector({
      name: "asana: heartbeat (no events)",
      provider: "asana",
      source,
      method: { secrets: [secret] },
      request: { url: `${HOST}/asana`, headers: { "content-type": "application/json; charset=UTF-8", "x-hook-signature": signature(secret, '{"events":[]}') }, body: '{"events":[]}' },
    }),
  ];
}

