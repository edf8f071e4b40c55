/** `GET /__gateway/doctor`: every check passes on a sound gateway; each broken piece is named with its fix, and no secret shows. */
import { describe, expect, it } from "vitest";
import { presets } from "../../../src/verify/presets";
import { ADMIN, BASE, call, mustPutRoute, useOrigin } from "../helpers";

interface Report {
  ok: boolean;
  checks: { name: string; ok: boolean; detail: string; fix?: string }[];
}

const doctor = async (bindings: Partial<Cloudflare.Env> = {}) => {
  const res = await call(`${BASE}/__gateway/doctor`, { headers: ADMIN }, bindings);
  expect(res.status).toBe(200);
  return (await res.json()) as Report;
};

const route = { id: "doc", host: "*", path: "/doc", auth: { methods: [{ type: "provider", provider: "stripe", secrets: ["whsec_doctor_secret_value"] }] } };

describe("doctor", () => {
  useOrigin();

  it("a sound gateway: KV, SECRETS_KEY, the registry, every route and each Durable Object class pass", async () => {
    await mustPutRoute(route);
    const report = await doctor();
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => c.name)).toEqual([
      "KV namespace ROUTES",
      "SECRETS_KEY",
      "Route registry (Durable Object)",
      "route doc",
      "Delivery queue (Durable Object)",
      "Event log (Durable Object)",
      "Listen hub (Durable Object)",
    ]);
  });

  it("a SECRETS_KEY that cannot open a route's secrets: the route fails with the fix, and the secret stays hidden", async () => {
    await mustPutRoute(route);
    const other = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
    const report = await doctor({ SECRETS_KEY: other });
    expect(report.ok).toBe(false);
    const failed = report.checks.find((c) => c.name === "route doc")!;
    expect(failed).toMatchObject({ ok: false, detail: expect.stringContaining("cannot be decrypted"), fix: expect.stringContaining("SECRETS_KEY_PREVIOUS") });
    expect(JSON.stringify(report)).not.toContain("whsec_doctor_secret_value");
  });

  it("a destination whose binding this Worker lacks is named with the fix; with the binding there it passes", async () => {
    const destinations = [{ id: "app", url: "http://app.test" }, { id: "archive", type: "r2", binding: "ARCHIVE" }, { id: "jobs", type: "queue", binding: "NOT_BOUND" }];
    await mustPutRoute({ ...route, destinations });
    const failed = (await doctor()).checks.find((c) => c.name === "route doc")!;
    expect(failed).toMatchObject({ ok: false, detail: "destinations without their binding: jobs (queue binding NOT_BOUND)", fix: expect.stringContaining("wrangler.toml") });
    await mustPutRoute({ ...route, destinations: destinations.slice(0, 2) });
    expect((await doctor()).checks.find((c) => c.name === "route doc")).toMatchObject({ ok: true });
  });

  it("SECRETS_KEY missing or not 32 bytes of base64", async () => {
    const missing = await doctor({ SECRETS_KEY: "" });
    expect(missing.checks.find((c) => c.name === "SECRETS_KEY")).toMatchObject({ ok: false, detail: "not set", fix: expect.stringContaining("wrangler secret put SECRETS_KEY") });
    const short = await doctor({ SECRETS_KEY: "c2hvcnQ=" });
    expect(short.checks.find((c) => c.name === "SECRETS_KEY")).toMatchObject({ ok: false, detail: expect.stringContaining("not base64 of 32 bytes") });
  });

  it("needs the admin token", async () => {
    expect((await call(`${BASE}/__gateway/doctor`)).status).toBe(401);
  });
});

describe("providers", () => {
  useOrigin();

  it("lists every preset a route can name, with its options; the Standard Webhooks senders with their source", async () => {
    const res = await call(`${BASE}/__gateway/providers`, { headers: ADMIN });
    expect(res.status).toBe(200);
    const { providers } = (await res.json()) as { providers: { name: string; options: string[]; required?: string[]; keyless?: boolean; sends?: string; source?: string; sources: string[] }[] };
    const byName = new Map(providers.map((p) => [p.name, p]));
    expect(providers.length).toBe(Object.keys(presets).length);
    expect(byName.get("stripe")).toEqual({
      name: "stripe",
      display: "Stripe",
      sources: [expect.stringMatching(/^https:\/\/docs\.stripe\.com\//), expect.any(String)],
      options: ["secrets", "toleranceSeconds"],
      optionDocs: { toleranceSeconds: { doc: expect.any(String) } },
      retryHours: 72,
    });
    // A credential option says so (it is sealed and never shown back); a required one is listed.
    expect(byName.get("meta")).toMatchObject({ required: ["verifyToken"], optionDocs: { verifyToken: { secret: true } } });
    for (const p of providers) expect(p, p.name).toMatchObject({ display: expect.any(String), sources: expect.arrayContaining([expect.any(String)]) });
    expect(byName.get("sns")).toMatchObject({ required: ["topicArns"], keyless: true });
    // Presets whose secret arrives in the creation handshake say so; the others do not.
    expect(providers.filter((p) => (p as { capturesSecret?: boolean }).capturesSecret).map((p) => p.name).sort()).toEqual(["asana", "notion"]);
    expect(byName.get("clerk")).toMatchObject({ scheme: "standard-webhooks", sends: "svix-*", source: expect.stringMatching(/^https:\/\/clerk\.com\//) });
    expect((await call(`${BASE}/__gateway/providers`)).status).toBe(401);
  });
});
