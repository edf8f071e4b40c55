#!/usr/bin/env node
// Where the gateway spends its CPU: runs `workerd serve` with an inspector, puts one route,
// drives it with wrk for 5 s and prints self time per function from a V8 CPU profile.
// Usage: node bench/profile.mjs [token|hmac]   (with node_modules/.bin first on PATH)
import { execFileSync, spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bundle, workerdBinary, writeConfig } from "./workerd.mjs";

const kind = process.argv[2] ?? "token";
const freePort = () => new Promise((r) => { const s = createServer().listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => r(port)); }); });
const [originPort, gatewayPort, passPort, inspectorPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
const dir = mkdtempSync(join(tmpdir(), "hookgate-profile-"));
const origin = spawn(process.execPath, [join(import.meta.dirname, "origin.mjs"), String(originPort)], { detached: true, stdio: "ignore" });
bundle(dir);
const secrets = { adminToken: "profile", secretsKey: Buffer.alloc(32, 7).toString("base64") };
const config = writeConfig(dir, { gatewayPort, passthroughPort: passPort, originUrl: `http://127.0.0.1:${originPort}`, secrets });
const workerd = spawn(workerdBinary(), ["serve", config, "--experimental", `--inspector-addr=127.0.0.1:${inspectorPort}`], { detached: true, stdio: "ignore" });
const stop = () => {
  for (const p of [workerd, origin]) try { process.kill(-p.pid); } catch {}
  rmSync(dir, { recursive: true, force: true });
};
process.on("exit", stop);

await new Promise((r) => setTimeout(r, 2000));
const auth = kind === "hmac" ? { type: "hmac", preset: "github", secrets: ["s"] } : { type: "token", in: "query", secrets: ["tk"] };
const route = { id: "p", host: "*", path: "/b/p", origin: `http://127.0.0.1:${originPort}`, auth: { methods: [auth] } };
await fetch(`http://127.0.0.1:${gatewayPort}/__gateway/routes/p`, { method: "PUT", headers: { authorization: "Bearer profile" }, body: JSON.stringify(route) });
const body = JSON.stringify({ pad: "x".repeat(1000) });
writeFileSync(join(dir, "body.json"), body);

const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json/list`)).json();
const ws = new WebSocket((targets.find((t) => String(t.title ?? t.id).includes("gateway")) ?? targets[0]).webSocketDebuggerUrl);
await new Promise((r) => ws.addEventListener("open", r));
let id = 0;
const waiting = new Map();
ws.addEventListener("message", (m) => { const d = JSON.parse(m.data); waiting.get(d.id)?.(d); waiting.delete(d.id); });
const send = (method, params = {}) => new Promise((r) => { waiting.set(++id, r); ws.send(JSON.stringify({ id, method, params })); });
await send("Profiler.enable");
await send("Profiler.setSamplingInterval", { interval: 100 });
await send("Profiler.start");
const headers = kind === "hmac" ? `X-Hub-Signature-256: sha256=${createHmac("sha256", "s").update(body).digest("hex")}` : "";
const url = `http://127.0.0.1:${gatewayPort}/b/p${kind === "hmac" ? "" : "?auth=tk"}`;
execFileSync("wrk", ["-t", "2", "-c", "32", "-d", "5s", "-s", join(import.meta.dirname, "wrk/post.lua"), url], { env: { ...process.env, BENCH_BODY: join(dir, "body.json"), BENCH_HEADERS: headers }, stdio: "inherit" });
const { result } = await send("Profiler.stop");
ws.close();

const nodes = new Map(result.profile.nodes.map((n) => [n.id, n]));
const perSample = (result.profile.endTime - result.profile.startTime) / result.profile.samples.length;
const self = new Map();
for (const s of result.profile.samples) {
  const f = nodes.get(s).callFrame;
  const key = `${f.functionName || "(anonymous)"}${f.url ? ` ${f.url.split("/").pop()}:${f.lineNumber}` : ""}`;
  self.set(key, (self.get(key) ?? 0) + perSample);
}
const total = [...self.values()].reduce((a, b) => a + b, 0);
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`${((v / total) * 100).toFixed(1).padStart(5)} %  ${k}`);
process.exit(0);
