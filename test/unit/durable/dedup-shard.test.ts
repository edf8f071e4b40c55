/** The dedup Durable Object on its own: claim / commit / release, leases, retention alarm, restarts. */
import { env } from "cloudflare:workers";
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";

const T0 = 1_780_000_000_000;
const opts = (now: number) => ({ now, leaseMs: 20_000, retentionMs: 3_600_000 });
const shard = (name: string) => env.DEDUP.get(env.DEDUP.idFromName(name));

describe("DedupShard", () => {
  it("first claim wins; a copy in flight is told to retry; a delivered copy is a duplicate", async () => {
    const s = shard("a");
    expect(await s.claim("k", opts(T0))).toEqual({ status: "claimed" });
    expect(await s.claim("k", opts(T0 + 1000))).toEqual({ status: "in_flight", retryAfterMs: 19_000 });
    await s.commit("k", T0 + 2000, 3_600_000);
    expect(await s.claim("k", opts(T0 + 3000))).toEqual({ status: "duplicate", deliveredAt: T0 + 2000 });
  });

  it("release frees the key for the provider's retry", async () => {
    const s = shard("b");
    await s.claim("k", opts(T0));
    await s.release("k");
    expect(await s.claim("k", opts(T0 + 1))).toEqual({ status: "claimed" });
  });

  it("release never undoes a delivery", async () => {
    const s = shard("c");
    await s.claim("k", opts(T0));
    await s.commit("k", T0, 3_600_000);
    await s.release("k");
    expect((await s.claim("k", opts(T0 + 1))).status).toBe("duplicate");
  });

  it("a claim whose worker died is taken over after its lease", async () => {
    const s = shard("d");
    await s.claim("k", opts(T0));
    expect((await s.claim("k", opts(T0 + 19_999))).status).toBe("in_flight");
    expect(await s.claim("k", opts(T0 + 20_000))).toEqual({ status: "claimed" });
  });

  it("a delivered key is forgotten after retention, so a much later copy is forwarded", async () => {
    const s = shard("e");
    await s.claim("k", opts(T0));
    await s.commit("k", T0, 1000);
    expect((await s.claim("k", opts(T0 + 1001))).status).toBe("claimed");
  });

  it("the alarm removes expired keys and keeps the rest", async () => {
    const s = shard("f");
    const now = Date.now();
    await s.claim(["old", "new"], { now: now - 10_000, leaseMs: 1000, retentionMs: 5_000 });
    await s.settle([
      { keys: ["old"], peers: [], delivered: true, at: now - 10_000, retentionMs: 5_000 },
      { keys: ["new"], peers: [], delivered: true, at: now, retentionMs: 3_600_000 },
    ]);
    expect(await s.count()).toBe(2);
    expect(await runDurableObjectAlarm(s)).toBe(true);
    expect(await s.lookup("old")).toBeNull();
    expect((await s.lookup("new"))?.state).toBe("delivered");
    // the next alarm is scheduled for the remaining key
    const next = await runInDurableObject(s, (_o, state) => state.storage.getAlarm());
    expect(next).toBeGreaterThan(now);
  });

  it("one settle call commits and releases many events at once", async () => {
    const s = shard("batch");
    await s.claim(["a1", "a2"], opts(T0), ["elsewhere"]);
    await s.claim("b", opts(T0));
    await s.settle([
      { keys: ["a1", "a2"], peers: ["elsewhere"], delivered: true, at: T0 + 5, retentionMs: 3_600_000 },
      { keys: ["b"], peers: [], delivered: false, at: T0 + 5, retentionMs: 3_600_000 },
    ]);
    expect(await s.claim("a2", opts(T0 + 10))).toEqual({ status: "duplicate", deliveredAt: T0 + 5 });
    expect((await s.claim("b", opts(T0 + 10))).status).toBe("claimed");
    // the event's keys in other shards are kept with it, for the operator's forget
    expect((await s.forget("a1"))?.sort()).toEqual(["a2", "elsewhere"]);
  });

  it("a claim writes nothing to disk: only a delivery does", async () => {
    const s = shard("nowrite");
    await s.claim(["k1", "k2"], opts(T0));
    const rows = () => runInDurableObject(s, (_o, state) => state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM deliveries").one().n);
    expect(await rows()).toBe(0);
    expect((await s.lookup("k1"))?.state).toBe("in_flight");
    await s.commit(["k1", "k2"], T0 + 1, 3_600_000);
    expect(await rows()).toBe(2);
  });

  it("a restart forgets claims in flight (the next copy is forwarded: an extra delivery, never a lost one) but keeps deliveries", async () => {
    const s = shard("restart");
    await s.claim("in-flight", opts(T0));
    await s.claim("delivered", opts(T0));
    await s.commit("delivered", T0 + 1, 3_600_000);
    await evictDurableObject(s);
    const again = shard("restart");
    expect((await again.claim("in-flight", opts(T0 + 2))).status).toBe("claimed");
    expect((await again.claim("delivered", opts(T0 + 2))).status).toBe("duplicate");
    // the first worker's commit still lands after the restart
    await again.commit("in-flight", T0 + 3, 3_600_000);
    expect((await again.claim("in-flight", opts(T0 + 4))).status).toBe("duplicate");
  });

  it("keeps its state across a restart", async () => {
    const s = shard("g");
    await s.claim("k", opts(T0));
    await s.commit("k", T0, 3_600_000);
    await evictDurableObject(s);
    expect((await shard("g").lookup("k"))?.state).toBe("delivered");
  });

  it("forget lets an operator force a re-delivery", async () => {
    const s = shard("h");
    await s.claim("k", opts(T0));
    await s.commit("k", T0, 3_600_000);
    expect(await s.forget("k")).toEqual([]); // known, and claimed without other keys
    expect(await s.forget("k")).toBeNull();
    expect((await s.claim("k", opts(T0 + 1))).status).toBe("claimed");
  });
});
