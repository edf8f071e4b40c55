#!/usr/bin/env node
// `npm run bench` (full matrix, ~15 min) or `npm run bench:quick` (~1 min). The gateway under
// plain `workerd serve`; within each repetition every scenario runs in turn, so ratios to
// the passthrough worker are taken side by side. Traffic only to 127.0.0.1; every run is
// bounded and the whole bench stops itself at a deadline.
// Options: --quick, --only=token,hmac (plus the baselines), --sizes=1024,1048576, --reps=N, --seconds=N, --no-flood,
// --bundle=DIR (time a prebuilt `wrangler deploy --dry-run --outdir DIR` instead of src/),
// --label=NAME (write results/NAME.json and .md instead of latest.*), --compare=REF (the same
// matrix on another git ref too, alternating repetitions, side by side: bench/compare.mjs).
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { load, memoryKiB } from "./measure.mjs";
import { report } from "./report.mjs";
import { bodyFile, floodSetup, preflight, putRoute, scenarios } from "./scenarios.mjs";
import { startStack } from "./servers.mjs";

const arg = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
if (arg("compare")) {
  const compare = spawnSync(process.execPath, [join(import.meta.dirname, "compare.mjs"), ...process.argv.slice(2)], { stdio: "inherit" });
  process.exit(compare.status ?? 1);
}
const QUICK = process.argv.includes("--quick");
const ONLY = arg("only")?.split(",");
const SIZES = arg("sizes") ? arg("sizes").split(",").map(Number) : QUICK ? [1024] : [1024, 64 * 1024, 1024 * 1024];
const REPS = Number(arg("reps") ?? (QUICK ? 2 : 3));
const SECONDS = Number(arg("seconds") ?? (QUICK ? 3 : 10));
const WARMUP_SECONDS = QUICK ? 1 : 2;
const FLOOD_REPS = process.argv.includes("--no-flood") || ONLY?.includes("flood") === false ? 0 : QUICK ? 1 : REPS;
const CONNECTIONS = 32;
const DEADLINE_MS = (QUICK ? 5 : 40) * 60_000;
const ROOT = resolve(import.meta.dirname, "..");
const BUNDLE = arg("bundle") && resolve(arg("bundle"));

const wrkCheck = spawnSync("wrk", ["--version"], { encoding: "utf8" }); // exits 1 even when it works
if (wrkCheck.error?.code === "ENOENT") {
  console.error("wrk is not installed. It is a Debian package:\n  apt-get update && apt-get install -y wrk");
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), "hookgate-bench-"));
const servers = [];
const cleanUp = () => {
  for (const s of servers) s.kill();
  rmSync(dir, { recursive: true, force: true });
};
process.on("exit", cleanUp);
process.on("SIGINT", () => process.exit(130));
process.on("SIGTERM", () => process.exit(143));
setTimeout(() => {
  console.error(`bench: deadline of ${DEADLINE_MS / 60_000} min reached, stopping`);
  process.exit(3);
}, DEADLINE_MS).unref();
const fail = (message) => {
  console.error(`bench: ${message}`);
  process.exit(1);
};

// ---- servers ----------------------------------------------------------------------------

const { origin, server, gateway, passthrough, workerdVersion } = await startStack({ dir, track: (s) => servers.push(s), bundle: BUNDLE });

// ---- routes and pre-flight checks ------------------------------------------------------------

const all = scenarios({ gateway, passthrough, origin: origin.url });
const active = [];
const notPresent = [];
for (const s of all.filter((x) => (!ONLY || x.baseline || ONLY.includes(x.name)) && !(QUICK && x.fullOnly))) {
  const refused = s.route && (await putRoute(gateway, s.route));
  if (refused && !s.slot) fail(`${s.name}: the route was refused (${refused})`);
  if (refused) {
    console.log(`${s.name}: n/a: feature not present (route refused: ${refused})`);
    notPresent.push(s.name);
  } else active.push(s);
}
const flood = floodSetup({ gateway, origin: origin.url });
let floodReps = FLOOD_REPS;
const floodRefused = floodReps && (await putRoute(gateway, flood.route));
if (floodRefused) {
  console.log(`flood: n/a: feature not present (route refused: ${floodRefused})`);
  notPresent.push("flood");
  floodReps = 0;
}

const bodies = Object.fromEntries([...SIZES, 1024].map((size) => [size, bodyFile(dir, size)]));
for (const size of SIZES) {
  for (const s of active) {
    const problem = await preflight(s, bodies[size].body);
    if (problem) fail(`pre-flight ${s.name} (${size} B): ${problem}. Fix the scenario or the gateway before timing it.`);
  }
}
console.log(`pre-flight passed: ${active.map((s) => s.name).join(", ")}`);

// Scenarios that start from a full store: deliver `prefill` events through the route first (bounded in time).
const PREFILL_MAX_MS = 10 * 60_000;
for (const s of active.filter((x) => x.prefill)) {
  const started = Date.now();
  const count = async () => (await (await fetch(`${origin.url}/__count`)).json())[s.path] ?? 0;
  console.log(`${s.name}: filling its store with ${s.prefill} delivered events first`);
  while ((await count()) < s.prefill) {
    if (Date.now() - started > PREFILL_MAX_MS) fail(`${s.name}: ${await count()} of ${s.prefill} events delivered after ${PREFILL_MAX_MS / 60_000} min`);
    const before = await count();
    await load({
      url: s.url,
      bodyFile: bodies[1024].file,
      headers: s.headers(bodies[1024].body),
      uniqueHeader: s.unique,
      runId: `${process.pid}.prefill.${Date.now()}`,
      seconds: 5,
      connections: CONNECTIONS,
      server: server.pid,
      origin: origin.pid,
      settleUntil: async (r) => (await count()) - before >= r.requests - r.non2xx,
    });
  }
  console.log(`${s.name}: ${await count()} delivered in ${Math.round((Date.now() - started) / 1000)} s`);
}

// ---- timed runs ------------------------------------------------------------------------------

const originCount = async (key) => (await (await fetch(`${origin.url}/__count`)).json())[key] ?? 0;
let runSeq = 0;

/** Waits (at most 15 s) until the origin's counts under `keys` are unchanged for a second. */
async function countsSettled(keys) {
  const read = async () => JSON.stringify(await Promise.all(keys.map(originCount)));
  const deadline = Date.now() + 15_000;
  let last = await read();
  let still = 0;
  while (still < 4 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const now = await read();
    still = now === last ? still + 1 : 0;
    last = now;
  }
}

/** One bounded wrk run; also checks that every 2xx the client saw was one delivery to the origin. */
async function timed(s, size, seconds) {
  const before = await originCount(s.path);
  const againBefore = await originCount(`again:${s.path}`);
  const alsoBefore = await Promise.all((s.alsoDelivers ?? []).map(originCount));
  const connectionsBefore = await originCount("connections");
  const ok = (r) => r.requests - r.non2xx;
  const result = await load({
    url: s.url,
    bodyFile: bodies[size].file,
    headers: s.headers(bodies[size].body),
    uniqueHeader: s.unique,
    copyEvery: s.copyEvery,
    runId: `${process.pid}.${++runSeq}`,
    seconds,
    connections: CONNECTIONS,
    server: server.pid,
    origin: origin.pid,
    // queued events count once the origin has them; a fan-out's queued destinations likewise
    settleUntil:
      s.expect === 202
        ? async (r) => (await originCount(s.path)) - before >= ok(r)
        : s.alsoDelivers
          ? async (r) => (await Promise.all(s.alsoDelivers.map(async (p, i) => (await originCount(p)) - alsoBefore[i]))).every((n) => n >= ok(r))
          : undefined,
  });
  // Requests in flight when wrk stopped may be stored and delivered after the settle condition
  // held; wait until the origin's counts stop moving, so they count in this run, not the next.
  if (s.expect === 202 || s.alsoDelivers) await countsSettled([s.path, ...(s.alsoDelivers ?? [])]);
  const delivered = (await originCount(s.path)) - before;
  // Sent again by the queue after an attempt it could not confirm (at least once): shown, not counted as deliveries.
  const redelivered = (await originCount(`again:${s.path}`)) - againBefore;
  // Requests still in flight when wrk stops reach the origin uncounted by wrk: up to one per connection.
  // Copies are answered 200 and not forwarded: every copyEvery-th request per thread after its first 200 or so
  // (post.lua), and every request of a copies-only run.
  const copies = s.fixedId ? ok(result) : s.copyEvery ? Math.max(0, Math.floor(ok(result) / s.copyEvery) - 2 * Math.floor(201 / s.copyEvery)) : 0;
  const expected = ok(result) - copies;
  const alsoDelivered = await Promise.all((s.alsoDelivers ?? []).map(async (p, i) => (await originCount(p)) - alsoBefore[i]));
  const valid = [delivered - redelivered, ...alsoDelivered].every((n) => n >= expected - (s.copyEvery ? 4 : 0) && n <= expected + CONNECTIONS);
  const originConnections = (await originCount("connections")) - connectionsBefore;
  return { ...result, delivered, redelivered, valid, originConnections };
}

const line = (rep, size, name, r) =>
  `rep ${rep} ${String(size).padStart(7)} B ${name.padEnd(20)} ${String(Math.round(r.rps)).padStart(6)} req/s  p50 ${r.p50Ms} ms  p99 ${r.p99Ms} ms  ` +
  `cpu ${r.cpuUsPerRequest} µs/req (origin ${r.originCpuUsPerRequest}, ${r.originConnections} new connections)  rss ${r.peakRssMiB} MiB  non-2xx ${r.non2xx}` +
  `${r.settledMs > 1000 ? `  settled in ${(r.settledMs / 1000).toFixed(1)} s` : ""}${r.settled ? "" : " (still busy: cut off)"}${r.redelivered ? `  ${r.redelivered} redelivered` : ""}${r.valid ? "" : `  INVALID: ${r.delivered} delivered for ${r.requests - r.non2xx} 2xx`}`;

console.log(`warm-up: ${WARMUP_SECONDS} s per scenario and size`);
for (const size of SIZES) for (const s of active) await timed(s, size, WARMUP_SECONDS);

const runs = [];
for (let rep = 1; rep <= REPS; rep++) {
  for (const size of SIZES) {
    for (const s of active) {
      const r = await timed(s, size, SECONDS);
      runs.push({ rep, size, scenario: s.name, ...r });
      console.log(line(rep, size, s.name, r));
    }
  }
}

// ---- flood: genuine deliveries while forged requests pour in -------------------------------------

async function floodRun(withForgers) {
  const body = bodies[1024];
  const common = { bodyFile: body.file, seconds: SECONDS, server: server.pid, origin: origin.pid };
  const forgedBefore = await originCount("forged");
  const [genuine, forged] = await Promise.all([
    load({ ...common, ...flood.genuine(body.body), runId: `${process.pid}.${++runSeq}`, connections: 4, threads: 1 }),
    withForgers ? load({ ...common, ...flood.forged(), runId: `${process.pid}.${++runSeq}`, connections: CONNECTIONS }) : null,
  ]);
  return { genuine, forged, forgedReachedOrigin: (await originCount("forged")) - forgedBefore };
}

const floodRuns = [];
for (let rep = 1; rep <= floodReps; rep++) {
  const alone = await floodRun(false);
  const during = await floodRun(true);
  floodRuns.push({ rep, alone, during });
  console.log(
    `rep ${rep} flood: genuine ${Math.round(alone.genuine.rps)} → ${Math.round(during.genuine.rps)} req/s (non-2xx ${during.genuine.non2xx}), ` +
      `p99 ${alone.genuine.p99Ms} → ${during.genuine.p99Ms} ms; forged ${Math.round(during.forged.rps)} req/s, ` +
      `${during.forged.requests - during.forged.non2xx} accepted, ${during.forgedReachedOrigin} reached the origin`,
  );
}

// ---- report ----------------------------------------------------------------------------------

const git = (...a) => execFileSync("git", ["-C", ROOT, ...a], { encoding: "utf8" }).trim();
const meta = {
  at: new Date().toISOString(),
  mode: QUICK ? "quick" : "full",
  commit: BUNDLE ? `prebuilt bundle ${BUNDLE}` : `${git("rev-parse", "--short", "HEAD")}${git("status", "--porcelain", "--", "src", "wrangler.toml") ? " + uncommitted src changes" : ""}`,
  workerd: workerdVersion,
  node: process.version,
  wrk: wrkCheck.stdout.split("\n")[0].replace(/ Copyright.*/, "").trim(),
  cpus: `${cpus().length} × ${cpus()[0]?.model ?? "?"}`,
  secondsPerRun: SECONDS,
  repetitions: REPS,
  connections: CONNECTIONS,
  workerdPeakRssMiB: Math.round(memoryKiB(server.pid).hwm / 1024),
  notPresent,
};
const resultsDir = join(import.meta.dirname, "results");
mkdirSync(resultsDir, { recursive: true });
report({ meta, runs, floodRuns }, resultsDir, arg("label") ?? "latest");
for (const s of servers) await s.stop();
process.exit(runs.every((r) => r.valid) ? 0 : 4);
