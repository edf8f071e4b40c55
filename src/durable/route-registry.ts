/**
 * One instance for the whole gateway (`registry`): the single writer of route configs.
 * KV has no compare-and-set, so two admin writes that each read the index, add their
 * route and write it back lose one of the two. Every admin write therefore goes through
 * this object: it keeps the authoritative index in its own SQLite storage and writes KV
 * (the route, then the index KV serves from) one change at a time, in order.
 *
 * Requests never call it: they read KV through the per-isolate cache (config/store.ts).
 * The first write after an upgrade seeds the table from the KV index, so routes written
 * before this object existed are kept.
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { INDEX_KEY, routeKey } from "../config/keys";
import type { IndexEntry } from "../config/route-index";

export const registryFor = (env: Env) => env.ROUTE_REGISTRY.get(env.ROUTE_REGISTRY.idFromName("registry"));

type Row = { id: string; host: string; path: string; match: "exact" | "prefix" };

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
    `);
  }

  /** Stores the (already sealed and checked) route and adds it to the index. */
  put(entry: IndexEntry, stored: string): Promise<void> {
    return this.serially(async () => {
      await this.env.ROUTES.put(routeKey(entry.id), stored);
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
      const existing = await this.env.ROUTES.get(routeKey(id));
      if (!indexed && existing === null) return false;
      await this.writeIndex();
      await this.env.ROUTES.delete(routeKey(id));
      return true;
    });
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
