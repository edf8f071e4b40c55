/**
 * eBay Notification API push messages (Marketplace Account Deletion and the other topics):
 * `X-EBAY-SIGNATURE` is base64 of the JSON `{"alg":"ecdsa","kid":…,"signature":…,"digest":"SHA1"}`,
 * `signature` the base64 DER ECDSA signature of the message with the key `kid` names
 * (`<digest>with<algorithm>`, SHA1withECDSA in practice). eBay hands those keys out only to
 * OAuth callers (`GET /commerce/notification/v1/public_key/{kid}`), so the route pins them by
 * kid; a kid the route does not hold fails closed. The endpoint check
 * (`GET ?challenge_code=`) is handshakes.ts's `ebayChallenge`. Key parsing is keys.ts.
 * https://developer.ebay.com/api-docs/commerce/notification/overview.html
 */
import { base64ToBytes, utf8 } from "../lib/encoding";
import { BodyFields } from "../lib/json-field";
import { derToP1363, importVerifyKey, SchemeConfigError, verifySignature, type VerifyKey } from "./keys";
import { fail, pass, type Verifier, type VerifyInput } from "./types";

export const EBAY_SIGNATURE_HEADER = "x-ebay-signature";
/** The decoded header is four short fields; a DER P-256 signature is at most 72 bytes. */
export const MAX_EBAY_SIGNATURE_HEADER_CHARS = 2048;
export const MAX_EBAY_KEYS = 10;
/** eBay's kids are UUIDs; letters, digits and `._~-` up to this length are taken as one (nothing that could be a path or a query). */
const KID_RE = /^[A-Za-z0-9._~-]{1,128}$/;

/**
 * The one digest taken. eBay's key endpoint names a digest per key (`{algorithm, digest, key}`)
 * and its Java SDK signs with `<digest>with<algorithm>`, but its Node SDK verifies SHA1 only
 * (`ssl3-sha1`) and every key and message of eBay's we found says SHA1: another digest is a
 * config error here rather than a guess.
 */
export const EBAY_DIGEST = "SHA1";

/**
 * A key as the route pins it: the PEM (or base64 SPKI) alone, or the getPublicKey answer
 * pasted as it came (`{"algorithm":"ECDSA","digest":"SHA1","key":"-----BEGIN PUBLIC KEY-----…"}`).
 */
export type EbayPinnedKey = string | { readonly key: string; readonly algorithm?: string; readonly digest?: string };

async function importEbayKey(kid: string, pinned: EbayPinnedKey): Promise<VerifyKey> {
  const what = `eBay key ${JSON.stringify(kid)}`;
  const text = typeof pinned === "string" ? pinned : pinned.key;
  const algorithm = typeof pinned === "string" ? "ECDSA" : (pinned.algorithm ?? "ECDSA");
  const digest = typeof pinned === "string" ? EBAY_DIGEST : (pinned.digest ?? EBAY_DIGEST);
  if (algorithm.toUpperCase() !== "ECDSA") throw new SchemeConfigError(`${what}: algorithm ${JSON.stringify(algorithm)} is not ECDSA`);
  if (digest.toUpperCase() !== EBAY_DIGEST) throw new SchemeConfigError(`${what}: digest ${JSON.stringify(digest)} is not SHA1, the only one eBay's SDKs verify`);
  return importVerifyKey(text, "ecdsa-p256-sha1", text.includes("-----BEGIN") ? "pem" : "spki", `${what} (a P-256 public key, PEM or base64 SPKI)`);
}

interface EbaySignature {
  readonly kid: string;
  readonly digest: string;
  readonly signature: Uint8Array;
}

const headerDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** The decoded header, or null when it is not base64 of a JSON object with the four string fields. */
export function parseEbaySignatureHeader(header: string): EbaySignature | null {
  if (header.length === 0 || header.length > MAX_EBAY_SIGNATURE_HEADER_CHARS) return null;
  const bytes = base64ToBytes(header);
  if (!bytes) return null;
  let value: unknown;
  try {
    value = JSON.parse(headerDecoder.decode(bytes));
  } catch {
    return null;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return null;
  const field = (name: string) => (Object.hasOwn(value, name) ? (value as Record<string, unknown>)[name] : undefined);
  const [alg, kid, signature, digest] = [field("alg"), field("kid"), field("signature"), field("digest")];
  if (typeof alg !== "string" || typeof kid !== "string" || typeof signature !== "string" || typeof digest !== "string") return null;
  // eBay's docs write "ECDSA", its SDK's test message carries "ecdsa": the case is not part of the name.
  if (alg.toUpperCase() !== "ECDSA" || !KID_RE.test(kid)) return null;
  const der = base64ToBytes(signature);
  const raw = der ? derToP1363(der, 32) : null;
  return raw ? { kid, digest: digest.toUpperCase(), signature: raw } : null;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const JSON_SPACE = new Set([" ", "\t", "\n", "\r"]);

/** `text` with the whitespace between JSON tokens removed (strings left as they are). */
function withoutJsonSpace(text: string): string {
  let out = "";
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      if (c === "\\") {
        out += c + (text[i + 1] ?? "");
        i++;
        continue;
      }
      if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (JSON_SPACE.has(c)) continue;
    out += c;
  }
  return out;
}

/**
 * What eBay's SDKs check when the raw bytes do not verify: the Node SDK verifies
 * `JSON.stringify(message)` of the parsed body (lib/validator.js), the Java SDK Jackson's
 * compact re-serialisation (SignatureValidator), so eBay signs the compact form of the
 * message whatever spacing reaches us. We take that form only when the body is it with JSON
 * whitespace added: then every JSON parser at the origin reads the same message eBay signed.
 * A body that differs in anything else (escapes, number spellings, key order, a duplicate
 * key, a BOM) could mean something else to another parser than to V8's, so it is not
 * re-serialised and fails as a mismatch. Null: no such form (not JSON, or already compact).
 */
export function compactForm(body: Uint8Array): Uint8Array | null {
  let text: string;
  let compact: string;
  try {
    text = strictUtf8.decode(body);
    compact = JSON.stringify(JSON.parse(text));
  } catch {
    return null;
  }
  if (compact === text || compact !== withoutJsonSpace(text)) return null;
  return utf8(compact);
}

async function verifies(key: VerifyKey, signature: Uint8Array, data: Uint8Array): Promise<boolean> {
  try {
    return await verifySignature(key, signature, data);
  } catch {
    return false;
  }
}

/** The verifier for keys pinned by kid (checked and imported here, once, when the route compiles). */
export async function ebayVerifier(pins: Readonly<Record<string, EbayPinnedKey>> | undefined): Promise<Verifier> {
  const entries = Object.entries(pins ?? {});
  if (entries.length === 0 || entries.length > MAX_EBAY_KEYS) {
    throw new SchemeConfigError(`ebay needs eBay's public keys pinned by kid in "keys" (1 to ${MAX_EBAY_KEYS}): eBay serves them only to OAuth callers`);
  }
  const keys = new Map<string, VerifyKey>();
  for (const [kid, pinned] of entries) {
    if (!KID_RE.test(kid)) throw new SchemeConfigError(`eBay kid ${JSON.stringify(kid.slice(0, 200))} is not a key id (letters, digits, . _ ~ -)`);
    keys.set(kid, await importEbayKey(kid, pinned));
  }
  return {
    scheme: "ecdsa:ebay",
    needsBody: true,
    strip: { headers: [], query: [] },
    signatureHeaders: [EBAY_SIGNATURE_HEADER],
    async verify(input: VerifyInput) {
      const header = input.headers.get(EBAY_SIGNATURE_HEADER);
      if (header === null) return fail("missing_signature");
      const parsed = parseEbaySignatureHeader(header);
      if (!parsed) return fail("malformed_signature");
      const key = keys.get(parsed.kid);
      // A kid the route does not pin: eBay rotated its key (pin the new one) or the sender is not eBay.
      if (!key) return fail("untrusted_certificate");
      // The digest is the key's (eBay's key endpoint names it with the key): SHA1, as the key was pinned.
      if (parsed.digest !== EBAY_DIGEST) return fail("malformed_signature");
      let ok = await verifies(key, parsed.signature, input.body);
      if (!ok) {
        const compact = compactForm(input.body);
        ok = compact !== null && (await verifies(key, parsed.signature, compact));
      }
      if (!ok) return fail("signature_mismatch");
      // Signed, inside the body. A retry is presumably the same notification (its publishAttemptCount counts the attempts), so it is a duplicate once one copy was delivered.
      return pass(new BodyFields(input.body).text("notification.notificationId"));
    },
  };
}
