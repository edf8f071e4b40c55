/**
 * Options several presets share, declared once: a preset lists the ones it takes (with
 * `...SIGNED_URL`, `toleranceSeconds: TOLERANCE`) next to its own.
 */
import * as v from "valibot";
import type { PresetOption } from "./types";

export const MAX_TOLERANCE_SECONDS = 7 * 24 * 3600;

export const headerName = v.pipe(v.string(), v.regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/, "must be an HTTP header name"));
export const queryParamName = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_.~!#$%&'*+^`|-]{1,128}$/, "must be a query parameter name"));
export const toleranceSchema = v.pipe(
  v.number(),
  v.integer("must be a whole number of seconds"),
  v.minValue(1, "must be at least 1 (there is no value that turns the check off)"),
  v.maxValue(MAX_TOLERANCE_SECONDS),
);

export const TOLERANCE = { schema: toleranceSchema, doc: "how far the signed timestamp may be from now, in seconds" } as const satisfies PresetOption;

/** The URL-signing presets (Twilio, Mandrill, Square, HubSpot): which URL the provider signed. */
export const SIGNED_URL = {
  publicUrl: {
    // No whitespace either: a provider signs the URL it called, which never holds a raw space or
    // line break, and a line break here made the Twilio port regex (twilio.ts) backtrack
    // quadratically in the host's length on every request (review finding).
    schema: v.pipe(v.string(), v.url("must be an absolute URL"), v.regex(/^https?:\/\/[^/?#\s]+(\/[^?#\s]*)?$/, "must be http(s) with no query or whitespace")),
    doc: "the URL the provider was given, when it is not the one the edge sees (another proxy, a tunnel)",
  },
  signedUrlToken: {
    schema: v.picklist(["include", "exclude"], 'must be "include" or "exclude"'),
    doc: 'whether the provider signed the URL with the gateway\'s own `?auth=` token ("include", the default) or without it',
  },
} as const satisfies Record<string, PresetOption>;

/** GitHub and Meta: also accept the SHA-1 header, only when the SHA-256 one is absent. */
export const LEGACY_SHA1 = { schema: v.boolean(), doc: "also accept the SHA-1 signature header when the SHA-256 one is absent" } as const satisfies PresetOption;
