/**
 * Webhooks authenticated by a JWT in a header (monday.com, Netlify, Vonage, FusionAuth,
 * Plaid): the signature checked with WebCrypto under the algorithm the preset pins, then
 * the time claims, issuer and audience, and a claim holding the body's SHA-256, each only
 * as the preset asks. HS256 keys are the route's secrets; public keys are pinned in the
 * config or published at a URL on the preset's hosts (jwks.ts). Parsing is jws.ts.
 */
import { base64ToBytes, hexToBytes } from "../lib/encoding";
import { sha256 } from "../lib/constant-time";
import { BodyFields } from "../lib/json-field";
import { importVerifyKey, SchemeConfigError } from "./keys";
import { active, type Expiring, type SecretValue } from "./secrets";
import { fetchJwks, keyUrlPolicy, publishedKeys } from "./jwks";
import { importPinnedKey, JWS_ALGORITHMS, own, parseCompactJws, verifyJws, type CompactJws, type JwsAlgorithm, type JwsKey, type PinnedKey } from "./jws";
import type { Fetcher } from "./remote-keys";
import { fail, pass, type Verifier, type VerifyFailure, type VerifyInput, type VerifyResult } from "./types";

export const DEFAULT_CLOCK_SKEW_SECONDS = 60;
export const MAX_CLOCK_SKEW_SECONDS = 300;
/** Under the 24 h dedup retention (pipeline/dedup.ts): a token replayed once dedup forgot it is already too old. */
export const MAX_JWT_AGE_SECONDS = 23 * 3600;

export interface JwtClaimRules {
  /** `iss` must be one of these. */
  readonly issuer?: string | readonly string[];
  /** `aud` (a string or a list) must hold one of these: monday.com's is the endpoint URL. */
  readonly audience?: string | readonly string[];
  /** Refuse a token without `exp` (a token with one is always held to it). */
  readonly requireExp?: boolean;
}

export interface JwtOptions {
  /** In logs and `x-hookgate-verified`, e.g. "jwt:netlify". */
  readonly scheme: string;
  /** Pinned: a token naming another `alg` (`none` included) is refused. */
  readonly alg: JwsAlgorithm;
  readonly header: string;
  /** Text before the token, e.g. "Bearer " (letter case ignored); absent: the header is the token. */
  readonly prefix?: string;
  /** HS256: the route's secrets, any active one may have signed (rotation). */
  readonly secrets?: readonly SecretValue[];
  readonly secretEncoding?: "utf8" | "base64" | "hex";
  /** ES256/RS256/EdDSA: keys from the config, used first and without any download. */
  readonly keys?: readonly PinnedKey[];
  /** ES256/RS256/EdDSA: a JWKS (or, with `{kid}`, one JWK per kid) at an https URL on `allowHosts`. */
  readonly keyUrl?: string;
  readonly allowHosts?: readonly string[];
  /** Downloads `keyUrl`; default: fetch, capped (remote-keys.ts). */
  readonly fetchKeys?: Fetcher;
  readonly claims?: JwtClaimRules;
  /** A claim holding the SHA-256 of the raw body: Vonage's `payload_hash` (hex), FusionAuth's `request_body_sha256` (base64). */
  readonly bodyHash?: { readonly claim: string; readonly encoding: "hex" | "base64" };
  /** Refuse a token whose `iat` is older than this (Plaid: 300); a token must then carry `iat`. */
  readonly maxAgeSeconds?: number;
  /** Allowance for clocks on `exp`, `nbf` and a future `iat`. Default DEFAULT_CLOCK_SKEW_SECONDS. */
  readonly clockSkewSeconds?: number;
  /** The event id handed on to dedup: a string claim (Vonage's `jti`) or a field of the JSON body. */
  readonly eventId?: { readonly claim: string } | { readonly jsonField: string };
}

const list = (v: string | readonly string[] | undefined): readonly string[] | undefined => (v === undefined ? undefined : typeof v === "string" ? [v] : v);
const nonEmpty = (v: readonly string[] | undefined, what: string) => {
  if (v !== undefined && (v.length === 0 || v.some((s) => typeof s !== "string" || s === ""))) throw new SchemeConfigError(`jwt ${what} must be non-empty strings`);
  return v;
};
const seconds = (v: number | undefined, min: number, max: number, what: string): number | undefined => {
  if (v !== undefined && (!Number.isInteger(v) || v < min || v > max)) throw new SchemeConfigError(`jwt ${what} must be an integer from ${min} to ${max}`);
  return v;
};

type KeyFinder = (jws: CompactJws, now: number) => Promise<CryptoKey[] | "no_active_secret">;

/** Where the keys come from, checked once: HS256 takes secrets only, the others public keys only. */
async function keyFinder(o: JwtOptions): Promise<KeyFinder> {
  if (o.alg === "HS256") {
    if (o.keys || o.keyUrl) throw new SchemeConfigError("jwt HS256 takes secrets, not public keys");
    if (!o.secrets?.length) throw new SchemeConfigError("jwt HS256 needs at least one secret");
    const secrets: Expiring<CryptoKey>[] = [];
    for (const [i, s] of o.secrets.entries()) {
      // A public key as an HMAC secret lets anyone who has it sign: the old alg-confusion forgery.
      if (s.value.includes("-----BEGIN")) throw new SchemeConfigError(`secret ${i} is a PEM key, not an HMAC secret`);
      const imported = await importVerifyKey(s.value, "hmac-sha256", o.secretEncoding ?? "utf8", `secret ${i}`);
      if (!("key" in imported)) throw new SchemeConfigError(`secret ${i} is not an HMAC key`); // cannot happen for hmac-sha256
      secrets.push({ item: imported.key, notAfter: s.notAfter });
    }
    return async (_, now) => {
      const valid = active(secrets, now);
      return valid.length === 0 ? "no_active_secret" : valid;
    };
  }
  const alg = o.alg;
  if (o.secrets) throw new SchemeConfigError(`jwt ${alg} takes public keys, not secrets`);
  if (!o.keys?.length && !o.keyUrl) throw new SchemeConfigError(`jwt ${alg} needs pinned keys or a key URL`);
  const pinned: JwsKey[] = await Promise.all((o.keys ?? []).map((k, i) => importPinnedKey(k, alg, `key ${i}`)));
  const source = o.keyUrl === undefined ? undefined : keyUrlPolicy(o.keyUrl, o.allowHosts ?? []);
  const fetcher = o.fetchKeys ?? fetchJwks;
  return async (jws, now) => {
    const kid = own(jws.header, "kid");
    if (kid !== undefined && typeof kid !== "string") return [];
    // A token with a kid is checked by the key with that kid, or by one with none.
    const mine = pinned.filter((k) => kid === undefined || k.kid === undefined || k.kid === kid).map((k) => k.key);
    return mine.length > 0 || !source ? mine : publishedKeys(source, alg, fetcher, kid, now);
  };
}

function timeClaim(payload: CompactJws["payload"], name: string): number | undefined | "malformed" {
  const value = own(payload, name);
  if (value === undefined) return undefined;
  return typeof value === "number" && Number.isFinite(value) ? value * 1000 : "malformed";
}

interface TimeRules {
  readonly skewMs: number;
  readonly maxAgeMs?: number;
  readonly requireExp: boolean;
}

/** exp and nbf with the skew, iat neither in the future nor older than the maximum age. */
function checkTimes(payload: CompactJws["payload"], now: number, rules: TimeRules): VerifyFailure | null {
  const exp = timeClaim(payload, "exp");
  const nbf = timeClaim(payload, "nbf");
  const iat = timeClaim(payload, "iat");
  if (exp === "malformed" || nbf === "malformed" || iat === "malformed") return "malformed_timestamp";
  if ((rules.requireExp && exp === undefined) || (rules.maxAgeMs !== undefined && iat === undefined)) return "missing_timestamp";
  if (exp !== undefined && now > exp + rules.skewMs) return "stale_timestamp";
  if ((nbf !== undefined && nbf > now + rules.skewMs) || (iat !== undefined && iat > now + rules.skewMs)) return "future_timestamp";
  if (rules.maxAgeMs !== undefined && now - iat! > rules.maxAgeMs) return "stale_timestamp";
  return null;
}

/** `iss` is one string; `aud` one string or a list of them (RFC 7519 §4.1.1, §4.1.3). */
function oneOf(value: unknown, wanted: readonly string[], listAllowed: boolean): boolean {
  const values = listAllowed && Array.isArray(value) ? value : [value];
  return values.some((v) => typeof v === "string" && wanted.includes(v));
}

async function bodyHashMatches(claim: unknown, encoding: "hex" | "base64", body: Uint8Array): Promise<VerifyFailure | null> {
  const claimed = typeof claim === "string" ? (encoding === "hex" ? hexToBytes(claim) : base64ToBytes(claim)) : null;
  if (!claimed || claimed.length !== 32) return "malformed_signature";
  // timingSafeEqual is workerd's constant-time compare; both sides are 32 bytes.
  return crypto.subtle.timingSafeEqual(claimed, await sha256(body)) ? null : "signature_mismatch";
}

export async function jwtVerifier(options: JwtOptions): Promise<Verifier> {
  if (!JWS_ALGORITHMS.includes(options.alg)) throw new SchemeConfigError(`jwt alg must be one of ${JWS_ALGORITHMS.join(", ")}`);
  if (!options.header) throw new SchemeConfigError("jwt needs the header that carries the token");
  const issuers = nonEmpty(list(options.claims?.issuer), "issuer");
  const audiences = nonEmpty(list(options.claims?.audience), "audience");
  const maxAge = seconds(options.maxAgeSeconds, 1, MAX_JWT_AGE_SECONDS, "maxAgeSeconds");
  const skew = seconds(options.clockSkewSeconds, 0, MAX_CLOCK_SKEW_SECONDS, "clockSkewSeconds") ?? DEFAULT_CLOCK_SKEW_SECONDS;
  const bodyHash = options.bodyHash;
  if (bodyHash && (!bodyHash.claim || (bodyHash.encoding !== "hex" && bodyHash.encoding !== "base64"))) {
    throw new SchemeConfigError("jwt bodyHash needs a claim and an encoding, hex or base64");
  }
  const findKeys = await keyFinder(options);
  const times: TimeRules = { skewMs: skew * 1000, maxAgeMs: maxAge === undefined ? undefined : maxAge * 1000, requireExp: options.claims?.requireExp ?? false };
  const prefix = options.prefix?.toLowerCase();
  const eventId = options.eventId;
  const fromBody = eventId !== undefined && "jsonField" in eventId;

  return {
    scheme: options.scheme,
    needsBody: bodyHash !== undefined || fromBody,
    strip: { headers: [], query: [] },
    signatureHeaders: [options.header],
    // A body field is the token's only when the token carries the body's hash.
    unsignedEventId: fromBody && !bodyHash,
    async verify(input: VerifyInput): Promise<VerifyResult> {
      const raw = input.headers.get(options.header);
      if (raw === null || raw.trim() === "") return fail("missing_signature");
      if (prefix !== undefined && raw.slice(0, prefix.length).toLowerCase() !== prefix) return fail("malformed_signature");
      const jws = parseCompactJws(raw.slice(prefix?.length ?? 0).trim());
      // `crit` names extensions we would have to understand (RFC 7515 §4.1.11): none are.
      if (!jws || own(jws.header, "alg") !== options.alg || own(jws.header, "crit") !== undefined) return fail("malformed_signature");

      const keys = await findKeys(jws, input.now);
      if (keys === "no_active_secret") return fail(keys);
      if (keys.length === 0) return fail("untrusted_certificate");
      let valid = false;
      for (const key of keys) if (!valid) valid = await verifyJws(jws, options.alg, key);
      if (!valid) return fail("signature_mismatch");

      // Claims only once signed: until then they are whatever the sender typed.
      const p = jws.payload;
      const outside = checkTimes(p, input.now, times);
      if (outside) return fail(outside);
      if ((issuers && !oneOf(own(p, "iss"), issuers, false)) || (audiences && !oneOf(own(p, "aud"), audiences, true))) return fail("credentials_mismatch");
      if (bodyHash) {
        const mismatch = await bodyHashMatches(own(p, bodyHash.claim), bodyHash.encoding, input.body);
        if (mismatch) return fail(mismatch);
      }
      if (!eventId) return pass();
      const id = "claim" in eventId ? own(p, eventId.claim) : new BodyFields(input.body).text(eventId.jsonField);
      return pass(typeof id === "string" && id !== "" ? id : undefined);
    },
  };
}
