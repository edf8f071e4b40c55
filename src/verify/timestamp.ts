/** Replay windows: a signed timestamp must be neither too old nor too far in the future. */
import type { VerifyFailure } from "./types";

export type TimestampUnit = "s" | "ms";

/** Digits only: `1e9`, `0x10`, ` 12` and the like are malformed, not coerced. */
const TIMESTAMP_RE = /^[0-9]{1,16}$/;

export function parseTimestampMs(raw: string, unit: TimestampUnit): number | null {
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
