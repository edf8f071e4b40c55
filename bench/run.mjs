#!/usr/bin/env node
// `npm run bench` (full matrix, ~15 min) or `npm run bench:quick` (~1 min): the gateway
// under plain `workerd serve`, scenarios interleaved within each repetition, ratios to the
// passthrough worker taken side by side. Traffic only to 127.0.0.1; every run is bounded.
import { createHmac } from "node:crypto";
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { load } from "./measure.mjs";
import { report } from "./report.mjs";
import { bundle, startWorkerd, writeConfig } from "./workerd.mjs";

const QUICK = process.argv.includes("--quick");
// --only token,hmac: just these gateway scenarios (plus direct and passthrough), for spot checks.
const ONLY = process.argv.find((a) => a.startsWith("--only="))?.slice(7).split(",");
const NO_FLOOD = process.argv.includes("--no-flood") || (ONLY && !ONLY.includes("flood"));
const SIZES = QUICK ? [1024] : [1024, 64 * 1024, 1024 * 1024];
const REPS = QUICK ? 2 : 3;
const SECONDS = QUICK ? 4 : 8;
const CONNECTIONS = 32;
const SECRETS = { adminToken: "bench-admin-token", secretsKey: Buffer.alloc(32, 7).toString("base64") };
const GH_SECRET = "bench-github-secret";
const PROVIDER_IP = "192.0.2.10"; // documentation range, listed as the provider's in the flood route

try {
  execFileSync("wrk", ["--version"], { stdio: "ignore" });
} catch (e) {
  if (e.code === "ENOENT") {
    console.error("wrk is not installed: apt-get install -y wrk");
    process.exit(2);
  }
}

const freePort = async () => {
  const { createServer } = await import("node:net");
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
};

const dir = mkdtempSync(join(tmpdir(), "hookgate-bench-"));
const processes = [];
const stopAll = () => {
  for (const p of processes) p.stop();
};
process.on("exit", () => {
  stopAll();
  rmSync(dir, { recursive: true, force: true });
});
process.on("SIGINT", () => process.exit(130));
process.on("SIGTERM", () => process.exit(143));

// ---- servers ---------------------------------------------------------------------------

const originPort = await freePort();
const origin = spawn(process.execPath, [join(import.meta.dirname, "origin.mjs"), String(originPort)], { detached: true, stdio: ["ignore", "pipe", "inherit"] });
processes.push({ stop: () => process.kill(-origin.pid, "SIGTERM") });
await new Promise((resolve) => origin.stdout.once("data", resolve));
const originUrl = `http://127.0.0.1:${originPort}`;

const [gatewayPort, passthroughPort] = [await freePort(), await freePort()];
console.log("bundling the gateway (wrangler deploy --dry-run) …");
bundle(dir);
const config = writeConfig(dir, { gatewayPort, passthroughPort, originUrl, secrets: SECRETS });
const workerd = await startWorkerd(config, [gatewayPort, passthroughPort]);
processes.push(workerd);
const gateway = `http://127.0.0.1:${gatewayPort}`;

// ---- scenarios ---------------------------------------------------------------------------

const github = { type: "hmac", preset: "github", secrets: [GH_SECRET] };
const base = (id, extra) => ({ id, host: "*", path: `/b/${id}`, origin: originUrl, limits: { maxBodyBytes: 2 * 1024 * 1024 }, ...extra });
const ghSignature = (body) => `sha256=${createHmac("sha256", GH_SECRET).update(body).digest("hex")}`;

/** name, where the load goes, the route to PUT (if any), and how requests are built. */
const SCENARIOS = [
  { name: "direct", url: () => `${originUrl}/direct` },
  { name: "passthrough", url: () => `http://127.0.0.1:${passthroughPort}/pass` },
  { name: "token", route: base("token", { auth: { methods: [{ type: "token", in: "query", secrets: ["bench-token"] }] } }), url: (r) => `${gateway}${r.path}?auth=bench-token` },
  { name: "hmac", route: base("hmac", { auth: { methods: [github] } }), signed: true },
  { name: "ed25519", route: base("ed25519", { auth: { methods: [{ type: "discord", publicKeys: ["0".repeat(64)] }] } }), signed: true, optional: true },
  { name: "hmac+dedup", route: base("dedup", { auth: { methods: [github] }, dedup: {} }), signed: true, unique: "X-GitHub-Delivery" },
  { name: "hmac+dedup/4 shards", route: base("dedup4", { auth: { methods: [github] }, dedup: { shards: 4 } }), signed: true, unique: "X-GitHub-Delivery" },
  { name: "queue", route: base("queue", { auth: { methods: [github] }, dedup: {}, delivery: { mode: "queue" } }), signed: true, unique: "X-GitHub-Delivery", expect: 202 },
];

const FLOOD_ROUTE = base("flood", {
  auth: { methods: [github] },
  rateLimit: { perIp: { requests: 50, periodSeconds: 1 }, exemptCidrs: ["192.0.2.0/24"], authFailures: { max: 5, periodSeconds: 60, cooldownSeconds: 60 } },
});

async function admin(method, path, body) {
  return fetch(`${gateway}/__gateway${path}`, {
    method,
    headers: { authorization: `Bearer ${SECRETS.adminToken}`, "content-type": "application/json" },
    body: body && JSON.stringify(body),
  });
}

const available = [];
for (const s of SCENARIOS.filter((x) => !ONLY || ["direct", "passthrough", ...ONLY].includes(x.name))) {
  if (s.route) {
    const res = await admin("PUT", `/routes/${s.route.id}`, s.route);
    if (!res.ok) {
      if (!s.optional) throw new Error(`route ${s.route.id}: ${res.status} ${await res.text()}`);
      console.log(`${s.name}: n/a (feature not present: ${(await res.text()).slice(0, 120).replace(/\s+/g, " ")})`);
      continue;
    }
  }
  available.push(s);
}
if (!(await admin("PUT", "/routes/flood", FLOOD_ROUTE)).ok) throw new Error("flood route refused");

function bodyFile(size) {
  const file = join(dir, `body-${size}.json`);
  const skeleton = JSON.stringify({ id: "evt_bench", type: "push", pad: "" });
  writeFileSync(file, skeleton.replace('"pad":""', `"pad":"${"x".repeat(Math.max(0, size - skeleton.length))}"`));
  return file;
}

function requestFor(s, size) {
  const file = bodyFile(size);
  const body = Buffer.from(execFileSync("cat", [file]));
  const headers = { "cf-connecting-ip": PROVIDER_IP };
  if (s.signed) headers["X-Hub-Signature-256"] = ghSignature(body);
  if (s.signed && !s.unique) headers["X-GitHub-Delivery"] = "fixed-delivery";
  return { url: s.url ? s.url(s.route) : `${gateway}${s.route.path}`, bodyFile: file, headers, uniqueHeader: s.unique };
}

/** One request first: a benchmark of rejections would be meaningless. */
async function check(s, size) {
  const r = requestFor(s, size);
  const { readFileSync } = await import("node:fs");
  const headers = { ...r.headers, "content-type": "application/json", ...(r.uniqueHeader && { [r.uniqueHeader]: `check-${Date.now()}` }) };
  const res = await fetch(r.url, { method: "POST", headers, body: readFileSync(r.bodyFile) });
  await res.arrayBuffer();
  const want = s.expect ?? 200;
  if (res.status !== want) throw new Error(`${s.name} (${size} B): expected ${want}, got ${res.status}: check the scenario`);
}

const pids = [workerd.pid, origin.pid];
const runs = [];
for (const size of SIZES) for (const s of available) await check(s, size);

for (let rep = 1; rep <= REPS; rep++) {
  for (const size of SIZES) {
    for (const s of available) {
      const r = requestFor(s, size);
      const result = await load({ ...r, seconds: SECONDS, connections: CONNECTIONS, pids });
      runs.push({ rep, size, scenario: s.name, ...result });
      console.log(`rep ${rep} ${String(size).padStart(7)} B ${s.name.padEnd(20)} ${String(Math.round(result.rps)).padStart(7)} req/s  p50 ${result.p50Ms} ms  p99 ${result.p99Ms} ms  cpu ${result.cpuUsPerRequest} µs/req  non-2xx ${result.non2xx}`);
    }
  }
}

// ---- flood: genuine deliveries while forged requests pour in --------------------------------

async function floodRun(withFlood) {
  await fetch(`${originUrl}/__reset`);
  const size = 1024;
  const genuine = requestFor({ signed: true, unique: "X-GitHub-Delivery", route: FLOOD_ROUTE }, size);
  const forgedFile = bodyFile(size);
  const forged = {
    url: `${gateway}/b/flood`,
    bodyFile: forgedFile,
    headers: { "X-Hub-Signature-256": `sha256=${"0".repeat(64)}` },
    randomIp: true,
  };
  const seconds = SECONDS;
  const [g, f] = await Promise.all([
    load({ ...genuine, seconds, connections: 4, pids }),
    withFlood ? load({ ...forged, seconds, connections: CONNECTIONS, pids }) : Promise.resolve(null),
  ]);
  const reached = await (await fetch(`${originUrl}/__count`)).json();
  return { genuine: g, flood: f, originReceived: reached["/b/flood"] ?? 0, forgedReachedOrigin: reached.forged ?? 0 };
}

const flood = [];
for (let rep = 1; rep <= (NO_FLOOD ? 0 : REPS); rep++) {
  const alone = await floodRun(false);
  const during = await floodRun(true);
  flood.push({ rep, alone, during });
  console.log(
    `rep ${rep} flood: genuine ${Math.round(alone.genuine.rps)} → ${Math.round(during.genuine.rps)} req/s, non-2xx ${during.genuine.non2xx}, p99 ${alone.genuine.p99Ms} → ${during.genuine.p99Ms} ms; forged ${during.flood.requests} (${Math.round(during.flood.rps)} req/s, non-2xx ${during.flood.non2xx}); origin got ${during.originReceived} (genuine 2xx ${during.genuine.requests - during.genuine.non2xx})`,
  );
}

mkdirSync(join(import.meta.dirname, "results"), { recursive: true });
report({ quick: QUICK, seconds: SECONDS, connections: CONNECTIONS, runs, flood }, join(import.meta.dirname, "results"));
process.exit(0);
