/**
 * What the event log, the admin API and the dashboard show of a request's headers and
 * body: never a credential or a full signature. A header is masked when its name says it
 * carries one (the generic pattern below) or when the route knows it does (its token,
 * signature and credential headers, whatever they are called), and any value or body
 * that contains one of the route's own secrets has it cut out.
 */

/** Headers that carry credentials or signatures by their name alone. */
const SENSITIVE_HEADER = /signature|hmac|token|authorization|cookie|secret|api-key|apikey|password|auth/i;
/** Secrets shorter than this are not searched for in values (they would match by chance); their headers are masked by name. */
const MIN_SCANNED_SECRET_CHARS = 6;

/** A route's credentials as masking needs them: built once, when the route is compiled. */
export interface Masking {
  /** Lower-case header names that carry this route's credentials or signatures. */
  readonly headers: ReadonlySet<string>;
  /** The route's secret values, to cut out wherever they appear. */
  readonly secrets: readonly string[];
}

export const NO_MASKING: Masking = { headers: new Set(), secrets: [] };

export function masking(headers: Iterable<string>, secrets: Iterable<string>): Masking {
  return {
    headers: new Set([...headers].map((h) => h.toLowerCase())),
    secrets: [...new Set(secrets)].filter((s) => s.length >= MIN_SCANNED_SECRET_CHARS).sort((a, b) => b.length - a.length),
  };
}

const cutSecrets = (text: string, secrets: readonly string[]) => secrets.reduce((t, s) => (t.includes(s) ? t.split(s).join("[masked]") : t), text);

export function maskHeaders(headers: readonly (readonly [string, string])[], m: Masking = NO_MASKING): [string, string][] {
  return headers.map(([name, value]) =>
    SENSITIVE_HEADER.test(name) || m.headers.has(name.toLowerCase()) ? [name, `[masked, ${value.length} chars]`] : [name, cutSecrets(value, m.secrets)],
  );
}

/** A stored body with every secret of the route cut out; the bytes unchanged when none occurs. */
export function maskBody(body: Uint8Array, m: Masking): Uint8Array {
  if (m.secrets.length === 0) return body;
  const text = new TextDecoder().decode(body);
  const masked = cutSecrets(text, m.secrets);
  return masked === text ? body : new TextEncoder().encode(masked);
}
