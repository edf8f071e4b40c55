/**
 * eBay Notification API (Marketplace Account Deletion/Closure and the other push topics):
 * `X-EBAY-SIGNATURE`, base64 of `{"alg":"ecdsa","kid","signature","digest":"SHA1"}`, an ECDSA
 * P-256 signature (DER, base64) of the message with the key `kid` names. eBay's key endpoint
 * (`getPublicKey`) wants an OAuth application token, so the route pins the keys by kid
 * (`keys`); an unknown kid is refused (`untrusted_certificate`) until its key is pinned. The
 * raw body is verified; failing that, its compact JSON form, which is what eBay's SDKs verify
 * (`JSON.stringify` of the parsed message), only when the body is that form plus whitespace
 * (../ebay.ts says why). Event id: `notification.notificationId`. No timestamp is signed
 * apart from the body's own dates, and eBay states no window: replays are caught by dedup.
 * The endpoint check `GET ?challenge_code=` is answered with
 * `{"challengeResponse": hex SHA-256(challengeCode + verificationToken + endpoint URL)}`;
 * `publicUrl` names the URL given to eBay when the edge sees another. eBay's pages found
 * state no retry horizon, so dedup keeps its default retention.
 */
import * as v from "valibot";
import { ebayVerifier, MAX_EBAY_KEYS, type EbayPinnedKey } from "../ebay";
import { ebayChallenge } from "../handshakes";
import { SIGNED_URL } from "./options";
import { definePreset } from "./types";

const keyText = v.pipe(v.string(), v.minLength(1), v.maxLength(16_384));
const pinnedKey = v.union(
  [keyText, v.looseObject({ key: keyText, algorithm: v.optional(v.pipe(v.string(), v.maxLength(32))), digest: v.optional(v.pipe(v.string(), v.maxLength(32))) })],
  "must be a PEM (or base64 SPKI) public key, or getPublicKey's {algorithm, digest, key}",
);

export const ebay = definePreset({
  display: "eBay",
  sources: [
    "https://developer.ebay.com/api-docs/commerce/notification/overview.html",
    "https://developer.ebay.com/api-docs/commerce/notification/resources/public_key/methods/getPublicKey",
    "https://developer.ebay.com/marketplace-account-deletion",
    "https://github.com/eBay/event-notification-nodejs-sdk/blob/main/lib/validator.js",
    "https://github.com/eBay/event-notification-java-sdk (SignatureValidator, EndpointValidator)",
    "docs/research/jwt.md",
  ],
  keyless: true,
  options: {
    keys: {
      schema: v.pipe(
        v.record(v.pipe(v.string(), v.maxLength(128)), pinnedKey),
        v.check((pins) => Object.keys(pins).length >= 1 && Object.keys(pins).length <= MAX_EBAY_KEYS, `1 to ${MAX_EBAY_KEYS} keys`),
      ),
      required: true,
      doc: "eBay's public keys by kid (the PEM, or getPublicKey's answer as it came); eBay serves them only with an OAuth token",
    },
    verificationToken: { secret: true, required: true, doc: "the verification token given to eBay with the endpoint (answers the challenge_code GET)" },
    publicUrl: SIGNED_URL.publicUrl,
  },
  async build({ options: { keys, verificationToken }, url }) {
    const verifier = await ebayVerifier(keys as Readonly<Record<string, EbayPinnedKey>> | undefined);
    return { ...verifier, handshake: ebayChallenge(verificationToken, url) };
  },
});
