// Compact JWS signing for the JWT-signed presets (netlify, vonage, plaid, fusionauth, monday), with
// node:crypto: HS256 with a secret, ES256 (raw r‖s, as JWS wants), RS256 and EdDSA with a private key.
import { createHash, createHmac, sign } from "node:crypto";

const b64url = (data) => Buffer.from(data).toString("base64url");

export function jws(alg, key, payload, header = {}) {
  const input = `${b64url(JSON.stringify({ alg, typ: "JWT", ...header }))}.${b64url(JSON.stringify(payload))}`;
  const signature =
    alg === "HS256"
      ? createHmac("sha256", key).update(input).digest()
      : sign(alg === "EdDSA" ? null : "sha256", Buffer.from(input), alg === "ES256" ? { key, dsaEncoding: "ieee-p1363" } : key);
  return `${input}.${b64url(signature)}`;
}

export const sha256 = (body, encoding) => createHash("sha256").update(body).digest(encoding);
export const seconds = (ms) => Math.floor(ms / 1000);
