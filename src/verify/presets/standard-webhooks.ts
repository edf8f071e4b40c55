/**
 * Standard Webhooks (and Svix, GitLab's signing token): `webhook-signature: v1,<base64>`
 * entries, space-separated (several during rotation), HMAC-SHA256 over
 * "<webhook-id>.<webhook-timestamp>.<body>" with the base64 key after `whsec_`; `v1a,`
 * entries are Ed25519, checked with `whpk_` public keys. 300 s window both ways, as the
 * reference libraries do. Event id: `webhook-id`.
 * https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
 *
 * Svix sends the same scheme under `svix-*` names, and white-labels it as `webhook-*`: every
 * preset here takes either family, chosen by which signature header the request carries
 * (as the svix library does). The providers that send this scheme are data
 * (standard-family.json: the family they send, their key, their source), shared with
 * signers/standard-family.mjs, which signs for `hookgate send` and the test vectors.
 */
import { anyOf, schemeVerifier, type SignatureScheme } from "../scheme";
import { fail, type Verifier } from "../types";
import family from "./standard-family.json";
import { tuned } from "./scheme-preset";
import { TOLERANCE } from "./options";
import { definePreset, type Preset, type PresetInput } from "./types";

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
  // Supabase shows its secret as `v1,whsec_…`: the version is not part of the key.
  const secrets = input.secrets.map((s) => (s.value.startsWith("v1,whsec_") ? { ...s, value: s.value.slice(3) } : s));
  const hmacSecrets = secrets.filter((s) => !s.value.startsWith("whpk_"));
  const publicKeys = secrets.filter((s) => s.value.startsWith("whpk_"));
  const verifiers: Verifier[] = [];
  if (hmacSecrets.length > 0) verifiers.push(await schemeVerifier(base, hmacSecrets));
  if (publicKeys.length > 0) {
    const ed25519: SignatureScheme = { ...base, algorithm: "ed25519", format: { kind: "list", version: "v1a" }, keyEncoding: "whpk" };
    verifiers.push(await schemeVerifier(ed25519, publicKeys));
  }
  return anyOf(`hmac:${scheme.name}`, verifiers);
}

/**
 * Both header families: the one whose signature header the request carries is checked (the
 * `webhook-*` one when both are there); with neither, `missing_signature`.
 */
function eitherFamily(name: string, families: readonly (readonly [string, Verifier])[]): Verifier {
  const all = families.map(([, v]) => v);
  return {
    ...anyOf(name, all),
    scheme: name,
    async verify(input) {
      for (const [header, verifier] of families) if (input.headers.has(header)) return verifier.verify(input);
      return fail("missing_signature");
    },
  };
}

interface StandardFacts {
  readonly display: string;
  readonly sources: readonly string[];
  readonly eventId?: readonly string[];
  readonly key?: "whsec" | "utf8";
  readonly retryHours?: number;
}

/** Svix retries for about 27.5 hours; the senders keep its schedule unless one documents another. */
const SVIX_RETRY_HOURS = 27;

function standardPreset(name: string, options: StandardFacts): Preset {
  const scheme = (prefix: "webhook" | "svix") => {
    const s = standardScheme(name, prefix, options.eventId ?? [`${prefix}-id`]);
    return options.key === "utf8" ? { ...s, keyEncoding: "utf8" as const } : s;
  };
  return definePreset({
    display: options.display,
    sources: options.sources,
    ...(options.retryHours !== undefined && { retryHours: options.retryHours }),
    options: { toleranceSeconds: TOLERANCE },
    build: async (input) =>
      eitherFamily(`hmac:${name}`, [
        ["webhook-signature", await standardVerifier(scheme("webhook"), input)],
        ["svix-signature", await standardVerifier(scheme("svix"), input)],
      ]),
  });
}

const SPEC = "https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md";
export const standardWebhooks = standardPreset("standard-webhooks", { display: "Standard Webhooks", sources: [SPEC], retryHours: SVIX_RETRY_HOURS });
export const svix = standardPreset("svix", { display: "Svix", sources: ["https://docs.svix.com/receiving/verifying-payloads/how-manual", SPEC], retryHours: SVIX_RETRY_HOURS });
/** GitLab's signing token (feature flag `webhook_signing_token`): Standard Webhooks headers, `Idempotency-Key` as id. */
export const gitlabSigning = standardPreset("gitlab-signing", {
  display: "GitLab (signing token)",
  sources: ["https://docs.gitlab.com/user/project/integrations/webhooks/"],
  eventId: ["webhook-id", "idempotency-key"],
});

/** The providers that send Standard Webhooks, by preset name (standard-family.json). */
export const standardFamily: Record<string, Preset> = Object.fromEntries(
  family.map((p) => [p.name, standardPreset(p.name, { display: p.display, sources: [p.source], key: p.key === "utf8" ? "utf8" : "whsec", retryHours: SVIX_RETRY_HOURS })]),
);
