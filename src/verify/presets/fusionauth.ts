/**
 * FusionAuth (1.48+) signed webhooks: `X-FusionAuth-Signature-JWT`, a JWT signed with a Key
 * Master key found by `kid`, with `request_body_sha256`, the **base64** SHA-256 of the raw body
 * (the docs' example shows padding). The key kind is the route's: `alg` RS256 (default),
 * ES256 or EdDSA with `keys` pinned or `keyUrl` (the instance's `/.well-known/jwks.json`), or
 * HS256 with the HMAC key as `secrets`. No time claims: replays are caught by dedup on the body.
 * https://fusionauth.io/docs/extend/events-and-webhooks/signing
 */
import * as v from "valibot";
import { jwtVerifier } from "../jwt";
import { asPinned, KEY_URL, ownHost, PINNED_KEYS } from "./jwt-options";
import { definePreset } from "./types";

export const fusionauth = definePreset({
  display: "FusionAuth",
  sources: ["https://fusionauth.io/docs/extend/events-and-webhooks/signing", "docs/research/jwt.md"],
  options: {
    alg: { schema: v.picklist(["RS256", "ES256", "EdDSA"], 'must be "RS256", "ES256" or "EdDSA"'), doc: "the algorithm of the signing key (default RS256)" },
    keys: PINNED_KEYS,
    keyUrl: KEY_URL,
  },
  keyless: true,
  build: ({ options: { alg = "RS256", keys, keyUrl } }) =>
    jwtVerifier({
      scheme: "jwt:fusionauth",
      alg,
      header: "x-fusionauth-signature-jwt",
      keys: asPinned(keys),
      ...(keyUrl !== undefined && { keyUrl, allowHosts: ownHost(keyUrl) }),
      bodyHash: { claim: "request_body_sha256", encoding: "base64" },
    }),
});
