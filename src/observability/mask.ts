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

/**
 * Every value masked: for headers whose route is unknown (deleted, or its secrets cannot be
 * opened), where a signature under a custom name (`X-Sig`) cannot be told apart.
 */
export function maskAllHeaders(headers: readonly (readonly [string, string])[]): [string, string][] {
  return headers.map(([name, value]) => [name, `[masked, ${value.length} chars]`]);
}

/** A stored body with every secret of the route cut out; the bytes unchanged when none occurs. */
export function maskBody(body: Uint8Array, m: Masking): Uint8Array {
  if (m.secrets.length === 0) return body;
  const text = new TextDecoder().decode(body);
  let masked = cutSecrets(text, m.secrets);
  // A JSON string may spell a secret with escapes (.NET writes "+" as \u002B, PHP "/" as \/):
  // the search above misses it although the verifier decoded it (Graph's clientState). Such
  // a body is stored re-serialized with the secret cut out (review finding: it was kept as sent).
  if (masked.includes("\\")) masked = cutJsonSecrets(masked, m.secrets) ?? masked;
  return masked === text ? body : new TextEncoder().encode(masked);
}

/** The JSON text re-serialized with every secret cut out of its strings; undefined when it is not JSON or holds none. */
function cutJsonSecrets(text: string, secrets: readonly string[]): string | undefined {
  let cutAny = false;
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") {
      const cut = cutSecrets(v, secrets);
      if (cut !== v) cutAny = true;
      return cut;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [walk(k), walk(x)]));
    return v;
  };
  try {
    const cut = walk(JSON.parse(text));
    return cutAny ? JSON.stringify(cut) : undefined;
  } catch {
    return undefined; // not JSON (or nested too deep to walk): the literal search is all there is
  }
}
