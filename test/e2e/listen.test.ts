/**
 * `hookgate listen --forward` against a real `wrangler dev` and a real local server on
 * 127.0.0.1, as a developer runs it: signed events arrive in order and once each, through a
 * gateway restart (the listener reconnects and catches up) and a new listener session (a
 * listen-mode route keeps what nobody took); a non-loopback --forward is refused; a paused
 * route keeps every event and drains them in order on resume; `replay --forward` re-sends one.
 */
import { sign as octokitSign } from "@octokit/webhooks-methods";
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, PROJECT_ROOT, runCli, startGateway, startOrigin, stopGroup, type Gateway, type Origin } from "./helpers";

const SECRET = "listen-e2e-secret";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let gateway: Gateway;
let origin: Origin;
let local: Origin;
const listeners: ChildProcess[] = [];

const route = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  host: "*",
  path: `/hooks/${id}`,
  origin: origin.url,
  auth: { methods: [{ type: "provider", provider: "github", secrets: [SECRET] }] },
  ...extra,
});

async function put(config: Record<string, unknown>) {
  const res = await gateway.admin("PUT", `/routes/${config.id}`, config);
  expect(res.status, await res.clone().text()).toBe(200);
}

async function send(id: string, body: string) {
  const res = await fetch(`${gateway.url}/hooks/${id}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-github-delivery": randomUUID(), "x-hub-signature-256": await octokitSign(SECRET, body) },
    body,
    signal: AbortSignal.timeout(10_000),
  });
  await res.arrayBuffer();
  return res.status;
}

/** A `hookgate listen` process, its output collected; stopped by its PID group at the end. */
function startListener(id: string, extra: string[] = []) {
  const child = spawn(process.execPath, [join(PROJECT_ROOT, "bin/hookgate.mjs"), "listen", id, "--url", gateway.url, "--token", ADMIN_TOKEN, ...extra], {
    cwd: PROJECT_ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1" },
  });
  listeners.push(child);
  const out = { stdout: "", stderr: "" };
  child.stdout!.on("data", (c) => (out.stdout += c));
  child.stderr!.on("data", (c) => (out.stderr += c));
  return { child, out, stop: () => stopGroup(child) };
}

async function until(what: string, check: () => boolean, ms = 30_000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const bodies = (o: Origin, path?: string) => o.received.filter((r) => !path || r.url.startsWith(path)).map((r) => r.body.toString());

beforeAll(async () => {
  [gateway, origin, local] = await Promise.all([startGateway(), startOrigin(), startOrigin()]);
});

afterAll(async () => {
  await Promise.all(listeners.map((c) => stopGroup(c)));
  await Promise.all([gateway?.stop(), origin?.close(), local?.close()]);
});

describe("hookgate listen --forward", () => {
  it("forwards every verified event in order, once each, with the provider's bytes and headers; survives a gateway restart", async () => {
    await put(route("dev"));
    const listener = startListener("dev", ["--forward", `${local.url}/`]);
    await until("the listener to connect", () => listener.out.stderr.includes("listening on route dev"));

    const sent = Array.from({ length: 6 }, (_, i) => `{"n":${i},"phase":"before"}`);
    for (const body of sent) expect(await send("dev", body)).toBe(200);
    await until("6 local deliveries", () => local.received.length >= 6);
    expect(bodies(local)).toEqual(sent);
    const first = local.received[0]!;
    expect(first.url).toBe("/hooks/dev");
    expect(first.headers["x-hub-signature-256"]).toBe(await octokitSign(SECRET, sent[0]!));
    expect(first.headers["x-hookgate-verified"]).toBe("hmac:github");
    expect(first.headers["x-github-delivery"]).toMatch(/^[0-9a-f-]{36}$/);
    // Each ack carries what the local server answered: the event's forward history.
    await until("the first ack", () => listener.out.stdout.includes("local 200"));
    const heard = (await (await gateway.admin("GET", "/routes/dev/listen/events/1")).json()) as { local?: { status: number } };
    expect(heard.local?.status).toBe(200);

    // The gateway dies and comes back on the same address and state: the listener reconnects and
    // catches up what arrived before it did.
    await gateway.kill();
    const restarted = await startGateway({}, { stateDir: gateway.stateDir, port: gateway.port });
    const stateDir = gateway.stateDir;
    gateway = { ...restarted, stop: async () => (await restarted.stop(), rmSync(stateDir, { recursive: true, force: true })) };
    const after = Array.from({ length: 4 }, (_, i) => `{"n":${i},"phase":"after restart"}`);
    for (const body of after) expect(await send("dev", body)).toBe(200);
    await until("every event after the restart", () => local.received.length >= 10, 45_000);
    await sleep(500); // nothing more arrives: no event twice
    expect(bodies(local)).toEqual([...sent, ...after]);
    expect(listener.out.stderr).toMatch(/connection lost|reconnect/);
    // One line per event: time, seq, decision, event id, the local answer.
    expect(listener.out.stdout.trim().split("\n").filter((l) => l.includes("local 200"))).toHaveLength(10);
    await listener.stop();
  }, 120_000);

  it("a listen-mode route (no origin) keeps events until a listener takes them; a new session gets only what nobody took", async () => {
    local.received.length = 0;
    await put({ ...route("kept"), origin: undefined, delivery: { mode: "listen" } });
    for (let i = 0; i < 3; i++) expect(await send("kept", `{"k":${i}}`)).toBe(202);

    const a = startListener("kept", ["--forward", `${local.url}/inbox`]);
    await until("3 kept events forwarded", () => local.received.length >= 3);
    expect(bodies(local)).toEqual(['{"k":0}', '{"k":1}', '{"k":2}']);
    expect(local.received.every((r) => r.url === "/inbox")).toBe(true);
    await until("the last ack", () => a.out.stdout.split("\n").filter((l) => l.includes("local 200")).length >= 3);
    await sleep(300);
    await a.stop();

    for (let i = 3; i < 5; i++) expect(await send("kept", `{"k":${i}}`)).toBe(202);
    const b = startListener("kept", ["--forward", `${local.url}/inbox`]);
    await until("the 2 new events", () => local.received.length >= 5);
    await sleep(500);
    expect(bodies(local)).toEqual(['{"k":0}', '{"k":1}', '{"k":2}', '{"k":3}', '{"k":4}']);
    await b.stop();
    expect(origin.received.filter((r) => r.url.startsWith("/hooks/kept"))).toHaveLength(0);
  }, 90_000);

  it("without --forward: a live view of decisions, refusals with their reason", async () => {
    await put(route("view"));
    const viewer = startListener("view");
    await until("the viewer to connect", () => viewer.out.stderr.includes("listening on route view"));
    expect(await send("view", '{"ok":1}')).toBe(200);
    const forged = await fetch(`${gateway.url}/hooks/view`, { method: "POST", headers: { "x-hub-signature-256": "sha256=00", "x-github-delivery": "x" }, body: "{}" });
    expect(forged.status).toBe(401);
    await until("two lines", () => viewer.out.stdout.trim().split("\n").length >= 2);
    const [ok, refused] = viewer.out.stdout.trim().split("\n");
    expect(ok).toMatch(/#1 {2}forwarded {2}200/);
    expect(refused).toMatch(/#2 {2}rejected {3}401 {2}hmac:github:\S+/);
    await viewer.stop();
  });

  it("refuses a --forward that is not loopback, a wrong token and an unknown route, each with one sentence", async () => {
    const remote = await runCli(["listen", "dev", "--url", gateway.url, "--token", ADMIN_TOKEN, "--forward", "https://example.com/hook"]);
    expect(remote.code).toBe(2);
    expect(remote.stderr).toMatch(/--forward must be a loopback URL/);
    const token = await runCli(["listen", "dev", "--url", gateway.url, "--token", "wrong"]);
    expect(token.code).toBe(2);
    expect(token.stderr).toMatch(/admin token was refused/);
    const missing = await runCli(["listen", "nope", "--url", gateway.url, "--token", ADMIN_TOKEN]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no route "nope"/);
  });

  it("replay --forward re-sends one stored event to the local server, byte for byte", async () => {
    local.received.length = 0;
    const viewer = startListener("dev");
    await until("the viewer to connect", () => viewer.out.stderr.includes("listening on route dev"));
    expect(await send("dev", '{"replay":"me"}')).toBe(200);
    await until("the event line", () => /#(\d+)/.test(viewer.out.stdout));
    await viewer.stop();
    const seq = /#(\d+)/.exec(viewer.out.stdout)![1]!;
    const replayed = await runCli(["replay", "dev", seq, "--url", gateway.url, "--token", ADMIN_TOKEN, "--forward", local.url]);
    expect(replayed.stderr).toBe("");
    expect(replayed.stdout).toMatch(new RegExp(`replayed ${seq} → 200`));
    expect(bodies(local)).toEqual(['{"replay":"me"}']);
    expect(local.received[0]!.headers["x-hub-signature-256"]).toBe(await octokitSign(SECRET, '{"replay":"me"}'));

    // A time range: a dry run lists what would go and sends nothing; then each is sent with a progress line.
    const cli = (...extra: string[]) => runCli(["replay", "dev", "--since", "1h", "--url", gateway.url, "--token", ADMIN_TOKEN, "--forward", local.url, ...extra]);
    const dry = await cli("--dry-run");
    expect(dry.code, dry.stderr).toBe(0);
    const heard = Number(/^dry run: (\d+) event\(s\) would be sent/.exec(dry.stdout)?.[1]);
    expect(heard).toBeGreaterThanOrEqual(11); // the first test's 10 and this one
    expect(bodies(local)).toHaveLength(1);
    const bulk = await cli();
    expect(bulk.code, bulk.stderr).toBe(0);
    expect(bulk.stdout).toMatch(new RegExp(`^\\[1/${heard}\\] #1 `));
    expect(bulk.stdout).toContain(`${heard} of ${heard} sent`);
    expect(bodies(local).slice(1)).toHaveLength(heard);
  });
});

describe("pause and resume", () => {
  it("a paused route keeps every event (202) and drains all of them in order on resume", async () => {
    await put(route("held"));
    const paused = await runCli(["routes", "pause", "held", "--url", gateway.url, "--token", ADMIN_TOKEN]);
    expect(paused.code, paused.stderr).toBe(0);
    expect(paused.stdout).toMatch(/^paused route held: events are kept \(202\), nothing goes to the origin; 0 pending/);
    const sent = Array.from({ length: 40 }, (_, i) => `{"held":${i}}`);
    for (const body of sent) expect(await send("held", body)).toBe(202);
    await sleep(1500);
    expect(bodies(origin, "/hooks/held")).toEqual([]);

    const resumed = await runCli(["routes", "resume", "held", "--url", gateway.url, "--token", ADMIN_TOKEN]);
    expect(resumed.stdout.trim()).toBe("resumed route held: 40 kept event(s) now drain, oldest first");
    await until("the drain", () => bodies(origin, "/hooks/held").length >= 40);
    await sleep(300);
    expect(bodies(origin, "/hooks/held")).toEqual(sent);
    expect(await send("held", '{"live":1}')).toBe(200);
  }, 60_000);
});
