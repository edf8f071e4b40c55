/**
 * Every provider preset against test/vectors/providers.json: requests signed by the
 * providers' own libraries or their documented vectors (each vector names its source;
 * scripts/provider-vectors.mjs regenerates them and test/node checks them against the SDKs).
 * Each vector must verify and yield the provider's event id; then every way of breaking it
 * must be refused with a reason, never an exception.
 */
import { describe, expect, it } from "vitest";
import vectors from "../../vectors/providers.json";
import { bytesToBase64, bytesToHex, utf8 } from "../../../src/lib/encoding";
import { buildVerifier, type ResolvedMethod } from "../../../src/verify/build";
import type { PresetName } from "../../../src/verify/presets";
import { standardFamily } from "../../../src/verify/presets/standard-webhooks";
import { HMAC_FAMILY } from "../../../src/verify/presets/hmac-family";
import type { Verifier, VerifyInput, VerifyResult } from "../../../src/verify/types";

interface Vector {
  readonly name: string;
  readonly provider: PresetName;
  readonly source: string;
  readonly method: Record<string, unknown> & { secrets?: unknown[] };
  readonly request: { readonly method: string; readonly url: string; readonly headers: Record<string, string>; readonly body: string };
  readonly now: number;
  readonly eventId?: string;
  readonly reply?: { readonly status: number; readonly contentType?: string; readonly body: string };
}

const ALL = vectors as unknown as Vector[];

/** Replay windows by preset, as documented in each preset (seconds). */
/** HubSpot's v1/v2 signatures carry no timestamp (only v3 does): their vectors have no window to test. */
const untimed = (v: Vector) => v.request.headers["x-hubspot-signature-version"] !== undefined;

const TOLERANCE: Partial<Record<PresetName, number>> = {
  stripe: 300,
  "gitlab-signing": 300,
  slack: 300,
  discord: 300,
  "standard-webhooks": 300,
  svix: 300,
  ...Object.fromEntries(Object.keys(standardFamily).map((name) => [name, 300])),
  ...Object.fromEntries(HMAC_FAMILY.flatMap((e) => (e.scheme.timestamp ? [[e.name, e.scheme.timestamp.toleranceSeconds]] : []))),
  sendgrid: 300,
  casso: 300,
  "zalo-oa": 300,
  paypal: 300,
  paddle: 5,
  linear: 60,
  zoom: 300,
  mailgun: 300,
  hubspot: 300,
  contentful: 30,
};

/**
 * Presets whose credential does not cover the body (a URL or header token, Graph's
 * `clientState` shared secret inside the body): a changed body cannot be detected.
 */
/** Presets whose signature is a field of the JSON body. */
const BODY_SIGNATURE: Partial<Record<PresetName, string>> = { mailgun: "signature", zalopay: "mac", payos: "signature", momo: "signature" };

// monday.com signs who sent it (a JWT with aud and exp), not the bytes: its docs carry no body hash.
const BODY_UNSIGNED = new Set<PresetName>(["gitlab", "mailchimp", "okta", "msgraph", "postmark", "pipedrive", "chargebee", "telegram", "sepay", "monday"]);

/** Signature-like runs in a header value (hex, base64): damaging each one breaks every signature a rotation header carries. */
const SIGNATURE_TOKEN_RE = /[A-Za-z0-9+/]{16,}=*/g;
const damageEach = (value: string, damage: (token: string) => string) => value.replace(SIGNATURE_TOKEN_RE, damage);

async function otherKey(provider: PresetName, like: string): Promise<string> {
  if (provider === "discord" || like.startsWith("whpk_") || provider === "telnyx") {
    const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
    const raw = new Uint8Array((await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer);
    return like.startsWith("whpk_") ? `whpk_${bytesToBase64(raw)}` : provider === "telnyx" ? bytesToBase64(raw) : bytesToHex(raw);
  }
  if (provider === "sendgrid") {
    const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
    return bytesToBase64(new Uint8Array((await crypto.subtle.exportKey("spki", pair.publicKey)) as ArrayBuffer));
  }
  if (like.startsWith("whsec_")) return `whsec_${bytesToBase64(crypto.getRandomValues(new Uint8Array(32)))}`;
  // Data-only presets whose key is given encoded: another key of the same encoding.
  const keyEncoding = HMAC_FAMILY.find((e) => e.name === provider)?.scheme.keyEncoding;
  if (keyEncoding === "base64") return bytesToBase64(crypto.getRandomValues(new Uint8Array(32)));
  if (keyEncoding === "hex" || provider === "adyen") return bytesToHex(crypto.getRandomValues(new Uint8Array(32)));
  if (like.startsWith("v1,whsec_")) return `v1,whsec_${bytesToBase64(crypto.getRandomValues(new Uint8Array(32)))}`; // Supabase's display form
  // Contentful's signing secrets are exactly 64 characters: another of that length.
  if (provider === "contentful") return `${like.slice(0, 47)}-but-not-this-one`;
  return `${like}-but-not-this-one`;
}

const secretsOf = (v: Vector) => (v.method.secrets ?? []).map((s) => (typeof s === "string" ? { value: s } : (s as { value: string })));

/** The vector's method as the compiled route holds it: schema defaults filled in, secrets opened. */
function methodOf(v: Vector, secrets = secretsOf(v)) {
  const { verifyToken, ...rest } = v.method;
  return { signedUrlToken: "include", legacySha1: false, confirmSubscriptions: false, ...rest, secrets, ...(verifyToken !== undefined && { verifyToken }) };
}

async function verifierFor(v: Vector, secrets = secretsOf(v)): Promise<Verifier> {
  return buildVerifier(methodOf(v, secrets) as unknown as ResolvedMethod);
}

function inputOf(v: Vector, change: { headers?: Record<string, string | null>; body?: Uint8Array; now?: number } = {}): VerifyInput {
  const headers = new Headers(v.request.headers);
  for (const [name, value] of Object.entries(change.headers ?? {})) {
    if (value === null) headers.delete(name);
    else headers.set(name, value);
  }
  return { method: v.request.method, url: new URL(v.request.url), headers, body: change.body ?? utf8(v.request.body), now: change.now ?? v.now };
}

/**
 * The handshake answer for a vector that expects one, in the pipeline's order: unsigned first,
 * then a test request (once the body is read, never verified), else verify and reply.
 */
async function answerOf(verifier: Verifier, input: VerifyInput): Promise<Response | null> {
  if (verifier.handshake?.methods.includes(input.method)) {
    const unsigned = await verifier.handshake.answer(input);
    if (unsigned) return unsigned;
  }
  const test = await verifier.testRequest?.(input);
  if (test) return test;
  const result = await verifier.verify(input);
  if (!result.ok) throw new Error(`handshake did not verify: ${result.reason}`);
  return verifier.reply ? verifier.reply(input) : null;
}

const refused = (r: VerifyResult) => {
  expect(r.ok).toBe(false);
  if (!r.ok) expect(typeof r.reason).toBe("string");
};

const credentialNames = (verifier: Verifier) => [...(verifier.signatureHeaders ?? []), ...verifier.strip.headers];

describe.each(ALL.filter((v) => !v.reply))("$name", (v) => {
  it(`verifies (${v.source})${v.eventId ? " and yields the event id" : ""}`, async () => {
    const result = await (await verifierFor(v)).verify(inputOf(v));
    expect(result).toEqual(v.eventId ? { ok: true, eventId: v.eventId } : { ok: true });
  });

  it("refuses the same request checked with another secret", async () => {
    const secrets = await Promise.all(secretsOf(v).map(async (s) => ({ value: await otherKey(v.provider, s.value) })));
    if (secrets.length === 0) return; // keyless (SNS: its own tests)
    refused(await (await verifierFor(v, secrets)).verify(inputOf(v)));
  });

  it.skipIf(BODY_UNSIGNED.has(v.provider) || v.provider === "mailgun" || v.request.body === "")("refuses the body with any single byte changed", async () => {
    const verifier = await verifierFor(v);
    const body = utf8(v.request.body);
    // First, last and middle bytes: a verifier that hashed only part of the body would pass one of them.
    // Adyen signs eight fields of each item, not the body (test/unit/verify/adyen.test.ts changes each of
    // them, and shows the others are not protected): there the middle byte is every item's pspReference.
    const middle = v.provider === "adyen" ? [...v.request.body.matchAll(/"pspReference":"/g)].map((m) => m.index + m[0].length) : [body.length >> 1];
    for (const at of new Set([0, body.length - 1, ...middle])) {
      const changed = body.slice();
      changed[at] = changed[at]! ^ 0x01;
      refused(await verifier.verify(inputOf(v, { body: changed })));
    }
  });

  it("refuses the request without its credential header or parameter", async () => {
    const verifier = await verifierFor(v);
    const headers = Object.fromEntries(credentialNames(verifier).map((h) => [h, null]));
    const url = new URL(v.request.url);
    for (const q of verifier.strip.query) url.searchParams.delete(q);
    const input = { ...inputOf(v, { headers }), url };
    if (BODY_SIGNATURE[v.provider]) {
      const body = JSON.parse(v.request.body) as Record<string, unknown>;
      delete body[BODY_SIGNATURE[v.provider]!];
      refused(await verifier.verify(inputOf(v, { body: utf8(JSON.stringify(body)) })));
      return;
    }
    if (v.provider === "adyen") {
      // The credential is each item's additionalData.hmacSignature, in the body: every item must carry one.
      type Item = { NotificationRequestItem: { additionalData: Record<string, unknown> } };
      const body = JSON.parse(v.request.body) as { notificationItems: Item[] };
      delete body.notificationItems.at(-1)!.NotificationRequestItem.additionalData.hmacSignature;
      expect(await verifier.verify(inputOf(v, { body: utf8(JSON.stringify(body)) }))).toEqual({ ok: false, reason: "missing_signature" });
      for (const item of body.notificationItems) delete item.NotificationRequestItem.additionalData.hmacSignature;
      expect(await verifier.verify(inputOf(v, { body: utf8(JSON.stringify(body)) }))).toEqual({ ok: false, reason: "missing_signature" });
      return;
    }
    if (v.provider === "vnpay") {
      // The credential is the query's vnp_SecureHash.
      url.searchParams.delete("vnp_SecureHash");
      expect(await verifier.verify({ ...inputOf(v), url })).toEqual({ ok: false, reason: "missing_signature" });
      return;
    }
    if (v.provider === "msgraph") {
      // The credential is each notification's clientState, in the body.
      const body = JSON.parse(v.request.body) as { value: Record<string, unknown>[] };
      for (const n of body.value) delete n.clientState;
      expect(await verifier.verify(inputOf(v, { body: utf8(JSON.stringify(body)) }))).toEqual({ ok: false, reason: "missing_credentials" });
      body.value.push({ ...body.value[0], clientState: "secretClientValue-provider-vectors-but-not-this-one" });
      refused(await verifier.verify(inputOf(v, { body: utf8(JSON.stringify(body)) })));
      return;
    }
    refused(await verifier.verify(input));
  });

  it("refuses malformed credentials (empty, bad encoding, wrong prefix, huge), without throwing", async () => {
    const verifier = await verifierFor(v);
    const names = credentialNames(verifier).filter((h) => v.request.headers[h.toLowerCase()] !== undefined);
    for (const name of names) {
      const original = v.request.headers[name.toLowerCase()]!;
      const variants = [
        ...["", " ", "%%%", "not base64 or hex!", "sha256=", "v1,", "t=,v1=", "x".repeat(10_000)],
        ...[(t: string) => t.slice(1), (t: string) => t.replace(/=+$/, "").slice(0, -2), (t: string) => `${t}00`].map((d) => damageEach(original, d)),
        // Cutting the header's first character breaks its prefix; with several signatures in it, the others rightly still count.
        // Cuts at the end skip base64 padding: without it the same signature is still sent (unpadded base64 is accepted).
        ...((original.match(SIGNATURE_TOKEN_RE) ?? []).length <= 1 ? [original.slice(1), original.replace(/=+$/, "").slice(0, -2), `${original}00`] : []),
      ];
      for (const value of variants) {
        if (value === original) continue;
        refused(await verifier.verify(inputOf(v, { headers: { [name]: value } })));
      }
    }
  });

  it.skipIf(TOLERANCE[v.provider] === undefined || untimed(v))("refuses a timestamp just outside the window, both ways, and accepts one just inside", async () => {
    const verifier = await verifierFor(v);
    const toleranceMs = (TOLERANCE[v.provider] ?? 0) * 1000;
    expect(await verifier.verify(inputOf(v, { now: v.now + toleranceMs + 1000 }))).toEqual({ ok: false, reason: "stale_timestamp" });
    expect(await verifier.verify(inputOf(v, { now: v.now - toleranceMs - 1000 }))).toEqual({ ok: false, reason: "future_timestamp" });
    expect((await verifier.verify(inputOf(v, { now: v.now + toleranceMs }))).ok).toBe(true);
  });
});

describe.each(ALL.filter((v) => !v.reply && TOLERANCE[v.provider] !== undefined && !untimed(v)))("$name with toleranceSeconds", (v) => {
  it("moves the window to the configured width, both ways", async () => {
    const toleranceSeconds = 2 * TOLERANCE[v.provider]! + 7;
    const verifier = await buildVerifier({ ...methodOf(v), toleranceSeconds } as unknown as ResolvedMethod);
    const ms = toleranceSeconds * 1000;
    expect((await verifier.verify(inputOf(v, { now: v.now + ms }))).ok).toBe(true);
    expect((await verifier.verify(inputOf(v, { now: v.now - ms }))).ok).toBe(true);
    expect(await verifier.verify(inputOf(v, { now: v.now + ms + 1000 }))).toEqual({ ok: false, reason: "stale_timestamp" });
    expect(await verifier.verify(inputOf(v, { now: v.now - ms - 1000 }))).toEqual({ ok: false, reason: "future_timestamp" });
  });
});

describe.each(ALL.filter((v) => v.reply))("$name", (v) => {
  it(`answers the handshake (${v.source})`, async () => {
    const answer = await answerOf(await verifierFor(v), inputOf(v));
    expect(answer).not.toBeNull();
    expect(answer!.status).toBe(v.reply!.status);
    if (v.reply!.contentType) expect(answer!.headers.get("content-type")).toContain(v.reply!.contentType);
    expect(await answer!.text()).toBe(v.reply!.body);
  });
});

describe("every preset has vectors", () => {
  it("covers each preset name with at least one accepted request", async () => {
    const { PRESET_NAMES } = await import("../../../src/verify/presets");
    const covered = new Set(ALL.filter((v) => !v.reply).map((v) => v.provider));
    // SNS is covered by sns.test.ts with its own certificate fixtures.
    expect(PRESET_NAMES.filter((p) => p !== "sns" && !covered.has(p))).toEqual([]);
  });
});
