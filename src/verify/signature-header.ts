/**
 * Parsers for signature headers, the first thing an attacker controls. They never throw:
 * anything unexpected is `null`, and the caller rejects the request as malformed.
 */

/** How a provider lays out its signature header. */
export type SignatureFormat =
  /** The whole value (after an optional prefix such as `sha256=`) is one signature. GitHub, Shopify. */
  | { readonly kind: "single"; readonly prefix: string }
  /** `t=…,v1=…,v1=…` key/value pairs. Stripe (`,`), Paddle (`;`). Repeated signature keys are rotation. */
  | {
      readonly kind: "pairs";
      readonly separator: string;
      readonly timestampKey: string;
      readonly signatureKey: string;
      /** Several whole sets of pairs during a rotation, split by this (Persona: `t=…,v1=A t=…,v1=B`); their timestamps must agree. */
      readonly sets?: string;
    }
  /** Space-separated `version,signature` entries. Standard Webhooks, Svix (`v1,…`; `v1a,…` for Ed25519). */
  | { readonly kind: "list"; readonly version: string }
  /** `<timestamp>,<sig>[,<sig>]` with no key names: the first element is the timestamp. Recurly (two signatures for 24 h after a rotation). */
  | { readonly kind: "positional"; readonly separator: string };

export interface ParsedSignatureHeader {
  readonly timestamp?: string;
  readonly signatures: readonly string[];
}

/** Longer headers are refused unparsed: no provider sends more than a few signatures. */
export const MAX_SIGNATURE_HEADER_CHARS = 4096;
export const MAX_SIGNATURES = 16;

export function parseSignatureHeader(value: string, format: SignatureFormat): ParsedSignatureHeader | null {
  if (value.length === 0 || value.length > MAX_SIGNATURE_HEADER_CHARS) return null;
  if (format.kind === "single") {
    if (!value.startsWith(format.prefix)) return null;
    const signature = value.slice(format.prefix.length).trim();
    return signature === "" ? null : { signatures: [signature] };
  }
  if (format.kind === "list") return parseList(value, format.version);
  if (format.kind === "positional") return parsePositional(value, format.separator);
  let timestamp: string | undefined;
  const signatures: string[] = [];
  const pairs = format.sets === undefined ? value.split(format.separator) : value.split(format.sets).flatMap((set) => set.split(format.separator));
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) return null;
    const key = pair.slice(0, eq).trim();
    const val = pair.slice(eq + 1).trim();
    if (key === format.timestampKey) {
      // Two different timestamps are ambiguous: refuse (each set of a rotation repeats the same one).
      if (timestamp !== undefined && (format.sets === undefined || timestamp !== val)) return null;
      timestamp = val;
    } else if (key === format.signatureKey && val !== "") {
      signatures.push(val);
    }
    // Other keys (Stripe's v0, future schemes) are ignored: only the configured one counts.
  }
  if (signatures.length === 0 || signatures.length > MAX_SIGNATURES) return null;
  return timestamp === undefined ? { signatures } : { timestamp, signatures };
}

function parseList(value: string, version: string): ParsedSignatureHeader | null {
  const signatures: string[] = [];
  for (const entry of value.split(" ")) {
    const comma = entry.indexOf(",");
    // Entries of other versions (a future scheme, `v1a` beside `v1`) are not ours to judge.
    if (comma <= 0 || entry.slice(0, comma) !== version) continue;
    const signature = entry.slice(comma + 1);
    if (signature !== "") signatures.push(signature);
  }
  return signatures.length === 0 || signatures.length > MAX_SIGNATURES ? null : { signatures };
}

function parsePositional(value: string, separator: string): ParsedSignatureHeader | null {
  const [timestamp, ...rest] = value.split(separator).map((p) => p.trim());
  if (!timestamp || rest.length === 0 || rest.length > MAX_SIGNATURES || rest.some((sig) => sig === "")) return null;
  return { timestamp, signatures: rest };
}
