/** Provider presets by the name a route config uses. */
import type { HmacScheme } from "../hmac";
import { github } from "./github";
import { stripe } from "./stripe";

export const hmacPresets = { stripe, github } as const satisfies Record<string, HmacScheme>;

export type HmacPresetName = keyof typeof hmacPresets;
export const HMAC_PRESET_NAMES = Object.keys(hmacPresets) as HmacPresetName[];
