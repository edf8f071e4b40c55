/**
 * Review finding: concurrent admin writes lost routes (the KV index was read-modify-write).
 * Every write now goes through one Durable Object, the index's single writer.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { clearRouteCache, INDEX_KEY } from "../../src/config/store";
import { ADMIN, BASE, call, putRoute, useOrigin } from "../unit/helpers";

const route = (i: number) => ({
  id: `r${i}`,
  host: "*",
  path: `/hooks/r${i}`,
  origin: "http://origin.test",
  auth: { methods: [{ type: "token", in: "query", secrets: [`token-${i}`] }] },
});

describe("concurrent admin writes", () => {
  const origin = useOrigin();

  it("50 concurrent PUTs of distinct routes: all 50 listed, indexed and routed", async () => {
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => putRoute(route(i))));
    expect(answers.map((r) => r.status)).toEqual(Array(50).fill(200));

    const listed = (await (await call(`${BASE}/__gateway/routes`, { headers: ADMIN })).json()) as { routes: { id: string }[] };
    expect(listed.routes.map((r) => r.id).sort()).toEqual(Array.from({ length: 50 }, (_, i) => `r${i}`).sort());
    const index = (await env.ROUTES.get<{ routes: { id: string }[] }>(INDEX_KEY, "json"))!;
    expect(index.routes).toHaveLength(50);

    clearRouteCache(); // as a fresh isolate would: everything from KV
    for (let i = 0; i < 50; i++) {
      const res = await call(`${BASE}/hooks/r${i}?auth=token-${i}`, { method: "POST", body: `event ${i}` });
      expect(res.status, `route r${i}`).toBe(200);
    }
    expect(origin.received).toHaveLength(50);
  });

  it("concurrent PUTs and DELETEs: the index ends with exactly the routes not deleted", async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => putRoute(route(i))));
    const del = (i: number) => call(`${BASE}/__gateway/routes/r${i}`, { method: "DELETE", headers: ADMIN });
    await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => del(i)),
      ...Array.from({ length: 10 }, (_, i) => putRoute(route(20 + i))),
    ]);
    const index = (await env.ROUTES.get<{ routes: { id: string }[] }>(INDEX_KEY, "json"))!;
    expect(index.routes.map((r) => r.id).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `r${10 + i}`).sort());
    clearRouteCache();
    expect((await call(`${BASE}/hooks/r3?auth=token-3`, { method: "POST", body: "x" })).status).toBe(404);
    expect((await call(`${BASE}/hooks/r25?auth=token-25`, { method: "POST", body: "x" })).status).toBe(200);
  });

  it("keeps routes that were indexed in KV before the registry existed", async () => {
    // An older gateway wrote the index itself; the registry takes it over on its first write.
    await putRoute(route(1));
    const { runInDurableObject } = await import("cloudflare:test");
    const { registryFor } = await import("../../src/durable/route-registry");
    await runInDurableObject(registryFor(env), (_i, state) => {
      state.storage.sql.exec("DELETE FROM routes");
      state.storage.sql.exec("DELETE FROM meta");
    });
    await putRoute(route(2));
    const index = (await env.ROUTES.get<{ routes: { id: string }[] }>(INDEX_KEY, "json"))!;
    expect(index.routes.map((r) => r.id).sort()).toEqual(["r1", "r2"]);
  });
});
