/**
 * AWS SNS HTTP(S) deliveries (https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html):
 * the JSON body carries an RSA signature and the URL of the certificate that checks it.
 * We trust a certificate for where it comes from (HTTPS from an `sns.<region>.amazonaws.com`
 * host), check the topic against an allow-list, refuse messages whose signed Timestamp is
 * outside the replay window, and confirm subscriptions at the edge when asked to.
 * Certificate parsing is x509.ts, downloading and caching remote-keys.ts; the pipeline
 * decides what a failure answers.
 */
import { base64ToBytes, utf8 } from "../lib/encoding";
import { SchemeConfigError } from "./keys";
import { certificateValidAt, fetchCapped, importRsaCertificate, KeyCache, withPinned, type CertificateKeys, type RsaHash } from "./remote-keys";
import { checkWindow } from "./timestamp";
import { fail, pass, type Verifier, type VerifyFailure, type VerifyInput } from "./types";
import { parsePemCertificate } from "./x509";

export interface SnsOptions {
  /** Only messages for these topics are let through; the rest fail as `credentials_mismatch`. */
  readonly topicArns: readonly string[];
  /** True: a verified SubscriptionConfirmation is confirmed here and answered at the edge. False: forwarded. */
  readonly confirmSubscriptions: boolean;
  /**
   * Certificates given in the route config, by `SigningCertURL`: used instead of a download
   * (pinning, or a gateway with no way out). Other URLs are downloaded as usual.
   */
  readonly certificates?: Readonly<Record<string, string>>;
  /** Returns the PEM at a URL already checked to be an SNS one; throws on failure. Default: `fetch`, capped. */
  readonly fetchCertificate?: (url: string) => Promise<string>;
  /** GETs a SubscribeURL already checked to be an SNS one. Default: `fetch`. */
  readonly fetchSubscribe?: (url: string) => Promise<Response>;
  /** How old a signed Timestamp may be, in seconds: 1 to SNS_MAX_TOLERANCE_SECONDS, default SNS_TOLERANCE_SECONDS. */
  readonly toleranceSeconds?: number;
}

type MessageType = "Notification" | "SubscriptionConfirmation" | "UnsubscribeConfirmation";

/** The fields of an SNS message that we read; the body may hold others, all unsigned. */
export interface SnsMessage {
  readonly Type: MessageType;
  readonly Message: string;
  readonly MessageId: string;
  readonly Timestamp: string;
  readonly TopicArn: string;
  readonly SignatureVersion: string;
  readonly Signature: string;
  readonly SigningCertURL: string;
  /** Notifications published with one. */
  readonly Subject?: string;
  /** Present (with `Token`) in Subscription and Unsubscribe confirmations. */
  readonly SubscribeURL?: string;
  readonly Token?: string;
  readonly UnsubscribeURL?: string;
}
type SnsKey = keyof SnsMessage;

const REQUIRED_KEYS: readonly SnsKey[] = ["Message", "MessageId", "Timestamp", "TopicArn", "SignatureVersion", "Signature", "SigningCertURL"];
const CONFIRMATION_KEYS: readonly SnsKey[] = ["SubscribeURL", "Token"];
const OPTIONAL_KEYS: readonly SnsKey[] = ["Subject", "SubscribeURL", "Token", "UnsubscribeURL"];

/** What is signed, in this order, each key only when present. */
const SIGNED_KEYS: Record<MessageType, readonly SnsKey[]> = {
  Notification: ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"],
  SubscriptionConfirmation: ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"],
  UnsubscribeConfirmation: ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"],
};

/**
 * `sns.<region>.amazonaws.com[.cn]`, the region spelled as AWS spells them: two letters, an
 * optional partition infix, a word and a number (us-east-1, us-gov-west-1, cn-north-1,
 * us-isob-east-1, ap-southeast-7). AWS's documented `[a-zA-Z0-9-]{3,}` also admits S3's
 * virtual hosts for a bucket named "sns" (`sns.s3-us-west-2.amazonaws.com`,
 * `sns.s3-accelerate.amazonaws.com`), where anyone can publish a "certificate". Linear: no
 * class overlaps the literal that follows it, so nothing is tried twice. Hostnames arrive
 * lower-cased from the URL parser.
 */
export const SNS_HOST_RE = /^sns\.[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}\.amazonaws\.com(?:\.cn)?$/;
/** Path segments of plain characters: no `%` escape, empty segment or `;`, so one file has one spelling (its cache key). */
const CERT_PATH_RE = /^(?:\/[\w.-]+)+$/;
/** AWS's certificate URLs are about 100 characters; a longer one is refused before it is parsed, fetched or cached. */
export const MAX_CERT_URL_CHARS = 1024;
export const CERT_FETCH_TIMEOUT_MS = 5_000;
export const SUBSCRIBE_TIMEOUT_MS = 5_000;
/** SNS signing certificates are about 2 KB of PEM. */
export const MAX_CERT_BYTES = 16 * 1024;
export const CERT_CACHE_ENTRIES = 32;
/**
 * A URL whose download failed is not tried again for a while, so forged messages naming it
 * cost one download, not one each. AWS's final word (a 4xx or redirect, too large, not a
 * certificate) is kept a minute. No answer or AWS's own trouble (timeout, 5xx, 429) only
 * 10 s: SNS's default HTTP/S policy retries 3 times, 20 s apart, so a genuine delivery that
 * met a passing outage downloads again on its retry instead of failing all of them.
 */
export const CERT_FAILURE_TTL_MS = 60_000;
export const CERT_RETRY_AFTER_MS = 10_000;
export const CERT_FAILURE_ENTRIES = 256;

/**
 * Replay window. SNS stops retrying an HTTP/S delivery at most 3,600 s after the first
 * attempt (a hard limit) and each retry carries the original Timestamp, so an hour admits
 * every retry of a prompt first attempt; a route whose deliveries queue longer (throttled
 * subscriptions) can raise it with `toleranceSeconds`.
 * Ahead of our clock: clock skew only (AWS stamps at publish), never more than the tolerance.
 */
export const SNS_TOLERANCE_SECONDS = 3600;
export const SNS_FUTURE_SECONDS = 300;
/**
 * Under the 24 h dedup retention SNS routes get (DEFAULT_RETENTION_SECONDS, pipeline/dedup.ts),
 * with room for SNS_FUTURE_SECONDS: a copy replayed after dedup forgot the MessageId is
 * already outside the window.
 */
export const SNS_MAX_TOLERANCE_SECONDS = 23 * 3600;

const ISO_TIMESTAMP_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** The body as an SNS message, or null when it is not JSON, misses a field or holds a non-string. */
export function parseSnsMessage(body: Uint8Array): SnsMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(body));
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const raw = value as Record<string, unknown>;
  const type = Object.hasOwn(raw, "Type") ? raw.Type : undefined;
  if (type !== "Notification" && type !== "SubscriptionConfirmation" && type !== "UnsubscribeConfirmation") return null;
  const required = type === "Notification" ? REQUIRED_KEYS : [...REQUIRED_KEYS, ...CONFIRMATION_KEYS];
  // A fresh object: only the fields we read, none inherited, none named `__proto__`.
  const message: Partial<Record<SnsKey, string>> = Object.create(null);
  message.Type = type;
  for (const key of required) {
    const field = Object.hasOwn(raw, key) ? raw[key] : undefined;
    if (typeof field !== "string") return null;
    message[key] = field;
  }
  for (const key of OPTIONAL_KEYS) {
    if (!Object.hasOwn(raw, key) || key in message) continue;
    if (typeof raw[key] !== "string") return null;
    message[key] = raw[key];
  }
  if (!ISO_TIMESTAMP_RE.test(message.Timestamp!) || Number.isNaN(Date.parse(message.Timestamp!))) return null;
  return message as SnsMessage;
}

/** AWS's string to sign: "Key\nValue\n" for each signed key present, in order. */
export function snsStringToSign(message: SnsMessage): string {
  let out = "";
  for (const key of SIGNED_KEYS[message.Type]) {
    const value = message[key];
    if (value !== undefined) out += `${key}\n${value}\n`;
  }
  return out;
}

/** The URL when it is HTTPS on an SNS host (never an IP literal: the host rule names AWS hosts), with no userinfo and no port other than 443; else null. */
export function snsUrl(raw: string): URL | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== "https:" || url.username !== "" || url.password !== "" || url.port !== "") return null;
  return SNS_HOST_RE.test(url.hostname) ? url : null;
}

/**
 * A certificate URL: an SNS URL to a `.pem` file with no query, in its one canonical spelling
 * (no fragment, no empty `?`, default port and letter case gone). That spelling is both the
 * cache key and what is fetched, so `…pem#a` and `…pem#b` cost one download.
 */
export function snsCertificateUrl(raw: string): URL | null {
  if (raw.length > MAX_CERT_URL_CHARS) return null;
  const url = snsUrl(raw);
  if (!url || url.search !== "" || !url.pathname.endsWith(".pem") || !CERT_PATH_RE.test(url.pathname)) return null;
  return new URL(`https://${url.hostname}${url.pathname}`);
}

/** Outside the window when older than the tolerance, or ahead of `now` by more than SNS_FUTURE_SECONDS. */
function checkSnsTimestamp(timestamp: string, now: number, toleranceSeconds: number): VerifyFailure | null {
  const ms = Date.parse(timestamp); // parseSnsMessage checked that it parses
  return checkWindow(ms, now, ms <= now ? toleranceSeconds : Math.min(toleranceSeconds, SNS_FUTURE_SECONDS));
}

type Hash = RsaHash;

function hashOf(signatureVersion: string): Hash | null {
  switch (signatureVersion) {
    case "1":
      return "SHA-1";
    case "2":
      return "SHA-256";
    default:
      return null;
  }
}

/** GET with a time limit, no redirects and a size cap (remote-keys.ts). */
export const fetchCertificatePem = (url: string): Promise<string> => fetchCapped(url, MAX_CERT_BYTES, CERT_FETCH_TIMEOUT_MS);

const HASHES: readonly Hash[] = ["SHA-1", "SHA-256"];
const importCertificate = (pem: unknown) => importRsaCertificate(pem, HASHES, MAX_CERT_BYTES);

// Shared by every route of the isolate: SNS names each certificate file by its hash, so a
// URL's content does not change, and an entry never ages out (remote-keys.ts).
const certificates = new KeyCache<CertificateKeys<Hash>>({
  entries: CERT_CACHE_ENTRIES,
  failureEntries: CERT_FAILURE_ENTRIES,
  failureTtlMs: CERT_FAILURE_TTL_MS,
  retryAfterMs: CERT_RETRY_AFTER_MS,
});

/** For tests: forget every key and failure of the default fetcher (and all others). */
export function resetSnsCertificateCaches(): void {
  certificates.reset();
}

const isCertificate = (pem: string) => pem.length <= MAX_CERT_BYTES && parsePemCertificate(pem) !== null;

async function fetchSubscribeUrl(url: string): Promise<Response> {
  return fetch(url, { method: "GET", redirect: "manual", signal: AbortSignal.timeout(SUBSCRIBE_TIMEOUT_MS) });
}

/** SNS retries a delivery that is not answered with a 2xx, so a failed confirmation is tried again. */
const notConfirmed = () => Response.json({ error: "subscription_not_confirmed" }, { status: 502 });

export function snsVerifier(options: SnsOptions): Verifier {
  if (options.topicArns.length === 0 || options.topicArns.some((arn) => typeof arn !== "string" || arn === "")) {
    throw new SchemeConfigError("sns needs at least one topic ARN, none empty");
  }
  const tolerance = options.toleranceSeconds ?? SNS_TOLERANCE_SECONDS;
  if (!Number.isInteger(tolerance) || tolerance < 1 || tolerance > SNS_MAX_TOLERANCE_SECONDS) {
    throw new SchemeConfigError(`sns toleranceSeconds must be 1 to ${SNS_MAX_TOLERANCE_SECONDS} (under the 24 h dedup retention of SNS message ids)`);
  }
  const topics = new Set(options.topicArns);
  const fetchCertificate = withPinned(
    options.certificates,
    options.fetchCertificate ?? fetchCertificatePem,
    snsCertificateUrl,
    isCertificate,
    "an https://sns.<region>.amazonaws.com/….pem URL",
  );
  const fetchSubscribe = options.fetchSubscribe ?? fetchSubscribeUrl;

  return {
    scheme: "sns",
    needsBody: true,
    strip: { headers: [], query: [] },
    async verify(input: VerifyInput) {
      const message = parseSnsMessage(input.body);
      if (!message) return fail("malformed_body");
      // Cheap checks first: a stranger's message costs no certificate download.
      if (!topics.has(message.TopicArn)) return fail("credentials_mismatch");
      const hash = hashOf(message.SignatureVersion);
      if (!hash) return fail("malformed_signature");
      const certUrl = snsCertificateUrl(message.SigningCertURL);
      if (!certUrl) return fail("untrusted_certificate");
      const signature = base64ToBytes(message.Signature);
      if (!signature || signature.length === 0) return fail("malformed_signature");

      const certificate = (await certificates.load(certUrl.href, fetchCertificate, importCertificate, input.now))?.item;
      if (!certificate || !certificateValidAt(certificate, input.now)) return fail("untrusted_certificate");
      let valid = false;
      try {
        valid = await crypto.subtle.verify(
          "RSASSA-PKCS1-v1_5",
          certificate.keys[hash],
          signature,
          utf8(snsStringToSign(message)),
        );
      } catch {
        valid = false;
      }
      if (!valid) return fail("signature_mismatch");
      // After the signature: until then the Timestamp is only what the sender typed, and a
      // forger would simply type a fresh one, so checking it earlier would save nothing.
      const outside = checkSnsTimestamp(message.Timestamp, input.now, tolerance);
      return outside ? fail(outside) : pass(message.MessageId);
    },
    async reply(input: VerifyInput) {
      if (!options.confirmSubscriptions) return null;
      const message = parseSnsMessage(input.body);
      if (message?.Type !== "SubscriptionConfirmation" || !topics.has(message.TopicArn)) return null;
      const url = snsUrl(message.SubscribeURL ?? "");
      if (!url) return notConfirmed();
      try {
        const response = await fetchSubscribe(url.href);
        await response.body?.cancel();
        if (!response.ok) return notConfirmed();
      } catch {
        return notConfirmed();
      }
      return Response.json({ confirmed: true });
    },
  };
}
