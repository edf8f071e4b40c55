/**
 * Review finding (high): anyone could sign an empty Mandrill batch with Mandrill's public
 * test key `test-webhook`; it was forwarded as verified, written as a dedup key, queued and
 * counted against the route's quota. It is now answered 200 at the edge and goes no further.
 * Signatures follow Mandrill's documented construction: base64 HMAC-SHA1 over the webhook
 * URL followed by each POST field's name and value, sorted by name.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ADMIN, BASE, call, mustPutRoute, useOrigin } from "../unit/helpers";

async function mandrillSign(key: string, url: string, fields: [string, string][]): Promise<string> {
  const data = url + [...fields].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => k + v).join("");
  const k = await crypto.subtle.importKey("raw", new TextEncoder().encode(key), { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
  return btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.sign("HMAC", k, new TextEncoder().encode(data)))));
}

async function post(url: string, key: string, events: string) {
  const fields: [string, string][] = [["mandrill_events", events]];
  return call(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "x-mandrill-signature": await mandrillSign(key, url, fields) },
    body: new URLSearchParams(fields).toString(),
  });
}

const route = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  host: "*",
  path: `/${id}`,
  origin: "http://origin.test",
  auth: { methods: [{ type: "provider", provider: "mandrill", secrets: ["route-key"] }] },
  ...extra,
});

describe("Mandrill's public test key", () => {
  const origin = useOrigin();

  it("an empty batch signed with test-webhook is answered 200 at the edge, never forwarded, whatever the query", async () => {
    await mustPutRoute(route("md", { dedup: {} }));
    for (const q of ["", "?x=1", "?anything=%00&auth=z"]) {
      const res = await post(`${BASE}/md${q}`, "test-webhook", "[]");
      expect(res.status, q).toBe(200);
      expect(res.headers.get("x-hookgate-verified")).toBeNull();
    }
    expect(origin.received).toHaveLength(0);
    const { entries } = (await (await call(`${BASE}/__gateway/routes/md/log`, { headers: ADMIN })).json()) as { entries: { decision: string; verifiedBy?: string }[] };
    expect(entries.slice(0, 3).map((e) => [e.decision, e.verifiedBy])).toEqual(Array(3).fill(["handshake", undefined]));
    // and no dedup key was written for them
    const keys = await runInDurableObject(env.DEDUP.get(env.DEDUP.idFromName("dedup:md:0")), (_i, state) =>
      state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM deliveries").one().n,
    );
    expect(keys).toBe(0);
  });

  it("test batches do not count against the route's quota: the genuine delivery after five of them gets through", async () => {
    await mustPutRoute(route("mdq", { rateLimit: { perRoute: { requests: 1, periodSeconds: 3600 } } }));
    for (let i = 0; i < 5; i++) expect((await post(`${BASE}/mdq`, "test-webhook", "[]")).status).toBe(200);
    const genuine = await post(`${BASE}/mdq`, "route-key", '[{"event":"send","_id":"1"}]');
    expect(genuine.status).toBe(200);
    expect(origin.received).toHaveLength(1);
    expect(origin.received[0]!.headers.get("x-hookgate-verified")).toBe("hmac:mandrill");
  });

  it("test batches are never queued on a queue route", async () => {
    await mustPutRoute(route("mdqueue", { delivery: { mode: "queue" } }));
    expect((await post(`${BASE}/mdqueue`, "test-webhook", "[]")).status).toBe(200);
    const { events } = (await (await call(`${BASE}/__gateway/routes/mdqueue/events?state=pending`, { headers: ADMIN })).json()) as { events: unknown[] };
    expect(events).toHaveLength(0);
  });

  it("a non-empty batch signed with test-webhook is refused 401", async () => {
    await mustPutRoute(route("md2"));
    const res = await post(`${BASE}/md2`, "test-webhook", '[{"event":"send"}]');
    expect(res.status).toBe(401);
    expect(origin.received).toHaveLength(0);
  });

  it("an empty batch with a wrong signature is refused 401; one signed with the route's key is forwarded", async () => {
    await mustPutRoute(route("md3"));
    expect((await post(`${BASE}/md3`, "not-the-key", "[]")).status).toBe(401);
    expect((await post(`${BASE}/md3`, "route-key", "[]")).status).toBe(200);
    expect(origin.received).toHaveLength(1);
  });
});
