/**
 * Soak: thousands of distinct signed events (a share sent twice, as providers retry)
 * through the real worker in queue mode, while the origin flaps (random 5xx and an
 * outage window). At the end the origin has acknowledged every accepted event exactly
 * once and nothing is lost. Bounded in count and time; traffic only to 127.0.0.1.
 * SOAK_EVENTS changes the size (default 2000).
 */
import { sign as octokitSign } from "@octokit/webhooks-methods";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startGateway, startOrigin, type Gateway, type Origin } from "./helpers";

const EVENTS = Number(process.env.SOAK_EVENTS ?? 2000);
const DUPLICATE_SHARE = 0.2;
const CONCURRENCY = 16;
const RANDOM_FAILURE = 0.15;
const DEADLINE_MS = 240_000;

let gateway: Gateway;
let origin: Origin;

beforeAll(async () => {
  [gateway, origin] = await Promise.all([startGateway(), startOrigin()]);
}, 90_000);

afterAll(async () => {
  await gateway?.stop();
  await origin?.close();
});

it(`${EVENTS} events through a flapping origin: every accepted event delivered exactly once`, async () => {
  const started = Date.now();
  const put = await gateway.admin("PUT", "/routes/soak", {
    host: "*",
    path: "/hooks/soak",
    origin: origin.url,
    auth: { methods: [{ type: "provider", provider: "github", secrets: ["soak-secret"] }] },
    dedup: {},
    delivery: { mode: "queue", initialBackoffSeconds: 0.2, maxBackoffSeconds: 2, maxAttempts: 100, maxAgeSeconds: 3600, circuitBreaker: { failures: 20, pauseSeconds: 1 } },
    limits: { maxBodyBytes: 65536 },
  });
  expect(put.status).toBe(200);

  // The origin: random 5xx, and a full outage while a slice of the events is being sent.
  const acked = new Map<string, number>();
  let outage = false;
  origin.respond = (req) => {
    if (outage || Math.random() < RANDOM_FAILURE) return { status: 503, body: "flap" };
    const id = String(req.headers["x-github-delivery"]);
    acked.set(id, (acked.get(id) ?? 0) + 1);
    return { status: 200, body: "ok" };
  };

  const counts = { sent: 0, accepted: 0, duplicatesSuppressed: 0, retriedByProvider: 0, refused: 0 };
  const accepted = new Set<string>();
  const jobs: { id: string; body: string }[] = [];
  for (let i = 0; i < EVENTS; i++) {
    const job = { id: `soak-${i}`, body: JSON.stringify({ n: i, pad: "x".repeat(200) }) };
    jobs.push(job);
    if (Math.random() < DUPLICATE_SHARE) jobs.push(job); // the provider sends this one twice
  }

  /** Sends like a provider: retries 409/429/5xx a few times, then gives up (counted as refused). */
  async function deliver(job: { id: string; body: string }) {
    const signature = await octokitSign("soak-secret", job.body);
    for (let attempt = 0; attempt < 20; attempt++) {
      counts.sent++;
      const res = await fetch(`${gateway.url}/hooks/soak`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-hub-signature-256": signature, "x-github-delivery": job.id },
        body: job.body,
      });
      await res.arrayBuffer();
      if (res.status === 202 || res.status === 200) {
        if (res.headers.get("x-hookgate-duplicate")) counts.duplicatesSuppressed++;
        else {
          counts.accepted++;
          accepted.add(job.id);
        }
        return;
      }
      counts.retriedByProvider++;
      await new Promise((r) => setTimeout(r, 50 * (attempt + 1)));
    }
    counts.refused++;
  }

  let next = 0;
  const outageFrom = Math.floor(jobs.length * 0.3);
  const outageTo = Math.floor(jobs.length * 0.45);
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < jobs.length && Date.now() - started < DEADLINE_MS) {
        const i = next++;
        outage = i >= outageFrom && i < outageTo;
        await deliver(jobs[i]!);
      }
    }),
  );
  outage = false;

  // Wait for the queue to drain (bounded).
  let pending = -1;
  let dead = -1;
  while (Date.now() - started < DEADLINE_MS) {
    const p = (await (await gateway.admin("GET", "/routes/soak/events?state=pending")).json()) as { events: unknown[] };
    const d = (await (await gateway.admin("GET", "/routes/soak/dead-letters")).json()) as { events: unknown[] };
    pending = p.events.length;
    dead = d.events.length;
    if (pending === 0) break;
    await new Promise((r) => setTimeout(r, 500));
  }

  const deliveredTwice = [...acked.values()].filter((n) => n > 1).length;
  const lost = [...accepted].filter((id) => !acked.has(id)).length;
  const summary = {
    distinct: EVENTS,
    ...counts,
    delivered: acked.size,
    deliveredTwice,
    deadLettered: dead,
    pending,
    lost,
    seconds: Math.round((Date.now() - started) / 1000),
  };
  console.log(`soak: ${JSON.stringify(summary)}`);

  expect(counts.refused).toBe(0);
  expect(accepted.size).toBe(EVENTS);
  expect(pending).toBe(0);
  expect(dead).toBe(0);
  expect(lost).toBe(0);
  expect(deliveredTwice).toBe(0);
  expect(acked.size).toBe(EVENTS);
}, 300_000);
