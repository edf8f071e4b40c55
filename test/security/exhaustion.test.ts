/**
 * Resource exhaustion (security review): what a stranger can make the gateway read, hold in
 * memory or write to storage.
 * - bodies: a stream without Content-Length stops at the route's cap (one chunk past it at
 *   most) and is cancelled; a declared length over the cap is refused before a byte is read;
 * - headers: hundreds of headers or one huge value are a clean 4xx (or handled), never a 5xx,
 *   and what the event log keeps of them is capped;
 * - floods of random paths and hosts are answered 404 from the cached route index (no KV
 *   read per request) and leave nothing in the isolate-local maps, which stay bounded at
 *   MAX_TRACKED_KEYS under a flood of client addresses;
 * - refused requests to a dedup + queue route write no dedup key and no queued event, and at
 *   most MAX_REFUSED_ENTRIES event-log rows (headers capped, never a body); unsigned
 *   handshakes, which anyone can send, are kept in that same bounded share.
 */
import { sign as octokitSign } from "@octokit/webhooks-methods";
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { getRoute, kvReads } from "../../src/config/store";
import type { CompiledRoute } from "../../src/config/compile";
import { MAX_HEADER_BYTES, MAX_REFUSED_ENTRIES, MAX_REFUSED_HEADER_BYTES } from "../../src/durable/event-log";
import { BoundedMap } from "../../src/lib/bounded-map";
import { MAX_TRACKED_KEYS, recordAuthFailure, shedByClient, trackedKeyCounts } from "../../src/pipeline/rate-limit";
import { ADMIN, BASE, call, mustPutRoute, useOrigin } from "../unit/helpers";

const ORIGIN = "http://origin.test";
const CAP = 1024;
const CHUNK = 16 * 1024;

const github = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  host: "*",
  path: `/${id}`,
  origin: ORIGIN,
  auth: { methods: [{ type: "provider", provider: "github", secrets: ["s"] }] },
  limits: { maxBodyBytes: CAP },
  ...extra,
});
const headerToken = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  host: "*",
  path: `/${id}`,
  origin: ORIGIN,
  auth: { methods: [{ type: "token", in: "header", name: "X-Webhook-Key", secrets: ["ex-token-value"] }] },
  limits: { maxBodyBytes: CAP },
  ...extra,
});

/** A body that never ends on its own (up to `total` bytes), counting what the gateway pulls from it. */
function endless(chunk = CHUNK, total = 64 * 1024 * 1024) {
  const probe = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        probe.pulled += chunk;
        controller.enqueue(new Uint8Array(chunk).fill(0x61));
        if (probe.pulled >= total) controller.close();
      },
      cancel() {
        probe.cancelled = true;
      },
    },
    { highWaterMark: 0 }, // nothing is pulled until the gateway reads
  );
  return { stream, probe };
}
const streamed = (stream: ReadableStream, headers: Record<string, string> = {}) =>
  ({ method: "POST", headers: { "x-hub-signature-256": `sha256=${"0".repeat(64)}`, ...headers }, body: stream, duplex: "half" }) as RequestInit;

describe("bodies past the route's cap", () => {
  const origin = useOrigin();

  it("a stream without Content-Length is refused 413 after at most one chunk past the cap, and cancelled; nothing is verified or forwarded", async () => {
    await mustPutRoute(github("ex-gh"));
    const verify = vi.spyOn(crypto.subtle, "verify");
    const { stream, probe } = endless();
    const res = await call(`${BASE}/ex-gh`, streamed(stream));
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: "payload_too_large" });
    expect(probe.pulled).toBeLessThanOrEqual(CAP + CHUNK);
    expect(probe.cancelled).toBe(true);
    expect(verify).not.toHaveBeenCalled();
    expect(origin.received).toHaveLength(0);
  });

  it("small chunks are counted too: the read stops within one 100-byte chunk of the cap", async () => {
    await mustPutRoute(github("ex-gh"));
    const { stream, probe } = endless(100);
    expect((await call(`${BASE}/ex-gh`, streamed(stream))).status).toBe(413);
    expect(probe.pulled).toBeLessThanOrEqual(CAP + 100);
    expect(probe.cancelled).toBe(true);
  });

  it("a header-token route reads the stream only once the token passed: no token, not a byte; the right token, 413 at the cap", async () => {
    await mustPutRoute(headerToken("ex-tk"));
    const stranger = endless();
    expect((await call(`${BASE}/ex-tk`, streamed(stranger.stream))).status).toBe(401);
    expect(stranger.probe.pulled).toBe(0);
    const holder = endless();
    expect((await call(`${BASE}/ex-tk`, streamed(holder.stream, { "x-webhook-key": "ex-token-value" }))).status).toBe(413);
    expect(holder.probe.pulled).toBeLessThanOrEqual(CAP + CHUNK);
    expect(origin.received).toHaveLength(0);
  });

  it("a declared Content-Length over the cap is refused 413 before a byte is read", async () => {
    await mustPutRoute(github("ex-gh"));
    const verify = vi.spyOn(crypto.subtle, "verify");
    for (const declared of [String(CAP + 1), "104857600", "9999999999999999"]) {
      const { stream, probe } = endless();
      const res = await call(`${BASE}/ex-gh`, streamed(stream, { "content-length": declared }));
      expect([declared, res.status, probe.pulled]).toEqual([declared, 413, 0]);
    }
    expect(verify).not.toHaveBeenCalled();
  });

  it("a declared length within the cap that the body overruns is still 413: the cap is counted on the bytes", async () => {
    // In production the runtime frames a body by its Content-Length, so it cannot overrun it;
    // a Request built in a test is not framed, so this only shows the count on the real bytes.
    await mustPutRoute(github("ex-gh"));
    const { stream } = endless(CHUNK, 4 * CHUNK);
    expect((await call(`${BASE}/ex-gh`, streamed(stream, { "content-length": "100" }))).status).toBe(413);
    expect(origin.received).toHaveLength(0);
  });

  it("exactly the cap is accepted, one byte more is refused, declared or streamed", async () => {
    await mustPutRoute(github("ex-gh"));
    const atCap = "a".repeat(CAP);
    const sig = await octokitSign("s", atCap);
    expect((await call(`${BASE}/ex-gh`, { method: "POST", headers: { "x-hub-signature-256": sig }, body: atCap })).status).toBe(200);
    const over = `${atCap}a`;
    const overSig = await octokitSign("s", over);
    expect((await call(`${BASE}/ex-gh`, { method: "POST", headers: { "x-hub-signature-256": overSig }, body: over })).status).toBe(413);
    const chunked = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode(over.slice(0, 600)));
        c.enqueue(new TextEncoder().encode(over.slice(600)));
        c.close();
      },
    });
    expect((await call(`${BASE}/ex-gh`, streamed(chunked, { "x-hub-signature-256": overSig }))).status).toBe(413);
    expect(origin.received).toHaveLength(1);
  });
});

describe("huge header sets", () => {
  const origin = useOrigin();
  const many = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`x-junk-${i}`, "j".repeat(200)])); // ~100 KB
  type Entry = { seq: number; decision: string };
  const entries = async (route: string) =>
    ((await (await call(`${BASE}/__gateway/routes/${route}/log?limit=1000`, { headers: ADMIN })).json()) as { entries: Entry[] }).entries;
  const storedHeaders = async (route: string, seq: number) =>
    JSON.stringify(((await (await call(`${BASE}/__gateway/routes/${route}/log/${seq}`, { headers: ADMIN })).json()) as { headers: unknown }).headers);

  it("500 headers (100 KB) on every path: clean 4xx refusals, 200 with credentials, never a 5xx", async () => {
    await mustPutRoute(headerToken("ex-tk"));
    await mustPutRoute(github("ex-gh", { limits: { maxBodyBytes: CAP, contentTypes: ["application/json"] } }));
    const cases: [string, string, RequestInit, number][] = [
      ["unknown path", `${BASE}/ex-nothing`, { method: "POST", headers: many, body: "x" }, 404],
      ["no token", `${BASE}/ex-tk`, { method: "POST", headers: many, body: "x" }, 401],
      ["right token", `${BASE}/ex-tk`, { method: "POST", headers: { ...many, "x-webhook-key": "ex-token-value" }, body: "x" }, 200],
      ["wrong method", `${BASE}/ex-tk`, { method: "PATCH", headers: many, body: "x" }, 405],
      ["bad signature", `${BASE}/ex-gh`, { method: "POST", headers: { ...many, "content-type": "application/json", "x-hub-signature-256": "sha256=00" }, body: "{}" }, 401],
      ["wrong content type", `${BASE}/ex-gh`, { method: "POST", headers: { ...many, "content-type": "text/plain" }, body: "{}" }, 415],
      ["admin without token", `${BASE}/__gateway/routes`, { headers: many }, 401],
      ["admin with token", `${BASE}/__gateway/routes`, { headers: { ...many, ...ADMIN } }, 200],
    ];
    for (const [what, url, init, status] of cases) {
      const res = await call(url, init);
      expect([what, res.status]).toEqual([what, status]);
      await res.text();
    }
    expect(origin.received).toHaveLength(1);
    // The event log keeps a capped share of them: 2 KiB for a refusal, 16 KiB for an accepted request.
    for (const e of await entries("ex-tk")) {
      const cap = e.decision === "rejected" ? MAX_REFUSED_HEADER_BYTES : MAX_HEADER_BYTES;
      expect((await storedHeaders("ex-tk", e.seq)).length, e.decision).toBeLessThanOrEqual(cap + 64);
    }
  });

  it("one 100 KB value in a signature, token, Basic or Connection header is a 4xx, never a 5xx", async () => {
    await mustPutRoute(github("ex-gh"));
    await mustPutRoute(headerToken("ex-tk"));
    await mustPutRoute({ id: "ex-st", host: "*", path: "/ex-st", origin: ORIGIN, auth: { methods: [{ type: "provider", provider: "stripe", secrets: ["whsec_ex"] }] } });
    await mustPutRoute({ id: "ex-basic", host: "*", path: "/ex-basic", origin: ORIGIN, auth: { methods: [{ type: "basic", username: "u", secrets: ["ex-password"] }] } });
    const huge = "a".repeat(100_000);
    const cases: [string, string, Record<string, string>][] = [
      ["github signature", "/ex-gh", { "x-hub-signature-256": `sha256=${huge}` }],
      ["stripe signature with 10,000 v1 entries", "/ex-st", { "stripe-signature": `t=${Math.floor(Date.now() / 1000)},${Array.from({ length: 10_000 }, () => "v1=00").join(",")}` }],
      ["token header", "/ex-tk", { "x-webhook-key": huge }],
      ["basic", "/ex-basic", { authorization: `Basic ${btoa(`u:${huge}`)}` }],
      ["connection list", "/ex-gh", { connection: Array.from({ length: 2_000 }, (_, i) => `x-c-${i}`).join(", "), "x-hub-signature-256": "sha256=00" }],
    ];
    for (const [what, path, headers] of cases) {
      const res = await call(`${BASE}${path}`, { method: "POST", headers, body: "{}" });
      expect([what, res.status]).toEqual([what, 401]);
    }
    expect(origin.received).toHaveLength(0);
  });
});

describe("floods of random paths, hosts and clients", () => {
  useOrigin();

  it("2,000 requests to random paths and random hosts: all 404 from the cached index, one KV read in all, no client tracked", async () => {
    const limits = { rateLimit: { perIp: { requests: 1, periodSeconds: 3600 }, authFailures: { max: 1, periodSeconds: 3600, cooldownSeconds: 3600 } } };
    await mustPutRoute(headerToken("ex-named", { host: "hooks.example.com", path: "/ex-hooks", match: "prefix", ...limits }));
    await mustPutRoute(headerToken("ex-any", { host: "*", path: "/ex-any", ...limits }));
    const before = kvReads.count;
    const statuses = new Map<number, number>();
    for (let i = 0; i < 2_000; i++) {
      const host = i % 2 === 0 ? "hooks.example.com" : `${crypto.randomUUID()}.example.net`;
      // random paths, near misses of the prefix (/ex-hooksx), and paths below the exact route
      const path = [`/${crypto.randomUUID()}`, `/ex-hooksx${i}`, `/ex-any/${i}`, `/EX-ANY`][(i >> 1) % 4]!;
      const res = await call(`https://${host}${path}`, { method: "POST", headers: { "cf-connecting-ip": `10.${i >> 8}.${i & 255}.1` }, body: "x" });
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    }
    expect([...statuses]).toEqual([[404, 2_000]]);
    expect(kvReads.count - before).toBeLessThanOrEqual(1); // the index, once
    expect(trackedKeyCounts()).toEqual({ ip: 0, route: 0, authFailures: 0 });
  });

  it("200 clients failing authentication on a rate-limited route are each tracked once", async () => {
    await mustPutRoute(headerToken("ex-rl", { rateLimit: { perIp: { requests: 100, periodSeconds: 60 }, authFailures: { max: 5, periodSeconds: 60, cooldownSeconds: 60 } } }));
    const sends = Array.from({ length: 200 }, (_, i) => call(`${BASE}/ex-rl`, { method: "POST", headers: { "cf-connecting-ip": `192.0.2.${i % 250}`, "x-webhook-key": `guess-${i}` }, body: "x" }));
    expect(new Set((await Promise.all(sends)).map((r) => r.status))).toEqual(new Set([401]));
    expect(trackedKeyCounts()).toEqual({ ip: 200, route: 0, authFailures: 200 });
  });

  it(`a flood from ${MAX_TRACKED_KEYS + 2_000} distinct addresses keeps at most MAX_TRACKED_KEYS (${MAX_TRACKED_KEYS}) per map, forgetting the oldest`, async () => {
    await mustPutRoute(headerToken("ex-rl", { rateLimit: { perIp: { requests: 1, periodSeconds: 3600 }, authFailures: { max: 2, periodSeconds: 3600, cooldownSeconds: 3600 } } }));
    const route = (await getRoute(env, "ex-rl", Date.now())) as CompiledRoute;
    expect(route.kind).toBe("route");
    const now = Date.now();
    const ip = (i: number) => `2001:db8:${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}::1`; // one /64 each
    for (let i = 0; i < MAX_TRACKED_KEYS + 2_000; i++) {
      expect(shedByClient(route, ip(i), now)).toBeNull();
      recordAuthFailure(route, ip(i), now);
    }
    expect(trackedKeyCounts()).toEqual({ ip: MAX_TRACKED_KEYS, route: 0, authFailures: MAX_TRACKED_KEYS });
    // The newest are remembered (their bucket is empty), the oldest were forgotten (a fresh bucket).
    expect(shedByClient(route, ip(MAX_TRACKED_KEYS + 1_999), now)).toMatchObject({ code: "rate_limited", scope: "ip" });
    expect(shedByClient(route, ip(0), now)).toBeNull();
  });

  it("BoundedMap keeps the most recently set keys and never exceeds its bound", () => {
    const m = new BoundedMap<number>(100);
    for (let i = 0; i < 1_000; i++) m.set(`k${i}`, i);
    expect(m.size).toBe(100);
    expect([...m.keys()][0]).toBe("k900");
    m.set("k900", -1); // set again: now the most recent
    m.set("k-new", 0);
    expect(m.size).toBe(100);
    expect(m.has("k900")).toBe(true);
    expect(m.has("k901")).toBe(false);
  });
});

describe("storage written by strangers", () => {
  const origin = useOrigin();
  const N = MAX_REFUSED_ENTRIES + 100;
  const route = {
    id: "ex-store",
    host: "*",
    path: "/ex-store",
    origin: ORIGIN,
    auth: {
      mode: "all",
      methods: [
        { type: "token", in: "header", name: "X-Webhook-Key", secrets: ["ex-store-token"] },
        { type: "hmac", algorithm: "sha256", header: "X-Sig", payload: "{body}", eventIdHeader: "X-Event-Id", secrets: ["ex-store-key"] },
      ],
    },
    limits: { maxBodyBytes: 2048 },
    dedup: { shards: 2 },
    delivery: { mode: "queue" },
    // The worst case for storage: every refusal written and answered at once (the flood guard
    // would hold them and keep only a sample; test/unit/pipeline/flood-guard.test.ts).
    rateLimit: { floodGuard: false },
    observability: { storeBodies: true },
  };
  const junk = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`x-junk-${i}`, "j".repeat(250)])); // 3 KB each
  /** One of several kinds of refusal, each from its own address. */
  const refused = (i: number): [string, RequestInit] => {
    const headers = { ...junk, "cf-connecting-ip": `198.18.${i >> 8}.${i & 255}`, "x-event-id": `forged-${i}` };
    switch (i % 5) {
      case 0:
        return [`${BASE}/ex-store`, { method: "POST", headers, body: `{"n":${i}}` }]; // no token
      case 1:
        return [`${BASE}/ex-store`, { method: "POST", headers: { ...headers, "x-webhook-key": `guess-${i}` }, body: `{"n":${i}}` }];
      case 2: // the token leaked, the signature is forged: the body is read, then refused
        return [`${BASE}/ex-store`, { method: "POST", headers: { ...headers, "x-webhook-key": "ex-store-token", "x-sig": "00".repeat(32) }, body: `{"n":${i}}` }];
      case 3:
        return [`${BASE}/ex-store`, { method: "POST", headers: { ...headers, "content-length": "999999" }, body: "x" }];
      default:
        return [`${BASE}/ex-store`, { method: "DELETE", headers }];
    }
  };
  const flood = async (offset: number) => {
    for (let start = 0; start < N; start += 50) {
      const batch = Array.from({ length: Math.min(50, N - start) }, (_, j) => refused(offset + start + j));
      const answers = await Promise.all(batch.map(([url, init]) => call(url, init)));
      for (const r of answers) expect(r.status).toBeGreaterThanOrEqual(400);
      for (const r of answers) expect(r.status).toBeLessThan(500);
    }
  };
  const stub = <T extends Rpc.DurableObjectBranded>(ns: DurableObjectNamespace<T>, name: string) => ns.get(ns.idFromName(name));
  const count = (sql: SqlStorage, query: string) => sql.exec<{ n: number }>(query).one().n;

  it(`${N} refused requests (twice over) write no dedup key and no queued event, and at most MAX_REFUSED_ENTRIES event-log rows, capped and bodiless`, { timeout: 120_000 }, async () => {
    await mustPutRoute(route);
    await flood(0);
    const log = async () =>
      runInDurableObject(stub(env.EVENT_LOG, "log:ex-store"), (_i, state) => ({
        refused: count(state.storage.sql, "SELECT COUNT(*) AS n FROM entries WHERE refused = 1"),
        accepted: count(state.storage.sql, "SELECT COUNT(*) AS n FROM entries WHERE refused = 0"),
        bodies: count(state.storage.sql, "SELECT COUNT(*) AS n FROM entries WHERE body IS NOT NULL"),
        widest: state.storage.sql.exec<{ w: number | null }>("SELECT MAX(LENGTH(headers)) AS w FROM entries").one().w ?? 0,
        bytes: state.storage.sql.databaseSize,
      }));
    const first = await log();
    expect(first).toMatchObject({ refused: MAX_REFUSED_ENTRIES, accepted: 0, bodies: 0 });
    expect(first.widest).toBeLessThanOrEqual(MAX_REFUSED_HEADER_BYTES + 64);

    await flood(N);
    const second = await log();
    expect(second).toMatchObject({ refused: MAX_REFUSED_ENTRIES, accepted: 0, bodies: 0 });
    // Rows are replaced, not added: the file reuses the pages the trimmed rows left.
    expect(second.bytes).toBeLessThanOrEqual(first.bytes * 1.25);

    for (const shard of [0, 1]) {
      const rows = await runInDurableObject(stub(env.DEDUP, `dedup:ex-store:${shard}`), (_i, state) => count(state.storage.sql, "SELECT COUNT(*) AS n FROM deliveries"));
      expect([shard, rows]).toEqual([shard, 0]);
    }
    const queue = await runInDurableObject(stub(env.DELIVERY, "delivery:ex-store"), async (_i, state) => ({
      rows: ["events", "bodies", "attempts"].map((t) => count(state.storage.sql, `SELECT COUNT(*) AS n FROM ${t}`)),
      alarm: await state.storage.getAlarm(),
    }));
    expect(queue).toEqual({ rows: [0, 0, 0], alarm: null });
    expect(origin.received).toHaveLength(0);

    // The genuine provider is unaffected: stored, deduplicated, kept in the log beside the refusals.
    const body = '{"genuine":true}';
    const key = await crypto.subtle.importKey("raw", new TextEncoder().encode("ex-store-key"), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    const sig = [...new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(body)))].map((b) => b.toString(16).padStart(2, "0")).join("");
    const genuine = { method: "POST", headers: { "x-webhook-key": "ex-store-token", "x-sig": sig, "x-event-id": "real-1" }, body };
    expect((await call(`${BASE}/ex-store`, genuine)).status).toBe(202);
    expect((await call(`${BASE}/ex-store`, genuine)).headers.get("x-hookgate-duplicate")).toBe("true");
    expect(await log()).toMatchObject({ refused: MAX_REFUSED_ENTRIES, accepted: 2 });
  });

  it("unsigned handshakes, which anyone can send, never push a genuine event out of the event log", async () => {
    await mustPutRoute({
      id: "ex-graph",
      host: "*",
      path: "/ex-graph",
      origin: ORIGIN,
      auth: { methods: [{ type: "provider", provider: "msgraph", secrets: ["ex-client-state"] }] },
      observability: { maxEvents: 10 },
    });
    const genuine = (i: number) => JSON.stringify({ value: [{ subscriptionId: `s${i}`, clientState: "ex-client-state" }] });
    for (let i = 0; i < 3; i++) expect((await call(`${BASE}/ex-graph`, { method: "POST", headers: { "content-type": "application/json" }, body: genuine(i) })).status).toBe(200);
    for (let i = 0; i < 30; i++) {
      const res = await call(`${BASE}/ex-graph?validationToken=stranger-${i}`, { method: "POST", headers: { "cf-connecting-ip": `198.51.100.${i}` } });
      expect(await res.text()).toBe(`stranger-${i}`);
    }
    const { entries } = (await (await call(`${BASE}/__gateway/routes/ex-graph/log?limit=1000`, { headers: ADMIN })).json()) as { entries: { decision: string }[] };
    expect(entries.filter((e) => e.decision === "forwarded")).toHaveLength(3);
    expect(entries.filter((e) => e.decision === "handshake").length).toBeLessThanOrEqual(10);
    expect(origin.received).toHaveLength(3);
  });
});
