/**
 * The admin API's surface (security review), beside admin-guard.test.ts (the cool-down,
 * ADMIN_HOST, ADMIN_ALLOW_CIDRS):
 * - the token is read from the Authorization header only: never from the query string
 *   (`?token=`, `?access_token=`, `?admin_token=`, …), a cookie or another header;
 * - no CORS: a preflight gets no Access-Control-Allow-Origin, and neither does any answer;
 * - a cross-site form cannot write: without the Bearer token it is refused 401, and even
 *   with the token a form content type (urlencoded, multipart; text/plain on writes that take
 *   no body) is refused 415 and nothing is changed (review finding: such writes were acted
 *   on). PUT still reads text/plain as JSON: it is what fetch() sends for a string body;
 * - the token is compared in constant time (SHA-256 of both sides, then
 *   crypto.subtle.timingSafeEqual): a wrong length and wrong content are the same 401 through
 *   the same compare of two 32-byte digests.
 */
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { ADMIN, BASE, call, mustPutRoute, useOrigin } from "../unit/helpers";

const TOKEN = env.ADMIN_TOKEN;
const ORIGIN = "http://origin.test";
const ROUTE = {
  id: "as-q",
  host: "*",
  path: "/as-q",
  origin: ORIGIN,
  auth: { methods: [{ type: "token", in: "header", name: "X-Webhook-Key", secrets: ["as-webhook-token"] }] },
  dedup: { key: { header: "X-Event-Id" } },
  delivery: { mode: "queue" },
};
const DEDUP_KEY = encodeURIComponent("header:evt-as-1");

let client = 0;
/** Each call from its own address, so the wrong-token cool-down never hides what a test checks. */
const ip = () => `198.18.${(client >> 8) & 255}.${client++ & 255}`;
const at = (path: string, init: RequestInit = {}) =>
  call(`${BASE}/__gateway${path}`, { ...init, headers: { "cf-connecting-ip": ip(), ...(init.headers as Record<string, string>) } });

/** A route with one dead letter (the origin refuses it for good) and one dedup key. */
async function seed(origin: ReturnType<typeof useOrigin>): Promise<string> {
  origin.respond(() => new Response("refused for good", { status: 400 }));
  // Durable Object storage outlives a test: start from an empty queue and dedup shard.
  const queue = env.DELIVERY.get(env.DELIVERY.idFromName("delivery:as-q"));
  await runInDurableObject(queue, (_i, state) => ["events", "bodies", "attempts"].forEach((t) => state.storage.sql.exec(`DELETE FROM ${t}`)));
  await runInDurableObject(env.DEDUP.get(env.DEDUP.idFromName("dedup:as-q:0")), (_i, state) => void state.storage.sql.exec("DELETE FROM deliveries"));
  await mustPutRoute(ROUTE);
  const res = await call(`${BASE}/as-q`, { method: "POST", headers: { "x-webhook-key": "as-webhook-token", "x-event-id": "evt-as-1" }, body: '{"n":1}' });
  expect(res.status).toBe(202);
  await runDurableObjectAlarm(queue);
  return vi.waitFor(async () => {
    const dead = (await (await at("/routes/as-q/dead-letters", { headers: ADMIN })).json()) as { events: { id: string }[] };
    expect(dead.events).toHaveLength(1);
    return dead.events[0]!.id;
  });
}

/** Nothing was changed: the route as seeded, its dead letter still dead, its dedup key still there, no other route. */
async function unchanged(deadId: string): Promise<void> {
  const route = (await (await at("/routes/as-q", { headers: ADMIN })).json()) as { path: string };
  expect(route.path).toBe("/as-q");
  const dead = (await (await at("/routes/as-q/dead-letters", { headers: ADMIN })).json()) as { events: { id: string }[] };
  expect(dead.events.map((e) => e.id)).toEqual([deadId]);
  expect((await at(`/routes/as-q/dedup/${DEDUP_KEY}`, { headers: ADMIN })).status).toBe(200);
  expect((await at("/routes/as-new", { headers: ADMIN })).status).toBe(404);
}

const reads = (deadId: string) => [
  "/routes",
  "/routes/as-q",
  `/routes/as-q/dedup/${DEDUP_KEY}`,
  "/routes/as-q/events?state=dead",
  `/routes/as-q/events/${deadId}`,
  "/routes/as-q/dead-letters",
  "/routes/as-q/log",
  "/routes/as-q/log/1",
  "/routes/as-q/summary",
  "/overview",
];
const writes = (deadId: string): [string, string, string | undefined][] => [
  ["PUT", "/routes/as-new", JSON.stringify({ ...ROUTE, id: "as-new", path: "/as-new" })],
  ["PUT", "/routes/as-q", JSON.stringify({ ...ROUTE, path: "/as-moved" })],
  ["DELETE", "/routes/as-q", undefined],
  ["DELETE", `/routes/as-q/dedup/${DEDUP_KEY}`, undefined],
  ["POST", "/routes/as-q/dead-letters/replay", undefined],
  ["POST", `/routes/as-q/dead-letters/${deadId}/replay`, undefined],
];

describe("where the admin token is read from", () => {
  const origin = useOrigin();
  let deadId: string;
  beforeEach(async () => {
    deadId = await seed(origin);
  });

  it("never from the query string: ?token=, ?access_token=, ?admin_token= (and other spellings) are 401 on every call", async () => {
    const params = ["token", "access_token", "admin_token", "auth", "bearer", "authorization", "key", "api_key"];
    for (const name of params) {
      for (const value of [TOKEN, `Bearer ${TOKEN}`]) {
        const q = `${name}=${encodeURIComponent(value)}`;
        for (const path of reads(deadId)) {
          const res = await at(`${path}${path.includes("?") ? "&" : "?"}${q}`);
          expect([path, q, res.status]).toEqual([path, q, 401]);
        }
        for (const [method, path, body] of writes(deadId)) {
          const res = await at(`${path}?${q}`, { method, headers: { "content-type": "application/json" }, ...(body && { body }) });
          expect([method, path, q, res.status]).toEqual([method, path, q, 401]);
        }
      }
    }
    await unchanged(deadId);
  });

  it("never from a cookie, another header, or a Basic password", async () => {
    const attempts: Record<string, string>[] = [
      { cookie: `token=${TOKEN}; admin_token=${TOKEN}; hookgate-token=${TOKEN}` },
      { "x-admin-token": TOKEN },
      { "x-hookgate-token": TOKEN },
      { "x-api-key": TOKEN },
      { authorization: `Basic ${btoa(`admin:${TOKEN}`)}` },
      { authorization: `Token ${TOKEN}` },
      { authorization: TOKEN },
    ];
    for (const headers of attempts) {
      expect((await at("/routes", { headers })).status, JSON.stringify(headers)).toBe(401);
      expect((await at("/routes/as-q", { method: "DELETE", headers })).status).toBe(401);
    }
    await unchanged(deadId);
  });

  it("query-string tokens are not counted as guesses: the right token from the same address still works", async () => {
    const headers = { "cf-connecting-ip": "203.0.113.200" };
    for (let i = 0; i < 30; i++) expect((await call(`${BASE}/__gateway/routes?token=wrong-${i}`, { headers })).status).toBe(401);
    expect((await call(`${BASE}/__gateway/routes`, { headers: { ...headers, ...ADMIN } })).status).toBe(200);
  });
});

describe("CORS", () => {
  const origin = useOrigin();
  const corsHeaders = (res: Response) => [...res.headers.keys()].filter((n) => n.startsWith("access-control-"));

  it("no admin endpoint answers a preflight with Access-Control-Allow-Origin, with or without a token", async () => {
    const deadId = await seed(origin);
    const paths = ["/health", "/dashboard", ...reads(deadId), ...writes(deadId).map(([, path]) => path), "/nope"];
    for (const path of paths) {
      for (const method of ["GET", "PUT", "POST", "DELETE"]) {
        for (const auth of [{}, ADMIN]) {
          const res = await at(path, {
            method: "OPTIONS",
            headers: { origin: "https://evil.example", "access-control-request-method": method, "access-control-request-headers": "authorization, content-type", ...auth },
          });
          expect([path, method, corsHeaders(res)]).toEqual([path, method, []]);
          expect(res.status, `${path} ${method}`).toBeGreaterThanOrEqual(400);
        }
      }
    }
  });

  it("no answer to a cross-origin call carries any Access-Control-* header: reads, writes, refusals", async () => {
    const deadId = await seed(origin);
    const cross = { origin: "https://evil.example" };
    const answers: [string, Response][] = [];
    for (const path of ["/health", "/dashboard", ...reads(deadId), "/nope"]) {
      answers.push([`GET ${path}`, await at(path, { headers: { ...cross, ...ADMIN } })]);
      answers.push([`GET ${path} (no token)`, await at(path, { headers: cross })]);
    }
    for (const [method, path, body] of writes(deadId)) {
      answers.push([`${method} ${path} (no token)`, await at(path, { method, headers: { ...cross, "content-type": "application/json" }, ...(body && { body }) })]);
      answers.push([`${method} ${path} (form)`, await at(path, { method, headers: { ...cross, ...ADMIN, "content-type": "application/x-www-form-urlencoded" }, body: "a=b" })]);
    }
    answers.push(["PUT bad json", await at("/routes/as-x", { method: "PUT", headers: { ...cross, ...ADMIN, "content-type": "application/json" }, body: "{" })]);
    for (const [what, res] of answers) expect([what, corsHeaders(res)]).toEqual([what, []]);
  });
});

describe("cross-site forms", () => {
  const origin = useOrigin();
  let deadId: string;
  beforeEach(async () => {
    deadId = await seed(origin);
  });
  /** What a form (or a no-preflight fetch) on another site can send: no Authorization header, no cookie of ours. */
  const forms = (payload: string): [string, Record<string, string>, BodyInit][] => {
    const multipart = new FormData();
    multipart.set("config", payload);
    return [
      ["urlencoded", { "content-type": "application/x-www-form-urlencoded" }, `${payload}=`],
      ["multipart", {}, multipart],
      ["text/plain", { "content-type": "text/plain" }, payload],
    ];
  };

  it("without the Bearer token every write is refused 401, whatever the form sends, and nothing changes", async () => {
    for (const [method, path, body] of writes(deadId)) {
      for (const [kind, headers, form] of forms(body ?? "x=1")) {
        const res = await at(path, { method, headers: { ...headers, origin: "https://evil.example", referer: "https://evil.example/form" }, body: form });
        expect([method, path, kind, res.status]).toEqual([method, path, kind, 401]);
      }
    }
    await unchanged(deadId);
  });

  it("with the token, a form content type is refused 415 on every write, before anything is done", async () => {
    for (const [method, path, body] of writes(deadId)) {
      for (const [kind, headers, form] of forms(body ?? "x=1")) {
        if (method === "PUT" && kind === "text/plain") continue; // read as JSON: what fetch() sends for a string body (see the header)
        const res = await at(path, { method, headers: { ...ADMIN, ...headers }, body: form });
        expect([method, path, kind, res.status]).toEqual([method, path, kind, 415]);
        expect(((await res.json()) as { error: string }).error).toBe("unsupported_media_type");
      }
      // Parameters and case do not matter.
      const res = await at(path, { method, headers: { ...ADMIN, "content-type": "Application/X-WWW-Form-Urlencoded; charset=utf-8" }, body: body ?? "a=b" });
      expect([method, path, res.status]).toEqual([method, path, 415]);
    }
    await unchanged(deadId);
  });

  it("the same writes as JSON, or with no body at all, still work", async () => {
    expect((await at("/routes/as-q/dead-letters/replay", { method: "POST", headers: ADMIN })).status).toBe(200);
    expect((await at(`/routes/as-q/dedup/${DEDUP_KEY}`, { method: "DELETE", headers: { ...ADMIN, "content-type": "application/json" } })).status).toBe(200);
    const put = await at("/routes/as-new", { method: "PUT", headers: { ...ADMIN, "content-type": "application/json" }, body: JSON.stringify({ ...ROUTE, id: "as-new", path: "/as-new" }) });
    expect(put.status).toBe(200);
    expect((await at("/routes/as-new", { method: "DELETE", headers: ADMIN })).status).toBe(200);
  });

  it("reads are not affected by a content type", async () => {
    expect((await at("/routes", { headers: { ...ADMIN, "content-type": "application/x-www-form-urlencoded" } })).status).toBe(200);
  });
});

describe("the token compare", () => {
  useOrigin();

  it("wrong length and wrong content are both 401, each through timingSafeEqual on two 32-byte digests; the right token passes the same way", async () => {
    const compare = vi.spyOn(crypto.subtle, "timingSafeEqual");
    const wrong = {
      empty: "",
      "one character": "t",
      "a prefix": TOKEN.slice(0, -1),
      "one character more": `${TOKEN}x`,
      "ten times longer": TOKEN.repeat(10),
      "same length, first character differs": `${TOKEN[0] === "a" ? "b" : "a"}${TOKEN.slice(1)}`,
      "same length, last character differs": `${TOKEN.slice(0, -1)}${TOKEN.endsWith("a") ? "b" : "a"}`,
      "other case": TOKEN.toUpperCase(),
      "4 KB": "z".repeat(4096),
    };
    for (const [what, token] of Object.entries(wrong)) {
      compare.mockClear();
      const res = await at("/routes", { headers: { authorization: `Bearer ${token}` } });
      expect([what, res.status]).toEqual([what, 401]);
      expect(await res.json()).toEqual({ error: "unauthorized" }); // the same answer, whatever was wrong
      if (token === "") continue; // "Bearer " alone is not a token: refused before any compare
      expect(compare, what).toHaveBeenCalledTimes(1);
      const [a, b] = compare.mock.calls[0]! as unknown as [ArrayBufferView, ArrayBufferView];
      expect([what, a.byteLength, b.byteLength]).toEqual([what, 32, 32]);
    }
    compare.mockClear();
    expect((await at("/routes", { headers: ADMIN })).status).toBe(200);
    expect(compare).toHaveBeenCalledTimes(1);
  });

  it("the scheme name is case-insensitive, the token is not", async () => {
    expect((await at("/routes", { headers: { authorization: `bearer ${TOKEN}` } })).status).toBe(200);
    expect((await at("/routes", { headers: { authorization: `BEARER ${TOKEN}` } })).status).toBe(200);
    expect((await at("/routes", { headers: { authorization: `Bearer ${TOKEN.toUpperCase()}` } })).status).toBe(401);
  });
});
