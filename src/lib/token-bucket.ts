/**
 * Token-bucket arithmetic, pure: `capacity` tokens at most (the burst), refilled at
 * `ratePerMs`. Each request takes one token or is told how long until one is back.
 */

export interface Bucket {
  readonly tokens: number;
  readonly updatedAt: number;
}

export interface BucketLimits {
  readonly capacity: number;
  readonly ratePerMs: number;
}

export type Take = { readonly allowed: true; readonly bucket: Bucket } | { readonly allowed: false; readonly bucket: Bucket; readonly retryAfterMs: number };

export function limitsOf(requests: number, periodSeconds: number, burst?: number): BucketLimits {
  return { capacity: burst ?? requests, ratePerMs: requests / (periodSeconds * 1000) };
}

const EPSILON = 1e-9;

export function take(bucket: Bucket | undefined, now: number, limits: BucketLimits): Take {
  const last = bucket ?? { tokens: limits.capacity, updatedAt: now };
  // A clock that steps backwards refills nothing rather than draining the bucket.
  const elapsed = Math.max(0, now - last.updatedAt);
  const tokens = Math.min(limits.capacity, last.tokens + elapsed * limits.ratePerMs);
  // The epsilon absorbs float error, so a client that waits exactly retryAfterMs gets in.
  if (tokens >= 1 - EPSILON) return { allowed: true, bucket: { tokens: Math.max(0, tokens - 1), updatedAt: now } };
  return { allowed: false, bucket: { tokens, updatedAt: now }, retryAfterMs: Math.ceil((1 - tokens) / limits.ratePerMs) };
}
