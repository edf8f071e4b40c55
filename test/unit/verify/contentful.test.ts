/**
 * Contentful (src/verify/presets/contentful.ts): the signed-headers list and the path are read
 * from untrusted input, so their parsers never throw and only ever hand on a list the signature
 * can cover; each way of breaking a request the toolkit signed (test/vectors/providers.json,
 * checked there by @contentful/node-apps-toolkit's verifyRequest) is refused with its reason.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import vectors from "../../vectors/providers.json";
import { utf8 } from "../../../src/lib/encoding";
import { SchemeConfigError } from "../../../src/verify/keys";
import { presets } from "../../../src/verify/presets";
import {
  CONTENTFUL_TOLERANCE_SECONDS,
  contentfulPath,
  MAX_SIGNED_HEADERS,
  parseSignedHeaders,
  SIGNATURE_HEADER,
  SIGNED_HEADERS_HEADER,
  TIMESTAMP_HEADER,
} from "../../../src/verify/presets/contentful";
import type { SecretValue } from "../../../src/verify/secrets";
import type { UrlPolicy } from "../../../src/verify/signed-url";
import type { VerifyInput } from "../../../src/verify/types";

interface Vector {
  name: string;
  method: { secrets: string[]; publicUrl?: string };
  request: { method: string; url: string; headers: Record<string, string>; body: string };
  now: number;
  eventId?: string;
}
const all = (vectors as unknown as (Vector & { provider: string })[]).filter((v) => v.provider === "contentful");
const publish = all.find((v) => v.name === "contentful: ContentManagement.Entry.publish")!;
const withQuery = all.find((v) => v.name.startsWith("contentful: PUT via publicUrl"))!;
const SECRET = publish.method.secrets[0]!;
const OWN = [SIGNED_HEADERS_HEADER, TIMESTAMP_HEADER];

const build = (v: Vector = publish, { secrets = v.method.secrets.map((value): SecretValue => ({ value })), options = {}, url = {} as UrlPolicy } = {}) =>
  presets.contentful!.build({ secrets, options, url: { ...(v.method.publicUrl && { publicUrl: v.method.publicUrl }), ...url } });

function input(v: Vector, change: { headers?: Record<string, string | null>; url?: string; now?: number; body?: Uint8Array } = {}): VerifyInput {
  const headers = new Headers(v.request.headers);
  for (const [name, value] of Object.entries(change.headers ?? {})) {
    if (value === null) headers.delete(name);
    else headers.set(name, value);
  }
  return { method: v.request.method, url: new URL(change.url ?? v.request.url), headers, body: change.body ?? utf8(v.request.body), now: change.now ?? v.now };
}
const refused = (reason: string) => ({ ok: false, reason });

describe("x-contentful-signed-headers", () => {
  it("is the listed names with Contentful's own two, sorted, each once", () => {
    expect(parseSignedHeaders("x-contentful-topic,content-type")).toEqual(["content-type", ...OWN, "x-contentful-topic"]);
    expect(parseSignedHeaders(`content-type,${OWN.join(",")},x-b,x-a,x-b`)).toEqual(["content-type", "x-a", "x-b", ...OWN]);
    expect(parseSignedHeaders(TIMESTAMP_HEADER)).toEqual(OWN);
    const most = Array.from({ length: MAX_SIGNED_HEADERS }, (_, i) => `x-h${i}`);
    expect(parseSignedHeaders(most.join(","))).toHaveLength(MAX_SIGNED_HEADERS + 2);
  });

  it("refuses what Contentful never sends: empty entries, spaces, capitals, non-tokens, the signature itself, too many names", () => {
    for (const value of ["", ",", "content-type,", ",content-type", "content-type, x-contentful-topic", " content-type", "Content-Type", "content type", "a;b", "a:b", "é", SIGNATURE_HEADER, `content-type,${SIGNATURE_HEADER}`, "a".repeat(129)]) {
      expect(parseSignedHeaders(value), value).toBeNull();
    }
    expect(parseSignedHeaders(Array.from({ length: MAX_SIGNED_HEADERS + 1 }, (_, i) => `x-h${i}`).join(","))).toBeNull();
    expect(parseSignedHeaders("a,".repeat(100_000) + "a")).toBeNull();
  });

  it("never throws, and only ever returns a sorted list of distinct lower-case tokens holding Contentful's two and not the signature", () => {
    const entry = fc.oneof(fc.constantFrom("content-type", "x-contentful-topic", SIGNATURE_HEADER, ...OWN, "", " ", "X-A"), fc.stringMatching(/^[a-z0-9!#$%&'*+.^_`|~-]{1,12}$/), fc.string({ maxLength: 12 }));
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.array(entry, { maxLength: MAX_SIGNED_HEADERS + 4 }).map((e) => e.join(","))), (value) => {
        const names = parseSignedHeaders(value);
        if (names === null) return;
        expect([...names].sort()).toEqual(names);
        expect(new Set(names).size).toBe(names.length);
        expect(names).toEqual(expect.arrayContaining(OWN));
        expect(names).not.toContain(SIGNATURE_HEADER);
        expect(names.length).toBeLessThanOrEqual(MAX_SIGNED_HEADERS + 2);
        for (const n of names) expect(n).toMatch(/^[a-z0-9!#$%&'*+.^_`|~-]{1,128}$/);
      }),
      { numRuns: 3000 },
    );
  });
});

describe("the signed path", () => {
  it("is the path, and the query through querystring.escape, then all through encodeURI, as the toolkit signs it", () => {
    expect(contentfulPath("/contentful", "")).toBe("/contentful");
    expect(contentfulPath("/contentful", "?")).toBe("/contentful");
    expect(contentfulPath("/a%20b/c", "?auth=tk&x=1")).toBe("/a%2520b/c?auth%253Dtk%2526x%253D1");
    expect(contentfulPath("/p", "?q=%3F&r=a,b*(~)'!")).toBe("/p?q%253D%25253F%2526r%253Da%252Cb*(~)'!");
  });

  it("is refused when the query holds a `?`: the toolkit signs only what comes before it", () => {
    expect(contentfulPath("/p", "?a=1?b=2")).toBeNull();
    expect(contentfulPath("/p", "??b=2")).toBeNull();
  });

  it("never throws on any URL the edge can see", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), fc.string({ maxLength: 120 }), (path, query) => {
        let url: URL;
        try {
          url = new URL(`https://h.example/${path}?${query}`);
        } catch {
          return;
        }
        const signed = contentfulPath(url.pathname, url.search);
        if (signed !== null) expect(signed.startsWith("/")).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});

describe("the contentful preset", () => {
  it("verifies the toolkit's requests and hands on the idempotency key", async () => {
    for (const v of all) expect(await (await build(v)).verify(input(v)), v.name).toEqual({ ok: true, eventId: v.eventId });
    // Where Contentful does not list the key it is not signed, and a request without it has no event id (dedup then keys on the signature and body).
    const unlisted = all.find((v) => !v.request.headers[SIGNED_HEADERS_HEADER]!.includes("x-contentful-idempotency-key"))!;
    expect(await (await build(unlisted)).verify(input(unlisted, { headers: { "x-contentful-idempotency-key": null } }))).toEqual({ ok: true });
    expect(await (await build()).verify(input(publish, { headers: { "x-contentful-idempotency-key": null } }))).toEqual(refused("missing_signature"));
  });

  it("is indifferent to headers it was not asked to sign, and to the list's order", async () => {
    const verifier = await build();
    expect((await verifier.verify(input(publish, { headers: { "x-contentful-webhook-request-attempt": "2", "user-agent": "x" } }))).ok).toBe(true);
    const list = publish.request.headers[SIGNED_HEADERS_HEADER]!.split(",").reverse().join(",");
    expect((await verifier.verify(input(publish, { headers: { [SIGNED_HEADERS_HEADER]: list } }))).ok).toBe(true);
  });

  it("refuses each part it reads broken, with its reason", async () => {
    const verifier = await build();
    const list = publish.request.headers[SIGNED_HEADERS_HEADER]!;
    const ts = Number(publish.request.headers[TIMESTAMP_HEADER]);
    const cases: [Record<string, string | null>, string][] = [
      [{ [SIGNATURE_HEADER]: null }, "missing_signature"],
      [{ [SIGNATURE_HEADER]: "ab".repeat(31) }, "malformed_signature"],
      [{ [SIGNATURE_HEADER]: "zz".repeat(32) }, "malformed_signature"],
      [{ [TIMESTAMP_HEADER]: null }, "missing_timestamp"],
      [{ [TIMESTAMP_HEADER]: "1.79e12" }, "malformed_timestamp"],
      [{ [TIMESTAMP_HEADER]: String(ts + 1) }, "signature_mismatch"],
      [{ [SIGNED_HEADERS_HEADER]: null }, "missing_signature"],
      [{ [SIGNED_HEADERS_HEADER]: list.replace("content-type,", "content-type, ") }, "malformed_signature"],
      [{ [SIGNED_HEADERS_HEADER]: `${list},${SIGNATURE_HEADER}` }, "malformed_signature"],
      // A listed header that did not arrive: its value was signed, it cannot be left out.
      [{ "x-contentful-topic": null }, "missing_signature"],
      [{ [SIGNED_HEADERS_HEADER]: `${list},x-not-sent` }, "missing_signature"],
      // Naming fewer headers than were signed changes the signed list.
      [{ [SIGNED_HEADERS_HEADER]: list.replace("x-contentful-crn,", "") }, "signature_mismatch"],
      [{ "x-contentful-topic": "ContentManagement.Entry.delete" }, "signature_mismatch"],
      [{ "content-type": "application/json" }, "signature_mismatch"],
    ];
    for (const [headers, reason] of cases) expect(await verifier.verify(input(publish, { headers })), JSON.stringify(headers)).toEqual(refused(reason));
    expect(await verifier.verify({ ...input(publish), method: "PUT" })).toEqual(refused("signature_mismatch"));
  });

  it("signs the path and the query: another path, another query, a second `?` or a token the route says Contentful never saw are refused", async () => {
    const verifier = await build();
    expect(await verifier.verify(input(publish, { url: "https://hooks.example.com/contentful2" }))).toEqual(refused("signature_mismatch"));
    expect(await verifier.verify(input(publish, { url: "https://hooks.example.com/contentful?x=1" }))).toEqual(refused("signature_mismatch"));
    expect(await verifier.verify(input(publish, { url: "https://hooks.example.com/contentful??x=1" }))).toEqual(refused("signature_mismatch"));
    // The host is not signed.
    expect((await verifier.verify(input(publish, { url: "https://other.example/contentful" }))).ok).toBe(true);

    const query = await build(withQuery);
    expect((await query.verify(input(withQuery))).ok).toBe(true);
    expect(await query.verify(input(withQuery, { url: withQuery.request.url.replace("tags=a,b", "tags=b,a") }))).toEqual(refused("signature_mismatch"));
    expect(await query.verify(input(withQuery, { url: `${withQuery.request.url}?x=1` }))).toEqual(refused("signature_mismatch"));
    expect(await (await build(withQuery, { url: { dropQuery: ["auth"] } })).verify(input(withQuery))).toEqual(refused("signature_mismatch"));
    // Without publicUrl the edge's own path is signed, which Contentful did not call.
    const edge = await presets.contentful!.build({ secrets: [{ value: SECRET }], options: {}, url: {} });
    expect(await edge.verify(input(withQuery))).toEqual(refused("signature_mismatch"));
  });

  it("keeps Contentful's 30 s window both ways, configurable", async () => {
    const ms = CONTENTFUL_TOLERANCE_SECONDS * 1000;
    const verifier = await build();
    expect((await verifier.verify(input(publish, { now: publish.now + ms }))).ok).toBe(true);
    expect(await verifier.verify(input(publish, { now: publish.now + ms + 1 }))).toEqual(refused("stale_timestamp"));
    expect(await verifier.verify(input(publish, { now: publish.now - ms - 1 }))).toEqual(refused("future_timestamp"));
    const wide = await build(publish, { options: { toleranceSeconds: 300 } });
    expect((await wide.verify(input(publish, { now: publish.now + 300_000 }))).ok).toBe(true);
  });

  it("takes any active secret during rotation, and none once expired", async () => {
    const other = `${SECRET.slice(0, 60)}zzzz`;
    const rotating = await build(publish, { secrets: [{ value: other }, { value: SECRET, notAfter: publish.now + 1000 }] });
    expect((await rotating.verify(input(publish))).ok).toBe(true);
    expect(await rotating.verify(input(publish, { now: publish.now + 2000 }))).toEqual(refused("signature_mismatch"));
    const expired = await build(publish, { secrets: [{ value: SECRET, notAfter: publish.now - 1 }] });
    expect(await expired.verify(input(publish))).toEqual(refused("no_active_secret"));
  });

  it("refuses at compile time a secret that is not Contentful's 64 characters, without naming it", async () => {
    for (const value of ["short-secret", `${SECRET}x`, `${SECRET.slice(0, 63)}!`, "é".repeat(64)]) {
      const built = presets.contentful!.build({ secrets: [{ value }], options: {}, url: {} });
      await expect(built, value).rejects.toBeInstanceOf(SchemeConfigError);
      await expect(built).rejects.not.toThrow(value);
    }
  });

  it("never throws and never verifies arbitrary signature headers, lists, timestamps and URLs", async () => {
    const verifier = await build();
    const list = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.array(fc.oneof(fc.constantFrom("content-type", "x-contentful-topic", SIGNATURE_HEADER, ...OWN, "host", "x-unknown"), fc.string({ maxLength: 10 })), { maxLength: 70 }).map((e) => e.join(",")),
    );
    const signature = fc.oneof(fc.string({ maxLength: 80 }), fc.stringMatching(/^[0-9a-f]{64}$/));
    const timestamp = fc.oneof(fc.string({ maxLength: 20 }), fc.constant(String(publish.now)), fc.integer({ min: 0, max: 2 ** 53 }).map(String));
    await fc.assert(
      fc.asyncProperty(signature, list, timestamp, fc.string({ maxLength: 40 }), fc.uint8Array({ maxLength: 100 }), async (sig, names, ts, query, body) => {
        const headers: Record<string, string> = {};
        let url: string;
        try {
          new Headers({ a: sig, b: names, c: ts });
          url = new URL(`https://hooks.example.com/contentful?${query}`).href;
        } catch {
          return; // not representable as HTTP header values or a URL
        }
        Object.assign(headers, { [SIGNATURE_HEADER]: sig, [SIGNED_HEADERS_HEADER]: names, [TIMESTAMP_HEADER]: ts });
        const result = await verifier.verify(input(publish, { headers, url, body }));
        expect(result.ok).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});
