/** Replay windows: a signed timestamp must be neither too old nor too far in the future. */
import type { VerifyFailure } from "./types";

/** Unix seconds, Unix milliseconds, or an ISO 8601 date-time (Orb, Twitch, Zendesk). */
export type TimestampUnit = "s" | "ms" | "iso";

/** Digits only: `1e9`, `0x10`, ` 12` and the like are malformed, not coerced. */
const TIMESTAMP_RE = /^[0-9]{1,16}$/;

/**
 * `YYYY-MM-DDTHH:MM:SS`, an optional fraction (up to nanoseconds: Twitch), and `Z` or an
 * offset; without a zone the time is UTC (Orb sends it so). Anchored, fixed-width fields:
 * no backtracking. Date.parse is not used: it guesses at forms we do not accept.
 */
const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})?$/;

function parseIso(raw: string): number | null {
  const m = ISO_RE.exec(raw);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second, Number((m[7] ?? "").padEnd(3, "0").slice(0, 3)));
  // Date.UTC rolls 2026-02-31 over into March: a date that does not exist is malformed.
  if (new Date(ms).getUTCDate() !== day) return null;
  const zone = m[8];
  if (!zone || zone === "Z") return ms;
  const offsetHours = Number(zone.slice(1, 3));
  const offsetMinutes = Number(zone.slice(4, 6));
  if (offsetHours > 23 || offsetMinutes > 59) return null;
  const offset = (offsetHours * 60 + offsetMinutes) * 60_000;
  return zone.startsWith("+") ? ms - offset : ms + offset;
}

export function parseTimestampMs(raw: string, unit: TimestampUnit): number | null {
  if (unit === "iso") return parseIso(raw);
  if (!TIMESTAMP_RE.test(raw)) return null;
  const n = Number(raw);
  return unit === "s" ? n * 1000 : n;
}

/** Checks both directions; a tolerance is always at least one second, so no value turns the check off. */
export function checkWindow(timestampMs: number, nowMs: number, toleranceSeconds: number): VerifyFailure | null {
  const toleranceMs = Math.max(1, toleranceSeconds) * 1000;
  if (nowMs - timestampMs > toleranceMs) return "stale_timestamp";
  if (timestampMs - nowMs > toleranceMs) return "future_timestamp";
  return null;
}

/** A raw timestamp judged at once: why it fails (unparseable, or outside the window), or null when it is fresh. */
export function timestampFailure(raw: string, unit: TimestampUnit, nowMs: number, toleranceSeconds: number): VerifyFailure | null {
  const ms = parseTimestampMs(raw, unit);
  return ms === null ? "malformed_timestamp" : checkWindow(ms, nowMs, toleranceSeconds);
}
