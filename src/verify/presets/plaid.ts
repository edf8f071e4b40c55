/**
 * Plaid: `Plaid-Verification` is an ES256 JWT (any other `alg` is refused, as Plaid says)
 * whose key is found by `kid`; `iat` at most 5 minutes old; `request_body_sha256` the hex
 * SHA-256 of the raw body. Plaid publishes its keys only through an authenticated POST
 * (`/webhook_verification_key/get`), so the route pins them (`keys`, JWKs as that call returns
 * them) or names an https relay of the operator's that serves them as a JWKS (`keyUrl`).
 * Event id: none signed (dedup keys on the content).
 * https://plaid.com/docs/api/webhooks/webhook-verification/
 */
import { jwtVerifier } from "../jwt";
import { asPinned, KEY_URL, ownHost, PINNED_KEYS } from "./jwt-options";
import { definePreset } from "./types";

export const PLAID_MAX_AGE_SECONDS = 300;

export const plaid = definePreset({
  display: "Plaid",
  sources: ["https://plaid.com/docs/api/webhooks/webhook-verification/", "docs/research/jwt.md"],
  keyless: true,
  options: { keys: PINNED_KEYS, keyUrl: KEY_URL },
  build: ({ options: { keys, keyUrl } }) =>
    jwtVerifier({
      scheme: "jwt:plaid",
      alg: "ES256",
      header: "plaid-verification",
      keys: asPinned(keys),
      ...(keyUrl !== undefined && { keyUrl, allowHosts: ownHost(keyUrl) }),
      bodyHash: { claim: "request_body_sha256", encoding: "hex" },
      maxAgeSeconds: PLAID_MAX_AGE_SECONDS,
    }),
});
