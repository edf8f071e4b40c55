/**
 * Validates a route config at the edge of the system (admin write and KV load): shape by
 * the schema, then the rules that tie fields together. Every issue names its field.
 */
import * as v from "valibot";
import { err, ok, type Result } from "../lib/result";
import { compileTemplate } from "../verify/hmac";
import { hmacPresets } from "../verify/presets";
import { inputRouteSchema, storedRouteSchema, type InputRoute, type StoredRoute } from "./schema";

export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
}

const CUSTOM_HMAC_FIELDS = [
  "algorithm",
  "encoding",
  "header",
  "prefix",
  "payload",
  "timestampHeader",
  "timestampUnit",
  "eventIdHeader",
  "secretEncoding",
] as const;

function schemaIssues(issues: readonly v.BaseIssue<unknown>[]): ConfigIssue[] {
  return issues.map((issue) => ({ path: v.getDotPath(issue) || "(root)", message: issue.message }));
}

function crossFieldIssues(route: InputRoute | StoredRoute): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  route.auth.methods.forEach((method, i) => {
    const at = `auth.methods.${i}`;
    if (method.type === "token" && method.in === "header" && !method.name) {
      issues.push({ path: `${at}.name`, message: "is required for a header token (e.g. X-Gitlab-Token)" });
    }
    if (method.type !== "hmac") return;
    if (method.preset) {
      if (method.toleranceSeconds !== undefined && !hmacPresets[method.preset].timestamp) {
        issues.push({ path: `${at}.toleranceSeconds`, message: `preset "${method.preset}" signs no timestamp` });
      }
      for (const field of CUSTOM_HMAC_FIELDS) {
        if (method[field] !== undefined) issues.push({ path: `${at}.${field}`, message: `is set by preset "${method.preset}" and cannot be given` });
      }
      return;
    }
    for (const field of ["algorithm", "header", "payload"] as const) {
      if (method[field] === undefined) issues.push({ path: `${at}.${field}`, message: "is required without a preset" });
    }
    if (method.payload !== undefined) {
      if (!compileTemplate(method.payload)) {
        issues.push({ path: `${at}.payload`, message: "may only use {body}, {timestamp}, {url}, {method} and {header:Name}" });
      } else if (method.payload.includes("{timestamp}") && !method.timestampHeader) {
        issues.push({ path: `${at}.timestampHeader`, message: "is required when the payload uses {timestamp}" });
      }
    }
    if (!method.timestampHeader && (method.toleranceSeconds !== undefined || method.timestampUnit !== undefined)) {
      issues.push({ path: `${at}.timestampHeader`, message: "is required for toleranceSeconds/timestampUnit" });
    }
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
