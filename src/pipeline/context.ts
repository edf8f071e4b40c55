/**
 * What the pipeline's stages share: one request context, read and added to by each stage,
 * and the outcome that ends the request (run.ts).
 */
import type { CompiledDestination, CompiledRoute } from "../config/compile";
import type { Env } from "../env";
import type { Rejection } from "../lib/rejection";
import type { Forwarded, Outbound } from "./forward";

/** How a request ended; what the record needs beyond it is in the context. */
export type Outcome = (
  | { readonly rejection: Rejection }
  | { readonly handshake: Response }
  | { readonly forwarded: Forwarded }
  | { readonly duplicate: true }
  | { readonly queued: string }
  /** No destination's filter matched: received (200) and recorded with the rules that did not match. */
  | { readonly filtered: string }
) & { readonly destinations?: string };

/** What the verified request is: who vouched for it and which event it is. */
export interface Accepted {
  readonly verifiedBy: readonly string[];
  readonly eventId: string | undefined;
  readonly messageId: string;
  /** Observe mode: the check that failed (the request is forwarded marked unverified). */
  readonly observed?: string;
}

/** One request on its way through the stages: what came in, and what each stage learned. */
export interface RequestContext {
  readonly request: Request;
  readonly url: URL;
  readonly env: Env;
  readonly exec: ExecutionContext;
  readonly requestId: string;
  readonly now: number;
  route?: CompiledRoute;
  body?: Uint8Array;
  accepted?: Accepted;
  /** Where the event goes, each with its dedup claim; `skipped`: destinations that do not take it, and why. */
  targets?: Target[];
  skipped?: string[];
  /** The verified request as the origin gets it: what a listener may forward. */
  out?: Outbound;
}

/** A destination an event goes to, with its dedup claim while one is held. */
export interface Target {
  readonly destination: CompiledDestination;
  settle?: (delivered: boolean, now: number) => Promise<void>;
}

/** Commits (delivered or durably queued) or releases each destination's claim, in the background; a settled claim is taken off the context. */
export function settleTargets(c: RequestContext, result: (d: CompiledDestination) => { readonly kind: string; readonly forwarded?: Forwarded } | Rejection | undefined): void {
  for (const t of c.targets ?? []) {
    if (!t.settle) continue;
    const r = result(t.destination);
    const done = r !== undefined && !("code" in r) && (r.kind === "queued" || (r.forwarded !== undefined && r.forwarded.originStatus >= 200 && r.forwarded.originStatus < 300));
    c.exec.waitUntil(t.settle(done, Date.now()));
    t.settle = undefined;
  }
}

