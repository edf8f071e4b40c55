/**
 * Mailgun: the signature travels in the JSON body, `signature: {timestamp, token,
 * signature}`, hex HMAC-SHA256(signing key, timestamp + token). It does NOT cover
 * `event-data`: whoever sees one delivery could attach other event data to its signature.
 * So the token is the event id (dedup refuses a second use of it) and the window is short:
 * Mailgun states none; ours is 300 s either way, configurable.
 * https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/securing-webhooks
 */
import { hexToBytes, utf8 } from "../../lib/encoding";
import { BodyFields } from "../../lib/json-field";
import { importSecretKeys, verifySignature } from "../keys";
import { active } from "../secrets";
import { timestampFailure } from "../timestamp";
import { fail, pass, type Verifier } from "../types";
import { TOLERANCE } from "./options";
import { definePreset } from "./types";

export const MAILGUN_TOLERANCE_SECONDS = 300;

export const mailgun = definePreset({
  display: "Mailgun",
  sources: ["https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/securing-webhooks"],
  options: { toleranceSeconds: TOLERANCE },
  async build({ secrets, options: { toleranceSeconds = MAILGUN_TOLERANCE_SECONDS } }): Promise<Verifier> {
    const keys = await importSecretKeys(secrets, "hmac-sha256");
    return {
      scheme: "hmac:mailgun",
      needsBody: true,
      strip: { headers: [], query: [] },
      async verify({ body, now }) {
        const fields = new BodyFields(body);
        if (fields.value() === undefined) return fail("malformed_body");
        const timestamp = fields.text("signature.timestamp");
        const token = fields.text("signature.token");
        const signatureHex = fields.text("signature.signature");
        if (signatureHex === undefined || token === undefined) return fail("missing_signature");
        if (timestamp === undefined) return fail("missing_timestamp");
        const signature = hexToBytes(signatureHex);
        if (!signature || signature.length !== 32 || token.length === 0 || token.length > 256) return fail("malformed_signature");
        const late = timestampFailure(timestamp, "s", now, toleranceSeconds);
        if (late) return fail(late);
        const valid = active(keys, now);
        if (valid.length === 0) return fail("no_active_secret");
        const data = utf8(timestamp + token);
        for (const key of valid) {
          if (await verifySignature(key, signature, data)) return pass(`token:${token}`);
        }
        return fail("signature_mismatch");
      },
    };
  },
});
