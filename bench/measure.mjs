// One timed run: wrk drives the load while /proc gives the servers' CPU time and memory.
// CPU per request is the least noisy figure on a shared machine; req/s is not.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);
const LUA = join(import.meta.dirname, "wrk/post.lua");
const TICKS_PER_SECOND = 100; // USER_HZ, 100 on every Linux build wrk runs on
const RSS_SAMPLE_MS = 200;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** utime + stime in clock ticks; every thread of the process is included. */
export function cpuTicks(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // field 2 (comm) may hold spaces
  return Number(fields[11]) + Number(fields[12]);
}

export function memoryKiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (name) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return { rss: kib("VmRSS"), hwm: kib("VmHWM") };
}

/**
 * Waits until the process stops using CPU: work deferred past the responses (waitUntil,
 * Durable Object alarms, queue deliveries) belongs to the run that caused it, not to the
 * next scenario. `until` may add a condition (e.g. the origin got every queued event).
 */
export async function settle(pid, { maxMs = 120_000, until = async () => true } = {}) {
  const started = Date.now();
  let quietWindows = 0;
  while (Date.now() - started < maxMs) {
    const before = cpuTicks(pid);
    await sleep(250);
    quietWindows = cpuTicks(pid) - before <= 1 ? quietWindows + 1 : 0; // ≤ 4 % of a core
    if (quietWindows >= 2 && (await until())) return { settledMs: Date.now() - started, settled: true };
  }
  return { settledMs: Date.now() - started, settled: false };
}

const toMs = (value, unit) => Number(value) * { us: 0.001, ms: 1, s: 1000 }[unit];

export function parseWrk(out) {
  const pct = (p) => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s)\\s*$`, "m").exec(out);
    return m ? Math.round(toMs(m[1], m[2]) * 100) / 100 : null;
  };
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? 0),
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
    socketErrors: errors ? errors.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
    p50Ms: pct(50),
    p99Ms: pct(99),
  };
}

/**
 * Runs wrk against `url` for `seconds`, then lets the server settle (see `settle`; the
 * optional `settleUntil(wrkResult)` adds a condition). `server` is the pid under test
 * (workerd), `origin` the origin's; both are measured, CPU up to the end of the settling.
 */
export async function load({ url, bodyFile, headers = {}, uniqueHeader, copyEvery, randomIp, runId, seconds, connections, threads = 2, server, origin, settleUntil, settleMaxMs }) {
  const env = {
    ...process.env,
    BENCH_BODY: bodyFile,
    BENCH_HEADERS: Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join("\n"),
    BENCH_RUN_ID: runId,
    ...(uniqueHeader && { BENCH_UNIQUE_ID: uniqueHeader }),
    ...(randomIp && { BENCH_RANDOM_IP: "1" }),
    ...(copyEvery && { BENCH_COPY_EVERY: String(copyEvery) }),
  };
  const pids = [server, origin];
  const cpuBefore = pids.map(cpuTicks);
  const peakRss = pids.map((p) => memoryKiB(p).rss);
  const sampler = setInterval(() => pids.forEach((p, i) => (peakRss[i] = Math.max(peakRss[i], memoryKiB(p).rss))), RSS_SAMPLE_MS);
  let stdout;
  try {
    const args = ["-t", String(threads), "-c", String(connections), "-d", `${seconds}s`, "--timeout", "10s", "--latency", "-s", LUA, url];
    ({ stdout } = await execFileAsync("wrk", args, { env, timeout: (seconds + 30) * 1000, killSignal: "SIGKILL" }));
  } finally {
    clearInterval(sampler);
  }
  const result = parseWrk(stdout);
  const { settledMs, settled } = await settle(server, { until: settleUntil && (() => settleUntil(result)), maxMs: settleMaxMs });
  const usPerRequest = (i) => (result.requests ? Math.round(((cpuTicks(pids[i]) - cpuBefore[i]) * 1e6) / TICKS_PER_SECOND / result.requests) : null);
  return {
    ...result,
    cpuUsPerRequest: usPerRequest(0),
    originCpuUsPerRequest: usPerRequest(1),
    peakRssMiB: Math.round(peakRss[0] / 1024),
    originPeakRssMiB: Math.round(peakRss[1] / 1024),
    settledMs,
    settled,
  };
}
