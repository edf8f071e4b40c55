/**
 * Public keys published as a JSON Web Key Set, or one JWK, at an HTTPS URL on hosts the
 * route's preset allows (FusionAuth's `/.well-known/jwks.json`; an operator's relay for
 * Plaid's key endpoint, which wants API credentials). A URL with `{kid}` is one key per
 * kid; without, one set for all. Downloading and caching are remote-keys.ts; any failure
 * yields no key, so the token fails closed.
 */
import { ALPHANUMERIC, hasAlphanumeric, onlyChars } from "../lib/charset";
import { SchemeConfigError } from "./keys";
import { importJwk, own, type PublicKeyAlgorithm } from "./jws";
import { fetchCapped, FinalAnswer, KeyCache, type Fetcher } from "./remote-keys";

export const JWKS_FETCH_TIMEOUT_MS = 5_000;
/** A set with a handful of RSA keys and their x5c chains stays well under this. */
export const MAX_JWKS_BYTES = 64 * 1024;
export const MAX_JWKS_KEYS = 32;
export const MAX_KEY_URL_CHARS = 1024;
export const JWKS_CACHE_ENTRIES = 32;
/** Published keys are used an hour, then downloaded again: rotation takes effect within the hour (eBay asks for about that). */
export const JWKS_MAX_AGE_MS = 3_600_000;
/** A kid the set does not hold downloads the set again, at most once a minute: a rotated-in key is found, a flood of invented kids costs one download a minute. */
export const JWKS_REFRESH_MS = 60_000;
export const JWKS_FAILURE_TTL_MS = 60_000;
export const JWKS_RETRY_AFTER_MS = 10_000;
export const JWKS_FAILURE_ENTRIES = 256;

/** Characters a kid may have to be put into a URL as is: unreserved ones, no `/`, `%` or `?`. */
const KID_CHARS = `${ALPHANUMERIC}._~-`;
const MAX_KID_CHARS = 128;
const PLACEHOLDER = "{kid}";

/** A kid that stays one path segment: unreserved characters, not only dots (`.` and `..` would move up). */
const urlSafeKid = (kid: string): boolean => onlyChars(kid, KID_CHARS, MAX_KID_CHARS) && hasAlphanumeric(kid);

/** A lower-case DNS name of two labels or more, `*.` before it for its subdomains; never an IP address. */
function hostRule(rule: string): boolean {
  const name = rule.startsWith("*.") ? rule.slice(2) : rule;
  const labels = name.split(".");
  const dns = labels.length >= 2 && labels.every((l) => onlyChars(l, `${ALPHANUMERIC}-`, 63)) && name === name.toLowerCase();
  return dns && !onlyChars(labels.at(-1)!, "0123456789", 63);
}

export interface KeyUrl {
  readonly template: string;
  readonly perKid: boolean;
  readonly allowHosts: readonly string[];
}

/** `host` is allowed by a rule naming it, or by `*.suffix` for a host under that suffix. */
export function hostAllowed(host: string, allowHosts: readonly string[]): boolean {
  return allowHosts.some((rule) => (rule.startsWith("*.") ? host.endsWith(rule.slice(1)) && host.length > rule.length - 1 : host === rule));
}

/** The URL when it is HTTPS on an allowed host, with no userinfo, port or fragment; else null. */
function allowedUrl(href: string, allowHosts: readonly string[]): URL | null {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return null;
  }
  const plain = url.protocol === "https:" && url.username === "" && url.password === "" && url.port === "" && url.hash === "";
  return plain && hostAllowed(url.hostname, allowHosts) ? url : null;
}

/** Checked once, when the route is compiled: a URL off the preset's hosts fails the config. */
export function keyUrlPolicy(raw: string, allowHosts: readonly string[]): KeyUrl {
  if (allowHosts.length === 0 || !allowHosts.every(hostRule)) {
    throw new SchemeConfigError("a key URL needs allowed hosts, each a DNS name or *.suffix in lower case (no IP address)");
  }
  const at = raw.indexOf(PLACEHOLDER);
  const perKid = at !== -1;
  // The kid goes into the path or query only: it never picks the host.
  const placed = !perKid || (at === raw.lastIndexOf(PLACEHOLDER) && at > raw.indexOf("/", "https://".length) && raw.indexOf("/", "https://".length) !== -1);
  if (raw.length > MAX_KEY_URL_CHARS || !placed || !allowedUrl(raw.replace(PLACEHOLDER, "kid"), allowHosts)) {
    throw new SchemeConfigError(`key URL ${JSON.stringify(raw.slice(0, 200))} is not an https URL on ${allowHosts.join(", ")} (at most one {kid}, after the host)`);
  }
  return { template: raw, perKid, allowHosts };
}

interface KeySet {
  readonly byKid: ReadonlyMap<string, CryptoKey>;
  readonly anonymous: readonly CryptoKey[];
}

/** `{"keys":[…]}`, `{"key":{…}}` (Plaid's answer shape) or one JWK; the keys for `alg`, at least one. */
async function parseKeySet(text: unknown, alg: PublicKeyAlgorithm): Promise<KeySet> {
  if (typeof text !== "string" || text.length > MAX_JWKS_BYTES) throw new FinalAnswer("key set too large");
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new FinalAnswer("key set is not JSON");
  }
  const object = typeof doc === "object" && doc !== null && !Array.isArray(doc) ? (doc as Record<string, unknown>) : {};
  const keys = own(object, "keys");
  const list = Array.isArray(keys) ? keys : own(object, "key") !== undefined ? [own(object, "key")] : [object];
  if (list.length > MAX_JWKS_KEYS) throw new FinalAnswer("key set holds too many keys");
  const byKid = new Map<string, CryptoKey>();
  const anonymous: CryptoKey[] = [];
  for (const jwk of await Promise.all(list.map((k) => importJwk(k, alg)))) {
    if (jwk?.kid === undefined) {
      if (jwk) anonymous.push(jwk.key);
    } else if (!byKid.has(jwk.kid)) byKid.set(jwk.kid, jwk.key);
  }
  if (byKid.size === 0 && anonymous.length === 0) throw new FinalAnswer(`key set holds no ${alg} key`);
  return { byKid, anonymous };
}

const policy = {
  entries: JWKS_CACHE_ENTRIES,
  failureEntries: JWKS_FAILURE_ENTRIES,
  failureTtlMs: JWKS_FAILURE_TTL_MS,
  retryAfterMs: JWKS_RETRY_AFTER_MS,
  maxAgeMs: JWKS_MAX_AGE_MS,
};
// One cache per algorithm: the same URL read for ES256 and for RS256 imports different keys.
let caches = { ES256: new KeyCache<KeySet>(policy), RS256: new KeyCache<KeySet>(policy), EdDSA: new KeyCache<KeySet>(policy) };

/** For tests: forget every key set and failure. */
export function resetJwksCaches(): void {
  caches = { ES256: new KeyCache(policy), RS256: new KeyCache(policy), EdDSA: new KeyCache(policy) };
}

export const fetchJwks: Fetcher = (url) => fetchCapped(url, MAX_JWKS_BYTES, JWKS_FETCH_TIMEOUT_MS);

const matching = (set: KeySet, kid: string | undefined): CryptoKey[] => {
  if (kid === undefined) return [...set.byKid.values(), ...set.anonymous];
  const key = set.byKid.get(kid);
  return key ? [key] : [...set.anonymous];
};

/** The published keys that may have signed a token naming `kid`; empty when none could be had. */
export async function publishedKeys(source: KeyUrl, alg: PublicKeyAlgorithm, fetcher: Fetcher, kid: string | undefined, now: number): Promise<CryptoKey[]> {
  if (source.perKid && (kid === undefined || !urlSafeKid(kid))) return [];
  const href = source.perKid ? source.template.replace(PLACEHOLDER, kid!) : source.template;
  const url = allowedUrl(href, source.allowHosts);
  if (!url) return [];
  const parse = (text: unknown) => parseKeySet(text, alg);
  const cache = caches[alg];
  const entry = await cache.load(url.href, fetcher, parse, now);
  if (!entry) return [];
  if (source.perKid || kid === undefined || entry.item.byKid.has(kid) || now - entry.loadedAt <= JWKS_REFRESH_MS) return matching(entry.item, kid);
  // A kid this set does not hold: the provider may have rotated a key in since we downloaded it.
  return matching((await cache.load(url.href, fetcher, parse, now, JWKS_REFRESH_MS))?.item ?? entry.item, kid);
}
