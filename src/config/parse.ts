/**
 * Validates a route config at the edge of the system (admin write and KV load): shape by
 * the schema, then the rules that tie fields together. Every issue names its field.
 */
import * as v from "valibot";
import { err, ok, type Result } from "../lib/result";
import { presets } from "../verify/presets";
import { compileTemplate } from "../verify/scheme";
import { inputRouteSchema, storedRouteSchema, type InputRoute, type StoredRoute } from "./schema";

export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
}

function schemaIssues(issues: readonly v.BaseIssue<unknown>[]): ConfigIssue[] {
  return issues.map((issue) => ({ path: v.getDotPath(issue) || "(root)", message: issue.message }));
}

type Method = (InputRoute | StoredRoute)["auth"]["methods"][number];

/** A provider preset: the schema admits only the options it declares; here, those it needs and its secrets. */
function presetIssues(method: Extract<Method, { type: "provider" }>, at: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const preset = presets[method.provider];
  // The schema's variant admits known names only; a name that is not there is refused, not trusted.
  if (!preset) return [{ path: `${at}.provider`, message: `unknown provider "${method.provider}"` }];
  for (const [option, spec] of Object.entries(preset.options)) {
    if (spec.required && method[option] === undefined) issues.push({ path: `${at}.${option}`, message: `is required for provider "${method.provider}"` });
  }
  // A capturing preset (Asana, Notion) may start without: its secret arrives at creation (pipeline/capture.ts).
  if (!preset.keyless && !preset.capture && method.secrets.length === 0) issues.push({ path: `${at}.secrets`, message: "needs at least one secret" });
  if (preset.keyless && method.secrets.length > 0) issues.push({ path: `${at}.secrets`, message: `provider "${method.provider}" uses no secret of yours` });
  return issues;
}

/** A custom scheme: what is signed must be fillable, and the timestamp fields go together. */
function customIssues(method: Extract<Method, { type: "hmac" | "ed25519" }>, at: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const required = method.type === "hmac" ? (["algorithm", "header", "payload"] as const) : (["header", "payload"] as const);
  for (const field of required) {
    if (method[field as "header"] === undefined) issues.push({ path: `${at}.${field}`, message: "is required without a preset" });
  }
  if (method.payload !== undefined) {
    if (!compileTemplate(method.payload)) {
      issues.push({ path: `${at}.payload`, message: "may only use {body}, {timestamp}, {url}, {method}, {params} and {header:Name}" });
    } else if (method.payload.includes("{timestamp}") && !method.timestampHeader) {
      issues.push({ path: `${at}.timestampHeader`, message: "is required when the payload uses {timestamp}" });
    }
  }
  if (!method.timestampHeader && (method.toleranceSeconds !== undefined || method.timestampUnit !== undefined)) {
    issues.push({ path: `${at}.timestampHeader`, message: "is required for toleranceSeconds/timestampUnit" });
  }
  return issues;
}

/** Which fields each type of destination takes (schema.ts); the others are refused by name. */
const DESTINATION_FIELDS: Record<string, { needs: string; takes: readonly string[] }> = {
  http: { needs: "url", takes: ["url", "primary", "filter", "transform", "originTimeoutMs", "attest", "delivery"] },
  service: { needs: "binding", takes: ["binding", "url", "primary", "filter", "transform", "originTimeoutMs", "attest", "delivery"] },
  queue: { needs: "binding", takes: ["binding", "bodyBucket", "filter", "transform"] },
  workflow: { needs: "binding", takes: ["binding", "bodyBucket", "filter", "transform"] },
  r2: { needs: "binding", takes: ["binding", "prefix", "filter"] },
};
const COMMON_FIELDS = new Set(["id", "type", "attest"]);

/** The index of a route's primary destination: the one marked, else the first HTTP or service one; -1: none (sinks only). */
export function primaryIndex(list: readonly { readonly type?: string; readonly primary?: boolean }[]): number {
  const marked = list.findIndex((d) => d.primary);
  return marked >= 0 ? marked : list.findIndex((d) => d.type === undefined || d.type === "http" || d.type === "service");
}

/** Destinations: instead of `origin`, unique ids, at most one primary (its answer is the provider's); the others are queued. */
function destinationIssues(route: InputRoute | StoredRoute): ConfigIssue[] {
  const list = route.destinations;
  if (!list) return [];
  const issues: ConfigIssue[] = [];
  if (route.origin !== undefined) issues.push({ path: "origin", message: "cannot be used with destinations: list the origin as a destination" });
  if (route.delivery?.mode === "listen") issues.push({ path: "destinations", message: 'are not used in delivery mode "listen"' });
  const primaries = list.flatMap((d, i) => (d.primary ? [i] : []));
  if (primaries.length > 1) issues.push({ path: `destinations.${primaries[1]}.primary`, message: "only one destination can be primary" });
  const primary = primaryIndex(list);
  const seen = new Set<string>();
  list.forEach((d, i) => {
    const at = `destinations.${i}`;
    if (seen.has(d.id)) issues.push({ path: `${at}.id`, message: `"${d.id}" is used by another destination` });
    seen.add(d.id);
    const fields = DESTINATION_FIELDS[d.type]!;
    if ((d as Record<string, unknown>)[fields.needs] === undefined) issues.push({ path: `${at}.${fields.needs}`, message: `is required for a destination of type "${d.type}"` });
    for (const [field, value] of Object.entries(d)) {
      // attest defaults to true: only an explicit false on a sink is worth refusing, and it is harmless, so it is let be.
      if (value === undefined || COMMON_FIELDS.has(field) || fields.takes.includes(field)) continue;
      issues.push({ path: `${at}.${field}`, message: `does not apply to a destination of type "${d.type}"` });
    }
    if (i === primary) {
      const mode = d.delivery?.mode ?? route.delivery?.mode ?? "sync";
      if (mode === "sync" && (d.delivery ?? route.delivery)?.ordering) {
        issues.push({ path: d.delivery?.ordering ? `${at}.delivery.ordering` : "delivery.ordering", message: 'needs queued delivery: set delivery.mode to "queue" (a sync destination answers each request as it comes)' });
      }
      return;
    }
    if (d.delivery?.mode === "sync") issues.push({ path: `${at}.delivery.mode`, message: "only the primary destination is sync: the others are queued" });
    if (d.delivery?.retryOnFailure) issues.push({ path: `${at}.delivery.retryOnFailure`, message: "applies to the primary destination only (the others are queued and retried anyway)" });
  });
  return issues;
}

function crossFieldIssues(route: InputRoute | StoredRoute): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (route.delivery?.mode === "listen" && route.origin !== undefined) {
    issues.push({ path: "origin", message: 'is not used in delivery mode "listen" (events wait for `hookgate listen`): remove it, or use mode "sync" or "queue"' });
  }
  issues.push(...destinationIssues(route));
  if (!route.destinations && route.delivery?.ordering && route.delivery.mode !== "queue") {
    issues.push({ path: "delivery.ordering", message: 'needs queued delivery: set delivery.mode to "queue" (a sync route answers each request as it comes)' });
  }
  // Capture fills one method: with two, which one a handshake is for would be a guess.
  const capturing = route.auth.methods.flatMap((m, i) => (m.type === "provider" && presets[m.provider]?.capture ? [i] : []));
  if (capturing.length > 1) issues.push({ path: `auth.methods.${capturing[1]}`, message: "only one method of a route may capture its secret (asana, notion): give each webhook its own route" });
  route.auth.methods.forEach((method, i) => {
    const at = `auth.methods.${i}`;
    if (method.type === "token" && method.in === "header" && !method.name) {
      issues.push({ path: `${at}.name`, message: "is required for a header token (e.g. X-Gitlab-Token)" });
    }
    if (method.type === "provider") issues.push(...presetIssues(method, at));
    if (method.type === "ed25519") issues.push(...customIssues(method, at));
    if (method.type === "hmac") issues.push(...customIssues(method, at));
  });
  return issues;
}

function validate<T extends InputRoute | StoredRoute>(
  schema: typeof inputRouteSchema | typeof storedRouteSchema,
  input: unknown,
): Result<T, ConfigIssue[]> {
  const parsed = v.safeParse(schema, input);
  if (!parsed.success) return err(schemaIssues(parsed.issues));
  const route = parsed.output as T;
  const issues = crossFieldIssues(route);
  return issues.length > 0 ? err(issues) : ok(route);
}

/** An operator's config (plaintext secrets), as sent to the admin API. */
export const parseRouteConfig = (input: unknown) => validate<InputRoute>(inputRouteSchema, input);

/** A config read back from KV (encrypted secrets). A bad one fails closed: the route refuses requests. */
export const parseStoredRoute = (input: unknown) => validate<StoredRoute>(storedRouteSchema, input);
