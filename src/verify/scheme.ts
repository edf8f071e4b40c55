/**
 * The data-driven signature engine. A scheme says where the signature is, how it is
 * encoded, what bytes are signed (a template), where the timestamp and the event id come
 * from, and which algorithm signs; presets are schemes written down as data. Comparison
 * is `crypto.subtle.verify`, constant-time in the runtime; keys are imported once, when
 * the route is compiled.
 */
import { base64ToBytes, concatBytes, hexToBytes, utf8 } from "../lib/encoding";
import { BodyFields } from "../lib/json-field";
import { parseForm, sortedParams } from "./form";
import { importVerifyKey, SchemeConfigError, signatureBytes, verifySignature, type Algorithm, type KeyEncoding, type VerifyKey } from "./keys";
import { active, type Expiring, type SecretValue } from "./secrets";
import { parseSignatureHeader, type SignatureFormat } from "./signature-header";
import { signedUrl, type UrlPolicy } from "./signed-url";
import { checkWindow, parseTimestampMs, type TimestampUnit } from "./timestamp";
import { fail, pass, type Verifier, type VerifyInput, type VerifyResult } from "./types";

export { BodyFields, SchemeConfigError };

/** Where a value comes from: the first of these headers present, or a field of the JSON body. */
export type Source = { readonly header: string | readonly string[] } | { readonly jsonField: string };

export interface SignatureScheme {
  readonly name: string;
  readonly algorithm: Algorithm;
  /** base64 also reads the URL-safe alphabet and no padding; base64url names it (Sanity), for signers. */
  readonly encoding: "hex" | "base64" | "base64url";
  /** The signature header; with several names, the first one present (Shopify's two spellings). */
  readonly header: string | readonly string[];
  /**
   * Several names, each carrying a signature by another of the provider's keys (Box's primary
   * and secondary, DocuSign's `-1..N`): every one present is read, and any may match any secret.
   */
  readonly everyHeader?: boolean;
  readonly format: SignatureFormat;
  /**
   * What is signed: `{body}`, `{timestamp}`, `{url}`, `{method}`, `{params}` (sorted form
   * fields, Twilio/Mandrill) and `{header:Name}` between literal text.
   */
  readonly payload: string;
  /** Present for timestamped schemes; neither header nor jsonField: inside the signature header. */
  readonly timestamp?: {
    readonly header?: string | readonly string[];
    readonly jsonField?: string;
    readonly unit: TimestampUnit;
    readonly toleranceSeconds: number;
  };
  /** The provider's event id, handed on to dedup; absent where the provider sends none. */
  readonly eventId?: Source;
  readonly keyEncoding: KeyEncoding;
  /** How `{url}` is rebuilt (signed-url.ts), and any provider quirk applied to it. */
  readonly url?: UrlPolicy & { readonly transform?: (href: string) => string };
}

type Part =
  | { kind: "text"; bytes: Uint8Array }
  | { kind: "body" | "timestamp" | "url" | "method" | "params" }
  | { kind: "header"; name: string };

const PLACEHOLDER_RE = /\{(body|timestamp|url|method|params|header:[A-Za-z0-9_-]+)\}/g;

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

const names = (h: string | readonly string[]): readonly string[] => (typeof h === "string" ? [h] : h);

export function firstHeader(headers: Headers, h: string | readonly string[]): string | null {
  for (const name of names(h)) {
    const value = headers.get(name);
    if (value !== null) return value;
  }
  return null;
}

export function sourceValue(source: Source, headers: Headers, fields: BodyFields): string | undefined {
  return "header" in source ? (firstHeader(headers, source.header) ?? undefined) : fields.text(source.jsonField);
}

/** Whether the signed bytes cover the event id's source: the body for a JSON field, the header itself for a header. */
function signs(parts: readonly Part[], source: Source): boolean {
  if ("jsonField" in source) return parts.some((p) => p.kind === "body");
  const wanted = names(source.header).map((h) => h.toLowerCase());
  return parts.some((p) => p.kind === "header" && wanted.includes(p.name.toLowerCase()));
}

export async function schemeVerifier(scheme: SignatureScheme, secrets: readonly SecretValue[]): Promise<Verifier> {
  const parts = compileTemplate(scheme.payload);
  if (!parts) throw new SchemeConfigError(`payload template "${scheme.payload}" is not valid`);
  const keys: Expiring<VerifyKey>[] = await Promise.all(
    secrets.map(async (s, i) => ({
      item: await importVerifyKey(s.value, scheme.algorithm, scheme.keyEncoding, `secret ${i}`),
      notAfter: s.notAfter,
    })),
  );
  const decode = scheme.encoding === "hex" ? hexToBytes : base64ToBytes;
  const bodyOnly = parts.length === 1 && parts[0]!.kind === "body";

  function signedBytes(input: VerifyInput, timestamp: string | undefined): Uint8Array | "missing_header" | "malformed_body" {
    // The common case signs the body alone: no copy of a possibly large body.
    if (bodyOnly) return input.body;
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
          chunks.push(utf8(timestamp ?? ""));
          break;
        case "url": {
          const href = signedUrl(input.url, scheme.url ?? {});
          chunks.push(utf8(scheme.url?.transform ? scheme.url.transform(href) : href));
          break;
        }
        case "method":
          chunks.push(utf8(input.method));
          break;
        case "params": {
          const fields = parseForm(new TextDecoder().decode(input.body));
          if (!fields) return "malformed_body";
          chunks.push(utf8(sortedParams(fields)));
          break;
        }
        case "header": {
          const value = input.headers.get(part.name);
          if (value === null) return "missing_header";
          chunks.push(utf8(value));
          break;
        }
      }
    }
    return concatBytes(chunks);
  }

  return {
    scheme: scheme.name === "hmac" ? "hmac" : `${scheme.algorithm.startsWith("hmac") ? "hmac" : scheme.algorithm}:${scheme.name}`,
    needsBody: true,
    strip: { headers: [], query: [] },
    signatureHeaders: names(scheme.header),
    unsignedEventId: scheme.eventId !== undefined && !signs(parts, scheme.eventId),
    async verify(input): Promise<VerifyResult> {
      const first = scheme.everyHeader ? null : firstHeader(input.headers, scheme.header);
      const values = scheme.everyHeader ? names(scheme.header).flatMap((n) => input.headers.get(n) ?? []) : first === null ? [] : [first];
      if (values.length === 0) return fail("missing_signature");
      const each = values.map((v) => parseSignatureHeader(v, scheme.format));
      if (each.some((p) => p === null)) return fail("malformed_signature");
      const parsed = { timestamp: each[0]!.timestamp, signatures: each.flatMap((p) => p!.signatures) };
      // One undecodable entry among several (a scheme version we do not know) does not hide a good one.
      const signatures: Uint8Array[] = [];
      for (const s of parsed.signatures) {
        const decoded = decode(s);
        const bytes = decoded && signatureBytes(decoded, scheme.algorithm);
        if (bytes) signatures.push(bytes);
      }
      if (signatures.length === 0) return fail("malformed_signature");

      const fields = new BodyFields(input.body);
      let timestamp: string | undefined;
      if (scheme.timestamp) {
        const t = scheme.timestamp;
        const raw = t.header ? firstHeader(input.headers, t.header) : t.jsonField ? fields.text(t.jsonField) : parsed.timestamp;
        if (raw === null || raw === undefined) return fail("missing_timestamp");
        const ms = parseTimestampMs(raw.trim(), t.unit);
        if (ms === null) return fail("malformed_timestamp");
        const outside = checkWindow(ms, input.now, t.toleranceSeconds);
        if (outside) return fail(outside);
        timestamp = raw.trim();
      }

      const valid = active(keys, input.now);
      if (valid.length === 0) return fail("no_active_secret");
      const data = signedBytes(input, timestamp);
      if (data === "missing_header") return fail("missing_signature");
      if (data === "malformed_body") return fail("malformed_body");
      for (const key of valid) {
        for (const signature of signatures) {
          if (await verifySignature(key, signature, data)) {
            return pass(scheme.eventId ? sourceValue(scheme.eventId, input.headers, fields) : undefined);
          }
        }
      }
      return fail("signature_mismatch");
    },
  };
}

/**
 * A legacy scheme (GitHub's and Meta's SHA-1 header) consulted only when the preferred
 * signature header is absent: a request carrying both is judged by the stronger one.
 */
export async function legacyFallback(
  preferred: Verifier,
  preferredHeader: string,
  legacy: SignatureScheme,
  secrets: readonly SecretValue[],
): Promise<Verifier> {
  const fallback = await schemeVerifier(legacy, secrets);
  return {
    ...preferred,
    signatureHeaders: [...(preferred.signatureHeaders ?? []), ...(fallback.signatureHeaders ?? [])],
    unsignedEventId: preferred.unsignedEventId || fallback.unsignedEventId,
    verify: (input) => (input.headers.has(preferredHeader) ? preferred.verify(input) : fallback.verify(input)),
  };
}

/** Several schemes for one provider (Standard Webhooks' `v1` HMAC and `v1a` Ed25519): any one passing is enough. */
export function anyOf(scheme: string, verifiers: readonly Verifier[]): Verifier {
  if (verifiers.length === 1) return verifiers[0]!;
  return {
    scheme,
    needsBody: verifiers.some((v) => v.needsBody),
    strip: { headers: verifiers.flatMap((v) => v.strip.headers), query: verifiers.flatMap((v) => v.strip.query) },
    signatureHeaders: [...new Set(verifiers.flatMap((v) => v.signatureHeaders ?? []))],
    unsignedEventId: verifiers.some((v) => v.unsignedEventId),
    async verify(input) {
      let first: VerifyResult | undefined;
      for (const v of verifiers) {
        const result = await v.verify(input);
        if (result.ok) return result;
        first ??= result;
      }
      return first!;
    },
  };
}
