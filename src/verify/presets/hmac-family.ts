/**
 * Providers whose scheme is plain data for the engine (scheme.ts): an HMAC over a template,
 * in a header, with an optional timestamp and event id. Each is one entry of
 * hmac-family.json (its scheme, its source and the quote it follows, its retry horizon),
 * read by this module and by signers/hmac-family.mjs, which signs for `hookgate send` and
 * the test vectors through one signer (bin/scheme-signer.mjs). test/unit/verify/hmac-family.test.ts checks every entry is a
 * scheme the engine can build.
 */
import { echoQuery, headCheck, signedEcho } from "../handshakes";
import type { SignatureScheme } from "../scheme";
import type { Handshake, Verifier } from "../types";
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
  /**
   * An unsigned check the provider makes when the webhook is created, answered at the edge:
   * `head` (a HEAD must get 200: Trello), `echo` (`?param=` sent back as text: Nylas's GET challenge).
   */
  readonly handshake?: { readonly kind: "head" } | { readonly kind: "echo"; readonly method: string; readonly param: string };
  /** A signed challenge: when `header` is `value`, the body's `field` is the answer (Twitch). */
  readonly reply?: { readonly kind: "signedEcho"; readonly header: string; readonly value: string; readonly field: string };
}

function handshakeOf(h: FamilyEntry["handshake"]): Handshake | undefined {
  if (!h) return undefined;
  return h.kind === "head" ? headCheck : echoQuery(h.method, h.param);
}

export const HMAC_FAMILY = entries as unknown as readonly FamilyEntry[];

export const hmacFamily: Record<string, Preset> = Object.fromEntries(
  HMAC_FAMILY.map((e) => {
    const handshake = handshakeOf(e.handshake);
    const reply = e.reply && signedEcho(e.reply.header, e.reply.value, e.reply.field);
    const decorate = (v: Verifier): Verifier => ({ ...v, ...(handshake && { handshake }), ...(reply && { reply }) });
    const facts = { display: e.display, sources: [e.source], ...(e.retryHours !== undefined && { retryHours: e.retryHours }) };
    return [e.name, schemePreset({ name: e.name, ...e.scheme }, handshake || reply ? { ...facts, decorate } : facts)];
  }),
);
