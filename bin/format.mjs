// Output for people: aligned tables, local times, colours on a terminal (NO_COLOR or a pipe
// turns them off). `--json` bypasses all of this and prints what the admin API answered.

export const colour = process.stdout.isTTY && !process.env.NO_COLOR;
export const paint = (code, text) => (colour ? `\x1b[${code}m${text}\x1b[0m` : String(text));
export const dim = (text) => paint(2, text);

const DECISION_COLOURS = { forwarded: 32, queued: 32, delivered: 32, duplicate: 33, filtered: 36, handshake: 36, rejected: 31, dead_lettered: 31 };
export const decision = (d) => paint(DECISION_COLOURS[d] ?? 0, d);
const HEALTH_COLOURS = { ok: 32, degraded: 33, failing: 31, idle: 2 };
export const health = (h) => paint(HEALTH_COLOURS[h] ?? 0, h);
export const status = (s) => (s === null || s === undefined ? dim("-") : paint(s >= 200 && s < 300 ? 32 : s >= 400 || s === 0 ? 31 : 33, s));

/** A local date and time, to the second: what a person compares with their own logs. */
export function time(ms) {
  if (ms === null || ms === undefined) return dim("-");
  const d = new Date(ms);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

// eslint-disable-next-line no-control-regex
const visible = (text) => String(text).replace(/\x1b\[[0-9;]*m/g, "").length;

/**
 * Rows of cells under upper-case headings, columns padded to their widest cell (at least
 * `minWidths[i]`: a followed log keeps its columns from one batch to the next).
 */
export function table(headings, rows, minWidths = []) {
  if (rows.length === 0) return dim("(none)");
  const cells = rows.map((r) => r.map((c) => (c === undefined || c === null || c === "" ? dim("-") : String(c))));
  const widths = headings.map((h, i) => Math.max(minWidths[i] ?? 0, h.length, ...cells.map((r) => visible(r[i] ?? ""))));
  const line = (r) => r.map((c, i) => (i === r.length - 1 ? c : c + " ".repeat(widths[i] - visible(c)))).join("  ").trimEnd();
  return [dim(line(headings.map((h) => h.toUpperCase()))), ...cells.map(line)].join("\n");
}
