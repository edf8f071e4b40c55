/**
 * Drives the real worker inside workerd: admin writes through the admin API, webhook
 * requests through the fetch handler, and a recording origin in place of the network.
 */
import { env } from "cloudflare:workers";
import { createExecutionContext, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, beforeEach, vi } from "vitest";
import worker from "../../src/index";
import { clearRouteCache } from "../../src/config/store";
import { registryFor } from "../../src/durable/route-registry";
import { resetRateLimits } from "../../src/pipeline/rate-limit";
import { resetAdminGuard } from "../../src/admin/guard";

export const ADMIN = { authorization: "Bearer test-admin-token" };
export const BASE = "https://hooks.example.com";

export interface Received {
  readonly url: string;
  readonly method: string;
  readonly headers: Headers;
  readonly body: Uint8Array;
}

/** Calls the worker's fetch handler as the runtime would and waits for its background work. */
export async function call(input: string, init?: RequestInit, bindings: Partial<Cloudflare.Env> = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const request = new Request(input, init) as Request<unknown, IncomingRequestCfProperties>;
  const res = await worker.fetch(request, { ...env, ...bindings }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

export async function putRoute(config: Record<string, unknown>): Promise<Response> {
  const id = String(config.id);
  return call(`${BASE}/__gateway/routes/${id}`, {
    method: "PUT",
    headers: { ...ADMIN, "content-type": "application/json" },
    body: JSON.stringify(config),
  });
}

export async function mustPutRoute(config: Record<string, unknown>): Promise<void> {
  const res = await putRoute(config);
  if (res.status !== 200) throw new Error(`route PUT failed: ${res.status} ${await res.text()}`);
}

/** No routes: KV emptied and the registry's index with it (storage outlives a test). */
export async function resetRoutes(): Promise<void> {
  const keys = await env.ROUTES.list();
  await Promise.all(keys.keys.map((k) => env.ROUTES.delete(k.name)));
  await runInDurableObject(registryFor(env), (_instance, state) => {
    state.storage.sql.exec("DELETE FROM routes");
  });
}

type Responder = (req: Received) => Response | Promise<Response>;

/**
 * Replaces the network with a recording origin for each test. The worker runs in this
 * isolate, so its `fetch` is the global one.
 */
export function useOrigin(): { received: Received[]; respond(fn: Responder): void } {
  const state = { received: [] as Received[], responder: (() => new Response("ok from origin")) as Responder };
  beforeEach(async () => {
    state.received.length = 0;
    state.responder = () => new Response("ok from origin");
    clearRouteCache();
    resetRateLimits();
    resetAdminGuard();
    await resetRoutes();
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      const req = new Request(input as RequestInfo, init);
      const received = {
        url: req.url,
        method: req.method,
        headers: req.headers,
        body: new Uint8Array(await req.arrayBuffer()),
      };
      state.received.push(received);
      return state.responder(received);
    });
  });
  afterEach(() => vi.restoreAllMocks());
  return {
    received: state.received,
    respond(fn) {
      state.responder = fn;
    },
  };
}

export const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
