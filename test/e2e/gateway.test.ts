/**
 * The real worker (wrangler dev, workerd) in front of a real origin on 127.0.0.1: what the
 * origin receives is compared byte for byte; signatures come from the providers' SDKs.
 */
import { sign as octokitSign } from "@octokit/webhooks-methods";
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Stripe from "stripe";
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished } from "vitest";
import { ADMIN_TOKEN, freePort, runCli, startGateway, startOrigin, type Gateway, type Origin } from "./helpers";

const stripe = new Stripe("sk_test_unused");
const STRIPE_SECRET = "whsec_e2e";
const GITHUB_SECRET = "gh-e2e";

let gateway: Gateway;
let origin: Origin;

/**
 * GitHub's signature over raw bytes. octokit's sign() takes a string and signs its UTF-8
 * encoding, so bytes that are not valid UTF-8 cannot pass through it; for those the same
 * construction (checked against octokit on every text body below) is computed directly.
 */
async function githubSign(body: Buffer): Promise<string> {
  const direct = `sha256=${createHmac("sha256", GITHUB_SECRET).update(body).digest("hex")}`;
  const text = body.toString("utf8");
  if (!Buffer.from(text, "utf8").equals(body)) return direct;
  const viaOctokit = await octokitSign(GITHUB_SECRET, text);
  expect(viaOctokit).toBe(direct);
  return viaOctokit;
}

function post(path: string, body: BodyInit, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${gateway.url}${path}`, { method: "POST", headers, body, signal: AbortSignal.timeout(20_000) });
}

beforeAll(async () => {
  [gateway, origin] = await Promise.all([startGateway(), startOrigin()]);
  const routes = [
    { id: "stripe", path: "/hooks/stripe", auth: { methods: [{ type: "provider", provider: "stripe", secrets: [STRIPE_SECRET] }] } },
    { id: "github", path: "/hooks/github", auth: { methods: [{ type: "provider", provider: "github", secrets: [GITHUB_SECRET] }] } },
    { id: "token", path: "/hooks/token", auth: { methods: [{ type: "token", in: "query", secrets: ["tk-e2e"] }] } },
    { id: "header-token", path: "/hooks/gitlab", auth: { methods: [{ type: "token", in: "header", name: "X-Gitlab-Token", secrets: ["gl-e2e"] }] } },
    { id: "basic", path: "/hooks/basic", auth: { methods: [{ type: "basic", username: "hooks", secrets: ["pw:e2e"] }] } },
  ];
  for (const r of routes) {
    const res = await gateway.admin("PUT", `/routes/${r.id}`, { host: "*", origin: origin.url, ...r });
    expect(res.status, await res.clone().text()).toBe(200);
  }
}, 90_000);

afterAll(async () => {
  await gateway?.stop();
  await origin?.close();
});

beforeEach(() => {
  origin.received.length = 0;
  origin.respond = () => ({ status: 200, body: "ok" });
});

describe("forwarding through wrangler dev", () => {
  it("forwards a Stripe event (signed by the stripe SDK) byte for byte, with the gateway's headers", async () => {
    const payload = JSON.stringify({ id: "evt_e2e", object: "event", name: "\\u00e4\\u00f6\\u00e5 äöå", amount: 2000 });
    const signature = stripe.webhooks.generateTestHeaderString({ payload, secret: STRIPE_SECRET });
    const res = await post("/hooks/stripe?x=1", payload, { "stripe-signature": signature, "content-type": "application/json" });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("ok");
    expect(origin.received).toHaveLength(1);
    const got = origin.received[0]!;
    expect(got.method).toBe("POST");
    expect(got.url).toBe("/hooks/stripe?x=1");
    expect(got.body.equals(Buffer.from(payload))).toBe(true);
    expect(got.headers["content-type"]).toBe("application/json");
    expect(got.headers["stripe-signature"]).toBe(signature);
    expect(got.headers["x-hookgate-verified"]).toBe("hmac:stripe");
    expect(got.headers["x-forwarded-proto"]).toBe("http");
    expect(got.headers["x-forwarded-host"]).toBe(new URL(gateway.url).host);
    expect(got.headers["x-forwarded-for"]).toBeTruthy();
    expect(got.headers["x-hookgate-request-id"]).toBe(res.headers.get("x-hookgate-request-id"));
  });

  it("forwards XML, form-encoded and binary bodies byte for byte (GitHub preset), signature headers kept", async () => {
    const bodies: [string, Buffer][] = [
      ["application/xml", Buffer.from('<?xml version="1.0" encoding="UTF-8"?>\r\n<event id="7"><note>&amp; ä ✓</note></event>\n')],
      ["application/x-www-form-urlencoded", Buffer.from("payload=%7B%22zen%22%3A%22ok%22%7D&x=a+b&y=%E2%9C%93&empty=")],
      ["application/octet-stream", Buffer.concat([Buffer.from([0x00, 0xff, 0xc3, 0x28, 0x0d, 0x0a, 0x00, 0x80]), randomBytes(4096), Buffer.from([0xed, 0xa0, 0x80])])],
    ];
    const sent: { signature: string; delivery: string }[] = [];
    for (const [type, body] of bodies) {
      const signature = await githubSign(body);
      const delivery = randomUUID();
      sent.push({ signature, delivery });
      const res = await post("/hooks/github", new Uint8Array(body), { "content-type": type, "x-hub-signature-256": signature, "x-github-event": "push", "x-github-delivery": delivery });
      expect(res.status, type).toBe(200);
    }
    expect(origin.received.map((r) => r.body.toString("hex"))).toEqual(bodies.map(([, b]) => b.toString("hex")));
    expect(origin.received.map((r) => r.headers["content-type"])).toEqual(bodies.map(([t]) => t));
    for (const [i, got] of origin.received.entries()) {
      expect(got.headers["x-hub-signature-256"]).toBe(sent[i]!.signature);
      expect(got.headers["x-github-delivery"]).toBe(sent[i]!.delivery);
      expect(got.headers["x-github-event"]).toBe("push");
      expect(got.headers["x-hookgate-verified"]).toBe("hmac:github");
    }
  });

  it("forwards a chunked binary body (no Content-Length) byte for byte", async () => {
    const body = Buffer.concat([Buffer.from([0x00, 0xfe, 0xff]), randomBytes(70_000)]);
    const signature = await githubSign(body);
    const parts = [body.subarray(0, 5), body.subarray(5, 40_000), body.subarray(40_000)];
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = parts.shift();
        if (next) controller.enqueue(new Uint8Array(next));
        else controller.close();
      },
    });
    const res = await fetch(`${gateway.url}/hooks/github`, {
      method: "POST",
      headers: { "content-type": "application/octet-stream", "x-hub-signature-256": signature },
      body: stream,
      duplex: "half",
      signal: AbortSignal.timeout(20_000),
    } as RequestInit);
    expect(res.status).toBe(200);
    expect(origin.received).toHaveLength(1);
    expect(origin.received[0]!.body.equals(body)).toBe(true);
  });

  it("a body changed in one byte after signing gets 401 and never reaches the origin", async () => {
    const payload = '{"id":"evt_1","amount":2000}';
    const signature = stripe.webhooks.generateTestHeaderString({ payload, secret: STRIPE_SECRET });
    const res = await post("/hooks/stripe", payload.replace("2000", "9000"), { "stripe-signature": signature, "content-type": "application/json" });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: "unauthenticated" });
    const github = await post("/hooks/github", "tampered", { "x-hub-signature-256": await githubSign(Buffer.from("tampereD")) });
    expect(github.status).toBe(401);
    expect(origin.received).toHaveLength(0);
  });

  it("removes the URL token from the forwarded URL and keeps every other byte of the query", async () => {
    expect((await post("/hooks/token?a=1&auth=tk-e2e&b=%2F+x", "t1")).status).toBe(200);
    expect((await post("/hooks/token?auth=tk-e2e", "t2")).status).toBe(200);
    expect((await post("/hooks/token?auth=wrong", "t3")).status).toBe(401);
    expect(origin.received.map((r) => [r.url, r.body.toString()])).toEqual([
      ["/hooks/token?a=1&b=%2F+x", "t1"],
      ["/hooks/token", "t2"],
    ]);
    expect(origin.received[0]!.headers["x-hookgate-verified"]).toBeTruthy();
  });

  it("does not forward the token header it checked", async () => {
    expect((await post("/hooks/gitlab", "g", { "x-gitlab-token": "gl-e2e", "x-gitlab-event": "Push Hook" })).status).toBe(200);
    const [got] = origin.received;
    expect(got!.headers["x-gitlab-token"]).toBeUndefined();
    expect(got!.headers["x-gitlab-event"]).toBe("Push Hook");
    expect(got!.body.toString()).toBe("g");
  });

  it("does not forward the Basic credentials; a wrong password gets 401 with WWW-Authenticate", async () => {
    const basic = (pw: string) => `Basic ${Buffer.from(`hooks:${pw}`).toString("base64")}`;
    expect((await post("/hooks/basic", "b\u0000", { authorization: basic("pw:e2e") })).status).toBe(200);
    const wrong = await post("/hooks/basic", "nope", { authorization: basic("pw:wrong") });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("www-authenticate")).toMatch(/^Basic /);
    expect(origin.received).toHaveLength(1);
    expect(origin.received[0]!.headers.authorization).toBeUndefined();
    expect(origin.received[0]!.body.equals(Buffer.from("b\u0000"))).toBe(true);
  });
});

describe("origin failures", () => {
  it("answers 502 origin_unreachable with Retry-After when the origin's port is closed", async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const put = await gateway.admin("PUT", "/routes/down", { host: "*", path: "/hooks/down", origin: closed, auth: { methods: [{ type: "token", in: "query", secrets: ["t"] }] } });
    expect(put.status).toBe(200);
    const res = await post("/hooks/down?auth=t", "x");
    expect([502, 503, 504]).toContain(res.status);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await res.json()).toMatchObject({ error: "origin_unreachable" });
  });

  it("answers 504 origin_timeout with Retry-After when the origin does not answer in time", async () => {
    const put = await gateway.admin("PUT", "/routes/slow", { host: "*", path: "/hooks/slow", origin: origin.url, originTimeoutMs: 500, auth: { methods: [{ type: "token", in: "query", secrets: ["t"] }] } });
    expect(put.status).toBe(200);
    origin.respond = () => "hang";
    const res = await post("/hooks/slow?auth=t", "x");
    expect(res.status).toBe(504);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await res.json()).toMatchObject({ error: "origin_timeout" });
  });
});

describe("the hookgate CLI against the worker", () => {
  const env = () => ({ HOOKGATE_URL: gateway.url, HOOKGATE_ADMIN_TOKEN: ADMIN_TOKEN });

  it("send signs like the provider: accepted, wrong secret and --tamper rejected", async () => {
    const accepted = await runCli(["send", `${gateway.url}/hooks/stripe`, "--provider", "stripe", "--secret", STRIPE_SECRET], env());
    expect(accepted.code).toBe(0);
    expect(accepted.stdout).toMatch(/^200 OK\n/);
    expect(accepted.stdout).toMatch(/^x-hookgate-request-id: \S+$/m);
    expect(origin.received).toHaveLength(1);
    expect(JSON.parse(origin.received[0]!.body.toString())).toMatchObject({ object: "event" });

    const github = await runCli(["send", `${gateway.url}/hooks/github`, "--provider", "github", "--secret", GITHUB_SECRET], env());
    expect(github.stdout).toMatch(/^200 OK\n/);
    expect(origin.received[1]!.headers["x-github-event"]).toBe("push");

    const wrong = await runCli(["send", `${gateway.url}/hooks/stripe`, "--provider", "stripe", "--secret", "whsec_wrong"], env());
    expect(wrong.code).toBe(0); // a demo tool: the status is the answer
    expect(wrong.stdout).toMatch(/^401 Unauthorized\n/);
    expect(wrong.stdout).toContain('"error":"unauthenticated"');
    const tampered = await runCli(["send", `${gateway.url}/hooks/github`, "--provider", "github", "--secret", GITHUB_SECRET, "--tamper"], env());
    expect(tampered.stdout).toMatch(/^401 Unauthorized\n/);
    expect(origin.received).toHaveLength(2);
  });

  it("send fails only when the gateway cannot be reached", async () => {
    const res = await runCli(["send", `http://127.0.0.1:${await freePort()}/hooks/x`, "--provider", "none"], env());
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain("cannot reach");
  });

  it("routes put/get/list/delete for people and with --json; an invalid file names each issue and exits non-zero", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hookgate-cli-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = (name: string, content: unknown) => {
      const path = join(dir, `${name}.json`);
      writeFileSync(path, JSON.stringify(content));
      return path;
    };
    const good = file("good", [
      { id: "cli-a", host: "*", path: "/cli/a", origin: origin.url, auth: { methods: [{ type: "token", in: "query", secrets: ["secret-a"] }] } },
      { id: "cli-b", host: "*", path: "/cli/b", origin: origin.url, auth: { methods: [{ type: "basic", username: "u", secrets: ["secret-b"] }] } },
    ]);
    const put = await runCli(["routes", "put", good], env());
    expect(put.code, put.stdout + put.stderr).toBe(0);
    expect(put.stdout.trim().split("\n")).toEqual(["[1/2] stored route cli-a (*/cli/a)", "[2/2] stored route cli-b (*/cli/b)"]);
    const got = await runCli(["routes", "get", "cli-b"], env());
    expect(JSON.parse(got.stdout)).toMatchObject({ id: "cli-b", path: "/cli/b" });
    expect(got.stdout).not.toContain("secret-b");
    const list = await runCli(["routes", "list", "--json"], env());
    expect((JSON.parse(list.stdout) as { routes: { id: string }[] }).routes.map((r) => r.id)).toEqual(expect.arrayContaining(["cli-a", "cli-b"]));
    // For people: a table with the auth, the delivery mode and the health.
    const table = (await runCli(["routes", "list"], env())).stdout.split("\n");
    expect(table[0]).toMatch(/^ROUTE +MATCH +PROVIDER \/ AUTH +DELIVERY +HEALTH/);
    expect(table.find((l) => l.startsWith("cli-b"))).toMatch(/^cli-b +\*\/cli\/b +basic +sync +idle/);
    const deleted = await runCli(["routes", "delete", "cli-a"], env());
    expect([deleted.code, deleted.stdout.trim()]).toEqual([0, "deleted route cli-a"]);
    const gone = await runCli(["routes", "get", "cli-a"], env());
    expect(gone.code).toBe(1);
    expect(gone.stderr.trim()).toBe('hookgate: not found: /routes/cli-a (is "cli-a" a route? hookgate routes list)');
    expect(JSON.parse((await runCli(["routes", "get", "cli-a", "--json"], env())).stdout)).toEqual({ error: "not_found" });

    const bad = file("bad", { id: "bad", host: "*", path: "/bad", auth: { methods: [{ type: "provider", provider: "stripe", secrets: [] }] } });
    const failed = await runCli(["routes", "put", bad], env());
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^hookgate: the config was refused:\n {2}auth\.methods\.0\.secrets: needs at least one secret/);
    const answer = JSON.parse((await runCli(["routes", "put", bad, "--json"], env())).stdout) as { error: string; issues: { path: string; message: string }[] };
    expect(answer.error).toBe("invalid_config");
    expect(answer.issues.map((i) => i.path)).toContain("auth.methods.0.secrets");

    const token = await runCli(["routes", "list"], { ...env(), HOOKGATE_ADMIN_TOKEN: "wrong" });
    expect(token.code).toBe(1);
    expect(token.stderr).toMatch(/^hookgate: the admin token was refused: pass --token or set HOOKGATE_ADMIN_TOKEN/);
    const closed = `http://127.0.0.1:${await freePort()}`;
    const down = await runCli(["routes", "list", "--url", closed], env());
    expect(down.code).toBe(2);
    expect(down.stderr.trim()).toBe(`hookgate: cannot reach ${closed} (ECONNREFUSED): is the gateway running? (npm start for a local one, or check --url)`);
  });
});
