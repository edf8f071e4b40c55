/** Byte encodings for untrusted input: malformed input yields null, never an exception. */

const encoder = new TextEncoder();

export const utf8 = (text: string): Uint8Array => encoder.encode(text);

const HEX_RE = /^(?:[0-9a-fA-F]{2})*$/;

export function hexToBytes(hex: string): Uint8Array | null {
  if (!HEX_RE.test(hex)) return null;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function bytesToHex(bytes: Uint8Array): string {
  let hex = "";
  for (const b of bytes) hex += b.toString(16).padStart(2, "0");
  return hex;
}

// Standard alphabet with padding, or unpadded; URL-safe characters are accepted too
// because some providers emit them. One character-class run plus arithmetic on the length
// (the same strings as `^(?:X{4})*(?:X{2}(?:==)?|X{3}=?)?$`): that regex pushed a backtrack
// entry per 4-character group and threw RangeError on inputs over ~6 MiB, which a stranger
// could send in an SNS body's Signature field (a 500 instead of a refusal; review finding).
const BASE64_CHARS_RE = /^[A-Za-z0-9+/_-]*$/;

export function base64ToBytes(b64: string): Uint8Array | null {
  const padding = b64.endsWith("==") ? 2 : b64.endsWith("=") ? 1 : 0;
  const core = padding === 0 ? b64 : b64.slice(0, -padding);
  const rest = core.length % 4;
  if (!BASE64_CHARS_RE.test(core) || rest === 1 || (padding === 2 && rest !== 2) || (padding === 1 && rest !== 3)) return null;
  const std = b64.replace(/-/g, "+").replace(/_/g, "/");
  const padded = std + "=".repeat((4 - (std.length % 4)) % 4);
  try {
    const bin = atob(padded);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return null;
  }
}

export function bytesToBase64(bytes: Uint8Array): string {
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(bin);
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
