/**
 * PayPal (src/verify/paypal.ts): a delivery PayPal itself signed (the vector of PayPal's
 * Java SDK tests, with its sandbox certificate), and deliveries signed by
 * test/fixtures/paypal/make.mjs with node:crypto and a self-signed test key. Certificate
 * downloads are injected, or a stubbed global fetch for the default one; the clock is fixed.
 */
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { crc32 } from "../../../src/lib/crc32";
import { SchemeConfigError } from "../../../src/verify/keys";
import {
  PAYPAL_CERT_RETRY_AFTER_MS,
  PAYPAL_MAX_TOLERANCE_SECONDS,
  PAYPAL_TOLERANCE_SECONDS,
  paypalCertificateUrl,
  paypalSignedString,
  paypalVerifier,
  resetPaypalCertificateCaches,
  type PaypalOptions,
} from "../../../src/verify/paypal";
import type { VerifyInput } from "../../../src/verify/types";
import fixtures from "../../fixtures/paypal/deliveries.json";
import sdk from "../../fixtures/paypal/paypal-java-sdk-vector.json";

const enc = new TextEncoder();
const { webhookId: WEBHOOK_ID, certUrl: CERT_URL, certificate: CERT, deliveries } = fixtures;
const sdkCertificate = sdk.certificate;
type Delivery = { headers: Record<string, string>; body: string; crc32?: number };
const capture: Delivery = deliveries.captureCompleted;
const unicode: Delivery = deliveries.unicode;
/** A minute after the fixtures' transmission times (10:00:00 and 10:00:30). */
const NOW = Date.parse("2026-12-10T10:01:00Z");
const SDK_NOW = Date.parse("2017-03-30T20:05:00Z");

const at = (d: Delivery, changes: Record<string, string | null> = {}, now = NOW, body: Uint8Array = enc.encode(d.body)): VerifyInput => {
  const headers = new Headers();
  for (const [k, v] of Object.entries({ ...d.headers, ...changes })) if (v !== null) headers.set(k, v);
  return { method: "POST", url: new URL("https://hooks.test/paypal"), headers, body, now };
};
const failed = (reason: string) => ({ ok: false, reason });

function setup(overrides: Partial<PaypalOptions> & { pem?: () => Promise<string> } = {}) {
  const fetches: string[] = [];
  const { pem, ...rest } = overrides;
  const verifier = paypalVerifier({
    webhookId: WEBHOOK_ID,
    fetchCertificate: async (url) => (fetches.push(url), pem ? pem() : CERT.pem),
    ...rest,
  });
  return { verifier, fetches };
}

/** Appends four bytes to `prefix` so that its CRC-32 is `target`: the CRC run backwards four steps. */
function forgeCrc(prefix: Uint8Array, target: number): Uint8Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  const byTopByte = new Uint8Array(256);
  for (let i = 0; i < 256; i++) byTopByte[table[i]! >>> 24] = i;
  let register = ~target >>> 0;
  for (let i = 0; i < 4; i++) {
    const index = byTopByte[register >>> 24]!;
    register = (((register ^ table[index]!) << 8) | index) >>> 0;
  }
  const x = (register ^ ~crc32(prefix)) >>> 0;
  return new Uint8Array([...prefix, x & 0xff, (x >>> 8) & 0xff, (x >>> 16) & 0xff, x >>> 24]);
}

describe("crc32", () => {
  it.each([
    ["", 0],
    ["123456789", 3421780262], // the CRC-32 check value (0xCBF43926)
    ["The quick brown fox jumps over the lazy dog", 0x414fa339],
  ])("crc32(%j) = %i", (text, value) => {
    expect(crc32(enc.encode(text))).toBe(value);
  });

  it("matches node:zlib's on the fixtures' bodies, UTF-8 included, and PayPal's own vector (3494065244, by node:zlib)", () => {
    for (const d of [capture, unicode]) expect(crc32(enc.encode(d.body))).toBe(d.crc32);
    expect(crc32(enc.encode(sdk.body))).toBe(3494065244);
  });

  it("is unsigned and the signed string is id|time|webhook id|decimal CRC", () => {
    expect(paypalSignedString("id-1", "2026-12-10T10:00:00Z", "WH1", enc.encode("123456789"))).toBe("id-1|2026-12-10T10:00:00Z|WH1|3421780262");
  });
});

describe("paypal verifier: genuine deliveries", () => {
  it("accepts the delivery PayPal signed for its Java SDK's tests, the certificate pinned", async () => {
    const verifier = paypalVerifier({ webhookId: sdk.webhookId, certificates: { [sdk.headers["paypal-cert-url"]]: sdkCertificate }, fetchCertificate: () => Promise.reject(new Error("no download")) });
    expect(await verifier.verify(at(sdk, {}, SDK_NOW))).toEqual({ ok: true, eventId: sdk.headers["paypal-transmission-id"] });
    // The SDK's own negative: another webhook id.
    const other = paypalVerifier({ webhookId: "NotToBeFound", certificates: { [sdk.headers["paypal-cert-url"]]: sdkCertificate } });
    expect(await other.verify(at(sdk, {}, SDK_NOW))).toEqual(failed("signature_mismatch"));
  });

  it("accepts deliveries signed with the test key, hands on the transmission id, and downloads the certificate once", async () => {
    const { verifier, fetches } = setup();
    expect(await verifier.verify(at(capture))).toEqual({ ok: true, eventId: capture.headers["paypal-transmission-id"] });
    expect(await verifier.verify(at(unicode))).toEqual({ ok: true, eventId: unicode.headers["paypal-transmission-id"] });
    expect(fetches).toEqual([CERT_URL]);
    expect(verifier).toMatchObject({ scheme: "rsa:paypal", needsBody: true, signatureHeaders: ["paypal-transmission-sig"] });
  });

  it("takes the certificate from each PayPal host, live and sandbox, and one URL in one spelling", async () => {
    const { verifier, fetches } = setup();
    const name = new URL(CERT_URL).pathname;
    for (const host of ["api.paypal.com", "api-m.paypal.com", "api.sandbox.paypal.com", "api-m.sandbox.paypal.com", "API.PayPal.com"]) {
      expect((await verifier.verify(at(capture, { "paypal-cert-url": `https://${host}${name}` }))).ok).toBe(true);
    }
    for (const spelling of [`${CERT_URL}#a`, `${CERT_URL}?`, CERT_URL.replace("https://api-m.paypal.com", "https://api-m.paypal.com:443")]) {
      expect((await verifier.verify(at(capture, { "paypal-cert-url": spelling }))).ok).toBe(true);
    }
    expect(fetches).toEqual(["api.paypal.com", "api-m.paypal.com", "api.sandbox.paypal.com", "api-m.sandbox.paypal.com"].map((h) => `https://${h}${name}`));
  });

  it("a body forged to the same CRC verifies: the signed transmission id, handed on to dedup, is what stops it", async () => {
    const { verifier } = setup();
    const forged = forgeCrc(enc.encode('{"id":"WH-FORGED","event_type":"PAYMENT.CAPTURE.COMPLETED","resource":{"amount":{"value":"9999.00"}}} '), capture.crc32!);
    expect(crc32(forged)).toBe(capture.crc32);
    expect(await verifier.verify(at(capture, {}, NOW, forged))).toEqual({ ok: true, eventId: capture.headers["paypal-transmission-id"] });
  });
});

describe("paypal verifier: every failure", () => {
  it.each(["paypal-transmission-id", "paypal-transmission-sig", "paypal-cert-url", "paypal-auth-algo"])("no %s: missing_signature", async (header) => {
    expect(await setup().verifier.verify(at(capture, { [header]: null }))).toEqual(failed("missing_signature"));
  });

  it("no transmission time, or one that is no ISO 8601 date-time", async () => {
    const { verifier, fetches } = setup();
    expect(await verifier.verify(at(capture, { "paypal-transmission-time": null }))).toEqual(failed("missing_timestamp"));
    for (const time of ["yesterday", "2026-12-10 10:00:00", "1765360800", "2026-02-31T10:00:00Z"]) {
      expect(await verifier.verify(at(capture, { "paypal-transmission-time": time }))).toEqual(failed("malformed_timestamp"));
    }
    expect(fetches).toEqual([]);
  });

  it("another algorithm, a transmission id that could shift the fields, a signature that is not base64", async () => {
    const { verifier, fetches } = setup();
    for (const algo of ["SHA1withRSA", "sha256withrsa", "SHA256withRSA, SHA256withRSA"]) {
      expect(await verifier.verify(at(capture, { "paypal-auth-algo": algo }))).toEqual(failed("malformed_signature"));
    }
    for (const id of ["a|b", "a b", "x".repeat(65), "a;b"]) expect(await verifier.verify(at(capture, { "paypal-transmission-id": id }))).toEqual(failed("malformed_signature"));
    for (const sig of ["***", "A", "A".repeat(1025)]) expect(await verifier.verify(at(capture, { "paypal-transmission-sig": sig }))).toEqual(failed("malformed_signature"));
    expect(fetches).toEqual([]);
  });

  it.each([
    ["plain http", CERT_URL.replace("https:", "http:")],
    ["a host that only ends like PayPal's", CERT_URL.replace("api-m.paypal.com", "api-m.paypal.com.evil.example")],
    ["www.paypal.com", CERT_URL.replace("api-m.", "www.")],
    ["a PayPal host under another name", CERT_URL.replace("api-m.paypal.com", "paypal.com")],
    ["userinfo", CERT_URL.replace("https://", "https://me@")],
    ["another port", CERT_URL.replace("paypal.com/", "paypal.com:8443/")],
    ["a query", `${CERT_URL}?x=1`],
    ["a path outside the certificates", "https://api-m.paypal.com/v1/notifications/webhooks/CERT-1"],
    ["a path that climbs out", "https://api-m.paypal.com/v1/notifications/certs/../../oauth2/token"],
    ["a nested path", "https://api-m.paypal.com/v1/notifications/certs/a/b"],
    ["an escaped character", "https://api-m.paypal.com/v1/notifications/certs/CERT%2D1"],
    ["only dots", "https://api-m.paypal.com/v1/notifications/certs/..."],
    ["no URL at all", "not a url"],
    ["an overlong URL", `${CERT_URL}${"a".repeat(500)}`],
  ])("a certificate URL with %s: untrusted_certificate, nothing downloaded", async (_, url) => {
    const { verifier, fetches } = setup();
    expect(await verifier.verify(at(capture, { "paypal-cert-url": url }))).toEqual(failed("untrusted_certificate"));
    expect(fetches).toEqual([]);
    expect(paypalCertificateUrl(url)).toBeNull();
  });

  it("a failed download fails closed and is not tried again for PAYPAL_CERT_RETRY_AFTER_MS", async () => {
    const { verifier, fetches } = setup({ pem: () => Promise.reject(new Error("timeout")) });
    expect(await verifier.verify(at(capture))).toEqual(failed("untrusted_certificate"));
    expect(await verifier.verify(at(capture, {}, NOW + PAYPAL_CERT_RETRY_AFTER_MS - 1))).toEqual(failed("untrusted_certificate"));
    expect(fetches).toHaveLength(1);
    await verifier.verify(at(capture, {}, NOW + PAYPAL_CERT_RETRY_AFTER_MS));
    expect(fetches).toHaveLength(2);
  });

  it.each([
    ["no certificate", "hello"],
    ["a certificate cut short", `-----BEGIN CERTIFICATE-----\n${CERT.pem.split("\n").slice(1, 5).join("\n")}\n-----END CERTIFICATE-----\n`],
    ["another key's certificate", sdkCertificate],
  ])("a download holding %s: no pass", async (_, pem) => {
    const { verifier } = setup({ pem: () => Promise.resolve(pem) });
    expect((await verifier.verify(at(capture))).ok).toBe(false);
  });

  it("a certificate outside its validity period", async () => {
    const verifier = paypalVerifier({ webhookId: sdk.webhookId, certificates: { [sdk.headers["paypal-cert-url"]]: sdkCertificate } });
    const afterExpiry = Date.parse("2019-04-27T00:00:00Z");
    const timeThen = new Date(afterExpiry - 10_000).toISOString().replace(".000", "");
    expect(await verifier.verify(at(sdk, { "paypal-transmission-time": timeThen }, afterExpiry))).toEqual(failed("untrusted_certificate"));
    expect(await setup().verifier.verify(at(capture, {}, Date.parse(CERT.notBefore) - 1))).toEqual(failed("untrusted_certificate"));
  });

  it("any signed part changed: body, transmission id or time, webhook id", async () => {
    const { verifier } = setup();
    expect(await verifier.verify(at(capture, {}, NOW, enc.encode(capture.body.replace("20.00", "2000.00"))))).toEqual(failed("signature_mismatch"));
    expect(await verifier.verify(at(capture, { "paypal-transmission-id": unicode.headers["paypal-transmission-id"]! }))).toEqual(failed("signature_mismatch"));
    expect(await verifier.verify(at(capture, { "paypal-transmission-time": "2026-12-10T10:00:01Z" }))).toEqual(failed("signature_mismatch"));
    expect(await verifier.verify(at(capture, { "paypal-transmission-sig": unicode.headers["paypal-transmission-sig"]! }))).toEqual(failed("signature_mismatch"));
    expect(await setup({ webhookId: "8PT597110X687430LKGECATA" }).verifier.verify(at(capture))).toEqual(failed("signature_mismatch"));
  });

  it("a genuine delivery outside the window, either way; toleranceSeconds widens it", async () => {
    const sent = Date.parse(capture.headers["paypal-transmission-time"]!);
    const { verifier } = setup();
    expect((await verifier.verify(at(capture, {}, sent + PAYPAL_TOLERANCE_SECONDS * 1000))).ok).toBe(true);
    expect(await verifier.verify(at(capture, {}, sent + PAYPAL_TOLERANCE_SECONDS * 1000 + 1))).toEqual(failed("stale_timestamp"));
    expect(await verifier.verify(at(capture, {}, sent - PAYPAL_TOLERANCE_SECONDS * 1000 - 1))).toEqual(failed("future_timestamp"));
    expect((await setup({ toleranceSeconds: 3600 }).verifier.verify(at(capture, {}, sent + 3_000_000))).ok).toBe(true);
  });
});

describe("paypal verifier: configuration", () => {
  it.each([
    ["an empty webhook id", { webhookId: "" }],
    ["a webhook id with a dash", { webhookId: "1JE-4291" }],
    ["an overlong webhook id", { webhookId: "A".repeat(51) }],
    ["a tolerance of 0", { toleranceSeconds: 0 }],
    ["a tolerance past the dedup retention", { toleranceSeconds: PAYPAL_MAX_TOLERANCE_SECONDS + 1 }],
    ["a pin off PayPal's hosts", { certificates: { "https://certs.example.com/v1/notifications/certs/CERT-1": CERT.pem } }],
    ["a pin over plain http", { certificates: { [CERT_URL.replace("https:", "http:")]: CERT.pem } }],
    ["a pin that is no certificate", { certificates: { [CERT_URL]: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n" } }],
  ])("refuses %s", (_, o) => {
    expect(() => setup(o)).toThrow(SchemeConfigError);
  });

  it("uses a pinned certificate instead of downloading it, and downloads the others", async () => {
    const { verifier, fetches } = setup({ certificates: { [CERT_URL]: CERT.pem } });
    expect((await verifier.verify(at(capture))).ok).toBe(true);
    expect(fetches).toEqual([]);
    const elsewhere = CERT_URL.replace("hookgate1", "hookgate2");
    expect((await verifier.verify(at(capture, { "paypal-cert-url": elsewhere }))).ok).toBe(true);
    expect(fetches).toEqual([elsewhere]);
  });
});

describe("paypal verifier: the default download (global fetch stubbed)", () => {
  beforeEach(() => resetPaypalCertificateCaches());
  afterEach(() => vi.restoreAllMocks());

  it("GETs the certificate URL without following redirects, with a time limit", async () => {
    const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async () => new Response(CERT.pem));
    expect((await paypalVerifier({ webhookId: WEBHOOK_ID }).verify(at(capture))).ok).toBe(true);
    expect(spy.mock.calls[0]![0]).toBe(CERT_URL);
    expect(spy.mock.calls[0]![1]).toMatchObject({ redirect: "manual" });
    expect(spy.mock.calls[0]![1]!.signal).toBeInstanceOf(AbortSignal);
  });

  it.each([
    ["a redirect", () => new Response(null, { status: 302, headers: { location: "https://evil.example/cert.pem" } })],
    ["a 404", () => new Response("no", { status: 404 })],
    ["a 503", () => new Response("busy", { status: 503 })],
    ["a body over the cap", () => new Response("A".repeat(17 * 1024))],
  ])("fails closed on %s", async (_, response) => {
    vi.spyOn(globalThis, "fetch").mockImplementation(async () => response());
    expect(await paypalVerifier({ webhookId: WEBHOOK_ID }).verify(at(capture))).toEqual(failed("untrusted_certificate"));
  });
});

describe("paypal verifier: arbitrary input never throws and never passes", () => {
  const { verifier } = setup();
  // Header values as HTTP carries them: visible ASCII and spaces (Headers refuses the rest).
  const printable = fc.string({ maxLength: 120 }).filter((s) => [...s].every((c) => c >= " " && c <= "~"));
  const value = fc.oneof(printable, fc.constantFrom(...Object.values(capture.headers)), fc.constant(""));
  it("for any value in any of the five headers, and any body", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          "paypal-transmission-id": value,
          "paypal-transmission-time": value,
          "paypal-transmission-sig": value,
          "paypal-cert-url": fc.oneof(value, fc.constant(CERT_URL)),
          "paypal-auth-algo": fc.oneof(value, fc.constant("SHA256withRSA")),
        }),
        fc.uint8Array({ maxLength: 256 }),
        async (headers, body) => {
          fc.pre(Object.entries(headers).some(([k, v]) => capture.headers[k] !== v));
          const result = await verifier.verify(at({ headers, body: "" }, {}, NOW, body));
          expect(result.ok).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });
});
