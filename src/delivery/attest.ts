/**
 * Origin attestation: every request the gateway sends to the origin is signed in the
 * Standard Webhooks format, so the origin checks one uniform signature whatever the
 * provider, and can refuse anything that did not come through the gateway.
 *   webhook-id: stable per event (the same on every retry)
 *   webhook-timestamp: unix seconds of this attempt
 *   webhook-signature: "v1,<base64 HMAC-SHA256(key, id.timestamp.body)>" per active secret
 *   x-hookgate-url-signature: "v1,<base64 HMAC-SHA256(key, id.timestamp.METHOD path?query)>"
 * The Standard Webhooks signature covers the body only; the second one lets the origin
 * check that the method, path and query are the ones the gateway verified (README
 * "Origin attestation" has the three lines an origin needs).
 * https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
 */
import { base64ToBytes, bytesToBase64, concatBytes, utf8 } from "../lib/encoding";
import { active, type Expiring, type SecretValue } from "../verify/secrets";

export interface OriginSigner {
  sign(headers: Headers, id: string, body: Uint8Array, now: number, target: { readonly method: string; readonly url: string }): Promise<void>;
}

export const URL_SIGNATURE_HEADER = "x-hookgate-url-signature";

export class SigningKeyError extends Error {}

/** Secrets are `whsec_<base64>` as Standard Webhooks libraries expect them. */
export async function originSigner(secrets: readonly SecretValue[]): Promise<OriginSigner> {
  const keys: Expiring<CryptoKey>[] = await Promise.all(
    secrets.map(async (s, i) => {
      const raw = base64ToBytes(s.value.startsWith("whsec_") ? s.value.slice(6) : s.value);
      if (!raw || raw.length < 16) throw new SigningKeyError(`originSigning.secrets.${i} must be whsec_ followed by base64 of at least 16 bytes`);
      const key = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
      return { item: key, notAfter: s.notAfter };
    }),
  );
  return {
    async sign(headers, id, body, now, target) {
      const timestamp = String(Math.floor(now / 1000));
      const { pathname, search } = new URL(target.url);
      const signAll = (data: Uint8Array) =>
        Promise.all(active(keys, now).map(async (key) => `v1,${bytesToBase64(new Uint8Array(await crypto.subtle.sign("HMAC", key, data)))}`));
      const [signatures, urlSignatures] = await Promise.all([
        signAll(concatBytes([utf8(`${id}.${timestamp}.`), body])),
        signAll(utf8(`${id}.${timestamp}.${target.method} ${pathname}${search}`)),
      ]);
      headers.set("webhook-id", id);
      headers.set("webhook-timestamp", timestamp);
      headers.set("webhook-signature", signatures.join(" "));
      headers.set(URL_SIGNATURE_HEADER, urlSignatures.join(" "));
    },
  };
}
