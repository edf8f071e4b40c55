/**
 * Route and auth bypass, from an attacker's review: spellings of path, host, method and
 * query that might reach a protected route's origin without credentials; "any" mode's
 * corners; malformed signature headers; and bodies whose framing (gzip, chunked, a lying
 * Content-Length) might let the origin see other bytes than those verified. Whatever
 * reaches the origin is compared byte for byte with what was signed.
 * Signatures come from the providers' libraries (@octokit/webhooks-methods, stripe,
 * standardwebhooks); only bytes that are not UTF-8, which those libraries cannot sign, use
 * GitHub's documented construction, checked here against octokit first.
 */
import { sign as octokitSign } from "@octokit/webhooks-methods";
import { Webhook } from "standardwebhooks";
import Stripe from "stripe";
import { beforeEach, describe, expect, it } from "vitest";
import fixtures from "../fixtures/sns/messages.json";
import { BASE, call, mustPutRoute, text, useOrigin, type Received } from "../unit/helpers";

const ORIGIN = "http://origin.test";
const HOST = "hooks.example.com";
const GH_SECRET = "gh-bypass-secret-7b1c";
const TK = "tk-bypass-token-2f9d0a61";
const HD = "hd-bypass-token-c03e5b7a";
const PUBLIC_TK = "known-to-the-attacker";
const ST_SECRET = "whsec_bypass_stripe_5a1e";
const SW_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const stripeSdk = new Stripe("sk_test_unused");
const enc = (s: string) => new TextEncoder().encode(s);

const routes = {
  /** The protected route: a prefix, GitHub signatures. */
  gh: { id: "gh", host: HOST, path: "/gh", match: "prefix", origin: ORIGIN, auth: { methods: [{ type: "provider", provider: "github", secrets: [GH_SECRET] }] } },
  tk: { id: "tk", host: HOST, path: "/tk", match: "prefix", origin: ORIGIN, auth: { methods: [{ type: "token", in: "query", secrets: [TK] }] } },
  hd: { id: "hd", host: HOST, path: "/hd", origin: ORIGIN, auth: { methods: [{ type: "token", in: "header", name: "X-Hook-Token", secrets: [HD] }] } },
  /** A weak route whose token the attacker holds: it must open /open and nothing else. */
  open: { id: "open", host: HOST, path: "/open", origin: ORIGIN, auth: { methods: [{ type: "token", in: "query", secrets: [PUBLIC_TK] }] } },
  st: { id: "st", host: HOST, path: "/st", origin: ORIGIN, auth: { methods: [{ type: "provider", provider: "stripe", secrets: [ST_SECRET] }] } },
  sw: { id: "sw", host: HOST, path: "/sw", origin: ORIGIN, auth: { methods: [{ type: "provider", provider: "standard-webhooks", secrets: [SW_SECRET] }] } },
  basic: { id: "basic", host: HOST, path: "/basic", origin: ORIGIN, auth: { methods: [{ type: "basic", username: "hooks", secrets: ["basic-pw-88e1"], realm: "hooks" }] } },
};

const putAll = async (...ids: (keyof typeof routes)[]) => {
  for (const id of ids) await mustPutRoute(routes[id]);
};

/** A refusal: the status, a short JSON body naming the error, nothing about the request echoed. */
async function expectRefusal(res: Response, status: number, label: string) {
  expect(res.status, label).toBe(status);
  const body = await res.text();
  expect(body.length, label).toBeLessThan(200);
  expect(Object.keys(JSON.parse(body) as object).sort(), label).toEqual(["error", "requestId"]);
  for (const secret of [GH_SECRET, TK, HD, ST_SECRET, SW_SECRET]) expect(body, label).not.toContain(secret);
}

const post = (body = '{"zen":"x"}', headers: Record<string, string> = {}): RequestInit => ({ method: "POST", headers: { "content-type": "application/json", ...headers }, body });

describe("path, host, method and query spellings without credentials reach nothing", () => {
  const origin = useOrigin();
  beforeEach(() => putAll("gh", "tk", "hd", "open"));

  // [url, status, init]: status 401 where the spelling lands on a protected route (the URL
  // parser resolves dot segments, %2e included), 404 where it lands on none, 405 for methods.
  const spellings: [string, number, RequestInit?][] = [
    // the route itself and its prefix boundary
    ["/gh", 401],
    ["/gh/", 401],
    ["/gh/x", 401],
    ["/gh/x/y?z=1", 401],
    ["/ghx", 404],
    ["/gh-x", 404],
    ["/gh.x", 404],
    ["/gh_", 404],
    ["/g", 404],
    ["/", 404],
    // case
    ["/GH", 404],
    ["/Gh/x", 404],
    ["/gH/", 404],
    // encoded separators and dot segments
    ["/gh%2Fx", 404],
    ["/gh%2fx", 404],
    ["/gh%2F", 404],
    ["/%67h", 404],
    ["/%67%68/x", 404],
    ["/gh/%2e%2e/tk", 401], // resolved to /tk: its own token is required
    ["/gh/%2E%2E/", 404], // resolved to /
    ["/gh/.%2e/open", 401], // resolved to /open: its token is required
    ["/gh/%2e/x", 401],
    ["/x/%2e%2e/gh", 401],
    ["/x/../gh", 401],
    ["/./gh", 401],
    ["/gh/./x", 401],
    ["/gh/..", 404],
    ["/gh/..%2f", 401],
    ["/gh/..%2F..%2Fadmin", 401],
    ["/gh/%252e%252e/x", 401],
    ["/gh\\x", 401], // a backslash is a slash in https URLs
    ["/gh\\..\\tk", 401],
    // doubled and odd separators
    ["//gh", 404],
    ["///gh", 404],
    ["/gh//x", 401],
    ["//gh/x", 404],
    ["/gh;x", 404],
    ["/gh;/x", 404],
    ["/gh%00", 404],
    ["/gh%00/x", 404],
    ["/gh%20", 404],
    ["/gh%09", 404],
    ["/gh\t", 401], // the URL parser drops tabs
    ["/ gh", 404],
    // query and fragment
    ["/gh?", 401],
    ["/gh#x", 401],
    ["/gh?/../tk", 401],
    ["/gh?x=%2F..%2Ftk", 401],
    ["/tk", 401],
    ["/tk?auth=", 401],
    ["/tk?auth", 401],
    [`/tk?AUTH=${TK}`, 401],
    [`/tk?Auth=${TK}`, 401],
    [`/tk?auth%00=${TK}`, 401],
    [`/tk?auth[]=${TK}`, 401],
    [`/tk?auth%20=${TK}`, 401],
    [`/tk?x=auth=${TK}`, 401],
    [`/tk#auth=${TK}`, 401],
    [`/tk?x=1#&auth=${TK}`, 401],
    [`/tk;auth=${TK}`, 404],
    [`/tk?auth=${TK}%20`, 401],
    [`/tk?auth=${TK.toUpperCase()}`, 401],
    [`/tk?auth=${TK.slice(0, -1)}`, 401],
    [`/tk?auth=${TK}x`, 401],
    [`/tk?auth=%${TK}`, 401],
    // a header token is not read from the query, nor from a look-alike header
    ["/hd", 401],
    [`/hd?X-Hook-Token=${HD}`, 401],
    [`/hd?x-hook-token=${HD}`, 401],
    ["/hd", 401, post(undefined, { "x-hook-token": "" })],
    ["/hd", 401, post(undefined, { "x-hook-token2": HD })],
    ["/hd", 401, post(undefined, { "x-hook-token": ` ${HD}x` })],
    ["/hd/", 404],
    ["/HD", 404],
    // the attacker's own token for /open does not open anything else
    [`/open/../gh?auth=${PUBLIC_TK}`, 401],
    [`/open/%2e%2e/tk?auth=${PUBLIC_TK}`, 401],
    [`/open%2F..%2Fgh?auth=${PUBLIC_TK}`, 404],
    [`/open/..%2Fgh?auth=${PUBLIC_TK}`, 404],
    [`/open/?auth=${PUBLIC_TK}`, 404],
    [`/open//gh?auth=${PUBLIC_TK}`, 404],
    [`/open;/gh?auth=${PUBLIC_TK}`, 404],
    [`/gh?auth=${PUBLIC_TK}`, 401],
    [`/tk?auth=${PUBLIC_TK}`, 401],
    [`/hd?auth=${PUBLIC_TK}`, 401],
    // methods
    ["/gh", 405, { method: "GET" }],
    ["/gh", 405, { method: "HEAD" }],
    ["/gh", 405, { method: "PUT", body: "x" }],
    ["/gh", 405, { method: "PATCH", body: "x" }],
    ["/gh", 405, { method: "patch", body: "x" }],
    ["/gh", 405, { method: "DELETE" }],
    ["/gh", 405, { method: "OPTIONS" }],
    ["/gh", 405, { method: "PROPFIND" }],
    ["/gh", 401, { method: "post", body: "x" }], // fetch normalises post to POST: still needs the signature
    ["/gh", 401, post(undefined, { "x-http-method-override": "GET" })],
    ["/gh", 405, { method: "GET", headers: { "x-http-method-override": "POST" } }],
    [`/tk?auth=${TK}`, 405, { method: "GET" }],
  ];

  it(`${spellings.length} path, query and method spellings: 401, 404 or 405, never forwarded`, async () => {
    for (const [path, status, init] of spellings) {
      const res = await call(`https://${HOST}${path}`, init ?? post());
      if (init?.method === "HEAD") expect(res.status, path).toBe(status);
      else await expectRefusal(res, status, `${init?.method ?? "POST"} ${path}`);
    }
    expect(origin.received).toEqual([]);
  });

  const hosts: [string, number, RequestInit?][] = [
    [`https://HOOKS.EXAMPLE.COM/gh`, 401],
    [`https://Hooks.Example.Com/GH`, 404],
    [`https://hooks.example.com./gh`, 401],
    [`https://HOOKS.example.com./tk`, 401],
    [`https://hooks.example.com../gh`, 401],
    [`https://hooks.example.com:443/gh`, 401],
    [`https://hooks.example.com:8443/gh`, 401],
    [`https://hooks%2eexample%2ecom/gh`, 401],
    [`https://ｈooks.example.com/gh`, 401], // full-width h: IDNA maps it to the same host
    [`https://hooks。example。com/gh`, 401], // ideographic full stops
    [`https://other.example.com/gh`, 404],
    [`https://hooks.example.com.evil.test/gh`, 404],
    [`https://evil.test/gh`, 404, post(undefined, { host: HOST })], // the URL decides, not a Host header
    [`https://hooks.example.com/gh`, 401, post(undefined, { host: "evil.test" })],
    [`https://hooks.example.com/gh`, 401, post(undefined, { "x-forwarded-host": "evil.test", "x-original-url": "/open" })],
    [`https://x.hooks.example.com/gh`, 404],
    [`https://hooks.example.co/gh`, 404],
    [`http://hooks.example.com/gh?auth=${TK}`, 403],
  ];

  it(`${hosts.length} host spellings: the same route (case, trailing dots, ports, IDNA) or none; Host headers are ignored`, async () => {
    for (const [url, status, init] of hosts) await expectRefusal(await call(url, init ?? post()), status, url);
    expect(origin.received).toEqual([]);
  });

  it("a trailing dot, or two, is the same named host: never a fall-through to a \"*\" route whose token the attacker holds", async () => {
    await mustPutRoute({ id: "star", host: "*", path: "/gh", match: "prefix", origin: ORIGIN, auth: { methods: [{ type: "token", in: "query", secrets: [PUBLIC_TK] }] } });
    for (const host of ["hooks.example.com.", "hooks.example.com..", "HOOKS.EXAMPLE.COM...", "hooks.example.com.:443"]) {
      await expectRefusal(await call(`https://${host}/gh/x?auth=${PUBLIC_TK}`, post()), 401, host);
    }
    expect(origin.received).toEqual([]);
    // the "*" route still serves other hosts, so the refusals above came from the named route
    expect((await call(`https://elsewhere.example/gh?auth=${PUBLIC_TK}`, post())).status).toBe(200);
    expect(origin.received.map((r) => r.url)).toEqual([`${ORIGIN}/gh`]);
  });

  it("with the /open token, only /open itself reaches the origin, and without the token", async () => {
    for (const path of ["/open", "/open?x=1", `/open?a=%2F..%2Fgh`, "/open#/../gh"]) {
      const sep = path.includes("?") ? "&" : "?";
      const [p, hash = ""] = path.split("#");
      expect((await call(`https://${HOST}${p}${sep}auth=${PUBLIC_TK}${hash && `#${hash}`}`, post())).status, path).toBe(200);
    }
    expect(origin.received.map((r) => new URL(r.url).pathname)).toEqual(["/open", "/open", "/open", "/open"]);
    expect(origin.received.map((r) => r.url).join(" ")).not.toContain(PUBLIC_TK);
  });

  it("a repeated token parameter: the first value is the one judged, and every copy is stripped before forwarding", async () => {
    await expectRefusal(await call(`https://${HOST}/tk?auth=wrong&auth=${TK}`, post()), 401, "wrong first");
    expect(origin.received).toEqual([]);
    expect((await call(`https://${HOST}/tk?auth=${TK}&auth=wrong&%61uth=again&k=v`, post())).status).toBe(200);
    expect(origin.received[0]!.url).toBe(`${ORIGIN}/tk?k=v`);
  });
});

describe('auth mode "any" and "all": corners', () => {
  const origin = useOrigin();
  const route = (mode: "any" | "all") => ({
    id: `m-${mode}`,
    host: "*",
    path: `/m-${mode}`,
    origin: ORIGIN,
    auth: {
      mode,
      methods: [
        { type: "token", in: "header", name: "X-Hook-Token", secrets: [HD] },
        { type: "provider", provider: "github", secrets: [GH_SECRET] },
        { type: "provider", provider: "stripe", secrets: [ST_SECRET] },
      ],
    },
  });
  const body = '{"action":"opened","n":1}';
  const forged = "sha256=" + "0".repeat(64);
  const send = (mode: string, headers: Record<string, string>) => call(`${BASE}/m-${mode}`, post(body, headers));

  it('"any": no credentials, or only wrong ones, is 401 and nothing is forwarded', async () => {
    await mustPutRoute(route("any"));
    const stripeForged = `t=${Math.floor(Date.now() / 1000)},v1=${"0".repeat(64)}`;
    const attempts: Record<string, string>[] = [
      {},
      { "x-hook-token": "wrong" },
      { "x-hook-token": "" },
      { "x-hub-signature-256": forged },
      { "x-hook-token": "wrong", "x-hub-signature-256": forged, "stripe-signature": stripeForged },
      { "x-hub-signature-256": await octokitSign("another secret", body) },
      { "x-hub-signature-256": await octokitSign(GH_SECRET, `${body} `) }, // signed other bytes
      { "stripe-signature": await stripeSdk.webhooks.generateTestHeaderStringAsync({ payload: body, secret: "whsec_other" }) },
    ];
    for (const headers of attempts) await expectRefusal(await send("any", headers), 401, JSON.stringify(headers));
    expect(origin.received).toEqual([]);
  });

  it('"any": one method passing is enough, a failed signature beside a valid token included; the origin sees which passed', async () => {
    await mustPutRoute(route("any"));
    const good = await octokitSign(GH_SECRET, body);
    const stripeGood = await stripeSdk.webhooks.generateTestHeaderStringAsync({ payload: body, secret: ST_SECRET });
    const cases: [Record<string, string>, string][] = [
      [{ "x-hook-token": HD }, "token:header"],
      [{ "x-hook-token": HD, "x-hub-signature-256": forged }, "token:header"], // by design: one is enough
      [{ "x-hook-token": "wrong", "x-hub-signature-256": good }, "hmac:github"],
      [{ "x-hub-signature-256": good }, "hmac:github"],
      [{ "x-hub-signature-256": forged, "stripe-signature": stripeGood }, "hmac:stripe"],
      [{ "x-hook-token": HD, "x-hub-signature-256": good }, "token:header"], // the first to pass is named
    ];
    for (const [headers, verified] of cases) expect((await send("any", headers)).status, JSON.stringify(headers)).toBe(200);
    expect(origin.received.map((r) => r.headers.get("x-hookgate-verified"))).toEqual(cases.map(([, v]) => v));
    for (const r of origin.received) {
      expect(text(r.body)).toBe(body);
      expect(r.headers.get("x-hook-token")).toBeNull(); // the gateway's credential, right or wrong, is never forwarded
    }
  });

  it('"all": a valid token does not cover a failed signature, nor one valid signature a missing one', async () => {
    await mustPutRoute(route("all"));
    const good = await octokitSign(GH_SECRET, body);
    const stripeGood = await stripeSdk.webhooks.generateTestHeaderStringAsync({ payload: body, secret: ST_SECRET });
    const partial: Record<string, string>[] = [
      { "x-hook-token": HD, "x-hub-signature-256": forged, "stripe-signature": stripeGood },
      { "x-hook-token": "wrong", "x-hub-signature-256": good, "stripe-signature": stripeGood },
      { "x-hook-token": HD, "x-hub-signature-256": good },
      { "x-hub-signature-256": good, "stripe-signature": stripeGood },
    ];
    for (const headers of partial) {
      await expectRefusal(await send("all", headers), 401, JSON.stringify(headers));
    }
    expect(origin.received).toEqual([]);
    expect((await send("all", { "x-hook-token": HD, "x-hub-signature-256": good, "stripe-signature": stripeGood })).status).toBe(200);
    expect(origin.received[0]!.headers.get("x-hookgate-verified")).toBe("token:header,hmac:github,hmac:stripe");
  });
});

describe("duplicate, empty, comma-joined and enormous credential headers", () => {
  const origin = useOrigin();
  beforeEach(() => putAll("gh", "st", "sw", "hd", "basic"));
  const body = '{"id":"evt_dup","n":2}';

  /** Standard Webhooks headers signed by the standardwebhooks library. */
  const swHeaders = (id = "msg_dup") => {
    const at = new Date();
    return { "webhook-id": id, "webhook-timestamp": String(Math.floor(at.getTime() / 1000)), "webhook-signature": new Webhook(SW_SECRET).sign(id, at, body) };
  };

  it("each malformed shape of each route's credential header is a clean 401", async () => {
    const gh = await octokitSign(GH_SECRET, body);
    const st = await stripeSdk.webhooks.generateTestHeaderStringAsync({ payload: body, secret: ST_SECRET });
    const sw = swHeaders();
    const huge = "a".repeat(64 * 1024);
    /** Each shape of a credential header, from the route's valid and forged values. */
    const shapes = (valid: string, forged: string): [string, string][] => [
      ["empty", ""],
      ["blank", " "],
      ["a forgery twice, comma-joined", `${forged}, ${forged}`],
      ["a forgery and the valid value, comma-joined", `${forged},${valid}`],
      ["the valid value and a forgery, comma-joined", `${valid}, ${forged}`],
      // four characters: one is only base64 padding, which Standard Webhooks may leave out
      ["the valid value less its last 4 characters", valid.slice(0, -4)],
      ["a forgery padded to 64 KB", `${forged}${huge}`],
      ["64 KB of letters", huge],
      ["32 K commas", ",".repeat(32 * 1024)],
    ];
    const now = String(Math.floor(Date.now() / 1000));
    const routesUnderTest: { path: string; name: string; valid: string; forged: string; side?: Record<string, string> }[] = [
      { path: "/gh", name: "x-hub-signature-256", valid: gh, forged: `sha256=${"ab".repeat(32)}`, side: { "x-github-delivery": "d1" } },
      { path: "/st", name: "stripe-signature", valid: st, forged: `t=${now},v1=${"ab".repeat(32)}` },
      { path: "/sw", name: "webhook-signature", valid: sw["webhook-signature"], forged: `v1,${btoa("x".repeat(32))}`, side: { "webhook-id": sw["webhook-id"], "webhook-timestamp": sw["webhook-timestamp"] } },
      { path: "/hd", name: "x-hook-token", valid: HD, forged: "wrong-token" },
      { path: "/basic", name: "authorization", valid: `Basic ${btoa("hooks:basic-pw-88e1")}`, forged: `Basic ${btoa("hooks:nope")}` },
    ];
    let n = 0;
    for (const r of routesUnderTest) {
      for (const [what, value] of shapes(r.valid, r.forged)) {
        // Standard Webhooks lists signatures by spaces: "forged, valid" there holds the genuine one (next test)
        if (r.path === "/sw" && what.includes("valid value, comma")) continue;
        const headers = new Headers({ "content-type": "application/json", ...r.side });
        headers.set(r.name, value);
        await expectRefusal(await call(`${BASE}${r.path}`, { method: "POST", headers, body }), 401, `${r.path} ${r.name}: ${what}`);
        n++;
      }
    }
    expect(n).toBe(44);
    expect(origin.received).toEqual([]);
  });

  it("a valid signature sent twice (two header lines): GitHub and Stripe refuse the joined value, Standard Webhooks takes any listed signature", async () => {
    const twice = (name: string, value: string, side: Record<string, string> = {}) => {
      const headers = new Headers({ "content-type": "application/json", ...side });
      headers.append(name, value);
      headers.append(name, value);
      return { method: "POST", headers, body };
    };
    await expectRefusal(await call(`${BASE}/gh`, twice("x-hub-signature-256", await octokitSign(GH_SECRET, body))), 401, "github twice");
    await expectRefusal(await call(`${BASE}/st`, twice("stripe-signature", await stripeSdk.webhooks.generateTestHeaderStringAsync({ payload: body, secret: ST_SECRET }))), 401, "stripe twice");
    const sw = swHeaders();
    expect(origin.received).toEqual([]);
    // "v1,sig, v1,sig": the first entry ("sig,") does not decode, the second is the genuine signature
    const { "webhook-signature": sig, ...side } = sw;
    expect((await call(`${BASE}/sw`, twice("webhook-signature", sig, side))).status).toBe(200);
    expect(origin.received.map((r) => text(r.body))).toEqual([body]);
  });

  it("a valid credential beside a second copy of the header with a forgery is refused, in either order (github, token)", async () => {
    const gh = await octokitSign(GH_SECRET, body);
    for (const [path, name, good, bad] of [
      ["/gh", "x-hub-signature-256", gh, `sha256=${"0".repeat(64)}`],
      ["/hd", "x-hook-token", HD, "wrong"],
    ] as const) {
      for (const order of [[good, bad], [bad, good]]) {
        const headers = new Headers({ "content-type": "application/json" });
        for (const v of order) headers.append(name, v);
        await expectRefusal(await call(`${BASE}${path}`, { method: "POST", headers, body }), 401, `${path} ${order.join(" | ")}`);
      }
    }
    expect(origin.received).toEqual([]);
  });

  it("an 8 MiB Basic credential is a 401, not a 500 (base64ToBytes threw RangeError past ~6 MiB before its fix)", async () => {
    const res = await call(`${BASE}/basic`, post(body, { authorization: `Basic ${"A".repeat(8 * 1024 * 1024)}` }));
    await expectRefusal(res, 401, "8 MiB Basic");
    expect(res.headers.get("www-authenticate")).toContain("Basic");
  });

  it("an SNS message with an 8 MiB Signature field from a stranger is a 401, not a 500 (same fix)", async () => {
    const f = fixtures as unknown as { topicArn: string; certUrl: string; certificate: { pem: string }; messages: { notificationV1: Record<string, string> } };
    await mustPutRoute({
      id: "sns",
      host: "*",
      path: "/sns",
      origin: ORIGIN,
      limits: { maxBodyBytes: 16 * 1024 * 1024 },
      auth: { methods: [{ type: "provider", provider: "sns", topicArns: [f.topicArn], certificates: { [f.certUrl]: f.certificate.pem } }] },
    });
    const message = { ...f.messages.notificationV1, Signature: "A".repeat(8 * 1024 * 1024) };
    await expectRefusal(await call(`${BASE}/sns`, { method: "POST", headers: { "content-type": "text/plain; charset=UTF-8" }, body: JSON.stringify(message) }), 401, "sns 8 MiB");
    expect(origin.received).toEqual([]);
  });
});

describe("body framing: the origin gets exactly the verified bytes, or nothing", () => {
  const origin = useOrigin();
  beforeEach(() => putAll("gh", "tk", "sw"));

  /** GitHub's documented construction (hex HMAC-SHA256 of the raw bytes), for bytes octokit cannot take as a string. */
  async function githubSignBytes(secret: string, bytes: Uint8Array): Promise<string> {
    const key = await crypto.subtle.importKey("raw", enc(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, bytes));
    return `sha256=${[...mac].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
  }
  async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
    const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip"));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  }
  const streamOf = (bytes: Uint8Array, chunk: number) => {
    let at = 0;
    return new ReadableStream<Uint8Array>({
      pull(c) {
        if (at >= bytes.length) return c.close();
        c.enqueue(bytes.slice(at, (at += chunk)));
      },
    });
  };
  const expectExactly = (got: Received[], bodies: Uint8Array[]) => expect(got.map((r) => Array.from(r.body))).toEqual(bodies.map((b) => Array.from(b)));

  it("the documented construction used for raw bytes agrees with octokit", async () => {
    expect(await githubSignBytes(GH_SECRET, enc('{"a":"é"}'))).toBe(await octokitSign(GH_SECRET, '{"a":"é"}'));
  });

  it("Content-Encoding: gzip is neither inflated nor re-encoded: signed over the gzip bytes it is forwarded as is; signed over the inflated text it is refused", async () => {
    const json = '{"zen":"compressed","pad":"' + "z".repeat(500) + '"}';
    const packed = await gzip(enc(json));
    const gz = { "content-type": "application/json", "content-encoding": "gzip" };
    await expectRefusal(await call(`${BASE}/gh`, { method: "POST", headers: { ...gz, "x-hub-signature-256": await octokitSign(GH_SECRET, json) }, body: packed }), 401, "signed inflated");
    expect(origin.received).toEqual([]);
    expect((await call(`${BASE}/gh`, { method: "POST", headers: { ...gz, "x-hub-signature-256": await githubSignBytes(GH_SECRET, packed) }, body: packed })).status).toBe(200);
    expect((await call(`${BASE}/tk?auth=${TK}`, { method: "POST", headers: gz, body: packed })).status).toBe(200);
    expectExactly(origin.received, [packed, packed]);
    for (const r of origin.received) expect(r.headers.get("content-encoding")).toBe("gzip");
  });

  it("a chunked body (a stream, no Content-Length) is verified and forwarded whole, byte for byte, whatever the chunk size", async () => {
    const json = JSON.stringify({ zen: "streamed", items: Array.from({ length: 200 }, (_, i) => `item-${i}-é`) });
    const bytes = enc(json);
    const sig = await octokitSign(GH_SECRET, json);
    for (const chunk of [1, 7, 1000, bytes.length]) {
      const res = await call(`${BASE}/gh`, { method: "POST", headers: { "content-type": "application/json", "x-hub-signature-256": sig }, body: streamOf(bytes, chunk), duplex: "half" } as RequestInit);
      expect(res.status, `chunk ${chunk}`).toBe(200);
    }
    expectExactly(origin.received, [bytes, bytes, bytes, bytes]);
    // the same stream with one byte more than was signed is refused
    const longer = enc(`${json} `);
    await expectRefusal(await call(`${BASE}/gh`, { method: "POST", headers: { "x-hub-signature-256": sig }, body: streamOf(longer, 64), duplex: "half" } as RequestInit), 401, "stream longer than signed");
    expect(origin.received).toHaveLength(4);
  });

  it("a Content-Length that disagrees with the body: the real bytes are what is verified and forwarded, never a truncation or padding", async () => {
    const json = '{"zen":"lengths","n":12345}';
    const bytes = enc(json);
    const sig = await octokitSign(GH_SECRET, json);
    const signedPrefix = await octokitSign(GH_SECRET, json.slice(0, 5));
    for (const declared of ["5", "1", "0", String(bytes.length + 1), "500", "abc", "-1", "1e2", ` ${bytes.length}`, `${bytes.length}, ${bytes.length}`, "0x10"]) {
      const res = await call(`${BASE}/gh`, { method: "POST", headers: { "content-length": declared, "x-hub-signature-256": sig }, body: bytes });
      expect(res.status, `declared ${declared}`).toBe(200);
      // a signature over what the declared length would cover does not pass
      await expectRefusal(await call(`${BASE}/gh`, { method: "POST", headers: { "content-length": declared, "x-hub-signature-256": signedPrefix }, body: bytes }), 401, `prefix, declared ${declared}`);
    }
    expect(origin.received).toHaveLength(11);
    for (const r of origin.received) {
      expect(Array.from(r.body)).toEqual(Array.from(bytes));
      expect([null, String(bytes.length)]).toContain(r.headers.get("content-length"));
    }
    // Content-Length and Transfer-Encoding together: the bytes are counted, the framing headers not forwarded
    const res = await call(`${BASE}/tk?auth=${TK}`, { method: "POST", headers: { "content-length": "3", "transfer-encoding": "chunked" }, body: streamOf(bytes, 4), duplex: "half" } as RequestInit);
    expect(res.status).toBe(200);
    const last = origin.received.at(-1)!;
    expect(Array.from(last.body)).toEqual(Array.from(bytes));
    expect(last.headers.get("transfer-encoding")).toBeNull();
  });

  it("a declared or streamed body over the cap is 413 and nothing is forwarded, even with a valid token", async () => {
    await mustPutRoute({ ...routes.tk, id: "small", path: "/small", limits: { maxBodyBytes: 64 } });
    const big = new Uint8Array(65).fill(0x61);
    await expectRefusal(await call(`${BASE}/small?auth=${TK}`, { method: "POST", headers: { "content-length": "65" }, body: big }), 413, "declared");
    await expectRefusal(await call(`${BASE}/small?auth=${TK}`, { method: "POST", headers: { "content-length": "10" }, body: big }), 413, "declared less");
    await expectRefusal(await call(`${BASE}/small?auth=${TK}`, { method: "POST", body: streamOf(big, 10), duplex: "half" } as RequestInit), 413, "streamed");
    expect(origin.received).toEqual([]);
  });

  it("binary and non-UTF-8 bodies signed by Standard Webhooks' library arrive unchanged (latin-1 range text, NUL, CRLF)", async () => {
    const payload = "a\u0000b\r\nc\u00ff\u00e9\u2028d";
    const id = "msg_bytes";
    const at = new Date();
    const headers = { "webhook-id": id, "webhook-timestamp": String(Math.floor(at.getTime() / 1000)), "webhook-signature": new Webhook(SW_SECRET).sign(id, at, payload) };
    expect((await call(`${BASE}/sw`, { method: "POST", headers, body: payload })).status).toBe(200);
    expectExactly(origin.received, [enc(payload)]);
  });
});
