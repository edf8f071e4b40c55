/**
 * AWS SNS: messages signed by test/fixtures/sns/make.mjs with a self-signed test key (and
 * checked there with AWS's own `sns-validator`), certificate and SubscribeURL fetches injected.
 */
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SchemeConfigError } from "../../../src/verify/keys";
import {
  CERT_CACHE_ENTRIES,
  CERT_RETRY_AFTER_MS,
  fetchCertificatePem,
  MAX_CERT_BYTES,
  parseSnsMessage,
  resetSnsCertificateCaches,
  snsCertificateUrl,
  snsVerifier,
} from "../../../src/verify/sns";
import { parseCertificate, parsePemCertificate, pemToDer, readTlv } from "../../../src/verify/x509";
import fixtures from "../../fixtures/sns/messages.json";
import { setup } from "../../fixtures/sns/setup";

// Inside every fixture's replay window: 57 min after the earliest Timestamp (15:59:00.751),
// 3 min before the latest (17:00).
const NOW = Date.parse("2026-11-22T16:57:00Z");
const { topicArn: TOPIC, certUrl: CERT_URL, certificate: CERT, messages } = fixtures;
type Message = Record<string, string>;
const notificationV1: Message = messages.notificationV1;
const notificationV2: Message = messages.notificationV2;
const subscription: Message = messages.subscriptionConfirmation;
const unsubscription: Message = messages.unsubscribeConfirmation;
const atNotBefore: Message = messages.notificationAtNotBefore;
const atNotAfter: Message = messages.notificationAtNotAfter;

const body = (m: unknown) => new TextEncoder().encode(typeof m === "string" ? m : JSON.stringify(m));
const at = (m: unknown, now = NOW) => ({
  method: "POST",
  url: new URL("https://hooks.test/sns"),
  headers: new Headers({ "content-type": "text/plain; charset=UTF-8" }),
  body: m instanceof Uint8Array ? m : body(m),
  now,
});


const with_ = (m: Message, changes: Record<string, unknown>) => ({ ...m, ...changes });
const without = (m: Message, key: string) => {
  const copy: Record<string, unknown> = { ...m };
  delete copy[key];
  return copy;
};

describe("sns verifier: genuine messages", () => {
  it.each([
    ["Notification, SignatureVersion 1 (RSA-SHA1), with Subject", notificationV1],
    ["Notification, SignatureVersion 2 (RSA-SHA256), no Subject, non-ASCII Message", notificationV2],
    ["SubscriptionConfirmation, SignatureVersion 2", subscription],
    ["UnsubscribeConfirmation, SignatureVersion 1", unsubscription],
  ])("accepts a %s and hands on MessageId", async (_, message) => {
    const { verifier, certFetches } = setup();
    expect(await verifier.verify(at(message))).toEqual({ ok: true, eventId: message.MessageId });
    expect(certFetches).toEqual([CERT_URL]);
  });

  it("accepts the body as SNS formats it (pretty-printed) and ignores unsigned extra fields", async () => {
    const { verifier } = setup();
    expect((await verifier.verify(at(JSON.stringify(notificationV1, null, 2)))).ok).toBe(true);
    expect((await verifier.verify(at(with_(notificationV1, { MessageAttributes: { a: { Type: "String" } } })))).ok).toBe(true);
  });

  it("names itself and needs the body", () => {
    const { verifier } = setup();
    expect(verifier.scheme).toBe("sns");
    expect(verifier.needsBody).toBe(true);
    expect(verifier.strip).toEqual({ headers: [], query: [] });
  });

  it("downloads a certificate once per URL and caches the key", async () => {
    const { verifier, certFetches } = setup();
    for (const m of [notificationV1, notificationV2, subscription, notificationV1]) {
      expect((await verifier.verify(at(m))).ok).toBe(true);
    }
    expect(certFetches).toEqual([CERT_URL]);
  });

  it("keeps at most CERT_CACHE_ENTRIES certificates, dropping the least recently used", async () => {
    const { verifier, certFetches } = setup();
    // Unsigned messages still fetch their certificate, and cache it, before failing the signature.
    const other = (i: number) => with_(notificationV1, { SigningCertURL: `https://sns.us-east-1.amazonaws.com/cert-${i}.pem` });
    await verifier.verify(at(notificationV1));
    for (let i = 0; i < CERT_CACHE_ENTRIES - 1; i++) await verifier.verify(at(other(i)));
    await verifier.verify(at(notificationV1)); // refreshed: cert-0 is now the oldest
    await verifier.verify(at(other(CERT_CACHE_ENTRIES)));
    certFetches.length = 0;
    await verifier.verify(at(notificationV1));
    await verifier.verify(at(other(0)));
    expect(certFetches).toEqual([other(0).SigningCertURL]);
  });

  it("requires at least one topic ARN when built", () => {
    expect(() => snsVerifier({ topicArns: [], confirmSubscriptions: false })).toThrow(SchemeConfigError);
    expect(() => snsVerifier({ topicArns: [""], confirmSubscriptions: false })).toThrow(SchemeConfigError);
  });
});

describe("sns verifier: every failure", () => {
  it.each([
    ["a tampered Message", with_(notificationV1, { Message: "Hello world?" })],
    ["a removed Subject", without(notificationV1, "Subject")],
    ["an added Subject", with_(notificationV2, { Subject: "hi" })],
    ["a changed MessageId", with_(notificationV2, { MessageId: "other" })],
    ["a changed Timestamp", with_(notificationV2, { Timestamp: "2026-11-22T16:05:00.001Z" })],
    ["a changed SubscribeURL", with_(subscription, { SubscribeURL: "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=x" })],
    ["a changed Token", with_(subscription, { Token: "other" })],
    ["a SubscriptionConfirmation relabelled UnsubscribeConfirmation", with_(subscription, { Type: "UnsubscribeConfirmation" })],
    ["a v1 signature presented as v2", with_(notificationV1, { SignatureVersion: "2" })],
    ["a v2 signature presented as v1", with_(notificationV2, { SignatureVersion: "1" })],
    ["another message's signature", with_(notificationV1, { Signature: notificationV2.Signature })],
    ["a signature of the wrong length", with_(notificationV1, { Signature: btoa("x".repeat(100)) })],
  ])("rejects %s as signature_mismatch", async (_, message) => {
    expect(await setup().verifier.verify(at(message))).toEqual({ ok: false, reason: "signature_mismatch" });
  });

  it("rejects a topic outside the allow-list as credentials_mismatch, before any download", async () => {
    const { verifier, certFetches } = setup({ topicArns: ["arn:aws:sns:us-east-1:123456789012:other"] });
    expect(await verifier.verify(at(notificationV1))).toEqual({ ok: false, reason: "credentials_mismatch" });
    const forged = with_(notificationV1, { TopicArn: "arn:aws:sns:us-east-1:123456789012:other" });
    expect(await setup().verifier.verify(at(forged))).toEqual({ ok: false, reason: "credentials_mismatch" });
    expect(certFetches).toEqual([]);
  });

  it.each([
    "http://sns.us-east-1.amazonaws.com/SimpleNotificationService-x.pem",
    "https://evil.example.com/SimpleNotificationService-x.pem",
    "https://sns.evil.com.attacker.net/SimpleNotificationService-x.pem",
    "https://sns.us-east-1.amazonaws.com.attacker.net/x.pem",
    "https://sns.us-east-1.amazonaws.com.cn.attacker.net/x.pem",
    "https://evilsns.us-east-1.amazonaws.com/x.pem",
    "https://s3.us-east-1.amazonaws.com/x.pem",
    "https://sns.eu.amazonaws.com/x.pem",
    "https://sns.us-east-1.amazonaws.com./x.pem",
    "https://sns.us-east-1.amazonaws.com:8443/SimpleNotificationService-x.pem",
    "https://user:pw@sns.us-east-1.amazonaws.com/SimpleNotificationService-x.pem",
    "https://attacker.net\\@sns.us-east-1.amazonaws.com/x.pem",
    "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-x.crt",
    "https://sns.us-east-1.amazonaws.com/x.pem?redirect=https://attacker.net/x.pem",
    "https://sns.us-east-1.amazonaws.com/",
    "//sns.us-east-1.amazonaws.com/x.pem",
    "file:///etc/x.pem",
    "",
    "not a url",
  ])("rejects the certificate URL %j as untrusted_certificate without downloading it", async (url) => {
    const { verifier, certFetches } = setup();
    expect(await verifier.verify(at(with_(notificationV1, { SigningCertURL: url })))).toEqual({
      ok: false,
      reason: "untrusted_certificate",
    });
    expect(certFetches).toEqual([]);
  });

  it.each([
    "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-x.pem",
    "https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-x.pem",
    "https://SNS.US-GOV-WEST-1.AMAZONAWS.COM/SimpleNotificationService-x.pem",
    "https://sns.us-east-1.amazonaws.com:443/SimpleNotificationService-x.pem",
  ])("trusts the certificate URL %j", (url) => {
    expect(snsCertificateUrl(url)).not.toBeNull();
  });

  const garbagePem = (bytes: number[]) =>
    `-----BEGIN CERTIFICATE-----\n${btoa(String.fromCharCode(...bytes))}\n-----END CERTIFICATE-----\n`;
  it.each([
    ["the download fails", () => Promise.reject(new Error("timeout"))],
    ["the download is not PEM", () => Promise.resolve("<html>Service Unavailable</html>")],
    ["the PEM holds garbage DER", () => Promise.resolve(garbagePem([0x30, 0x82, 0xff, 0xff, 1, 2, 3]))],
    ["the PEM holds a truncated certificate", () => Promise.resolve(garbagePem([...pemToDer(CERT.pem)!.subarray(0, 300)]))],
    ["the PEM is not valid base64", () => Promise.resolve("-----BEGIN CERTIFICATE-----\nMII=A\n-----END CERTIFICATE-----")],
    ["the certificate holds an EC key", () => Promise.resolve(fixtures.ecCertificatePem)],
    ["the download is oversized", () => Promise.resolve(CERT.pem + " ".repeat(20_000))],
  ])("fails closed as untrusted_certificate when %s", async (_, pem) => {
    const { verifier } = setup({ pem });
    expect(await verifier.verify(at(notificationV1))).toEqual({ ok: false, reason: "untrusted_certificate" });
  });

  it("keeps a failed download only briefly: SNS's default retry, 20 s later, downloads again", async () => {
    let attempts = 0;
    const { verifier, certFetches } = setup({
      pem: () => (++attempts === 1 ? Promise.reject(new Error("503")) : Promise.resolve(CERT.pem)),
    });
    expect(await verifier.verify(at(notificationV1))).toEqual({ ok: false, reason: "untrusted_certificate" });
    expect(CERT_RETRY_AFTER_MS).toBeLessThan(20_000);
    expect((await verifier.verify(at(notificationV1, NOW + 20_000))).ok).toBe(true);
    expect(certFetches).toEqual([CERT_URL, CERT_URL]);
  });

  it("rejects a certificate outside its validity period as untrusted_certificate", async () => {
    // Messages published at either end of the period, so that the replay window holds at both.
    const { verifier } = setup();
    const notBefore = Date.parse(CERT.notBefore);
    const notAfter = Date.parse(CERT.notAfter);
    expect(Date.parse(atNotBefore.Timestamp!)).toBe(notBefore);
    expect(Date.parse(atNotAfter.Timestamp!)).toBe(notAfter);
    expect((await verifier.verify(at(atNotBefore, notBefore))).ok).toBe(true);
    expect((await verifier.verify(at(atNotAfter, notAfter))).ok).toBe(true);
    expect(await verifier.verify(at(atNotBefore, notBefore - 1))).toEqual({ ok: false, reason: "untrusted_certificate" });
    expect(await verifier.verify(at(atNotAfter, notAfter + 1))).toEqual({ ok: false, reason: "untrusted_certificate" });
  });

  it.each([
    ["an unknown SignatureVersion", with_(notificationV1, { SignatureVersion: "3" })],
    ["an empty SignatureVersion", with_(notificationV1, { SignatureVersion: "" })],
    ["a padded SignatureVersion", with_(notificationV1, { SignatureVersion: "01" })],
    ["a SignatureVersion named after a prototype key", with_(notificationV1, { SignatureVersion: "toString" })],
    ["a signature that is not base64", with_(notificationV1, { Signature: "not base64!" })],
    ["a signature with a stray character", with_(notificationV1, { Signature: `${notificationV1.Signature}*` })],
    ["an empty signature", with_(notificationV1, { Signature: "" })],
  ])("rejects %s as malformed_signature", async (_, message) => {
    expect(await setup().verifier.verify(at(message))).toEqual({ ok: false, reason: "malformed_signature" });
  });

  const required = ["Type", "Message", "MessageId", "Timestamp", "TopicArn", "SignatureVersion", "Signature", "SigningCertURL"];
  const malformed: [string, unknown][] = [
    ["malformed JSON", "{\"Type\":"],
    ["an empty body", ""],
    ["a JSON array", "[]"],
    ["JSON null", "null"],
    ["a JSON string", "\"Notification\""],
    ["invalid UTF-8", new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])],
    ["an unknown Type", with_(notificationV1, { Type: "Notice" })],
    ...required.map((key): [string, unknown] => [`no ${key}`, without(notificationV1, key)]),
    ...required.map((key): [string, unknown] => [`a non-string ${key}`, with_(notificationV1, { [key]: 1 })]),
    ["a SubscriptionConfirmation without Token", without(subscription, "Token")],
    ["a SubscriptionConfirmation without SubscribeURL", without(subscription, "SubscribeURL")],
    ["a null Subject", with_(notificationV1, { Subject: null })],
    ["an unparseable Timestamp", with_(notificationV1, { Timestamp: "yesterday" })],
    ["a Timestamp without zone", with_(notificationV1, { Timestamp: "2026-11-22T16:00:00.655" })],
    ["an impossible Timestamp", with_(notificationV1, { Timestamp: "2026-13-45T99:00:00Z" })],
    ["fields only on the prototype", `{"__proto__":${JSON.stringify(notificationV1)}}`],
  ];
  it.each(malformed)("rejects %s as malformed_body", async (_, message) => {
    expect(await setup().verifier.verify(at(message))).toEqual({ ok: false, reason: "malformed_body" });
  });

  it("never throws and never verifies arbitrary bodies", async () => {
    const { verifier } = setup();
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.json()), async (text) => {
        const result = await verifier.verify(at(text));
        expect(result.ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it("never verifies SNS-shaped messages with arbitrary fields on a trusted certificate", async () => {
    const { verifier } = setup();
    const field = fc.string({ maxLength: 40 });
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          Type: fc.constantFrom("Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation"),
          Message: field,
          MessageId: field,
          Subject: fc.option(field, { nil: undefined }),
          SubscribeURL: field,
          Token: field,
          Timestamp: fc.date({ noInvalidDate: true, min: new Date("2000-01-01"), max: new Date("2100-01-01") }).map((d) => d.toISOString()),
          TopicArn: fc.constant(TOPIC),
          SignatureVersion: fc.constantFrom("1", "2"),
          Signature: fc.uint8Array({ minLength: 1, maxLength: 300 }).map((b) => btoa(String.fromCharCode(...b))),
          SigningCertURL: fc.constant(CERT_URL),
        }),
        async (message) => {
          expect(await verifier.verify(at(message))).toEqual({ ok: false, reason: "signature_mismatch" });
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe("sns verifier: subscription confirmation", () => {
  it("confirms a SubscriptionConfirmation by GETting its SubscribeURL and answers 200 at the edge", async () => {
    const { verifier, subscribes } = setup();
    expect((await verifier.verify(at(subscription))).ok).toBe(true);
    const response = await verifier.reply!(at(subscription));
    expect(response?.status).toBe(200);
    expect(await response?.json()).toEqual({ confirmed: true });
    expect(subscribes).toEqual([new URL(subscription.SubscribeURL!).href]);
  });

  it("forwards the SubscriptionConfirmation to the origin when confirmSubscriptions is false", async () => {
    const { verifier, subscribes } = setup({ confirmSubscriptions: false });
    expect((await verifier.verify(at(subscription))).ok).toBe(true);
    expect(await verifier.reply!(at(subscription))).toBeNull();
    expect(subscribes).toEqual([]);
  });

  it.each([
    ["a Notification", notificationV1],
    ["an UnsubscribeConfirmation", unsubscription],
  ])("forwards %s", async (_, message) => {
    const { verifier, subscribes } = setup();
    expect(await verifier.reply!(at(message))).toBeNull();
    expect(subscribes).toEqual([]);
  });

  it.each([
    ["SNS answers 403", () => Promise.resolve(new Response("denied", { status: 403 }))],
    ["SNS redirects", () => Promise.resolve(new Response(null, { status: 302, headers: { location: "https://x.test/" } }))],
    ["the request fails", () => Promise.reject(new Error("network"))],
  ])("answers 502 so that SNS retries when %s", async (_, fetchSubscribe) => {
    const { verifier } = setup({ fetchSubscribe });
    const response = await verifier.reply!(at(subscription));
    expect(response?.status).toBe(502);
    expect(await response?.json()).toEqual({ error: "subscription_not_confirmed" });
  });

  it.each([
    "http://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription",
    "https://sns.evil.com.attacker.net/?Action=ConfirmSubscription",
    "https://sns.us-east-1.amazonaws.com:8443/?Action=ConfirmSubscription",
    "https://a:b@sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription",
    "not a url",
  ])("never GETs a SubscribeURL off the SNS hosts (%s): 502", async (url) => {
    const { verifier, subscribes } = setup();
    const response = await verifier.reply!(at(with_(subscription, { SubscribeURL: url })));
    expect(response?.status).toBe(502);
    expect(subscribes).toEqual([]);
  });
});

describe("default downloads (global fetch stubbed)", () => {
  // The default fetcher's cache outlives a test: each case starts with no keys and no failures.
  beforeEach(() => resetSnsCertificateCaches());
  afterEach(() => {
    vi.restoreAllMocks();
  });
  const stubFetch = (response: () => Response) => vi.spyOn(globalThis, "fetch").mockImplementation(async () => response());
  const streamOf = (chunks: number, size: number) =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < chunks; i++) controller.enqueue(new Uint8Array(size).fill(0x41));
        controller.close();
      },
    });

  it("downloads the PEM with a time limit and without following redirects", async () => {
    const spy = stubFetch(() => new Response(CERT.pem));
    expect(await fetchCertificatePem(CERT_URL)).toBe(CERT.pem);
    const init = spy.mock.calls[0]![1]!;
    expect(spy.mock.calls[0]![0]).toBe(CERT_URL);
    expect(init.redirect).toBe("manual");
    expect(init.signal).toBeInstanceOf(AbortSignal);
  });

  it.each([
    ["a redirect", () => new Response(null, { status: 301, headers: { location: "https://attacker.net/x.pem" } })],
    ["a 404", () => new Response("not found", { status: 404 })],
    ["a declared size over the cap", () => new Response(CERT.pem, { headers: { "content-length": String(MAX_CERT_BYTES + 1) } })],
    ["a streamed body over the cap", () => new Response(streamOf(5, 4096))],
  ])("refuses %s, and the verifier fails closed", async (_, response) => {
    stubFetch(response);
    await expect(fetchCertificatePem(CERT_URL)).rejects.toThrow();
    const verifier = snsVerifier({ topicArns: [TOPIC], confirmSubscriptions: false });
    expect(await verifier.verify(at(notificationV1))).toEqual({ ok: false, reason: "untrusted_certificate" });
  });

  it("GETs the SubscribeURL without following redirects", async () => {
    const spy = stubFetch(() => new Response("<ConfirmSubscriptionResponse/>"));
    const verifier = snsVerifier({ topicArns: [TOPIC], confirmSubscriptions: true });
    expect((await verifier.reply!(at(subscription)))?.status).toBe(200);
    expect(spy.mock.calls[0]![0]).toBe(new URL(subscription.SubscribeURL!).href);
    expect(spy.mock.calls[0]![1]).toMatchObject({ method: "GET", redirect: "manual" });
  });
});

describe("parseSnsMessage", () => {
  it("reads only the known fields, as strings", () => {
    const message = parseSnsMessage(body(with_(notificationV1, { Extra: { a: 1 } })));
    expect(message).toMatchObject({ Type: "Notification", Subject: "My First Message", TopicArn: TOPIC });
    expect(message && "Extra" in message).toBe(false);
  });
});

describe("x509 reader", () => {
  const der = pemToDer(CERT.pem)!;

  it("reads the validity period as node:crypto's X509Certificate does", () => {
    const info = parsePemCertificate(CERT.pem);
    expect(info).not.toBeNull();
    expect(new Date(info!.notBefore).toISOString()).toBe(CERT.notBefore);
    expect(new Date(info!.notAfter).toISOString()).toBe(CERT.notAfter);
  });

  it("yields a SubjectPublicKeyInfo that WebCrypto imports", async () => {
    const info = parseCertificate(der)!;
    const key = await crypto.subtle.importKey("spki", info.spki, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, true, ["verify"]);
    expect((key.algorithm as { modulusLength?: number }).modulusLength).toBe(2048);
  });

  it("rejects trailing bytes, indefinite and oversized lengths", () => {
    expect(parseCertificate(new Uint8Array([...der, 0]))).toBeNull();
    expect(readTlv(new Uint8Array([0x30, 0x80, 0, 0]), 0, 4)).toBeNull();
    expect(readTlv(new Uint8Array([0x30, 0x85, 1, 1, 1, 1, 1]), 0, 7)).toBeNull();
    expect(readTlv(new Uint8Array([0x30, 0x03, 1, 1]), 0, 4)).toBeNull();
    expect(readTlv(new Uint8Array([0x30, 0x02, 1, 1]), 0, 4)).toEqual({ tag: 0x30, offset: 0, start: 2, end: 4 });
  });

  it("finds no certificate in text without PEM markers", () => {
    expect(pemToDer("MIIDdTCCAl2gAwIBAgIU")).toBeNull();
    expect(pemToDer("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----")).toBeNull();
  });

  it("never throws on arbitrary bytes, nor on a certificate with bytes changed or cut", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
        parseCertificate(bytes);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(
        fc.nat(der.length - 1),
        fc.integer({ min: 0, max: 255 }),
        fc.nat(der.length),
        (position, value, cut) => {
          const mutated = der.slice(0, Math.max(cut, position + 1));
          mutated[position] = value;
          const info = parseCertificate(mutated);
          if (info) expect(info.spki.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("never throws on arbitrary PEM-ish text", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        parsePemCertificate(`-----BEGIN CERTIFICATE-----\n${text}\n-----END CERTIFICATE-----`);
        parsePemCertificate(text);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("sns verifier: pinned certificates", () => {
  it("uses a certificate given by URL instead of downloading it, and downloads the others", async () => {
    const { verifier, certFetches } = setup({ certificates: { [CERT_URL]: CERT.pem } });
    expect(await verifier.verify(at(notificationV1))).toEqual({ ok: true, eventId: notificationV1.MessageId });
    expect(certFetches).toEqual([]);
    const elsewhere = CERT_URL.replace("sns.us-east-1.", "sns.eu-west-1.");
    // The signature covers the fields, not the certificate URL: the other URL is downloaded (here: the same test certificate).
    expect((await verifier.verify(at(with_(notificationV1, { SigningCertURL: elsewhere })))).ok).toBe(true);
    expect(certFetches).toEqual([elsewhere]);
  });

  it("refuses messages signed by another key even with a pinned certificate", async () => {
    const { verifier } = setup({ certificates: { [CERT_URL]: CERT.pem } });
    const forged = with_(notificationV1, { Message: `${notificationV1.Message}!` });
    expect(await verifier.verify(at(forged))).toEqual({ ok: false, reason: "signature_mismatch" });
  });

  it.each([
    ["a URL off the SNS hosts", { "https://sns.evil.example.com/cert.pem": CERT.pem }],
    ["a plain-http URL", { [CERT_URL.replace("https:", "http:")]: CERT.pem }],
    ["a PEM that is not a certificate", { [CERT_URL]: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n" }],
  ])("fails the config (closed) for %s", (_, certificates) => {
    expect(() => setup({ certificates })).toThrow(SchemeConfigError);
  });
});
