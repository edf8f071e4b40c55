/** The admin API: bearer auth, CRUD, validation errors that name the field, and secrets that never come back out. */
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { ADMIN, BASE, call, putRoute, useOrigin } from "../helpers";

const SECRETS = ["whsec_TOPSECRET_stripe", "TOKEN_TOPSECRET", "PASSWORD_TOPSECRET:x"];
const route = {
  id: "all-types",
  host: "*",
  path: "/hooks/all",
  origin: "http://origin.test",
  auth: {
    mode: "any",
    methods: [
      { type: "provider", provider: "stripe", secrets: [SECRETS[0], { value: "whsec_OLD_TOPSECRET", notAfter: "2030-01-01T00:00:00Z" }] },
      { type: "token", in: "query", secrets: [SECRETS[1]] },
      { type: "basic", username: "hooks", secrets: [SECRETS[2]] },
      // A preset's other secret (Meta's verify token) is sealed and redacted like the rest.
      { type: "provider", provider: "meta", secrets: ["APPSECRET_TOPSECRET"], verifyToken: "VERIFY_TOPSECRET" },
    ],
  },
};

const admin = (path: string, init: RequestInit = {}, bindings = {}) =>
  call(`${BASE}/__gateway${path}`, { ...init, headers: { ...ADMIN, ...(init.headers as Record<string, string>) } }, bindings);

describe("admin API", () => {
  useOrigin();

  it("answers health without a token", async () => {
    expect(await (await call(`${BASE}/__gateway/health`)).json()).toEqual({ ok: true });
  });

  it.each([
    ["no token", {}],
    ["a wrong token", { authorization: "Bearer nope" }],
    ["a Basic header", { authorization: `Basic ${btoa("a:test-admin-token")}` }],
  ])("401 with %s", async (_what, headers) => {
    const res = await call(`${BASE}/__gateway/routes`, { headers });
    expect(res.status).toBe(401);
  });

  it("401 for every call when ADMIN_TOKEN is not set", async () => {
    expect((await admin("/routes", {}, { ADMIN_TOKEN: undefined })).status).toBe(401);
  });

  it("refuses plain http", async () => {
    expect((await call("http://hooks.example.com/__gateway/routes", { headers: ADMIN })).status).toBe(403);
  });

  it("creates, reads, lists and deletes a route; secrets are write-only", async () => {
    const logs = vi.spyOn(console, "log");
    const put = await putRoute(route);
    expect(put.status).toBe(200);
    const responses = [await put.text()];

    const got = await admin("/routes/all-types");
    expect(got.status).toBe(200);
    const body = (await got.clone().json()) as typeof route;
    expect(body.auth.methods[0]!.secrets).toEqual([{ redacted: true }, { redacted: true, notAfter: "2030-01-01T00:00:00Z" }]);
    expect(body.auth.methods[3]).toMatchObject({ provider: "meta", secrets: [{ redacted: true }], verifyToken: { redacted: true } });
    responses.push(await got.text(), await (await admin("/routes")).text());

    const kvDump = await Promise.all((await env.ROUTES.list()).keys.map((k) => env.ROUTES.get(k.name)));
    const everything = [...responses, ...kvDump, ...logs.mock.calls.flat().map(String)].join("\n");
    for (const secret of [...SECRETS, "whsec_OLD_TOPSECRET"]) expect(everything).not.toContain(secret);
    expect(everything).not.toContain("TOPSECRET");

    expect((await admin("/routes/all-types", { method: "DELETE" })).status).toBe(200);
    expect((await admin("/routes/all-types")).status).toBe(404);
    expect((await admin("/routes/all-types", { method: "DELETE" })).status).toBe(404);
    expect(await (await admin("/routes")).json()).toEqual({ routes: [] });
  });

  it("replacing a route moves it in the index", async () => {
    await putRoute(route);
    await putRoute({ ...route, path: "/hooks/moved" });
    const res = await call(`${BASE}/hooks/all?auth=${SECRETS[1]}`, { method: "POST", body: "x" });
    expect(res.status).toBe(404);
    expect((await call(`${BASE}/hooks/moved?auth=${SECRETS[1]}`, { method: "POST", body: "x" })).status).toBe(200);
  });

  it("400 bad_json for a body that is not JSON", async () => {
    const res = await admin("/routes/x", { method: "PUT", body: "{not json" });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe("bad_json");
  });

  it("400 invalid_config naming the field", async () => {
    const res = await putRoute({ ...route, auth: { methods: [{ type: "provider", provider: "stripe", secrets: [] }] } });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: "invalid_config", issues: [{ path: "auth.methods.0.secrets", message: "needs at least one secret" }] });
  });

  it.each([
    ["an Ed25519 key that is not one", { type: "provider", provider: "discord", secrets: ["ab".repeat(16)] }, "not a 32-byte Ed25519 public key"],
    ["a SendGrid key that is not SPKI", { type: "provider", provider: "sendgrid", secrets: ["bm90IGEga2V5"] }, "not a usable"],
    ["an SNS certificate pin off the SNS hosts", { type: "provider", provider: "sns", topicArns: ["arn:aws:sns:us-east-1:123456789012:t"], certificates: { "https://example.com/c.pem": "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----" } }, "is not an https://sns"],
  ])("400 invalid_config and nothing stored for a config that parses but cannot be used: %s", async (_what, method, message) => {
    const res = await putRoute({ ...route, auth: { methods: [method] } });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; issues: { path: string; message: string }[] };
    expect(body.error).toBe("invalid_config");
    expect(body.issues[0]!.message).toContain(message);
    expect((await env.ROUTES.list()).keys).toHaveLength(0);
  });

  it("400 when the body's id differs from the URL's", async () => {
    const res = await admin("/routes/other", { method: "PUT", body: JSON.stringify(route) });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('"path": "id"');
  });

  it("500 and nothing stored when SECRETS_KEY is missing", async () => {
    const res = await admin("/routes/all-types", { method: "PUT", body: JSON.stringify(route) }, { SECRETS_KEY: undefined });
    expect(res.status).toBe(500);
    expect((await env.ROUTES.list()).keys).toHaveLength(0);
  });

  it("malformed query values and keys get a clear answer, never a crash", async () => {
    await putRoute({ ...route, dedup: {} });
    for (const q of ["limit=abc", "since=xyz", "until=&limit=-5", "limit=1e9"]) expect((await admin(`/routes/all-types/log?${q}`)).status).toBe(200);
    expect((await admin("/routes/all-types/dedup/%E0%A4%A")).status).toBe(400);
    expect((await admin("/routes/all-types/log/not-a-number")).status).toBe(404);
    expect((await admin("/routes/all-types/events?state=bogus")).status).toBe(400);
  });

  it("404 for unknown admin paths", async () => {
    expect((await admin("/nope")).status).toBe(404);
  });
});
