/**
 * Casso bank-transaction webhooks (v2): `X-Casso-Signature: t=<unix ms>,v1=<hex>`, HMAC-SHA512
 * keyed with the webhook's checksum key over `<t>.<JSON of the whole body>`, where the body is
 * re-serialized with the keys of every object sorted and no spaces (Casso's sample). The
 * sample serializes with PHP's json_encode, which escapes `/` and non-ASCII as `\/` and
 * `\uXXXX`; JavaScript does not: both renderings are tried, since either is a signature by the
 * key. Casso documents no window: ours is 300 s either way, configurable. Event id: `data.id`.
 * Sources: Casso's verification sample (PHP, with its key and signature, reproduced in the
 * vectors) and docs/research/vn.md; Casso's developer site (https://developer.casso.vn) was
 * not in the copies we could read.
 */
import { hexToBytes, utf8 } from "../../lib/encoding";
import { parseJson } from "../../lib/json-field";
import { importSecretKeys, verifySignature } from "../keys";
import { active } from "../secrets";
import { parseSignatureHeader } from "../signature-header";
import { timestampFailure } from "../timestamp";
import { fail, pass, type Verifier } from "../types";
import { TOLERANCE } from "./options";
import { definePreset } from "./types";

const HEADER = "x-casso-signature";
const HEX_SHA512 = /^[0-9a-fA-F]{128}$/;
export const CASSO_TOLERANCE_SECONDS = 300;
/** Deeper bodies are refused: Casso's are two levels deep, and the sort recurses. */
const MAX_DEPTH = 32;

/** Keys sorted at every level, compact; null when the value is nested too deep. */
export function sortedJson(value: unknown, depth = 0): string | null {
  if (depth > MAX_DEPTH) return null;
  if (Array.isArray(value)) {
    const items = value.map((v) => sortedJson(v, depth + 1));
    return items.includes(null) ? null : `[${items.join(",")}]`;
  }
  if (value !== null && typeof value === "object") {
    const parts: string[] = [];
    for (const key of Object.keys(value).sort()) {
      const inner = sortedJson((value as Record<string, unknown>)[key], depth + 1);
      if (inner === null) return null;
      parts.push(`${JSON.stringify(key)}:${inner}`);
    }
    return `{${parts.join(",")}}`;
  }
  return JSON.stringify(value);
}

/** PHP json_encode's default escapes, applied to JavaScript's output. */
const phpEscaped = (json: string) => json.replace(/\//g, "\\/").replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);

export const casso = definePreset({
  display: "Casso",
  sources: ["https://developer.casso.vn", "docs/research/vn.md (Casso's PHP verification sample)"],
  options: { toleranceSeconds: TOLERANCE },
  async build({ secrets, options: { toleranceSeconds = CASSO_TOLERANCE_SECONDS } }): Promise<Verifier> {
    const keys = await importSecretKeys(secrets, "hmac-sha512");
    return {
      scheme: "hmac:casso",
      needsBody: true,
      strip: { headers: [], query: [] },
      signatureHeaders: [HEADER],
      async verify({ headers, body, now }) {
        const header = headers.get(HEADER);
        if (header === null) return fail("missing_signature");
        const parsed = parseSignatureHeader(header, { kind: "pairs", separator: ",", timestampKey: "t", signatureKey: "v1" });
        if (!parsed || !parsed.signatures.every((s) => HEX_SHA512.test(s))) return fail("malformed_signature");
        if (parsed.timestamp === undefined) return fail("missing_timestamp");
        const late = timestampFailure(parsed.timestamp, "ms", now, toleranceSeconds);
        if (late) return fail(late);
        const value = parseJson(body);
        const json = value === null || typeof value !== "object" ? null : sortedJson(value);
        if (json === null) return fail("malformed_body");
        const valid = active(keys, now);
        if (valid.length === 0) return fail("no_active_secret");
        const php = phpEscaped(json);
        const id = (value as { data?: { id?: unknown } }).data?.id;
        for (const text of json === php ? [json] : [json, php]) {
          const data = utf8(`${parsed.timestamp}.${text}`);
          for (const sig of parsed.signatures) {
            for (const key of valid) if (await verifySignature(key, hexToBytes(sig)!, data)) return pass(id === undefined || id === null ? undefined : String(id));
          }
        }
        return fail("signature_mismatch");
      },
    };
  },
});
