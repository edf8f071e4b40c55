/**
 * AWS SNS HTTP(S) deliveries (https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html):
 * the JSON body carries an RSA signature and the URL of the certificate that checks it.
 * We trust a certificate for where it comes from (HTTPS from an `sns.<region>.amazonaws.com`
 * host), check the topic against an allow-list, and confirm subscriptions at the edge when
 * asked to. Certificate parsing is x509.ts; the pipeline decides what a failure answers.
 */
import { base64ToBytes, concatBytes, utf8 } from "../lib/encoding";
import { SchemeConfigError } from "./keys";
import { fail, pass, type Verifier, type VerifyInput } from "./types";
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

export const SNS_HOST_RE = /^sns\.[a-zA-Z0-9-]{3,}\.amazonaws\.com(\.cn)?$/;
export const CERT_FETCH_TIMEOUT_MS = 5_000;
export const SUBSCRIBE_TIMEOUT_MS = 5_000;
/** SNS signing certificates are about 2 KB of PEM. */
export const MAX_CERT_BYTES = 16 * 1024;
export const CERT_CACHE_ENTRIES = 32;

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

/** The URL when it is HTTPS on an SNS host, with no userinfo and no port other than 443; else null. */
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

/** A certificate URL: an SNS URL to a `.pem` file, with no query. */
export function snsCertificateUrl(raw: string): URL | null {
  const url = snsUrl(raw);
  return url && url.pathname.endsWith(".pem") && url.search === "" ? url : null;
}

type Hash = "SHA-1" | "SHA-256";

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

interface CertificateEntry {
  readonly keys: Readonly<Record<Hash, CryptoKey>>;
  readonly notBefore: number;
  readonly notAfter: number;
}

type CertificateFetcher = (url: string) => Promise<string>;

/** GET with a time limit, no redirects (they would leave the checked host) and a size cap. */
export async function fetchCertificatePem(url: string): Promise<string> {
  const response = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(CERT_FETCH_TIMEOUT_MS) });
  if (response.status !== 200 || !response.body) {
    await response.body?.cancel();
    throw new Error(`certificate fetch answered ${response.status}`);
  }
  if (Number(response.headers.get("content-length") ?? 0) > MAX_CERT_BYTES) {
    await response.body.cancel();
    throw new Error("certificate too large");
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_CERT_BYTES) {
      await reader.cancel();
      throw new Error("certificate too large");
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(concatBytes(chunks));
}

// Imported keys by certificate URL, shared by every route of the isolate (SNS names each
// certificate file by its hash, so a URL's content does not change); one Map per fetcher so
// that an injected fetcher never sees another's keys. Only keys are cached, never failures
// nor in-flight promises: a promise begun by one request must not be awaited by another in
// workerd, so a burst of first requests may fetch the same certificate more than once.
const certificateCaches = new WeakMap<CertificateFetcher, Map<string, CertificateEntry>>();

async function loadCertificate(url: string, fetcher: CertificateFetcher): Promise<CertificateEntry | null> {
  let cache = certificateCaches.get(fetcher);
  if (!cache) certificateCaches.set(fetcher, (cache = new Map()));
  const cached = cache.get(url);
  if (cached) {
    cache.delete(url); // least recently used goes first
    cache.set(url, cached);
    return cached;
  }

  let pem: unknown;
  try {
    pem = await fetcher(url);
  } catch {
    return null;
  }
  if (typeof pem !== "string" || pem.length > MAX_CERT_BYTES) return null;
  const info = parsePemCertificate(pem);
  if (!info) return null;
  let entry: CertificateEntry;
  try {
    const importAs = (hash: Hash) =>
      crypto.subtle.importKey("spki", info.spki, { name: "RSASSA-PKCS1-v1_5", hash }, false, ["verify"]);
    const [sha1, sha256] = await Promise.all([importAs("SHA-1"), importAs("SHA-256")]);
    entry = { keys: { "SHA-1": sha1, "SHA-256": sha256 }, notBefore: info.notBefore, notAfter: info.notAfter };
  } catch {
    return null; // not an RSA key, or one WebCrypto refuses
  }
  if (cache.size >= CERT_CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
  cache.set(url, entry);
  return entry;
}

/**
 * A fetcher that answers pinned URLs from the config. Each pin must be a trusted SNS
 * certificate URL holding a parseable certificate: a bad pin fails the route's config
 * (closed) rather than every request later.
 */
function withPinned(pins: Readonly<Record<string, string>> | undefined, fetcher: CertificateFetcher): CertificateFetcher {
  if (!pins || Object.keys(pins).length === 0) return fetcher;
  const pinned = new Map<string, string>();
  for (const [raw, pem] of Object.entries(pins)) {
    const url = snsCertificateUrl(raw);
    if (!url) throw new SchemeConfigError(`certificate URL ${JSON.stringify(raw.slice(0, 200))} is not an https://sns.<region>.amazonaws.com/….pem URL`);
    if (pem.length > MAX_CERT_BYTES || !parsePemCertificate(pem)) throw new SchemeConfigError(`the certificate for ${url.href} is not a PEM X.509 certificate`);
    pinned.set(url.href, pem);
  }
  return (url) => {
    const pem = pinned.get(url);
    return pem === undefined ? fetcher(url) : Promise.resolve(pem);
  };
}

async function fetchSubscribeUrl(url: string): Promise<Response> {
  return fetch(url, { method: "GET", redirect: "manual", signal: AbortSignal.timeout(SUBSCRIBE_TIMEOUT_MS) });
}

/** SNS retries a delivery that is not answered with a 2xx, so a failed confirmation is tried again. */
const notConfirmed = () => Response.json({ error: "subscription_not_confirmed" }, { status: 502 });

export function snsVerifier(options: SnsOptions): Verifier {
  if (options.topicArns.length === 0 || options.topicArns.some((arn) => typeof arn !== "string" || arn === "")) {
    throw new SchemeConfigError("sns needs at least one topic ARN, none empty");
  }
  const topics = new Set(options.topicArns);
  const fetchCertificate = withPinned(options.certificates, options.fetchCertificate ?? fetchCertificatePem);
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

      const certificate = await loadCertificate(certUrl.href, fetchCertificate);
      if (!certificate || input.now < certificate.notBefore || input.now > certificate.notAfter) {
        return fail("untrusted_certificate");
      }
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
      return valid ? pass(message.MessageId) : fail("signature_mismatch");
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
