/**
 * Vonage Messages and Dispatch: `Authorization: Bearer <JWT>`, HS256 keyed with the account's
 * signature secret, `iss: "Vonage"`, `iat`, `jti`, and `payload_hash`, the hex SHA-256 of the
 * raw body. No `exp`: tokens older than 5 minutes are refused (configurable). Event id: `jti`.
 * (Voice's preview hashes re-serialised parameters, not the body: not this preset.)
 * https://developer.vonage.com/en/messages/concepts/signed-webhooks
 */
import { jwtVerifier } from "../jwt";
import { TOLERANCE } from "./options";
import { definePreset } from "./types";

export const VONAGE_MAX_AGE_SECONDS = 300;

export const vonage = definePreset({
  display: "Vonage (Messages, Dispatch)",
  sources: ["https://developer.vonage.com/en/messages/concepts/signed-webhooks", "docs/research/jwt.md"],
  options: { toleranceSeconds: { ...TOLERANCE, doc: "how old the token's iat may be, in seconds (default 300)" } },
  build: ({ secrets, options: { toleranceSeconds = VONAGE_MAX_AGE_SECONDS } }) =>
    jwtVerifier({
      scheme: "jwt:vonage",
      alg: "HS256",
      header: "authorization",
      prefix: "Bearer ",
      secrets,
      claims: { issuer: "Vonage" },
      bodyHash: { claim: "payload_hash", encoding: "hex" },
      maxAgeSeconds: toleranceSeconds,
      eventId: { claim: "jti" },
    }),
});
