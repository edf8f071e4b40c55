// monday.com (src/verify/presets/monday.ts): `Authorization: <HS256 JWT>` (no Bearer) keyed with the
// app's Signing Secret, `aud` the endpoint URL, `exp`; the create-time `{"challenge": …}` POST.
// monday ships no verifier (its sample apps call jsonwebtoken): jose checks the vectors.
import { json, JSON_TYPE } from "./lib.mjs";
import { jws, seconds } from "./jwt.mjs";
import { HOST, NOW_MS, once, vector } from "./vector.mjs";

export const token = (secret, aud, now) => jws("HS256", secret, { accountId: 11223344, userId: 5566, aud, exp: seconds(now) + 300, iat: seconds(now), shortLivedToken: "redacted" });

export function event(c) {
  const body = c.body ?? json({ event: { type: "create_pulse", boardId: 1234567, pulseId: Number(String(c.now).slice(-8)), pulseName: "hookgate test", triggerUuid: c.eventId ?? "b1b2b3" } });
  return { body, headers: { "content-type": JSON_TYPE, authorization: token(c.need("secret"), c.publicUrl ?? `${c.url.origin}${c.url.pathname}`, c.now) } };
}
export const handshake = (c) => ({ body: json({ challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" }), headers: { "content-type": JSON_TYPE } });

export async function vectors() {
  const secret = "monday-signing-secret-provider-vectors";
  const aud = `${HOST}/monday`;
  const body = json({ event: { type: "create_pulse", boardId: 1234567, pulseId: 987654321, pulseName: "Vector item", triggerUuid: "2f2b0f5c" } });
  return [
    vector({
      name: "monday: create_pulse",
      provider: "monday",
      source: "https://developer.monday.com/apps/docs/authorization-header (HS256 JWT, aud the endpoint URL, exp; checked by jose)",
      method: { secrets: [secret], audience: aud },
      request: { url: aud, headers: { "content-type": JSON_TYPE, authorization: token(secret, aud, NOW_MS) }, body },
    }),
  ];
}

const jose = once(() => import("jose"));
export function oracle(v) {
  return {
    sdk: "jose jwtVerify (HS256, aud, exp)",
    verify: async () => {
      const { jwtVerify } = await jose();
      await jwtVerify(v.request.headers.authorization, new TextEncoder().encode(v.method.secrets[0]), { algorithms: ["HS256"], audience: v.method.audience, currentDate: new Date(v.now) });
      return true;
    },
  };
}
