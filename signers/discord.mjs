// Discord interactions (src/verify/presets/discord.ts): `X-Signature-Ed25519`, the hex Ed25519
// signature of timestamp + body; the PING is signed like any interaction. discord-interactions
// only verifies: it must accept what this signs.
import { sign } from "node:crypto";
import { concat, hex, json, JSON_TYPE, seconds } from "./lib.mjs";
import { anySecret, ED25519_PRIVATE, ED25519_PUBLIC_HEX, HOST, once, TS, vector } from "./vector.mjs";

export const keyKind = "ed25519";
export const signature = (key, timestamp, body) => sign(null, concat(timestamp, body), key).toString("hex");

function request(c, body) {
  const ts = String(seconds(c.now));
  return { body, headers: { "content-type": JSON_TYPE, "x-signature-timestamp": ts, "x-signature-ed25519": signature(c.need("key"), ts, body) } };
}

export const event = (c) => request(c, c.body ?? json({ type: 2, id: c.eventId ?? String(BigInt(c.now) << 22n), application_id: "1180000000000000000", token: hex(16), data: { name: "hello", type: 1 } }));
export const handshake = (c) => request(c, json({ type: 1, id: String(BigInt(c.now) << 22n), application_id: "1180000000000000000", token: hex(16) }));

export async function vectors() {
  const source =
    "node:crypto Ed25519 (RFC 8032 test key 1), accepted by discord-interactions 4 verifyKey; https://discord.com/developers/docs/interactions/overview#setting-up-an-endpoint-validating-security-request-headers";
  const command = json({
    id: "1290000000000000001",
    application_id: "1280000000000000000",
    type: 2,
    token: "aW50ZXJhY3Rpb24gdG9rZW4",
    version: 1,
    data: { id: "1270000000000000000", name: "hello", type: 1 },
    guild_id: "1260000000000000000",
    channel_id: "1250000000000000000",
  });
  const ping = json({ id: "1290000000000000002", application_id: "1280000000000000000", type: 1, token: "cGluZyB0b2tlbg", version: 1 });
  const headers = (body) => ({ "content-type": "application/json", "x-signature-ed25519": signature(ED25519_PRIVATE, TS, body), "x-signature-timestamp": String(TS) });
  return [
    vector({
      name: "discord: application command",
      provider: "discord",
      source,
      method: { secrets: [ED25519_PUBLIC_HEX] },
      request: { url: `${HOST}/discord`, headers: headers(command), body: command },
      eventId: "1290000000000000001",
    }),
    vector({
      name: "discord: PING (signed handshake)",
      provider: "discord",
      source,
      method: { secrets: [ED25519_PUBLIC_HEX] },
      request: { url: `${HOST}/discord`, headers: headers(ping), body: ping },
      reply: { status: 200, contentType: "application/json", body: json({ type: 1 }) },
    }),
  ];
}

const sdk = once(() => import("discord-interactions"));

export function oracle(v) {
  const h = v.request.headers;
  return {
    sdk: "discord-interactions 4 verifyKey",
    verify: async () => {
      const { verifyKey } = await sdk();
      return anySecret(v, (s) => verifyKey(v.request.body, h["x-signature-ed25519"], h["x-signature-timestamp"], s));
    },
  };
}
