/**
 * Route configs in Workers KV, with a per-isolate cache in front (layout: docs/storage.md).
 *
 * - `routes:index` holds every route's host/path/match; `route:<id>` one route with
 *   sealed secrets.
 * - Both are cached in the isolate for ROUTE_CACHE_TTL_MS. After that the cached value is
 *   still served while one background read refreshes it, so a busy route never waits on
 *   KV and costs about one read per TTL per isolate.
 * - Admin writes update KV and drop this isolate's cache; other isolates see the change
 *   within the TTL plus KV's own propagation (up to ~60 s).
 * - Admin writes go through one Durable Object (durable/route-registry.ts), the single
 *   writer of the index: KV has no compare-and-set, so concurrent read-modify-writes of
 *   the index from isolates would lose routes.
 */
import { registryFor, type ArmResult, type CaptureResult, type CaptureTarget } from "../durable/route-registry";
import type { Env } from "../env";
import { INDEX_KEY, routeKey } from "./keys";
import { compileRoute, type BrokenRoute, type CompiledRoute } from "./compile";
import { RouteIndex, type IndexEntry } from "./route-index";
import { secretOptions } from "../verify/presets";
import { present, type InputRoute, type InputSecret, type RouteState, type StoredRoute } from "./schema";
import { importSecretKey, sealSecret, type SecretKey } from "./secret-box";

export const ROUTE_CACHE_TTL_MS = 15_000;
export { INDEX_KEY, routeKey };

/**
 * Stale-while-revalidate per isolate: a miss waits for one load (concurrent misses share
 * it); a hit past the TTL is served as is while one background load refreshes it.
 */
class IsolateCache<V> {
  private readonly entries = new Map<string, { value: V; loadedAt: number; refreshing: boolean }>();
  private readonly loading = new Map<string, Promise<V>>();

  get(key: string, now: number, load: () => Promise<V>, ctx?: ExecutionContext): V | Promise<V> {
    const entry = this.entries.get(key);
    if (!entry) return this.load(key, load);
    if (now - entry.loadedAt >= ROUTE_CACHE_TTL_MS && !entry.refreshing) {
      entry.refreshing = true;
      const refresh = this.load(key, load).catch(() => {
        entry.refreshing = false; // keep serving the old value; the next request tries again
      });
      ctx?.waitUntil(refresh);
    }
    return entry.value;
  }

  clear(): void {
    this.entries.clear();
    this.loading.clear();
  }

  private load(key: string, load: () => Promise<V>): Promise<V> {
    let pending = this.loading.get(key);
    if (!pending) {
      pending = load()
        .then((value) => {
          this.entries.set(key, { value, loadedAt: Date.now(), refreshing: false });
          return value;
        })
        .finally(() => this.loading.delete(key));
      this.loading.set(key, pending);
    }
    return pending;
  }
}

const indexCache = new IsolateCache<RouteIndex>();
const routeCache = new IsolateCache<CompiledRoute | BrokenRoute | null>();
let keyCache: { source: string; keys: Promise<SecretKey[]> } | undefined;

/** Counts KV reads made by this isolate; tests use it to prove caching. */
export const kvReads = { count: 0 };

/** Forget everything this isolate cached (after an admin write, and in tests). */
export function clearRouteCache(): void {
  indexCache.clear();
  routeCache.clear();
}

/** The decryption keys: current first, then the one being rotated out. Invalid keys are left out. */
export function secretKeys(env: Env): Promise<SecretKey[]> {
  const source = `${env.SECRETS_KEY ?? ""}|${env.SECRETS_KEY_PREVIOUS ?? ""}`;
  if (keyCache?.source !== source) {
    const imports = [env.SECRETS_KEY, env.SECRETS_KEY_PREVIOUS]
      .filter((b64): b64 is string => !!b64)
      .map((b64) => importSecretKey(b64).catch(() => null));
    keyCache = { source, keys: Promise.all(imports).then((keys) => keys.filter((k): k is SecretKey => k !== null)) };
  }
  return keyCache.keys;
}

/** KV could not be read: the request is refused with 503 and retried by the provider. Anything else thrown is a bug. */
export class StoreUnavailable extends Error {}

async function kvGet<T>(env: Env, key: string): Promise<T | null> {
  kvReads.count++;
  try {
    return await env.ROUTES.get<T>(key, "json");
  } catch (e) {
    throw new StoreUnavailable(String((e as Error)?.message ?? e).slice(0, 200));
  }
}

async function readIndex(env: Env): Promise<RouteIndex> {
  const raw = await kvGet<{ routes?: IndexEntry[] }>(env, INDEX_KEY);
  return new RouteIndex(Array.isArray(raw?.routes) ? raw.routes : []);
}

async function readRoute(env: Env, id: string): Promise<CompiledRoute | BrokenRoute | null> {
  const raw = await kvGet<unknown>(env, routeKey(id));
  if (raw === null) return null;
  return compileRoute(id, raw, await secretKeys(env));
}

export const getIndex = (env: Env, now: number, ctx?: ExecutionContext) => indexCache.get("", now, () => readIndex(env), ctx);

export const getRoute = (env: Env, id: string, now: number, ctx?: ExecutionContext) =>
  routeCache.get(id, now, () => readRoute(env, id), ctx);

/** The route serving `hostname` + `pathname`, or null when none matches. */
export async function findRoute(env: Env, hostname: string, pathname: string, now: number, ctx?: ExecutionContext) {
  const entry = (await getIndex(env, now, ctx)).find(hostname, pathname);
  if (!entry) return null;
  return (await getRoute(env, entry.id, now, ctx)) ?? { kind: "broken" as const, id: entry.id, problem: "indexed route has no config" };
}

// ---- admin writes -------------------------------------------------------------------

async function sealRoute(route: InputRoute, key: SecretKey): Promise<StoredRoute> {
  const seal = async (s: InputSecret) => {
    const { value, notAfter } = typeof s === "string" ? { value: s, notAfter: undefined } : s;
    const enc = await sealSecret(value, route.id, key);
    return notAfter ? { enc, notAfter } : { enc };
  };
  const sealAll = (secrets: readonly InputSecret[]) => Promise.all(secrets.map(seal));
  const methods = await Promise.all(
    route.auth.methods.map(async (m) => ({
      ...m,
      secrets: await sealAll(m.secrets),
      ...(m.type === "provider" && Object.fromEntries(await Promise.all(present(m, secretOptions(m.provider)).map(async (k) => [k, await seal(m[k] as InputSecret)])))),
    })),
  );
  const originSigning = route.originSigning && { secrets: await sealAll(route.originSigning.secrets) };
  const alerts = route.alerts && {
    ...route.alerts,
    targets: await Promise.all(route.alerts.targets.map(async (t) => ({ ...t, url: await seal(t.url) }))),
  };
  return { ...route, auth: { ...route.auth, methods }, ...(originSigning && { originSigning }), ...(alerts && { alerts }) } as StoredRoute;
}

/** A config that parses but cannot be used (a key that does not import, a pinned certificate that does not parse). */
export class UnusableRoute extends Error {}

export async function putRoute(env: Env, route: InputRoute): Promise<StoredRoute> {
  // Always the current key: SECRETS_KEY_PREVIOUS only ever decrypts.
  const key = await importSecretKey(env.SECRETS_KEY);
  const stored = await sealRoute(route, key);
  // Built once here as a request would build it, so that a route that would fail closed is refused instead of stored.
  const compiled = await compileRoute(route.id, stored, [key]);
  if (compiled.kind === "broken") throw new UnusableRoute(compiled.problem);
  await registryFor(env).put({ id: route.id, host: route.host, path: route.path, match: route.match }, JSON.stringify(stored));
  clearRouteCache();
  return stored;
}

/** Sets or clears (null) the route's state fields; null when the route does not exist. */
export async function setRouteState(env: Env, id: string, patch: { [K in keyof RouteState]?: number | null }): Promise<RouteState | null> {
  const state = await registryFor(env).setState(id, patch);
  clearRouteCache();
  return state;
}

/** Arms secret capture on the route's capturing method until `until` (pipeline/capture.ts); `replace` clears its secret first. */
export async function armCapture(env: Env, id: string, target: CaptureTarget, until: number, replace: boolean): Promise<ArmResult> {
  const result = await registryFor(env).armCapture(id, target, until, replace);
  clearRouteCache();
  return result;
}

/**
 * A captured secret, sealed here exactly as a configured one (current key, route id as
 * additional data), handed to the registry, which stores it only while armed and only into a
 * method without one.
 */
export async function storeCapturedSecret(env: Env, id: string, target: CaptureTarget, secret: string, now: number): Promise<CaptureResult> {
  const enc = await sealSecret(secret, id, await importSecretKey(env.SECRETS_KEY));
  const result = await registryFor(env).capture(id, target, enc, now);
  if (result === "stored") clearRouteCache();
  return result;
}

export async function readStoredRoute(env: Env, id: string): Promise<StoredRoute | null> {
  return env.ROUTES.get<StoredRoute>(routeKey(id), "json");
}

export async function listStoredRoutes(env: Env): Promise<StoredRoute[]> {
  const entries = await registryFor(env).entries();
  const routes = await Promise.all(entries.map((e) => readStoredRoute(env, e.id)));
  return routes.filter((r): r is StoredRoute => r !== null);
}

export async function deleteRoute(env: Env, id: string): Promise<boolean> {
  const known = await registryFor(env).delete(id);
  clearRouteCache();
  return known;
}
