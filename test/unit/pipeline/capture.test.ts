/**
 * Secret capture for Asana and Notion (pipeline/capture.ts), end to end inside workerd: the
 * admin arms capture, the provider's creation handshake stores its secret (sealed, through the
 * registry), and the provider's signed deliveries verify from then on. Everything else is
 * refused with its reason and recorded, and the captured value shows up in no log line, no
 * event-log row and no admin read (but Notion's token in `GET …/capture`, to the admin).
 * Signed deliveries are the vectors of test/vectors/providers.json (Asana's documented
 * handshake secret; Notion's per its docs).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import vectors from "../../vectors/providers.json";
import { ADMIN, BASE, call, mustPutRoute, putRoute, useOrigin } from "../helpers";

interface Vector {
  provider: string;
  name: string;
  method: { secrets: string[] };
  request: { headers: Record<string, string>; body: string };
  eventId?: string;
}
const vector = (provider: string) => (vectors as unknown as Vector[]).find((v) => v.provider === provider)!;
const ASANA = vector("asana");
const NOTION = vector("notion");

let seq = 0;
const fresh = (p: string) => `cap-${p}-${++seq}-${crypto.randomUUID().slice(0, 6)}`;

const route = (id: string, provider: "asana" | "notion", extra: Record<string, unknown> = {}) => ({
  id,
  host: "*",
  path: `/${id}`,
  origin: "http://origin.test",
  auth: { methods: [{ type: "provider", provider }] },
  observability: { storeBodies: true },
  ...extra,
});

const admin = (path: string, init: RequestInit = {}) => call(`${BASE}/__gateway${path}`, { ...init, headers: { ...ADMIN, "content-type": "application/json", ...(init.headers as object) } });
const arm = (id: string, body: unknown = {}) => admin(`/routes/${id}/capture`, { method: "POST", body: JSON.stringify(body) });
const state = async (id: string) => (await admin(`/routes/${id}/capture`)).json() as Promise<Record<string, unknown>>;
const asanaHandshake = (id: string, secret: string, headers: Record<string, string> = {}) => call(`${BASE}/${id}`, { method: "POST", headers: { "x-hook-secret": secret, ...headers } });
const notionHandshake = (id: string, token: string) => call(`${BASE}/${id}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ verification_token: token }) });
const deliver = (id: string, v: Vector) => call(`${BASE}/${id}`, { method: "POST", headers: v.request.headers, body: v.request.body });
const log = async (id: string) => ((await (await admin(`/routes/${id}/log`)).json()) as { entries: Record<string, unknown>[] }).entries;

/** Every console line the worker wrote during the test. */
let lines: string[] = [];
beforeEach(() => {
  lines = [];
  const real = console.log.bind(console);
  vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    lines.push(args.map(String).join(" "));
    void real;
  });
});
afterEach(() => vi.restoreAllMocks());

/** The secret appears in none of: log lines, the event log, the route's admin read. */
async function neverShown(id: string, secret: string) {
  for (const line of lines) expect(line).not.toContain(secret);
  expect(JSON.stringify(await log(id))).not.toContain(secret);
  expect(await (await admin(`/routes/${id}`)).text()).not.toContain(secret);
  expect(await (await admin("/routes")).text()).not.toContain(secret);
}

describe("asana: capture of X-Hook-Secret", () => {
  const origin = useOrigin();
  const secret = ASANA.method.secrets[0]!;

  it("a route may be saved without its secret, and then refuses every signed delivery with 401", async () => {
    const id = fresh("asana");
    await mustPutRoute(route(id, "asana"));
    const res = await deliver(id, ASANA);
    expect(res.status).toBe(401);
    expect(origin.received).toHaveLength(0);
    expect((await log(id))[0]).toMatchObject({ decision: "rejected", reason: "hmac:asana:no_active_secret" });
  });

  it("armed: the handshake stores the secret, is answered 200 with X-Hook-Secret echoed, disarms; deliveries signed with it are forwarded", async () => {
    const id = fresh("asana");
    await mustPutRoute(route(id, "asana"));
    const armed = await arm(id);
    expect(armed.status).toBe(200);
    const a = (await armed.json()) as { armedUntil: number; provider: string };
    expect(a.provider).toBe("asana");
    expect(a.armedUntil - Date.now()).toBeGreaterThan(9 * 60_000); // the default: 10 minutes
    expect(a.armedUntil - Date.now()).toBeLessThanOrEqual(10 * 60_000);

    const hs = await asanaHandshake(id, secret);
    expect(hs.status).toBe(200);
    expect(hs.headers.get("x-hook-secret")).toBe(secret);
    expect(origin.received).toHaveLength(0);

    const s = await state(id);
    expect(s).toMatchObject({ provider: "asana", armed: false, holdsSecret: true });
    expect(s.capturedAt).toBeTypeOf("number");
    expect(s).not.toHaveProperty("verificationToken"); // Asana's secret never leaves the gateway again

    const ok = await deliver(id, ASANA);
    expect(ok.status).toBe(200);
    expect(origin.received).toHaveLength(1);
    expect(new TextDecoder().decode(origin.received[0]!.body)).toBe(ASANA.request.body);
    expect(origin.received[0]!.headers.has("x-hook-secret")).toBe(false);

    const entries = await log(id);
    const handshake = entries.find((e) => e.decision === "handshake")!;
    expect(handshake).toBeDefined();
    expect(JSON.stringify(handshake.headers)).toContain("[masked, 64 chars]");
    await neverShown(id, secret);
  });

  it("not armed: refused with 403 capture_not_armed, recorded, nothing stored", async () => {
    const id = fresh("asana");
    await mustPutRoute(route(id, "asana"));
    const res = await asanaHandshake(id, secret);
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: "capture_not_armed" });
    expect(res.headers.has("x-hook-secret")).toBe(false);
    expect((await log(id))[0]).toMatchObject({ decision: "rejected", status: 403, reason: "capture_refused:capture_not_armed" });
    expect(await state(id)).toMatchObject({ armed: false, holdsSecret: false });
    expect((await deliver(id, ASANA)).status).toBe(401);
    await neverShown(id, secret);
  });

  it("refused handshakes count as authentication failures: a client repeating them is cooled down before it reaches the registry", async () => {
    const id = fresh("asana");
    await mustPutRoute(route(id, "asana", { rateLimit: { authFailures: { max: 3, periodSeconds: 60, cooldownSeconds: 300 } } }));
    const from = { "cf-connecting-ip": "203.0.113.77" };
    for (let i = 0; i < 3; i++) expect((await asanaHandshake(id, secret, from)).status).toBe(403);
    const cooled = await asanaHandshake(id, secret, from);
    expect(cooled.status).toBe(429);
    expect(await cooled.json()).toMatchObject({ error: "rate_limited" });
    // another client is not held back, and arming still lets the genuine handshake through
    expect((await arm(id)).status).toBe(200);
    expect((await asanaHandshake(id, secret, { "cf-connecting-ip": "198.51.100.9" })).status).toBe(200);
  });

  it("a second handshake is refused with 409 secret_already_set, even when armed again without replace", async () => {
    const id = fresh("asana");
    await mustPutRoute(route(id, "asana"));
    await arm(id);
    expect((await asanaHandshake(id, secret)).status).toBe(200);
    const again = await asanaHandshake(id, "another-secret-from-someone-else");
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ error: "secret_already_set" });
    const rearm = await arm(id);
    expect(rearm.status).toBe(409);
    expect(await rearm.json()).toMatchObject({ error: "secret_already_set" });
    expect((await deliver(id, ASANA)).status).toBe(200); // the first secret stands
    expect((await log(id)).some((e) => e.reason === "capture_refused:secret_already_set")).toBe(true);
  });

  it("an expired arming is refused with 403 capture_expired", async () => {
    const id = fresh("asana");
    await mustPutRoute(route(id, "asana"));
    expect((await arm(id, { minutes: 1 })).status).toBe(200);
    const later = Date.now() + 61_000;
    vi.spyOn(Date, "now").mockReturnValue(later);
    const res = await asanaHandshake(id, secret);
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: "capture_expired" });
    vi.mocked(Date.now).mockRestore();
    expect(await state(id)).toMatchObject({ holdsSecret: false });
  });

  it("a request carrying both X-Hook-Secret and X-Hook-Signature is no handshake: judged by its signature (401 without a secret)", async () => {
    const id = fresh("asana");
    await mustPutRoute(route(id, "asana"));
    await arm(id);
    const res = await asanaHandshake(id, secret, { "x-hook-signature": "00".repeat(32) });
    expect(res.status).toBe(401);
    expect(await state(id)).toMatchObject({ armed: true, holdsSecret: false });
  });

  it("a PUT that gives the method no secrets keeps the captured one; replace clears it and re-arms (fail closed until the new one)", async () => {
    const id = fresh("asana");
    await mustPutRoute(route(id, "asana"));
    await arm(id);
    expect((await asanaHandshake(id, secret)).status).toBe(200);
    await mustPutRoute(route(id, "asana", { originTimeoutMs: 5000 }));
    expect((await deliver(id, ASANA)).status).toBe(200);

    const replaced = await arm(id, { replace: true, minutes: 5 });
    expect(replaced.status).toBe(200);
    expect(await replaced.json()).toMatchObject({ replaced: true });
    expect((await deliver(id, ASANA)).status).toBe(401);
    expect((await asanaHandshake(id, secret)).status).toBe(200);
    expect((await deliver(id, ASANA)).status).toBe(200);
  });

  it("DELETE …/capture disarms", async () => {
    const id = fresh("asana");
    await mustPutRoute(route(id, "asana"));
    await arm(id);
    expect((await admin(`/routes/${id}/capture`, { method: "DELETE" })).status).toBe(200);
    expect((await asanaHandshake(id, secret)).status).toBe(403);
  });

  it("the admin API refuses bad arming bodies and routes without a capturing method", async () => {
    const id = fresh("asana");
    await mustPutRoute(route(id, "asana"));
    for (const body of [{ minutes: 0 }, { minutes: 61 }, { minutes: 1.5 }, { replace: "yes" }, { other: 1 }]) expect((await arm(id, body)).status, JSON.stringify(body)).toBe(400);
    const other = fresh("github");
    await mustPutRoute({ id: other, host: "*", path: `/${other}`, origin: "http://origin.test", auth: { methods: [{ type: "provider", provider: "github", secrets: ["s"] }] } });
    expect((await arm(other)).status).toBe(409);
    expect((await arm("no-such-route")).status).toBe(404);
    expect((await call(`${BASE}/__gateway/routes/${id}/capture`, { method: "POST" })).status).toBe(401); // no admin token
  });

  it("a route may hold one capturing method only", async () => {
    const id = fresh("asana");
    const res = await putRoute({ ...route(id, "asana"), auth: { methods: [{ type: "provider", provider: "asana" }, { type: "provider", provider: "notion" }] } });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("only one method of a route may capture its secret");
  });
});

describe("notion: capture of the verification_token", () => {
  const origin = useOrigin();
  const token = NOTION.method.secrets[0]!;

  it("armed: the verification request stores the token (200); GET …/capture shows it to the admin; signed events are forwarded", async () => {
    const id = fresh("notion");
    await mustPutRoute(route(id, "notion"));
    expect((await deliver(id, NOTION)).status).toBe(401); // no token yet: fail closed
    await arm(id, { minutes: 60 });
    const hs = await notionHandshake(id, token);
    expect(hs.status).toBe(200);
    expect(origin.received).toHaveLength(0);
    const s = await admin(`/routes/${id}/capture`);
    expect(s.headers.get("cache-control")).toBe("no-store");
    expect(await s.json()).toMatchObject({ provider: "notion", holdsSecret: true, verificationToken: token });

    const ok = await deliver(id, NOTION);
    expect(ok.status).toBe(200);
    expect(origin.received[0]!.headers.get("x-hookgate-event-id")).toBe(NOTION.eventId);
    // The handshake's body (the token) is not kept, although the route stores bodies.
    const handshake = (await log(id)).find((e) => e.decision === "handshake")!;
    expect(handshake).toBeDefined();
    expect(handshake.body).toBeUndefined();
    await neverShown(id, token);
  });

  it("not armed: refused 403, its body not kept", async () => {
    const id = fresh("notion");
    await mustPutRoute(route(id, "notion"));
    const res = await notionHandshake(id, token);
    expect(res.status).toBe(403);
    const [entry] = await log(id);
    expect(entry).toMatchObject({ reason: "capture_refused:capture_not_armed" });
    expect(entry!.body).toBeUndefined();
    await neverShown(id, token);
  });

  it("two racing verification requests: exactly one is stored, the other refused", async () => {
    const id = fresh("notion");
    await mustPutRoute(route(id, "notion"));
    await arm(id);
    const tokens = ["secret_racer-one-0000000000", "secret_racer-two-1111111111"];
    const answers = await Promise.all(tokens.map((t) => notionHandshake(id, t)));
    expect(answers.map((r) => r.status).sort()).toEqual([200, 409]);
    const winner = tokens[answers.findIndex((r) => r.status === 200)];
    expect(await state(id)).toMatchObject({ verificationToken: winner });
  });

  it("only a JSON object with a string verification_token, without X-Notion-Signature, is the verification request", async () => {
    const id = fresh("notion");
    await mustPutRoute(route(id, "notion"));
    await arm(id);
    const bodies = ['{"verification_token": 12}', '["secret_x"]', '{"verification_token": ""}', '{"verification_token": "has space"}', "verification_token=secret_x", ""];
    for (const body of bodies) {
      const res = await call(`${BASE}/${id}`, { method: "POST", headers: { "content-type": "application/json" }, body });
      expect(res.status, body).toBe(401);
    }
    const signed = await call(`${BASE}/${id}`, { method: "POST", headers: { "content-type": "application/json", "x-notion-signature": "sha256=" + "0".repeat(64) }, body: JSON.stringify({ verification_token: token }) });
    expect(signed.status).toBe(401);
    expect(await state(id)).toMatchObject({ armed: true, holdsSecret: false });
  });
});
