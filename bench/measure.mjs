// One load run: wrk against a URL while the server process's CPU time and memory are read
// from /proc. CPU per request is the least noisy figure on a shared machine.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const LUA = join(import.meta.dirname, "wrk/post.lua");
const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function cpuTicks(pid) {
  // utime and stime are fields 14 and 15; the command name (field 2) may contain spaces.
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

function rssKiB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : 0;
}

const toMs = (value, unit) => Number(value) * { us: 0.001, ms: 1, s: 1000 }[unit];

export function parseWrk(out) {
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const pct = (p) => {
    const m = new RegExp(`\\s${p}%\\s+([\\d.]+)(us|ms|s)`).exec(out);
    return m ? toMs(m[1], m[2]) : null;
  };
  return {
    requests,
    rps,
    non2xx,
    socketErrors: errors ? errors.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
    p50Ms: pct(50),
    p99Ms: pct(99),
  };
}

/** Runs wrk; `pids` are the server processes whose CPU and memory are read. */
export async function load({ url, bodyFile, headers = {}, uniqueHeader, randomIp, seconds, connections, pids }) {
  const env = {
    ...process.env,
    BENCH_BODY: bodyFile,
    BENCH_HEADERS: Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join("\n"),
    ...(uniqueHeader && { BENCH_UNIQUE_ID: uniqueHeader }),
    ...(randomIp && { BENCH_RANDOM_IP: "1" }),
  };
  const before = pids.map(cpuTicks);
  let peak = pids.map(rssKiB);
  const sampler = setInterval(() => (peak = pids.map((p, i) => Math.max(peak[i], rssKiB(p)))), 200);
  try {
    const { stdout } = await run("wrk", ["-t", "2", "-c", String(connections), "-d", `${seconds}s`, "--timeout", "10s", "--latency", "-s", LUA, url], {
      env,
      timeout: (seconds + 30) * 1000,
    });
    const result = parseWrk(stdout);
    const cpuMs = pids.map((p, i) => ((cpuTicks(p) - before[i]) * 1000) / TICKS_PER_SECOND);
    return {
      ...result,
      cpuUsPerRequest: result.requests ? Math.round((cpuMs[0] * 1000) / result.requests) : null,
      originCpuUsPerRequest: result.requests && cpuMs[1] !== undefined ? Math.round((cpuMs[1] * 1000) / result.requests) : null,
      peakRssMiB: Math.round(peak[0] / 1024),
    };
  } finally {
    clearInterval(sampler);
  }
}
