/**
 * The circuit breaker's arithmetic, pure. Consecutive failures (unreachable or 5xx) up to
 * the threshold leave the circuit closed; at the threshold it opens for a pause that
 * doubles with each opening (by default 30 s, 60 s, … up to 5 min). When the pause ends one attempt
 * probes the origin (half-open): success closes the circuit, failure re-opens it.
 */

export interface BreakerState {
  readonly failures: number;
  readonly opens: number;
  readonly openUntil: number;
}

export interface BreakerPolicy {
  /** Consecutive failures that open the circuit. */
  readonly threshold: number;
  /** The first pause; each further opening doubles it, up to 10x. */
  readonly pauseMs: number;
}

export const CLOSED: BreakerState = { failures: 0, opens: 0, openUntil: 0 };
export const DEFAULT_BREAKER: BreakerPolicy = { threshold: 5, pauseMs: 30_000 };
export const MAX_PAUSE_FACTOR = 10;

export function afterAttempt(state: BreakerState, reached: boolean, now: number, policy: BreakerPolicy = DEFAULT_BREAKER): BreakerState {
  if (reached) return CLOSED;
  const failures = state.failures + 1;
  if (failures < policy.threshold) return { ...state, failures };
  const opens = state.opens + 1;
  return { failures, opens, openUntil: now + Math.min(policy.pauseMs * MAX_PAUSE_FACTOR, policy.pauseMs * 2 ** Math.min(opens - 1, 10)) };
}

export const isOpen = (state: BreakerState, now: number): boolean => state.openUntil > now;

/** Past its pause but not yet closed: the next attempt is a probe. */
export const isProbing = (state: BreakerState, now: number, policy: BreakerPolicy = DEFAULT_BREAKER): boolean =>
  state.failures >= policy.threshold && !isOpen(state, now);
