/**
 * Retry policy, pure: which origin answers are final, when to try again, when to give up.
 * - 2xx: delivered.
 * - 4xx except 408, 409, 425 and 429: permanent (the origin refuses this request as such;
 *   retrying the same bytes gives the same answer): dead-lettered at once.
 * - 408, 409, 425, 429, 5xx, 3xx (redirects are not followed), timeouts, connection
 *   failures: retried with exponential backoff and full jitter, at least the origin's
 *   Retry-After, until maxAttempts or maxAgeSeconds run out: then dead-lettered.
 */

export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly maxAgeMs: number;
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
}

export const DEFAULT_POLICY: RetryPolicy = {
  maxAttempts: 10,
  maxAgeMs: 24 * 3600_000,
  initialBackoffMs: 5_000,
  maxBackoffMs: 3600_000,
};

const RETRYABLE_4XX = new Set([408, 409, 425, 429]);

export type AttemptOutcome = "delivered" | "retry" | "permanent";

/** `status` null: no answer (timeout, connection refused). */
export function classify(status: number | null): AttemptOutcome {
  if (status === null) return "retry";
  if (status >= 200 && status < 300) return "delivered";
  if (status >= 400 && status < 500 && !RETRYABLE_4XX.has(status)) return "permanent";
  return "retry";
}

/** Retry-After as seconds or an HTTP date, in ms from `now`; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (value === null) return null;
  const trimmed = value.trim();
  if (/^[0-9]{1,10}$/.test(trimmed)) return Number(trimmed) * 1000;
  // An HTTP date names its weekday or month; bare numbers like "-5" are not dates.
  if (!/[A-Za-z]{3}/.test(trimmed)) return null;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/**
 * Delay before attempt `attempt + 1` (attempt counts from 1): full jitter over an
 * exponentially growing window, so retries of many events spread out instead of arriving
 * together; never shorter than the origin's Retry-After.
 */
export function backoffMs(policy: RetryPolicy, attempt: number, retryAfterMs: number | null, random: number): number {
  const window = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** Math.min(30, attempt - 1));
  const jittered = policy.initialBackoffMs / 2 + random * (window - policy.initialBackoffMs / 2);
  return Math.max(Math.round(jittered), retryAfterMs ?? 0);
}

/** When to try next, or null: give up (dead letter). */
export function nextAttemptAt(
  policy: RetryPolicy,
  receivedAt: number,
  attempt: number,
  now: number,
  retryAfterMs: number | null,
  random: number,
): number | null {
  if (attempt >= policy.maxAttempts) return null;
  const at = now + backoffMs(policy, attempt, retryAfterMs, random);
  return at - receivedAt > policy.maxAgeMs ? null : at;
}
