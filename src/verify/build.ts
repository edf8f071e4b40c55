/** Turns a route's auth methods (secrets already decrypted) into verifiers. */
import type { AuthMethodConfig, ProviderMethodShape } from "../config/schema";
import { basicVerifier } from "./basic";
import type { Algorithm } from "./keys";
import { presets } from "./presets";
import type { PresetInput } from "./presets/types";
import { SchemeConfigError, schemeVerifier, type SignatureScheme } from "./scheme";
import type { SecretValue } from "./secrets";
import { tokenVerifier } from "./token";
import type { Verifier } from "./types";

type Resolved<M> = M extends unknown ? Omit<M, "secrets"> & { readonly secrets: readonly SecretValue[] } : never;
/** A provider method with its secrets, and its secret options, opened (config/compile.ts). */
type ProviderMethod = ProviderMethodShape<SecretValue>;
export type ResolvedMethod = Resolved<Exclude<AuthMethodConfig, { type: "provider" }>> | ProviderMethod;
type CustomMethod = Extract<ResolvedMethod, { type: "hmac" | "ed25519" }>;

export const DEFAULT_TOKEN_QUERY_PARAM = "auth";
export const DEFAULT_TOLERANCE_SECONDS = 300;

const HMAC_ALGORITHMS: Record<NonNullable<Extract<CustomMethod, { type: "hmac" }>["algorithm"]>, Algorithm> = {
  sha1: "hmac-sha1",
  sha256: "hmac-sha256",
  sha512: "hmac-sha512",
};

/** What the route around a method tells it: the gateway's own query tokens, which a provider may not have signed. */
export interface RouteContext {
  readonly gatewayQueryTokens: readonly string[];
}

/** A custom scheme from its fields (parse.ts guarantees header and payload, and algorithm for HMAC). */
export function customScheme(method: CustomMethod): SignatureScheme {
  const ed25519 = method.type === "ed25519";
  return {
    name: ed25519 ? "custom" : "hmac",
    algorithm: method.type === "hmac" ? HMAC_ALGORITHMS[method.algorithm!] : "ed25519",
    encoding: method.encoding ?? (ed25519 ? "base64" : "hex"),
    header: method.header!,
    format: { kind: "single", prefix: method.prefix ?? "" },
    payload: method.payload!,
    ...(method.timestampHeader && {
      timestamp: {
        header: method.timestampHeader,
        unit: method.timestampUnit ?? "s",
        toleranceSeconds: method.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS,
      },
    }),
    ...(method.eventIdHeader && { eventId: { header: method.eventIdHeader } }),
    keyEncoding: method.type === "hmac" ? (method.secretEncoding ?? "utf8") : "auto",
  };
}

function buildPreset(method: ProviderMethod, context: RouteContext): Promise<Verifier> {
  const preset = presets[method.provider];
  if (!preset) throw new SchemeConfigError(`unknown provider "${method.provider}"`);
  // The options the preset declares, as parsed (the schema admitted no others).
  const options: Record<string, unknown> = Object.fromEntries(Object.keys(preset.options).flatMap((k) => (method[k] === undefined ? [] : [[k, method[k]]])));
  return preset.build({
    secrets: method.secrets,
    options: options as PresetInput["options"],
    url: {
      ...(typeof options.publicUrl === "string" && { publicUrl: options.publicUrl }),
      dropQuery: options.signedUrlToken === "exclude" ? context.gatewayQueryTokens : [],
    },
  });
}

export function buildVerifier(method: ResolvedMethod, context: RouteContext = { gatewayQueryTokens: [] }): Promise<Verifier> {
  switch (method.type) {
    case "token":
      return tokenVerifier({ in: method.in, name: method.name ?? DEFAULT_TOKEN_QUERY_PARAM, secrets: method.secrets });
    case "basic":
      return basicVerifier({ username: method.username, secrets: method.secrets, realm: method.realm });
    case "hmac":
    case "ed25519":
      return schemeVerifier(customScheme(method), method.secrets);
    case "provider":
      return buildPreset(method, context);
  }
}

/** The gateway's own query-token names on a route (what `signedUrlToken: "exclude"` leaves out). */
export function gatewayQueryTokens(methods: readonly ResolvedMethod[]): string[] {
  const names = methods.flatMap((m) => (m.type === "token" && m.in === "query" ? [m.name ?? DEFAULT_TOKEN_QUERY_PARAM] : []));
  return names;
}
