/**
 * A stored route made ready to serve: secrets decrypted, keys imported and verifiers
 * built once, so that a request does no key work. Anything wrong yields a broken route,
 * which refuses every request (fail closed) and names the problem in the log.
 */
import { parseCidr, type Cidr } from "../lib/cidr";
import { buildVerifier, type ResolvedMethod } from "../verify/build";
import type { SecretValue } from "../verify/secrets";
import type { Verifier } from "../verify/types";
import { parseStoredRoute } from "./parse";
import type { StoredRoute } from "./schema";
import { openSecret, type SecretKey } from "./secret-box";

export interface CompiledRoute {
  readonly kind: "route";
  readonly id: string;
  readonly config: StoredRoute;
  readonly verifiers: readonly Verifier[];
  /** Lower-case header names and query params that carry gateway credentials: never forwarded. */
  readonly stripHeaders: ReadonlySet<string>;
  readonly stripQuery: ReadonlySet<string>;
  /** The route's IP allow-list, parsed once; undefined: any IP. */
  readonly allowCidrs: readonly Cidr[] | undefined;
  /** Ranges never rate-limited (a provider's published ranges). */
  readonly exemptCidrs: readonly Cidr[];
}

export interface BrokenRoute {
  readonly kind: "broken";
  readonly id: string;
  /** For the log; never contains a secret. */
  readonly problem: string;
}

export async function compileRoute(id: string, raw: unknown, keys: readonly SecretKey[]): Promise<CompiledRoute | BrokenRoute> {
  const parsed = parseStoredRoute(raw);
  if (!parsed.ok) {
    const first = parsed.error[0]!;
    return { kind: "broken", id, problem: `stored config invalid at ${first.path}: ${first.message}` };
  }
  const config = parsed.value;
  if (config.id !== id) return { kind: "broken", id, problem: "stored config id does not match its key" };
  if (keys.length === 0) return { kind: "broken", id, problem: "SECRETS_KEY is missing or invalid" };

  const methods: ResolvedMethod[] = [];
  for (const [i, method] of config.auth.methods.entries()) {
    const secrets: SecretValue[] = [];
    for (const [j, sealed] of method.secrets.entries()) {
      const value = await openSecret(sealed.enc, id, keys);
      if (value === null) return { kind: "broken", id, problem: `auth.methods.${i}.secrets.${j} cannot be decrypted with SECRETS_KEY` };
      secrets.push(sealed.notAfter ? { value, notAfter: Date.parse(sealed.notAfter) } : { value });
    }
    methods.push({ ...method, secrets } as ResolvedMethod);
  }

  let verifiers: Verifier[];
  try {
    verifiers = await Promise.all(methods.map(buildVerifier));
  } catch (e) {
    return { kind: "broken", id, problem: `auth config cannot be used: ${(e as Error).message}` };
  }
  return {
    kind: "route",
    id,
    config,
    verifiers,
    stripHeaders: new Set(verifiers.flatMap((v) => v.strip.headers.map((h) => h.toLowerCase()))),
    stripQuery: new Set(verifiers.flatMap((v) => v.strip.query)),
    allowCidrs: config.allowCidrs?.map((c) => parseCidr(c)!),
    exemptCidrs: (config.rateLimit?.exemptCidrs ?? []).map((c) => parseCidr(c)!),
  };
}
