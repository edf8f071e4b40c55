/**
 * Twilio: `X-Twilio-Signature: base64(HMAC-SHA1(auth token, URL + sorted form params))`,
 * where the URL is the public one Twilio called, query included; validators try it with
 * and without the default port. JSON bodies: the URL carries `?bodySHA256=<hex>`, the
 * signature covers the URL alone, and the body's SHA-256 must match too. No timestamp.
 * Event id: `I-Twilio-Idempotency-Token`.
 * https://www.twilio.com/docs/usage/webhooks/webhooks-security
 */
import { bytesToHex, utf8 } from "../../lib/encoding";
import { parseForm, sortedParams } from "../form";
import { importSecretKeys, verifySignature } from "../keys";
import { base64ToBytes } from "../../lib/encoding";
import { active } from "../secrets";
import { signedUrl } from "../signed-url";
import { fail, pass, type Verifier } from "../types";
import { SIGNED_URL } from "./options";
import { definePreset } from "./types";

// Its signed-URL rule.
/** Twilio's validators try the URL as signed with and without the scheme's default port. */
export function withAndWithoutDefaultPort(href: string): string[] {
  const m = /^(https?):\/\/([^/?#:]+)(:\d+)?(.*)$/i.exec(href);
  if (!m) return [href];
  const [, scheme, host, port, rest] = m;
  const defaultPort = scheme!.toLowerCase() === "https" ? ":443" : ":80";
  if (port && port !== defaultPort) return [href];
  return [`${scheme}://${host}${rest}`, `${scheme}://${host}${defaultPort}${rest}`];
}

const HEADER = "x-twilio-signature";
const EVENT_ID_HEADER = "i-twilio-idempotency-token";

export const twilio = definePreset({
  display: "Twilio",
  sources: ["https://www.twilio.com/docs/usage/webhooks/webhooks-security"],
  options: SIGNED_URL,
  async build({ secrets, url: policy }): Promise<Verifier> {
    const keys = await importSecretKeys(secrets, "hmac-sha1");
    return {
      scheme: "hmac:twilio",
      needsBody: true,
      strip: { headers: [], query: [] },
      signatureHeaders: [HEADER],
      unsignedEventId: true, // the idempotency token is not signed
      async verify({ url, headers, body, now }) {
        const header = headers.get(HEADER);
        if (header === null) return fail("missing_signature");
        const signature = base64ToBytes(header.trim());
        if (!signature || signature.length !== 20) return fail("malformed_signature");
        const valid = active(keys, now);
        if (valid.length === 0) return fail("no_active_secret");

        const href = signedUrl(url, policy);
        const bodyHash = url.searchParams.get("bodySHA256");
        let params = "";
        if (bodyHash === null) {
          const fields = parseForm(new TextDecoder().decode(body));
          if (!fields) return fail("malformed_body");
          params = sortedParams(fields);
        } else {
          // The signature covers the URL (and so the claimed hash); the body must hash to it.
          const actual = bytesToHex(new Uint8Array(await crypto.subtle.digest("SHA-256", body)));
          const claimed = utf8(bodyHash.toLowerCase());
          if (claimed.length !== actual.length || !crypto.subtle.timingSafeEqual(claimed, utf8(actual))) return fail("signature_mismatch");
        }
        for (const candidate of withAndWithoutDefaultPort(href)) {
          const data = utf8(candidate + params);
          for (const key of valid) {
            if (await verifySignature(key, signature, data)) return pass(headers.get(EVENT_ID_HEADER) ?? undefined);
          }
        }
        return fail("signature_mismatch");
      },
    };
  },
});
