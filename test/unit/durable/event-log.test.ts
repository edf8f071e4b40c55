/** The event log object on its own: trimming by count and age stays exact across restarts and changed bounds. */
import { env } from "cloudflare:workers";
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { LogEntry } from "../../../src/durable/event-log";

const log = (name: string) => env.EVENT_LOG.get(env.EVENT_LOG.idFromName(name));
const entry = (i: number, decision = "forwarded", at = Date.now()): LogEntry => ({ at, requestId: `r${i}`, decision, status: decision === "rejected" ? 401 : 200, latencyMs: 1, method: "POST", path: "/x" });
const rows = (s: ReturnType<typeof log>) =>
  runInDurableObject(s, (_o, state) => state.storage.sql.exec<{ refused: number; n: number; first: string }>("SELECT refused, COUNT(*) AS n, MIN(request_id) AS first FROM entries GROUP BY refused ORDER BY refused").toArray());
const keep = (maxEntries: number, maxAgeMs = 3_600_000) => ({ maxEntries, maxAgeMs });

describe("EventLog trimming", () => {
  it("keeps the newest maxEntries of each kind, also after a restart and when the bound is lowered", async () => {
    const s = log("trim");
    await s.append("trim", Array.from({ length: 12 }, (_, i) => entry(10 + i)), keep(10));
    await s.append("trim", Array.from({ length: 3 }, (_, i) => entry(50 + i, "rejected")), keep(10));
    expect(await rows(s)).toEqual([{ refused: 0, n: 10, first: "r12" }, { refused: 1, n: 3, first: "r50" }]);

    // A fresh instance counts what is kept before it trims again.
    await evictDurableObject(s);
    await s.append("trim", [entry(30)], keep(10));
    expect(await rows(s)).toEqual([{ refused: 0, n: 10, first: "r13" }, { refused: 1, n: 3, first: "r50" }]);

    await s.append("trim", [entry(31, "rejected")], keep(2));
    expect(await rows(s)).toEqual([{ refused: 0, n: 2, first: "r21" }, { refused: 1, n: 2, first: "r31" }]); // r21, r30 and r52, r31
  });

  it("entries past the age bound go, and the count follows them", async () => {
    const s = log("age");
    const old = Date.now() - 10_000;
    await s.append("age", [entry(10, "forwarded", old), entry(11, "rejected", old), entry(12)], keep(3, 5_000));
    expect(await rows(s)).toEqual([{ refused: 0, n: 1, first: "r12" }]);
    // Had the two aged-out rows still been counted, this would trim a kept row.
    await s.append("age", [entry(13), entry(14)], keep(3, 5_000));
    expect(await rows(s)).toEqual([{ refused: 0, n: 3, first: "r12" }]);
  });
});
