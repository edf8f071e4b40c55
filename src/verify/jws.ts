/**
 * Compact JWS (RFC 7515) as webhook providers send it: strict parsing of the three
 * segments, public keys from PEM or JWK, and WebCrypto verification under the algorithm the
 * caller pins, never the one a token names. Untrusted text in, null or false out; only
 * the config-time importer (importPinnedKey) throws, with a SchemeConfigError.
 */
import { base64ToBytes, bytesToBase64, utf8 } from "../lib/encoding";
import { SchemeConfigError } from "./keys";
import { parsePemCertificate, publicKeyPemToDer } from "./x509";

export type JwsAlgorithm = "HS256" | "ES256" | "RS256" | "EdDSA";
export type PublicKeyAlgorithm = Exclude<JwsAlgorithm, "HS256">;
export const JWS_ALGORITHMS: readonly JwsAlgorithm[] = ["HS256", "ES256", "RS256", "EdDSA"];

/** Webhook tokens are a few hundred characters (monday's, carrying an API token, about 1 KB). */
export const MAX_TOKEN_CHARS = 8192;
/** Below this an RSA key is refused, pinned or published. */
export const MIN_RSA_BITS = 2048;

export interface CompactJws {
  readonly header: Readonly<Record<string, unknown>>;
  readonly payload: Readonly<Record<string, unknown>>;
  /** The ASCII bytes of `header.payload`, as signed. */
  readonly signingInput: Uint8Array;
  readonly signature: Uint8Array;
}

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** Unpadded base64url, as RFC 7515 §2 writes it. */
export function toBase64Url(bytes: Uint8Array): string {
  let text = bytesToBase64(bytes).replaceAll("+", "-").replaceAll("/", "_");
  while (text.endsWith("=")) text = text.slice(0, -1);
  return text;
}

/**
 * A non-empty segment in its one canonical spelling: re-encoding what it decodes to gives
 * it back, which refuses `+`, `/`, `=`, whitespace and a last character with stray low bits
 * (those would give one token several spellings).
 */
function segment(text: string): Uint8Array | null {
  const bytes = base64ToBytes(text);
  return bytes && bytes.length > 0 && toBase64Url(bytes) === text ? bytes : null;
}

function jsonObject(bytes: Uint8Array): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(decoder.decode(bytes));
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Exactly three non-empty base64url segments, the first two JSON objects; null for anything else. */
export function parseCompactJws(token: string): CompactJws | null {
  if (token.length === 0 || token.length > MAX_TOKEN_CHARS) return null;
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  const [h, p, s] = parts as [string, string, string];
  const headerBytes = segment(h);
  const payloadBytes = segment(p);
  const signature = segment(s);
  if (!headerBytes || !payloadBytes || !signature) return null;
  const header = jsonObject(headerBytes);
  const payload = jsonObject(payloadBytes);
  if (!header || !payload) return null;
  return { header, payload, signingInput: utf8(`${h}.${p}`), signature };
}

/** An own property, never one inherited (`__proto__`, `constructor`). */
export const own = (object: Readonly<Record<string, unknown>>, key: string): unknown => (Object.hasOwn(object, key) ? object[key] : undefined);

const IMPORT: Record<PublicKeyAlgorithm, Parameters<SubtleCrypto["importKey"]>[2]> = {
  ES256: { name: "ECDSA", namedCurve: "P-256" },
  RS256: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
  EdDSA: { name: "Ed25519" },
};
const VERIFY: Record<JwsAlgorithm, Parameters<SubtleCrypto["verify"]>[0]> = {
  HS256: { name: "HMAC" },
  ES256: { name: "ECDSA", hash: "SHA-256" },
  RS256: { name: "RSASSA-PKCS1-v1_5" },
  EdDSA: { name: "Ed25519" },
};
/** The key type and the JWK members that carry the public key, per algorithm (RFC 7518 §6, RFC 8037). */
const JWK_SHAPE: Record<PublicKeyAlgorithm, { readonly kty: string; readonly crv?: string; readonly members: readonly string[] }> = {
  ES256: { kty: "EC", crv: "P-256", members: ["x", "y"] },
  RS256: { kty: "RSA", members: ["n", "e"] },
  EdDSA: { kty: "OKP", crv: "Ed25519", members: ["x"] },
};

export interface JwsKey {
  readonly key: CryptoKey;
  readonly kid?: string;
}

const modulusBits = (key: CryptoKey): number | undefined => (key.algorithm as { modulusLength?: number }).modulusLength;

async function checked(key: CryptoKey, alg: PublicKeyAlgorithm): Promise<CryptoKey> {
  const bits = modulusBits(key);
  if (alg === "RS256" && (bits === undefined || bits < MIN_RSA_BITS)) throw new Error(`RSA keys under ${MIN_RSA_BITS} bits are refused`);
  return key;
}

/**
 * A JWK from a key set, or null when it is not for `alg` (its kty, crv, alg, use or
 * key_ops say otherwise), has expired (Plaid's `expired_at`) or is not importable. Only the public members are imported: a
 * private `d` is ignored, never used.
 */
export async function importJwk(jwk: unknown, alg: PublicKeyAlgorithm): Promise<JwsKey | null> {
  if (typeof jwk !== "object" || jwk === null || Array.isArray(jwk)) return null;
  const field = (name: string) => own(jwk as Record<string, unknown>, name);
  const shape = JWK_SHAPE[alg];
  const declared = field("alg");
  const ops = field("key_ops");
  const kid = field("kid");
  if (field("kty") !== shape.kty || (shape.crv !== undefined && field("crv") !== shape.crv)) return null;
  if (declared !== undefined && declared !== alg && !(alg === "EdDSA" && declared === "Ed25519")) return null;
  if (field("use") !== undefined && field("use") !== "sig") return null;
  if (ops !== undefined && !(Array.isArray(ops) && ops.includes("verify"))) return null;
  if (kid !== undefined && typeof kid !== "string") return null;
  // Plaid's keys carry `expired_at`, null while in use; its docs say to reject an expired one.
  if (field("expired_at") !== undefined && field("expired_at") !== null) return null;
  const clean: JsonWebKey & Record<string, string> = { kty: shape.kty, ...(shape.crv ? { crv: shape.crv } : {}) };
  for (const member of shape.members) {
    const value = field(member);
    if (typeof value !== "string") return null;
    clean[member] = value;
  }
  try {
    const key = await checked(await crypto.subtle.importKey("jwk", clean, IMPORT[alg], false, ["verify"]), alg);
    return kid === undefined ? { key } : { key, kid };
  } catch {
    return null;
  }
}

/** A key written in the route config: PEM SubjectPublicKeyInfo, a PEM certificate, or a JWK (its `kid` kept). */
export type PinnedKey = string | (JsonWebKey & { readonly kid?: string });

export async function importPinnedKey(pinned: PinnedKey, alg: PublicKeyAlgorithm, what: string): Promise<JwsKey> {
  if (typeof pinned !== "string") {
    const key = await importJwk(pinned, alg);
    if (!key) throw new SchemeConfigError(`${what} is not a public ${alg} JWK`);
    return key;
  }
  const spki = pinned.includes("-----BEGIN CERTIFICATE-----") ? parsePemCertificate(pinned)?.spki : publicKeyPemToDer(pinned);
  if (!spki) throw new SchemeConfigError(`${what} is neither a PEM public key ("BEGIN PUBLIC KEY") nor a PEM certificate`);
  try {
    return { key: await checked(await crypto.subtle.importKey("spki", spki, IMPORT[alg], false, ["verify"]), alg) };
  } catch (e) {
    throw new SchemeConfigError(`${what} is not a usable ${alg} public key${e instanceof Error && e.message.startsWith("RSA") ? `: ${e.message}` : ""}`);
  }
}

/** The signature's length for each algorithm (RS256's is the modulus's); a wrong one is never a match. */
function signatureLengthOk(jws: CompactJws, alg: JwsAlgorithm, key: CryptoKey): boolean {
  const length = jws.signature.length;
  if (alg === "RS256") return length * 8 === modulusBits(key);
  return length === (alg === "HS256" ? 32 : 64); // ES256: raw r‖s, never DER (RFC 7518 §3.4)
}

export async function verifyJws(jws: CompactJws, alg: JwsAlgorithm, key: CryptoKey): Promise<boolean> {
  if (!signatureLengthOk(jws, alg, key)) return false;
  try {
    return await crypto.subtle.verify(VERIFY[alg], key, jws.signature, jws.signingInput);
  } catch {
    return false;
  }
}
