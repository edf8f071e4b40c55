/**
 * Review finding: the queue kept the bodies of expired dead letters forever, so a busy
 * queue route's storage grew without bound. After retention, storage returns to its baseline.
 */
import { sign as octokitSign } from "@octokit/webhooks-methods";
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { BASE, call, mustPutRoute, useOrigin } from "../unit/helpers";

const T0 = 1_780_000_000_000;
const DAY_MS = 24 * 3600_000;
const queue = (id: string) => env.DELIVERY.get(env.DELIVERY.idFromName(`delivery:${id}`));

async function send(id: string, body: string) {
  return call(`${BASE}/${id}`, {
    method: "POST",
    headers: { "x-hub-signature-256": await octokitSign("s", body), "x-github-delivery": crypto.randomUUID() },
    body,
  });
}

const storage = (id: string) =>
  runInDurableObject(queue(id), (_i, state) => ({
    bytes: state.storage.sql.databaseSize,
    rows: ["events", "bodies", "attempts"].map((t) => state.storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM ${t}`).one().n),
  }));

describe("queue storage after retention", () => {
  const origin = useOrigin();
  beforeEach(() => vi.useFakeTimers({ toFake: ["Date"], now: T0 }));
  afterEach(() => vi.useRealTimers());

  it("delivered and dead-lettered events, bodies and attempts are all gone once retention passes", async () => {
    await mustPutRoute({
      id: "big",
      host: "*",
      path: "/big",
      origin: "http://origin.test",
      auth: { methods: [{ type: "provider", provider: "github", secrets: ["s"] }] },
      limits: { maxBodyBytes: 4 * 1024 * 1024 },
      delivery: { mode: "queue", deadLetterRetentionSeconds: 3600 },
    });
    // Half the events are refused for good (400: dead letter), half are taken (200).
    let n = 0;
    origin.respond(() => new Response(null, { status: n++ % 2 === 0 ? 400 : 200 }));
    await send("big", "warm-up"); // the object exists and has its tables: the baseline
    await runDurableObjectAlarm(queue("big"));
    vi.setSystemTime(Date.now() + 2 * DAY_MS);
    await runDurableObjectAlarm(queue("big"));
    const baseline = await storage("big");
    expect(baseline.rows).toEqual([0, 0, 0]);

    const body = "x".repeat(1024 * 1024);
    for (let i = 0; i < 8; i++) expect((await send("big", `${i}${body}`)).status).toBe(202);
    await runDurableObjectAlarm(queue("big"));
    const full = await storage("big");
    expect(full.rows[0]).toBe(8);
    expect(full.bytes).toBeGreaterThan(baseline.bytes + 3 * 1024 * 1024); // the dead letters' bodies are kept for replay

    vi.setSystemTime(Date.now() + 2 * DAY_MS); // past both retentions (dead: 1 h, delivered: 24 h)
    await runDurableObjectAlarm(queue("big"));
    const after = await storage("big");
    expect(after.rows).toEqual([0, 0, 0]);
    // SQLite reuses freed pages rather than shrinking its file: a second round of the same
    // traffic must fit in the space the first one left, so storage stays bounded.
    for (let i = 0; i < 8; i++) expect((await send("big", `${i}${body}`)).status).toBe(202);
    await runDurableObjectAlarm(queue("big"));
    vi.setSystemTime(Date.now() + 2 * DAY_MS);
    await runDurableObjectAlarm(queue("big"));
    const second = await storage("big");
    expect(second.rows).toEqual([0, 0, 0]);
    expect(second.bytes).toBeLessThanOrEqual(full.bytes);
  });
});
