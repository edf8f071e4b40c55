// Turns the runs into the table: per scenario and body size the medians, and the ratio to
// the passthrough worker computed within each repetition, then its median; checks targets.
import { writeFileSync } from "node:fs";
import { join } from "node:path";

const median = (xs) => {
  const s = xs.filter((x) => x !== null && x !== undefined && !Number.isNaN(x)).sort((a, b) => a - b);
  if (s.length === 0) return null;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round = (x, d = 2) => (x === null ? null : Math.round(x * 10 ** d) / 10 ** d);
const sizeLabel = (n) => (n >= 1024 * 1024 ? `${n / 1024 / 1024} MB` : `${n / 1024} KB`);

/** Targets from the performance issue; where a scenario or size is absent the target is n/a. */
const TARGETS = [
  { scenario: "token", size: 1024, min: 0.9 },
  { scenario: "hmac", size: 1024, min: 0.9 },
  { scenario: "token", size: 64 * 1024, min: 0.9 },
  { scenario: "hmac", size: 64 * 1024, min: 0.9 },
  { scenario: "token", size: 1024 * 1024, min: 0.8 },
  { scenario: "hmac", size: 1024 * 1024, min: 0.8 },
  { scenario: "ed25519", size: 1024, min: 0.8 },
  { scenario: "hmac+dedup", size: 1024, min: 0.5 },
];

export function summarize(runs) {
  const rows = [];
  const keys = [...new Set(runs.map((r) => `${r.size}|${r.scenario}`))];
  for (const key of keys) {
    const [size, scenario] = [Number(key.split("|")[0]), key.split("|").slice(1).join("|")];
    const mine = runs.filter((r) => r.size === size && r.scenario === scenario);
    const ratios = mine.map((r) => {
      const pass = runs.find((p) => p.rep === r.rep && p.size === size && p.scenario === "passthrough");
      return pass?.rps ? r.rps / pass.rps : null;
    });
    const cpuDeltas = mine.map((r) => {
      const pass = runs.find((p) => p.rep === r.rep && p.size === size && p.scenario === "passthrough");
      return pass && r.cpuUsPerRequest !== null ? r.cpuUsPerRequest - pass.cpuUsPerRequest : null;
    });
    rows.push({
      size,
      scenario,
      rps: round(median(mine.map((r) => r.rps)), 0),
      p50Ms: round(median(mine.map((r) => r.p50Ms))),
      p99Ms: round(median(mine.map((r) => r.p99Ms))),
      cpuUsPerRequest: round(median(mine.map((r) => r.cpuUsPerRequest)), 0),
      cpuOverPassthroughUs: scenario === "direct" ? null : round(median(cpuDeltas), 0),
      peakRssMiB: Math.max(...mine.map((r) => r.peakRssMiB)),
      non2xx: mine.reduce((a, r) => a + r.non2xx, 0),
      ratioToPassthrough: round(median(ratios)),
    });
  }
  return rows;
}

function checks(rows) {
  const out = TARGETS.map((t) => {
    const row = rows.find((r) => r.scenario === t.scenario && r.size === t.size);
    if (!row) return { ...t, measured: null, verdict: "n/a" };
    return { ...t, measured: row.ratioToPassthrough, verdict: row.ratioToPassthrough >= t.min ? "PASS" : "MISS" };
  });
  for (const scenario of ["token", "hmac"]) {
    const row = rows.find((r) => r.scenario === scenario && r.size === 1024);
    if (row) out.push({ scenario, size: 1024, maxCpuOverPassthroughUs: 30, measured: row.cpuOverPassthroughUs, verdict: row.cpuOverPassthroughUs <= 30 ? "PASS" : "MISS" });
  }
  return out;
}

function floodSummary(flood) {
  if (!flood?.length) return null;
  return {
    genuineRpsAlone: round(median(flood.map((f) => f.alone.genuine.rps)), 0),
    genuineRpsDuringFlood: round(median(flood.map((f) => f.during.genuine.rps)), 0),
    genuineSuccessRateDuringFlood: round(median(flood.map((f) => 1 - f.during.genuine.non2xx / Math.max(1, f.during.genuine.requests))), 4),
    genuineP99AloneMs: round(median(flood.map((f) => f.alone.genuine.p99Ms))),
    genuineP99DuringFloodMs: round(median(flood.map((f) => f.during.genuine.p99Ms))),
    forgedRps: round(median(flood.map((f) => f.during.flood.rps)), 0),
    forgedAccepted: flood.reduce((a, f) => a + (f.during.flood.requests - f.during.flood.non2xx), 0),
    forgedReachedOrigin: flood.reduce((a, f) => a + f.during.forgedReachedOrigin, 0),
  };
}

export function report(data, dir) {
  const rows = summarize(data.runs);
  const verdicts = checks(rows);
  const flood = floodSummary(data.flood);
  const header = "| body | scenario | req/s | ratio to passthrough | p50 ms | p99 ms | CPU µs/req | CPU over passthrough µs | peak RSS MiB | non-2xx |";
  const lines = [header, "|---|---|---|---|---|---|---|---|---|---|"];
  for (const r of rows) {
    lines.push(
      `| ${sizeLabel(r.size)} | ${r.scenario} | ${r.rps} | ${r.scenario === "passthrough" ? "1.00" : (r.ratioToPassthrough?.toFixed(2) ?? "-")} | ${r.p50Ms} | ${r.p99Ms} | ${r.cpuUsPerRequest} | ${r.cpuOverPassthroughUs ?? "-"} | ${r.peakRssMiB} | ${r.non2xx} |`,
    );
  }
  lines.push("", "| target | measured | verdict |", "|---|---|---|");
  for (const v of verdicts) {
    const what = v.min !== undefined ? `${v.scenario} ${sizeLabel(v.size)} ≥ ${v.min} of passthrough` : `${v.scenario} ${sizeLabel(v.size)} CPU ≤ passthrough + ${v.maxCpuOverPassthroughUs} µs`;
    lines.push(`| ${what} | ${v.measured ?? "n/a"} | ${v.verdict} |`);
  }
  if (flood) {
    lines.push(
      "",
      "| flood (1 KB, genuine: 4 connections, forged: 32 connections from random IPs) | value |",
      "|---|---|",
      `| genuine req/s alone → during flood | ${flood.genuineRpsAlone} → ${flood.genuineRpsDuringFlood} |`,
      `| genuine success rate during flood | ${(flood.genuineSuccessRateDuringFlood * 100).toFixed(2)} % |`,
      `| genuine p99 alone → during flood | ${flood.genuineP99AloneMs} → ${flood.genuineP99DuringFloodMs} ms |`,
      `| forged req/s absorbed | ${flood.forgedRps} |`,
      `| forged requests accepted / reaching the origin | ${flood.forgedAccepted} / ${flood.forgedReachedOrigin} |`,
    );
  }
  const markdown = `${lines.join("\n")}\n`;
  console.log(`\n${markdown}`);
  const stamp = { at: new Date().toISOString(), mode: data.quick ? "quick" : "full", seconds: data.seconds, connections: data.connections };
  writeFileSync(join(dir, "latest.json"), JSON.stringify({ ...stamp, rows, verdicts, flood, runs: data.runs, floodRuns: data.flood }, null, 2));
  writeFileSync(join(dir, "latest.md"), `<!-- ${JSON.stringify(stamp)} -->\n${markdown}`);
  console.log(`results: ${join(dir, "latest.json")} and latest.md`);
}
