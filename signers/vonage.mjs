// Vonage Messages (src/verify/presets/vonage.ts): `Authorization: Bearer <HS256 JWT>` keyed with the
// signature secret, `{iat, jti, iss: "Vonage", payload_hash: <hex SHA-256 of the body>, api_key,
// application_id}`. Vonage's own @vonage/jwt verifySignature checks the vectors (it checks the
// signature; the body hash is ours to compare, as Vonage's docs say).
import { randomUUID } from "node:crypto";
import { json, JSON_TYPE } from "./lib.mjs";
import { jws, seconds, sha256 } from "./jwt.mjs";
import { HOST, NOW_MS, once, vector } from "./vector.mjs";

export const token = (secret, body, now, jti) =>
  jws("HS256", secret, { iat: seconds(now), jti, iss: "Vonage", payload_hash: sha256(body, "hex"), api_key: "abcd1234", application_id: "aaaaaaaa-bbbb-cccc-dddd-0123456789ab" });

export function event(c) {
  const body = c.body ?? json({ channel: "whatsapp", message_uuid: randomUUID(), to: "447700900000", from: "447700900001", timestamp: new Date(c.now).toISOString(), message_type: "text", text: "Hello" });
  return { body, headers: { "content-type": JSON_TYPE, authorization: `Bearer ${token(c.need("secret"), body, c.now, c.eventId ?? randomUUID())}` } };
}

export async function vectors() {
  const secret = "vonage-signature-secret-provider-vectors-0123456789";
  const body = json({ channel: "sms", message_uuid: "aaaaaaaa-bbbb-cccc-dddd-0123456789ab", to: "447700900000", from: "447700900001", timestamp: "2026-09-21T12:53:20Z", message_type: "text", text: "Hello" });
  const jti = "c3a1f9c4-0000-4000-8000-provider0001";
  return [
    vector({
      name: "vonage: inbound message",
      provider: "vonage",
      source: "https://developer.vonage.com/en/messages/concepts/signed-webhooks (checked by @vonage/jwt verifySignature)",
      method: { secrets: [secret] },
      request: { url: `${HOST}/vonage`, headers: { "content-type": JSON_TYPE, authorization: `Bearer ${token(secret, body, NOW_MS, jti)}` }, body },
      eventId: jti,
    }),
  ];
}

const sdk = once(() => import("@vonage/jwt"));
export function oracle(v) {
  return {
    sdk: "@vonage/jwt verifySignature (+ payload_hash against the body)",
    verify: async () => {
      const { verifySignature } = await sdk();
      const jwt = v.request.headers.authorization.replace(/^Bearer /, "");
      const payload = JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString());
      return verifySignature(jwt, v.method.secrets[0]) && payload.payload_hash === sha256(v.request.body, "hex");
    },
  };
}
