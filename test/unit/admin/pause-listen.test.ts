/**
 * Pause and resume (the queue holds a paused route's events and drains them in order), and
 * the listen hub: a WebSocket under the admin prefix that sees each decision, gets the exact
 * verified request, catches up after a reconnect, and takes a listen-mode route's events.
 */
import { sign as octokitSign } from "@octokit/webhooks-methods";
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { hubFor } from "../../../src/durable/listen-hub";
import { ADMIN, BASE, call, mustPutRoute, text, useOrigin } from "../helpers";

const route = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  host: "*",
  path: `/${id}`,
  origin: "http://origin.test",
  auth: { methods: [{ type: "provider", provider: "github", secrets: ["s"] }] },
  ...extra,
});

async function send(id: string, body: string, signWith = "s") {
  return call(`${BASE}/${id}`, {
    method: "POST",
    headers: { "x-hub-signature-256": await octokitSign(signWith, body), "x-github-delivery": crypto.randomUUID(), "content-type": "application/json" },
    body,
  });
}

const admin = (path: string, init: RequestInit = {}) => call(`${BASE}/__gateway${path}`, { ...init, headers: { ...ADMIN, ...(init.headers as object) } });
const queue = (id: string) => env.DELIVERY.get(env.DELIVERY.idFromName(`delivery:${id}`));

interface Frame {
  type: string;
  seq?: number;
  decision?: string;
  reason?: string;
  kept?: boolean;
  request?: { method: string; url: string; headers: [string, string][]; body?: string; bodyBytes: number };
  [k: string]: unknown;
}

/** A listener session as `hookgate listen` opens it, collecting frames. */
async function listen(id: string, after?: number) {
  const res = await admin(`/routes/${id}/listen${after === undefined ? "" : `?after=${after}`}`, { headers: { upgrade: "websocket" } });
  expect(res.status).toBe(101);
  const ws = res.webSocket!;
  const frames: Frame[] = [];
  ws.addEventListener("message", (e) => frames.push(JSON.parse(e.data as string) as Frame));
  ws.accept();
  const until = async (n: number) => {
    for (let i = 0; i < 200 && frames.filter((f) => f.type === "event").length < n; i++) await new Promise((r) => setTimeout(r, 5));
    return frames.filter((f) => f.type === "event");
  };
  const hello = async () => {
    for (let i = 0; i < 200 && frames.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    return frames[0];
  };
  return { ws, frames, until, hello, close: () => ws.close(1000, "done") };
}

const decode = (b64: string) => text(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));

describe("pause and resume", () => {
  const origin = useOrigin();

  it("a paused sync route answers 202 and forwards nothing; resume delivers every event in arrival order", async () => {
    await mustPutRoute(route("p1"));
    const paused = await admin("/routes/p1/pause", { method: "POST" });
    expect(paused.status).toBe(200);
    expect(await paused.json()).toMatchObject({ paused: true, pending: 0 });
    expect(((await (await admin("/routes/p1")).json()) as { state?: { pausedAt?: number } }).state?.pausedAt).toBeTypeOf("number");

    for (let i = 0; i < 30; i++) expect((await send("p1", `{"n":${i}}`)).status).toBe(202);
    await runDurableObjectAlarm(queue("p1"));
    expect(origin.received).toHaveLength(0);
    expect((await queue("p1").counts()).pending).toBe(30);

    const resumed = await admin("/routes/p1/resume", { method: "POST" });
    expect(await resumed.json()).toMatchObject({ paused: false, pending: 30 });
    for (let i = 0; i < 5 && (await queue("p1").counts()).pending > 0; i++) await runDurableObjectAlarm(queue("p1"));
    expect(origin.received.map((r) => text(r.body))).toEqual(Array.from({ length: 30 }, (_, i) => `{"n":${i}}`));
    // Resumed: the route forwards again.
    expect((await send("p1", '{"after":1}')).status).toBe(200);
  });

  it("a PUT while paused keeps the route paused, and a config read back with its state can be put again", async () => {
    await mustPutRoute(route("p2"));
    await admin("/routes/p2/pause", { method: "POST" });
    const got = (await (await admin("/routes/p2")).json()) as Record<string, unknown>;
    await mustPutRoute({ ...route("p2", { originTimeoutMs: 5000 }), state: got.state });
    expect(((await (await admin("/routes/p2")).json()) as { state?: object }).state).toMatchObject({ pausedAt: expect.any(Number) });
    expect((await send("p2", "{}")).status).toBe(202);
    expect(origin.received).toHaveLength(0);
  });

  it("unknown routes: 404 for pause, resume and listen", async () => {
    expect((await admin("/routes/nope/pause", { method: "POST" })).status).toBe(404);
    expect((await admin("/routes/nope/resume", { method: "POST" })).status).toBe(404);
    expect((await admin("/routes/nope/listen", { headers: { upgrade: "websocket" } })).status).toBe(404);
  });

  it("pause, resume and listen need the admin token", async () => {
    await mustPutRoute(route("p3"));
    expect((await call(`${BASE}/__gateway/routes/p3/pause`, { method: "POST" })).status).toBe(401);
    expect((await call(`${BASE}/__gateway/routes/p3/listen`, { headers: { upgrade: "websocket" } })).status).toBe(401);
    expect((await call(`${BASE}/__gateway/routes/p3/listen/events/1`)).status).toBe(401);
  });
});

describe("listen", () => {
  const origin = useOrigin();
  beforeEach(() => vi.useRealTimers());
  afterEach(() => vi.useRealTimers());

  it("a route nobody listens to publishes nothing; a session sees every decision and the exact verified request", async () => {
    await mustPutRoute(route("l1"));
    await send("l1", '{"before":1}');
    expect(await hubFor(env, "l1").list(0, 10)).toEqual([]);

    const session = await listen("l1");
    expect(await session.hello()).toMatchObject({ type: "hello", route: "l1", head: 0 });
    await send("l1", '{"hello":"listener"}');
    await send("l1", '{"forged":1}', "wrong-secret");
    const events = await session.until(2);
    expect(events[0]).toMatchObject({ seq: 1, decision: "forwarded", status: 200 });
    const req = events[0]!.request!;
    expect(decode(req.body!)).toBe('{"hello":"listener"}');
    const headers = new Map(req.headers);
    expect(headers.get("x-hub-signature-256")).toBe(await octokitSign("s", '{"hello":"listener"}'));
    expect(headers.get("x-hookgate-verified")).toBe("hmac:github");
    expect(events[1]).toMatchObject({ seq: 2, decision: "rejected", status: 401 });
    expect(events[1]!.request).toBeUndefined(); // refused requests are shown, never handed on
    session.close();
    expect(origin.received.map((r) => text(r.body))).toEqual(['{"before":1}', '{"hello":"listener"}']);
  });

  it("a reconnect with ?after= gets what arrived while it was away, then live events, in order", async () => {
    await mustPutRoute(route("l2"));
    const first = await listen("l2");
    await send("l2", '{"n":1}');
    expect(await first.until(1)).toHaveLength(1);
    first.close();
    await send("l2", '{"n":2}');
    await send("l2", '{"n":3}');
    const second = await listen("l2", 1);
    await send("l2", '{"n":4}');
    const events = await second.until(3);
    expect(events.map((e) => [e.seq, decode(e.request!.body!)])).toEqual([
      [2, '{"n":2}'],
      [3, '{"n":3}'],
      [4, '{"n":4}'],
    ]);
    second.close();
  });

  it("listen mode: no origin; events are kept until a listener acks them, then they are taken", async () => {
    await mustPutRoute({ ...route("l3"), origin: undefined, delivery: { mode: "listen" } });
    for (let i = 0; i < 3; i++) expect((await send("l3", `{"k":${i}}`)).status).toBe(202);
    expect(origin.received).toHaveLength(0);

    const a = await listen("l3");
    expect(await a.hello()).toMatchObject({ type: "hello", kept: 3 });
    const events = await a.until(3);
    expect(events.map((e) => [decode(e.request!.body!), e.kept])).toEqual([
      ['{"k":0}', true],
      ['{"k":1}', true],
      ['{"k":2}', true],
    ]);
    a.ws.send(JSON.stringify({ type: "ack", seq: events[0]!.seq, local: { status: 204, ms: 12.4 } }));
    a.ws.send(JSON.stringify({ type: "ack", seq: events[1]!.seq, local: { status: "<script>", ms: 1 } }));
    a.ws.send("not json");
    for (let i = 0; i < 100 && !a.frames.some((f) => f.type === "error"); i++) await new Promise((r) => setTimeout(r, 5));
    expect(a.frames.find((f) => f.type === "error")).toMatchObject({ message: "frames are JSON" });
    a.close();
    // The forward history: what the local server answered, kept with the event; nonsense is not kept.
    expect((await hubFor(env, "l3").find(String(events[0]!.seq)))?.local).toEqual({ at: expect.any(Number), status: 204, ms: 12 });
    expect((await hubFor(env, "l3").find(String(events[1]!.seq)))?.local).toBeUndefined();

    // A new session gets only the event nobody took.
    const b = await listen("l3");
    const left = await b.until(1);
    expect(left.map((e) => decode(e.request!.body!))).toEqual(['{"k":2}']);
    b.close();
    expect(origin.received).toHaveLength(0);
  });

  it("listen mode: a full hub answers 503 so the provider keeps the event", async () => {
    await mustPutRoute({ ...route("l4"), origin: undefined, delivery: { mode: "listen" } });
    await runInDurableObject(hubFor(env, "l4"), (_hub, state) => {
      for (let i = 0; i < 10_000; i++) state.storage.sql.exec("INSERT INTO heard (at, line, kept) VALUES (?, '{}', 1)", Date.now());
    });
    const res = await send("l4", '{"one":"too many"}');
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).not.toBeNull();
  });

  it("replay source: one stored request by seq or message id, unmasked, with its body", async () => {
    await mustPutRoute(route("l5"));
    const session = await listen("l5");
    expect((await send("l5", '{"replay":"me"}')).status).toBe(200);
    const [heard] = await session.until(1);
    session.close();
    const bySeq = (await (await admin("/routes/l5/listen/events/1")).json()) as Frame;
    expect(decode(bySeq.request!.body!)).toBe('{"replay":"me"}');
    expect(heard!.messageId).toMatch(/^msg_/);
    const byId = (await (await admin(`/routes/l5/listen/events/${heard!.messageId}`)).json()) as Frame;
    expect(byId).toEqual(bySeq);
    const listed = (await (await admin(`/routes/l5/listen/events?messageId=${heard!.messageId}`)).json()) as { events: Frame[] };
    expect(listed.events.map((e) => e.seq)).toEqual([bySeq.seq]);
    expect(((await (await admin("/routes/l5/listen/events?messageId=msg_none")).json()) as { events: Frame[] }).events).toEqual([]);
    expect((await admin("/routes/l5/listen/events/999")).status).toBe(404);
  });

  it("the gateway's own credentials (a header token, a query token) never reach a listener", async () => {
    await mustPutRoute({
      id: "l7",
      host: "*",
      path: "/l7",
      origin: "http://origin.test",
      auth: { mode: "any", methods: [{ type: "token", in: "header", name: "X-Gate-Token", secrets: ["gate-secret-1"] }, { type: "token", in: "query", secrets: ["gate-secret-2"] }] },
    });
    const session = await listen("l7");
    await call(`${BASE}/l7`, { method: "POST", headers: { "x-gate-token": "gate-secret-1" }, body: "{}" });
    await call(`${BASE}/l7?auth=gate-secret-2&keep=1`, { method: "POST", body: "{}" });
    const events = await session.until(2);
    session.close();
    expect(events.map((e) => e.decision)).toEqual(["forwarded", "forwarded"]);
    const frames = JSON.stringify(events);
    expect(frames).not.toContain("gate-secret");
    expect(events[1]!.request!.url).toBe("http://origin.test/l7?keep=1");
    const stored = JSON.stringify(await hubFor(env, "l7").list(0, 10)) + JSON.stringify(await (await admin("/routes/l7/listen/events/1")).json());
    expect(stored).not.toContain("gate-secret");
  });

  it("a body too large for a frame travels by HTTP: the frame says its size, the event endpoint has it", async () => {
    await mustPutRoute(route("l8"));
    const session = await listen("l8");
    const big = JSON.stringify({ pad: "x".repeat(600 * 1024) });
    expect((await send("l8", big)).status).toBe(200);
    const [frame] = await session.until(1);
    session.close();
    expect(frame!.request!.body).toBeUndefined();
    expect(frame!.request!.bodyBytes).toBe(big.length);
    const full = (await (await admin(`/routes/l8/listen/events/${frame!.seq}`)).json()) as Frame;
    expect(decode(full.request!.body!)).toBe(big);
  });

  it("a plain GET of the listen URL is told to upgrade", async () => {
    await mustPutRoute(route("l6"));
    const res = await admin("/routes/l6/listen");
    expect(res.status).toBe(426);
  });
});
