/**
 * Netlify deploy and form notifications with a "JWS secret token": `X-Webhook-Signature` is
 * an HS256 JWS keyed with that token, with `iss: "netlify"` and `sha256`, the hex SHA-256 of
 * the raw body. No time claims, so replays are caught by dedup on the body. The official page
 * was readable only in part; redwoodjs's verifier and other receivers agree on the claims.
 * https://docs.netlify.com/site-deploys/notifications/#payload-signature
 */
import { jwtVerifier } from "../jwt";
import { definePreset } from "./types";

export const netlify = definePreset({
  display: "Netlify",
  sources: ["https://docs.netlify.com/site-deploys/notifications/#payload-signature", "docs/research/jwt.md"],
  options: {},
  build: ({ secrets }) =>
    jwtVerifier({ scheme: "jwt:netlify", alg: "HS256", header: "x-webhook-signature", secrets, claims: { issuer: "netlify" }, bodyHash: { claim: "sha256", encoding: "hex" } }),
});
