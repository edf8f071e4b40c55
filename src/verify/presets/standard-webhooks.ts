/**
 * Standard Webhooks (and Svix, GitLab's signing token): `webhook-signature: v1,<base64>`
 * entries, space-separated (several during rotation), HMAC-SHA256 over
 * "<webhook-id>.<webhook-timestamp>.<body>" with the base64 key after `whsec_`; `v1a,`
 * entries are Ed25519, checked with `whpk_` public keys. 300 s window both ways, as the
 * reference libraries do. Event id: `webhook-id`.
 * https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
 */
import { anyOf, schemeVerifier, type SignatureScheme } from "../scheme";
import type { Verifier } from "../types";
import { tuned } from "./scheme-preset";
import type { Preset, PresetInput } from "./types";

/** The scheme for a header prefix: `webhook` (Standard Webhooks) or `svix`. */
export function standardScheme(name: string, prefix: "webhook" | "svix", eventId: readonly string[] = [`${prefix}-id`]): SignatureScheme {
  return {
    name,
    algorithm: "hmac-sha256",
    encoding: "base64",
    header: `${prefix}-signature`,
    format: { kind: "list", version: "v1" },
    payload: `{header:${prefix}-id}.{timestamp}.{body}`,
    timestamp: { header: `${prefix}-timestamp`, unit: "s", toleranceSeconds: 300 },
    eventId: { header: eventId },
    keyEncoding: "whsec",
  };
}

/** `whsec_` secrets sign with HMAC (`v1`), `whpk_` public keys verify Ed25519 (`v1a`). */
export async function standardVerifier(scheme: SignatureScheme, input: PresetInput): Promise<Verifier> {
  const base = tuned(scheme, input);
  const hmacSecrets = input.secrets.filter((s) => !s.value.startsWith("whpk_"));
  const publicKeys = input.secrets.filter((s) => s.value.startsWith("whpk_"));
  const verifiers: Verifier[] = [];
  if (hmacSecrets.length > 0) verifiers.push(await schemeVerifier(base, hmacSecrets));
  if (publicKeys.length > 0) {
    const ed25519: SignatureScheme = { ...base, algorithm: "ed25519", format: { kind: "list", version: "v1a" }, keyEncoding: "whpk" };
    verifiers.push(await schemeVerifier(ed25519, publicKeys));
  }
  return anyOf(`hmac:${scheme.name}`, verifiers);
}

function standardPreset(scheme: SignatureScheme): Preset {
  return { options: ["toleranceSeconds"], build: (input) => standardVerifier(scheme, input) };
}

export const standardWebhooks = standardPreset(standardScheme("standard-webhooks", "webhook"));
export const svix = standardPreset(standardScheme("svix", "svix"));
/** GitLab's signing token (feature flag `webhook_signing_token`): Standard Webhooks headers, `Idempotency-Key` as id. */
export const gitlabSigning = standardPreset(standardScheme("gitlab-signing", "webhook", ["webhook-id", "idempotency-key"]));
