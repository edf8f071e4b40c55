/**
 * Secrets sweep (security review). Extends the sweep in
 * test/unit/observability/observability.test.ts (log lines, event log, route reads and the
 * overview, for credentials under their usual names) to every surface the gateway has:
 * every admin API answer (routes, events and event detail, dead letters and replays,
 * dedup keys, log and log entries, summary, overview, the dashboard page), the body and
 * headers of every refusal, everything written to the console, the raw rows of the event
 * log, dedup, queue and registry Durable Objects and of KV, and the alert payloads.
 *
 * The routes hide their credentials under names masking cannot guess (a token header
 * `X-Webhook-Key`, HMAC headers `X-Sig` and `X-Body-Mac`, Basic, a query token, Graph's
 * `clientState` inside the body, written with JSON escapes as .NET's serializer sends a
 * `+`), and the queue route's origin is down, so its events stay pending, are retried,
 * dead-lettered and replayed. Each secret is searched for as written, URL-encoded, in
 * base64, base64url and hex, and inside every JSON string found (so an escaped copy
 * counts); each full signature in hex and in base64.
 *
 * The signatures are computed with WebCrypto here: these are custom schemes described as
 * data (README "Any other provider"), not a provider's vectors.
 */
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { clearRouteCache } from "../../src/config/store";
import { registryFor } from "../../src/durable/route-registry";
import { resetAdminGuard } from "../../src/admin/guard";
import { resetRateLimits } from "../../src/pipeline/rate-limit";
import { ADMIN, BASE, call, mustPutRoute, putRoute, resetRoutes, useOrigin } from "../unit/helpers";

const ORIGIN = "http://origin.test";
const T0 = 1_790_000_000_000;
const GOOD_IP = "203.0.113.10";
const ATTACKER_IP = "198.51.100.66";

// Every value below is a secret; none may appear anywhere but where the gateway must send it.
const S = {
  headerToken: "hdr-tok-7Qp2-webhook-key-value",
  hmacKey: "hmac-key-7Qp2-x-sig-value",
  mac64Key: "mac64-key-7Qp2-body-mac-value",
  basicUser: "hooks",
  basicPassword: "basic-pw-7Qp2:with:colons",
  queryToken: "query-tok-7Qp2-url-value",
  // Base64-like, with the characters serializers escape: .NET writes "+" as \u002B.
  clientState: "cs+7Qp2/graph=client+state",
  originSigning: `whsec_${btoa("origin-signing-7Qp2-key-bytes!!")}`,
  slackAlert: "https://hooks.slack.test/services/T0/B0/alert-7Qp2-slack-url",
  webhookAlert: "https://alerts.test/in/alert-7Qp2-webhook-url",
} as const;
const ADMIN_TOKEN = env.ADMIN_TOKEN;
const SECRETS_KEY = env.SECRETS_KEY;
/** A valid AES key that is not the one the routes were sealed with. */
const OTHER_SECRETS_KEY = btoa(String.fromCharCode(...new Uint8Array(32).fill(7)));

const enc = new TextEncoder();
const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const b64url = (bytes: Uint8Array) => b64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const fromB64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

async function hmacBytes(secret: string, body: string): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", enc.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, enc.encode(body)));
}

// ---- the routes ---------------------------------------------------------------------------

const routes = [
  {
    // Token header and custom HMAC header together, queued to an origin that is down.
    id: "sx-queue",
    host: "*",
    path: "/sx-queue",
    origin: ORIGIN,
    auth: {
      mode: "all",
      methods: [
        { type: "token", in: "header", name: "X-Webhook-Key", secrets: [S.headerToken] },
        { type: "hmac", algorithm: "sha256", header: "X-Sig", payload: "{body}", eventIdHeader: "X-Event-Id", secrets: [S.hmacKey] },
      ],
    },
    limits: { maxBodyBytes: 4096, methods: ["POST"], contentTypes: ["application/json"] },
    dedup: {},
    delivery: { mode: "queue", maxAttempts: 2, initialBackoffSeconds: 1, maxBackoffSeconds: 1, circuitBreaker: { failures: 1000 } },
    rateLimit: { authFailures: { max: 3, periodSeconds: 3600, cooldownSeconds: 3600 } },
    originSigning: { secrets: [S.originSigning] },
    observability: { storeBodies: true },
    alerts: {
      targets: [
        { type: "slack", url: S.slackAlert },
        { type: "webhook", url: S.webhookAlert },
      ],
      windowSeconds: 3600,
      rejections: 1,
      originFailures: 1,
      deadLetters: 1,
      cooldownSeconds: 10,
    },
  },
  {
    id: "sx-basic",
    host: "*",
    path: "/sx-basic",
    origin: ORIGIN,
    originTimeoutMs: 100,
    auth: { methods: [{ type: "basic", username: S.basicUser, secrets: [S.basicPassword], realm: "sx" }] },
    allowCidrs: ["203.0.113.0/24"],
    rateLimit: { perIp: { requests: 2, periodSeconds: 3600 }, exemptCidrs: [`${GOOD_IP}/32`] },
    dedup: {},
    observability: { storeBodies: true },
  },
  {
    id: "sx-graph",
    host: "*",
    path: "/sx-graph",
    origin: ORIGIN,
    auth: { methods: [{ type: "provider", provider: "msgraph", secrets: [S.clientState] }] },
    dedup: {},
    observability: { storeBodies: true },
  },
  {
    id: "sx-query",
    host: "*",
    path: "/sx-query",
    origin: ORIGIN,
    auth: { methods: [{ type: "token", in: "query", name: "auth", secrets: [S.queryToken] }] },
    observability: { storeBodies: true },
  },
  {
    // Observe mode: a forged request is forwarded marked unverified, and recorded.
    id: "sx-mac64",
    host: "*",
    path: "/sx-mac64",
    origin: ORIGIN,
    enforce: false,
    auth: { methods: [{ type: "hmac", algorithm: "sha256", encoding: "base64", header: "X-Body-Mac", payload: "{body}", secrets: [S.mac64Key] }] },
    observability: { storeBodies: true },
  },
];

// ---- what the sweep collects ----------------------------------------------------------------

interface Outbound {
  readonly url: string;
  readonly method: string;
  readonly headers: [string, string][];
  readonly body: string;
}
type OriginMode = "up" | "down" | "error" | "hang";

const found = {
  /** Every answer the worker gave: webhook refusals and acceptances, admin answers. */
  responses: [] as { label: string; text: string }[],
  /** Everything written to the console. */
  console: [] as string[],
  /** What the gateway fetched: the origin and the alert targets. */
  outbound: [] as Outbound[],
  /** Full signatures sent by the "providers" and by the gateway's origin signing. */
  signatures: [] as { label: string; bytes: Uint8Array }[],
  raw: {} as Record<string, string>,
  statuses: {} as Record<string, number>,
};
/** The origin of sx-queue (delivered by the queue, in the background too) and that of every other route. */
let queueMode: OriginMode = "down";
let originMode: OriginMode = "up";
/** Each refused request to sx-queue comes from its own address, so the auth-failure cool-down stays for the one test of it. */
let nextClient = 1;
const freshIp = () => `198.18.0.${nextClient++}`;

async function keep(label: string, res: Response): Promise<Response> {
  // Headers and body apart, so that a JSON body is searched decoded too.
  found.responses.push({ label: `${label} (headers)`, text: [...res.headers].map(([n, v]) => `${n}: ${v}`).join("\n") });
  found.responses.push({ label, text: await res.clone().text() });
  found.statuses[label] = res.status;
  return res;
}

const hook = (label: string, url: string, init: RequestInit = {}, bindings: Partial<Cloudflare.Env> = {}) =>
  call(url, { method: "POST", ...init, headers: { "cf-connecting-ip": GOOD_IP, ...(init.headers as Record<string, string>) } }, bindings).then((r) => keep(label, r));
const admin = (label: string, path: string, init: RequestInit = {}, bindings: Partial<Cloudflare.Env> = {}) =>
  call(`${BASE}/__gateway${path}`, { ...init, headers: { ...ADMIN, ...(init.headers as Record<string, string>) } }, bindings).then((r) => keep(label, r));
const adminJson = async <T>(label: string, path: string): Promise<T> => (await (await admin(label, path)).json()) as T;

/** Every table and stored value of a Durable Object, as JSON (blobs decoded as text). */
function dump<T extends Rpc.DurableObjectBranded>(stub: DurableObjectStub<T>): Promise<string> {
  return runInDurableObject(stub, async (_instance, state) => {
    const tables = state.storage.sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND substr(name, 1, 4) != '_cf_' AND substr(name, 1, 7) != 'sqlite_'")
      .toArray();
    const out: Record<string, unknown> = { kv: [...(await state.storage.list()).entries()] };
    for (const { name } of tables) {
      out[name] = state.storage.sql
        .exec(`SELECT * FROM "${name}"`)
        .toArray()
        .map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v instanceof ArrayBuffer ? new TextDecoder().decode(v) : v])));
    }
    return JSON.stringify(out);
  });
}
const queueStub = (id: string) => env.DELIVERY.get(env.DELIVERY.idFromName(`delivery:${id}`));
const logStub = (id: string) => env.EVENT_LOG.get(env.EVENT_LOG.idFromName(`log:${id}`));
const dedupStub = (id: string) => env.DEDUP.get(env.DEDUP.idFromName(`dedup:${id}:0`));

/** The recording network: the origin (up, down, failing or hanging) and the alert targets. */
function installNetwork(): void {
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const req = new Request(input as RequestInfo, init);
    const body = req.method === "GET" || req.method === "HEAD" ? "" : await req.text();
    found.outbound.push({ url: req.url, method: req.method, headers: [...req.headers], body });
    if (!req.url.startsWith(ORIGIN)) return new Response("ok"); // an alert target
    switch (new URL(req.url).pathname === "/sx-queue" ? queueMode : originMode) {
      case "up":
        return new Response('{"ok":true}', { headers: { "content-type": "application/json" } });
      case "error":
        return new Response("origin is failing", { status: 503 });
      case "down":
        throw new TypeError("Network connection lost.");
      case "hang":
        return new Promise<Response>((_, reject) => {
          const signal = init?.signal;
          signal?.addEventListener("abort", () => reject(signal.reason));
        });
    }
  });
}

function captureConsole(): void {
  for (const level of ["log", "info", "warn", "error", "debug"] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      found.console.push(args.map((a) => (typeof a === "string" ? a : a instanceof Error ? `${a.stack}` : JSON.stringify(a))).join(" "));
    });
  }
}

// ---- the scenario -----------------------------------------------------------------------------

async function signedQueueEvent(i: number, overrides: Record<string, string> = {}) {
  const body = JSON.stringify({ id: `evt-${i}`, kind: "order.paid", n: i });
  const sig = await hmacBytes(S.hmacKey, body);
  found.signatures.push({ label: `X-Sig of event ${i}`, bytes: sig });
  const headers = { "content-type": "application/json", "x-webhook-key": S.headerToken, "x-sig": hex(sig), "x-event-id": `ev-${i}`, ...overrides };
  return { body, headers };
}

const basic = (user: string, password: string) => `Basic ${btoa(`${user}:${password}`)}`;
// What Microsoft Graph sends: .NET's System.Text.Json escapes "+" (and we also escape "/", as many serializers do).
const graphBody = (state: string, subscription: string, escaped: boolean) => {
  const json = JSON.stringify({ value: [{ subscriptionId: subscription, clientState: state, changeType: "created", resource: "users/1" }] });
  return escaped ? json.replace(/\+/g, "\\u002B").replace(/\//g, "\\/") : json;
};

async function webhookTraffic(): Promise<void> {
  // sx-queue: three genuine events, a duplicate, then every refusal with and without the right credentials.
  for (let i = 1; i <= 3; i++) {
    const e = await signedQueueEvent(i);
    await hook(`queue genuine ${i}`, `${BASE}/sx-queue`, { headers: e.headers, body: e.body });
  }
  const again = await signedQueueEvent(1);
  await hook("queue duplicate", `${BASE}/sx-queue`, { headers: again.headers, body: again.body });
  const e4 = await signedQueueEvent(4);
  const q4 = (extra: Record<string, string> = {}) => ({ ...e4.headers, "cf-connecting-ip": freshIp(), ...extra });
  await hook("queue no token", `${BASE}/sx-queue`, { headers: q4({ "x-webhook-key": "" }), body: e4.body });
  await hook("queue token in the query", `${BASE}/sx-queue?auth=${encodeURIComponent(S.headerToken)}`, { headers: q4({ "x-webhook-key": "" }), body: e4.body });
  await hook("queue admin token as the key", `${BASE}/sx-queue`, { headers: q4({ "x-webhook-key": ADMIN_TOKEN }), body: e4.body });
  await hook("queue right token, wrong signature", `${BASE}/sx-queue`, { headers: q4({ "x-sig": "ab".repeat(32) }), body: e4.body });
  await hook("queue right token, signature of another body", `${BASE}/sx-queue`, { headers: q4(), body: `${e4.body} ` });
  await hook("queue wrong method", `${BASE}/sx-queue`, { method: "PUT", headers: q4(), body: e4.body });
  await hook("queue wrong content type", `${BASE}/sx-queue`, { headers: q4({ "content-type": "text/plain" }), body: e4.body });
  await hook("queue oversize", `${BASE}/sx-queue`, { headers: q4(), body: "x".repeat(5000) });
  for (let i = 0; i < 3; i++) {
    await hook(`queue forged from the attacker ${i}`, `${BASE}/sx-queue`, { headers: { ...e4.headers, "cf-connecting-ip": ATTACKER_IP, "x-webhook-key": `guess-${i}` }, body: e4.body });
  }
  await hook("queue cooled-down client with every credential", `${BASE}/sx-queue`, { headers: { ...e4.headers, "cf-connecting-ip": ATTACKER_IP }, body: e4.body });
  await hook("queue loop marker", `${BASE}/sx-queue`, { headers: q4({ "x-hookgate-hop": "1" }), body: e4.body });
  await hook("queue over http", `http://hooks.example.com/sx-queue`, { headers: q4(), body: e4.body });

  // sx-basic: sync, origin up, failing, unreachable and hanging; outside the allow-list; rate limited.
  originMode = "up";
  const auth = basic(S.basicUser, S.basicPassword);
  await hook("basic genuine", `${BASE}/sx-basic`, { headers: { authorization: auth, "x-echo": `copy of ${S.basicPassword}` }, body: '{"basic":1}' });
  await hook("basic duplicate", `${BASE}/sx-basic`, { headers: { authorization: auth }, body: '{"basic":1}' });
  await hook("basic wrong password", `${BASE}/sx-basic`, { headers: { authorization: basic(S.basicUser, "nope") }, body: '{"basic":2}' });
  await hook("basic admin token as bearer", `${BASE}/sx-basic`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, body: '{"basic":2}' });
  await hook("basic missing", `${BASE}/sx-basic`, { body: '{"basic":2}' });
  await hook("basic outside the allow-list", `${BASE}/sx-basic`, { headers: { authorization: auth, "cf-connecting-ip": ATTACKER_IP }, body: '{"basic":3}' });
  for (let i = 0; i < 3; i++) await hook(`basic rate limited ${i}`, `${BASE}/sx-basic`, { headers: { authorization: auth, "cf-connecting-ip": "203.0.113.77" }, body: `{"basic":"rl${i}"}` });
  originMode = "error";
  await hook("basic origin failing", `${BASE}/sx-basic`, { headers: { authorization: auth }, body: '{"basic":4}' });
  originMode = "down";
  await hook("basic origin unreachable", `${BASE}/sx-basic`, { headers: { authorization: auth }, body: '{"basic":5}' });
  originMode = "hang";
  await hook("basic origin timeout", `${BASE}/sx-basic`, { headers: { authorization: auth }, body: '{"basic":6}' });
  originMode = "up";

  // sx-graph: clientState as sent (escaped and not), wrong, missing; the validationToken handshake.
  await hook("graph genuine, escaped", `${BASE}/sx-graph`, { headers: { "content-type": "application/json" }, body: graphBody(S.clientState, "sub-1", true) });
  await hook("graph genuine, plain", `${BASE}/sx-graph`, { headers: { "content-type": "application/json" }, body: graphBody(S.clientState, "sub-2", false) });
  await hook("graph wrong state", `${BASE}/sx-graph`, { headers: { "content-type": "application/json" }, body: graphBody("not-the-state", "sub-3", false) });
  await hook("graph missing state", `${BASE}/sx-graph`, { headers: { "content-type": "application/json" }, body: '{"value":[{"subscriptionId":"s"}]}' });
  await hook("graph handshake", `${BASE}/sx-graph?validationToken=hello-graph`, { body: "" });

  // sx-query: the token in the URL, with every refusal that happens before or after it is checked.
  const q = `auth=${encodeURIComponent(S.queryToken)}`;
  await hook("query genuine", `${BASE}/sx-query?${q}&x=1`, { body: "query body" });
  await hook("query wrong", `${BASE}/sx-query?auth=wrong`, { body: "query body" });
  await hook("query wrong method", `${BASE}/sx-query?${q}`, { method: "GET" });
  await hook("query unknown route", `${BASE}/sx-nothing?${q}`, { body: "x" });
  await hook("query over http", `http://hooks.example.com/sx-query?${q}`, { body: "x" });
  clearRouteCache();
  await hook("query route misconfigured (secrets cannot be decrypted)", `${BASE}/sx-query?${q}`, { body: "x" }, { SECRETS_KEY: OTHER_SECRETS_KEY });
  clearRouteCache();
  const brokenKv = { ...env.ROUTES, get: () => Promise.reject(new Error("KV down")) } as unknown as KVNamespace;
  await hook("query store unavailable", `${BASE}/sx-query?${q}`, { body: "x" }, { ROUTES: brokenKv });
  clearRouteCache();

  // sx-mac64 (observe mode): genuine, forged (forwarded unverified), and a bug in the verifier (internal_error).
  const macBody = '{"mac":1}';
  const mac = await hmacBytes(S.mac64Key, macBody);
  found.signatures.push({ label: "X-Body-Mac", bytes: mac });
  await hook("mac64 genuine", `${BASE}/sx-mac64`, { headers: { "x-body-mac": b64(mac) }, body: macBody });
  await hook("mac64 forged, observed", `${BASE}/sx-mac64`, { headers: { "x-body-mac": b64(mac) }, body: '{"mac":2}' });
  const verify = vi.spyOn(crypto.subtle, "verify").mockRejectedValueOnce(new TypeError("verifier exploded"));
  await hook("mac64 internal error", `${BASE}/sx-mac64`, { headers: { "x-body-mac": b64(mac) }, body: macBody });
  verify.mockRestore();
}

async function drainQueue(until: (counts: { pending: number; delivered: number; dead: number }) => boolean): Promise<void> {
  for (let round = 0; round < 12; round++) {
    vi.setSystemTime(Date.now() + 10_000);
    await runDurableObjectAlarm(queueStub("sx-queue"));
    const counts = await queueStub("sx-queue").counts();
    if (until(counts)) return;
  }
  throw new Error(`the queue did not settle: ${JSON.stringify(await queueStub("sx-queue").counts())}`);
}

type Summary = { id: string };
async function adminViews(stage: string): Promise<void> {
  for (const state of ["pending", "delivered", "dead"]) {
    const { events } = await adminJson<{ events: Summary[] }>(`${stage}: events ${state}`, `/routes/sx-queue/events?state=${state}`);
    for (const e of events) await admin(`${stage}: event ${e.id}`, `/routes/sx-queue/events/${e.id}`);
  }
  await admin(`${stage}: dead letters`, "/routes/sx-queue/dead-letters");
  await admin(`${stage}: overview`, "/overview");
}

async function scenario(): Promise<void> {
  vi.useFakeTimers({ toFake: ["Date"], now: T0 });
  clearRouteCache();
  resetRateLimits();
  resetAdminGuard();
  await resetRoutes();
  installNetwork();
  captureConsole();
  for (const r of routes) await keep(`PUT ${r.id}`, await putRoute(r));
  for (const r of routes) expect(found.statuses[`PUT ${r.id}`], r.id).toBe(200);

  // Admin refusals, some of them holding secrets the caller sent.
  await keep("admin without a token", await call(`${BASE}/__gateway/routes`));
  await keep("admin token in the query", await call(`${BASE}/__gateway/routes?token=${ADMIN_TOKEN}`));
  await admin("admin unknown path", "/nope");
  await admin("admin bad json", "/routes/sx-bad", { method: "PUT", headers: { "content-type": "application/json" }, body: `{"secret":"${S.headerToken}"` });
  const invalid = (label: string, route: Record<string, unknown>) =>
    admin(label, `/routes/${String(route.id)}`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(route) });
  await invalid("admin invalid: other field", { ...routes[0]!, id: "sx-queue", originTimeoutMs: -1 });
  await invalid("admin invalid: bad notAfter", { ...routes[3]!, auth: { methods: [{ type: "token", in: "query", secrets: [{ value: S.queryToken, notAfter: "soon" }] }] } });
  await invalid("admin invalid: unknown key beside a secret", { ...routes[3]!, auth: { methods: [{ type: "token", in: "query", secrets: [{ value: S.queryToken, extra: S.headerToken }] }] } });
  await invalid("admin invalid: secret where a name goes", { ...routes[3]!, auth: { methods: [{ type: "token", in: "header", name: `${S.headerToken} x`, secrets: [S.queryToken] }] } });
  await invalid("admin invalid: alert url not a string", { ...routes[0]!, alerts: { targets: [{ type: "slack", url: { value: S.slackAlert, x: 1 } }] } });

  await webhookTraffic();

  // The queue: the origin is down (pending, attempts on record), then failing (dead letters), then replayed and delivered.
  await runDurableObjectAlarm(queueStub("sx-queue"));
  await adminViews("pending");
  queueMode = "error";
  await drainQueue((c) => c.dead === 3);
  await adminViews("dead");
  await admin("replay one", `/routes/sx-queue/dead-letters/${(await queueStub("sx-queue").list("dead"))[0]!.id}/replay`, { method: "POST" });
  await admin("replay all", "/routes/sx-queue/dead-letters/replay", { method: "POST" });
  await adminViews("replayed");
  queueMode = "up";
  await drainQueue((c) => c.delivered === 3);
  await adminViews("delivered");

  // Everything the admin API and the dashboard show.
  await admin("health", "/health");
  await admin("dashboard page", "/dashboard");
  await admin("routes", "/routes");
  for (const r of routes) {
    await admin(`route ${r.id}`, `/routes/${r.id}`);
    await admin(`summary ${r.id}`, `/routes/${r.id}/summary?since=0&bucketMs=60000`);
    const { entries } = await adminJson<{ entries: { seq: number }[] }>(`log ${r.id}`, `/routes/${r.id}/log?limit=1000`);
    for (const e of entries) await admin(`log ${r.id} #${e.seq}`, `/routes/${r.id}/log/${e.seq}`);
    await admin(`rejected log ${r.id}`, `/routes/${r.id}/log?decision=rejected&limit=1000`);
  }
  // Dedup keys, as stored, each looked up and then forgotten.
  for (const id of ["sx-queue", "sx-basic", "sx-graph"]) {
    const keys = await runInDurableObject(dedupStub(id), (_i, state) => state.storage.sql.exec<{ key: string }>("SELECT key FROM deliveries").toArray().map((r) => r.key));
    expect(keys.length, `dedup keys of ${id}`).toBeGreaterThan(0);
    for (const key of keys) await admin(`dedup ${id} ${key}`, `/routes/${id}/dedup/${encodeURIComponent(key)}`);
    await admin(`forget dedup ${id}`, `/routes/${id}/dedup/${encodeURIComponent(keys[0]!)}`, { method: "DELETE" });
  }

  // The queue's events while the route cannot be compiled (wrong SECRETS_KEY), and after it is deleted.
  const anyEvent = (await queueStub("sx-queue").list("delivered"))[0]!.id;
  clearRouteCache();
  await admin("event while the route is broken", `/routes/sx-queue/events/${anyEvent}`, {}, { SECRETS_KEY: OTHER_SECRETS_KEY });
  clearRouteCache();

  // The alerts are posted from the event log's waitUntil: wait until each kind has reached a target.
  await vi.waitFor(() => {
    const kinds = new Set(found.outbound.filter((o) => o.url === S.webhookAlert).map((o) => (JSON.parse(o.body) as { kind: string }).kind));
    expect([...kinds].sort()).toEqual(["dead_letters", "origin_failing", "rejections_spike"]);
  });

  // Raw storage: every Durable Object these routes used, the registry, and KV.
  for (const r of routes) {
    found.raw[`event log ${r.id}`] = await dump(logStub(r.id));
    found.raw[`dedup ${r.id}`] = await dump(dedupStub(r.id));
  }
  found.raw["queue sx-queue"] = await dump(queueStub("sx-queue"));
  found.raw["route registry"] = await dump(registryFor(env));
  const kv = await env.ROUTES.list();
  found.raw.kv = (await Promise.all(kv.keys.map(async (k) => `${k.name} ${await env.ROUTES.get(k.name)}`))).join("\n");

  await admin("delete sx-queue", "/routes/sx-queue", { method: "DELETE" });
  await admin("event after its route was deleted", `/routes/sx-queue/events/${anyEvent}`);
  await admin("dead letters after the route was deleted", "/routes/sx-queue/dead-letters");

  // The origin signing headers the gateway sent are full signatures too.
  for (const o of found.outbound.filter((x) => x.url.startsWith(ORIGIN))) {
    for (const [name, value] of o.headers) {
      if (name !== "webhook-signature" && name !== "x-hookgate-url-signature") continue;
      for (const part of value.split(" ")) found.signatures.push({ label: `${name} sent to the origin`, bytes: fromB64(part.replace(/^v1,/, "")) });
    }
  }
}

// ---- the search ---------------------------------------------------------------------------------

interface Needle {
  readonly label: string;
  readonly values: readonly string[];
  /** Where this secret is meant to be: the origin gets the provider's signatures and the body as sent. */
  readonly kind: "credential" | "signature" | "body";
}

function variants(secret: string): string[] {
  const bytes = enc.encode(secret);
  return [...new Set([secret, encodeURIComponent(secret), b64(bytes), b64url(bytes), hex(bytes)])];
}

function needles(): Needle[] {
  const keyBytes = fromB64(SECRETS_KEY);
  const out: Needle[] = [
    { label: "token header X-Webhook-Key", values: variants(S.headerToken), kind: "credential" },
    { label: "X-Sig HMAC key", values: variants(S.hmacKey), kind: "credential" },
    { label: "X-Body-Mac HMAC key", values: variants(S.mac64Key), kind: "credential" },
    { label: "Basic password", values: variants(S.basicPassword), kind: "credential" },
    { label: "Basic credentials", values: [btoa(`${S.basicUser}:${S.basicPassword}`)], kind: "credential" },
    { label: "query token", values: variants(S.queryToken), kind: "credential" },
    { label: "origin signing secret", values: [...variants(S.originSigning), ...variants(S.originSigning.slice("whsec_".length))], kind: "credential" },
    { label: "Slack alert URL", values: [...variants(S.slackAlert), new URL(S.slackAlert).pathname], kind: "credential" },
    { label: "webhook alert URL", values: [...variants(S.webhookAlert), new URL(S.webhookAlert).pathname], kind: "credential" },
    { label: "ADMIN_TOKEN", values: variants(ADMIN_TOKEN), kind: "credential" },
    { label: "SECRETS_KEY", values: [SECRETS_KEY, SECRETS_KEY.replace(/=+$/, ""), b64url(keyBytes), hex(keyBytes)], kind: "credential" },
    { label: "Graph clientState", values: variants(S.clientState), kind: "body" },
  ];
  for (const s of found.signatures) out.push({ label: `full signature (${s.label})`, values: [hex(s.bytes), b64(s.bytes), b64url(s.bytes)], kind: "signature" });
  return out;
}

/** The text, and every string inside it when it is JSON (recursively): an escaped secret is found decoded. */
function views(text: string, depth = 0): string[] {
  const out = [text];
  try {
    out.push(decodeURIComponent(text));
  } catch {
    // not URL-encoded
  }
  if (depth > 4) return out;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return out;
  }
  const walk = (v: unknown) => {
    if (typeof v === "string") out.push(...views(v, depth + 1));
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") Object.entries(v).forEach(([k, x]) => (walk(k), walk(x)));
  };
  walk(parsed);
  return out;
}

/** Every needle (other than those `allowed` there) found in each haystack, as "needle in label". */
function leaks(haystacks: readonly { label: string; text: string }[], allowed: readonly Needle["kind"][] = []): string[] {
  const list = needles().filter((n) => !allowed.includes(n.kind));
  const hits: string[] = [];
  for (const h of haystacks) {
    const all = views(h.text).join("\n");
    for (const n of list) if (n.values.some((v) => all.includes(v))) hits.push(`${n.label} in ${h.label}`);
  }
  return hits;
}

// ---- the assertions -----------------------------------------------------------------------------

describe("secrets sweep: no secret, token, password, key or full signature leaves the gateway", () => {
  beforeAll(async () => {
    try {
      await scenario();
    } finally {
      vi.useRealTimers();
    }
  }, 120_000);
  afterAll(() => vi.restoreAllMocks());

  it("the scenario exercised every kind of refusal, the queue, handshakes and alerts", () => {
    const s = found.statuses;
    expect(s["queue genuine 1"]).toBe(202);
    expect(s["queue duplicate"]).toBe(200);
    expect([s["queue no token"], s["queue token in the query"], s["queue admin token as the key"], s["queue right token, wrong signature"]]).toEqual([401, 401, 401, 401]);
    expect([s["queue wrong method"], s["queue wrong content type"], s["queue oversize"]]).toEqual([405, 415, 413]);
    expect([s["queue cooled-down client with every credential"], s["queue loop marker"], s["queue over http"]]).toEqual([429, 508, 403]);
    expect([s["basic genuine"], s["basic duplicate"], s["basic wrong password"], s["basic outside the allow-list"], s["basic rate limited 2"]]).toEqual([200, 200, 401, 403, 429]);
    expect([s["basic origin failing"], s["basic origin unreachable"], s["basic origin timeout"]]).toEqual([503, 502, 504]);
    expect([s["graph genuine, escaped"], s["graph genuine, plain"], s["graph wrong state"], s["graph handshake"]]).toEqual([200, 200, 401, 200]);
    expect([s["query genuine"], s["query wrong"], s["query wrong method"], s["query unknown route"], s["query over http"]]).toEqual([200, 401, 405, 404, 403]);
    expect([s["query route misconfigured (secrets cannot be decrypted)"], s["query store unavailable"]]).toEqual([503, 503]);
    expect([s["mac64 genuine"], s["mac64 forged, observed"], s["mac64 internal error"]]).toEqual([200, 200, 500]);
    expect([s["replay one"], s["replay all"]]).toEqual([200, 200]);
    expect(s["event while the route is broken"]).toBe(200);
    expect(s["event after its route was deleted"]).toBe(200);
    for (const label of Object.keys(s).filter((l) => l.startsWith("admin invalid"))) expect([label, s[label]]).toEqual([label, 400]);
    expect(found.outbound.filter((o) => o.url === S.slackAlert).length).toBeGreaterThan(0);
  });

  it("webhook answers: no refusal or acceptance body or header holds a secret or a full signature", () => {
    const webhook = found.responses.filter((r) => /^(queue|basic|graph|query|mac64) /.test(r.label));
    expect(webhook.length).toBeGreaterThan(40);
    expect(leaks(webhook)).toEqual([]);
  });

  it("admin API answers (routes, events, dead letters, replays, dedup, log, summary, overview, refusals) hold none", () => {
    const adminAnswers = found.responses.filter((r) => !/^(queue|basic|graph|query|mac64) /.test(r.label));
    expect(adminAnswers.length).toBeGreaterThan(60);
    expect(leaks(adminAnswers)).toEqual([]);
  });

  it("the dashboard page holds none (everything it shows comes from the admin API above)", () => {
    const page = found.responses.find((r) => r.label === "dashboard page")!;
    expect(page.text).toContain("<title>");
    expect(leaks([page])).toEqual([]);
  });

  it("console output (log, info, warn, error, debug) holds none", () => {
    expect(found.console.length).toBeGreaterThan(40);
    expect(found.console.some((l) => l.includes('"decision":"dead_lettered"'))).toBe(true);
    expect(found.console.some((l) => l.includes("internal_error"))).toBe(true);
    expect(leaks(found.console.map((text, i) => ({ label: `console line ${i}: ${text.slice(0, 80)}`, text })))).toEqual([]);
  });

  it("event log rows (accepted and refused, with headers and stored bodies) hold none", () => {
    const rows = Object.entries(found.raw).filter(([label]) => label.startsWith("event log"));
    expect(rows.map(([, text]) => text).join("")).toContain('"refused":1');
    expect(leaks(rows.map(([label, text]) => ({ label, text })))).toEqual([]);
  });

  it("dedup rows, the route registry and KV hold none (KV holds the secrets sealed)", () => {
    const raw = Object.entries(found.raw).filter(([label]) => label.startsWith("dedup") || label === "route registry" || label === "kv");
    expect(found.raw.kv).toContain('"enc":"v1.');
    expect(leaks(raw.map(([label, text]) => ({ label, text })))).toEqual([]);
  });

  it("the queue's rows hold no credential: only what the origin is sent (the provider's signature), never the gateway's token or a key", () => {
    const queue = found.raw["queue sx-queue"]!;
    expect(queue).toContain('"state":"delivered"');
    expect(leaks([{ label: "queue sx-queue", text: queue }], ["signature"])).toEqual([]);
  });

  it("alert payloads (Slack and generic webhook) hold none, not even their own URL", () => {
    const alerts = found.outbound.filter((o) => !o.url.startsWith(ORIGIN));
    expect(alerts.length).toBeGreaterThanOrEqual(6);
    expect(leaks(alerts.map((a, i) => ({ label: `alert ${i} (${new URL(a.url).host})`, text: `${JSON.stringify(a.headers)}\n${a.body}` })))).toEqual([]);
  });

  it("the origin never receives the gateway's own credentials (token header, Basic, URL token) nor any other route's secret", () => {
    const toOrigin = found.outbound.filter((o) => o.url.startsWith(ORIGIN));
    expect(toOrigin.length).toBeGreaterThan(5);
    // The provider's signatures and the Graph body are the origin's to re-verify; the x-echo header is the sender's own.
    const withoutEcho = toOrigin.map((o, i) => ({ label: `origin request ${i} ${o.method} ${o.url}`, text: JSON.stringify([o.url, o.headers.filter(([n]) => n !== "x-echo")]) }));
    expect(leaks(withoutEcho, ["signature", "body"])).toEqual([]);
  });
});

describe("the sweep's findings, one by one", () => {
  const origin = useOrigin();
  const entry = async (route: string) => {
    const { entries } = (await (await call(`${BASE}/__gateway/routes/${route}/log`, { headers: ADMIN })).json()) as { entries: { seq: number }[] };
    return (await (await call(`${BASE}/__gateway/routes/${route}/log/${entries[0]!.seq}`, { headers: ADMIN })).json()) as { body?: string };
  };

  it("Graph's clientState written with JSON escapes (.NET sends \\u002B for +) is verified, forwarded as sent, and cut out of the stored body", async () => {
    await mustPutRoute({ ...routes[2]!, id: "sx-graph-esc", path: "/sx-graph-esc", dedup: undefined });
    const body = graphBody(S.clientState, "sub-e", true);
    expect(body).toContain("\\u002B");
    const res = await call(`${BASE}/sx-graph-esc`, { method: "POST", headers: { "content-type": "application/json" }, body });
    expect(res.status).toBe(200);
    expect(new TextDecoder().decode(origin.received[0]!.body)).toBe(body);
    const stored = await entry("sx-graph-esc");
    expect(JSON.parse(stored.body!)).toMatchObject({ value: [{ subscriptionId: "sub-e", clientState: "[masked]" }] });
    expect(JSON.parse(stored.body!).value[0].clientState).not.toContain("7Qp2");
  });

  it("a body whose secret is written plainly is stored as sent but for the cut, its other escapes kept", async () => {
    await mustPutRoute({ ...routes[2]!, id: "sx-graph-keep", path: "/sx-graph-keep", dedup: undefined, auth: { methods: [{ type: "provider", provider: "msgraph", secrets: ["other-client-state"] }] } });
    const body = graphBody("other-client-state", "caf\\u00e9", false).replace('"caf\\\\u00e9"', '"caf\\u00e9"');
    expect((await call(`${BASE}/sx-graph-keep`, { method: "POST", headers: { "content-type": "application/json" }, body })).status).toBe(200);
    expect((await entry("sx-graph-keep")).body).toBe(body.replace("other-client-state", "[masked]"));
  });

  it("a queued event's custom signature header stays masked once its route is deleted or cannot be decrypted", async () => {
    await mustPutRoute({ ...routes[0]!, id: "sx-q2", path: "/sx-q2", alerts: undefined, rateLimit: undefined });
    vi.mocked(fetch).mockResolvedValue(new Response("down", { status: 503 }));
    const e = await signedQueueEvent(99);
    const res = await call(`${BASE}/sx-q2`, { method: "POST", headers: e.headers, body: e.body });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    const sigOf = async (bindings: Partial<Cloudflare.Env> = {}) => {
      const detail = (await (await call(`${BASE}/__gateway/routes/sx-q2/events/${id}`, { headers: ADMIN }, bindings)).json()) as { headers: [string, string][] };
      return detail.headers.find(([n]) => n === "x-sig")?.[1];
    };
    expect(await sigOf()).toMatch(/^\[masked, 64 chars\]$/);
    clearRouteCache();
    expect(await sigOf({ SECRETS_KEY: OTHER_SECRETS_KEY })).toMatch(/^\[masked/);
    clearRouteCache();
    expect((await call(`${BASE}/__gateway/routes/sx-q2`, { method: "DELETE", headers: ADMIN })).status).toBe(200);
    expect(await sigOf()).toMatch(/^\[masked/);
  });
});
