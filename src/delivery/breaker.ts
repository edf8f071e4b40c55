/**
 * The circuit breaker's arithmetic, pure. Consecutive failures (unreachable or 5xx) up to
 * the threshold leave the circuit closed; at the threshold it opens for a pause that
 * doubles with each opening (30 s, 60 s, … up to 5 min). When the pause ends one attempt
 * probes the origin (half-open): success closes the circuit, failure re-opens it.
 */

export interface BreakerState {
  readonly failures: number;
  readonly opens: number;
  readonly openUntil: number;
}

export const CLOSED: BreakerState = { failures: 0, opens: 0, openUntil: 0 };
export const BREAKER_THRESHOLD = 5;
export const BREAKER_BASE_MS = 30_000;
export const BREAKER_MAX_MS = 5 * 60_000;

export function afterAttempt(state: BreakerState, reached: boolean, now: number): BreakerState {
  if (reached) return CLOSED;
  const failures = state.failures + 1;
  if (failures < BREAKER_THRESHOLD) return { ...state, failures };
  const opens = state.opens + 1;
  return { failures, opens, openUntil: now + Math.min(BREAKER_MAX_MS, BREAKER_BASE_MS * 2 ** (opens - 1)) };
}

export const isOpen = (state: BreakerState, now: number): boolean => state.openUntil > now;

/** Past its pause but not yet closed: the next attempt is a probe. */
export const isProbing = (state: BreakerState, now: number): boolean => state.failures >= BREAKER_THRESHOLD && !isOpen(state, now);
