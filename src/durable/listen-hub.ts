/**
 * One instance per route (`listen:<routeId>`): what `hookgate listen` sessions see. The
 * pipeline publishes each request's decision here while someone listens (the route's
 * `state.listeningUntil`, which this object keeps fresh while a socket is open), with the
 * exact request for verified events; a route in `listen` delivery mode keeps its events
 * here until a listener takes them.
 *
 * Sockets use the WebSocket Hibernation API: an idle session costs no duration, and the
 * object can be evicted while sockets stay open.
 *
 * Protocol (JSON text frames):
 *   server → `{"type":"hello","route","head","kept"}` once, then `{"type":"event",seq,…}` in seq order;
 *   client → `{"type":"ack","seq","local"?}` once it has handled an event (a kept event is then
 *   taken); `local` is what the local server answered (`{status, ms}` or `{error}`), kept as the
 *   event's forward history for the dashboard.
 * A client that connects with `?after=N` first gets every stored event after N (and every
 * kept one), at most MAX_BACKLOG: a reconnect loses nothing that arrived meanwhile.
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { bytesToBase64 } from "../lib/encoding";
import { chunkTable, deleteChunks, readChunks, writeChunks } from "./chunks";
import { registryFor } from "./route-registry";
import { objectId } from "../lib/object-ids";

/** How long a route counts as listened to after a session was last seen. */
export const PRESENCE_MS = 15 * 60_000;
/** A session still open this close to the end of the window renews it. */
const RENEW_BEFORE_MS = 5 * 60_000;
/** Events kept for catch-up and replay, besides those waiting to be taken. */
const RECENT = 1000;
const RECENT_MS = 24 * 3600_000;
/** Events of a `listen`-mode route waiting for a listener; beyond this the gateway answers 503. */
export const MAX_KEPT = 10_000;
export const MAX_BACKLOG = 1000;
/** Bodies up to this size travel in the frame; larger ones are fetched over HTTP by seq. */
const INLINE_BODY_BYTES = 512 * 1024;
const PRUNE_BATCH = 100;

/** The decision, as the log line has it. */
export interface HeardLine {
  readonly decision: string;
  readonly status: number;
  readonly reason?: string;
  readonly eventId?: string;
  readonly messageId?: string;
  readonly verifiedBy?: string;
  readonly method: string;
  readonly path: string;
  readonly latencyMs?: number;
}

/** The request exactly as the origin got it (or would have): what a listener forwards. */
export interface HeardRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Uint8Array;
}

export interface HeardEvent extends HeardLine {
  readonly seq: number;
  readonly at: number;
  readonly kept: boolean;
  readonly request?: { method: string; url: string; headers: [string, string][]; bodyBytes: number; body?: string };
  /** Forwarded by a `hookgate listen --forward` session: what the local server answered. */
  readonly local?: LocalResult;
}

type Row = { seq: number; at: number; line: string; message_id: string | null; request: string | null; body_bytes: number | null; kept: number; local: string | null };

/** What a listener reported for an event it forwarded. */
export type LocalResult = { readonly at: number; readonly status: number; readonly ms: number } | { readonly at: number; readonly error: string };

function localResult(value: unknown, at: number): LocalResult | null {
  const v = (value ?? {}) as { status?: unknown; ms?: unknown; error?: unknown };
  if (Number.isInteger(v.status) && (v.status as number) >= 100 && (v.status as number) <= 599 && Number.isFinite(v.ms)) return { at, status: v.status as number, ms: Math.max(0, Math.round(v.ms as number)) };
  if (typeof v.error === "string") return { at, error: v.error.slice(0, 200) };
  return null;
}

/** A seq as a client writes it: decimal digits, a safe integer. */
export const isSeq = (text: string) => /^\d{1,15}$/.test(text);

export const hubFor = (env: Env, routeId: string) => env.LISTEN.get(objectId(env.LISTEN, `listen:${routeId}`));

export class ListenHub extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS heard (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, line TEXT NOT NULL, message_id TEXT,
        request TEXT, body_bytes INTEGER, kept INTEGER NOT NULL DEFAULT 0, local TEXT
      );
      CREATE INDEX IF NOT EXISTS heard_kept ON heard (kept, seq);
      CREATE INDEX IF NOT EXISTS heard_message ON heard (message_id) WHERE message_id IS NOT NULL;
      ${chunkTable("bodies")}
    `);
  }

  // ---- from the pipeline ----------------------------------------------------------------

  /** A decision (with its request when verified), sent to every open session. */
  async publish(line: HeardLine, request?: HeardRequest): Promise<void> {
    this.store(line, request, false);
  }

  /** A `listen`-mode event: durable when this returns its seq, kept until a listener acks it; null when the hub is full. */
  async keep(line: HeardLine, request: HeardRequest): Promise<number | null> {
    const kept = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM heard WHERE kept = 1").one().n;
    return kept >= MAX_KEPT ? null : this.store(line, request, true);
  }

  private store(line: HeardLine, request: HeardRequest | undefined, kept: boolean): number {
    const at = Date.now();
    const meta = request && JSON.stringify({ method: request.method, url: request.url, headers: request.headers });
    const seq = this.sql
      .exec<{ seq: number }>(
        "INSERT INTO heard (at, line, message_id, request, body_bytes, kept) VALUES (?, ?, ?, ?, ?, ?) RETURNING seq",
        at,
        JSON.stringify(line),
        line.messageId ?? null,
        meta ?? null,
        request?.body.byteLength ?? null,
        kept ? 1 : 0,
      )
      .one().seq;
    if (request) writeChunks(this.sql, "bodies", String(seq), request.body);
    this.prune(seq, at);
    const sockets = this.ctx.getWebSockets();
    if (sockets.length > 0) {
      const frame = JSON.stringify(this.frame(this.row(seq)!));
      for (const ws of sockets) send(ws, frame);
    }
    return seq;
  }

  /** Forgets taken and untaken-copy events beyond the recent window, a bounded number per write. */
  private prune(head: number, now: number): void {
    const gone = this.sql
      .exec<{ seq: number }>(
        "DELETE FROM heard WHERE seq IN (SELECT seq FROM heard WHERE kept = 0 AND (seq <= ? OR at < ?) ORDER BY seq LIMIT ?) RETURNING seq",
        head - RECENT,
        now - RECENT_MS,
        PRUNE_BATCH,
      )
      .toArray();
    for (const { seq } of gone) deleteChunks(this.sql, "bodies", String(seq));
  }

  // ---- sessions ---------------------------------------------------------------------------

  /** The upgrade, forwarded by the admin API once it has checked the token and the route. */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") return new Response("expected a WebSocket upgrade", { status: 426 });
    const url = new URL(request.url);
    const routeId = url.searchParams.get("route") ?? "";
    await this.ctx.storage.put("routeId", routeId);
    const afterParam = url.searchParams.get("after");
    const head = this.head();
    const after = afterParam !== null && isSeq(afterParam) ? Number(afterParam) : head;

    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    this.ctx.acceptWebSocket(server);
    const backlog = this.sql
      .exec<Row>("SELECT * FROM heard WHERE seq > ? OR kept = 1 ORDER BY seq LIMIT ?", after, MAX_BACKLOG)
      .toArray();
    const kept = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM heard WHERE kept = 1").one().n;
    send(server, JSON.stringify({ type: "hello", route: routeId, head, kept, backlog: backlog.length }));
    for (const row of backlog) send(server, JSON.stringify(this.frame(row)));
    await this.renewAt(Date.now(), true);
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(typeof message === "string" ? message : new TextDecoder().decode(message));
    } catch {
      return send(ws, JSON.stringify({ type: "error", message: "frames are JSON" }));
    }
    const { type, seq, local } = (parsed ?? {}) as { type?: unknown; seq?: unknown; local?: unknown };
    if (type === "ack" && Number.isSafeInteger(seq)) {
      const result = localResult(local, Date.now());
      this.sql.exec("UPDATE heard SET kept = 0, local = COALESCE(?, local) WHERE seq = ?", result && JSON.stringify(result), seq as number);
    } else if (type !== "ping") {
      send(ws, JSON.stringify({ type: "error", message: 'expected {"type":"ack","seq":N}' }));
    }
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, "bye");
    } catch {
      // already closed
    }
  }

  /** While a session is open, keeps the route marked as listened to (renewed before it lapses). */
  override async alarm(): Promise<void> {
    if (this.ctx.getWebSockets().length > 0) await this.renewAt(Date.now());
  }

  /** On connect always (the route may have been re-created meanwhile), otherwise shortly before the mark lapses. */
  private async renewAt(now: number, force = false): Promise<void> {
    const until = (await this.ctx.storage.get<number>("presenceUntil")) ?? 0;
    const routeId = await this.ctx.storage.get<string>("routeId");
    if (routeId && (force || until - now < RENEW_BEFORE_MS)) {
      const next = now + PRESENCE_MS;
      await registryFor(this.env).setState(routeId, { listeningUntil: next });
      await this.ctx.storage.put("presenceUntil", next);
    }
    const renewal = ((await this.ctx.storage.get<number>("presenceUntil")) ?? now) - RENEW_BEFORE_MS + 1000;
    await this.ctx.storage.setAlarm(Math.max(now + 1000, renewal));
  }

  // ---- reads (admin API: replay, large bodies, catch-up over HTTP) -----------------------------

  /** One event with its body, by seq or by message id. */
  async find(ref: string): Promise<HeardEvent | null> {
    const row = isSeq(ref)
      ? this.row(Number(ref))
      : this.sql.exec<Row>("SELECT * FROM heard WHERE message_id = ? ORDER BY seq DESC LIMIT 1", ref).toArray()[0];
    return row ? this.frame(row, Infinity) : null;
  }

  /** Stored events after `after` (without bodies), or only those of one message id. */
  async list(after: number, limit: number, messageId?: string): Promise<HeardEvent[]> {
    const bounded = Math.min(Math.max(1, limit), MAX_BACKLOG);
    const rows = messageId
      ? this.sql.exec<Row>("SELECT * FROM heard WHERE message_id = ? AND seq > ? ORDER BY seq LIMIT ?", messageId, after, bounded)
      : this.sql.exec<Row>("SELECT * FROM heard WHERE seq > ? ORDER BY seq LIMIT ?", after, bounded);
    return rows.toArray().map((r) => this.frame(r, 0));
  }

  private head(): number {
    return this.sql.exec<{ s: number | null }>("SELECT MAX(seq) AS s FROM heard").one().s ?? 0;
  }

  private row(seq: number): Row | undefined {
    return this.sql.exec<Row>("SELECT * FROM heard WHERE seq = ?", seq).toArray()[0];
  }

  private frame(row: Row, inlineUpTo = INLINE_BODY_BYTES): HeardEvent & { type: "event" } {
    const line = JSON.parse(row.line) as HeardLine;
    const base = { type: "event" as const, seq: row.seq, at: row.at, kept: row.kept === 1, ...line, ...(row.local && { local: JSON.parse(row.local) as LocalResult }) };
    if (!row.request) return base;
    const meta = JSON.parse(row.request) as { method: string; url: string; headers: [string, string][] };
    const bodyBytes = row.body_bytes ?? 0;
    const body = bodyBytes <= inlineUpTo ? readChunks(this.sql, "bodies", String(row.seq)) : null;
    return { ...base, request: { ...meta, bodyBytes, ...(body && { body: bytesToBase64(body) }) } };
  }
}

/** A socket that closed meanwhile is the session's loss, not the sender's. */
function send(ws: WebSocket, frame: string): void {
  try {
    ws.send(frame);
  } catch {
    // closed or closing
  }
}
