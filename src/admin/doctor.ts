/**
 * `GET /__gateway/doctor`: what an operator checks when something is off, each with its
 * fix. KV bound and readable, SECRETS_KEY set and able to open every route, every route
 * usable as requests would build it, and each Durable Object class answering.
 * Problems are named by field, never by value: nothing here shows a secret.
 */
import { compileRoute } from "../config/compile";
import { INDEX_KEY, routeKey } from "../config/keys";
import { secretKeys } from "../config/store";
import type { Env } from "../env";
import { queueFor } from "../durable/delivery-queue";
import { eventLogFor } from "../durable/event-log";
import { hubFor } from "../durable/listen-hub";
import { registryFor } from "../durable/route-registry";

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
  readonly fix?: string;
}

const message = (e: unknown) => String((e as Error)?.message ?? e).slice(0, 200);

async function check(name: string, run: () => Promise<string>, fix: string): Promise<Check> {
  try {
    return { name, ok: true, detail: await run() };
  } catch (e) {
    return { name, ok: false, detail: message(e), fix };
  }
}

export async function doctor(env: Env): Promise<Check[]> {
  const checks: Check[] = [];
  const kv = await check(
    "KV namespace ROUTES",
    async () => {
      if (!env.ROUTES) throw new Error("the ROUTES binding is missing");
      await env.ROUTES.get(INDEX_KEY);
      return "bound and readable";
    },
    "add the [[kv_namespaces]] binding ROUTES to wrangler.toml (npx wrangler kv namespace create ROUTES) and deploy",
  );
  checks.push(kv);

  const keys = await secretKeys(env);
  checks.push(
    !env.SECRETS_KEY
      ? { name: "SECRETS_KEY", ok: false, detail: "not set", fix: "npx wrangler secret put SECRETS_KEY (base64 of 32 random bytes: openssl rand -base64 32)" }
      : keys.length === 0
        ? { name: "SECRETS_KEY", ok: false, detail: "set, but not base64 of 32 bytes", fix: "npx wrangler secret put SECRETS_KEY with base64 of 32 random bytes (and SECRETS_KEY_PREVIOUS with the old one while rotating)" }
        : { name: "SECRETS_KEY", ok: true, detail: env.SECRETS_KEY_PREVIOUS ? "set, with SECRETS_KEY_PREVIOUS (rotation in progress)" : "set" },
  );

  let ids: string[] = [];
  checks.push(
    await check(
      "Route registry (Durable Object)",
      async () => {
        ids = (await registryFor(env).entries()).map((e) => e.id);
        return `${ids.length} route(s) indexed`;
      },
      "check the ROUTE_REGISTRY binding and its migration in wrangler.toml, then deploy",
    ),
  );

  if (kv.ok) {
    for (const id of ids) {
      const raw = await env.ROUTES.get(routeKey(id), "json").catch(() => null);
      const compiled = raw === null ? null : await compileRoute(id, raw, keys);
      if (!compiled) checks.push({ name: `route ${id}`, ok: false, detail: "indexed but its config is missing", fix: `put it again (hookgate routes put) or delete it (hookgate routes delete ${id})` });
      else if (compiled.kind === "broken") {
        const fix = compiled.problem.includes("decrypt") || compiled.problem.includes("SECRETS_KEY")
          ? "set SECRETS_KEY_PREVIOUS to the key these secrets were sealed with, or put the route again with its secrets"
          : "put the route again with a valid config (hookgate routes put); every request to it is refused meanwhile";
        checks.push({ name: `route ${id}`, ok: false, detail: compiled.problem, fix });
      } else {
        // A destination whose binding this Worker lacks refuses every event it should take (503).
        const missing = compiled.destinations.filter((d) => d.binding !== undefined && (env as unknown as Record<string, unknown>)[d.binding] == null);
        if (missing.length > 0) {
          const names = missing.map((d) => `${d.id} (${d.kind} binding ${d.binding})`).join(", ");
          checks.push({ name: `route ${id}`, ok: false, detail: `destinations without their binding: ${names}`, fix: "declare each binding in wrangler.toml (README \"Destinations\") and deploy; until then the provider is answered 503 and retries" });
        } else checks.push({ name: `route ${id}`, ok: true, detail: `usable${compiled.config.state?.pausedAt !== undefined ? " (paused)" : ""}` });
      }
    }
  }

  // One probe per class, on a route when there is one (its objects are the ones requests use).
  const probe = ids[0] ?? "doctor";
  checks.push(
    await check("Delivery queue (Durable Object)", async () => `answering (${JSON.stringify(await queueFor(env, probe).counts())})`, "check the DELIVERY binding and migrations in wrangler.toml, then deploy"),
    await check("Event log (Durable Object)", async () => `answering (${(await eventLogFor(env, probe).search({ limit: 1 })).length} recent entry read)`, "check the EVENT_LOG binding and migrations in wrangler.toml, then deploy"),
    await check("Listen hub (Durable Object)", async () => `answering (${(await hubFor(env, probe).list(0, 1)).length} stored event read)`, "check the LISTEN binding and the v3 migration in wrangler.toml, then deploy"),
  );
  return checks;
}
