/**
 * Providers whose scheme is plain data for the engine (scheme.ts): an HMAC over a template,
 * in a header, with an optional timestamp and event id. Each is one entry of
 * hmac-family.json (its scheme, its source and the quote it follows, its retry horizon),
 * read by this module and by signers/hmac-family.mjs, which signs for `hookgate send` and
 * the test vectors through one signer (bin/scheme-signer.mjs). test/unit/verify/hmac-family.test.ts checks every entry is a
 * scheme the engine can build.
 */
import { echoQuery, formPing, headCheck, headerChallenge, signedEcho } from "../handshakes";
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
   * `head` (a HEAD must get 200: Trello), `echo` (`?param=` sent back as text: Nylas's GET
   * challenge), `formPing` (a POST whose form body is exactly `<field>=<digits>`, without the
   * signature header, gets an empty 200 once the body is read: WooCommerce's creation ping).
   */
  readonly handshake?:
    | { readonly kind: "head" }
    | { readonly kind: "echo"; readonly method: string; readonly param: string }
    | { readonly kind: "formPing"; readonly field: string };
  /**
   * A signed challenge, answered once the signature verified: `signedEcho` (when `header` is
   * `value`, the body's `field` as text: Twitch), `headerChallenge` (the value of `header` as
   * `{"<field>": …}`: Front's `x-front-challenge`).
   */
  readonly reply?:
    | { readonly kind: "signedEcho"; readonly header: string; readonly value: string; readonly field: string }
    | { readonly kind: "headerChallenge"; readonly header: string; readonly field: string };
}

const headerNames = (h: string | readonly string[]) => (typeof h === "string" ? [h] : [...h]);

function decorationsOf(e: FamilyEntry): Partial<Pick<Verifier, "handshake" | "reply" | "testRequest">> {
  const h = e.handshake;
  const r = e.reply;
  const handshake: Handshake | undefined = !h || h.kind === "formPing" ? undefined : h.kind === "head" ? headCheck : echoQuery(h.method, h.param);
  const testRequest = h?.kind === "formPing" ? formPing(h.field, headerNames(e.scheme.header)) : undefined;
  const reply = !r ? undefined : r.kind === "signedEcho" ? signedEcho(r.header, r.value, r.field) : headerChallenge(r.header, r.field);
  return { ...(handshake && { handshake }), ...(testRequest && { testRequest }), ...(reply && { reply }) };
}

export const HMAC_FAMILY = entries as unknown as readonly FamilyEntry[];

export const hmacFamily: Record<string, Preset> = Object.fromEntries(
  HMAC_FAMILY.map((e) => {
    const extra = decorationsOf(e);
    const decorate = (v: Verifier): Verifier => ({ ...v, ...extra });
    const facts = { display: e.display, sources: [e.source], ...(e.retryHours !== undefined && { retryHours: e.retryHours }) };
    return [e.name, schemePreset({ name: e.name, ...e.scheme }, Object.keys(extra).length > 0 ? { ...facts, decorate } : facts)];
  }),
);
