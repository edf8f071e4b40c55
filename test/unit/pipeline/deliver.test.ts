/**
 * Durable delivery through the whole worker: queue mode, sync retry-on-failure, retries,
 * Retry-After, permanent answers, dead letters and replay, the circuit breaker, and the
 * origin checking the gateway's signature with the official standardwebhooks library.
 */
import { sign as octokitSign } from "@octokit/webhooks-methods";
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { Webhook } from "standardwebhooks";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ADMIN, BASE, call, mustPutRoute, text, useOrigin, type Received } from "../helpers";

const ORIGIN = "http://origin.test";
const ORIGIN_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const T0 = 1_780_000_000_000;

const route = (id: string, delivery: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  id,
  host: "*",
  path: `/${id}`,
  origin: ORIGIN,
  auth: { methods: [{ type: "provider", provider: "github", secrets: ["s"] }] },
  originSigning: { secrets: [ORIGIN_SECRET] },
  delivery,
  ...extra,
});

async function send(id: string, body: string, delivery = crypto.randomUUID()) {
  return call(`${BASE}/${id}`, {
    method: "POST",
    headers: { "x-hub-signature-256": await octokitSign("s", body), "x-github-delivery": delivery, "content-type": "application/json" },
    body,
  });
}

const queue = (id: string) => env.DELIVERY.get(env.DELIVERY.idFromName(`delivery:${id}`));

/** Moves the clock on and runs the queue's alarm once, as the runtime would when it is due. */
async function tick(id: string, ms: number) {
  vi.setSystemTime(Date.now() + ms);
  await runDurableObjectAlarm(queue(id));
}

const admin = (path: string, init: RequestInit = {}) => call(`${BASE}/__gateway${path}`, { ...init, headers: ADMIN });

function originVerifies(r: Received): unknown {
  return new Webhook(ORIGIN_SECRET).verify(text(r.body), Object.fromEntries(r.headers));
}

describe("durable delivery", () => {
  const origin = useOrigin();
  beforeEach(() => vi.useFakeTimers({ toFake: ["Date"], now: T0 }));
  afterEach(() => vi.useRealTimers());

  it("queue mode answers 202 at once, then delivers the original body and headers, signed for the origin", async () => {
    await mustPutRoute(route("q1", { mode: "queue" }));
    const res = await send("q1", '{"event":"queued"}', "gh-1");
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    expect(origin.received).toHaveLength(0);
    await tick("q1", 0);
    expect(origin.received).toHaveLength(1);
    const got = origin.received[0]!;
    expect(text(got.body)).toBe('{"event":"queued"}');
    expect(got.headers.get("x-hub-signature-256")).toBe(await octokitSign("s", '{"event":"queued"}'));
    expect(got.headers.get("x-hookgate-event-id")).toBe("gh-1");
    expect(got.headers.get("webhook-id")).toBe(id);
    expect(originVerifies(got)).toEqual({ event: "queued" });
    expect((await (await admin(`/routes/q1/events/${id}`)).json()) as object).toMatchObject({ event: { state: "delivered", attempts: 1 } });
  });

  it("the origin down for a while, then back: every accepted event arrives exactly once, in order, attempts on record", async () => {
    await mustPutRoute(route("q2", { mode: "queue", initialBackoffSeconds: 1, maxBackoffSeconds: 10 }));
    let up = false;
    origin.respond(() => (up ? new Response("ok") : new Response("down", { status: 503 })));
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(((await (await send("q2", `{"n":${i}}`)).json()) as { id: string }).id);
    await tick("q2", 0); // first attempts fail; the breaker opens after 5 failures
    const failedAttempts = origin.received.length;
    expect(failedAttempts).toBeGreaterThan(0);
    await tick("q2", 5_000); // still inside the breaker's pause: nothing is attempted
    expect(origin.received.length).toBe(failedAttempts);
    up = true;
    for (let i = 0; i < 10 && (await queue("q2").counts()).pending > 0; i++) await tick("q2", 31_000);
    const delivered = origin.received.filter((r, i) => i >= failedAttempts);
    expect(delivered.map((r) => text(r.body))).toEqual([0, 1, 2, 3, 4].map((n) => `{"n":${n}}`));
    const record = (await (await admin(`/routes/q2/events/${ids[0]}`)).json()) as { attempts: { status: number; at: number }[] };
    expect(record.attempts.at(-1)!.status).toBe(200);
    expect(record.attempts[0]!.status).toBe(503);
    expect(record.attempts.at(-1)!.at).toBeGreaterThan(record.attempts[0]!.at);
  });

  it("429 with Retry-After: the next attempt waits at least that long", async () => {
    await mustPutRoute(route("q3", { mode: "queue", initialBackoffSeconds: 1 }));
    let first = true;
    origin.respond(() => {
      if (first) {
        first = false;
        return new Response("slow down", { status: 429, headers: { "retry-after": "120" } });
      }
      return new Response("ok");
    });
    const { id } = (await (await send("q3", "{}")).json()) as { id: string };
    await tick("q3", 0);
    const pending = (await (await admin(`/routes/q3/events/${id}`)).json()) as { event: { nextAttemptAt: number } };
    expect(pending.event.nextAttemptAt - Date.now()).toBeGreaterThanOrEqual(120_000);
    await tick("q3", 60_000);
    expect(origin.received).toHaveLength(1);
    await tick("q3", 61_000);
    expect(origin.received).toHaveLength(2);
  });

  it("a permanent 4xx goes to the dead letters at once; replay delivers it", async () => {
    await mustPutRoute(route("q4", { mode: "queue" }));
    let answer = 404;
    origin.respond(() => new Response("", { status: answer }));
    const { id } = (await (await send("q4", '{"x":1}')).json()) as { id: string };
    await tick("q4", 0);
    const dead = (await (await admin("/routes/q4/dead-letters")).json()) as { events: { id: string; lastStatus: number }[] };
    expect(dead.events).toMatchObject([{ id, lastStatus: 404 }]);
    answer = 200;
    expect((await admin(`/routes/q4/dead-letters/${id}/replay`, { method: "POST" })).status).toBe(200);
    await tick("q4", 0);
    expect(origin.received.map((r) => text(r.body))).toEqual(['{"x":1}', '{"x":1}']);
    expect(((await (await admin("/routes/q4/dead-letters")).json()) as { events: unknown[] }).events).toHaveLength(0);
  });

  it("bulk replay of dead letters from a time range; a dry run says what would be sent and changes nothing", async () => {
    await mustPutRoute(route("q4b", { mode: "queue" }));
    let answer = 410;
    origin.respond(() => new Response("", { status: answer }));
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(((await (await send("q4b", `{"old":${i}}`)).json()) as { id: string }).id);
      await tick("q4b", 0);
    }
    vi.setSystemTime(Date.now() + 3600_000);
    const cut = Date.now();
    for (let i = 0; i < 2; i++) {
      ids.push(((await (await send("q4b", `{"new":${i}}`)).json()) as { id: string }).id);
      await tick("q4b", 0);
    }
    expect(((await (await admin("/routes/q4b/dead-letters")).json()) as { events: unknown[] }).events).toHaveLength(5);

    const dry = (await (await admin(`/routes/q4b/dead-letters/replay?since=${cut}&dryRun=1`, { method: "POST" })).json()) as { replayed: number; wouldReplay: number; events: { id: string }[] };
    expect(dry).toMatchObject({ replayed: 0, wouldReplay: 2 });
    expect(dry.events.map((e) => e.id)).toEqual(ids.slice(3));
    await tick("q4b", 0);
    expect(origin.received).toHaveLength(5); // nothing was sent by the dry run
    expect(((await (await admin("/routes/q4b/dead-letters")).json()) as { events: unknown[] }).events).toHaveLength(5);

    answer = 200;
    expect(await (await admin(`/routes/q4b/dead-letters/replay?since=${cut}`, { method: "POST" })).json()).toEqual({ replayed: 2 });
    await tick("q4b", 0);
    expect(origin.received.slice(5).map((r) => text(r.body))).toEqual(['{"new":0}', '{"new":1}']);
    expect(((await (await admin("/routes/q4b/dead-letters")).json()) as { events: unknown[] }).events).toHaveLength(3);
    expect((await admin(`/routes/q4b/dead-letters/replay?since=yesterday`, { method: "POST" })).status).toBe(400);
  });

  it("retries exhausted: timeouts and refused connections end in the dead letters; replay-all delivers", async () => {
    await mustPutRoute(route("q5", { mode: "queue", maxAttempts: 2, initialBackoffSeconds: 1 }));
    let mode: "timeout" | "refused" | "ok" = "timeout";
    origin.respond(() => {
      if (mode === "timeout") throw new DOMException("timed out", "TimeoutError");
      if (mode === "refused") throw new TypeError("connect ECONNREFUSED 127.0.0.1:9");
      return new Response("ok");
    });
    await send("q5", '{"a":1}');
    await tick("q5", 0);
    mode = "refused";
    await tick("q5", 10_000);
    const dead = (await (await admin("/routes/q5/dead-letters")).json()) as { events: { lastError: string; attempts: number }[] };
    expect(dead.events).toHaveLength(1);
    expect(dead.events[0]!.attempts).toBe(2);
    expect(dead.events[0]!.lastError).toContain("ECONNREFUSED");
    mode = "ok";
    expect(await (await admin("/routes/q5/dead-letters/replay", { method: "POST" })).json()).toEqual({ replayed: 1 });
    await tick("q5", 0);
    expect(origin.received.at(-1)!.headers.get("x-hookgate-attempt")).toBe("3");
  });

  it("sync mode relays the origin's answer; with retryOnFailure a failed delivery is kept and retried", async () => {
    await mustPutRoute(route("s1", {}));
    await mustPutRoute(route("s2", { retryOnFailure: true }));
    let up = false;
    origin.respond(() => (up ? new Response("fine") : new Response("down", { status: 500 })));
    expect((await send("s1", "{}")).status).toBe(500);
    const kept = await send("s2", '{"k":1}');
    expect(kept.status).toBe(202);
    up = true;
    await tick("s2", 10_000);
    expect(text(origin.received.at(-1)!.body)).toBe('{"k":1}');
    // the sync path is signed for the origin too
    expect(originVerifies(origin.received[0]!)).toEqual({});
  });

  it("a queued event is committed for dedup: a copy is a duplicate, delivered once", async () => {
    await mustPutRoute(route("q6", { mode: "queue" }, { dedup: {} }));
    expect((await send("q6", '{"d":1}', "same")).status).toBe(202);
    const copy = await send("q6", '{"d":1}', "same");
    expect(copy.headers.get("x-hookgate-duplicate")).toBe("true");
    await tick("q6", 0);
    expect(origin.received).toHaveLength(1);
  });

  it("a body up to one chunk is kept in its event's row, dropped once delivered, kept by a dead letter; a body stored the old way (in chunks) still goes out", async () => {
    await mustPutRoute(route("q6b", { mode: "queue" }));
    const rows = () =>
      runInDurableObject(queue("q6b"), (_o, state) =>
        state.storage.sql.exec<{ id: string; state: string; inline: number | null; chunks: number }>(
          "SELECT id, state, LENGTH(body) AS inline, (SELECT COUNT(*) FROM bodies b WHERE b.event_id = e.id) AS chunks FROM events e ORDER BY seq",
        ).toArray(),
      );
    let answer = 200;
    origin.respond(() => new Response("", { status: answer }));
    expect((await send("q6b", '{"kept":"inline"}')).status).toBe(202);
    expect(await rows()).toMatchObject([{ state: "pending", inline: 17, chunks: 0 }]);
    await tick("q6b", 0);
    expect(await rows()).toMatchObject([{ state: "delivered", inline: null, chunks: 0 }]);
    // A permanent refusal: the dead letter keeps its body, and a replay sends the same bytes.
    answer = 410;
    const { id } = (await (await send("q6b", '{"dead":1}')).json()) as { id: string };
    await tick("q6b", 0);
    expect((await rows()).at(-1)).toMatchObject({ id, state: "dead", inline: 10 });
    // As a queue written before bodies moved into the row holds it: in `bodies`, the row's body NULL.
    await runInDurableObject(queue("q6b"), (_o, state) => {
      state.storage.sql.exec("INSERT INTO bodies (event_id, n, data) SELECT id, 0, body FROM events WHERE id = ?", id);
      state.storage.sql.exec("UPDATE events SET body = NULL WHERE id = ?", id);
    });
    answer = 200;
    expect((await admin(`/routes/q6b/dead-letters/${id}/replay`, { method: "POST" })).status).toBe(200);
    await tick("q6b", 0);
    expect(text(origin.received.at(-1)!.body)).toBe('{"dead":1}');
    expect((await rows()).at(-1)).toMatchObject({ id, state: "delivered", inline: null, chunks: 0 });
  });

  it("a body above one SQLite value is stored in chunks and delivered intact", async () => {
    await mustPutRoute(route("q7", { mode: "queue" }, { limits: { maxBodyBytes: 4 * 1024 * 1024 } }));
    const big = JSON.stringify({ blob: "x".repeat(3 * 1024 * 1024 + 17) });
    expect((await send("q7", big)).status).toBe(202);
    await tick("q7", 0);
    expect(origin.received[0]!.body.byteLength).toBe(new TextEncoder().encode(big).byteLength);
    expect(text(origin.received[0]!.body)).toBe(big);
  });

  it("event inspection masks signature headers", async () => {
    await mustPutRoute(route("q8", { mode: "queue" }));
    const { id } = (await (await send("q8", "{}")).json()) as { id: string };
    const body = await (await admin(`/routes/q8/events/${id}`)).text();
    expect(body).not.toContain(await octokitSign("s", "{}"));
    expect(body).toContain("masked");
    await tick("q8", 0); // deliver it, so no alarm is left to fire after the test
  });
});

describe("the queue reads the origin's answer", () => {
  const origin = useOrigin();
  beforeEach(() => vi.useFakeTimers({ toFake: ["Date"], now: T0 }));
  afterEach(() => vi.useRealTimers());

  /** An answer body without Content-Length (chunked, as Node and most frameworks send it) that says how it ended. */
  const streamed = (bytes: number, seen: { read: number; done: boolean; cancelled: boolean }) => {
    let sent = 0;
    return new Response(
      new ReadableStream<Uint8Array>({
        pull(c) {
          if (sent >= bytes) {
            seen.done = true;
            return c.close();
          }
          const n = Math.min(1024, bytes - sent);
          sent += n;
          seen.read = sent;
          c.enqueue(new Uint8Array(n));
        },
        cancel() {
          seen.cancelled = true;
        },
      }),
      { status: 200 },
    );
  };

  it("a small chunked answer is read to its end, so the connection can be used again", async () => {
    await mustPutRoute(route("qr1", { mode: "queue" }));
    const seen = { read: 0, done: false, cancelled: false };
    origin.respond(() => streamed(2, seen));
    expect((await send("qr1", "{}")).status).toBe(202);
    await tick("qr1", 0);
    expect(seen).toEqual({ read: 2, done: true, cancelled: false });
  });

  it("a large chunked answer is cancelled once it passes 64 KiB: the queue does not read megabytes it throws away", async () => {
    await mustPutRoute(route("qr2", { mode: "queue" }));
    const seen = { read: 0, done: false, cancelled: false };
    origin.respond(() => streamed(10 * 1024 * 1024, seen));
    expect((await send("qr2", "{}")).status).toBe(202);
    await tick("qr2", 0);
    expect(seen.cancelled).toBe(true);
    expect(seen.done).toBe(false);
    expect(seen.read).toBeLessThan(200 * 1024);
    // Delivered all the same: the status decides.
    expect((await queue("qr2").counts()).pending).toBe(0);
  });
});
