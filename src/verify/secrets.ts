/** Secret rotation: each secret may carry `notAfter`, after which it stops being accepted. */

export interface SecretValue {
  readonly value: string;
  /** Milliseconds since the epoch; absent means no expiry. */
  readonly notAfter?: number;
}

export interface Expiring<T> {
  readonly item: T;
  readonly notAfter?: number;
}

/** The items whose secret is still valid at `now`. */
export function active<T>(items: readonly Expiring<T>[], now: number): T[] {
  return items.filter((s) => s.notAfter === undefined || now <= s.notAfter).map((s) => s.item);
}
