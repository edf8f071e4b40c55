// Netlify (src/verify/presets/netlify.ts): `X-Webhook-Signature`, an HS256 JWS keyed with the JWS
// secret token, `{iss: "netlify", sha256: <hex SHA-256 of the body>}`. Netlify ships no verifier;
// the vectors are checked by jose (an independent JOSE implementation), as Netlify's docs suggest
// any JWT library.
import { json, JSON_TYPE } from "./lib.mjs";
import { jws, sha256 } from "./jwt.mjs";
import { HOST, once, vector } from "./vector.mjs";

export const signature = (secret, body) => jws("HS256", secret, { iss: "netlify", sha256: sha256(body, "hex") });

export function event(c) {
  const body = c.body ?? json({ id: c.eventId ?? "6747b2c1b5a0f30008e0a9f1", site_id: "2b2a0b8c-1f4e-4d1f-9d0e-0b3c7f3a0f11", state: "ready", context: "production", branch: "main" });
  return { body, headers: { "content-type": JSON_TYPE, "x-webhook-signature": signature(c.need("secret"), body) } };
}

export async function vectors() {
  const secret = "netlify-jws-secret-provider-vectors";
  const body = json({ id: "6747b2c1b5a0f30008e0a9f1", site_id: "2b2a0b8c-1f4e-4d1f-9d0e-0b3c7f3a0f11", state: "ready", name: "hookgate-docs", context: "production" });
  return [
    vector({
      name: "netlify: deploy succeeded",
      provider: "netlify",
      source: "https://docs.netlify.com/site-deploys/notifications/#payload-signature (HS256 JWS, iss netlify, sha256 of the body)",
      method: { secrets: [secret] },
      request: { url: `${HOST}/netlify`, headers: { "content-type": JSON_TYPE, "x-webhook-signature": signature(secret, body) }, body },
    }),
  ];
}

const jose = once(() => import("jose"));
export function oracle(v) {
  return {
    sdk: "jose jwtVerify (HS256, iss netlify) + the body's SHA-256",
    verify: async () => {
      const { jwtVerify } = await jose();
      const [secret] = v.method.secrets;
      const { payload } = await jwtVerify(v.request.headers["x-webhook-signature"], new TextEncoder().encode(secret), { algorithms: ["HS256"], issuer: "netlify" });
      return payload.sha256 === sha256(v.request.body, "hex");
    },
  };
}
