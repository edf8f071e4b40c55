/**
 * Route secrets at rest: AES-256-GCM under SECRETS_KEY (a Worker secret), with the route
 * id as additional data so a ciphertext cannot be moved to another route. A ciphertext
 * names its key by a short fingerprint, which lets SECRETS_KEY be rotated: old
 * ciphertexts decrypt with SECRETS_KEY_PREVIOUS until re-encrypted.
 */
import { base64ToBytes, bytesToBase64, bytesToHex, concatBytes, utf8 } from "../lib/encoding";
import { sha256 } from "../lib/constant-time";

const VERSION = "v1";
const IV_BYTES = 12;

export interface SecretKey {
  readonly id: string;
  readonly key: CryptoKey;
}

export class SecretKeyError extends Error {}

/** Imports a base64 32-byte key; throws SecretKeyError on anything else. */
export async function importSecretKey(base64: string | undefined): Promise<SecretKey> {
  const raw = base64 ? base64ToBytes(base64.trim()) : null;
  if (!raw || raw.length !== 32) throw new SecretKeyError("SECRETS_KEY must be base64 of exactly 32 bytes");
  const id = bytesToHex((await sha256(concatBytes([utf8("hookgate-key-id:"), raw]))).subarray(0, 4));
  const key = await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
  return { id, key };
}

export async function sealSecret(plaintext: string, routeId: string, key: SecretKey): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const ct = new Uint8Array(
    await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: utf8(routeId) }, key.key, utf8(plaintext)),
  );
  return `${VERSION}.${key.id}.${bytesToBase64(concatBytes([iv, ct]))}`;
}

/** The key id a sealed secret was made with, or null when it is not ours. */
export function sealedKeyId(sealed: string): string | null {
  const [version, keyId] = sealed.split(".");
  return version === VERSION && keyId ? keyId : null;
}

/** Decrypts with whichever of `keys` sealed it; null when none did or the ciphertext was altered. */
export async function openSecret(sealed: string, routeId: string, keys: readonly SecretKey[]): Promise<string | null> {
  const [version, keyId, payload] = sealed.split(".");
  if (version !== VERSION || !payload) return null;
  const key = keys.find((k) => k.id === keyId);
  const bytes = base64ToBytes(payload);
  if (!key || !bytes || bytes.length <= IV_BYTES) return null;
  try {
    const pt = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: bytes.subarray(0, IV_BYTES), additionalData: utf8(routeId) },
      key.key,
      bytes.subarray(IV_BYTES),
    );
    return new TextDecoder().decode(pt);
  } catch {
    return null;
  }
}
