/**
 * Concurrent copies of one signed event against the real worker (wrangler dev), dedup on:
 * 50 identical deliveries at once reach the origin once; the others are answered as
 * duplicates (200, x-hookgate-duplicate) or, while the first is in flight, 409
 * delivery_in_flight with Retry-After (README "Deduplication"). And when the first
 * delivery fails at the origin, a later copy is forwarded: dedup never swallows a retry.
 * Signatures from @octokit/webhooks-methods; traffic only to 127.0.0.1; bounded in time.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startGateway, type Gateway } from "../../e2e/helpers";
import { githubEvent, OK, post, printOutputOnFailure, putRoute, queueCounts, sendUntilAccepted, sleep, startFaultOrigin, waitFor, type Answer, type FaultOrigin, type GithubEvent } from "./faults";

const SECRET = "copies-secret";
const COPIES = 50;
const ORIGIN_TIMEOUT_MS = 5_000;
/** Retry-After of a 409 is at most the first claim's lease: the origin timeout + 5 s. */
const MAX_RETRY_AFTER_S = Math.ceil((ORIGIN_TIMEOUT_MS + 5_000) / 1000);
/** The origin holds its answer this long, so most copies arrive while the first is in flight. */
const ORIGIN_DELAY_MS = 1_000;

let gateway: Gateway;
let origin: FaultOrigin;

const route = (path: string, extra: Record<string, unknown> = {}) => ({
  host: "*",
  path,
  originTimeoutMs: ORIGIN_TIMEOUT_MS,
  auth: { methods: [{ type: "provider", provider: "github", secrets: [SECRET] }] },
  dedup: {},
  ...extra,
});

beforeAll(async () => {
  [gateway, origin] = await Promise.all([startGateway(), startFaultOrigin()]);
  await putRoute(gateway, "copies-sync", { ...route("/hooks/copies-sync"), origin: origin.url });
  await putRoute(gateway, "copies-shards", { ...route("/hooks/copies-shards", { dedup: { shards: 4 } }), origin: origin.url });
  await putRoute(gateway, "copies-queue", {
    ...route("/hooks/copies-queue", { delivery: { mode: "queue", initialBackoffSeconds: 0.2, maxBackoffSeconds: 1 } }),
    origin: origin.url,
  });
}, 90_000);

afterAll(async () => {
  await gateway?.stop();
  await origin?.close();
});

beforeEach(() => {
  printOutputOnFailure(() => [gateway]);
  origin.arrivals.length = 0;
  origin.taken.clear();
  origin.behave = () => OK;
});

const fire = (path: string, copies: readonly GithubEvent[]) => Promise.all(copies.map((c) => post(gateway, path, c)));

/** Each answer is the origin's (forwarded), a duplicate, or in flight; returns them sorted into those. */
function sortAnswers(answers: readonly Answer[], forwardedStatuses: readonly number[]) {
  const duplicates = answers.filter((a) => a.status === 200 && a.duplicate);
  const inFlight = answers.filter((a) => a.status === 409);
  const forwarded = answers.filter((a) => !duplicates.includes(a) && !inFlight.includes(a));
  for (const a of duplicates) expect(JSON.parse(a.body)).toMatchObject({ duplicate: true });
  for (const a of inFlight) {
    expect(JSON.parse(a.body)).toMatchObject({ error: "delivery_in_flight" });
    expect(Number(a.retryAfter), JSON.stringify(a)).toBeGreaterThanOrEqual(1);
    expect(Number(a.retryAfter), JSON.stringify(a)).toBeLessThanOrEqual(MAX_RETRY_AFTER_S);
  }
  for (const a of forwarded) expect(forwardedStatuses, JSON.stringify(a)).toContain(a.status);
  return { duplicates, inFlight, forwarded };
}

/** Once the first copy's commit is written (after its answer), copies are duplicates. */
async function expectDuplicate(path: string, event: GithubEvent) {
  const answers = await sendUntilAccepted(gateway, path, event, 15_000);
  expect(answers.at(-1)).toMatchObject({ status: 200, duplicate: true });
  expect(answers.slice(0, -1).every((a) => a.status === 409)).toBe(true);
}

describe(`${COPIES} concurrent identical copies`, () => {
  it("sync: exactly one reaches the origin; the others are duplicates or 409 in flight", async () => {
    origin.behave = () => ({ kind: "answer", status: 200, delayMs: ORIGIN_DELAY_MS });
    const event = await githubEvent(SECRET, `copies-${randomUUID()}`);
    const answers = await fire("/hooks/copies-sync", Array.from({ length: COPIES }, () => event));
    const { duplicates, inFlight, forwarded } = sortAnswers(answers, [200]);
    expect(forwarded).toHaveLength(1);
    expect(forwarded[0]!.body).toBe("200"); // the origin's own answer, relayed
    expect(duplicates.length + inFlight.length).toBe(COPIES - 1);
    expect(origin.arrivals).toHaveLength(1);
    await expectDuplicate("/hooks/copies-sync", event);
    expect(origin.arrivals).toHaveLength(1);
    console.log(`sync copies: 1 forwarded, ${inFlight.length} in flight (409), ${duplicates.length} duplicates`);
  });

  it("sync, 4 dedup shards, half the copies under made-up delivery ids: one reaches the origin, every sender ends with a 200", async () => {
    // The id key and the content key (GitHub does not sign its delivery id) may land in
    // different shards: a copy is forwarded only when it holds both.
    origin.behave = () => ({ kind: "answer", status: 200, delayMs: ORIGIN_DELAY_MS });
    const event = await githubEvent(SECRET, `shards-${randomUUID()}`);
    const copies = Array.from({ length: COPIES }, (_, i) => (i % 2 ? event : { ...event, headers: { ...event.headers, "x-github-delivery": randomUUID() } }));
    // Each sender retries like a provider (409 included) until it gets a 2xx.
    const runs = await Promise.all(copies.map((c) => sendUntilAccepted(gateway, "/hooks/copies-shards", c, 30_000, 250)));
    for (const answers of runs) sortAnswers(answers, [200]);
    const finals = runs.map((answers) => answers.at(-1)!);
    expect(finals.every((a) => a.status === 200)).toBe(true);
    expect(finals.filter((a) => !a.duplicate)).toHaveLength(1);
    expect(origin.arrivals).toHaveLength(1);
    expect(origin.arrivals[0]!.body.toString()).toBe(event.body);
    await expectDuplicate("/hooks/copies-shards", event);
    expect(origin.arrivals).toHaveLength(1);
  });

  it("queue: exactly one is queued (202), the others are duplicates or 409; the origin gets the event once", async () => {
    const event = await githubEvent(SECRET, `queue-copies-${randomUUID()}`);
    const answers = await fire("/hooks/copies-queue", Array.from({ length: COPIES }, () => event));
    const { duplicates, inFlight, forwarded } = sortAnswers(answers, [202]);
    expect(forwarded).toHaveLength(1);
    expect(JSON.parse(forwarded[0]!.body)).toMatchObject({ queued: true });
    expect(duplicates.length + inFlight.length).toBe(COPIES - 1);
    expect(await waitFor(() => origin.taken.has(event.id), 15_000)).toBe(true);
    await expectDuplicate("/hooks/copies-queue", event);
    await sleep(1_500); // a second delivery would come now
    expect(origin.arrivals).toHaveLength(1);
    expect(await queueCounts(gateway, "copies-queue")).toEqual({ pending: 0, dead: 0 });
  });
});

describe("the first delivery fails at the origin", () => {
  it("sync: a copy sent after the origin's 503 is forwarded (the claim was released), then copies are duplicates", async () => {
    // The first arrival gets 503 (after a pause, so the other copies meet it in flight); every later one 200.
    origin.behave = (_a, nth) => (nth === 1 ? { kind: "answer", status: 503, delayMs: ORIGIN_DELAY_MS } : OK);
    const event = await githubEvent(SECRET, `fails-first-${randomUUID()}`);
    const wave = await fire("/hooks/copies-sync", Array.from({ length: COPIES }, () => event));
    const { forwarded } = sortAnswers(wave, [503, 200]);
    // One copy met the 503 (relayed as the origin's answer); a copy that came after its claim
    // was released may already have been forwarded again and taken.
    expect(forwarded.filter((a) => a.status === 503)).toHaveLength(1);
    expect(forwarded.filter((a) => a.status === 200).length).toBeLessThanOrEqual(1);
    expect(origin.arrivals).toHaveLength(forwarded.length);

    // The provider retries: the event is forwarded now (unless the wave already did), and the origin takes it.
    const retry = await sendUntilAccepted(gateway, "/hooks/copies-sync", event, 20_000);
    expect(retry.at(-1)!.status).toBe(200);
    expect(retry.every((a) => a.status === 200 || a.status === 409)).toBe(true);
    expect(origin.taken.get(event.id)).toBe(1);
    expect(origin.arrivals).toHaveLength(2); // the 503, then the one that went through
    await expectDuplicate("/hooks/copies-sync", event);
    expect(origin.arrivals).toHaveLength(2);
  });

  it("sync, one copy at a time: 503, then the next copy is forwarded, not answered as a duplicate", async () => {
    origin.behave = (_a, nth) => (nth === 1 ? { kind: "answer", status: 503 } : OK);
    const event = await githubEvent(SECRET, `retry-${randomUUID()}`);
    const first = await post(gateway, "/hooks/copies-sync", event);
    expect(first).toMatchObject({ status: 503, duplicate: false });
    const retry = await sendUntilAccepted(gateway, "/hooks/copies-sync", event, 20_000);
    expect(retry.at(-1)).toMatchObject({ status: 200, duplicate: false, body: "200" });
    expect(origin.arrivals).toHaveLength(2);
    expect(origin.taken.get(event.id)).toBe(1);
    await expectDuplicate("/hooks/copies-sync", event);
  });

  it("queue: the gateway itself retries after the origin's 503; the provider's copies meanwhile are duplicates", async () => {
    origin.behave = (_a, nth) => (nth === 1 ? { kind: "answer", status: 503 } : OK);
    const event = await githubEvent(SECRET, `queue-fails-first-${randomUUID()}`);
    expect((await post(gateway, "/hooks/copies-queue", event)).status).toBe(202);
    const wave = await fire("/hooks/copies-queue", Array.from({ length: COPIES }, () => event));
    const { forwarded } = sortAnswers(wave, []);
    expect(forwarded).toEqual([]);
    expect(await waitFor(() => origin.taken.has(event.id), 15_000)).toBe(true);
    await sleep(1_500);
    expect(origin.arrivals.map((a) => a.eventId)).toEqual([event.id, event.id]); // the 503, then the retry that was taken
    expect(origin.taken.get(event.id)).toBe(1);
    expect(await queueCounts(gateway, "copies-queue")).toEqual({ pending: 0, dead: 0 });
  });
});
