/**
 * monday.com app webhooks and integration calls: `Authorization` holds a JWT (no `Bearer`)
 * signed HS256 with the app's Signing Secret, with `aud` = the endpoint URL monday was given
 * (option `audience`) and `exp`. The header carries a short-lived API token for the account,
 * so it reaches the origin. No body hash: the token authenticates the sender, not the bytes.
 * When a webhook is created monday POSTs `{"challenge": "…"}` and expects it back: answered at
 * the edge (only a body that is exactly that one short field), never forwarded.
 * https://developer.monday.com/apps/docs/authorization-header
 */
import * as v from "valibot";
import { jsonReply } from "../handshakes";
import { jwtVerifier } from "../jwt";
import { definePreset } from "./types";

const MAX_CHALLENGE_CHARS = 256;

/** `{"challenge": "<short string>"}` and nothing else, or null. */
function challengeOf(body: Uint8Array): string | null {
  if (body.length > MAX_CHALLENGE_CHARS + 32) return null;
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(body));
    if (value === null || typeof value !== "object" || Array.isArray(value) || Object.keys(value).length !== 1) return null;
    const challenge = (value as { challenge?: unknown }).challenge;
    return typeof challenge === "string" && challenge.length > 0 && challenge.length <= MAX_CHALLENGE_CHARS ? challenge : null;
  } catch {
    return null;
  }
}

export const monday = definePreset({
  display: "monday.com",
  sources: ["https://developer.monday.com/apps/docs/authorization-header", "docs/research/jwt.md"],
  retryHours: 1, // monday retries once a minute for 30 minutes
  options: {
    audience: { schema: v.pipe(v.string(), v.url("must be the endpoint URL monday calls"), v.maxLength(512)), required: true, doc: "the endpoint URL given to monday (the token's aud)" },
  },
  async build({ secrets, options: { audience } }) {
    const verifier = await jwtVerifier({ scheme: "jwt:monday", alg: "HS256", header: "authorization", secrets, claims: { audience: audience!, requireExp: true } });
    return {
      ...verifier,
      // The body is read first so that the challenge (which carries no token) is seen before the token is checked.
      needsBody: true,
      async testRequest({ method, body }) {
        const challenge = method === "POST" ? challengeOf(body) : null;
        return challenge === null ? null : jsonReply(200, { challenge });
      },
    };
  },
});
