/**
 * The data-driven HMAC engine. A scheme says where the signature is, how it is encoded,
 * what bytes are signed (a template) and where the timestamp comes from; presets are
 * schemes written down as data. Comparison is `crypto.subtle.verify`, constant-time in
 * the runtime; keys are imported once, when the route is compiled.
 */
import { base64ToBytes, concatBytes, hexToBytes, utf8 } from "../lib/encoding";
import { active, type Expiring, type SecretValue } from "./secrets";
import { parseSignatureHeader, type SignatureFormat } from "./signature-header";
import { checkWindow, parseTimestampMs, type TimestampUnit } from "./timestamp";
import { fail, pass, type Verifier, type VerifyInput } from "./types";

export type HmacAlgorithm = "SHA-1" | "SHA-256" | "SHA-512";
export type SecretEncoding = "utf8" | "base64" | "hex" | "whsec";

export interface HmacScheme {
  readonly name: string;
  readonly algorithm: HmacAlgorithm;
  readonly encoding: "hex" | "base64";
  readonly header: string;
  readonly format: SignatureFormat;
  /** What is signed: `{body}`, `{timestamp}`, `{url}`, `{method}` and `{header:Name}` between literal text. */
  readonly payload: string;
  /** Present for timestamped schemes; `header` absent means the timestamp is inside the signature header. */
  readonly timestamp?: { readonly header?: string; readonly unit: TimestampUnit; readonly toleranceSeconds: number };
  /** Header carrying the provider's event id, handed on to later stages (dedup). */
  readonly eventIdHeader?: string;
  readonly secretEncoding: SecretEncoding;
}

type Part =
  | { kind: "text"; bytes: Uint8Array }
  | { kind: "body" | "timestamp" | "url" | "method" }
  | { kind: "header"; name: string };

const PLACEHOLDER_RE = /\{(body|timestamp|url|method|header:[A-Za-z0-9_-]+)\}/g;

/** Splits a payload template into parts; null when it names something we cannot fill. */
export function compileTemplate(template: string): Part[] | null {
  const parts: Part[] = [];
  let last = 0;
  for (const m of template.matchAll(PLACEHOLDER_RE)) {
    if (m.index > last) parts.push({ kind: "text", bytes: utf8(template.slice(last, m.index)) });
    const name = m[1]!;
    parts.push(name.startsWith("header:") ? { kind: "header", name: name.slice(7) } : { kind: name as "body" });
    last = m.index + m[0].length;
  }
  if (last < template.length) parts.push({ kind: "text", bytes: utf8(template.slice(last)) });
  const rest = template.replace(PLACEHOLDER_RE, "");
  return rest.includes("{") || rest.includes("}") || parts.length === 0 ? null : parts;
}

function secretBytes(secret: string, encoding: SecretEncoding): Uint8Array | null {
  switch (encoding) {
    case "utf8":
      return utf8(secret);
    case "hex":
      return hexToBytes(secret);
    case "base64":
      return base64ToBytes(secret);
    case "whsec":
      return base64ToBytes(secret.startsWith("whsec_") ? secret.slice(6) : secret);
  }
}

/** Thrown at compile time only (bad config), never while verifying a request. */
export class SchemeConfigError extends Error {}

export async function hmacVerifier(scheme: HmacScheme, secrets: readonly SecretValue[]): Promise<Verifier> {
  const parts = compileTemplate(scheme.payload);
  if (!parts) throw new SchemeConfigError(`payload template "${scheme.payload}" is not valid`);
  const keys: Expiring<CryptoKey>[] = await Promise.all(
    secrets.map(async (s, i) => {
      const raw = secretBytes(s.value, scheme.secretEncoding);
      if (!raw || raw.length === 0) throw new SchemeConfigError(`secret ${i} is not valid ${scheme.secretEncoding}`);
      const key = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: scheme.algorithm }, false, ["verify"]);
      return { item: key, notAfter: s.notAfter };
    }),
  );
  const decode = scheme.encoding === "hex" ? hexToBytes : base64ToBytes;

  function signedBytes(input: VerifyInput, timestamp: string | undefined): Uint8Array | null {
    // The common case signs the body alone: no copy of a possibly large body.
    if (parts!.length === 1 && parts![0]!.kind === "body") return input.body;
    const chunks: Uint8Array[] = [];
    for (const part of parts!) {
      switch (part.kind) {
        case "text":
          chunks.push(part.bytes);
          break;
        case "body":
          chunks.push(input.body);
          break;
        case "timestamp":
          if (timestamp === undefined) return null;
          chunks.push(utf8(timestamp));
          break;
        case "url":
          chunks.push(utf8(input.url.href));
          break;
        case "method":
          chunks.push(utf8(input.method));
          break;
        case "header": {
          const value = input.headers.get(part.name);
          if (value === null) return null;
          chunks.push(utf8(value));
          break;
        }
      }
    }
    return concatBytes(chunks);
  }

  return {
    scheme: scheme.name === "hmac" ? "hmac" : `hmac:${scheme.name}`,
    needsBody: true,
    strip: { headers: [], query: [] },
    signatureHeaders: [scheme.header],
    async verify(input) {
      const header = input.headers.get(scheme.header);
      if (header === null) return fail("missing_signature");
      const parsed = parseSignatureHeader(header, scheme.format);
      if (!parsed) return fail("malformed_signature");
      const signatures: Uint8Array[] = [];
      for (const s of parsed.signatures) {
        const bytes = decode(s);
        if (!bytes || bytes.length === 0) return fail("malformed_signature");
        signatures.push(bytes);
      }

      let timestamp: string | undefined;
      if (scheme.timestamp) {
        const raw = scheme.timestamp.header ? input.headers.get(scheme.timestamp.header) : parsed.timestamp;
        if (raw === null || raw === undefined) return fail("missing_timestamp");
        const ms = parseTimestampMs(raw.trim(), scheme.timestamp.unit);
        if (ms === null) return fail("malformed_timestamp");
        const outside = checkWindow(ms, input.now, scheme.timestamp.toleranceSeconds);
        if (outside) return fail(outside);
        timestamp = raw.trim();
      }

      const valid = active(keys, input.now);
      if (valid.length === 0) return fail("no_active_secret");
      const data = signedBytes(input, timestamp);
      if (!data) return fail("missing_signature");
      for (const key of valid) {
        for (const signature of signatures) {
          if (await crypto.subtle.verify("HMAC", key, signature, data)) {
            return pass(scheme.eventIdHeader ? (input.headers.get(scheme.eventIdHeader) ?? undefined) : undefined);
          }
        }
      }
      return fail("signature_mismatch");
    },
  };
}
