/**
 * Faults at the origin, against the real worker (wrangler dev), for a sync route and a
 * queue route (both with dedup): an origin that (a) answers slower than `originTimeoutMs`,
 * (b) resets the connection, (c) redirects to another origin, (d) takes the event but
 * answers 2xx only after the timeout, (e) answers 200 in time but its body only after it.
 * Each event meets the fault a few times, then goes through.
 * Checked: no event is lost (sync: the provider gets a non-2xx until the origin has it, so
 * it retries; queue: the gateway retries), no redirect is followed, and the origin gets an
 * event twice only where README "Guarantees" says it may (a 2xx that came after the timeout).
 * Traffic only to 127.0.0.1; bounded in time.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PROJECT_ROOT, startGateway, type Gateway } from "../../e2e/helpers";
import { githubEvent, OK, printOutputOnFailure, putRoute, queueCounts, sendUntilAccepted, sleep, startFaultOrigin, waitFor, type Behaviour, type FaultOrigin } from "./faults";

const SECRET = "origin-faults-secret";
const ORIGIN_TIMEOUT_MS = 1_000;
/** Past the timeout with a wide margin, so a 2-core CI machine cannot blur the two. */
const SLOW_MS = 2_500;
const EVENTS_PER_FAULT = 4;
const PROVIDER_DEADLINE_MS = 30_000;
const QUEUE_DRAIN_MS = 30_000;
const REDIRECTS = [301, 302, 303, 307, 308];
const ORIGIN_SIGNING_SECRET = `whsec_${Buffer.from("origin-faults-signing-key-32-byt").toString("base64")}`;

let gateway: Gateway;
let origin: FaultOrigin;
/** Where the redirects point: nothing may ever arrive here. */
let trap: FaultOrigin;

interface Fault {
  readonly name: string;
  /** How many arrivals of each event misbehave before the origin answers 200 at once. */
  readonly faulty: number;
  readonly behaviour: (eventIndex: number, nth: number) => Behaviour;
  /** What a sync route's provider may see while the origin misbehaves (besides 409 in flight). */
  readonly syncStatuses: readonly number[];
  /** Faulty arrivals whose 2xx the gateway never saw: each may cost one extra delivery (README "Guarantees"). */
  readonly lost2xx: number;
  /** false: the faulty answer is a 2xx that does reach the gateway in time, so nothing is retried. */
  readonly retried?: false;
}

const FAULTS: readonly Fault[] = [
  {
    name: "(a) answers slower than originTimeoutMs",
    faulty: 2,
    behaviour: () => ({ kind: "slow", status: 200, delayMs: SLOW_MS }),
    syncStatuses: [504],
    lost2xx: 0,
  },
  {
    name: "(b) resets the connection",
    faulty: 2,
    behaviour: (_i, nth) => ({ kind: "reset", rst: nth % 2 === 0 }), // socket.destroy(), then a TCP RST
    syncStatuses: [502],
    lost2xx: 0,
  },
  {
    name: "(c) answers 3xx with a Location on another origin",
    faulty: 2,
    behaviour: (i, nth) => ({ kind: "answer", status: REDIRECTS[(i * 2 + nth) % REDIRECTS.length]!, headers: { location: `${trap.url}/stolen?from=origin` } }),
    syncStatuses: REDIRECTS,
    lost2xx: 0,
  },
  {
    name: "(d) takes the event but answers 2xx only after originTimeoutMs",
    faulty: 1,
    behaviour: () => ({ kind: "late", status: 200, delayMs: SLOW_MS }),
    syncStatuses: [504],
    lost2xx: 1,
  },
  {
    // (a) one step later: the timeout covers the wait for the status line; a body that
    // comes after it is still relayed whole (sync) or not read at all (queue), and the
    // event counts as delivered, once.
    name: "(e) answers 200 in time but sends its body only after originTimeoutMs",
    faulty: 1,
    behaviour: () => ({ kind: "trickle", status: 200, delayMs: SLOW_MS }),
    syncStatuses: [],
    lost2xx: 0,
    retried: false,
  },
];
/** Arrivals of each event at the origin: the faulty ones, then the one that goes through. */
const arrivalsOf = (f: Fault) => (f.retried === false ? f.faulty : f.faulty + 1);

const baseRoute = (path: string) => ({
  host: "*",
  path,
  origin: origin.url,
  originTimeoutMs: ORIGIN_TIMEOUT_MS,
  auth: { methods: [{ type: "provider", provider: "github", secrets: [SECRET] }] },
  dedup: {},
  originSigning: { secrets: [ORIGIN_SIGNING_SECRET] },
});
/** The webhook-ids (origin attestation) an event arrived under. */
const webhookIds = (eventId: string) => new Set(origin.arrivals.filter((a) => a.eventId === eventId).map((a) => String(a.headers["webhook-id"])));
/** Fast retries; a breaker that stays out of the way (it has its own tests). */
const QUEUE = { mode: "queue", initialBackoffSeconds: 0.2, maxBackoffSeconds: 1, maxAttempts: 50, maxAgeSeconds: 3600, circuitBreaker: { failures: 100, pauseSeconds: 0.5 } };

beforeAll(async () => {
  [gateway, origin, trap] = await Promise.all([startGateway(), startFaultOrigin(), startFaultOrigin()]);
  for (const [i] of FAULTS.entries()) {
    await putRoute(gateway, `sync-${i}`, baseRoute(`/hooks/sync-${i}`));
    await putRoute(gateway, `queue-${i}`, { ...baseRoute(`/hooks/queue-${i}`), delivery: QUEUE });
  }
}, 90_000);

afterAll(async () => {
  await gateway?.stop();
  await Promise.all([origin?.close(), trap?.close()]);
});

beforeEach(() => {
  printOutputOnFailure(() => [gateway]);
  origin.arrivals.length = 0;
  origin.taken.clear();
  origin.behave = () => OK;
});

/** Fresh events for one test; the origin misbehaves on each one's first `faulty` arrivals. */
async function arm(fault: Fault, label: string) {
  const events = await Promise.all(Array.from({ length: EVENTS_PER_FAULT }, (_, i) => githubEvent(SECRET, `${label}-${i}-${randomUUID()}`)));
  const index = new Map(events.map((e, i) => [e.id, i]));
  origin.behave = (arrival, nth) => {
    const i = index.get(arrival.eventId);
    return i !== undefined && nth <= fault.faulty ? fault.behaviour(i, nth) : OK;
  };
  return events;
}

/**
 * Every event reached the origin, was taken at most 1 + lost2xx times, and arrived exactly
 * as often as the faults made the gateway retry; nothing arrived at the redirect target.
 */
function expectDeliveredOnce(fault: Fault, events: readonly { id: string }[]) {
  for (const e of events) {
    const taken = origin.taken.get(e.id) ?? 0;
    expect(taken, `${e.id} never reached the origin`).toBeGreaterThanOrEqual(1);
    expect(taken, `${e.id} delivered ${taken} times`).toBeLessThanOrEqual(1 + fault.lost2xx);
    expect(origin.arrivals.filter((a) => a.eventId === e.id).length, e.id).toBe(arrivalsOf(fault));
  }
  expect(trap.arrivals).toEqual([]);
}

describe.each(FAULTS.map((f, i) => [f.name, f, i] as const))("origin %s", (_name, fault, i) => {
  it("sync: the provider gets a non-2xx until the origin has the event, then a copy is a duplicate", async () => {
    const events = await arm(fault, `sync-${i}`);
    const runs = await Promise.all(events.map((e) => sendUntilAccepted(gateway, `/hooks/sync-${i}`, e, PROVIDER_DEADLINE_MS)));
    for (const [n, answers] of runs.entries()) {
      const last = answers.at(-1)!;
      expect(last.status, `${events[n]!.id}: ${JSON.stringify(answers)}`).toBe(200);
      expect(last.duplicate).toBe(false);
      if (fault.retried === false) expect(last.body).toBe("first half, second half");
      const before = answers.slice(0, -1);
      // The misbehaving answers, each a status a provider retries; 409 while the claim of the one before is being released.
      const failures = arrivalsOf(fault) - 1;
      expect(before.filter((a) => a.status !== 409).map((a) => a.status)).toEqual(Array.from({ length: failures }, () => expect.toBeOneOf([...fault.syncStatuses])));
      for (const a of before) {
        if (a.status >= 500 || a.status === 409) expect(Number(a.retryAfter), JSON.stringify(a)).toBeGreaterThan(0);
        if (a.status >= 300 && a.status < 400) expect(a.location).toBe(`${trap.url}/stolen?from=origin`); // relayed, not followed
      }
    }
    expectDeliveredOnce(fault, events);
    // A provider's retry is a new request to the gateway: it reaches the origin under a new webhook-id.
    if (fault.lost2xx > 0) console.log(`sync ${fault.name}: webhook-ids per event ${JSON.stringify(events.map((e) => webhookIds(e.id).size))}`);
    // The origin's 200 was committed: another copy is answered as a duplicate and not forwarded.
    const arrivals = origin.arrivals.length;
    for (const e of events) {
      const again = (await sendUntilAccepted(gateway, `/hooks/sync-${i}`, e, 10_000)).at(-1)!;
      expect(again).toMatchObject({ status: 200, duplicate: true });
    }
    expect(origin.arrivals.length).toBe(arrivals);
  }, 60_000);

  it("queue: 202 at once, retried by the gateway until the origin has the event", async () => {
    const events = await arm(fault, `queue-${i}`);
    const runs = await Promise.all(events.map((e) => sendUntilAccepted(gateway, `/hooks/queue-${i}`, e, PROVIDER_DEADLINE_MS)));
    const ids = runs.map((answers) => {
      expect(answers.map((a) => a.status)).toEqual([202]);
      return (JSON.parse(answers[0]!.body) as { id: string }).id;
    });
    const drained = await waitFor(async () => events.every((e) => origin.taken.has(e.id)) && (await queueCounts(gateway, `queue-${i}`)).pending === 0, QUEUE_DRAIN_MS, 200);
    await sleep(SLOW_MS); // a late answer, or a copy nobody asked for, would show up now
    expect({ drained, counts: await queueCounts(gateway, `queue-${i}`) }).toEqual({ drained: true, counts: { pending: 0, dead: 0 } });
    expectDeliveredOnce(fault, events);
    // Every attempt of one queued event carries the same webhook-id (the 202's id), so an origin can drop a second copy.
    for (const [n, e] of events.entries()) expect([...webhookIds(e.id)]).toEqual([ids[n]]);
    // Each failed attempt is on record as a failure, the last as the 200.
    for (const id of ids) {
      const res = await gateway.admin("GET", `/routes/queue-${i}/events/${id}`);
      const { event, attempts } = (await res.json()) as { event: { state: string }; attempts: { status: number | null; error: string | null }[] };
      expect(event.state).toBe("delivered");
      expect(attempts.map((a) => a.status).at(-1)).toBe(200);
      expect(attempts.slice(0, -1).every((a) => a.status === null || a.status < 200 || a.status >= 300), JSON.stringify(attempts)).toBe(true);
      expect(attempts).toHaveLength(arrivalsOf(fault));
    }
    // The provider's retry of a delivered event is a duplicate.
    const again = await sendUntilAccepted(gateway, `/hooks/queue-${i}`, events[0]!, 10_000);
    expect(again.at(-1)).toMatchObject({ status: 200, duplicate: true });
  }, 60_000);
});

describe("what README documents for a 2xx after the timeout", () => {
  const readme = readFileSync(join(PROJECT_ROOT, "README.md"), "utf8");
  it("says both modes may deliver such an event again (the bound (d) above is held to)", () => {
    // sync + dedup: "once, unless the origin's 2xx is lost (it answered after `originTimeoutMs`, …)"
    expect(readme).toContain("once, unless the origin's 2xx is lost (it answered after `originTimeoutMs`");
    // queue: "delivered again only if … or the origin answers 2xx after the timeout"
    expect(readme).toContain("or the origin answers 2xx after the timeout");
    // redirects: retried, never followed
    expect(readme).toContain("3xx (redirects are not followed)");
  });
});
