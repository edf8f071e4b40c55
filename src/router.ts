/**
 * Top-level dispatch: the admin API under its reserved prefix (itty-router), everything
 * else is webhook traffic for the pipeline. The prefix test is a string compare so the
 * webhook hot path never pays for routing.
 */
import { adminRouter, DEFAULT_ADMIN_PREFIX, refused } from "./admin/api";
import { admitted } from "./admin/guard";
import type { Env } from "./env";
import { logRequest } from "./observability/log";
import { rejectionResponse } from "./lib/rejection";
import { handleWebhook, isSecure } from "./pipeline/run";

const routers = new Map<string, ReturnType<typeof adminRouter>>();

function adminFor(prefix: string) {
  let router = routers.get(prefix);
  if (!router) routers.set(prefix, (router = adminRouter(prefix)));
  return router;
}

export async function dispatch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
  const prefix = env.ADMIN_PREFIX || DEFAULT_ADMIN_PREFIX;
  const url = new URL(request.url);
  if (url.pathname !== prefix && !url.pathname.startsWith(`${prefix}/`)) return handleWebhook(request, env, ctx);

  const started = Date.now();
  const requestId = request.headers.get("cf-ray") ?? crypto.randomUUID();
  // The admin token must never cross the network in clear.
  const gate = admitted(request, url, env);
  const response = !gate.pass
    ? refused(gate)
    : isSecure(url, env)
      ? ((await adminFor(prefix).fetch(request, env)) ?? new Response(null, { status: 404 }))
      : rejectionResponse({ code: "https_required" }, requestId);
  logRequest({ requestId, method: request.method, path: url.pathname, decision: "admin", status: response.status, latencyMs: Date.now() - started });
  return response;
}
