/**
 * Providers whose scheme is plain data for the engine (scheme.ts): an HMAC over a template,
 * in a header, with an optional timestamp and event id. Each is one entry of
 * hmac-family.json (its scheme, its source and the quote it follows, its retry horizon),
 * read by this module, by `hookgate send` and by the vector generator through one signer
 * (bin/scheme-signer.mjs). test/unit/verify/hmac-family.test.ts checks every entry is a
 * scheme the engine can build.
 */
import type { SignatureScheme } from "../scheme";
import entries from "./hmac-family.json";
import { schemePreset } from "./scheme-preset";
import type { Preset } from "./types";

export interface FamilyEntry {
  readonly name: string;
  readonly display: string;
  readonly source: string;
  readonly quote: string;
  readonly scheme: Omit<SignatureScheme, "name" | "url">;
  /** How long the provider retries a failed delivery: dedup remembers a key an hour longer. */
  readonly retryHours?: number;
}

export const HMAC_FAMILY = entries as unknown as readonly FamilyEntry[];

export const hmacFamily: Record<string, Preset> = Object.fromEntries(HMAC_FAMILY.map((e) => [e.name, schemePreset({ name: e.name, ...e.scheme })]));
