#!/usr/bin/env node
// Where the gateway spends its CPU: the bench's stack with workerd's inspector on, one
// scenario under wrk while V8's sampling profiler runs in the gateway's isolate; prints self
// time per function and writes the profile for Chrome DevTools (Performance → Load profile).
// Usage (through npm, for the pinned Node 24): npm run profile -- [token|hmac|hmac+dedup|queue|fanout/3|passthrough] [--seconds=5] [--size=1024] [--bundle=DIR] [--forged]
// --forged: every request carries the scenario's forged signature (what a flood costs per refusal).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { load } from "./measure.mjs";
import { bodyFile, preflight, putRoute, scenarios } from "./scenarios.mjs";
import { freePort, startStack } from "./servers.mjs";

const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback;
const name = process.argv.slice(2).find((a) => !a.startsWith("--")) ?? "token";
const seconds = Number(arg("seconds", 5));
const size = Number(arg("size", 1024));
const TOP = 25;

const dir = mkdtempSync(join(tmpdir(), "hookgate-profile-"));
const servers = [];
process.on("exit", () => {
  for (const s of servers) s.kill();
  rmSync(dir, { recursive: true, force: true });
});
setTimeout(() => process.exit(3), (seconds + 120) * 1000).unref();

const inspectorPort = await freePort();
const { origin, server, gateway, passthrough } = await startStack({ dir, track: (s) => servers.push(s), extraArgs: [`--inspector-addr=127.0.0.1:${inspectorPort}`], bundle: arg("bundle") });
const s = scenarios({ gateway, passthrough, origin: origin.url }).find((x) => x.name === name);
if (!s) throw new Error(`no scenario ${name}`);
const refused = s.route && (await putRoute(gateway, s.route));
if (refused) throw new Error(`${name}: route refused: ${refused}`);
const body = bodyFile(dir, size);
const problem = await preflight(s, body.body);
if (problem) throw new Error(`pre-flight ${name}: ${problem}`);
const FORGED = process.argv.includes("--forged");
if (FORGED && !s.forged) throw new Error(`${name} has no forged variant`);
const headersOf = (b) => (FORGED ? { ...s.headers(b), ...s.forged(b).headers } : s.headers(b));

// The inspector lists one target per worker; the passthrough is profiled as the baseline.
const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json/list`)).json();
const wanted = s.name === "passthrough" ? "passthrough" : "gateway";
const target = targets.find((t) => `${t.title} ${t.id} ${t.url}`.includes(wanted)) ?? targets[0];
const ws = new WebSocket(target.webSocketDebuggerUrl);
await new Promise((resolve, reject) => {
  ws.addEventListener("open", resolve);
  ws.addEventListener("error", reject);
});
let nextId = 0;
const waiting = new Map();
ws.addEventListener("message", (m) => {
  const d = JSON.parse(m.data);
  waiting.get(d.id)?.(d);
  waiting.delete(d.id);
});
const send = (method, params = {}) => new Promise((resolve) => (waiting.set(++nextId, resolve), ws.send(JSON.stringify({ id: nextId, method, params }))));

await send("Profiler.enable");
await send("Profiler.setSamplingInterval", { interval: 100 }); // µs
await send("Profiler.start");
const r = await load({
  url: s.url,
  bodyFile: body.file,
  headers: headersOf(body.body),
  uniqueHeader: s.unique,
  runId: `profile.${process.pid}`,
  seconds,
  connections: 32,
  server: server.pid,
  origin: origin.pid,
  settleMaxMs: 0, // the sampling profiler itself keeps workerd busy: waiting for quiet would never end
});
const { result } = await send("Profiler.stop");
ws.close();
console.log(`${name}${FORGED ? " (forged)" : ""} ${size} B: ${Math.round(r.rps)} req/s, workerd ${r.cpuUsPerRequest} µs CPU/request (the inspector adds its own overhead)`);

const { nodes, samples, startTime, endTime } = result.profile;
const byId = new Map(nodes.map((n) => [n.id, n]));
const parent = new Map(nodes.flatMap((n) => (n.children ?? []).map((c) => [c, n.id])));
const label = (f) => `${f.functionName || "(anonymous)"}${f.url ? `  ${f.url.split("/").pop()}:${f.lineNumber + 1}` : ""}`;
const usPerSample = (endTime - startTime) / samples.length;
const self = new Map();
const inclusive = new Map(); // script functions only: "(program)" and natives have no meaningful subtree
for (const id of samples) {
  self.set(label(byId.get(id).callFrame), (self.get(label(byId.get(id).callFrame)) ?? 0) + usPerSample);
  const seen = new Set();
  for (let n = id; n !== undefined; n = parent.get(n)) {
    const f = byId.get(n).callFrame;
    if (f.url && !seen.has(label(f))) seen.add(label(f));
  }
  for (const k of seen) inclusive.set(k, (inclusive.get(k) ?? 0) + usPerSample);
}
const requests = r.requests || 1;
const print = (title, map) => {
  console.log(`\n${title} (${wanted} isolate's thread; ${requests} requests; % of the profile):`);
  const total = (endTime - startTime) || 1;
  for (const [k, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, TOP)) {
    console.log(`${((us / total) * 100).toFixed(1).padStart(5)} %  ${(us / requests).toFixed(1).padStart(6)} µs/req  ${k}`);
  }
};
print("self time", self);
print("inclusive time of the script's functions", inclusive);
const out = join(import.meta.dirname, "results");
mkdirSync(out, { recursive: true });
const file = join(out, `${name.replace(/[^a-z0-9]+/gi, "-")}${FORGED ? "-forged" : ""}-${size}.cpuprofile`);
writeFileSync(file, JSON.stringify(result.profile));
console.log(`profile: ${file}`);
for (const x of servers) await x.stop();
process.exit(0);
