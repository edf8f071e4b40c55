#!/usr/bin/env node
// Judges a change against another git ref (its parent by default) in one command: both are
// bundled as `wrangler deploy` would upload them, then the bench alternates between them,
// one repetition each in turn (ref, change, change, ref, …), so both see the same noisy
// machine, and prints each scenario's ratio to the passthrough and CPU per request side by side.
// Usage (through npm, for the pinned Node 24): npm run bench -- --compare=REF [--quick] [--reps=N] [other bench options]
//                                          or: npm run bench:compare -- [--ref=HEAD~1] [...]
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { bundleGateway } from "./workerd-config.mjs";

const ROOT = resolve(import.meta.dirname, "..");
const args = process.argv.slice(2);
const value = (name) => args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
const ref = value("ref") ?? value("compare") ?? "HEAD~1";
const reps = Number(value("reps") ?? (args.includes("--quick") ? 2 : 3));
const passOn = args.filter((a) => !/^--(ref|compare|reps|label|bundle)=/.test(a));

const dir = mkdtempSync(join(tmpdir(), "hookgate-compare-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
const git = (...a) => execFileSync("git", ["-C", ROOT, ...a], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();

// The ref's bundle: a detached worktree sharing this checkout's node_modules (same toolchain).
const sha = git("rev-parse", "--short", ref);
const tree = join(dir, "ref");
git("worktree", "add", "--detach", tree, sha);
try {
  symlinkSync(join(ROOT, "node_modules"), join(tree, "node_modules"), "dir");
  execFileSync(join(ROOT, "node_modules/.bin/wrangler"), ["deploy", "--dry-run", "--outdir", join(dir, "ref-bundle")], { cwd: tree, stdio: "pipe", timeout: 120_000 });
} finally {
  git("worktree", "remove", "--force", tree);
}
const change = git("rev-parse", "--short", "HEAD") + (git("status", "--porcelain", "--", "src", "wrangler.toml") ? "+changes" : "");
bundleGateway(dir); // → dir/gateway
const bundles = { [sha]: join(dir, "ref-bundle"), [change]: join(dir, "gateway") };
console.log(`comparing ${sha} (ref) with ${change} (this checkout), ${reps} repetitions each, alternating`);

const results = { [sha]: [], [change]: [] };
for (let rep = 1; rep <= reps; rep++) {
  const order = rep % 2 ? [sha, change] : [change, sha];
  for (const name of order) {
    const label = `compare-${name.replace(/[^A-Za-z0-9]/g, "_")}-${rep}`;
    const run = spawnSync(process.execPath, [join(import.meta.dirname, "run.mjs"), ...passOn, "--reps=1", `--bundle=${bundles[name]}`, `--label=${label}`], { stdio: "inherit" });
    const file = join(import.meta.dirname, "results", `${label}.json`);
    if (!existsSync(file)) throw new Error(`bench run for ${name} wrote no results (exit ${run.status})`);
    results[name].push(JSON.parse(readFileSync(file, "utf8")));
  }
}

const median = (xs) => {
  const s = xs.filter((x) => typeof x === "number" && Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return null;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const rowsOf = (name) => results[name].flatMap((r) => r.rows);
const keys = [...new Set(rowsOf(change).map((r) => `${r.size}|${r.scenario}`))];
const cell = (x, digits = 0) => (x === null ? "–" : x.toFixed(digits));
const out = [
  `| size | scenario | ${sha} × passthrough | ${change} × passthrough | ${sha} CPU µs/req | ${change} CPU µs/req | CPU change |`,
  "|---|---|--:|--:|--:|--:|--:|",
];
for (const key of keys) {
  const [size, scenario] = [Number(key.split("|")[0]), key.slice(key.indexOf("|") + 1)];
  const pick = (name, field) => median(rowsOf(name).filter((r) => r.size === size && r.scenario === scenario).map((r) => r[field]));
  const [ra, rb, ca, cb] = [pick(sha, "ratioToPassthrough"), pick(change, "ratioToPassthrough"), pick(sha, "cpuUsPerRequest"), pick(change, "cpuUsPerRequest")];
  const delta = ca !== null && cb !== null ? `${cb - ca >= 0 ? "+" : ""}${Math.round(cb - ca)}` : "–";
  out.push(`| ${size >= 1 << 20 ? `${size >> 20} MB` : `${size >> 10} KB`} | ${scenario} | ${cell(ra, 2)} | ${cell(rb, 2)} | ${cell(ca)} | ${cell(cb)} | ${delta} |`);
}
console.log(`\n${out.join("\n")}\n\nRatios and CPU: medians over the ${reps} alternating repetitions of each side.`);
