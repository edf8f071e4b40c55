/** Most presets are one signature scheme: this turns a scheme into a preset, with the route's tolerance and URL policy. */
import { schemeVerifier, type SignatureScheme } from "../scheme";
import type { Verifier } from "../types";
import { SIGNED_URL, TOLERANCE } from "./options";
import { definePreset, type Preset, type PresetInput, type PresetOptions } from "./types";

/** The scheme with the route's tolerance (option `toleranceSeconds`) and, when it signs the URL, the route's URL policy. */
export function tuned(scheme: SignatureScheme, input: Pick<PresetInput, "options" | "url">): SignatureScheme {
  const tolerance = input.options.toleranceSeconds as number | undefined;
  const timestamp = scheme.timestamp && tolerance !== undefined ? { ...scheme.timestamp, toleranceSeconds: tolerance } : scheme.timestamp;
  const url = scheme.payload.includes("{url}") ? { ...scheme.url, ...input.url } : scheme.url;
  return { ...scheme, ...(timestamp && { timestamp }), ...(url && { url }) };
}

/** The options a scheme implies: a tolerance when it signs a timestamp, the URL policy when it signs the URL. */
export function schemeOptions(scheme: Pick<SignatureScheme, "timestamp" | "payload">): PresetOptions {
  return { ...(scheme.timestamp && { toleranceSeconds: TOLERANCE }), ...(scheme.payload.includes("{url}") && SIGNED_URL) };
}

export interface SchemePresetFacts<O extends PresetOptions> {
  readonly display: string;
  readonly sources: readonly string[];
  readonly retryHours?: number;
  /** Options beyond those the scheme implies. */
  readonly options?: O;
  readonly decorate?: (v: Verifier, input: PresetInput<O>) => Promise<Verifier> | Verifier;
}

export function schemePreset<O extends PresetOptions = Record<never, never>>(scheme: SignatureScheme, facts: SchemePresetFacts<O>): Preset {
  const { decorate, options, ...rest } = facts;
  return definePreset({
    ...rest,
    options: { ...schemeOptions(scheme), ...options } as O,
    async build(input) {
      const verifier = await schemeVerifier(tuned(scheme, input), input.secrets);
      return decorate ? decorate(verifier, input) : verifier;
    },
  });
}
