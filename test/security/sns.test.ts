/**
 * Review findings on AWS SNS, each a test that failed before its fix:
 * - no replay window: a captured, genuinely signed message was forwarded again once dedup
 *   had forgotten its MessageId (24 h), and a stale SubscriptionConfirmation was confirmed;
 * - the certificate host rule admitted S3's hosts for a bucket named "sns";
 * - the certificate cache was keyed on the URL as written, so `#a`/`#b` meant two downloads;
 * - failed downloads were not remembered: N forged messages naming one bad URL meant N;
 * - a certificate body that trickled after its headers was not stopped by the time limit.
 * Genuine messages are the fixtures of test/fixtures/sns (signed by make.mjs with the test
 * key and checked there with AWS's sns-validator); the clock is moved, never the messages.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { CompiledRoute } from "../../src/config/compile";
import { DEFAULT_RETENTION_SECONDS, retentionMs } from "../../src/pipeline/dedup";
import { SchemeConfigError } from "../../src/verify/keys";
import {
  CERT_FAILURE_ENTRIES,
  CERT_FAILURE_TTL_MS,
  CERT_FETCH_TIMEOUT_MS,
  CERT_RETRY_AFTER_MS,
  MAX_CERT_BYTES,
  MAX_CERT_URL_CHARS,
  resetSnsCertificateCaches,
  SNS_FUTURE_SECONDS,
  SNS_HOST_RE,
  SNS_MAX_TOLERANCE_SECONDS,
  SNS_TOLERANCE_SECONDS,
  snsCertificateUrl,
  snsUrl,
  snsVerifier,
  SUBSCRIBE_TIMEOUT_MS,
} from "../../src/verify/sns";
import fixtures from "../fixtures/sns/messages.json";
import { setup } from "../fixtures/sns/setup";
import { ADMIN, BASE, call, putRoute, mustPutRoute, useOrigin } from "../unit/helpers";

type Message = Record<string, string>;
const { topicArn: TOPIC, certUrl: CERT_URL, certificate: CERT, messages } = fixtures;
const notification: Message = messages.notificationV1;
const subscription: Message = messages.subscriptionConfirmation;
const atNotAfter: Message = messages.notificationAtNotAfter;
const published = (m: Message) => Date.parse(m.Timestamp!);
const SECOND = 1000;
const HOUR = 3600 * SECOND;
const DAY = 24 * HOUR;
const UNTRUSTED = { ok: false, reason: "untrusted_certificate" };

const with_ = (m: Message, changes: Record<string, string>) => ({ ...m, ...changes });
const at = (m: unknown, now: number) => ({
  method: "POST",
  url: new URL("https://hooks.test/sns"),
  headers: new Headers({ "content-type": "text/plain; charset=UTF-8" }),
  body: new TextEncoder().encode(JSON.stringify(m)),
  now,
});


/** The default downloads, through a counting stand-in for the network. */
function defaultVerifier(respond: (url: string, init: RequestInit) => Response | Promise<Response>) {
  const calls: { url: string; init: RequestInit }[] = [];
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init = {}) => {
    const url = String(input instanceof Request ? input.url : input);
    calls.push({ url, init });
    return respond(url, init);
  });
  return { verifier: snsVerifier({ topicArns: [TOPIC], confirmSubscriptions: true }), calls };
}

/** Like fetch, a request that ends only when its signal aborts. */
const hangUntilAborted = (_url: string, init: RequestInit) =>
  new Promise<Response>((_, reject) => {
    const signal = init.signal!;
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason));
  });

/** AbortSignal.timeout, replaced by a signal the test fires; returns it and the spy. */
function controlledTimeout() {
  const controller = new AbortController();
  const spy = vi.spyOn(AbortSignal, "timeout").mockReturnValue(controller.signal);
  return { spy, fire: () => controller.abort(new DOMException("The operation was aborted due to timeout", "TimeoutError")) };
}

// Each test its own route: dedup's Durable Object storage outlives a test, and the fixtures' MessageIds repeat.
let routeId = "";
const snsRoute = (method: Record<string, unknown> = {}) => ({
  id: routeId,
  host: "*",
  path: `/${routeId}`,
  origin: "http://origin.test",
  dedup: {},
  auth: { methods: [{ type: "provider", provider: "sns", topicArns: [TOPIC], certificates: { [CERT_URL]: CERT.pem }, ...method }] },
});
const deliver = (m: unknown) =>
  call(`${BASE}/${routeId}`, { method: "POST", headers: { "content-type": "text/plain; charset=UTF-8" }, body: JSON.stringify(m) });
const logOf = async () =>
  ((await (await call(`${BASE}/__gateway/routes/${routeId}/log`, { headers: ADMIN })).json()) as { entries: { reason?: string }[] }).entries;
beforeEach(() => {
  routeId = `sns-${crypto.randomUUID().slice(0, 8)}`;
});

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  resetSnsCertificateCaches();
});

describe("sns replay window, through the gateway", () => {
  const origin = useOrigin();
  const clock = (ms: number) => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(ms);
  };

  it("forwards a genuinely signed notification published a minute ago", async () => {
    await mustPutRoute(snsRoute());
    clock(published(notification) + 60 * SECOND);
    expect((await deliver(notification)).status).toBe(200);
    expect(origin.received).toHaveLength(1);
  });

  it("refuses (401) a genuinely signed notification 7 days old, as stale_timestamp", async () => {
    await mustPutRoute(snsRoute());
    clock(published(notification) + 7 * DAY);
    const res = await deliver(notification);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: string }).error).toBe("unauthenticated");
    expect(origin.received).toEqual([]);
    expect((await logOf())[0]?.reason).toContain("stale_timestamp");
  });

  it("refuses (401) a genuinely signed notification dated 1 h ahead of the clock, as future_timestamp", async () => {
    await mustPutRoute(snsRoute());
    clock(published(atNotAfter) - HOUR); // the certificate is still valid then
    const res = await deliver(atNotAfter);
    expect(res.status).toBe(401);
    expect(origin.received).toEqual([]);
    expect((await logOf())[0]?.reason).toContain("future_timestamp");
  });

  it("a captured message replayed after dedup's SNS retention is refused by the window, not forwarded again", async () => {
    await mustPutRoute(snsRoute());
    const first = published(notification) + 60 * SECOND;
    clock(first);
    expect((await deliver(notification)).status).toBe(200);
    vi.setSystemTime(first + 60 * SECOND);
    expect((await deliver(notification)).headers.get("x-hookgate-duplicate")).toBe("true"); // dedup holds it meanwhile
    vi.setSystemTime(first + DEFAULT_RETENTION_SECONDS * SECOND + SECOND); // dedup has forgotten it
    const res = await deliver(notification);
    expect(res.status).toBe(401);
    expect(res.headers.get("x-hookgate-duplicate")).toBeNull();
    expect(origin.received).toHaveLength(1);
    expect((await logOf())[0]?.reason).toContain("stale_timestamp");
  });

  it("a stale SubscriptionConfirmation is refused before its SubscribeURL is called", async () => {
    await mustPutRoute(snsRoute({ confirmSubscriptions: true }));
    clock(published(subscription) + 7 * DAY);
    expect((await deliver(subscription)).status).toBe(401);
    expect(origin.received).toEqual([]); // no GET to sns.us-east-1.amazonaws.com either: every fetch lands here
  });

  it("takes the route's toleranceSeconds: 2 h admits a 90-minute-old message that the default refuses", async () => {
    clock(published(notification) + 90 * 60 * SECOND);
    await mustPutRoute(snsRoute());
    expect((await deliver(notification)).status).toBe(401);
    await mustPutRoute(snsRoute({ toleranceSeconds: 7200 }));
    expect((await deliver(notification)).status).toBe(200);
    expect(origin.received).toHaveLength(1);
  });

  it("refuses at PUT a toleranceSeconds longer than dedup remembers SNS message ids (400 invalid_config)", async () => {
    const res = await putRoute(snsRoute({ toleranceSeconds: SNS_MAX_TOLERANCE_SECONDS + 1 }));
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain("toleranceSeconds");
    expect((await putRoute(snsRoute({ toleranceSeconds: SNS_MAX_TOLERANCE_SECONDS }))).status).toBe(200);
  });
});

describe("sns replay window, at its edges", () => {
  const T = published(notification);

  it("defaults to 3600 s old and 300 s ahead, checked after the signature", async () => {
    expect([SNS_TOLERANCE_SECONDS, SNS_FUTURE_SECONDS]).toEqual([3600, 300]);
    const { verifier } = setup();
    expect((await verifier.verify(at(notification, T + 3600 * SECOND))).ok).toBe(true);
    expect(await verifier.verify(at(notification, T + 3600 * SECOND + 1))).toEqual({ ok: false, reason: "stale_timestamp" });
    expect((await verifier.verify(at(atNotAfter, published(atNotAfter) - 300 * SECOND))).ok).toBe(true);
    expect(await verifier.verify(at(atNotAfter, published(atNotAfter) - 300 * SECOND - 1))).toEqual({ ok: false, reason: "future_timestamp" });
    // A forgery with a stale Timestamp is a forgery first: the reason in the log says so.
    expect(await verifier.verify(at(with_(notification, { Message: "x" }), T + 7 * DAY))).toEqual({ ok: false, reason: "signature_mismatch" });
  });

  it("a tolerance under 300 s also bounds how far ahead a message may be", async () => {
    const { verifier } = setup({ toleranceSeconds: 60 });
    expect(await verifier.verify(at(notification, T + 61 * SECOND))).toEqual({ ok: false, reason: "stale_timestamp" });
    expect((await verifier.verify(at(atNotAfter, published(atNotAfter) - 60 * SECOND))).ok).toBe(true);
    expect(await verifier.verify(at(atNotAfter, published(atNotAfter) - 61 * SECOND))).toEqual({ ok: false, reason: "future_timestamp" });
  });

  it.each([0, -1, 1.5, Number.NaN, SNS_MAX_TOLERANCE_SECONDS + 1])("refuses toleranceSeconds %s when built", (toleranceSeconds) => {
    expect(() => setup({ toleranceSeconds })).toThrow(SchemeConfigError);
  });

  it("leaves no gap: dedup remembers an SNS MessageId longer than the longest window, future margin included", () => {
    const route = { verifiers: [{ scheme: "sns" }] } as unknown as CompiledRoute;
    expect(retentionMs(route, { shards: 1 })).toBeGreaterThanOrEqual((SNS_MAX_TOLERANCE_SECONDS + SNS_FUTURE_SECONDS) * SECOND);
  });
});

describe("sns certificate host rule", () => {
  const T = published(notification) + SECOND;
  const pem = (host: string) => `https://${host}/SimpleNotificationService-x.pem`;

  it.each([
    "sns.s3-us-west-2.amazonaws.com",
    "sns.s3-accelerate.amazonaws.com",
    "sns.s3-external-1.amazonaws.com",
    "sns.s3-website-us-east-1.amazonaws.com",
    "sns.s3-fips.amazonaws.com",
    "sns.s3.amazonaws.com",
    "sns.s3.us-east-1.amazonaws.com",
    "sns.s3-accesspoint.us-east-1.amazonaws.com",
    "sns.execute-api.us-east-1.amazonaws.com",
    "sns.elb.amazonaws.com",
    "sns.useast1.amazonaws.com",
    "sns.us-east.amazonaws.com",
    "sns.us-east-1a.amazonaws.com",
    "sns.us-east-123.amazonaws.com",
    "sns.useast-1.amazonaws.com",
    "sns.u-east-1.amazonaws.com",
    "sns.us-east-1.amazonaws.com.cn.attacker.net",
  ])("refuses %s: no certificate download, no subscription GET", async (host) => {
    expect(SNS_HOST_RE.test(host)).toBe(false);
    const { verifier, certFetches, subscribes } = setup();
    expect(await verifier.verify(at(with_(notification, { SigningCertURL: pem(host) }), T))).toEqual(UNTRUSTED);
    const reply = await verifier.reply!(at(with_(subscription, { SubscribeURL: `https://${host}/?Action=ConfirmSubscription` }), T));
    expect(reply?.status).toBe(502);
    expect([certFetches, subscribes]).toEqual([[], []]);
  });

  it.each([
    "sns.us-east-1.amazonaws.com",
    "sns.eu-west-2.amazonaws.com",
    "sns.ap-southeast-1.amazonaws.com",
    "sns.ap-southeast-7.amazonaws.com",
    "sns.us-gov-west-1.amazonaws.com",
    "sns.us-gov-east-1.amazonaws.com",
    "sns.cn-north-1.amazonaws.com.cn",
    "sns.cn-northwest-1.amazonaws.com.cn",
    "sns.ca-central-1.amazonaws.com",
    "sns.ca-west-1.amazonaws.com",
    "sns.me-south-1.amazonaws.com",
    "sns.il-central-1.amazonaws.com",
    "sns.mx-central-1.amazonaws.com",
    "sns.af-south-1.amazonaws.com",
    "sns.eu-central-2.amazonaws.com",
    "sns.sa-east-1.amazonaws.com",
    "sns.us-isob-east-1.amazonaws.com",
  ])("accepts the regional host %s and downloads from it", async (host) => {
    expect(SNS_HOST_RE.test(host)).toBe(true);
    const { verifier, certFetches } = setup();
    // The same test certificate answers every URL: the signature covers the fields, not the URL.
    expect((await verifier.verify(at(with_(notification, { SigningCertURL: pem(host) }), T))).ok).toBe(true);
    expect(certFetches).toEqual([pem(host)]);
  });

  const MIB = 1 << 20;
  it.each([
    ["a 1 MiB label", `sns.${"a".repeat(MIB)}`],
    ["a 1 MiB region word", `sns.us-${"a".repeat(MIB)}-1.amazonaws.co`],
    ["1 MiB of partition infixes", `sns.us${"-gov".repeat(MIB / 4)}-1.amazonaws.com`],
    ["1 MiB of regions", `sns.${"us-east-1.".repeat(MIB / 10)}amazonaws.com`],
    ["1 MiB of dashes and digits", `sns.us-${"a-1".repeat(MIB / 3)}.amazonaws.com`],
  ])("the host rule stays linear on %s (returns false)", (_, host) => {
    expect(SNS_HOST_RE.test(host)).toBe(false);
    expect(snsUrl(`https://${host}/x.pem`)).toBeNull();
  });

  it("a 1 MiB certificate path is refused by length before any pattern runs", () => {
    expect(snsCertificateUrl(`https://sns.us-east-1.amazonaws.com/${"a/".repeat(MIB / 2)}x.pem`)).toBeNull();
    expect(snsCertificateUrl(`https://sns.us-east-1.amazonaws.com/${"a".repeat(MAX_CERT_URL_CHARS)}.pem`)).toBeNull();
  });
});

describe("sns certificate cache key", () => {
  const T = published(notification) + SECOND;

  it("…pem#a and …pem#b cost one download, of the URL without its fragment", async () => {
    const { verifier, certFetches } = setup();
    expect((await verifier.verify(at(with_(notification, { SigningCertURL: `${CERT_URL}#a` }), T))).ok).toBe(true);
    expect((await verifier.verify(at(with_(notification, { SigningCertURL: `${CERT_URL}#b` }), T))).ok).toBe(true);
    expect(certFetches).toEqual([CERT_URL]);
  });

  it("every spelling of the same URL shares one entry", async () => {
    const { verifier, certFetches } = setup();
    const path = new URL(CERT_URL).pathname;
    for (const spelling of [
      CERT_URL,
      `${CERT_URL}#`,
      `${CERT_URL}?`,
      `${CERT_URL}?#x`,
      `https://SNS.US-EAST-1.AMAZONAWS.COM${path}`,
      `https://sns.us-east-1.amazonaws.com:443${path}`,
      `https://sns.us-east-1.amazonaws.%63om${path}`,
      `https://sns.us-east-1.amazonaws.com/.${path}`,
      `https://sns.us-east-1.amazonaws.com/x/..${path}`,
      `https://sns.us-east-1.amazonaws.com/x/%2e%2e${path}`,
      `https:\\\\sns.us-east-1.amazonaws.com${path.replace("/", "\\")}`,
      `https://sns.us-east-1.amazon\taws.com${path}`,
    ]) {
      expect((await verifier.verify(at(with_(notification, { SigningCertURL: spelling }), T))).ok, spelling).toBe(true);
    }
    expect(certFetches).toEqual([CERT_URL]);
  });

  it.each([
    ["a percent-escaped letter", CERT_URL.replace("/Simple", "/%53imple")],
    ["an escaped slash", CERT_URL.replace("/Simple", "/x%2F..%2FSimple")],
    ["an empty path segment", CERT_URL.replace("/Simple", "//Simple")],
    ["a path parameter", CERT_URL.replace("/Simple", "/;x/Simple")],
    [`a URL over ${MAX_CERT_URL_CHARS} characters`, CERT_URL.replace("/Simple", `/${"a".repeat(MAX_CERT_URL_CHARS)}/Simple`)],
  ])("refuses, without downloading, a spelling the server may read as the same file: %s", async (_, url) => {
    const { verifier, certFetches } = setup();
    expect(await verifier.verify(at(with_(notification, { SigningCertURL: url }), T))).toEqual(UNTRUSTED);
    expect(certFetches).toEqual([]);
  });

  it("a pinned certificate answers its URL however the message spells it", async () => {
    const { verifier, certFetches } = setup({ certificates: { [`${CERT_URL}#pin`]: CERT.pem } });
    for (const spelling of [CERT_URL, `${CERT_URL}#other`, CERT_URL.replace("sns.", "SNS.")]) {
      expect((await verifier.verify(at(with_(notification, { SigningCertURL: spelling }), T))).ok, spelling).toBe(true);
    }
    expect(certFetches).toEqual([]);
  });
});

describe("sns failed downloads, remembered briefly", () => {
  const T = published(notification) + SECOND;
  const BAD_URL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-nonexistent.pem";
  const forged = (i: number) => with_(notification, { Message: `forged ${i}`, SigningCertURL: BAD_URL });
  const flood = async (verifier: { verify: (i: ReturnType<typeof at>) => Promise<unknown> }, now: number, n = 20) => {
    for (let i = 0; i < n; i++) expect(await verifier.verify(at(forged(i), now))).toEqual(UNTRUSTED);
  };
  const stream = (chunks: number) =>
    new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < chunks; i++) c.enqueue(new Uint8Array(4096).fill(0x41));
        c.close();
      },
    });

  it.each<[string, () => Response]>([
    ["a 404", () => new Response("<Error><Code>NoSuchKey</Code></Error>", { status: 404 })],
    ["a 403", () => new Response("AccessDenied", { status: 403 })],
    ["a redirect", () => new Response(null, { status: 302, headers: { location: "https://attacker.example/x.pem" } })],
    ["a declared size over the cap", () => new Response(CERT.pem, { headers: { "content-length": String(MAX_CERT_BYTES + 1) } })],
    ["a streamed body over the cap", () => new Response(stream(5))],
    ["a body that is not PEM", () => new Response("<html>hello</html>")],
    ["a certificate with an EC key", () => new Response(fixtures.ecCertificatePem)],
  ])("%s: N forged messages naming the URL cost one download for CERT_FAILURE_TTL_MS, then one more", async (_, respond) => {
    const { verifier, calls } = defaultVerifier(() => respond());
    await flood(verifier, T);
    expect(calls).toHaveLength(1);
    await flood(verifier, T + CERT_FAILURE_TTL_MS - 1);
    expect(calls).toHaveLength(1);
    await flood(verifier, T + CERT_FAILURE_TTL_MS);
    expect(calls).toHaveLength(2);
    expect(calls.map((c) => c.url)).toEqual([BAD_URL, BAD_URL]);
  });

  it.each<[string, (url: string, init: RequestInit) => Response | Promise<Response>]>([
    ["a 503", () => new Response("Service Unavailable", { status: 503 })],
    ["a 429", () => new Response("Slow Down", { status: 429 })],
    ["a network error", () => Promise.reject(new TypeError("Network connection lost."))],
  ])("%s (AWS's passing trouble): one download per CERT_RETRY_AFTER_MS, under SNS's 20 s between retries", async (_, respond) => {
    expect(CERT_RETRY_AFTER_MS).toBeLessThan(20_000);
    const { verifier, calls } = defaultVerifier(respond);
    await flood(verifier, T);
    await flood(verifier, T + CERT_RETRY_AFTER_MS - 1);
    expect(calls).toHaveLength(1);
    await flood(verifier, T + CERT_RETRY_AFTER_MS);
    expect(calls).toHaveLength(2);
  });

  it("a timeout: one download per CERT_RETRY_AFTER_MS", async () => {
    const timeout = controlledTimeout();
    timeout.fire();
    const { verifier, calls } = defaultVerifier(hangUntilAborted);
    await flood(verifier, T);
    expect(calls).toHaveLength(1);
    await flood(verifier, T + CERT_RETRY_AFTER_MS);
    expect(calls).toHaveLength(2);
  });

  it("injected downloads are remembered the same way (a thrown error briefly, a bad PEM a minute)", async () => {
    const thrown = setup({ pem: () => Promise.reject(new Error("timeout")) });
    await flood(thrown.verifier, T);
    await flood(thrown.verifier, T + CERT_RETRY_AFTER_MS);
    expect(thrown.certFetches).toEqual([BAD_URL, BAD_URL]);
    const garbage = setup({ pem: () => Promise.resolve("not a certificate") });
    await flood(garbage.verifier, T);
    await flood(garbage.verifier, T + CERT_FAILURE_TTL_MS - 1);
    await flood(garbage.verifier, T + CERT_FAILURE_TTL_MS);
    expect(garbage.certFetches).toEqual([BAD_URL, BAD_URL]);
  });

  it("the failure memory is bounded, and a flood of failing URLs never pushes out a good key", async () => {
    const failing = (i: number) => `https://sns.us-east-1.amazonaws.com/SimpleNotificationService-missing-${i}.pem`;
    const fetched: string[] = [];
    const { verifier } = setup({
      fetchCertificate: async (url) => {
        fetched.push(url);
        if (url === CERT_URL) return CERT.pem;
        throw new Error("404");
      },
    });
    expect((await verifier.verify(at(notification, T))).ok).toBe(true);
    for (let i = 0; i <= CERT_FAILURE_ENTRIES; i++) await verifier.verify(at(with_(notification, { SigningCertURL: failing(i) }), T));
    expect(fetched).toHaveLength(CERT_FAILURE_ENTRIES + 2);
    await verifier.verify(at(with_(notification, { SigningCertURL: failing(CERT_FAILURE_ENTRIES) }), T));
    expect(fetched).toHaveLength(CERT_FAILURE_ENTRIES + 2); // the newest failure is still remembered
    await verifier.verify(at(with_(notification, { SigningCertURL: failing(0) }), T));
    expect(fetched).toHaveLength(CERT_FAILURE_ENTRIES + 3); // the oldest was let go
    expect((await verifier.verify(at(notification, T))).ok).toBe(true);
    expect(fetched.filter((u) => u === CERT_URL)).toHaveLength(1); // the good key outlived the flood
  });
});

describe("sns outbound fetches: certificate downloads", () => {
  const T = published(notification) + SECOND;
  const path = new URL(CERT_URL).pathname;

  it.each([
    ["plain http", `http://sns.us-east-1.amazonaws.com${path}`],
    ["userinfo", `https://user:pw@sns.us-east-1.amazonaws.com${path}`],
    ["a user name only", `https://sns.us-east-1.amazonaws.com@sns.us-east-1.amazonaws.com${path}`],
    ["userinfo before an IP", `https://sns.us-east-1.amazonaws.com@127.0.0.1${path}`],
    ["an IPv4 literal", `https://54.239.28.85${path}`],
    ["an IPv4 literal in decimal", `https://921640021${path}`],
    ["an IPv4 literal in hex", `https://0x36.0xef.0x1c.0x55${path}`],
    ["an IPv6 literal", `https://[2600:1f18:4b4:5c00::1]${path}`],
    ["an IPv4-mapped IPv6 literal", `https://[::ffff:127.0.0.1]${path}`],
    ["port 8443", `https://sns.us-east-1.amazonaws.com:8443${path}`],
    ["port 80", `https://sns.us-east-1.amazonaws.com:80${path}`],
    ["port 0", `https://sns.us-east-1.amazonaws.com:0${path}`],
    ["another host", `https://attacker.example${path}`],
    ["a query", `${CERT_URL}?x=1`],
  ])("refuses %s with no outbound request at all", async (_, url) => {
    const { verifier, calls } = defaultVerifier(() => new Response(CERT.pem));
    expect(await verifier.verify(at(with_(notification, { SigningCertURL: url }), T))).toEqual(UNTRUSTED);
    expect(calls).toEqual([]);
  });

  it("downloads the canonical URL once, over HTTPS on 443, without following redirects and under a time limit", async () => {
    const timeout = controlledTimeout();
    const { verifier, calls } = defaultVerifier(() => new Response(CERT.pem));
    expect((await verifier.verify(at(with_(notification, { SigningCertURL: `https://sns.us-east-1.amazonaws.com:443${path}#x` }), T))).ok).toBe(true);
    expect(calls.map((c) => c.url)).toEqual([CERT_URL]);
    expect(calls[0]!.init.redirect).toBe("manual");
    expect(timeout.spy).toHaveBeenCalledWith(CERT_FETCH_TIMEOUT_MS);
    expect(calls[0]!.init.signal).toBeInstanceOf(AbortSignal);
  });

  it("does not follow a redirect: one request, and the message is refused", async () => {
    const { verifier, calls } = defaultVerifier(() => new Response(null, { status: 301, headers: { location: "https://attacker.example/x.pem" } }));
    expect(await verifier.verify(at(notification, T))).toEqual(UNTRUSTED);
    expect(calls).toHaveLength(1);
  });

  it("stops reading an endless body at MAX_CERT_BYTES", async () => {
    let pulled = 0;
    let cancelled = false;
    const endless = new ReadableStream<Uint8Array>({
      pull(c) {
        pulled += 4096;
        c.enqueue(new Uint8Array(4096).fill(0x41));
      },
      cancel() {
        cancelled = true;
      },
    });
    const { verifier } = defaultVerifier(() => new Response(endless));
    expect(await verifier.verify(at(notification, T))).toEqual(UNTRUSTED);
    expect(cancelled).toBe(true);
    expect(pulled).toBeLessThanOrEqual(MAX_CERT_BYTES + 2 * 4096);
  });

  it("gives up when the answer never comes", async () => {
    const timeout = controlledTimeout();
    const { verifier, calls } = defaultVerifier(hangUntilAborted);
    const pending = verifier.verify(at(notification, T));
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    timeout.fire();
    expect(await pending).toEqual(UNTRUSTED);
  });

  it("gives up when the body trickles after the headers (the time limit covers the whole download)", async () => {
    const timeout = controlledTimeout();
    let cancelled = false;
    const trickle = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode(CERT.pem.slice(0, 100))); // then nothing, ever
      },
      cancel() {
        cancelled = true;
      },
    });
    const { verifier, calls } = defaultVerifier(() => new Response(trickle));
    const pending = verifier.verify(at(notification, T));
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    await new Promise((r) => setTimeout(r, 10)); // the first chunk is read; the next read waits
    timeout.fire();
    expect(await pending).toEqual(UNTRUSTED);
    expect(cancelled).toBe(true);
  });
});

describe("sns outbound fetches: SubscribeURL", () => {
  const T = published(subscription) + SECOND;
  const query = new URL(subscription.SubscribeURL!).search;
  const confirm = (verifier: ReturnType<typeof snsVerifier>, url = subscription.SubscribeURL!) =>
    verifier.reply!(at(with_(subscription, { SubscribeURL: url }), T));

  it.each([
    ["plain http", `http://sns.us-east-1.amazonaws.com/${query}`],
    ["userinfo", `https://a:b@sns.us-east-1.amazonaws.com/${query}`],
    ["userinfo before an IP", `https://sns.us-east-1.amazonaws.com@127.0.0.1/${query}`],
    ["an IPv4 literal", `https://54.239.28.85/${query}`],
    ["an IPv4 literal in decimal", `https://921640021/${query}`],
    ["an IPv6 literal", `https://[::1]/${query}`],
    ["port 8443", `https://sns.us-east-1.amazonaws.com:8443/${query}`],
    ["port 80", `https://sns.us-east-1.amazonaws.com:80/${query}`],
    ["an S3 host", `https://sns.s3-us-west-2.amazonaws.com/${query}`],
    ["another host", `https://attacker.example/${query}`],
  ])("refuses %s with no outbound request at all (502, so that SNS retries)", async (_, url) => {
    const { verifier, calls } = defaultVerifier(() => new Response("<ConfirmSubscriptionResponse/>"));
    expect((await confirm(verifier, url))?.status).toBe(502);
    expect(calls).toEqual([]);
  });

  it("GETs it over HTTPS, without following redirects and under a time limit", async () => {
    const timeout = controlledTimeout();
    const { verifier, calls } = defaultVerifier(() => new Response("<ConfirmSubscriptionResponse/>"));
    expect((await confirm(verifier))?.status).toBe(200);
    expect(calls.map((c) => c.url)).toEqual([new URL(subscription.SubscribeURL!).href]);
    expect(calls[0]!.init).toMatchObject({ method: "GET", redirect: "manual" });
    expect(timeout.spy).toHaveBeenCalledWith(SUBSCRIBE_TIMEOUT_MS);
  });

  it("does not follow a redirect: one request, 502", async () => {
    const { verifier, calls } = defaultVerifier(() => new Response(null, { status: 307, headers: { location: "http://169.254.169.254/latest/meta-data/" } }));
    expect((await confirm(verifier))?.status).toBe(502);
    expect(calls).toHaveLength(1);
  });

  it("never reads the answer's body: an endless one is cancelled", async () => {
    let pulled = 0;
    let cancelled = false;
    const endless = new ReadableStream<Uint8Array>({
      pull(c) {
        pulled += 1;
        c.enqueue(new Uint8Array(4096));
      },
      cancel() {
        cancelled = true;
      },
    });
    const { verifier } = defaultVerifier(() => new Response(endless));
    expect((await confirm(verifier))?.status).toBe(200);
    expect(cancelled).toBe(true);
    expect(pulled).toBeLessThanOrEqual(2);
  });

  it("gives up when the answer never comes: 502", async () => {
    const timeout = controlledTimeout();
    const { verifier, calls } = defaultVerifier(hangUntilAborted);
    const pending = confirm(verifier);
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    timeout.fire();
    expect((await pending)?.status).toBe(502);
  });
});

describe("sns outbound fetches, through the gateway", () => {
  const origin = useOrigin(); // records every fetch the worker makes, certificate downloads included
  beforeEach(() => resetSnsCertificateCaches());

  it.each([
    ["an S3 host", "https://sns.s3-us-west-2.amazonaws.com/SimpleNotificationService-x.pem"],
    ["an IP literal", "https://54.239.28.85/SimpleNotificationService-x.pem"],
    ["userinfo", `https://u:p@sns.us-east-1.amazonaws.com/SimpleNotificationService-x.pem`],
  ])("a message naming a certificate on %s is a 401 and the worker fetches nothing", async (_, url) => {
    await mustPutRoute(snsRoute({ certificates: undefined }));
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(published(notification) + SECOND);
    expect((await deliver(with_(notification, { SigningCertURL: url }))).status).toBe(401);
    expect(origin.received).toEqual([]);
  });
});
