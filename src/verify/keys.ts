/**
 * Keys and signatures per algorithm. HMAC secrets, Ed25519 and ECDSA public keys are all
 * imported once, at route compile time; a signature is turned into the bytes WebCrypto
 * expects (ECDSA: DER from the provider, raw r‖s for `crypto.subtle.verify`).
 */
import { base64ToBytes, concatBytes, hexToBytes, utf8 } from "../lib/encoding";
import type { Expiring, SecretValue } from "./secrets";
import { publicKeyPemToDer } from "./x509";

/**
 * `sha256-keyed`: no MAC at all, SHA-256 over the secret's bytes followed by the payload
 * (HubSpot's v1/v2 signatures, which apps still receive). Weaker than HMAC (length
 * extension) and kept only because providers still send it.
 */
export type Algorithm = "hmac-sha1" | "hmac-sha256" | "hmac-sha512" | "ed25519" | "ecdsa-p256-sha256" | "ecdsa-p256-sha1" | "sha256-keyed";

/**
 * How a configured secret or public key is written. `whsec`/`whpk`: Standard Webhooks
 * base64 with its prefix; `spki`: base64 DER SubjectPublicKeyInfo (SendGrid); `auto` for
 * Ed25519 public keys: 64 hex characters (Discord) or base64 of 32 bytes; `pem`: a "PUBLIC KEY"
 * PEM block, line breaks optional (eBay's key endpoint sends it on one line).
 */
export type KeyEncoding = "utf8" | "base64" | "hex" | "whsec" | "whpk" | "spki" | "pem" | "auto";

const HMAC_HASH = { "hmac-sha1": "SHA-1", "hmac-sha256": "SHA-256", "hmac-sha512": "SHA-512" } as const;

export type VerifyKey =
  | { readonly key: CryptoKey; readonly params: Parameters<SubtleCrypto["verify"]>[0]; readonly algorithm: Exclude<Algorithm, "sha256-keyed"> }
  | { readonly secret: Uint8Array; readonly algorithm: "sha256-keyed" };

function keyBytes(text: string, encoding: KeyEncoding): Uint8Array | null {
  switch (encoding) {
    case "utf8":
      return utf8(text);
    case "hex":
      return hexToBytes(text);
    case "base64":
    case "spki":
      return base64ToBytes(text);
    case "whsec":
      return base64ToBytes(text.startsWith("whsec_") ? text.slice(6) : text);
    case "whpk":
      return base64ToBytes(text.startsWith("whpk_") ? text.slice(5) : text);
    case "pem":
      return publicKeyPemToDer(text);
    case "auto":
      return /^[0-9a-fA-F]{64}$/.test(text) ? hexToBytes(text) : base64ToBytes(text);
  }
}

/** Thrown at compile time only (bad config), never while verifying a request. */
export class SchemeConfigError extends Error {}

export async function importVerifyKey(text: string, algorithm: Algorithm, encoding: KeyEncoding, what: string): Promise<VerifyKey> {
  const raw = keyBytes(text.trim(), encoding);
  if (!raw || raw.length === 0) throw new SchemeConfigError(`${what} is not valid ${encoding}`);
  try {
    switch (algorithm) {
      case "ed25519": {
        if (raw.length !== 32) throw new SchemeConfigError(`${what} is not a 32-byte Ed25519 public key`);
        const key = await crypto.subtle.importKey("raw", raw, { name: "Ed25519" }, false, ["verify"]);
        return { key, params: { name: "Ed25519" }, algorithm };
      }
      case "sha256-keyed":
        return { secret: raw, algorithm };
      // SHA-1: eBay's Notification API signs with SHA1withECDSA (its SDKs' `ssl3-sha1`), no choice of ours.
      case "ecdsa-p256-sha1":
      case "ecdsa-p256-sha256": {
        const key = await crypto.subtle.importKey("spki", raw, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
        return { key, params: { name: "ECDSA", hash: algorithm === "ecdsa-p256-sha1" ? "SHA-1" : "SHA-256" }, algorithm };
      }
      default: {
        const key = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: HMAC_HASH[algorithm] }, false, ["verify"]);
        return { key, params: { name: "HMAC" }, algorithm };
      }
    }
  } catch (e) {
    if (e instanceof SchemeConfigError) throw e;
    throw new SchemeConfigError(`${what} is not a usable ${algorithm} key`);
  }
}

/** The signature bytes WebCrypto verifies, or null when they cannot be one. */
export function signatureBytes(decoded: Uint8Array, algorithm: Algorithm): Uint8Array | null {
  if (algorithm === "ed25519") return decoded.length === 64 ? decoded : null;
  if (algorithm === "ecdsa-p256-sha256" || algorithm === "ecdsa-p256-sha1") return decoded.length === 64 ? decoded : derToP1363(decoded, 32);
  return decoded.length > 0 ? decoded : null;
}

/**
 * ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } to fixed-width r‖s. Strict: one
 * short-form SEQUENCE holding exactly two INTEGERs, nothing after; anything else is null.
 */
export function derToP1363(der: Uint8Array, width: number): Uint8Array | null {
  if (der.length < 8 || der[0] !== 0x30) return null;
  let offset = 2;
  if (der[1]! & 0x80) {
    if (der[1] !== 0x81) return null;
    offset = 3;
    if (der[2] !== der.length - 3) return null;
  } else if (der[1] !== der.length - 2) return null;
  const out = new Uint8Array(width * 2);
  for (let i = 0; i < 2; i++) {
    if (der[offset] !== 0x02) return null;
    const len = der[offset + 1];
    if (len === undefined || len === 0 || len > width + 1 || offset + 2 + len > der.length) return null;
    let int = der.subarray(offset + 2, offset + 2 + len);
    while (int.length > 0 && int[0] === 0) int = int.subarray(1);
    if (int.length > width) return null;
    out.set(int, i * width + (width - int.length));
    offset += 2 + len;
  }
  return offset === der.length ? out : null;
}

export function verifySignature(k: VerifyKey, signature: Uint8Array, data: Uint8Array): Promise<boolean> {
  // Not async: the HMAC path, on every request, returns WebCrypto's promise as is.
  return k.algorithm === "sha256-keyed" ? keyedDigestMatches(k.secret, signature, data) : crypto.subtle.verify(k.params, k.key, signature, data);
}

async function keyedDigestMatches(secret: Uint8Array, signature: Uint8Array, data: Uint8Array): Promise<boolean> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", concatBytes([secret, data])));
  return signature.length === digest.length && crypto.subtle.timingSafeEqual(signature, digest);
}

/** The route's secrets as keys of one algorithm, each keeping its expiry (rotation). */
export const importSecretKeys = (secrets: readonly SecretValue[], algorithm: Algorithm, encoding: KeyEncoding = "utf8"): Promise<Expiring<VerifyKey>[]> =>
  Promise.all(secrets.map(async (s, i) => ({ item: await importVerifyKey(s.value, algorithm, encoding, `secret ${i}`), notAfter: s.notAfter })));
