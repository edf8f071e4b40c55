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
import { compileFilter, type CompiledFilter } from "../routing/filter";
import { compileTransform, type CompiledTransform } from "../routing/transform";
import { parseStoredRoute, primaryIndex } from "./parse";
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
  /** Decrypted alert destinations. */
  readonly alertTargets: readonly AlertTarget[];
  /** What the event log and admin reads hide: the route's credential headers and secret values. */
  readonly masking: Masking;
  /** Every verifier's signature headers: with the body, they key dedup's content hash. */
  readonly signatureHeaders: readonly string[];
  /** Some verifier hands on an event id its signature does not cover: dedup also keys on the content. */
  readonly unsignedEventId: boolean;
  /** An hour past the longest retry horizon of the route's presets: dedup's default retention (undefined: none documented). */
  readonly providerRetentionSeconds: number | undefined;
  /**
   * Where verified events go, the primary first. A route with `origin` (or neither) has one,
   * `origin`, with the route's own settings; `fanOut` is false then, and the pipeline takes
   * the single-origin path it always had.
   */
  readonly destinations: readonly CompiledDestination[];
  readonly fanOut: boolean;
  /** What the route does under a flood of failed authentications; undefined: nothing (`floodGuard: false`). */
  readonly floodGuard: FloodGuard | undefined;
}

/** Under attack (README "Rate limits and floods"): refusals held `delayMs`, `keptPerSecond` of them in the event log. */
export interface FloodGuard {
  readonly failuresPerSecond: number;
  readonly delayMs: number;
  readonly keptPerSecond: number;
}
export const DEFAULT_FLOOD_GUARD: FloodGuard = { failuresPerSecond: 50, delayMs: 1000, keptPerSecond: 10 };

const floodGuardOf = (given: NonNullable<StoredRoute["rateLimit"]>["floodGuard"]): FloodGuard | undefined =>
  given === false ? undefined : { ...DEFAULT_FLOOD_GUARD, ...Object.fromEntries(Object.entries(given ?? {}).filter(([, v]) => v !== undefined)) };

/** One destination, its settings resolved against the route's. */
export interface CompiledDestination {
  readonly id: string;
  /** http: a URL; service: a Worker behind a service binding; queue: a Cloudflare Queue; workflow: a Workflow; r2: the archive bucket. */
  readonly kind: "http" | "service" | "queue" | "workflow" | "r2";
  /** service, queue, r2: the binding's name in wrangler.toml (looked up in the environment when used). */
  readonly binding: string | undefined;
  /** r2: the key prefix; queue: the R2 binding for bodies too large for a message. */
  readonly prefix: string | undefined;
  readonly bodyBucket: string | undefined;
  /** Base URL; undefined: the app behind the route itself (a route without origin). */
  readonly url: string | undefined;
  readonly primary: boolean;
  readonly mode: "sync" | "queue";
  readonly retryOnFailure: boolean;
  readonly filter: CompiledFilter | undefined;
  readonly transform: CompiledTransform | undefined;
  readonly signer: OriginSigner | undefined;
  readonly originTimeoutMs: number;
  readonly retryPolicy: RetryPolicy;
  readonly breakerPolicy: BreakerPolicy;
  readonly deadLetterRetentionMs: number;
  /** Strict arrival order in its queue, one event in flight (per key, when the key is set); undefined: concurrent. */
  readonly ordering: { readonly key?: { readonly header: string } | { readonly jsonField: string } } | undefined;
}

/** The id of the destination a route with `origin` (or no destinations) has. */
export const ORIGIN_DESTINATION = "origin";

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

type DeliverySettings = Omit<NonNullable<StoredRoute["delivery"]>, "mode"> | undefined;

function retryPolicyOf(delivery: DeliverySettings): RetryPolicy {
  return {
    maxAttempts: delivery?.maxAttempts ?? DEFAULT_POLICY.maxAttempts,
    maxAgeMs: delivery?.maxAgeSeconds !== undefined ? delivery.maxAgeSeconds * 1000 : DEFAULT_POLICY.maxAgeMs,
    initialBackoffMs: delivery?.initialBackoffSeconds !== undefined ? delivery.initialBackoffSeconds * 1000 : DEFAULT_POLICY.initialBackoffMs,
    maxBackoffMs: delivery?.maxBackoffSeconds !== undefined ? delivery.maxBackoffSeconds * 1000 : DEFAULT_POLICY.maxBackoffMs,
  };
}

const breakerOf = (delivery: DeliverySettings): BreakerPolicy =>
  delivery?.circuitBreaker ? { threshold: delivery.circuitBreaker.failures, pauseMs: delivery.circuitBreaker.pauseSeconds * 1000 } : DEFAULT_BREAKER;
const deadLetterRetentionOf = (delivery: DeliverySettings): number =>
  delivery?.deadLetterRetentionSeconds !== undefined ? delivery.deadLetterRetentionSeconds * 1000 : DEFAULT_DEAD_LETTER_RETENTION_MS;

/** The route's destinations with their settings resolved: a destination's own, else the route's. */
function destinationsOf(config: StoredRoute, signer: OriginSigner | undefined): CompiledDestination[] {
  const route = config.delivery;
  const own = config.destinations;
  if (!own) {
    return [
      {
        id: ORIGIN_DESTINATION,
        kind: "http",
        binding: undefined,
        prefix: undefined,
        bodyBucket: undefined,
        url: config.origin,
        primary: true,
        mode: route?.mode === "queue" ? "queue" : "sync",
        retryOnFailure: route?.retryOnFailure ?? false,
        filter: undefined,
        transform: undefined,
        signer,
        originTimeoutMs: config.originTimeoutMs,
        retryPolicy: retryPolicyOf(route),
        breakerPolicy: breakerOf(route),
        deadLetterRetentionMs: deadLetterRetentionOf(route),
        ordering: route?.ordering,
      },
    ];
  }
  const primary = primaryIndex(own);
  const list = own.map((d, i): CompiledDestination => {
    const delivery = d.delivery ?? route;
    const isPrimary = i === primary;
    const compiledFilter = d.filter === undefined ? undefined : compileFilter(d.filter, "filter");
    const compiledTransform = d.transform === undefined ? undefined : compileTransform(d.transform, "transform");
    // Checked when parsed; a stored config that no longer compiles is broken, never let through unfiltered.
    if (compiledFilter && !compiledFilter.ok) throw new Broken(`destinations.${i}.${compiledFilter.error}`);
    if (compiledTransform && !compiledTransform.ok) throw new Broken(`destinations.${i}.${compiledTransform.error}`);
    return {
      id: d.id,
      kind: d.type,
      binding: d.binding,
      prefix: d.prefix,
      bodyBucket: d.bodyBucket,
      url: d.url,
      primary: isPrimary,
      mode: isPrimary && (d.delivery?.mode ?? route?.mode) !== "queue" ? "sync" : "queue",
      retryOnFailure: isPrimary && (delivery?.retryOnFailure ?? false),
      filter: compiledFilter?.ok ? compiledFilter.value : undefined,
      transform: compiledTransform?.ok ? compiledTransform.value : undefined,
      signer: d.attest && (d.type === "http" || d.type === "service") ? signer : undefined,
      originTimeoutMs: d.originTimeoutMs ?? config.originTimeoutMs,
      retryPolicy: retryPolicyOf(delivery),
      breakerPolicy: breakerOf(delivery),
      deadLetterRetentionMs: deadLetterRetentionOf(delivery),
      ordering: delivery?.ordering,
    };
  });
  // The primary first: it is the one the pipeline waits for (a route of sinks only has none).
  return primary < 0 ? list : [list[primary]!, ...list.filter((_, i) => i !== primary)];
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
    const destinations = destinationsOf(config, signer);
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
      alertTargets,
      masking: masking(
        [
          ...verifiers.flatMap((v) => [...v.strip.headers, ...(v.signatureHeaders ?? [])]),
          // The handshake headers that carry a secret to capture (Asana's X-Hook-Secret).
          ...methods.flatMap((m) => (m.type === "provider" ? (presets[m.provider]?.capture?.headers ?? []) : [])),
        ],
        [...methods.flatMap((m) => m.secrets.map((s) => s.value)), ...openedOptions, ...alertTargets.map((t) => t.url)],
      ),
      signatureHeaders: verifiers.flatMap((v) => v.signatureHeaders ?? []),
      unsignedEventId: verifiers.some((v) => v.unsignedEventId),
      providerRetentionSeconds: retentionOf(methods),
      destinations,
      floodGuard: floodGuardOf(config.rateLimit?.floodGuard),
      // One destination without rules is the single origin, whatever its name: the fast path.
      fanOut: destinations.length > 1 || destinations.some((d) => d.filter || d.transform || d.kind !== "http"),
    };
  } catch (e) {
    if (e instanceof Broken) return { kind: "broken", id, problem: e.message };
    throw e;
  }
}
