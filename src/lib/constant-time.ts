/**
 * Constant-time comparison of secrets (tokens, Basic credentials). Both sides are
 * hashed first so that the comparison time reveals neither content nor length.
 */
import { utf8 } from "./encoding";

export async function sha256(data: Uint8Array | string): Promise<Uint8Array> {
  const bytes = typeof data === "string" ? utf8(data) : data;
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

/** True when `candidate` hashes to one of `digests`; every digest is compared. */
export async function matchesAnyDigest(candidate: string, digests: readonly Uint8Array[]): Promise<boolean> {
  const presented = await sha256(candidate);
  let matched = false;
  for (const digest of digests) {
    // timingSafeEqual is workerd's constant-time compare; both sides are 32 bytes.
    if (crypto.subtle.timingSafeEqual(presented, digest)) matched = true;
  }
  return matched;
}
