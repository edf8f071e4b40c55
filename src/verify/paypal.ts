/**
 * PayPal webhooks (https://developer.paypal.com/api/rest/webhooks/rest/): PayPal signs
 * `<transmission id>|<transmission time>|<webhook id>|<CRC-32 of the body, unsigned decimal>`
 * with RSA-SHA256 (`PAYPAL-AUTH-ALGO: SHA256withRSA`), and the certificate holding its key
 * is at `PAYPAL-CERT-URL`. As for SNS, the certificate is trusted for where it comes from:
 * HTTPS from a PayPal API host, under /v1/notifications/certs/. (PayPal's Java and .NET
 * SDKs check its chain to DigiCert and a CN of messageverificationcerts….paypal.com
 * instead; the URL is not signed, so one of the two checks is needed, and ours needs no CA.)
 *
 * CRC-32 is no hash: whoever holds one genuine delivery can write another body with the
 * same CRC, so the signature really covers the transmission id and time, not the body.
 * Hence the event id handed on to dedup is the signed transmission id (a second body under
 * one id is a duplicate), and the window is short and below the dedup retention.
 * Downloads and caching are remote-keys.ts, certificate parsing x509.ts.
 */
import { ALPHANUMERIC, hasAlphanumeric, onlyChars } from "../lib/charset";
import { crc32 } from "../lib/crc32";
import { base64ToBytes, utf8 } from "../lib/encoding";
import { SchemeConfigError } from "./keys";
import { certificateValidAt, fetchCapped, importRsaCertificate, KeyCache, withPinned, type CertificateKeys, type Fetcher } from "./remote-keys";
import { checkWindow, parseTimestampMs } from "./timestamp";
import { fail, pass, type Verifier, type VerifyInput } from "./types";
import { parsePemCertificate } from "./x509";

/** The hosts PayPal's certificate URLs name, live and sandbox, with and without `-m`. */
export const PAYPAL_CERT_HOSTS: readonly string[] = ["api.paypal.com", "api-m.paypal.com", "api.sandbox.paypal.com", "api-m.sandbox.paypal.com"];
export const PAYPAL_CERT_PATH = "/v1/notifications/certs/";
/** PayPal's own limit for cert_url in /v1/notifications/verify-webhook-signature. */
export const MAX_PAYPAL_CERT_URL_CHARS = 500;
export const MAX_PAYPAL_CERT_BYTES = 16 * 1024;
export const PAYPAL_CERT_FETCH_TIMEOUT_MS = 5_000;
export const PAYPAL_CERT_CACHE_ENTRIES = 16;
export const PAYPAL_CERT_FAILURE_ENTRIES = 256;
/** PayPal's final word (a 404, a redirect, no certificate) is kept a minute; passing trouble 10 s, since PayPal retries. */
export const PAYPAL_CERT_FAILURE_TTL_MS = 60_000;
export const PAYPAL_CERT_RETRY_AFTER_MS = 10_000;
/** PayPal states no window. Each side of our clock; a captured signature is good for another body this long. */
export const PAYPAL_TOLERANCE_SECONDS = 300;
/** Under the 24 h dedup retention of the transmission id (pipeline/dedup.ts), with room for clock skew. */
export const PAYPAL_MAX_TOLERANCE_SECONDS = 23 * 3600;

const AUTH_ALGO = "SHA256withRSA";
const MAX_SIGNATURE_CHARS = 1024;
/** UUIDs in practice (PayPal's API allows 50 characters): letters, digits, - and _, never the | between the signed fields. */
const MAX_TRANSMISSION_ID_CHARS = 64;
const HEADERS = {
  id: "paypal-transmission-id",
  time: "paypal-transmission-time",
  signature: "paypal-transmission-sig",
  certUrl: "paypal-cert-url",
  algo: "paypal-auth-algo",
} as const;

export interface PaypalOptions {
  /** The id of the webhook as PayPal lists it for the app (letters and digits): part of what is signed. */
  readonly webhookId: string;
  /** Certificates given in the route config, by certificate URL: used instead of a download. */
  readonly certificates?: Readonly<Record<string, string>>;
  /** How far the transmission time may be from our clock: 1 to PAYPAL_MAX_TOLERANCE_SECONDS, default PAYPAL_TOLERANCE_SECONDS. */
  readonly toleranceSeconds?: number;
  /** Returns the PEM at a URL already checked to be PayPal's; throws on failure. Default: fetch, capped. */
  readonly fetchCertificate?: Fetcher;
}

/**
 * A certificate URL in its one spelling (no query, fragment, port or userinfo; one plain
 * path segment under /v1/notifications/certs/): also the cache key. Else null.
 */
export function paypalCertificateUrl(raw: string): URL | null {
  if (raw.length > MAX_PAYPAL_CERT_URL_CHARS) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== "https:" || url.username !== "" || url.password !== "" || url.port !== "" || url.search !== "") return null;
  if (!PAYPAL_CERT_HOSTS.includes(url.hostname) || !url.pathname.startsWith(PAYPAL_CERT_PATH)) return null;
  const name = url.pathname.slice(PAYPAL_CERT_PATH.length);
  if (!onlyChars(name, `${ALPHANUMERIC}._-`, 200) || !hasAlphanumeric(name)) return null;
  return new URL(`https://${url.hostname}${url.pathname}`);
}

/** What PayPal signs, the time exactly as sent. */
export const paypalSignedString = (transmissionId: string, transmissionTime: string, webhookId: string, body: Uint8Array): string =>
  `${transmissionId}|${transmissionTime}|${webhookId}|${crc32(body)}`;

export const fetchPaypalCertificate: Fetcher = (url) => fetchCapped(url, MAX_PAYPAL_CERT_BYTES, PAYPAL_CERT_FETCH_TIMEOUT_MS);

const importCertificate = (pem: unknown) => importRsaCertificate(pem, ["SHA-256"], MAX_PAYPAL_CERT_BYTES);
const isCertificate = (pem: string) => pem.length <= MAX_PAYPAL_CERT_BYTES && parsePemCertificate(pem) !== null;

// PayPal names each certificate (CERT-…) in its URL, so an entry need not age out.
const certificates = new KeyCache<CertificateKeys<"SHA-256">>({
  entries: PAYPAL_CERT_CACHE_ENTRIES,
  failureEntries: PAYPAL_CERT_FAILURE_ENTRIES,
  failureTtlMs: PAYPAL_CERT_FAILURE_TTL_MS,
  retryAfterMs: PAYPAL_CERT_RETRY_AFTER_MS,
});

/** For tests: forget every certificate and failure. */
export function resetPaypalCertificateCaches(): void {
  certificates.reset();
}

export function paypalVerifier(options: PaypalOptions): Verifier {
  const { webhookId } = options;
  if (typeof webhookId !== "string" || !onlyChars(webhookId, ALPHANUMERIC, 50)) {
    throw new SchemeConfigError("paypal webhookId must be PayPal's webhook id: 1 to 50 letters and digits");
  }
  const tolerance = options.toleranceSeconds ?? PAYPAL_TOLERANCE_SECONDS;
  if (!Number.isInteger(tolerance) || tolerance < 1 || tolerance > PAYPAL_MAX_TOLERANCE_SECONDS) {
    throw new SchemeConfigError(`paypal toleranceSeconds must be 1 to ${PAYPAL_MAX_TOLERANCE_SECONDS} (under the 24 h dedup retention of transmission ids)`);
  }
  const rule = `an https://${PAYPAL_CERT_HOSTS.join("|")}${PAYPAL_CERT_PATH}… URL`;
  const fetchCertificate = withPinned(options.certificates, options.fetchCertificate ?? fetchPaypalCertificate, paypalCertificateUrl, isCertificate, rule);

  return {
    scheme: "rsa:paypal",
    needsBody: true,
    strip: { headers: [], query: [] },
    signatureHeaders: [HEADERS.signature],
    async verify(input: VerifyInput) {
      const get = (name: string) => input.headers.get(name);
      const [id, time, signatureText, certUrlText, algo] = [get(HEADERS.id), get(HEADERS.time), get(HEADERS.signature), get(HEADERS.certUrl), get(HEADERS.algo)];
      if (id === null || signatureText === null || certUrlText === null || algo === null) return fail("missing_signature");
      if (time === null) return fail("missing_timestamp");
      // Cheap checks first: a stranger's request costs no certificate download.
      if (algo !== AUTH_ALGO || !onlyChars(id, `${ALPHANUMERIC}-_`, MAX_TRANSMISSION_ID_CHARS)) return fail("malformed_signature");
      const sentAt = parseTimestampMs(time, "iso");
      if (sentAt === null) return fail("malformed_timestamp");
      const signature = signatureText.length <= MAX_SIGNATURE_CHARS ? base64ToBytes(signatureText) : null;
      if (!signature || signature.length === 0) return fail("malformed_signature");
      const certUrl = paypalCertificateUrl(certUrlText);
      if (!certUrl) return fail("untrusted_certificate");

      const certificate = (await certificates.load(certUrl.href, fetchCertificate, importCertificate, input.now))?.item;
      if (!certificate || !certificateValidAt(certificate, input.now)) return fail("untrusted_certificate");
      let valid = false;
      try {
        const signed = utf8(paypalSignedString(id, time, webhookId, input.body));
        valid = await crypto.subtle.verify("RSASSA-PKCS1-v1_5", certificate.keys["SHA-256"], signature, signed);
      } catch {
        valid = false;
      }
      if (!valid) return fail("signature_mismatch");
      // After the signature: until then the time is only what the sender typed.
      const outside = checkWindow(sentAt, input.now, tolerance);
      return outside ? fail(outside) : pass(id);
    },
  };
}
