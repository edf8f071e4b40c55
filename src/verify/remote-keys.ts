/**
 * Keys a provider publishes at a URL (SNS's and PayPal's certificates, a JWKS): one capped,
 * time-limited, redirect-free download, and an isolate-wide cache of what was imported from
 * it, with failed downloads remembered apart. Which URLs may be fetched, and what the text
 * holds, is the caller's business; this file only fetches, caches and forgets.
 */
import { BoundedMap } from "../lib/bounded-map";
import { concatBytes } from "../lib/encoding";
import { SchemeConfigError } from "./keys";
import { parsePemCertificate } from "./x509";

/** The provider answered, with something that is no usable key: a retry seconds later gets the same. */
export class FinalAnswer extends Error {}

export type Fetcher = (url: string) => Promise<string>;

/** GET with a time limit on the whole download, no redirects (they would leave the checked host) and a size cap. */
export async function fetchCapped(url: string, maxBytes: number, timeoutMs: number): Promise<string> {
  const signal = AbortSignal.timeout(timeoutMs);
  const response = await fetch(url, { redirect: "manual", signal });
  if (response.status !== 200 || !response.body) {
    await response.body?.cancel();
    const why = `key download answered ${response.status}`;
    // 5xx and 429 are the provider's passing trouble; any other answer (a redirect, a 404) is its final word.
    throw response.status >= 500 || response.status === 429 ? new Error(why) : new FinalAnswer(why);
  }
  if (Number(response.headers.get("content-length") ?? 0) > maxBytes) {
    await response.body.cancel();
    throw new FinalAnswer("key download too large");
  }
  const reader = response.body.getReader();
  // The time limit also stops a body that trickles, whatever the runtime does with `signal`
  // once the headers are in: cancelling ends the pending read.
  const stop = () => void reader.cancel().catch(() => {});
  if (signal.aborted) stop();
  else signal.addEventListener("abort", stop, { once: true });
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (signal.aborted) throw new Error("key download timed out");
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel();
        throw new FinalAnswer("key download too large");
      }
      chunks.push(value);
    }
  } finally {
    signal.removeEventListener("abort", stop);
  }
  return new TextDecoder().decode(concatBytes(chunks));
}

export interface KeyCachePolicy {
  /** Imported entries kept, least recently used dropped first. */
  readonly entries: number;
  /** Failed URLs remembered: their own map, so a flood of failing URLs cannot push good keys out. */
  readonly failureEntries: number;
  /** How long a FinalAnswer keeps a URL from being tried again. */
  readonly failureTtlMs: number;
  /** How long any other failure (timeout, 5xx, 429) does: short, so a retried delivery downloads again. */
  readonly retryAfterMs: number;
  /** How long an entry is used before it is downloaded again; absent: until it is pushed out. */
  readonly maxAgeMs?: number;
}

interface Entry<T> {
  readonly item: T;
  readonly loadedAt: number;
}

interface Caches<T> {
  readonly entries: BoundedMap<Entry<T>>;
  readonly failures: BoundedMap<number>;
}

/**
 * Shared by every route of the isolate, one cache per fetcher so that an injected fetcher
 * never sees another's keys. No in-flight promises: a promise begun by one request must not
 * be awaited by another in workerd, so a burst of first requests may fetch the same URL
 * more than once (the failure entry bounds what follows the burst).
 */
export class KeyCache<T> {
  private caches = new WeakMap<Fetcher, Caches<T>>();

  constructor(private readonly policy: KeyCachePolicy) {}

  /** For tests: forget every entry and failure. */
  reset(): void {
    this.caches = new WeakMap();
  }

  /**
   * The entry for `url`, downloaded and imported when missing or older than `maxAgeMs`; null
   * when that failed now or recently. `parse` throws (a FinalAnswer or anything) on text that holds no key.
   */
  async load(url: string, fetcher: Fetcher, parse: (text: unknown) => Promise<T>, now: number, maxAgeMs = this.policy.maxAgeMs): Promise<Entry<T> | null> {
    let cache = this.caches.get(fetcher);
    if (!cache) {
      cache = { entries: new BoundedMap(this.policy.entries), failures: new BoundedMap(this.policy.failureEntries) };
      this.caches.set(fetcher, cache);
    }
    const cached = cache.entries.get(url);
    if (cached && (maxAgeMs === undefined || now - cached.loadedAt <= maxAgeMs)) {
      cache.entries.set(url, cached); // re-inserted: least recently used goes first
      return cached;
    }
    if (now < (cache.failures.get(url) ?? -Infinity)) return null;
    try {
      const entry = { item: await parse(await fetcher(url)), loadedAt: now };
      cache.failures.delete(url);
      cache.entries.set(url, entry);
      return entry;
    } catch (error) {
      cache.failures.set(url, now + (error instanceof FinalAnswer ? this.policy.failureTtlMs : this.policy.retryAfterMs));
      return null;
    }
  }
}

/**
 * A fetcher that answers pinned URLs from the config. Each pin must be a URL the caller
 * trusts (`canonical` gives its one spelling, or null) holding text `usable` accepts: a bad
 * pin fails the route's config (closed) rather than every request later.
 */
export function withPinned(
  pins: Readonly<Record<string, string>> | undefined,
  fetcher: Fetcher,
  canonical: (raw: string) => URL | null,
  usable: (text: string) => boolean,
  rule: string,
): Fetcher {
  if (!pins || Object.keys(pins).length === 0) return fetcher;
  const pinned = new Map<string, string>();
  for (const [raw, text] of Object.entries(pins)) {
    const url = canonical(raw);
    if (!url) throw new SchemeConfigError(`certificate URL ${JSON.stringify(raw.slice(0, 200))} is not ${rule}`);
    if (!usable(text)) throw new SchemeConfigError(`the certificate for ${url.href} is not a PEM X.509 certificate`);
    pinned.set(url.href, text);
  }
  return (url) => {
    const text = pinned.get(url);
    return text === undefined ? fetcher(url) : Promise.resolve(text);
  };
}

export type RsaHash = "SHA-1" | "SHA-256";

/** A certificate's RSA key, imported once per hash the scheme signs with, and its validity period. */
export interface CertificateKeys<H extends RsaHash> {
  readonly keys: Readonly<Record<H, CryptoKey>>;
  readonly notBefore: number;
  readonly notAfter: number;
}

/** The PEM's RSA key for each hash; a FinalAnswer when the text holds none. */
export async function importRsaCertificate<H extends RsaHash>(pem: unknown, hashes: readonly H[], maxBytes: number): Promise<CertificateKeys<H>> {
  if (typeof pem !== "string" || pem.length > maxBytes) throw new FinalAnswer("certificate too large");
  const info = parsePemCertificate(pem);
  if (!info) throw new FinalAnswer("not a PEM X.509 certificate");
  try {
    const imported = await Promise.all(
      hashes.map((hash) => crypto.subtle.importKey("spki", info.spki, { name: "RSASSA-PKCS1-v1_5", hash }, false, ["verify"])),
    );
    const keys = Object.fromEntries(hashes.map((hash, i) => [hash, imported[i]!])) as Record<H, CryptoKey>;
    return { keys, notBefore: info.notBefore, notAfter: info.notAfter };
  } catch {
    throw new FinalAnswer("not an RSA key WebCrypto takes");
  }
}

/** Whether `now` lies within the certificate's validity period. */
export const certificateValidAt = (entry: { readonly notBefore: number; readonly notAfter: number }, now: number): boolean =>
  now >= entry.notBefore && now <= entry.notAfter;
