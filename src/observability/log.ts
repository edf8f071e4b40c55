/**
 * One JSON line per request, for `wrangler tail` and Workers Logs. Callers pass only
 * fields that are safe to keep: no secrets, tokens, query strings, signatures or bodies.
 */
export interface RequestLog {
  readonly requestId: string;
  readonly route?: string;
  readonly method: string;
  readonly path: string;
  readonly decision: "forwarded" | "queued" | "duplicate" | "handshake" | "rejected" | "admin" | "delivered" | "dead_lettered" | "filtered";
  readonly status: number;
  readonly reason?: string;
  readonly verifiedBy?: string;
  readonly eventId?: string;
  readonly originStatus?: number;
  /** Delivery attempts from the queue. */
  readonly attempt?: number;
  /** A route with several destinations: what each did with the event, or the queue's destination. */
  readonly destinations?: string;
  readonly latencyMs: number;
}

export function logRequest(line: RequestLog): void {
  console.log(JSON.stringify({ msg: "request", ...line }));
}
