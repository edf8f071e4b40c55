// FusionAuth (src/verify/presets/fusionauth.ts): `X-FusionAuth-Signature-JWT`, a JWT signed with a
// Key Master key (here RS256, found by kid) holding `request_body_sha256`, the base64 SHA-256 of
// the body. FusionAuth's clients have no verifier: jose checks the vectors.
import { createPrivateKey, createPublicKey } from "node:crypto";
import { json, JSON_TYPE } from "./lib.mjs";
import { jws, sha256 } from "./jwt.mjs";
import { HOST, once, vector } from "./vector.mjs";

export const keyKind = "rsa";
export const token = (key, kid, body) => jws("RS256", key, { request_body_sha256: sha256(body, "base64") }, { kid });

export function event(c) {
  const body = c.body ?? json({ event: { type: "user.create", id: c.eventId ?? "e5b2b0a3-0000-4000-8000-000000000001", createInstant: c.now, user: { id: "00000000-0000-0000-0000-000000000001", email: "richard@example.com" } } });
  return { body, headers: { "content-type": JSON_TYPE, "x-fusionauth-signature-jwt": token(c.need("key"), c.kid ?? "hookgate-demo", body) } };
}

/** A key pair made once per run would change the vectors: this one is derived from a fixed PEM in the fixtures. */
let pair;
async function vectorPair() {
  if (pair) return pair;
  const { readFileSync } = await import("node:fs");
  const pem = readFileSync(new URL("../test/fixtures/fusionauth/rsa-private.pem", import.meta.url), "utf8");
  const key = createPrivateKey(pem);
  pair = { key, jwk: { ...createPublicKey(key).export({ format: "jwk" }), kid: "_H07wVG1fV3l5ih74rNxIC3nevE", alg: "RS256", use: "sig" } };
  return pair;
}

export async function vectors() {
  const { key, jwk } = await vectorPair();
  const body = json({ event: { type: "user.create", id: "e5b2b0a3-0000-4000-8000-000000000001", createInstant: 1790000000000, user: { id: "00000000-0000-0000-0000-000000000001", email: "richard@example.com" } } });
  return [
    vector({
      name: "fusionauth: user.create, key pinned",
      provider: "fusionauth",
      source: "https://fusionauth.io/docs/extend/events-and-webhooks/signing (RS256 by kid, request_body_sha256 base64; checked by jose)",
      method: { secrets: [], keys: [jwk] },
      request: { url: `${HOST}/fusionauth`, headers: { "content-type": JSON_TYPE, "x-fusionauth-signature-jwt": token(key, jwk.kid, body) }, body },
    }),
  ];
}

const jose = once(() => import("jose"));
export function oracle(v) {
  return {
    sdk: "jose jwtVerify (RS256) + request_body_sha256",
    verify: async () => {
      const { importJWK, jwtVerify } = await jose();
      const { payload } = await jwtVerify(v.request.headers["x-fusionauth-signature-jwt"], await importJWK(v.method.keys[0], "RS256"), { algorithms: ["RS256"] });
      return payload.request_body_sha256 === sha256(v.request.body, "base64");
    },
  };
}
