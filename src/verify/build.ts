/** Turns a route's auth methods (secrets already decrypted) into verifiers. */
import type { AuthMethodConfig } from "../config/schema";
import { basicVerifier } from "./basic";
import { hmacVerifier, type HmacAlgorithm, type HmacScheme } from "./hmac";
import { hmacPresets } from "./presets";
import type { SecretValue } from "./secrets";
import { tokenVerifier } from "./token";
import type { Verifier } from "./types";

type WithSecrets<M> = M extends unknown ? Omit<M, "secrets"> & { readonly secrets: readonly SecretValue[] } : never;
export type ResolvedMethod = WithSecrets<AuthMethodConfig>;
type HmacMethod = Extract<ResolvedMethod, { type: "hmac" }>;

export const DEFAULT_TOKEN_QUERY_PARAM = "auth";
export const DEFAULT_TOLERANCE_SECONDS = 300;

const ALGORITHMS: Record<NonNullable<HmacMethod["algorithm"]>, HmacAlgorithm> = {
  sha1: "SHA-1",
  sha256: "SHA-256",
  sha512: "SHA-512",
};

/** The scheme a method describes: a preset (with its tolerance overridable) or a custom one. */
export function hmacSchemeOf(method: Omit<HmacMethod, "secrets">): HmacScheme {
  if (method.preset) {
    const preset: HmacScheme = hmacPresets[method.preset];
    if (method.toleranceSeconds === undefined || !preset.timestamp) return preset;
    return { ...preset, timestamp: { ...preset.timestamp, toleranceSeconds: method.toleranceSeconds } };
  }
  // parse.ts guarantees algorithm, header and payload for custom schemes.
  return {
    name: "hmac",
    algorithm: ALGORITHMS[method.algorithm!],
    encoding: method.encoding ?? "hex",
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
    ...(method.eventIdHeader && { eventIdHeader: method.eventIdHeader }),
    secretEncoding: method.secretEncoding ?? "utf8",
  };
}

export function buildVerifier(method: ResolvedMethod): Promise<Verifier> {
  switch (method.type) {
    case "token":
      return tokenVerifier({
        in: method.in,
        name: method.name ?? DEFAULT_TOKEN_QUERY_PARAM,
        secrets: method.secrets,
      });
    case "basic":
      return basicVerifier({ username: method.username, secrets: method.secrets, realm: method.realm });
    case "hmac":
      return hmacVerifier(hmacSchemeOf(method), method.secrets);
  }
}
