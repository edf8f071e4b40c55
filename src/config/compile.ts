/**
 * A stored route made ready to serve: secrets decrypted, keys imported and verifiers
 * built once, so that a request does no key work. Anything wrong yields a broken route,
 * which refuses every request (fail closed) and names the problem in the log.
 */
import { originSigner, type OriginSigner } from "../delivery/attest";
import { DEFAULT_BREAKER, type BreakerPolicy } from "../delivery/breaker";
import { DEFAULT_POLICY, type RetryPolicy } from "../delivery/policy";
import { parseCidr, type Cidr } from "../lib/cidr";
import { masking, type Masking } from "../observability/mask";
import { buildVerifier, gatewayQueryTokens, type ResolvedMethod } from "../verify/build";
import type { SecretValue } from "../verify/secrets";
import type { Verifier } from "../verify/types";
import { parseStoredRoute } from "./parse";
import { presets, secretOptions } from "../verify/presets";
import { present, type StoredRoute, type StoredSecret } from "./schema";
import { openSecret, type SecretKey } from "./secret-box";

export const DEFAULT_DEAD_LETTER_RETENTION_MS = 14 * 24 * 3600_000;

export interface CompiledRoute {
  readonly kind: "route";
  readonly id: string;
  readonly config: StoredRoute;
  readonly verifiers: readonly Verifier[];
  /** The route's methods plus those of its providers' handshakes (Meta's GET, Mandrill's HEAD). */
  readonly allowedMethods: readonly string[];
  /** Lower-case header names and query params that carry gateway credentials: never forwarded. */
  readonly stripHeaders: ReadonlySet<string>;
  readonly stripQuery: ReadonlySet<string>;
  /** The route's IP allow-list, parsed once; undefined: any IP. */
  readonly allowCidrs: readonly Cidr[] | undefined;
  /** Ranges never rate-limited (a provider's published ranges). */
  readonly exemptCidrs: readonly Cidr[];
  /** Signs what goes to the origin (Standard Webhooks), when `originSigning` is set. */
  readonly signer: OriginSigner | undefined;
  readonly retryPolicy: RetryPolicy;
  readonly breakerPolicy: BreakerPolicy;
  /** Decrypted alert destinations. */
  readonly alertTargets: readonly AlertTarget[];
  readonly deadLetterRetentionMs: number;
  /** What the event log and admin reads hide: the route's credential headers and secret values. */
  readonly masking: Masking;
  /** Every verifier's signature headers: with the body, they key dedup's content hash. */
  readonly signatureHeaders: readonly string[];
  /** Some verifier hands on an event id its signature does not cover: dedup also keys on the content. */
  readonly unsignedEventId: boolean;
  /** An hour past the longest retry horizon of the route's presets: dedup's default retention (undefined: none documented). */
  readonly providerRetentionSeconds: number | undefined;
}

export interface AlertTarget {
  readonly type: "slack" | "discord" | "webhook";
  readonly url: string;
}

export interface BrokenRoute {
  readonly kind: "broken";
  readonly id: string;
  /** For the log; never contains a secret. */
  readonly problem: string;
}

class Broken extends Error {}

async function openAll(sealed: readonly StoredSecret[], id: string, keys: readonly SecretKey[], at: string): Promise<SecretValue[]> {
  const secrets: SecretValue[] = [];
  for (const [j, s] of sealed.entries()) {
    const value = await openSecret(s.enc, id, keys);
    if (value === null) throw new Broken(`${at}.secrets.${j} cannot be decrypted with SECRETS_KEY`);
    secrets.push(s.notAfter ? { value, notAfter: Date.parse(s.notAfter) } : { value });
  }
  return secrets;
}

function retentionOf(methods: readonly ResolvedMethod[]): number | undefined {
  const hours = methods.flatMap((m) => (m.type === "provider" && presets[m.provider]?.retryHours !== undefined ? [presets[m.provider]!.retryHours!] : []));
  return hours.length > 0 ? (Math.max(...hours) + 1) * 3600 : undefined;
}

function retryPolicyOf(delivery: StoredRoute["delivery"]): RetryPolicy {
  return {
    maxAttempts: delivery?.maxAttempts ?? DEFAULT_POLICY.maxAttempts,
    maxAgeMs: delivery?.maxAgeSeconds !== undefined ? delivery.maxAgeSeconds * 1000 : DEFAULT_POLICY.maxAgeMs,
    initialBackoffMs: delivery?.initialBackoffSeconds !== undefined ? delivery.initialBackoffSeconds * 1000 : DEFAULT_POLICY.initialBackoffMs,
    maxBackoffMs: delivery?.maxBackoffSeconds !== undefined ? delivery.maxBackoffSeconds * 1000 : DEFAULT_POLICY.maxBackoffMs,
  };
}

export async function compileRoute(id: string, raw: unknown, keys: readonly SecretKey[]): Promise<CompiledRoute | BrokenRoute> {
  const parsed = parseStoredRoute(raw);
  if (!parsed.ok) {
    // The path only: a schema message quotes the value it received, which may be a secret.
    return { kind: "broken", id, problem: `stored config invalid at ${parsed.error.map((i) => i.path).join(", ")}` };
  }
  const config = parsed.value;
  if (config.id !== id) return { kind: "broken", id, problem: "stored config id does not match its key" };
  if (keys.length === 0) return { kind: "broken", id, problem: "SECRETS_KEY is missing or invalid" };

  try {
    const methods: ResolvedMethod[] = [];
    // Secret-bearing preset options (Meta's verify token), masked in the log like secrets.
    const openedOptions: string[] = [];
    for (const [i, method] of config.auth.methods.entries()) {
      const at = `auth.methods.${i}`;
      const opened = { ...method, secrets: await openAll(method.secrets, id, keys, at) };
      if (method.type === "provider") {
        for (const option of present(method, secretOptions(method.provider))) {
          const value = (await openAll([method[option] as StoredSecret], id, keys, `${at}.${option}`))[0]!.value;
          Object.assign(opened, { [option]: value });
          openedOptions.push(value);
        }
      }
      methods.push(opened as ResolvedMethod);
    }
    const context = { gatewayQueryTokens: gatewayQueryTokens(methods) };
    const verifiers = await Promise.all(methods.map((m) => buildVerifier(m, context))).catch((e: Error) => {
      throw new Broken(`auth config cannot be used: ${e.message}`);
    });
    const signer = config.originSigning
      ? await originSigner(await openAll(config.originSigning.secrets, id, keys, "originSigning")).catch((e: Error) => {
          throw new Broken(e.message);
        })
      : undefined;
    const alertTargets: AlertTarget[] = [];
    for (const [i, t] of (config.alerts?.targets ?? []).entries()) {
      const [url] = await openAll([t.url], id, keys, `alerts.targets.${i}.url`);
      alertTargets.push({ type: t.type, url: url!.value });
    }
    return {
      kind: "route",
      id,
      config,
      verifiers,
      allowedMethods: [...new Set([...config.limits.methods, ...verifiers.flatMap((v) => v.handshake?.methods ?? [])])],
      stripHeaders: new Set(verifiers.flatMap((v) => v.strip.headers.map((h) => h.toLowerCase()))),
      stripQuery: new Set(verifiers.flatMap((v) => v.strip.query)),
      allowCidrs: config.allowCidrs?.map((c) => parseCidr(c)!),
      exemptCidrs: (config.rateLimit?.exemptCidrs ?? []).map((c) => parseCidr(c)!),
      signer,
      retryPolicy: retryPolicyOf(config.delivery),
      breakerPolicy: config.delivery?.circuitBreaker
        ? { threshold: config.delivery.circuitBreaker.failures, pauseMs: config.delivery.circuitBreaker.pauseSeconds * 1000 }
        : DEFAULT_BREAKER,
      alertTargets,
      masking: masking(
        verifiers.flatMap((v) => [...v.strip.headers, ...(v.signatureHeaders ?? [])]),
        [...methods.flatMap((m) => m.secrets.map((s) => s.value)), ...openedOptions, ...alertTargets.map((t) => t.url)],
      ),
      signatureHeaders: verifiers.flatMap((v) => v.signatureHeaders ?? []),
      unsignedEventId: verifiers.some((v) => v.unsignedEventId),
      providerRetentionSeconds: retentionOf(methods),
      deadLetterRetentionMs:
        config.delivery?.deadLetterRetentionSeconds !== undefined ? config.delivery.deadLetterRetentionSeconds * 1000 : DEFAULT_DEAD_LETTER_RETENTION_MS,
    };
  } catch (e) {
    if (e instanceof Broken) return { kind: "broken", id, problem: e.message };
    throw e;
  }
}
