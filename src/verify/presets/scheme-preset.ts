/** Most presets are one signature scheme: this turns a scheme into a preset, with the route's tolerance and URL policy. */
import { schemeVerifier, type SignatureScheme } from "../scheme";
import type { Verifier } from "../types";
import type { Preset, PresetInput, PresetOption } from "./types";

export function tuned(scheme: SignatureScheme, input: PresetInput): SignatureScheme {
  const timestamp = scheme.timestamp && input.toleranceSeconds !== undefined ? { ...scheme.timestamp, toleranceSeconds: input.toleranceSeconds } : scheme.timestamp;
  const url = scheme.payload.includes("{url}") ? { ...scheme.url, ...input.url } : scheme.url;
  return { ...scheme, ...(timestamp && { timestamp }), ...(url && { url }) };
}

export function schemePreset(
  scheme: SignatureScheme,
  extra: { options?: readonly PresetOption[]; decorate?: (v: Verifier, input: PresetInput) => Promise<Verifier> | Verifier } = {},
): Preset {
  const options: PresetOption[] = [...(extra.options ?? [])];
  if (scheme.timestamp) options.push("toleranceSeconds");
  if (scheme.payload.includes("{url}")) options.push("publicUrl", "signedUrlToken");
  return {
    options,
    async build(input) {
      const verifier = await schemeVerifier(tuned(scheme, input), input.secrets);
      return extra.decorate ? extra.decorate(verifier, input) : verifier;
    },
  };
}
