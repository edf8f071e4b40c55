/**
 * One instance for the whole gateway (`registry`): the single writer of route configs.
 * KV has no compare-and-set, so two admin writes that each read the index, add their
 * route and write it back lose one of the two. Every admin write therefore goes through
 * this object: it keeps the authoritative index in its own SQLite storage and writes KV
 * (the route, then the index KV serves from) one change at a time, in order.
 *
 * It also keeps each route's state (paused, a listener attached, secret capture:
 * config/schema.ts RouteState) and writes it into the route's KV record, so that a PUT keeps it
 * and requests read it from the route they already cache. A captured secret (Asana, Notion:
 * pipeline/capture.ts) is written here too, one change among the others, so two handshakes
 * racing for one route cannot both store theirs; and a later PUT that gives that method no
 * secrets keeps it (the operator never saw it).
 *
 * Requests never call it: they read KV through the per-isolate cache (config/store.ts).
 * The first write after an upgrade seeds the table from the KV index, so routes written
 * before this object existed are kept.
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { INDEX_KEY, routeKey } from "../config/keys";
import type { IndexEntry } from "../config/route-index";
import type { RouteState } from "../config/schema";
import { objectId } from "../lib/object-ids";

export const registryFor = (env: Env) => env.ROUTE_REGISTRY.get(objectId(env.ROUTE_REGISTRY, "registry"));

type Row = { id: string; host: string; path: string; match: "exact" | "prefix" };
type StoredMethod = { type: string; provider?: string; secrets: { enc: string; notAfter?: string }[] };
type Stored = { auth: { methods: StoredMethod[] }; [k: string]: unknown };

/** Which method capture fills: its index in `auth.methods` and its provider, as the caller read them (checked again here). */
export interface CaptureTarget {
  readonly index: number;
  readonly provider: string;
}
export type ArmResult = { readonly armedUntil: number } | { readonly refused: "not_found" | "secret_already_set" };
export type CaptureResult = "stored" | "not_found" | "capture_not_armed" | "capture_expired" | "secret_already_set";

export class RouteRegistry extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  /** Each change waits for the one before it: KV writes of two changes never interleave. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS routes (id TEXT PRIMARY KEY, host TEXT NOT NULL, path TEXT NOT NULL, match TEXT NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS state (id TEXT PRIMARY KEY, v TEXT NOT NULL) WITHOUT ROWID;
    `);
  }

  /** Stores the (already sealed and checked) route and adds it to the index. */
  put(entry: IndexEntry, stored: string): Promise<void> {
    return this.serially(async () => {
      const kept = await this.keepCaptured(entry.id, stored);
      await this.env.ROUTES.put(routeKey(entry.id), this.withState(entry.id, kept));
      this.sql.exec(
        "INSERT INTO routes (id, host, path, match) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET host = excluded.host, path = excluded.path, match = excluded.match",
        entry.id,
        entry.host,
        entry.path,
        entry.match,
      );
      await this.writeIndex();
    });
  }

  /** Removes the route from the index first (no request finds it), then its config. False when unknown. */
  delete(id: string): Promise<boolean> {
    return this.serially(async () => {
      const indexed = this.sql.exec("DELETE FROM routes WHERE id = ? RETURNING id", id).toArray().length > 0;
      this.sql.exec("DELETE FROM state WHERE id = ?", id);
      const existing = await this.env.ROUTES.get(routeKey(id));
      if (!indexed && existing === null) return false;
      await this.writeIndex();
      await this.env.ROUTES.delete(routeKey(id));
      return true;
    });
  }

  /**
   * Merges `patch` into the route's state (a field set to null is cleared) and rewrites its
   * KV record with it. Null when the route does not exist.
   */
  setState(id: string, patch: { [K in keyof RouteState]?: number | null }): Promise<RouteState | null> {
    return this.serially(async () => {
      const stored = await this.env.ROUTES.get(routeKey(id));
      if (stored === null) return null;
      const next: Record<string, number> = { ...this.state(id) };
      for (const [k, v] of Object.entries(patch)) {
        if (v === null) delete next[k];
        else if (v !== undefined) next[k] = v;
      }
      this.writeState(id, next);
      await this.env.ROUTES.put(routeKey(id), this.withState(id, stored));
      return next as RouteState;
    });
  }

  /**
   * Arms secret capture until `until` (epoch ms). Refused while the method holds a secret,
   * unless `replace`: then its secrets are cleared first (the route refuses deliveries until
   * the new one is captured).
   */
  armCapture(id: string, target: CaptureTarget, until: number, replace: boolean): Promise<ArmResult> {
    return this.serially(async () => {
      const stored = await this.env.ROUTES.get(routeKey(id));
      if (stored === null) return { refused: "not_found" as const };
      const config = JSON.parse(stored) as Stored;
      const method = config.auth.methods[target.index];
      if (method?.type !== "provider" || method.provider !== target.provider) return { refused: "not_found" as const };
      if (method.secrets.length > 0 && !replace) return { refused: "secret_already_set" as const };
      method.secrets = [];
      this.writeState(id, { ...this.state(id), captureUntil: until, capturedAt: undefined });
      await this.env.ROUTES.put(routeKey(id), this.withState(id, JSON.stringify(config)));
      return { armedUntil: until };
    });
  }

  /**
   * Stores a captured secret (`enc`, already sealed for this route) into the target method:
   * only while armed and only when the method holds none; then disarms. Serialized with every
   * other change, so of two racing handshakes the first is stored and the second refused.
   */
  capture(id: string, target: CaptureTarget, enc: string, now: number): Promise<CaptureResult> {
    return this.serially(async () => {
      const state = this.state(id);
      // Checked before any KV read: a refused handshake costs one SQLite lookup.
      if (state?.captureUntil === undefined) return state?.capturedAt !== undefined ? "secret_already_set" : "capture_not_armed";
      if (now > state.captureUntil) return "capture_expired";
      const stored = await this.env.ROUTES.get(routeKey(id));
      if (stored === null) return "not_found";
      const config = JSON.parse(stored) as Stored;
      const method = config.auth.methods[target.index];
      if (method?.type !== "provider" || method.provider !== target.provider) return "capture_not_armed";
      if (method.secrets.length > 0) return "secret_already_set";
      method.secrets = [{ enc }];
      this.writeState(id, { ...state, captureUntil: undefined, capturedAt: now });
      await this.env.ROUTES.put(routeKey(id), this.withState(id, JSON.stringify(config)));
      return "stored";
    });
  }

  /**
   * A PUT whose capture method (same provider) has no secrets keeps the one captured before; a
   * PUT that gives secrets, or drops that provider, ends the capture (`capturedAt` cleared).
   */
  private async keepCaptured(id: string, stored: string): Promise<string> {
    const state = this.state(id);
    if (state?.capturedAt === undefined) return stored;
    const previous = await this.env.ROUTES.get(routeKey(id));
    const before = previous === null ? [] : (JSON.parse(previous) as Stored).auth.methods;
    const config = JSON.parse(stored) as Stored;
    // Only a capturing preset may be saved with no secrets (config/parse.ts; keyless ones had none before either).
    const next = config.auth.methods.find((m) => m.type === "provider" && m.secrets.length === 0 && before.some((b) => b.type === "provider" && b.provider === m.provider && b.secrets.length > 0));
    if (next) {
      next.secrets = before.find((b) => b.type === "provider" && b.provider === next.provider && b.secrets.length > 0)!.secrets;
      return JSON.stringify(config);
    }
    this.writeState(id, { ...state, capturedAt: undefined });
    return stored;
  }

  /** Replaces the route's state (fields left undefined are dropped; none left: no row). */
  private writeState(id: string, state: Partial<Record<keyof RouteState, number | undefined>>): void {
    const next = Object.fromEntries(Object.entries(state).filter(([, v]) => v !== undefined));
    if (Object.keys(next).length === 0) this.sql.exec("DELETE FROM state WHERE id = ?", id);
    else this.sql.exec("INSERT OR REPLACE INTO state (id, v) VALUES (?, ?)", id, JSON.stringify(next));
  }

  private state(id: string): RouteState | undefined {
    const row = this.sql.exec<{ v: string }>("SELECT v FROM state WHERE id = ?", id).toArray()[0];
    return row ? (JSON.parse(row.v) as RouteState) : undefined;
  }

  /** The stored config with the state this object holds for it (none: no `state` field). */
  private withState(id: string, stored: string): string {
    const { state: _old, ...config } = JSON.parse(stored) as { state?: unknown };
    const state = this.state(id);
    return JSON.stringify(state ? { ...config, state } : config);
  }

  /** The authoritative index, in the order KV holds it. */
  entries(): Promise<IndexEntry[]> {
    return this.serially(async () => this.rows());
  }

  private rows(): IndexEntry[] {
    return this.sql.exec<Row>("SELECT id, host, path, match FROM routes ORDER BY id").toArray().map((r) => ({ ...r }));
  }

  private writeIndex(): Promise<void> {
    return this.env.ROUTES.put(INDEX_KEY, JSON.stringify({ routes: this.rows() }));
  }

  private serially<T>(change: () => Promise<T>): Promise<T> {
    const run = this.tail.then(async () => {
      await this.seed();
      return change();
    });
    // A failed change (KV down) fails its caller; the next change still runs.
    this.tail = run.catch(() => {});
    return run;
  }

  /** Once: take over the index KV already holds (routes written before this object existed). */
  private async seed(): Promise<void> {
    if (this.sql.exec("SELECT v FROM meta WHERE k = 'seeded'").toArray().length > 0) return;
    const raw = await this.env.ROUTES.get<{ routes?: Row[] }>(INDEX_KEY, "json");
    for (const e of Array.isArray(raw?.routes) ? raw.routes : []) {
      if (typeof e?.id !== "string" || typeof e.host !== "string" || typeof e.path !== "string") continue;
      this.sql.exec("INSERT OR IGNORE INTO routes (id, host, path, match) VALUES (?, ?, ?, ?)", e.id, e.host, e.path, e.match === "prefix" ? "prefix" : "exact");
    }
    this.sql.exec("INSERT OR REPLACE INTO meta (k, v) VALUES ('seeded', '1')");
  }
}
