/**
 * Review findings on dedup keys:
 * - a captured GitHub or Shopify delivery replayed under a fresh, unsigned delivery id was
 *   forwarded again (the origin got 3 copies): such events are also keyed on their content;
 * - timestamped schemes without an event id keyed on the signature header, so the same
 *   event signed again later got a new key: they key on the body.
 * Signatures come from @octokit/webhooks-methods and @shopify/shopify-api's documented
 * construction (base64 HMAC-SHA256 of the body) and Zoom's (v0:timestamp:body, hex).
 */
import { sign as octokitSign } from "@octokit/webhooks-methods";
import { describe, expect, it, vi } from "vitest";
import { ADMIN, BASE, call, mustPutRoute, useOrigin } from "../unit/helpers";

const ORIGIN = "http://origin.test";
const route = (id: string, provider: string, secret: string, dedup: Record<string, unknown> = {}) => ({
  id,
  host: "*",
  path: `/${id}`,
  origin: ORIGIN,
  dedup,
  auth: { methods: [{ type: "provider", provider, secrets: [secret] }] },
});

async function hmac(hash: "SHA-256", secret: string, data: string, encoding: "hex" | "base64") {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash }, false, ["sign"]);
  const bytes = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(data)));
  return encoding === "hex" ? [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("") : btoa(String.fromCharCode(...bytes));
}

describe("replays under a fresh unsigned id", () => {
  const origin = useOrigin();

  for (const shards of [1, 8]) {
    it(`GitHub: a captured delivery replayed with new X-GitHub-Delivery ids is a duplicate (${shards} shard${shards > 1 ? "s" : ""})`, async () => {
      await mustPutRoute(route(`gh${shards}`, "github", "s", { shards }));
      const body = `{"action":"opened","shards":${shards}}`;
      const signature = await octokitSign("s", body);
      const send = (delivery: string) => call(`${BASE}/gh${shards}`, { method: "POST", headers: { "x-hub-signature-256": signature, "x-github-delivery": delivery }, body });
      expect((await send("d-original")).status).toBe(200);
      for (const fresh of ["d-fresh-1", "d-fresh-2", crypto.randomUUID()]) {
        const res = await send(fresh);
        expect([res.status, res.headers.get("x-hookgate-duplicate")], fresh).toEqual([200, "true"]);
      }
      expect(origin.received).toHaveLength(1);
    });
  }

  it("Shopify: the same with X-Shopify-Webhook-Id", async () => {
    await mustPutRoute(route("shop", "shopify", "shpss_secret"));
    const body = '{"id":820982911946154500,"email":"jon@example.com"}';
    const headers = { "x-shopify-hmac-sha256": await hmac("SHA-256", "shpss_secret", body, "base64"), "content-type": "application/json" };
    for (const id of ["w-1", "w-2", "w-3"]) await call(`${BASE}/shop`, { method: "POST", headers: { ...headers, "x-shopify-webhook-id": id }, body });
    expect(origin.received).toHaveLength(1);
  });

  it("the genuine retry (same id, same bytes) is still a duplicate, and a failed first delivery's retry is forwarded", async () => {
    await mustPutRoute(route("ghr", "github", "s"));
    const body = '{"action":"retry-me"}';
    const init = { method: "POST", headers: { "x-hub-signature-256": await octokitSign("s", body), "x-github-delivery": "d-r" }, body };
    origin.respond(() => new Response("down", { status: 503 }));
    expect((await call(`${BASE}/ghr`, init)).status).toBe(503);
    origin.respond(() => new Response("ok"));
    expect((await call(`${BASE}/ghr`, init)).status).toBe(200); // both keys were released
    expect((await call(`${BASE}/ghr`, init)).headers.get("x-hookgate-duplicate")).toBe("true");
    expect(origin.received).toHaveLength(2);
  });

  it("forgetting the id through the admin API forgets the content key too: the next copy is forwarded", async () => {
    await mustPutRoute(route("ghf", "github", "s", { shards: 8 }));
    const body = '{"action":"forget-me"}';
    const init = { method: "POST", headers: { "x-hub-signature-256": await octokitSign("s", body), "x-github-delivery": "d-f" }, body };
    await call(`${BASE}/ghf`, init);
    const res = await call(`${BASE}/__gateway/routes/ghf/dedup/${encodeURIComponent("id:d-f")}`, { method: "DELETE", headers: ADMIN });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { forgotten: string[] }).forgotten).toHaveLength(2);
    expect((await call(`${BASE}/ghf`, init)).headers.get("x-hookgate-duplicate")).toBeNull();
    expect(origin.received).toHaveLength(2);
  });

  it("Stripe signs its event id (in the body): one key, no content key", async () => {
    const { deliveryKeys } = await import("../../src/pipeline/dedup");
    const keys = await deliveryKeys({ shards: 1 }, { method: "POST", url: new URL(`${BASE}/st`), headers: new Headers() }, new Uint8Array(), "evt_1", {
      signatureHeaders: ["stripe-signature"],
      unsignedEventId: false,
      stripQuery: new Set(),
    });
    expect(keys).toEqual(["id:evt_1"]);
  });
});

describe("timestamped schemes without an event id", () => {
  const origin = useOrigin();

  it("Zoom: the same event signed again later is a duplicate (keyed on the body, not the signature)", async () => {
    await mustPutRoute(route("zoom", "zoom", "zoom-secret"));
    const body = '{"event":"meeting.started","event_ts":1780000000000,"payload":{"object":{"id":"1"}}}';
    vi.useFakeTimers({ toFake: ["Date"], now: 1_780_000_000_000 });
    try {
      for (const delay of [0, 60_000, 120_000]) {
        vi.setSystemTime(1_780_000_000_000 + delay);
        const ts = String(Math.floor(Date.now() / 1000));
        const signature = `v0=${await hmac("SHA-256", "zoom-secret", `v0:${ts}:${body}`, "hex")}`;
        const res = await call(`${BASE}/zoom`, { method: "POST", headers: { "x-zm-signature": signature, "x-zm-request-timestamp": ts, "content-type": "application/json" }, body });
        expect(res.status, `after ${delay} ms`).toBe(200);
      }
    } finally {
      vi.useRealTimers();
    }
    expect(origin.received).toHaveLength(1);
  });
});
