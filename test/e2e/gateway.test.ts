/**
 * The real worker (wrangler dev, workerd) in front of a real origin on 127.0.0.1: what the
 * origin receives is compared byte for byte; signatures come from the providers' SDKs.
 */
import { sign as octokitSign } from "@octokit/webhooks-methods";
import { execFile } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import Stripe from "stripe";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, freePort, startGateway, startOrigin, type Gateway, type Origin } from "./helpers";

const run = promisify(execFile);
const stripe = new Stripe("sk_test_unused");

let gateway: Gateway;
let origin: Origin;

beforeAll(async () => {
  [gateway, origin] = await Promise.all([startGateway(), startOrigin()]);
  const routes = [
    { id: "stripe", path: "/hooks/stripe", auth: { methods: [{ type: "hmac", preset: "stripe", secrets: ["whsec_e2e"] }] } },
    { id: "github", path: "/hooks/github", auth: { methods: [{ type: "hmac", preset: "github", secrets: ["gh-e2e"] }] } },
    { id: "token", path: "/hooks/token", auth: { methods: [{ type: "token", in: "query", secrets: ["tk-e2e"] }] } },
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

describe("end to end through wrangler dev", () => {
  it("forwards a Stripe event (signed by the stripe SDK) byte for byte, with the gateway's headers", async () => {
    const payload = JSON.stringify({ id: "evt_e2e", object: "event", name: "\\u00e4\\u00f6\\u00e5", amount: 2000 });
    const signature = stripe.webhooks.generateTestHeaderString({ payload, secret: "whsec_e2e" });
    const res = await fetch(`${gateway.url}/hooks/stripe?x=1`, { method: "POST", headers: { "stripe-signature": signature, "content-type": "application/json" }, body: payload });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("ok");
    const [got] = origin.received;
    expect(got!.body.equals(Buffer.from(payload))).toBe(true);
    expect(got!.url).toBe("/hooks/stripe?x=1");
    expect(got!.headers["stripe-signature"]).toBe(signature);
    expect(got!.headers["x-hookgate-verified"]).toBe("hmac:stripe");
    expect(got!.headers["x-forwarded-proto"]).toBe("http");
    expect(got!.headers["x-forwarded-host"]).toBe(new URL(gateway.url).host);
    expect(got!.headers["x-forwarded-for"]).toBeTruthy();
  });

  it("forwards XML, form-encoded and binary bodies byte for byte (GitHub preset)", async () => {
    const bodies: [string, Buffer][] = [
      ["application/xml", Buffer.from('<?xml version="1.0" encoding="UTF-8"?><event id="7"><note>&amp; ä</note></event>')],
      ["application/x-www-form-urlencoded", Buffer.from("payload=%7B%22zen%22%3A%22ok%22%7D&x=a+b&y=%E2%9C%93")],
      ["application/octet-stream", Buffer.concat([Buffer.from([0, 0xff, 0xc3, 0x28, 0x0d, 0x0a, 0]), randomBytes(4096)])],
    ];
    for (const [type, body] of bodies) {
      // octokit's sign() takes strings; the non-UTF-8 body is signed by GitHub's documented construction.
      const signature = type === "application/octet-stream" ? `sha256=${createHmac("sha256", "gh-e2e").update(body).digest("hex")}` : await octokitSign("gh-e2e", body.toString("utf8"));
      const res = await fetch(`${gateway.url}/hooks/github`, { method: "POST", headers: { "content-type": type, "x-hub-signature-256": signature }, body: new Uint8Array(body) });
      expect(res.status, type).toBe(200);
    }
    expect(origin.received.map((r) => r.body.toString("hex"))).toEqual(bodies.map(([, b]) => b.toString("hex")));
    expect(origin.received.map((r) => r.headers["content-type"])).toEqual(bodies.map(([t]) => t));
  });

  it("a tampered body gets 401 and never reaches the origin", async () => {
    const payload = '{"id":"evt_1"}';
    const signature = stripe.webhooks.generateTestHeaderString({ payload, secret: "whsec_e2e" });
    const res = await fetch(`${gateway.url}/hooks/stripe`, { method: "POST", headers: { "stripe-signature": signature }, body: '{"id":"evt_2"}' });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: "unauthenticated" });
    expect(origin.received).toHaveLength(0);
  });

  it("removes the URL token from the forwarded URL and the Basic credentials from the headers", async () => {
    expect((await fetch(`${gateway.url}/hooks/token?a=1&auth=tk-e2e&b=2`, { method: "POST", body: "t" })).status).toBe(200);
    const basic = `Basic ${Buffer.from("hooks:pw:e2e").toString("base64")}`;
    expect((await fetch(`${gateway.url}/hooks/basic`, { method: "POST", headers: { authorization: basic }, body: "b" })).status).toBe(200);
    expect(origin.received[0]!.url).toBe("/hooks/token?a=1&b=2");
    expect(origin.received[1]!.headers.authorization).toBeUndefined();
  });

  it("answers 502 with Retry-After when the origin's port is closed", async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    await gateway.admin("PUT", "/routes/down", { host: "*", path: "/hooks/down", origin: closed, auth: { methods: [{ type: "token", in: "query", secrets: ["t"] }] } });
    const res = await fetch(`${gateway.url}/hooks/down?auth=t`, { method: "POST", body: "x" });
    expect([502, 503, 504]).toContain(res.status);
    expect(res.headers.get("retry-after")).toBeTruthy();
  });

  it("answers 504 with Retry-After when the origin does not answer in time", async () => {
    await gateway.admin("PUT", "/routes/slow", { host: "*", path: "/hooks/slow", origin: origin.url, originTimeoutMs: 500, auth: { methods: [{ type: "token", in: "query", secrets: ["t"] }] } });
    origin.respond = () => "hang";
    const res = await fetch(`${gateway.url}/hooks/slow?auth=t`, { method: "POST", body: "x" });
    expect(res.status).toBe(504);
    expect(res.headers.get("retry-after")).toBe("30");
  });

  it("the CLI signs and sends a Stripe event that the gateway accepts, and reports a bad config's field", async () => {
    const env = { ...process.env, HOOKGATE_URL: gateway.url, HOOKGATE_ADMIN_TOKEN: ADMIN_TOKEN };
    const sent = await run(process.execPath, ["bin/hookgate.mjs", "send", `${gateway.url}/hooks/stripe`, "--provider", "stripe", "--secret", "whsec_e2e"], { env });
    expect(sent.stdout).toMatch(/^200 OK/);
    expect(origin.received).toHaveLength(1);
    const rejected = await run(process.execPath, ["bin/hookgate.mjs", "send", `${gateway.url}/hooks/stripe`, "--provider", "stripe", "--secret", "whsec_wrong"], { env });
    expect(rejected.stdout).toMatch(/^401 Unauthorized/);
    const bad = join(tmpdir(), `hookgate-bad-${process.pid}.json`);
    writeFileSync(bad, JSON.stringify({ id: "bad", host: "*", path: "/bad", auth: { methods: [{ type: "hmac", preset: "stripe", secrets: [] }] } }));
    const failed = await run(process.execPath, ["bin/hookgate.mjs", "routes", "put", bad], { env }).catch((e: { code: number; stdout: string }) => e);
    expect((failed as { code: number }).code).toBe(1);
    expect((failed as { stdout: string }).stdout).toContain('"path": "auth.methods.0.secrets"');
  });
});
