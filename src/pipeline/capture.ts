/**
 * Secret capture, for providers that hand the endpoint its signing secret once, at creation
 * (Asana's `X-Hook-Secret`, Notion's `verification_token`; the preset's `captureRequest` says
 * whether a request is that handshake). Fail closed: the secret is stored only while an admin
 * has armed capture (`POST /__gateway/routes/:id/capture`, for at most an hour) and only into
 * a route that holds none; then capture disarms. The registry makes that decision in one
 * serialized change (durable/route-registry.ts), so of two handshakes racing for one route the
 * first is stored and the second refused. Anything else is refused with its reason and
 * recorded; the request is never forwarded, and its body (which may be the secret) is never
 * kept in the event log.
 *
 * Trade-off: a handshake on a route that, as cached, holds no secret always asks the registry,
 * even when the cached state says capture is not armed, because an arming made a moment ago at
 * another location reaches this isolate's cache only within its TTL plus KV's propagation, and
 * Asana's handshake arrives while its create call is still in flight. A refused one costs the
 * registry one SQLite lookup; a route that holds its secret refuses here without asking.
 */
import type { CompiledRoute } from "../config/compile";
import { storeCapturedSecret } from "../config/store";
import type { CaptureAsked } from "./authenticate";
import type { Outcome, RequestContext } from "./context";

type Refusal = "capture_not_armed" | "capture_expired" | "secret_already_set";
const refuse = (reason: Refusal): Outcome => ({ rejection: { code: "capture_refused", reason } });

export async function captureSecret(c: RequestContext & { route: CompiledRoute }, asked: CaptureAsked): Promise<Outcome> {
  const method = c.route.config.auth.methods[asked.method];
  if (method?.type !== "provider") return refuse("capture_not_armed");
  if (method.secrets.length > 0) return refuse("secret_already_set");
  const stored = await storeCapturedSecret(c.env, c.route.id, { index: asked.method, provider: method.provider }, asked.capture.secret, c.now);
  if (stored === "stored") return { handshake: asked.capture.answer() };
  return refuse(stored === "not_found" ? "capture_not_armed" : stored);
}
