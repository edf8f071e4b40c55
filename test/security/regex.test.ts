/// <reference types="vite/types/importMeta.d.ts" />
/**
 * Every regular expression in src/, each fed a worst case of about 1 MiB: long runs of the
 * characters its quantifiers share, ending in a character that makes it fail, so that a
 * backtracking engine would try every split. The result is asserted, not the time: the
 * test timeout is the bound. Each entry says why the expression is linear. The last test
 * fails when src/ gains a regex literal that has no entry here.
 * Not covered: src/verify/sns.ts (being reworked elsewhere; its Signature field goes through
 * base64ToBytes, covered below), and the dashboard's browser-side script, which is a string.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { admitted } from "../../src/admin/guard";
import { parseRouteConfig } from "../../src/config/parse";
import { parseRetryAfter } from "../../src/delivery/policy";
import { compileFilter, evaluate } from "../../src/routing/filter";
import { applyTransform, compileTransform } from "../../src/routing/transform";
import type { Env } from "../../src/env";
import { anyContains, clientKey, parseCidr, parseIp } from "../../src/lib/cidr";
import { base64ToBytes, hexToBytes } from "../../src/lib/encoding";
import { maskHeaders } from "../../src/observability/mask";
import { eventIdHeader, stripQueryParams } from "../../src/pipeline/forward";
import { readBody } from "../../src/pipeline/read-body";
import { basicVerifier, parseBasicAuthorization } from "../../src/verify/basic";
import { parseForm } from "../../src/verify/form";
import { asanaHookSecret, formPing, linkedinValidation, notionVerificationToken, startsLikeJsonObject } from "../../src/verify/handshakes";
import { hubFor, isSeq } from "../../src/durable/listen-hub";
import { presets } from "../../src/verify/presets";
import { importVerifyKey, SchemeConfigError } from "../../src/verify/keys";
import { compileTemplate } from "../../src/verify/scheme";
import { parseSignedHeaders } from "../../src/verify/presets/contentful";
import { hubspotUri } from "../../src/verify/presets/hubspot";
import { withAndWithoutDefaultPort } from "../../src/verify/presets/twilio";
import { signedUrl } from "../../src/verify/signed-url";
import { parseTimestampMs } from "../../src/verify/timestamp";
import { parseCertificate, pemToDer } from "../../src/verify/x509";
import { ADMIN, BASE, call, mustPutRoute, text, useOrigin } from "../unit/helpers";

const MiB = 1024 * 1024;
/** `unit` repeated to exactly `n` characters. */
const run = (unit: string, n = MiB) => unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
const route = (over: Record<string, unknown>) => ({ id: "r", host: "hooks.example.com", path: "/p", auth: { methods: [{ type: "token", in: "query", secrets: ["t"] }] }, ...over });
const accepts = (over: Record<string, unknown>) => parseRouteConfig(route(over)).ok;
const method = (m: Record<string, unknown>) => ({ auth: { methods: [m] } });

/** One DER element (definite length, up to 4 length bytes). */
function tlv(tag: number, content: Uint8Array): Uint8Array {
  const n = content.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : n < 0x10000 ? [0x82, n >> 8, n & 0xff] : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return new Uint8Array([tag, ...len, ...content]);
}
const seq = (...parts: Uint8Array[]) => tlv(0x30, new Uint8Array(parts.flatMap((p) => [...p])));
const ascii = (s: string) => new TextEncoder().encode(s);
/** A certificate's outline with the given validity times (tag 0x17 UTCTime, 0x18 GeneralizedTime). */
const certWithTimes = (tag: number, notBefore: string, notAfter: string) =>
  seq(seq(tlv(0x02, new Uint8Array([1])), seq(), seq(), seq(tlv(tag, ascii(notBefore)), tlv(tag, ascii(notAfter))), seq(), seq(tlv(0x05, new Uint8Array()))));

interface Entry {
  readonly file: string;
  readonly regex: RegExp;
  check(): unknown;
}

const entries: Entry[] = [
  // ---- src/verify/presets/vn-payments.ts ----
  {
    file: "src/verify/presets/vn-payments.ts",
    // Anchored, one class, exactly 64: a mismatch is found within 65 characters.
    regex: /^[0-9a-fA-F]{64}$/,
    async check() {
      const verifier = await presets.zalopay!.build({ secrets: [{ value: "k" }], options: {}, url: {} });
      const body = new TextEncoder().encode(JSON.stringify({ data: "{}", mac: run("a") }));
      expect(await verifier.verify({ method: "POST", url: new URL("https://h.example/x"), headers: new Headers(), body, now: Date.now() })).toEqual({ ok: false, reason: "malformed_signature" });
    },
  },
  // ---- src/verify/presets/contentful.ts ----
  {
    file: "src/verify/presets/contentful.ts",
    // Anchored, one class, at most 128: a name fails within 129 characters, and the list is
    // refused before splitting when longer than 64 names of 129 characters could be.
    regex: /^[a-z0-9!#$%&'*+.^_`|~-]{1,128}$/,
    async check() {
      expect(parseSignedHeaders(run("a"))).toBeNull();
      expect(parseSignedHeaders(run("a", 64 * 129))).toBeNull();
      expect(parseSignedHeaders(run("a,", 64 * 129))).toBeNull();
      const verifier = await presets.contentful!.build({ secrets: [{ value: "k".repeat(64) }], options: {}, url: {} });
      const now = Date.now();
      const headers = new Headers({ "x-contentful-signature": "ab".repeat(32), "x-contentful-timestamp": String(now), "x-contentful-signed-headers": `${run("a", MiB - 1)}!` });
      expect(await verifier.verify({ method: "POST", url: new URL("https://h.example/c"), headers, body: new Uint8Array(), now })).toEqual({ ok: false, reason: "malformed_signature" });
    },
  },
  {
    file: "src/verify/presets/contentful.ts",
    // Anchored, one class, exactly 64: a mismatch is found within 65 characters.
    regex: /^[0-9a-zA-Z+/=_-]{64}$/,
    async check() {
      await expect(presets.contentful!.build({ secrets: [{ value: run("a") }], options: {}, url: {} })).rejects.toBeInstanceOf(SchemeConfigError);
    },
  },
  // ---- src/verify/timestamp.ts ----
  {
    file: "src/verify/timestamp.ts",
    // Anchored, fixed-width digit fields and one bounded fraction: at most ~40 characters are
    // ever looked at before a mismatch, whatever the input's length.
    regex: /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})?$/,
    check() {
      expect(parseTimestampMs(`2024-03-27T15:42:29.${run("1")}`, "iso")).toBeNull();
      expect(parseTimestampMs(run("2024-03-27T"), "iso")).toBeNull();
      expect(parseTimestampMs("2024-03-27T15:42:29.551", "iso")).toBe(Date.UTC(2024, 2, 27, 15, 42, 29, 551));
    },
  },
  // ---- src/durable ----
  {
    file: "src/durable/listen-hub.ts",
    // Anchored, one class, at most 15 repetitions: a failure is found within 16 characters.
    regex: /^\d{1,15}$/,
    async check() {
      expect(isSeq(run("1"))).toBe(false);
      expect(isSeq(`${run("1", 15)}`)).toBe(true);
      expect(await hubFor(env, "r").find(run("1"))).toBeNull();
    },
  },
  // ---- src/admin ----
  {
    file: "src/admin/api.ts",
    // Anchored at both ends; `[ ]+` and `\S+` take disjoint classes, so every character belongs
    // to one quantifier and a failure gives back one character at a time: O(n).
    regex: /^Bearer[ ]+(\S+)$/i,
    async check() {
      const admin = (authorization: string) => call(`${BASE}/__gateway/routes`, { headers: { authorization } });
      expect((await admin(`Bearer${run(" ")}x y`)).status).toBe(401);
      expect((await admin(`Bearer ${run("x")} `)).status).toBe(401);
      expect((await admin(`Bearer${run(" ")}${ADMIN.authorization.slice(7)}`)).status).toBe(200);
    },
  },
  {
    file: "src/admin/guard.ts",
    // One literal character before `$`: every start position costs one comparison: O(n).
    regex: /\.$/,
    check() {
      const adminEnv = { ...env, ADMIN_HOST: "admin.example.com" } as unknown as Env;
      const gate = (host: string) => {
        const url = `https://${host}/__gateway/routes`;
        return admitted(new Request(url), new URL(url), adminEnv).pass;
      };
      expect(gate(`${run("a.", MiB - 2)}.`)).toBe(false);
      expect(gate("admin.example.com.")).toBe(true);
    },
  },
  // ---- src/config/schema.ts: admin input (authenticated, body capped at 256 KB), fed 1 MiB anyway ----
  {
    file: "src/verify/presets/options.ts",
    // Bounded ({1,128}) and anchored: at most 129 steps.
    regex: /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/,
    check: () => expect(accepts(method({ type: "hmac", algorithm: "sha256", header: run("a"), payload: "{body}", secrets: ["s"] }))).toBe(false),
  },
  {
    file: "src/config/schema.ts",
    // Bounded ({1,128}) and anchored (token/header names and tokenParam).
    regex: /^[A-Za-z0-9_.~!#$%&'*+^`|-]{1,128}$/,
    check: () => expect(accepts(method({ type: "token", in: "header", name: run("a"), secrets: ["s"] }))).toBe(false),
  },
  {
    file: "src/verify/presets/options.ts",
    // The same bounded, anchored class for a preset's query parameter (Mailchimp's tokenParam).
    regex: /^[A-Za-z0-9_.~!#$%&'*+^`|-]{1,128}$/,
    check: () => expect(accepts(method({ type: "provider", provider: "mailchimp", tokenParam: run("a"), secrets: ["s"] }))).toBe(false),
  },
  {
    file: "src/config/schema.ts",
    // One class, starred, anchored: a single pass.
    regex: /^[^:]*$/,
    check: () => expect(accepts(method({ type: "basic", username: `${run("a")}:`, secrets: ["s"] }))).toBe(false),
  },
  {
    file: "src/config/schema.ts",
    // `[^/?#]+` ends at the "/" that must open the group, and the group's class runs to the end:
    // a failure backtracks the first run once, one character at a time: O(n).
    regex: /^https?:\/\/[^/?#]+(\/[^?#]*)?$/,
    check: () => expect(accepts({ origin: `https://${run("a")}?` })).toBe(false),
  },
  {
    file: "src/verify/presets/options.ts",
    // As the origin's, with whitespace excluded as well. Whitespace is refused because a line
    // break made the Twilio port regex (presets/twilio.ts, below) quadratic in the host's length.
    regex: /^https?:\/\/[^/?#\s]+(\/[^?#\s]*)?$/,
    check() {
      const twilio = (publicUrl: string) => accepts(method({ type: "provider", provider: "twilio", secrets: ["s"], publicUrl }));
      expect(twilio(`https://${run("a")}?`)).toBe(false);
      for (const bad of ["\n", "\r", "\u2028", "\u2029", " ", "\t"]) expect(twilio(`https://${run("a", 200_000)}.example/sms${bad}`), JSON.stringify(bad)).toBe(false);
      expect(twilio("https://hooks.example.com/twilio/sms")).toBe(true);
    },
  },
  {
    file: "src/verify/presets/sns.ts",
    // Each quantifier is followed by a literal it cannot match (`[a-z-]*` and `[a-z0-9-]+` by ":"),
    // so runs do not overlap; the last is bounded ({1,256}).
    regex: /^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_.-]{1,256}$/,
    check() {
      expect(accepts(method({ type: "provider", provider: "sns", topicArns: [`arn:aws${run("-")}:`] }))).toBe(false);
      expect(accepts(method({ type: "provider", provider: "sns", topicArns: [`arn:aws:sns:${run("a")}:`] }))).toBe(false);
    },
  },
  {
    file: "src/config/schema.ts",
    // Bounded ({0,63}) and anchored.
    regex: /^[a-z0-9][a-z0-9_-]{0,63}$/,
    check: () => expect(accepts({ id: run("a") })).toBe(false),
  },
  {
    file: "src/config/schema.ts",
    // A label is at most 63 characters (at most 62 ways to split it), and labels are separated by
    // a "." that no label contains, so the star's iterations cannot overlap: O(63 n).
    regex: /^(\*|[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*)$/,
    check() {
      expect(accepts({ host: `${run("a.", MiB - 1)}-` })).toBe(false);
      expect(accepts({ host: `${run("a-")}-` })).toBe(false);
      expect(accepts({ host: `${run("abcdefgh.", MiB - 1)}_` })).toBe(false);
    },
  },
  {
    file: "src/config/schema.ts",
    // Bounded ({0,1023}) and anchored.
    regex: /^\/[^\s?#]{0,1023}$/,
    check: () => expect(accepts({ path: `/${run("a")}` })).toBe(false),
  },
  {
    file: "src/config/schema.ts",
    // Bounded ({1,16}) and anchored.
    regex: /^[A-Z]{1,16}$/,
    check: () => expect(accepts({ limits: { methods: [run("A")] } })).toBe(false),
  },
  {
    file: "src/config/schema.ts",
    // Neither class holds "/", so the first run gives back characters that can never be the "/": O(n).
    regex: /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/,
    check() {
      expect(accepts({ limits: { contentTypes: [run("a")] } })).toBe(false);
      expect(accepts({ limits: { contentTypes: [`a/${run("a")}/`] } })).toBe(false);
    },
  },
  {
    file: "src/config/schema.ts",
    // "." separates segments and is not in the class: one way to split, a failure unwinds once.
    regex: /^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/,
    check() {
      expect(accepts({ dedup: { key: { jsonField: `${run("a.", MiB - 1)}!` } } })).toBe(false);
      expect(accepts({ dedup: { key: { jsonField: `${run("ab")}.` } } })).toBe(false);
    },
  },
  // ---- src/delivery/policy.ts: the origin's Retry-After ----
  {
    file: "src/delivery/policy.ts",
    // Bounded ({1,10}) and anchored.
    regex: /^[0-9]{1,10}$/,
    check() {
      expect(parseRetryAfter(run("1"), 0)).toBeNull();
      expect(parseRetryAfter(`${run(" ")}120${run(" ")}`, 0)).toBe(120_000);
    },
  },
  {
    file: "src/delivery/policy.ts",
    // A fixed three-character window: at most three steps per start position: O(3 n).
    regex: /[A-Za-z]{3}/,
    check() {
      expect(parseRetryAfter(run("ab1"), 0)).toBeNull();
      expect(parseRetryAfter(`${run("1-")}x`, 0)).toBeNull();
    },
  },
  // ---- src/lib ----
  {
    file: "src/lib/cidr.ts",
    // Bounded ({0,2}) and anchored; parseIp refuses anything over 64 characters before it.
    regex: /^(0|[1-9][0-9]{0,2})$/,
    check() {
      expect(parseIp(run("1"))).toBeNull();
      expect(anyContains([parseCidr("10.0.0.0/8")!], `10.${run("1")}`)).toBe(false);
      expect(clientKey(run("1."))).toBe(run("1."));
    },
  },
  {
    file: "src/lib/cidr.ts",
    // Bounded ({1,4}) and anchored; inputs over 64 characters never reach it.
    regex: /^[0-9a-fA-F]{1,4}$/,
    check: () => expect(parseIp(`${run("a:")}`)).toBeNull(),
  },
  {
    file: "src/lib/cidr.ts",
    // Bounded ({1,3}) and anchored (the prefix length after "/").
    regex: /^[0-9]{1,3}$/,
    check: () => expect(parseCidr(`10.0.0.0/${run("1")}`)).toBeNull(),
  },
  {
    file: "src/lib/encoding.ts",
    // Fixed-width groups of one class: exactly one way to split; checked well past 1 MiB since a
    // JSON field (Mailgun's signature) can be as long as the body cap (100 MiB).
    regex: /^(?:[0-9a-fA-F]{2})*$/,
    check() {
      expect(hexToBytes(`${run("a")}!`)).toBeNull();
      expect(hexToBytes(run("a", MiB + 1))).toBeNull();
      expect(hexToBytes(run("a", 8 * MiB + 1))).toBeNull();
      expect(hexToBytes(run("ab"))?.length).toBe(MiB / 2);
    },
  },
  {
    file: "src/lib/encoding.ts",
    // One class, starred, anchored; the length rules are arithmetic. The regex it replaced,
    // /^(?:X{4})*(?:X{2}(?:==)?|X{3}=?)?$/, was linear but threw RangeError past ~6 MiB (one
    // backtrack entry per group): a 500 for an SNS body's Signature field (review finding).
    regex: /^[A-Za-z0-9+/_-]*$/,
    check() {
      expect(base64ToBytes(`${run("A")}!`)).toBeNull();
      expect(base64ToBytes(run("A", MiB + 1))).toBeNull();
      expect(base64ToBytes(`${run("A", MiB)}=`)).toBeNull();
      expect(base64ToBytes(`${run("A", 8 * MiB)}!`)).toBeNull();
      expect(base64ToBytes(`${run("A", 8 * MiB + 2)}==`)?.length).toBe(6 * MiB + 1);
      expect(base64ToBytes(run("QUFB", 32 * MiB))?.length).toBe(24 * MiB);
    },
  },
  {
    file: "src/lib/encoding.ts",
    // A single character, replaced in one pass (both /-/g and /_/g).
    regex: /-/g,
    check: () => expect(base64ToBytes(run("-_"))?.length).toBe((MiB * 3) / 4),
  },
  {
    file: "src/lib/encoding.ts",
    regex: /_/g,
    check: () => expect(base64ToBytes(run("_-"))?.length).toBe((MiB * 3) / 4),
  },
  // ---- src/observability/mask.ts: header names as sent ----
  {
    file: "src/observability/mask.ts",
    // An alternation of literals of at most 13 characters: at most 11 × 13 steps per start: O(n).
    regex: /signature|hmac|token|authorization|cookie|secret|api-key|apikey|password|auth/i,
    check() {
      expect(maskHeaders([[run("signatur"), "v"]])[0]![1]).toBe("v");
      expect(maskHeaders([[`${run("api-ke")}x`, "v"]])[0]![1]).toBe("v");
      expect(maskHeaders([[`${run("x")}-Token`, "v"]])[0]![1]).toBe("[masked, 1 chars]");
    },
  },
  // ---- src/pipeline ----
  {
    file: "src/pipeline/forward.ts",
    // A single character, one pass per query key.
    regex: /\+/g,
    check: () => expect(stripQueryParams(`?${run("a+")}=1&auth=x&${run("+")}=2`, new Set(["auth"]))).toBe(`?${run("a+")}=1&${run("+")}=2`),
  },
  {
    file: "src/pipeline/forward.ts",
    // One class, starred, anchored; and only ever given ids up to MAX_EVENT_ID_HEADER_CHARS (256).
    regex: /^[\x21-\x7e]*$/,
    check() {
      expect(eventIdHeader(run("!"))).toBeUndefined();
      expect(eventIdHeader(run("!", 256))).toBe(run("!", 256));
      expect(eventIdHeader(run("é", 100))).toBeUndefined(); // 100 × "%C3%A9" is over 256
    },
  },
  {
    file: "src/pipeline/read-body.ts",
    // Bounded ({1,16}) and anchored: a Content-Length that is not a short number is not trusted.
    regex: /^[0-9]{1,16}$/,
    async check() {
      const bytes = await readBody(new Request("https://hooks.example.com/", { method: "POST", headers: { "content-length": run("9") }, body: "abc" }), 10);
      expect(bytes instanceof Uint8Array && text(bytes)).toBe("abc");
    },
  },
  {
    file: "src/pipeline/shed.ts",
    // The same, through the worker: a Content-Length that is not a short number is no reason for a 413.
    regex: /^[0-9]{1,16}$/,
    async check() {
      await mustPutRoute({ id: "cl", host: "*", path: "/cl", origin: "http://origin.test", auth: { methods: [{ type: "token", in: "query", secrets: ["t"] }] }, limits: { maxBodyBytes: 10 } });
      const res = await call(`${BASE}/cl?auth=t`, { method: "POST", headers: { "content-length": run("9") }, body: "abc" });
      expect(res.status).toBe(200);
    },
  },
  // ---- src/verify ----
  {
    file: "src/verify/handshakes.ts",
    // Anchored, one class then one literal: a long whitespace run is one linear pass, and X
    // CRC tokens (at most 2048 chars) and the preset's 64-byte body prefix are short anyway.
    regex: /^[ \t\n\r]*\{/,
    async check() {
      expect(startsLikeJsonObject(run(" \t\r\n"))).toBe(false);
      expect(startsLikeJsonObject(`${run(" ")}{`)).toBe(true);
    },
  },
  {
    file: "src/verify/handshakes.ts",
    // Anchored, fixed length (36): each class run is bounded, so a mismatch is found within 37
    // characters; a LinkedIn challengeCode of any length is one linear pass.
    regex: /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
    async check() {
      const validation = linkedinValidation(() => "secret");
      for (const code of [run("a"), `${run("a-")}!`, `890e4665-4dfe-4ab1-b689-${run("e")}`]) {
        const answer = await validation.answer({ method: "GET", url: new URL(`https://h.example/l?challengeCode=${code}`), headers: new Headers(), now: Date.now() });
        expect(answer!.status).toBe(400);
      }
    },
  },
  {
    file: "src/verify/handshakes.ts",
    // Anchored, one class, at most 1024: a mismatch is found in one linear pass; a header
    // value or token past 1024 characters is refused at the bound, not scanned to its end twice.
    regex: /^[\x21-\x7e]{1,1024}$/,
    async check() {
      const headers = (secret: string) => new Headers({ "x-hook-secret": secret });
      const input = (h: Headers, body = new Uint8Array()) => ({ method: "POST", url: new URL("https://h.example/a"), headers: h, body, now: Date.now() });
      for (const secret of [run("a"), `${"a".repeat(1024)}!`, `${"a".repeat(512)} ${"a".repeat(511)}`]) expect(asanaHookSecret(input(headers(secret)))).toBeUndefined();
      expect(asanaHookSecret(input(headers("a".repeat(1024))))).toBeDefined();
      const token = (t: string) => new Uint8Array(new TextEncoder().encode(JSON.stringify({ verification_token: t })));
      expect(notionVerificationToken(input(new Headers(), token(`${"s".repeat(1500)}`)))).toBeUndefined();
      expect(notionVerificationToken(input(new Headers(), token("secret_ok")))).toBeDefined();
    },
  },
  {
    file: "src/verify/handshakes.ts",
    // Anchored, one class, at most 20: and WooCommerce's ping is length-checked (31 bytes at most) before it runs.
    regex: /^[0-9]{1,20}$/,
    async check() {
      const ping = formPing("webhook_id", ["x-wc-webhook-signature"]);
      const headers = new Headers({ "content-type": "application/x-www-form-urlencoded" });
      for (const body of [`webhook_id=${run("1")}`, `webhook_id=${"1".repeat(19)}x`]) {
        expect(await ping({ method: "POST", url: new URL("https://h.example/w"), headers, body: new TextEncoder().encode(body), now: Date.now() })).toBeNull();
      }
    },
  },
  {
    file: "src/verify/basic.ts",
    // Anchored; `[ ]+`, the base64 class and `[ ]*` are pairwise disjoint, so no character can be
    // taken by two quantifiers: O(n).
    regex: /^Basic[ ]+([A-Za-z0-9+/=_-]+)[ ]*$/i,
    check() {
      expect(parseBasicAuthorization(`Basic ${run("A")} x`)).toBeNull();
      expect(parseBasicAuthorization(`Basic${run(" ")}x y`)).toBeNull();
      expect(parseBasicAuthorization(`Basic ${run("=")}`)).toBeNull();
      expect(parseBasicAuthorization(`Basic${run(" ")}${btoa(`u:${run("p", 3 * 1024)}`)}${run(" ")}`)?.password.length).toBe(3 * 1024);
    },
  },
  {
    file: "src/verify/basic.ts",
    // A single character class, one pass (the realm, from config).
    regex: /["\\]/g,
    async check() {
      const v = await basicVerifier({ username: "u", secrets: [{ value: "p" }], realm: run('"\\') });
      expect(v.challenge).toBe('Basic realm="", charset="UTF-8"');
    },
  },
  {
    file: "src/verify/form.ts",
    // A single character, one pass per key and value.
    regex: /\+/g,
    check() {
      expect(parseForm(`k=${run("+")}`)).toEqual([["k", run(" ")]]);
      expect(parseForm(run("a+b=c&"))).toBeNull(); // over MAX_FORM_FIELDS
    },
  },
  {
    file: "src/verify/keys.ts",
    // Bounded ({64}) and anchored (a key from config).
    regex: /^[0-9a-fA-F]{64}$/,
    async check() {
      await expect(importVerifyKey(run("a"), "ed25519", "auto", "secret 0")).rejects.toBeInstanceOf(SchemeConfigError);
      await expect(importVerifyKey(`${run("a", 64)}!`, "ed25519", "auto", "secret 0")).rejects.toBeInstanceOf(SchemeConfigError);
    },
  },
  {
    file: "src/verify/scheme.ts",
    // Every attempt starts at a "{"; the name class holds neither brace, so attempts from
    // different braces scan disjoint runs: O(n) per pass (matchAll, then replace).
    regex: /\{(body|timestamp|url|method|params|header:[A-Za-z0-9_-]+)\}/g,
    check() {
      expect(compileTemplate(`{header:${run("a")}`)).toBeNull();
      expect(compileTemplate(run("{header:a"))).toBeNull();
      expect(compileTemplate(`${run("{bod")}y}`)).toBeNull();
      expect(compileTemplate(`{body}${run("x")}`)?.length).toBe(2);
    },
  },
  {
    file: "src/verify/signed-url.ts",
    // A single character, one pass per query key.
    regex: /\+/g,
    check() {
      const url = new URL(`https://hooks.example.com/p?${run("a+")}=1&auth=x`);
      expect(signedUrl(url, { dropQuery: ["auth"] })).toBe(`https://hooks.example.com/p?${run("a+")}=1`);
    },
  },
  {
    file: "src/verify/presets/twilio.ts",
    // Linear for every string a URL serializes to; quadratic only when a line terminator follows
    // the host (`.` stops there and `$` fails, so each shorter host is retried to it). The
    // WHATWG URL parser drops tabs and newlines and percent-encodes the rest, and publicUrl may
    // hold no whitespace (schema.ts): no href here contains one.
    regex: /^(https?):\/\/([^/?#:]+)(:\d+)?(.*)$/i,
    check() {
      const url = new URL(`https://${run("a", 60_000)}.example:443/${run("1")}\n\r\u2028\u2029?q=${run("%3A", 3000)}\u2028`);
      const href = signedUrl(url, {});
      expect(/[\n\r\u2028\u2029]/.test(href)).toBe(false);
      expect(withAndWithoutDefaultPort(href)).toHaveLength(2);
      expect(withAndWithoutDefaultPort(`https://a:${run("1")}`)).toEqual([`https://a:${run("1")}`]);
      expect(withAndWithoutDefaultPort(`https://${run("a")}`)).toHaveLength(2);
    },
  },
  {
    file: "src/verify/presets/hubspot.ts",
    // An alternation of two-character literals after "%": at most 12 × 2 steps per start.
    regex: /%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi,
    check() {
      expect(hubspotUri(run("%3"))).toBe(run("%3"));
      expect(hubspotUri(run("%3a"))).toBe(`${":".repeat(Math.floor(MiB / 3))}%`); // 349,525 escapes and a stray "%"
    },
  },
  {
    file: "src/verify/timestamp.ts",
    // Bounded ({1,16}) and anchored.
    regex: /^[0-9]{1,16}$/,
    check: () => expect(parseTimestampMs(run("1"), "s")).toBeNull(),
  },
  {
    file: "src/verify/x509.ts",
    // Attempts start only at the literal BEGIN line; the class excludes "-", so the run from one
    // start ends at the next "-", and runs from different starts do not overlap: O(n).
    regex: /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/,
    check() {
      expect(pemToDer(`-----BEGIN CERTIFICATE-----${run("A")}-----END CERTIFICATE`)).toBeNull();
      expect(pemToDer(run("-----BEGIN CERTIFICATE-----A"))).toBeNull();
      expect(pemToDer(run("-"))).toBeNull();
    },
  },
  {
    file: "src/verify/x509.ts",
    // Whitespace runs removed in one pass.
    regex: /\s+/g,
    check() {
      const groups = 150_000; // 1.05 MB of PEM body, each "QUFB" (3 bytes) followed by whitespace
      expect(pemToDer(`-----BEGIN CERTIFICATE-----\n${"QUFB \n\t".repeat(groups)}-----END CERTIFICATE-----`)?.length).toBe(3 * groups);
    },
  },
  {
    file: "src/verify/x509.ts",
    // Fixed width and anchored: at most 13 steps, whatever the length.
    regex: /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/,
    check() {
      expect(parseCertificate(certWithTimes(0x17, "250101000000Z", "350101000000Z"))).not.toBeNull();
      expect(parseCertificate(certWithTimes(0x17, `${run("1")}Z`, "350101000000Z"))).toBeNull();
    },
  },
  {
    file: "src/verify/x509.ts",
    regex: /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/,
    check() {
      expect(parseCertificate(certWithTimes(0x18, "20250101000000Z", "20350101000000Z"))).not.toBeNull();
      expect(parseCertificate(certWithTimes(0x18, "20250101000000Z", `${run("2")}Z`))).toBeNull();
    },
  },
  // ---- the body- and query-signed presets: request input, 1 MiB at most (the body cap) ----
  ...["src/verify/presets/casso.ts", "src/verify/presets/vnpay.ts"].map((file) => ({
    file,
    // Bounded ({128}) and anchored.
    regex: /^[0-9a-fA-F]{128}$/,
    async check() {
      const now = Date.now();
      const casso = await presets.casso!.build({ secrets: [{ value: "k" }], options: {}, url: {} });
      const header = `t=${now},v1=${run("a", 4000)}`;
      expect(await casso.verify({ method: "POST", url: new URL("https://h.example/c"), headers: new Headers({ "x-casso-signature": header }), body: new Uint8Array(), now })).toEqual({ ok: false, reason: "malformed_signature" });
      const vnpay = await presets.vnpay!.build({ secrets: [{ value: "k" }], options: {}, url: {} });
      const url = new URL(`https://h.example/v?vnp_Amount=1&vnp_SecureHash=${run("a")}`);
      expect(await vnpay.verify({ method: "GET", url, headers: new Headers(), body: new Uint8Array(), now })).toEqual({ ok: false, reason: "malformed_signature" });
    },
  })),
  ...[/\//g, /[\u0080-\uffff]/g].map((regex) => ({
    file: "src/verify/presets/casso.ts",
    // A single character class, one pass over Casso's re-serialized body (PHP's escapes).
    regex,
    async check() {
      const now = Date.now();
      const casso = await presets.casso!.build({ secrets: [{ value: "k" }], options: {}, url: {} });
      const body = new TextEncoder().encode(JSON.stringify({ data: { d: run("/é", MiB / 2) } }));
      const headers = new Headers({ "x-casso-signature": `t=${now},v1=${"a".repeat(128)}` });
      expect(await casso.verify({ method: "POST", url: new URL("https://h.example/c"), headers, body, now })).toEqual({ ok: false, reason: "signature_mismatch" });
    },
  })),
  ...[/%20/g, /[!'()*~]/g].map((regex) => ({
    file: "src/verify/presets/vnpay.ts",
    // Literal or a single class over one re-encoded value: one pass.
    regex,
    async check() {
      const vnpay = await presets.vnpay!.build({ secrets: [{ value: "k" }], options: {}, url: {} });
      const url = new URL(`https://h.example/v?vnp_OrderInfo=${encodeURIComponent(run(" !'()*~", MiB / 4))}&vnp_SecureHash=${"a".repeat(128)}`);
      expect(await vnpay.verify({ method: "GET", url, headers: new Headers(), body: new Uint8Array(), now: Date.now() })).toEqual({ ok: false, reason: "signature_mismatch" });
    },
  })),
  {
    file: "src/verify/presets/zalo-oa.ts",
    // Anchored, one bounded class ({64}) after a literal.
    regex: /^mac=([0-9a-fA-F]{64})$/,
    async check() {
      const zalo = await presets["zalo-oa"]!.build({ secrets: [{ value: "k" }], options: {}, url: {} });
      const headers = new Headers({ "x-zevent-signature": `mac=${run("a")}` });
      expect(await zalo.verify({ method: "POST", url: new URL("https://h.example/z"), headers, body: new Uint8Array(), now: Date.now() })).toEqual({ ok: false, reason: "malformed_signature" });
    },
  },
  {
    file: "src/verify/presets/paypal.ts",
    // Bounded ({1,64}) and anchored.
    regex: /^[A-Za-z0-9_-]{1,64}$/,
    check: () => expect(accepts(method({ type: "provider", provider: "paypal", webhookId: run("a") }))).toBe(false),
  },
  {
    file: "src/verify/ebay.ts",
    // Bounded ({1,128}), one class, anchored: an eBay kid, in the config and in X-EBAY-SIGNATURE.
    regex: /^[A-Za-z0-9._~-]{1,128}$/,
    async check() {
      const pem = "-----BEGIN PUBLIC KEY-----MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEZhhxXKtR+TOvtDbgTPCkSof02qgBB7IsYOyf76ilExJ/upAa/vKIKheOoCyOpcLmi4t0b4uepb7LLjmMr90FUg==-----END PUBLIC KEY-----";
      await expect(presets.ebay!.build({ secrets: [], options: { keys: { [`${run("a")}!`]: pem }, verificationToken: "vt" }, url: {} })).rejects.toBeInstanceOf(SchemeConfigError);
      const ebay = await presets.ebay!.build({ secrets: [], options: { keys: { k: pem }, verificationToken: "vt" }, url: {} });
      // The header is capped before it is decoded: the kid inside can be at most a couple of KB.
      const header = btoa(JSON.stringify({ alg: "ECDSA", kid: `${run("a", 1500)}!`, signature: "MEUCIQ", digest: "SHA1" }));
      expect(await ebay.verify({ method: "POST", url: new URL("https://h.example/e"), headers: new Headers({ "x-ebay-signature": header }), body: new Uint8Array(), now: Date.now() })).toEqual({ ok: false, reason: "malformed_signature" });
    },
  },
  {
    file: "src/config/schema.ts",
    // Bounded ({0,31}) and anchored: a destination's id.
    regex: /^[a-z0-9][a-z0-9_-]{0,31}$/,
    check: () => expect(accepts({ destinations: [{ id: `${run("a")}!`, url: "http://d.test" }] })).toBe(false),
  },
  {
    file: "src/admin/api.ts",
    // Bounded ({1,16}) and anchored: explain's sample method.
    regex: /^[A-Z]{1,16}$/,
    async check() {
      await mustPutRoute({ id: "explain", host: "*", path: "/explain", auth: { methods: [{ type: "token", in: "query", secrets: ["t"] }] }, destinations: [{ id: "d", url: "http://d.test" }] });
      const res = await call(`${BASE}/__gateway/routes/explain/explain`, { method: "POST", headers: { ...ADMIN, "content-type": "application/json" }, body: JSON.stringify({ method: `${run("A")}1` }) });
      expect(res.status).toBe(400);
    },
  },
  {
    file: "src/routing/filter.ts",
    // Anchored, one quantified class ({0,8} bounded): an array index in a field path, tried on each key walked.
    regex: /^(0|[1-9]\d{0,8})$/,
    check() {
      const f = compileFilter({ body: { items: { [`${run("1", 1000)}x`]: 1 } } });
      expect(f.ok && evaluate(f.value, { body: { items: [1] }, headers: new Headers(), path: "/", query: new URLSearchParams() })).toMatchObject({ matched: false });
    },
  },
  {
    file: "src/routing/filter.ts",
    // One class under + and anchored: linear. A header name in a filter (names are bounded by the spec's string limit before this).
    regex: /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/,
    check: () => expect(compileFilter({ headers: { [`${run("a", 1000)} `]: "x" } }).ok).toBe(false),
  },
  {
    file: "src/routing/filter.ts",
    // Each group is entered on a character the previous run cannot take ("." or "e"): no two ways to split. A header value compared as a number.
    regex: /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/,
    check() {
      const f = compileFilter({ headers: { "x-n": { $gt: 1 } } });
      const headers = new Headers({ "x-n": `${run("1")}.${run("1")}e${run("1")}x` });
      expect(f.ok && evaluate(f.value, { body: undefined, headers, path: "/", query: new URLSearchParams() })).toMatchObject({ matched: false });
    },
  },
  {
    file: "src/routing/transform.ts",
    // One class under +, anchored; names longer than 256 characters are refused before it runs.
    regex: /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/,
    check: () => expect(compileTransform({ headers: { remove: [`${run("a")} `] } }).ok).toBe(false),
  },
  {
    file: "src/routing/transform.ts",
    // One class under *, anchored; values over 8 KiB are refused before it runs.
    regex: /^[\t\x20-\x7e]*$/,
    check: () => expect(compileTransform({ headers: { set: { "x-a": `${run("a")}\n` } } }).ok).toBe(false),
  },
  {
    file: "src/routing/transform.ts",
    // A single class, no quantifier: one pass. Paths over 2,048 characters are refused before it runs.
    regex: /[\u0000-\u001f\u007f-\u009f]/,
    check: () => expect(compileTransform({ path: `/${run("a")}\u0001` }).ok).toBe(false),
  },
  {
    file: "src/routing/transform.ts",
    // Bounded ({1,64}) and anchored: how a key is quoted in an error message.
    regex: /^[\x21-\x7e]{1,64}$/,
    check: () => expect(compileTransform({ body: { rename: { [run("a")]: "__proto__" } } })).toMatchObject({ ok: false, error: expect.stringContaining(`"${"a".repeat(64)}"`) }),
  },
  {
    file: "src/routing/transform.ts",
    // Run over the body (whether its numbers need their exact text kept): each alternative is a
    // fixed string or one class under * followed by a fixed character, so a failing start costs at
    // most the run after it; ".1111…" costs one pass of the run.
    regex: /[0-9][eE]|\.[0-9]*0(?![0-9])|-0(?![0-9.])|\.0{6}|[0-9](?:\.?[0-9]){15}/,
    check() {
      const t = compileTransform({ body: { pick: ["a"] } });
      if (!t.ok) throw new Error(t.error);
      const body = new TextEncoder().encode(`{"a":".${run("1")}","b":"${run("1..")}"}`);
      const { out } = applyTransform(t.value, { path: "/", headers: new Headers(), body });
      expect(out.body.byteLength).toBeGreaterThan(MiB);
    },
  },
  {
    file: "src/routing/transform.ts",
    // A fixed string: one pass.
    regex: /%2e/i,
    check: () => expect(compileTransform({ path: `/${run("%2")}` }).ok).toBe(false),
  },
  {
    file: "src/config/schema.ts",
    // Bounded ({0,63}) and anchored: a binding's name.
    regex: /^[A-Za-z_][A-Za-z0-9_]{0,63}$/,
    check: () => expect(accepts({ destinations: [{ id: "d", type: "r2", binding: `${run("A")}-` }] })).toBe(false),
  },
  {
    file: "src/config/schema.ts",
    // Bounded ({0,256}) and anchored: an R2 key prefix.
    regex: /^[A-Za-z0-9!_.*'()\/-]{0,256}$/,
    check: () => expect(accepts({ destinations: [{ id: "d", type: "r2", binding: "ARCHIVE", prefix: `${run("a/")} ` }] })).toBe(false),
  },
  {
    file: "src/admin/api.ts",
    // Fixed length and anchored: archive replay's day.
    regex: /^\d{4}-\d{2}-\d{2}$/,
    async check() {
      await mustPutRoute({ id: "arch", host: "*", path: "/arch", auth: { methods: [{ type: "token", in: "query", secrets: ["t"] }] }, destinations: [{ id: "d", url: "http://d.test" }, { id: "a", type: "r2", binding: "ARCHIVE" }] });
      const res = await call(`${BASE}/__gateway/routes/arch/archive/replay?destination=d&date=${run("1")}`, { method: "POST", headers: ADMIN });
      expect(res.status).toBe(400);
    },
  },
  {
    file: "src/admin/api.ts",
    // Fixed length and anchored: a message id.
    regex: /^msg_[0-9a-f]{32}$/,
    async check() {
      await mustPutRoute({ id: "arch", host: "*", path: "/arch", auth: { methods: [{ type: "token", in: "query", secrets: ["t"] }] }, destinations: [{ id: "d", url: "http://d.test" }, { id: "a", type: "r2", binding: "ARCHIVE" }] });
      const res = await call(`${BASE}/__gateway/routes/arch/archive/replay?destination=d&messageId=msg_${run("a", 8000)}`, { method: "POST", headers: ADMIN });
      expect(res.status).toBe(400);
    },
  },
];

/** Regexes that never see outside input. */
const OWN_INPUT: { file: string; regex: RegExp; why: string }[] = [
  { file: "src/pipeline/run.ts", regex: /-/g, why: "applied to crypto.randomUUID()" },
  { file: "src/pipeline/destinations.ts", regex: /-/g, why: "applied to crypto.randomUUID()" },
  { file: "src/delivery/sinks.ts", regex: /_/g, why: "a binding name, already checked by schema.ts (64 characters at most)" },
];
/** Files not covered here (see the header). */
const SKIPPED_FILES = ["src/verify/sns.ts", "src/admin/dashboard.ts"];

describe("every regex in src/ on a 1 MiB worst case", () => {
  useOrigin();
  for (const e of entries) it(`${e.file} ${e.regex}`, () => e.check());
});

describe("the list above is complete", () => {
  it("every regex literal in src/ has an entry (add one, with its worst case, for a new regex)", () => {
    const sources = import.meta.glob<string>("../../src/**/*.ts", { query: "?raw", import: "default", eager: true });
    // A literal: a slash after a token that cannot end an operand (so never a division), up to
    // the closing slash and its flags; classes and escapes may hold slashes.
    const LITERAL = /(?<=(?:^|[=(,:!&|?;{}[\]+\-*%<>~^]|\breturn|\btypeof)\s*)\/(?![*/])(?:\\.|\[(?:\\.|[^\]\\\n])*\]|[^/\\\n[])+\/[dgimsuyv]*/gm;
    const found = new Set<string>();
    for (const [path, source] of Object.entries(sources)) {
      const file = path.replace("../../", "");
      if (SKIPPED_FILES.includes(file)) continue;
      for (const m of source.matchAll(LITERAL)) found.add(`${file} ${m[0]}`);
      expect(source.includes("RegExp("), `${file} builds a RegExp at run time: add its worst case here`).toBe(false);
    }
    const listed = new Set([...entries, ...OWN_INPUT].map((e) => `${e.file} ${e.regex}`));
    expect([...found].filter((f) => !listed.has(f)), "regexes in src/ without an entry").toEqual([]);
    expect([...listed].filter((l) => !found.has(l)), "entries whose regex is no longer in src/").toEqual([]);
  });
});
