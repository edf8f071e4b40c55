// Plaid (src/verify/presets/plaid.ts): `Plaid-Verification`, an ES256 JWT with `kid`, `iat` and
// `request_body_sha256` (hex). Plaid's client has no verifier (its docs verify with a JOSE library):
// jose checks the vectors. The key pair is fixed so the vectors are reproducible; `send` takes
// `--key` (a P-256 PEM from `hookgate keygen p256`) and the route pins its public JWK.
import { createECDH, createPrivateKey, createPublicKey } from "node:crypto";
import { json, JSON_TYPE } from "./lib.mjs";
import { jws, seconds, sha256 } from "./jwt.mjs";
import { HOST, NOW_MS, once, vector } from "./vector.mjs";

export const keyKind = "p256";
export const token = (key, kid, body, now) => jws("ES256", key, { iat: seconds(now), request_body_sha256: sha256(body, "hex") }, { kid });

export function event(c) {
  const body = c.body ?? json({ webhook_type: "TRANSACTIONS", webhook_code: "SYNC_UPDATES_AVAILABLE", item_id: "wz666MBjYWTp2PDzzggYhM6oWWmBb", initial_update_complete: true, historical_update_complete: false, environment: "sandbox" });
  return { body, headers: { "content-type": JSON_TYPE, "plaid-verification": token(c.need("key"), c.kid ?? "hookgate-demo", body, c.now) } };
}

/** A fixed P-256 key (d from RFC 6979 A.2.5) so that the committed vectors only change when the signer does. */
const D = Buffer.from("C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721", "hex");
const point = (() => {
  const ecdh = createECDH("prime256v1");
  ecdh.setPrivateKey(D);
  return ecdh.getPublicKey();
})();
export const VECTOR_KEY = createPrivateKey({ key: { kty: "EC", crv: "P-256", d: D.toString("base64url"), x: point.subarray(1, 33).toString("base64url"), y: point.subarray(33).toString("base64url") }, format: "jwk" });
export const VECTOR_JWK = { ...createPublicKey(VECTOR_KEY).export({ format: "jwk" }), kid: "6c5516e1-92dc-479e-a8ff-5a51992e0001", alg: "ES256", use: "sig" };

/** ES256 signatures are randomized: the committed token is kept while jose still accepts it for this body (as SendGrid's). */
async function keptToken(previous, name, body) {
  const kept = previous?.find((p) => p.name === name && p.request.body === body);
  if (!kept || !(await oracle(kept).verify().catch(() => false))) return undefined;
  return kept.request.headers["plaid-verification"];
}

export async function vectors({ previous } = {}) {
  const name = "plaid: SYNC_UPDATES_AVAILABLE, key pinned";
  const body = json({ webhook_type: "TRANSACTIONS", webhook_code: "SYNC_UPDATES_AVAILABLE", item_id: "wz666MBjYWTp2PDzzggYhM6oWWmBb", initial_update_complete: true, historical_update_complete: false, environment: "sandbox" });
  return [
    vector({
      name,
      provider: "plaid",
      source: "https://plaid.com/docs/api/webhooks/webhook-verification/ (ES256 JWT, kid, iat, request_body_sha256; checked by jose)",
      method: { secrets: [], keys: [VECTOR_JWK] },
      request: { url: `${HOST}/plaid`, headers: { "content-type": JSON_TYPE, "plaid-verification": (await keptToken(previous, name, body)) ?? token(VECTOR_KEY, VECTOR_JWK.kid, body, NOW_MS) }, body },
    }),
  ];
}

const jose = once(() => import("jose"));
export function oracle(v) {
  return {
    sdk: "jose jwtVerify (ES256 only, iat ≤ 5 min) + request_body_sha256",
    verify: async () => {
      const { importJWK, jwtVerify } = await jose();
      const key = await importJWK(v.method.keys[0], "ES256");
      const { payload } = await jwtVerify(v.request.headers["plaid-verification"], key, { algorithms: ["ES256"], maxTokenAge: "5m", currentDate: new Date(v.now) });
      return payload.request_body_sha256 === sha256(v.request.body, "hex");
    },
  };
}
