/**
 * Shared by the live fault tests: an origin on 127.0.0.1 that misbehaves on request (answers
 * too slowly or late, resets the connection, redirects, stalls its body) and counts what it
 * took, GitHub-signed events (signatures from @octokit/webhooks-methods), a sender that
 * retries like a provider, and bounded polling. The gateway comes from test/e2e/helpers.ts.
 */
import { sign as octokitSign } from "@octokit/webhooks-methods";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { onTestFailed } from "vitest";
import type { Gateway } from "../../e2e/helpers";

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What the origin does with one request. */
export type Behaviour =
  /** Answers `status` (after `delayMs`, if set); a 2xx counts as taken if the caller is still there to get it. */
  | { readonly kind: "answer"; readonly status: number; readonly headers?: Record<string, string>; readonly delayMs?: number }
  /**
   * Answers 2xx after `delayMs`, and only then counts the event as taken, and only if the
   * client is still there (an app that rolls back its work when the caller went away).
   */
  | { readonly kind: "slow"; readonly status: number; readonly delayMs: number }
  /** Takes the event at once (counted as delivered), but answers only after `delayMs`. */
  | { readonly kind: "late"; readonly status: number; readonly delayMs: number }
  /** The connection dropped as soon as the request has arrived, no answer: socket.destroy() (FIN), or with `rst` a TCP RST. */
  | { readonly kind: "reset"; readonly rst?: boolean }
  /** Takes the event and sends the status line and headers at once, the rest of the body only after `delayMs`. */
  | { readonly kind: "trickle"; readonly status: number; readonly delayMs: number };

export interface Arrival {
  readonly at: number;
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** GitHub's delivery id (the provider's event id). */
  readonly eventId: string;
}

export interface FaultOrigin {
  readonly url: string;
  readonly port: number;
  /** Every request that arrived, whatever was done with it. */
  readonly arrivals: Arrival[];
  /** Per event id: how many times the origin took it (answered 2xx, or "late": took it, answered after). */
  readonly taken: Map<string, number>;
  behave: (arrival: Arrival, nthForEvent: number) => Behaviour;
  close(): Promise<void>;
}

export const OK: Behaviour = { kind: "answer", status: 200 };

/** An origin on 127.0.0.1 (on `port`, or a free one). Default: 200 at once. */
export async function startFaultOrigin(port = 0): Promise<FaultOrigin> {
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };
  const origin = {
    url: "",
    port: 0,
    arrivals: [] as Arrival[],
    taken: new Map<string, number>(),
    behave: (() => OK) as FaultOrigin["behave"],
    close: async () => {},
  };
  const take = (id: string) => origin.taken.set(id, (origin.taken.get(id) ?? 0) + 1);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const eventId = String(req.headers["x-github-delivery"] ?? "");
      const arrival: Arrival = { at: Date.now(), method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks), eventId };
      const nth = origin.arrivals.filter((a) => a.eventId === eventId).length + 1;
      origin.arrivals.push(arrival);
      const b = origin.behave(arrival, nth);
      switch (b.kind) {
        case "reset":
          if (b.rst) req.socket.resetAndDestroy();
          else req.socket.destroy();
          return;
        case "late":
          take(eventId);
          later(b.delayMs, () => {
            if (!res.destroyed) res.writeHead(b.status).end("late");
          });
          return;
        case "trickle":
          take(eventId);
          res.writeHead(b.status, { "content-type": "text/plain" });
          res.write("first half, ");
          later(b.delayMs, () => {
            if (!res.destroyed) res.end("second half");
          });
          return;
        case "slow":
          later(b.delayMs, () => {
            if (res.destroyed || req.socket.destroyed) return; // the caller gave up: the work is rolled back
            take(eventId);
            res.writeHead(b.status).end("slow");
          });
          return;
        case "answer": {
          const send = () => {
            if (res.destroyed) return;
            if (b.status >= 200 && b.status < 300) take(eventId);
            res.writeHead(b.status, b.headers ?? {}).end(String(b.status));
          };
          if (b.delayMs) later(b.delayMs, send);
          else send();
        }
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  const bound = (server.address() as AddressInfo).port;
  return Object.assign(origin, {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

export interface GithubEvent {
  readonly id: string;
  readonly body: string;
  readonly headers: Record<string, string>;
}

/** A GitHub delivery, signed by GitHub's own library. */
export async function githubEvent(secret: string, id: string, payload: unknown = { action: "opened", delivery: id }): Promise<GithubEvent> {
  const body = JSON.stringify(payload);
  return {
    id,
    body,
    headers: {
      "content-type": "application/json",
      "x-github-event": "issues",
      "x-github-delivery": id,
      "x-hub-signature-256": await octokitSign(secret, body),
    },
  };
}

export interface Answer {
  readonly status: number;
  readonly duplicate: boolean;
  readonly retryAfter: string | null;
  readonly location: string | null;
  readonly body: string;
}

/** One POST to the gateway; a failure to connect is status 0. */
export async function post(gateway: Gateway, path: string, event: GithubEvent, timeoutMs = 20_000): Promise<Answer> {
  try {
    // Providers do not follow redirects: a 3xx is an answer like any other.
    const res = await fetch(`${gateway.url}${path}`, { method: "POST", headers: event.headers, body: event.body, redirect: "manual", signal: AbortSignal.timeout(timeoutMs) });
    return {
      status: res.status,
      duplicate: res.headers.get("x-hookgate-duplicate") === "true",
      retryAfter: res.headers.get("retry-after"),
      location: res.headers.get("location"),
      body: await res.text(),
    };
  } catch (e) {
    // No answer: the error (and its cause, e.g. ECONNRESET) stands in for the body.
    const cause = (e as Error & { cause?: unknown }).cause;
    return { status: 0, duplicate: false, retryAfter: null, location: null, body: `${String(e)}${cause ? ` (${String(cause)})` : ""}` };
  }
}

/**
 * Sends like a provider: again after any non-2xx (or no answer), until a 2xx or the
 * deadline. Waits `retryDelayMs` between tries (shorter than a real provider, to keep the
 * test short). Every answer is returned, in order.
 */
export async function sendUntilAccepted(gateway: Gateway, path: string, event: GithubEvent, deadlineMs: number, retryDelayMs = 200): Promise<Answer[]> {
  const answers: Answer[] = [];
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    const a = await post(gateway, path, event, Math.max(1_000, until - Date.now()));
    answers.push(a);
    if (a.status >= 200 && a.status < 300) break;
    await sleep(retryDelayMs);
  }
  return answers;
}

/** Polls `check` every `everyMs` until it is true or `timeoutMs` passed; returns the last result. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 100): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > until) return false;
    await sleep(everyMs);
  }
}

export interface QueueCounts {
  readonly pending: number;
  readonly dead: number;
}

/** The route's pending and dead-lettered events, through the admin API. */
export async function queueCounts(gateway: Gateway, routeId: string): Promise<QueueCounts> {
  const count = async (path: string) => ((await (await gateway.admin("GET", path)).json()) as { events: unknown[] }).events.length;
  return { pending: await count(`/routes/${routeId}/events?state=pending`), dead: await count(`/routes/${routeId}/dead-letters`) };
}

/** Puts a route through the admin API; throws with the answer unless it was stored. */
export async function putRoute(gateway: Gateway, id: string, route: Record<string, unknown>): Promise<void> {
  const res = await gateway.admin("PUT", `/routes/${id}`, route);
  if (res.status !== 200) throw new Error(`PUT /routes/${id}: ${res.status} ${await res.text()}`);
}

/** The state of an event's `id:` dedup key (`in_flight`, `delivered`), or null when the route has none. */
export async function dedupState(gateway: Gateway, routeId: string, eventId: string): Promise<string | null> {
  const res = await gateway.admin("GET", `/routes/${routeId}/dedup/${encodeURIComponent(`id:${eventId}`)}`);
  if (res.status === 404) return null;
  return ((await res.json()) as { state: string }).state;
}

/** Call in beforeEach: when the test fails, the tail of each gateway's wrangler output is printed (for CI logs). */
export function printOutputOnFailure(gateways: () => readonly (Gateway | undefined)[]): void {
  onTestFailed(() => {
    for (const [i, g] of gateways().entries()) if (g) console.log(`--- wrangler dev #${i + 1} (${g.url}), last lines:\n${g.output().slice(-4_000)}`);
  });
}
