/**
 * A bounded property run of random requests against the whole worker (the parsers and
 * verifiers have their own property tests in test/unit): methods, paths with encoded and
 * dot segments, hosts, query strings, header sets with random values under every route's
 * credential and signature names, and bodies (bytes, JSON, text, streamed or not), against
 * routes with a URL token, a header token, Basic, GitHub, Stripe, Standard Webhooks, "any"
 * mode and queue delivery. No valid credential is ever generated (the secrets are random
 * per run), so: never an exception out of the fetch handler, never a 5xx (but the 508 loop
 * marker), never a 2xx, and nothing reaches the origin or the queue. A control at the end
 * shows the same routes forward genuine requests signed by the providers' libraries.
 */
import { sign as octokitSign } from "@octokit/webhooks-methods";
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm } from "cloudflare:test";
import fc from "fast-check";
import { Webhook } from "standardwebhooks";
import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { bytesToBase64 } from "../../src/lib/encoding";
import { call, mustPutRoute, useOrigin } from "../unit/helpers";

const ORIGIN = "http://origin.test";
const HOST = "hooks.example.com";
const random = (bytes = 24) => bytesToBase64(crypto.getRandomValues(new Uint8Array(bytes))).replace(/[+/=]/g, "x");
const SECRETS = {
  token: random(),
  header: random(),
  basic: random(),
  github: random(),
  stripe: `whsec_${random()}`,
  sw: `whsec_${bytesToBase64(crypto.getRandomValues(new Uint8Array(32)))}`,
};

const ROUTES = [
  { id: "tok", host: HOST, path: "/tok", auth: { methods: [{ type: "token", in: "query", secrets: [SECRETS.token] }] } },
  { id: "hdr", host: HOST, path: "/hdr", match: "prefix", auth: { methods: [{ type: "token", in: "header", name: "X-Hook-Token", secrets: [SECRETS.header] }] } },
  { id: "basic", host: HOST, path: "/basic", auth: { methods: [{ type: "basic", username: "hooks", secrets: [SECRETS.basic], realm: "hooks" }] } },
  { id: "gh", host: HOST, path: "/gh", match: "prefix", dedup: {}, auth: { methods: [{ type: "provider", provider: "github", secrets: [SECRETS.github], legacySha1: true }] } },
  { id: "st", host: "*", path: "/st", auth: { methods: [{ type: "provider", provider: "stripe", secrets: [SECRETS.stripe] }] }, limits: { maxBodyBytes: 4096, contentTypes: ["application/json"] } },
  { id: "sw", host: HOST, path: "/sw", auth: { methods: [{ type: "provider", provider: "standard-webhooks", secrets: [SECRETS.sw] }] } },
  { id: "any", host: HOST, path: "/any", auth: { mode: "any", methods: [{ type: "token", in: "header", name: "X-Hook-Token", secrets: [SECRETS.header] }, { type: "provider", provider: "stripe", secrets: [SECRETS.stripe] }] } },
  { id: "q", host: HOST, path: "/q", delivery: { mode: "queue" }, auth: { methods: [{ type: "provider", provider: "github", secrets: [SECRETS.github] }] } },
].map((r) => ({ origin: ORIGIN, ...r }));

const nowSeconds = () => Math.floor(Date.now() / 1000);
const hex = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((b) => [...b].map((x) => x.toString(16).padStart(2, "0")).join(""));
const b64 = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map(bytesToBase64);

/** Names under which a credential or signature could be looked for, and others the pipeline reads. */
const CREDENTIAL_HEADERS = ["x-hub-signature-256", "x-hub-signature", "stripe-signature", "webhook-signature", "webhook-id", "webhook-timestamp", "x-hook-token", "authorization", "x-github-delivery"];
const OTHER_HEADERS = ["content-type", "content-length", "transfer-encoding", "connection", "content-encoding", "x-forwarded-for", "x-hookgate-verified", "x-hookgate-hop", "cf-connecting-ip", "host", "x-http-method-override", "forwarded"];

const headerValue = fc.oneof(
  fc.string({ maxLength: 60 }),
  // awkward bytes (ASCII only: workerd would carry other code points as UTF-8, which no network request does)
  fc.string({ maxLength: 20, unit: fc.constantFrom("\t", "\x7f", "\x01", "\x00", "\r", "=", ",", " ", ";", "\\", '"', "%") }),
  hex(32).map((h) => `sha256=${h}`),
  hex(20).map((h) => `sha1=${h}`),
  fc.tuple(hex(32), fc.integer({ min: -400, max: 400 })).map(([h, d]) => `t=${nowSeconds() + d},v1=${h}`),
  fc.array(b64(32), { minLength: 1, maxLength: 3 }).map((sigs) => sigs.map((s) => `v1,${s}`).join(" ")),
  fc.integer({ min: -400, max: 400 }).map((d) => String(nowSeconds() + d)),
  fc.string({ maxLength: 30 }).map((s) => `Basic ${btoa(unescape(encodeURIComponent(`hooks:${s}`)))}`),
  fc.constantFrom("", " ", ",", "application/json", "text/plain; charset=utf-8", "gzip", "chunked", "0", "-1", "99999999999999999999", "close, x-forwarded-for", "127.0.0.1", "2001:db8::1"),
  fc.constant("a".repeat(64 * 1024)),
);
const headerName = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...CREDENTIAL_HEADERS) },
  { weight: 2, arbitrary: fc.constantFrom(...OTHER_HEADERS) },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,20}$/) },
);

const ROUTE_PATHS = ["/tok", "/hdr", "/hdr/x", "/basic", "/gh", "/gh/a", "/st", "/sw", "/any", "/q"];
const pathPiece = fc.constantFrom("", "/", "/x", "%2F", "%2f", "/..", "/../gh", "/./", "//", "%2e%2e/", "/%2e%2e/q", ";x", "%00", "%20", "\\..", "X", "/%2E");
const path = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...ROUTE_PATHS) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...ROUTE_PATHS), fc.array(pathPiece, { minLength: 1, maxLength: 3 })).map(([p, pieces]) => p + pieces.join("")) },
  { weight: 1, arbitrary: fc.webPath() },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }).map((s) => `/${s}`) },
);
const query = fc.oneof(
  fc.constant(""),
  fc.array(fc.tuple(fc.constantFrom("auth", "AUTH", "%61uth", "bodySHA256", "x"), fc.string({ maxLength: 24 })), { minLength: 1, maxLength: 3 }).map((kv) => `?${kv.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("&")}`),
  fc.string({ maxLength: 30 }).map((s) => `?${s}`),
);
const body = fc.oneof(
  fc.constant(undefined),
  fc.uint8Array({ maxLength: 2048 }),
  fc.json({ maxDepth: 3 }).map((j) => new TextEncoder().encode(j)),
  fc.string({ maxLength: 300 }).map((s) => new TextEncoder().encode(s)),
);
const request = fc.record({
  method: fc.oneof({ weight: 6, arbitrary: fc.constant("POST") }, fc.constantFrom("GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS", "post", "PROPFIND")),
  host: fc.oneof({ weight: 4, arbitrary: fc.constant(HOST) }, fc.constantFrom("HOOKS.EXAMPLE.COM", `${HOST}.`, `${HOST}..`, `${HOST}:8443`, "other.example")),
  path,
  query,
  headers: fc.array(fc.tuple(headerName, headerValue), { maxLength: 8 }),
  body,
  streamed: fc.boolean(),
});
type Generated = typeof request extends fc.Arbitrary<infer T> ? T : never;

/** The request as RequestInit, built afresh each time (a stream is read once); null when HTTP cannot carry it. */
function toInit(r: Generated): { url: string; init: () => RequestInit; hop: boolean } | null {
  const p = r.path.startsWith("/__gateway") ? `/x${r.path}` : r.path; // the admin API is not the subject here
  const url = `https://${r.host}${p}${r.query}`;
  const headers = new Headers();
  for (const [name, value] of r.headers) {
    try {
      headers.append(name, value);
    } catch {
      // not a valid header value (control characters, code points over 0xFF): HTTP cannot send it
    }
  }
  const hasBody = r.body !== undefined && !["GET", "HEAD"].includes(r.method.toUpperCase());
  const init = (): RequestInit => {
    if (!hasBody) return { method: r.method, headers };
    const bytes = r.body!;
    if (!r.streamed) return { method: r.method, headers, body: bytes };
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < bytes.length; i += 100) c.enqueue(bytes.slice(i, i + 100));
        c.close();
      },
    });
    return { method: r.method, headers, body: stream, duplex: "half" } as RequestInit;
  };
  try {
    new Request(url, init());
  } catch {
    return null;
  }
  return { url, init, hop: headers.has("x-hookgate-hop") };
}

describe("random requests against every kind of route", () => {
  const origin = useOrigin();

  it("never throw, never a 5xx, never a 2xx, never reach the origin or the queue; genuine requests still do", { timeout: 60_000 }, async () => {
    for (const r of ROUTES) await mustPutRoute(r);
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async (generated) => {
        const req = toInit(generated);
        if (!req) return;
        let res: Response;
        try {
          res = await call(req.url, req.init());
        } catch (e) {
          throw new Error(`the fetch handler threw: ${(e as Error)?.stack ?? e}`);
        }
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const answer = await res.text();
        if (req.hop) {
          expect(res.status).toBe(508); // the loop marker is refused first, by design
        } else {
          expect(res.status, answer).toBeGreaterThanOrEqual(400);
          expect(res.status, answer).toBeLessThan(500);
        }
        for (const secret of Object.values(SECRETS)) expect(answer).not.toContain(secret);
        expect(origin.received).toEqual([]);
      }),
      { numRuns: 500 },
    );
    // Nothing was queued: the queue's alarm delivers nothing.
    await runDurableObjectAlarm(env.DELIVERY.get(env.DELIVERY.idFromName("delivery:q")));
    expect(origin.received).toEqual([]);
    console.log("fuzz statuses", JSON.stringify([...statuses].sort()));
    // The run reached authentication, not only the route lookup.
    expect(statuses.get(401) ?? 0).toBeGreaterThan(50);
    expect([...statuses.keys()].filter((s) => s < 400 || (s >= 500 && s !== 508))).toEqual([]);

    // Control: the same routes forward genuine requests, signed by the providers' libraries.
    const json = '{"id":"evt_control","ok":true}';
    const stripeSig = await new Stripe("sk_test_unused").webhooks.generateTestHeaderStringAsync({ payload: json, secret: SECRETS.stripe });
    const at = new Date();
    const sw = { "webhook-id": "msg_control", "webhook-timestamp": String(Math.floor(at.getTime() / 1000)), "webhook-signature": new Webhook(SECRETS.sw).sign("msg_control", at, json) };
    const genuine: [string, RequestInit, number][] = [
      [`/tok?auth=${SECRETS.token}`, { method: "POST", body: json }, 200],
      ["/hdr/x", { method: "POST", headers: { "x-hook-token": SECRETS.header }, body: json }, 200],
      ["/basic", { method: "POST", headers: { authorization: `Basic ${btoa(`hooks:${SECRETS.basic}`)}` }, body: json }, 200],
      ["/gh", { method: "POST", headers: { "x-hub-signature-256": await octokitSign(SECRETS.github, json), "x-github-delivery": "control-1" }, body: json }, 200],
      ["/st", { method: "POST", headers: { "content-type": "application/json", "stripe-signature": stripeSig }, body: json }, 200],
      ["/sw", { method: "POST", headers: sw, body: json }, 200],
      ["/any", { method: "POST", headers: { "stripe-signature": stripeSig }, body: json }, 200],
      ["/q", { method: "POST", headers: { "x-hub-signature-256": await octokitSign(SECRETS.github, json) }, body: json }, 202],
    ];
    for (const [p, init, status] of genuine) expect((await call(`https://${HOST}${p}`, init)).status, p).toBe(status);
    await runDurableObjectAlarm(env.DELIVERY.get(env.DELIVERY.idFromName("delivery:q")));
    expect(origin.received.map((r) => new TextDecoder().decode(r.body))).toEqual(genuine.map(() => json));
  });

  /** Names only the gateway may set (or that claim where the request came from), and hop-by-hop ones. */
  const TRUSTED = ["x-hookgate-verified", "x-hookgate-request-id", "x-hookgate-event-id", "x-hookgate-dedup", "x-hookgate-received-at", "x-hookgate-unverified", "x-hookgate-attempt", "x-hookgate-x",
    "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-forwarded-port", "x-forwarded-prefix", "x-forwarded-ssl", "x-forwarded-client-cert", "x-real-ip", "true-client-ip", "forwarded", "x-client-ip", "x-cluster-client-ip"];
  const forgedHeaders = fc.array(
    fc.tuple(
      fc.oneof(fc.constantFrom(...TRUSTED), fc.constantFrom(...TRUSTED).map((n) => n.toUpperCase())),
      fc.string({ maxLength: 30 }).map((v) => `FORGED${v}`),
    ),
    { minLength: 1, maxLength: 6 },
  );
  const extraHeaders = fc.array(fc.tuple(fc.oneof(fc.constantFrom("connection", "content-type", "x-github-event", "user-agent"), fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/)), fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom(...TRUSTED).map((n) => `close, ${n}`))), { maxLength: 4 });

  it("genuine requests carrying random forged trust headers: the origin gets exactly the signed bytes and only the gateway's values", { timeout: 60_000 }, async () => {
    for (const r of ROUTES) await mustPutRoute(r);
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("tok", "gh"), forgedHeaders, extraHeaders, fc.string({ minLength: 1, maxLength: 500 }), fc.option(fc.ipV4(), { nil: undefined }), async (id, forged, extra, payload, clientIp) => {
        origin.received.length = 0;
        // unique per run: the gh route dedups on signature and body (its delivery id is unsigned)
        payload = `${++sent}:${payload}`;
        const headers = new Headers();
        for (const [name, value] of [...forged, ...extra]) {
          if (name.toLowerCase() === "x-hookgate-hop" || name.toLowerCase().startsWith("x-hub-") || name.toLowerCase() === "x-hook-token") continue;
          try {
            headers.append(name, value);
          } catch {
            // not representable over HTTP
          }
        }
        if (clientIp) headers.set("cf-connecting-ip", clientIp);
        headers.set("x-github-delivery", crypto.randomUUID());
        if (id === "gh") headers.set("x-hub-signature-256", await octokitSign(SECRETS.github, payload));
        const url = id === "tok" ? `https://${HOST}/tok?auth=${SECRETS.token}` : `https://${HOST}/gh`;
        const res = await call(url, { method: "POST", headers, body: payload });
        expect(res.status).toBe(200);
        expect(origin.received).toHaveLength(1);
        const got = origin.received[0]!;
        expect(new TextDecoder().decode(got.body)).toBe(payload);
        for (const [name, value] of got.headers) expect(value, name).not.toContain("FORGED");
        expect(got.headers.get("x-forwarded-for")).toBe(clientIp ?? null);
        expect(got.headers.get("x-forwarded-proto")).toBe("https");
        expect(got.headers.get("x-forwarded-host")).toBe(HOST);
        expect(got.headers.get("x-hookgate-verified")).toBe(id === "tok" ? "token:query" : "hmac:github");
        expect(got.headers.get("x-hookgate-request-id")).toBe(res.headers.get("x-hookgate-request-id"));
      }),
      { numRuns: 200 },
    );
  });
});
