/**
 * LinkedIn webhooks: every push event carries `X-LI-Signature`, the hex HMAC-SHA256, keyed
 * with the app's clientSecret, of `hmacsha256=` followed by the raw body. LinkedIn's page
 * says "the HMACSHA256 hash of the JSON-encoded string representation of the POST body
 * prefixed by `hmacsha256=`" and "you must compute the signature on the POST body prefixed by
 * `hmacsha256=`": the prefix is part of the signed message, and the header is the bare hex
 * digest. That is the second sentence read literally, and what a receiver written at LinkedIn
 * settled on against real deliveries, citing LinkedIn's signer (sokkalingam/linkedin-hookedin,
 * LINKEDIN_WEBHOOK_SIGNATURE_VALIDATION.md: `stringToSign = SIGN_PREFIX + payload` in
 * `PartnerPushEventCredentialPlugin.java`, and the header "only the hex hash (without
 * prefix)"). The other reading (`hmacsha256=<hex of the body>` in the header) fails closed. No timestamp is signed (replays are caught by dedup only) and the
 * Notification ID's field differs by product, so there is no event id (dedup keys on the
 * signature and body).
 *
 * The endpoint validation, `GET ?challengeCode=<uuid>` (re-run every 2 hours; 3 failures in a
 * row block the webhook), is answered at the edge within LinkedIn's 3 seconds with
 * `{"challengeCode", "challengeResponse": hex HMAC-SHA256(clientSecret, challengeCode)}` as
 * application/json, using the first secret still valid. It needs no other credential: only
 * the secret's holder can answer it. Parent-child apps' `applicationId` names whose secret to
 * use: a route answers with its own, so give each application its own route.
 * https://learn.microsoft.com/en-us/linkedin/shared/api-guide/webhook-validation
 */
import { linkedinValidation } from "../handshakes";
import type { SignatureScheme } from "../scheme";
import { schemePreset } from "./scheme-preset";
import { currentSecret } from "./types";

export const linkedinScheme: SignatureScheme = {
  name: "linkedin",
  algorithm: "hmac-sha256",
  encoding: "hex",
  header: "x-li-signature",
  format: { kind: "single", prefix: "" },
  payload: "hmacsha256={body}",
  keyEncoding: "utf8",
};

export const linkedin = schemePreset(linkedinScheme, {
  display: "LinkedIn",
  sources: [
    "https://learn.microsoft.com/en-us/linkedin/shared/api-guide/webhook-validation",
    "https://github.com/sokkalingam/linkedin-hookedin/blob/main/LINKEDIN_WEBHOOK_SIGNATURE_VALIDATION.md",
  ],
  decorate: (v, input) => ({ ...v, handshake: linkedinValidation(currentSecret(input.secrets)) }),
});
