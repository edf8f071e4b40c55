// Turns the runs into the table: per scenario and body size the medians over repetitions,
// and each ratio to the passthrough taken within its own repetition (both ran minutes apart
// at most, on the same noisy machine), then the median of those. Checks the targets.
import { writeFileSync } from "node:fs";
import { join } from "node:path";

const median = (xs) => {
  const s = xs.filter((x) => typeof x === "number" && !Number.isNaN(x)).sort((a, b) => a - b);
  if (s.length === 0) return null;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round = (x, digits = 0) => (x === null ? null : Math.round(x * 10 ** digits) / 10 ** digits);
const sizeLabel = (n) => (n >= 1024 * 1024 ? `${n / 1024 / 1024} MB` : `${n / 1024} KB`);
const KB = 1024;
const MB = 1024 * 1024;

/** The performance issue's targets (#14): throughput as a share of the passthrough's, CPU as µs over it or per delivered event. */
const RATIO_TARGETS = {
  token: { [KB]: 0.85, [64 * KB]: 0.85, [MB]: 0.85 },
  hmac: { [KB]: 0.85, [64 * KB]: 0.85, [MB]: 0.85 },
  ed25519: { [KB]: 0.75, [64 * KB]: 0.75, [MB]: 0.75 },
  "hmac+dedup": { [KB]: 0.5, [64 * KB]: 0.5, [MB]: 0.5 },
  // the ingest side: 202 answered once the event is durable
  queue: { [KB]: 0.45, [64 * KB]: 0.45, [MB]: 0.45 },
};
const CPU_TARGETS = { token: { [KB]: 60 }, hmac: { [KB]: 60 } }; // max µs/request over the passthrough
/** Queue mode: workerd CPU per delivered event, its drain included (the run is measured until the origin has every event). */
const CPU_PER_EVENT_TARGETS = { queue: 1500, "queue/50k kept": 1500 };
/** Queue CPU per delivered event with 50,000 delivered events kept, against an empty queue: at most this much more (flat). */
const QUEUE_FLAT_MAX_INCREASE = 0.15;
/** Copies of delivered events answered at least this many times as fast as first deliveries. */
const COPY_SPEEDUP_TARGET = 2;
const FLOOD_TARGETS = { keptRatio: 0.5, successRate: 0.99, reachedOrigin: 0 };

function summarize(runs) {
  const rows = [];
  for (const key of new Set(runs.map((r) => `${r.size}|${r.scenario}`))) {
    const [size, scenario] = [Number(key.split("|")[0]), key.slice(key.indexOf("|") + 1)];
    const mine = runs.filter((r) => r.size === size && r.scenario === scenario);
    const pass = (r) => runs.find((p) => p.rep === r.rep && p.size === size && p.scenario === "passthrough");
    const ratios = mine.map((r) => (pass(r)?.rps ? r.rps / pass(r).rps : null)).filter((x) => x !== null);
    const cpuOver = mine.map((r) => (pass(r) && r.cpuUsPerRequest !== null ? r.cpuUsPerRequest - pass(r).cpuUsPerRequest : null));
    const row = {
      size,
      scenario,
      rps: round(median(mine.map((r) => r.rps))),
      ratioToPassthrough: round(median(ratios), 2),
      ratioRange: ratios.length ? [round(Math.min(...ratios), 2), round(Math.max(...ratios), 2)] : null,
      p50Ms: round(median(mine.map((r) => r.p50Ms)), 2),
      p99Ms: round(median(mine.map((r) => r.p99Ms)), 2),
      cpuUsPerRequest: scenario === "direct" ? null : round(median(mine.map((r) => r.cpuUsPerRequest))),
      cpuOverPassthroughUs: scenario === "direct" || scenario === "passthrough" ? null : round(median(cpuOver)),
      originCpuUsPerRequest: round(median(mine.map((r) => r.originCpuUsPerRequest))),
      peakRssMiB: Math.max(...mine.map((r) => r.peakRssMiB)),
      non2xx: mine.reduce((a, r) => a + r.non2xx, 0),
      socketErrors: mine.reduce((a, r) => a + r.socketErrors, 0),
      invalidRuns: mine.filter((r) => !r.valid).length,
      maxSettleS: round(Math.max(...mine.map((r) => r.settledMs)) / 1000, 1),
    };
    const min = RATIO_TARGETS[scenario]?.[size];
    if (min !== undefined) row.ratioTarget = { min, verdict: row.ratioToPassthrough >= min ? "PASS" : "MISS" };
    const maxOver = CPU_TARGETS[scenario]?.[size];
    if (maxOver !== undefined) row.cpuTarget = { maxOverUs: maxOver, verdict: row.cpuOverPassthroughUs <= maxOver ? "PASS" : "MISS" };
    const maxPerEvent = CPU_PER_EVENT_TARGETS[scenario];
    if (maxPerEvent !== undefined) row.cpuPerEventTarget = { maxUs: maxPerEvent, verdict: row.cpuUsPerRequest <= maxPerEvent ? "PASS" : "MISS" };
    rows.push(row);
  }
  for (const kept of rows.filter((r) => r.scenario === "queue/50k kept")) {
    const empty = rows.find((r) => r.size === kept.size && r.scenario === "queue");
    if (!empty?.cpuUsPerRequest || !kept.cpuUsPerRequest) continue;
    const increase = round(kept.cpuUsPerRequest / empty.cpuUsPerRequest - 1, 2);
    kept.flat = { increase, max: QUEUE_FLAT_MAX_INCREASE, verdict: increase <= QUEUE_FLAT_MAX_INCREASE ? "PASS" : "MISS" };
  }
  for (const copies of rows.filter((r) => r.scenario === "hmac+dedup/copies-only")) {
    const first = rows.find((r) => r.size === copies.size && r.scenario === "hmac+dedup");
    if (!first?.rps) continue;
    const speedup = round(copies.rps / first.rps, 2);
    copies.copySpeedup = { speedup, min: COPY_SPEEDUP_TARGET, verdict: speedup >= COPY_SPEEDUP_TARGET ? "PASS" : "MISS" };
  }
  return rows;
}

function floodSummary(floodRuns) {
  if (!floodRuns?.length) return null;
  const m = (f) => round(median(floodRuns.map(f)));
  return {
    genuineRpsAlone: m((f) => f.alone.genuine.rps),
    genuineRpsDuringFlood: m((f) => f.during.genuine.rps),
    genuineSuccessRateDuringFlood: round(median(floodRuns.map((f) => 1 - f.during.genuine.non2xx / Math.max(1, f.during.genuine.requests))), 4),
    genuineP99AloneMs: round(median(floodRuns.map((f) => f.alone.genuine.p99Ms)), 2),
    genuineP99DuringFloodMs: round(median(floodRuns.map((f) => f.during.genuine.p99Ms)), 2),
    forgedRps: m((f) => f.during.forged.rps),
    forgedAccepted: floodRuns.reduce((a, f) => a + f.during.forged.requests - f.during.forged.non2xx, 0),
    forgedReachedOrigin: floodRuns.reduce((a, f) => a + f.during.forgedReachedOrigin, 0),
  };
}

/** The flood's verdicts: genuine throughput kept, genuine success, forged requests that reached the origin. */
function floodVerdicts(flood) {
  if (!flood) return [];
  const kept = flood.genuineRpsAlone ? round(flood.genuineRpsDuringFlood / flood.genuineRpsAlone, 2) : null;
  const v = (ok) => (ok ? "PASS" : "MISS");
  flood.keptRatio = kept;
  return [
    `${v(kept !== null && kept >= FLOOD_TARGETS.keptRatio)}  flood: genuine throughput kept ${kept} of alone (target ≥ ${FLOOD_TARGETS.keptRatio})`,
    `${v(flood.genuineSuccessRateDuringFlood >= FLOOD_TARGETS.successRate)}  flood: genuine success ${(flood.genuineSuccessRateDuringFlood * 100).toFixed(2)} % (target ≥ ${FLOOD_TARGETS.successRate * 100} %)`,
    `${v(flood.forgedReachedOrigin === FLOOD_TARGETS.reachedOrigin)}  flood: ${flood.forgedReachedOrigin} forged requests reached the origin (target 0)`,
  ];
}

const cell = (x, fallback = "-") => (x === null || x === undefined ? fallback : String(x));

function markdown({ meta }, rows, flood) {
  const out = [
    `${meta.mode} run ${meta.at.slice(0, 16).replace("T", " ")} UTC, commit ${meta.commit}; workerd ${meta.workerd}, Node ${meta.node}, ${meta.wrk}; ${meta.cpus}; ` +
      `${meta.repetitions} interleaved repetitions × ${meta.secondsPerRun} s, ${meta.connections} connections. ` +
      `Ratios: median of per-repetition ratios to the passthrough (min–max in brackets).`,
    "",
    "| body | scenario | req/s | × passthrough | target | p50 ms | p99 ms | workerd CPU µs/req | over passthrough µs | origin CPU µs/req | workerd peak RSS MiB | non-2xx |",
    "|---|---|--:|--:|---|--:|--:|--:|--:|--:|--:|--:|",
  ];
  for (const r of rows) {
    const ratio = r.scenario === "passthrough" ? "1.00" : `${r.ratioToPassthrough?.toFixed(2)} (${r.ratioRange?.[0]}–${r.ratioRange?.[1]})`;
    const target = [
      r.ratioTarget && `≥ ${r.ratioTarget.min.toFixed(2)} ${r.ratioTarget.verdict}`,
      r.cpuTarget && `CPU ≤ +${r.cpuTarget.maxOverUs} µs ${r.cpuTarget.verdict}`,
      r.cpuPerEventTarget && `CPU ≤ ${r.cpuPerEventTarget.maxUs} µs per delivered event ${r.cpuPerEventTarget.verdict}`,
      r.copySpeedup && `${r.copySpeedup.speedup}× first deliveries' req/s, ≥ ${r.copySpeedup.min}× ${r.copySpeedup.verdict}`,
      r.flat && `${r.flat.increase >= 0 ? "+" : ""}${Math.round(r.flat.increase * 100)} % CPU/event against an empty queue, ≤ +${r.flat.max * 100} % ${r.flat.verdict}`,
    ]
      .filter(Boolean)
      .join("; ");
    const flags = r.invalidRuns ? ` ⚠ ${r.invalidRuns} invalid` : "";
    out.push(
      `| ${sizeLabel(r.size)} | ${r.scenario}${flags} | ${r.rps} | ${ratio} | ${target || "-"} | ${r.p50Ms} | ${r.p99Ms} | ${cell(r.cpuUsPerRequest)} | ${cell(r.cpuOverPassthroughUs)} | ${cell(r.originCpuUsPerRequest)} | ${r.peakRssMiB} | ${r.non2xx} |`,
    );
  }
  if (meta.notPresent.length) out.push("", `n/a (feature not present): ${meta.notPresent.join(", ")}.`);
  if (rows.some((r) => r.invalidRuns)) out.push("", "⚠ invalid: the origin's count of deliveries did not match the 2xx answers (duplicates short-circuited, or events lost); see latest.json.");
  if (flood) {
    out.push(
      "",
      "| flood (1 KB; genuine: 4 connections; forged signatures: 32 connections, a random client IP each) | value |",
      "|---|---|",
      `| genuine req/s alone → during the flood | ${flood.genuineRpsAlone} → ${flood.genuineRpsDuringFlood} (kept ${flood.keptRatio}; target ≥ ${FLOOD_TARGETS.keptRatio}) |`,
      `| genuine success rate during the flood | ${(flood.genuineSuccessRateDuringFlood * 100).toFixed(2)} % |`,
      `| genuine p99 alone → during the flood | ${flood.genuineP99AloneMs} → ${flood.genuineP99DuringFloodMs} ms |`,
      `| forged req/s refused | ${flood.forgedRps} |`,
      `| forged requests accepted / reaching the origin | ${flood.forgedAccepted} / ${flood.forgedReachedOrigin} |`,
    );
  }
  return `${out.join("\n")}\n`;
}

export function report(data, dir, label = "latest") {
  const rows = summarize(data.runs);
  const flood = floodSummary(data.floodRuns);
  const verdicts = rows.flatMap((r) => [
    ...(r.ratioTarget ? [`${r.ratioTarget.verdict}  ${r.scenario} ${sizeLabel(r.size)}: ${r.ratioToPassthrough} of passthrough (target ≥ ${r.ratioTarget.min})`] : []),
    ...(r.cpuTarget ? [`${r.cpuTarget.verdict}  ${r.scenario} ${sizeLabel(r.size)}: CPU +${r.cpuOverPassthroughUs} µs/req over passthrough (target ≤ +${r.cpuTarget.maxOverUs})`] : []),
    ...(r.cpuPerEventTarget ? [`${r.cpuPerEventTarget.verdict}  ${r.scenario} ${sizeLabel(r.size)}: ${r.cpuUsPerRequest} µs CPU per delivered event (target ≤ ${r.cpuPerEventTarget.maxUs})`] : []),
    ...(r.copySpeedup ? [`${r.copySpeedup.verdict}  dedup copies ${sizeLabel(r.size)}: answered at ${r.copySpeedup.speedup}× the req/s of first deliveries (target ≥ ${r.copySpeedup.min}×)`] : []),
    ...(r.flat ? [`${r.flat.verdict}  queue ${sizeLabel(r.size)} with 50,000 delivered events kept: ${Math.round(r.flat.increase * 100)} % CPU per event against an empty queue (target ≤ +${r.flat.max * 100} %)`] : []),
  ]);
  verdicts.push(...floodVerdicts(flood));
  const md = markdown(data, rows, flood);
  console.log(`\n${md}\n${verdicts.join("\n")}\n`);
  const json = `${JSON.stringify({ ...data.meta, rows, verdicts, flood, runs: data.runs, floodRuns: data.floodRuns }, null, 2)}\n`;
  // latest.* is whatever ran last; a copy per mode keeps the full matrix when a quick run follows it.
  const names = label === "latest" ? ["latest", `latest-${data.meta.mode}`] : [label];
  for (const name of names) {
    writeFileSync(join(dir, `${name}.json`), json);
    writeFileSync(join(dir, `${name}.md`), md);
  }
  console.log(`results: ${names.map((n) => join(dir, `${n}.{json,md}`)).join(", ")}`);
}
