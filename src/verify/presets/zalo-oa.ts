/**
 * Zalo Official Account events: `X-ZEvent-Signature: mac=<hex>`, a plain SHA-256 (not an
 * HMAC) of `app_id + raw body + timestamp + OA secret key`, concatenated, where `app_id` and
 * `timestamp` are the body's top-level fields. The key is the OA's secret (not the app's).
 * The timestamp (ms) is covered; Zalo documents no window: ours is 300 s either way,
 * configurable. No event id is documented (dedup falls back to the content). The origin
 * must answer 200 within 2 s.
 * Sources: developers.zalo.me's webhook page was not in the copies we could read; the scheme
 * is that of Chatwoot's receiver (app/jobs/webhooks/zalo_events_job.rb) and a Vietnamese
 * walkthrough (https://hainh.me/zalo-api-php-webhook-callback-official-account.html), which agree.
 */
import { bytesToHex, concatBytes, utf8 } from "../../lib/encoding";
import { BodyFields } from "../../lib/json-field";
import { active, type Expiring } from "../secrets";
import { timestampFailure } from "../timestamp";
import { fail, pass, type Verifier } from "../types";
import { TOLERANCE } from "./options";
import { definePreset } from "./types";

const HEADER = "x-zevent-signature";
const MAC = /^mac=([0-9a-fA-F]{64})$/;
export const ZALO_TOLERANCE_SECONDS = 300;

const sha256Hex = async (parts: readonly Uint8Array[]) => bytesToHex(new Uint8Array(await crypto.subtle.digest("SHA-256", concatBytes(parts))));

export const zaloOa = definePreset({
  display: "Zalo Official Account",
  sources: [
    "https://hainh.me/zalo-api-php-webhook-callback-official-account.html",
    "https://github.com/chatwoot/chatwoot/blob/314d9922f6eebfc7b630b7cd7153add31fab2220/app/jobs/webhooks/zalo_events_job.rb",
  ],
  options: { toleranceSeconds: TOLERANCE },
  async build({ secrets, options: { toleranceSeconds = ZALO_TOLERANCE_SECONDS } }): Promise<Verifier> {
    const keys: Expiring<Uint8Array>[] = secrets.map((s) => ({ item: utf8(s.value), notAfter: s.notAfter }));
    return {
      scheme: "sha256:zalo-oa",
      needsBody: true,
      strip: { headers: [], query: [] },
      signatureHeaders: [HEADER],
      async verify({ headers, body, now }) {
        const header = headers.get(HEADER);
        if (header === null) return fail("missing_signature");
        const mac = MAC.exec(header.trim())?.[1]?.toLowerCase();
        if (!mac) return fail("malformed_signature");
        const fields = new BodyFields(body);
        if (fields.value() === undefined) return fail("malformed_body");
        const appId = fields.text("app_id");
        const timestamp = fields.text("timestamp");
        if (appId === undefined) return fail("malformed_body");
        if (timestamp === undefined) return fail("missing_timestamp");
        const late = timestampFailure(timestamp, "ms", now, toleranceSeconds);
        if (late) return fail(late);
        const valid = active(keys, now);
        if (valid.length === 0) return fail("no_active_secret");
        for (const key of valid) {
          const expected = utf8(await sha256Hex([utf8(appId), body, utf8(timestamp), key]));
          if (crypto.subtle.timingSafeEqual(expected, utf8(mac))) return pass();
        }
        return fail("signature_mismatch");
      },
    };
  },
});
