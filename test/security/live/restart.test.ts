/**
 * Fault: the gateway process dies (SIGKILL to wrangler dev's whole process group, no
 * shutdown) while a queue-mode route holds undelivered events, and a new one starts on the
 * same state directory and port. Nothing accepted with 202 may be lost, and each event
 * reaches the origin once (README "Guarantees": a restart keeps every stored event; the
 * documented exception is an event whose 2xx the dead worker never recorded). A crash in
 * the middle of arrivals shows one more, undocumented, way to a second delivery: see the
 * last test.
 * Traffic only to 127.0.0.1; every process started here is stopped by its process group.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { freePort, startGateway, type Gateway } from "../../e2e/helpers";
import { dedupState, githubEvent, post, printOutputOnFailure, putRoute, queueCounts, sendUntilAccepted, sleep, startFaultOrigin, waitFor, type FaultOrigin } from "./faults";

const SECRET = "restart-secret";
const EVENTS = 20;
const BURST = 60;
const BURST_CONCURRENCY = 8;
const ORIGIN_SIGNING_SECRET = `whsec_${Buffer.from("restart-origin-signing-key-32-by").toString("base64")}`;
/** Fast retries so the test is short: 0.1–1 s between attempts, a circuit that pauses 0.5–5 s. */
const FAST_QUEUE = { mode: "queue", initialBackoffSeconds: 0.2, maxBackoffSeconds: 1, maxAttempts: 100, maxAgeSeconds: 3600, circuitBreaker: { failures: 3, pauseSeconds: 0.5 } };
const DRAIN_TIMEOUT_MS = 45_000;

let first: Gateway;
let second: Gateway | undefined;
const origins: FaultOrigin[] = [];

beforeAll(async () => {
  first = await startGateway();
}, 90_000);

afterAll(async () => {
  await second?.stop();
  await first?.stop(); // the first one created the state directory: it removes it
  await Promise.all(origins.map((o) => o.close()));
});

beforeEach(() => printOutputOnFailure(() => [first, second]));

/** Kills the running gateway and starts another on its state directory and port. */
async function crashAndRestart(): Promise<Gateway> {
  const current = second ?? first;
  await current.kill();
  // The old address must be dead before the new process takes it over.
  const old = await fetch(`${current.url}/__gateway/health`, { signal: AbortSignal.timeout(1_000) }).then(() => "answers", () => "gone");
  expect(old).toBe("gone");
  second = await startGateway({}, { stateDir: first.stateDir, port: first.port });
  expect(second.url).toBe(first.url);
  return second;
}

const route = (path: string, origin: string, extra: Record<string, unknown> = {}) => ({
  host: "*",
  path,
  origin,
  auth: { methods: [{ type: "provider", provider: "github", secrets: [SECRET] }] },
  dedup: {},
  delivery: FAST_QUEUE,
  ...extra,
});

describe("restart mid-queue", () => {
  it(`${EVENTS} events queued while the origin is down survive a SIGKILL; the new process delivers each exactly once`, async () => {
    // The origin's port is reserved but nothing listens: every attempt is refused.
    const originPort = await freePort();
    await putRoute(first, "restart-down", route("/hooks/restart-down", `http://127.0.0.1:${originPort}`));

    const events = await Promise.all(Array.from({ length: EVENTS }, (_, i) => githubEvent(SECRET, `down-${i}-${randomUUID()}`)));
    const answers = await Promise.all(events.map((e) => post(first, "/hooks/restart-down", e)));
    for (const a of answers) {
      expect(a.status, a.body).toBe(202);
      expect(JSON.parse(a.body)).toMatchObject({ queued: true, id: expect.stringMatching(/^msg_/) });
    }
    // Mid-queue: the queue has been failing against the dead origin before the crash.
    const attempted = await waitFor(async () => {
      const res = await first.admin("GET", "/routes/restart-down/events?state=pending");
      const { events: pending } = (await res.json()) as { events: { attempts: number }[] };
      return pending.length === EVENTS && pending.some((e) => e.attempts > 0);
    }, 15_000);
    expect(attempted).toBe(true);
    // Each 202 is followed by the dedup commit (after the answer); let those land, so that
    // this test is about the queue, not about the commit window (the burst test below).
    const committed = await waitFor(async () => (await Promise.all(events.map((e) => dedupState(first, "restart-down", e.id)))).every((s) => s === "delivered"), 10_000, 200);
    expect(committed).toBe(true);

    const gateway = await crashAndRestart();
    expect(await queueCounts(gateway, "restart-down")).toEqual({ pending: EVENTS, dead: 0 });
    // The dedup keys survived too: the provider's retry of a queued event is a duplicate.
    const retry = await post(gateway, "/hooks/restart-down", events[0]!);
    expect(retry).toMatchObject({ status: 200, duplicate: true });

    // The origin comes back on its port; no more traffic: the queue's own alarm delivers.
    const origin = await startFaultOrigin(originPort);
    origins.push(origin);
    const drained = await waitFor(() => events.every((e) => origin.taken.has(e.id)), DRAIN_TIMEOUT_MS, 200);
    await sleep(1_000); // a late second copy would arrive now
    const counts = await queueCounts(gateway, "restart-down");
    const missing = events.filter((e) => !origin.taken.has(e.id)).map((e) => e.id);
    expect({ drained, missing, counts }).toEqual({ drained: true, missing: [], counts: { pending: 0, dead: 0 } });
    // Exactly once each, and nothing the provider did not send.
    for (const e of events) expect(origin.taken.get(e.id), e.id).toBe(1);
    expect(origin.arrivals).toHaveLength(EVENTS);
    expect(new Set(origin.arrivals.map((a) => a.eventId))).toEqual(new Set(events.map((e) => e.id)));
    for (const a of origin.arrivals) {
      const sent = events.find((e) => e.id === a.eventId)!;
      expect(a.body.toString()).toBe(sent.body);
      expect(a.headers["x-hub-signature-256"]).toBe(sent.headers["x-hub-signature-256"]);
    }
  }, 150_000);

  it("a SIGKILL while the queue is delivering loses nothing; at most the one event in flight arrives twice, with the same webhook-id", async () => {
    const origin = await startFaultOrigin();
    origins.push(origin);
    // Each answer takes 150 ms, so the crash lands in the middle of the drain.
    origin.behave = () => ({ kind: "answer", status: 200, delayMs: 150 });
    const gateway0 = second ?? first;
    await putRoute(gateway0, "restart-busy", route("/hooks/restart-busy", origin.url, { originSigning: { secrets: [ORIGIN_SIGNING_SECRET] } }));

    const events = await Promise.all(Array.from({ length: EVENTS }, (_, i) => githubEvent(SECRET, `busy-${i}-${randomUUID()}`)));
    const answers = await Promise.all(events.map((e) => post(gateway0, "/hooks/restart-busy", e)));
    for (const a of answers) expect(a.status, a.body).toBe(202);

    // Crash once a few have been delivered and most have not.
    expect(await waitFor(() => origin.taken.size >= 3, 20_000, 20)).toBe(true);
    const gateway = await crashAndRestart();
    const takenAtCrash = origin.taken.size;
    expect(takenAtCrash).toBeLessThan(EVENTS);

    const drained = await waitFor(() => events.every((e) => origin.taken.has(e.id)), DRAIN_TIMEOUT_MS, 200);
    await sleep(1_000);
    const missing = events.filter((e) => !origin.taken.has(e.id)).map((e) => e.id);
    expect({ drained, missing, counts: await queueCounts(gateway, "restart-busy") }).toEqual({ drained: true, missing: [], counts: { pending: 0, dead: 0 } });

    // At-least-once, in practice once: only an event whose 2xx the killed process never
    // recorded may come again (one at a time per route, so at most one), under the same id.
    const twice = events.filter((e) => origin.taken.get(e.id)! > 1);
    expect(twice.length).toBeLessThanOrEqual(1);
    for (const e of events) expect(origin.taken.get(e.id)!).toBeLessThanOrEqual(2);
    const webhookIds = new Map<string, Set<string>>();
    for (const a of origin.arrivals) {
      const ids = webhookIds.get(a.eventId) ?? webhookIds.set(a.eventId, new Set()).get(a.eventId)!;
      ids.add(String(a.headers["webhook-id"]));
    }
    for (const e of events) expect(webhookIds.get(e.id)?.size, e.id).toBe(1);
    expect(new Set([...webhookIds.values()].map((s) => [...s][0])).size).toBe(EVENTS);
    console.log(`restart while delivering: ${takenAtCrash}/${EVENTS} delivered before the crash, ${twice.length} delivered twice, ${origin.arrivals.length} arrivals`);
  }, 150_000);

  it("a SIGKILL in the middle of a burst of arrivals loses nothing; an event answered 202 before the crash is delivered once", async () => {
    const origin = await startFaultOrigin();
    origins.push(origin);
    const gateway0 = second ?? first;
    // A short origin timeout keeps the dead process's dedup leases (timeout + 5 s) short.
    await putRoute(gateway0, "restart-burst", route("/hooks/restart-burst", origin.url, { originTimeoutMs: 1_000, originSigning: { secrets: [ORIGIN_SIGNING_SECRET] } }));

    const events = await Promise.all(Array.from({ length: BURST }, (_, i) => githubEvent(SECRET, `burst-${i}-${randomUUID()}`)));
    const firstAnswer = new Map<string, number>();
    // Providers sending steadily: BURST_CONCURRENCY requests always on their way in, each
    // sender posting its next event as soon as the last was answered, until the crash.
    let next = 0;
    let crashed = false;
    const senders = Array.from({ length: BURST_CONCURRENCY }, async () => {
      while (next < BURST && !crashed) {
        const e = events[next++]!;
        firstAnswer.set(e.id, (await post(gateway0, "/hooks/restart-burst", e, 15_000)).status);
      }
    });
    // Crash once a third are accepted: then several are half way through the gateway.
    const acceptedSoFar = () => [...firstAnswer.values()].filter((s) => s === 202).length;
    expect(await waitFor(() => acceptedSoFar() >= BURST / 3, 20_000, 5)).toBe(true);
    crashed = true;
    const inFlightAtCrash = next - firstAnswer.size;
    const gateway = await crashAndRestart();
    await Promise.all(senders);
    const accepted = events.filter((e) => firstAnswer.get(e.id) === 202);
    const unanswered = events.filter((e) => firstAnswer.get(e.id) !== 202);

    // The providers retry what they did not see accepted; 409 while the dead process's claims hold.
    const retried = await Promise.all(unanswered.map((e) => sendUntilAccepted(gateway, "/hooks/restart-burst", e, 40_000, 250)));
    for (const answers of retried) {
      expect(answers.at(-1)!.status, JSON.stringify(answers.map((a) => a.status))).toBeOneOf([200, 202]);
      expect(answers.slice(0, -1).every((a) => a.status === 409 || a.status === 0), JSON.stringify(answers.map((a) => a.status))).toBe(true);
    }
    const drained = await waitFor(() => events.every((e) => origin.taken.has(e.id)), DRAIN_TIMEOUT_MS, 200);
    await sleep(1_000);
    const missing = events.filter((e) => !origin.taken.has(e.id)).map((e) => e.id);
    expect({ drained, missing, counts: await queueCounts(gateway, "restart-burst") }).toEqual({ drained: true, missing: [], counts: { pending: 0, dead: 0 } });

    // Accepted before the crash: once each, but for the one event the queue may have had in flight.
    expect(accepted.filter((e) => origin.taken.get(e.id)! > 1).length).toBeLessThanOrEqual(1);
    for (const e of events) expect(origin.taken.get(e.id)!).toBeLessThanOrEqual(3);
    // Not answered before the crash: such an event may have been stored by the dead process
    // without its dedup key committed (the commit runs after the answer), so the provider's
    // retry, once the claim's lease has passed, stores it a second time under a new msg_ id.
    // README "Guarantees" does not list this case, nor that its webhook-id differs (reported).
    const doubled = unanswered.filter((e) => origin.taken.get(e.id)! > 1);
    const newIds = doubled.filter((e) => new Set(origin.arrivals.filter((a) => a.eventId === e.id).map((a) => a.headers["webhook-id"])).size > 1);
    console.log(
      `restart mid-burst: ${accepted.length}/${BURST} accepted before the crash, ${inFlightAtCrash} on their way in at the crash, ${unanswered.length} sent again by the provider, ` +
        `${doubled.length} of those delivered twice (${newIds.length} under a second webhook-id), ${origin.arrivals.length} arrivals`,
    );
  }, 150_000);
});
