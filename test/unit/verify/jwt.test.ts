/**
 * The JWT engine (src/verify/jwt.ts): every token it accepts is signed by `jose`, an
 * independent JOSE library, never by our code; the claim layouts are the providers'
 * documented ones (docs/research/jwt.md). Key URLs are answered by injected fetchers, or a
 * stubbed global fetch for the default one; the clock is fixed.
 */
import fc from "fast-check";
import * as jose from "jose";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { bytesToHex, bytesToBase64 } from "../../../src/lib/encoding";
import { JWKS_MAX_AGE_MS, JWKS_REFRESH_MS, JWKS_RETRY_AFTER_MS, resetJwksCaches } from "../../../src/verify/jwks";
import { MAX_TOKEN_CHARS, parseCompactJws } from "../../../src/verify/jws";
import { jwtVerifier, type JwtOptions } from "../../../src/verify/jwt";
import { SchemeConfigError } from "../../../src/verify/keys";
import type { VerifyInput } from "../../../src/verify/types";

const NOW = Date.parse("2026-12-01T12:00:00Z");
const T = NOW / 1000;
const SECRET = "monday-signing-secret-0123456789abcdef";
const enc = new TextEncoder();
const BODY = enc.encode('{"event":{"type":"create_pulse","pulseId":42},"id":"evt_1"}');
const b64url = (text: string) => bytesToBase64(enc.encode(text)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
const sha256 = async (bytes: Uint8Array) => new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));

const at = (headers: Record<string, string>, body = BODY, now = NOW): VerifyInput => ({
  method: "POST",
  url: new URL("https://hooks.test/jwt"),
  headers: new Headers(headers),
  body,
  now,
});
const failed = (reason: string) => ({ ok: false, reason });

/** HS256 by jose; the header's alg may be set to anything jose signs with the same key (HS384, HS512). */
const hs = (claims: jose.JWTPayload, secret = SECRET, alg = "HS256") =>
  new jose.SignJWT(claims).setProtectedHeader({ alg, typ: "JWT" }).sign(enc.encode(secret));

type Pair = { privateKey: CryptoKey; publicKey: CryptoKey; pem: string; jwk: JsonWebKey & { kid?: string } };
async function pair(alg: "ES256" | "RS256" | "EdDSA", kid?: string): Promise<Pair> {
  const { privateKey, publicKey } = await jose.generateKeyPair(alg, { extractable: true, ...(alg === "EdDSA" ? { crv: "Ed25519" } : {}) });
  const jwk = (await jose.exportJWK(publicKey)) as JsonWebKey;
  return { privateKey, publicKey, pem: await jose.exportSPKI(publicKey), jwk: kid ? { ...jwk, kid } : jwk };
}
const signWith = (p: Pair, alg: string, claims: jose.JWTPayload, kid?: string) =>
  new jose.SignJWT(claims).setProtectedHeader(kid ? { alg, kid } : { alg }).sign(p.privateKey);

// The providers' layouts, as presets will give them (docs/research/jwt.md).
const monday = (o: Partial<JwtOptions> = {}) =>
  jwtVerifier({ scheme: "jwt:monday", alg: "HS256", header: "authorization", secrets: [{ value: SECRET }], claims: { audience: "https://hooks.test/jwt", requireExp: true }, ...o });
const vonage = (o: Partial<JwtOptions> = {}) =>
  jwtVerifier({
    scheme: "jwt:vonage",
    alg: "HS256",
    header: "authorization",
    prefix: "Bearer ",
    secrets: [{ value: SECRET }],
    claims: { issuer: "Vonage" },
    bodyHash: { claim: "payload_hash", encoding: "hex" },
    maxAgeSeconds: 300,
    eventId: { claim: "jti" },
    ...o,
  });

let es: Pair;
let rs: Pair;
let ed: Pair;
beforeAll(async () => {
  [es, rs, ed] = await Promise.all([pair("ES256", "es-1"), pair("RS256", "rs-1"), pair("EdDSA")]);
});

describe("jwt: genuine tokens from each provider's layout", () => {
  it("monday.com: the Authorization header is the token, HS256 with the signing secret, aud and exp checked", async () => {
    const v = await monday();
    const token = await hs({ accountId: 1825528, userId: 4012689, aud: "https://hooks.test/jwt", exp: T + 300, iat: T, shortLivedToken: "slt" });
    expect(await v.verify(at({ authorization: token }))).toEqual({ ok: true });
    expect(v.needsBody).toBe(false);
    expect(v.signatureHeaders).toEqual(["authorization"]);
    expect(v.scheme).toBe("jwt:monday");
  });

  it("Vonage: Bearer token, iss Vonage, payload_hash = hex SHA-256 of the body, jti handed on as the event id", async () => {
    const v = await vonage();
    const token = await hs({ iat: T - 10, jti: "c5ba8f24-1a14", iss: "Vonage", payload_hash: bytesToHex(await sha256(BODY)), api_key: "a1b2c3d" });
    expect(await v.verify(at({ authorization: `Bearer ${token}` }))).toEqual({ ok: true, eventId: "c5ba8f24-1a14" });
    expect(await v.verify(at({ authorization: `bearer  ${token}` }))).toEqual({ ok: true, eventId: "c5ba8f24-1a14" });
    expect(v.needsBody).toBe(true);
  });

  it("Netlify: X-Webhook-Signature, iss netlify, sha256 claim in hex, the body's id as event id (covered by the hash)", async () => {
    const v = await jwtVerifier({
      scheme: "jwt:netlify",
      alg: "HS256",
      header: "x-webhook-signature",
      secrets: [{ value: "jws-secret-token" }],
      claims: { issuer: "netlify" },
      bodyHash: { claim: "sha256", encoding: "hex" },
      eventId: { jsonField: "id" },
    });
    const token = await hs({ iss: "netlify", sha256: bytesToHex(await sha256(BODY)) }, "jws-secret-token");
    expect(await v.verify(at({ "x-webhook-signature": token }))).toEqual({ ok: true, eventId: "evt_1" });
    expect(v.unsignedEventId).toBe(false);
  });

  it("FusionAuth: RS256 by kid from the instance's JWKS, request_body_sha256 in base64", async () => {
    const fetched: string[] = [];
    const v = await jwtVerifier({
      scheme: "jwt:fusionauth",
      alg: "RS256",
      header: "x-fusionauth-signature-jwt",
      keyUrl: "https://auth.example.com/.well-known/jwks.json",
      allowHosts: ["auth.example.com"],
      fetchKeys: async (url) => (fetched.push(url), JSON.stringify({ keys: [es.jwk, { ...rs.jwk, alg: "RS256", use: "sig" }] })),
      bodyHash: { claim: "request_body_sha256", encoding: "base64" },
    });
    const token = await signWith(rs, "RS256", { request_body_sha256: bytesToBase64(await sha256(BODY)) }, "rs-1");
    expect(await v.verify(at({ "x-fusionauth-signature-jwt": token }))).toEqual({ ok: true });
    expect(await v.verify(at({ "x-fusionauth-signature-jwt": token }))).toEqual({ ok: true });
    expect(fetched).toEqual(["https://auth.example.com/.well-known/jwks.json"]);
  });

  it("Plaid: ES256 with a pinned JWK by kid, request_body_sha256 in hex, iat at most 5 minutes old", async () => {
    const v = await jwtVerifier({
      scheme: "jwt:plaid",
      alg: "ES256",
      header: "plaid-verification",
      keys: [es.jwk],
      bodyHash: { claim: "request_body_sha256", encoding: "hex" },
      maxAgeSeconds: 300,
    });
    const claims = { iat: T - 299, request_body_sha256: bytesToHex(await sha256(BODY)) };
    expect(await v.verify(at({ "plaid-verification": await signWith(es, "ES256", claims, "es-1") }))).toEqual({ ok: true });
    const old = await signWith(es, "ES256", { ...claims, iat: T - 301 }, "es-1");
    expect(await v.verify(at({ "plaid-verification": old }))).toEqual(failed("stale_timestamp"));
  });

  it("EdDSA (Ed25519) and RS256 with keys pinned as PEM, with no kid", async () => {
    const eddsa = await jwtVerifier({ scheme: "jwt:x", alg: "EdDSA", header: "x-jwt", keys: [ed.pem] });
    expect(await eddsa.verify(at({ "x-jwt": await signWith(ed, "EdDSA", { iat: T }) }))).toEqual({ ok: true });
    const rsa = await jwtVerifier({ scheme: "jwt:x", alg: "RS256", header: "x-jwt", keys: [rs.pem] });
    expect(await rsa.verify(at({ "x-jwt": await signWith(rs, "RS256", { iat: T }, "any") }))).toEqual({ ok: true });
  });

  it("accepts any active secret during rotation, and none once every one has expired", async () => {
    const secrets = [{ value: "old-secret", notAfter: NOW + 1000 }, { value: SECRET }];
    const v = await jwtVerifier({ scheme: "jwt:x", alg: "HS256", header: "x-jwt", secrets });
    expect((await v.verify(at({ "x-jwt": await hs({}, "old-secret") }))).ok).toBe(true);
    expect((await v.verify(at({ "x-jwt": await hs({}) }))).ok).toBe(true);
    expect(await v.verify(at({ "x-jwt": await hs({}, "old-secret") }, BODY, NOW + 2000))).toEqual(failed("signature_mismatch"));
    const expired = await jwtVerifier({ scheme: "jwt:x", alg: "HS256", header: "x-jwt", secrets: [{ value: SECRET, notAfter: NOW - 1 }] });
    expect(await expired.verify(at({ "x-jwt": await hs({}) }))).toEqual(failed("no_active_secret"));
  });
});

describe("jwt: algorithm pinning", () => {
  const unsigned = (claims: object) => `${b64url('{"alg":"none","typ":"JWT"}')}.${b64url(JSON.stringify(claims))}.`;

  it("refuses alg none, with or without a signature segment", async () => {
    const v = await monday();
    const claims = { aud: "https://hooks.test/jwt", exp: T + 60 };
    expect(await v.verify(at({ authorization: unsigned(claims) }))).toEqual(failed("malformed_signature"));
    expect(await v.verify(at({ authorization: `${unsigned(claims)}${b64url("x")}` }))).toEqual(failed("malformed_signature"));
  });

  it("refuses a token whose alg is not the pinned one, even under the right key", async () => {
    const v = await monday();
    const claims = { aud: "https://hooks.test/jwt", exp: T + 60 };
    for (const alg of ["HS384", "HS512"]) expect(await v.verify(at({ authorization: await hs(claims, SECRET, alg) }))).toEqual(failed("malformed_signature"));
    const rsa = await jwtVerifier({ scheme: "jwt:x", alg: "RS256", header: "x-jwt", keys: [rs.pem] });
    expect(await rsa.verify(at({ "x-jwt": await signWith(es, "ES256", {}, "es-1") }))).toEqual(failed("malformed_signature"));
  });

  it("refuses the HS/RS confusion: an HMAC made with the public key as its secret", async () => {
    const v = await jwtVerifier({ scheme: "jwt:x", alg: "RS256", header: "x-jwt", keys: [rs.pem] });
    expect(await v.verify(at({ "x-jwt": await hs({ iat: T }, rs.pem) }))).toEqual(failed("malformed_signature"));
    // The same HMAC under a header that claims RS256.
    const input = `${b64url('{"alg":"RS256"}')}.${b64url(`{"iat":${T}}`)}`;
    const key = await crypto.subtle.importKey("raw", enc.encode(rs.pem), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, enc.encode(input)));
    const forged = `${input}.${bytesToBase64(mac).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_")}`;
    expect(await v.verify(at({ "x-jwt": forged }))).toEqual(failed("signature_mismatch"));
    // And the config refuses a public key given as an HMAC secret.
    await expect(jwtVerifier({ scheme: "jwt:x", alg: "HS256", header: "x-jwt", secrets: [{ value: rs.pem }] })).rejects.toThrow(SchemeConfigError);
  });

  it("refuses a header with crit, whatever it names", async () => {
    const v = await jwtVerifier({ scheme: "jwt:x", alg: "ES256", header: "x-jwt", keys: [es.jwk] });
    const token = await new jose.SignJWT({}).setProtectedHeader({ alg: "ES256", kid: "es-1", crit: ["b64"], b64: true }).sign(es.privateKey);
    expect(await v.verify(at({ "x-jwt": token }))).toEqual(failed("malformed_signature"));
  });
});

describe("jwt: every rejection", () => {
  const good = { aud: "https://hooks.test/jwt", exp: T + 300, iat: T };

  it("no header, an empty one, or no Bearer prefix where one is required", async () => {
    expect(await (await monday()).verify(at({}))).toEqual(failed("missing_signature"));
    expect(await (await monday()).verify(at({ authorization: " " }))).toEqual(failed("missing_signature"));
    const token = await hs({ iat: T, iss: "Vonage", payload_hash: bytesToHex(await sha256(BODY)) });
    expect(await (await vonage()).verify(at({ authorization: token }))).toEqual(failed("malformed_signature"));
    expect(await (await vonage()).verify(at({ authorization: `Basic ${token}` }))).toEqual(failed("malformed_signature"));
  });

  it("a wrong secret, and a token changed in any segment", async () => {
    const v = await monday();
    expect(await v.verify(at({ authorization: await hs(good, "another-secret") }))).toEqual(failed("signature_mismatch"));
    const token = await hs(good);
    const [h, p, s] = token.split(".") as [string, string, string];
    const changedPayload = `${h}.${b64url(JSON.stringify({ ...good, userId: 1 }))}.${s}`;
    expect(await v.verify(at({ authorization: changedPayload }))).toEqual(failed("signature_mismatch"));
    const flipped = `${h}.${p}.${s[0] === "A" ? "B" : "A"}${s.slice(1)}`;
    expect(await v.verify(at({ authorization: flipped }))).toEqual(failed("signature_mismatch"));
  });

  it("exp passed beyond the skew, nbf or iat ahead of it; within the skew passes", async () => {
    const v = await monday();
    const check = async (claims: object) => v.verify(at({ authorization: await hs({ ...good, ...claims }) }));
    expect(await check({ exp: T - 61 })).toEqual(failed("stale_timestamp"));
    expect((await check({ exp: T - 59 })).ok).toBe(true);
    expect(await check({ nbf: T + 61 })).toEqual(failed("future_timestamp"));
    expect((await check({ nbf: T + 59 })).ok).toBe(true);
    expect(await check({ iat: T + 61 })).toEqual(failed("future_timestamp"));
    const strict = await monday({ clockSkewSeconds: 0 });
    expect(await strict.verify(at({ authorization: await hs({ ...good, exp: T - 1 }) }))).toEqual(failed("stale_timestamp"));
  });

  it("time claims that are not numbers, and missing ones the rules require", async () => {
    const v = await monday();
    for (const claims of [{ exp: String(T + 60) }, { iat: null }, { nbf: [T] }]) {
      expect(await v.verify(at({ authorization: await hs({ ...good, ...claims } as unknown as jose.JWTPayload) }))).toEqual(failed("malformed_timestamp"));
    }
    expect(await v.verify(at({ authorization: await hs({ aud: good.aud }) }))).toEqual(failed("missing_timestamp"));
    const token = await hs({ iss: "Vonage", payload_hash: bytesToHex(await sha256(BODY)) });
    expect(await (await vonage()).verify(at({ authorization: `Bearer ${token}` }))).toEqual(failed("missing_timestamp"));
  });

  it("an iat older than maxAgeSeconds", async () => {
    const token = await hs({ iat: T - 301, iss: "Vonage", payload_hash: bytesToHex(await sha256(BODY)) });
    expect(await (await vonage()).verify(at({ authorization: `Bearer ${token}` }))).toEqual(failed("stale_timestamp"));
  });

  it("a wrong or missing aud or iss; an aud list holding ours passes", async () => {
    const v = await monday();
    expect(await v.verify(at({ authorization: await hs({ ...good, aud: "https://elsewhere.test/jwt" }) }))).toEqual(failed("credentials_mismatch"));
    expect(await v.verify(at({ authorization: await hs({ exp: good.exp }) }))).toEqual(failed("credentials_mismatch"));
    expect((await v.verify(at({ authorization: await hs({ ...good, aud: ["x", good.aud] }) }))).ok).toBe(true);
    const hash = bytesToHex(await sha256(BODY));
    for (const iss of ["vonage", undefined, ["Vonage"]]) {
      const token = await hs({ iat: T, payload_hash: hash, ...(iss === undefined ? {} : { iss }) } as jose.JWTPayload);
      expect(await (await vonage()).verify(at({ authorization: `Bearer ${token}` }))).toEqual(failed("credentials_mismatch"));
    }
  });

  it("a body that is not the one hashed; a hash claim missing, not a string or not 32 bytes", async () => {
    const v = await vonage();
    const with_ = async (payload_hash: unknown) => `Bearer ${await hs({ iat: T, iss: "Vonage", payload_hash } as jose.JWTPayload)}`;
    const hash = bytesToHex(await sha256(BODY));
    expect(await v.verify(at({ authorization: await with_(hash) }, enc.encode('{"event":{}}')))).toEqual(failed("signature_mismatch"));
    expect((await v.verify(at({ authorization: await with_(hash.toUpperCase()) }))).ok).toBe(true);
    for (const bad of [undefined, 42, hash.slice(2), `${hash}00`, "zz".repeat(32)]) {
      expect(await v.verify(at({ authorization: await with_(bad) }))).toEqual(failed("malformed_signature"));
    }
  });

  it("a kid no pinned key has, or a kid that is not a string", async () => {
    const v = await jwtVerifier({ scheme: "jwt:x", alg: "ES256", header: "x-jwt", keys: [es.jwk] });
    expect(await v.verify(at({ "x-jwt": await signWith(es, "ES256", {}, "es-2") }))).toEqual(failed("untrusted_certificate"));
    const numeric = await new jose.SignJWT({}).setProtectedHeader({ alg: "ES256", kid: 7 } as unknown as jose.JWTHeaderParameters).sign(es.privateKey);
    expect(await v.verify(at({ "x-jwt": numeric }))).toEqual(failed("untrusted_certificate"));
    // A token without a kid is tried against every pinned key.
    expect((await v.verify(at({ "x-jwt": await signWith(es, "ES256", {}) }))).ok).toBe(true);
  });

  it("malformed shapes: segments, alphabet, padding, non-canonical base64url, JSON that is no object, oversize", async () => {
    const v = await monday();
    const token = await hs(good);
    const [h, p, s] = token.split(".") as [string, string, string];
    const last = s.at(-1)!;
    const sibling = last === "A" ? "B" : last === "Q" ? "R" : String.fromCharCode(last.charCodeAt(0) + 1); // same bits but the unused ones
    const shapes = [
      `${h}.${p}`,
      `${h}.${p}.${s}.${s}`,
      `.${p}.${s}`,
      `${h}..${s}`,
      `${h}.${p}.`,
      `${h}.${p}.${s}=`,
      `${h}.${p}+.${s}`,
      `${h} .${p}.${s}`,
      `${h}.${p}.${s.slice(0, -1)}${sibling}`,
      `${b64url("[1]")}.${p}.${s}`,
      `${h}.${b64url("null")}.${s}`,
      `${b64url("{")}.${p}.${s}`,
      `${h}.${"A".repeat(MAX_TOKEN_CHARS)}.${s}`,
      "x".repeat(MAX_TOKEN_CHARS + 1),
    ];
    for (const shape of shapes) expect(await v.verify(at({ authorization: shape }))).toEqual(failed("malformed_signature"));
    expect(parseCompactJws(token)?.payload).toMatchObject({ aud: good.aud });
  });
});

describe("jwt: keys published at a URL", () => {
  const URL_ = "https://auth.example.com/.well-known/jwks.json";
  const options = (fetchKeys: JwtOptions["fetchKeys"], o: Partial<JwtOptions> = {}): JwtOptions => ({
    scheme: "jwt:x",
    alg: "ES256",
    header: "x-jwt",
    keyUrl: URL_,
    allowHosts: ["auth.example.com"],
    fetchKeys,
    ...o,
  });
  const counting = (answer: (url: string) => Promise<string>) => {
    const urls: string[] = [];
    return { urls, fetchKeys: async (url: string) => (urls.push(url), answer(url)) };
  };

  it("fails closed when the download fails, and does not try again for a while", async () => {
    const f = counting(() => Promise.reject(new Error("timeout")));
    const v = await jwtVerifier(options(f.fetchKeys));
    const token = await signWith(es, "ES256", {}, "es-1");
    expect(await v.verify(at({ "x-jwt": token }))).toEqual(failed("untrusted_certificate"));
    expect(await v.verify(at({ "x-jwt": token }, BODY, NOW + JWKS_RETRY_AFTER_MS - 1))).toEqual(failed("untrusted_certificate"));
    expect(f.urls).toHaveLength(1);
    await v.verify(at({ "x-jwt": token }, BODY, NOW + JWKS_RETRY_AFTER_MS));
    expect(f.urls).toHaveLength(2);
  });

  it.each([
    ["not JSON", "<html>"],
    ["no key for the algorithm", JSON.stringify({ keys: [{ kty: "RSA", n: "AQAB", e: "AQAB" }] })],
    ["a key for encryption", { use: "enc" }],
    ["a key declared for another alg", { alg: "ES384" }],
    ["a key whose operations exclude verify", { key_ops: ["encrypt"] }],
    ["a key Plaid marks expired", { expired_at: 1767225600 }],
  ])("fails closed on a key set holding %s", async (_, text) => {
    const body = typeof text === "string" ? text : JSON.stringify({ keys: [{ ...es.jwk, ...text }] });
    const v = await jwtVerifier(options(async () => body));
    expect(await v.verify(at({ "x-jwt": await signWith(es, "ES256", {}, "es-1") }))).toEqual(failed("untrusted_certificate"));
  });

  it("reads Plaid's answer shape, {key: JWK} with created_at and a null expired_at", async () => {
    const v = await jwtVerifier(options(async () => JSON.stringify({ key: { ...es.jwk, alg: "ES256", use: "sig", created_at: 1560466150, expired_at: null }, request_id: "Ai1" })));
    expect((await v.verify(at({ "x-jwt": await signWith(es, "ES256", {}, "es-1") }))).ok).toBe(true);
  });

  it("keeps a set an hour; a kid it lacks downloads it again at most once a minute, finding a rotated-in key", async () => {
    let keys = [es.jwk];
    const f = counting(async () => JSON.stringify({ keys }));
    const v = await jwtVerifier(options(f.fetchKeys));
    const es2 = await pair("ES256", "es-2");
    const one = await signWith(es, "ES256", {}, "es-1");
    const two = await signWith(es2, "ES256", {}, "es-2");
    expect((await v.verify(at({ "x-jwt": one }))).ok).toBe(true);
    keys = [es.jwk, es2.jwk];
    expect(await v.verify(at({ "x-jwt": two }, BODY, NOW + JWKS_REFRESH_MS))).toEqual(failed("untrusted_certificate"));
    expect(f.urls).toHaveLength(1);
    const later = NOW + JWKS_REFRESH_MS + 1;
    expect((await v.verify(at({ "x-jwt": two }, BODY, later))).ok).toBe(true);
    expect(f.urls).toHaveLength(2);
    expect((await v.verify(at({ "x-jwt": one }, BODY, later + JWKS_MAX_AGE_MS))).ok).toBe(true);
    expect(f.urls).toHaveLength(2);
    expect((await v.verify(at({ "x-jwt": one }, BODY, later + JWKS_MAX_AGE_MS + 1))).ok).toBe(true);
    expect(f.urls).toHaveLength(3);
  });

  it("a {kid} URL fetches one key per kid, never for a kid that could leave the path", async () => {
    const f = counting(async () => JSON.stringify({ key: es.jwk }));
    const v = await jwtVerifier(options(f.fetchKeys, { keyUrl: "https://auth.example.com/keys/{kid}" }));
    expect((await v.verify(at({ "x-jwt": await signWith(es, "ES256", {}, "es-1") }))).ok).toBe(true);
    expect(f.urls).toEqual(["https://auth.example.com/keys/es-1"]);
    for (const kid of ["..", "a/b", "a?b", "%2e%2e", ".", undefined]) {
      expect(await v.verify(at({ "x-jwt": await signWith(es, "ES256", {}, kid) }))).toEqual(failed("untrusted_certificate"));
    }
    expect(f.urls).toHaveLength(1);
  });

  it.each([
    ["a host off the allow-list", { keyUrl: "https://evil.example.net/jwks.json" }],
    ["plain http", { keyUrl: "http://auth.example.com/jwks.json" }],
    ["userinfo", { keyUrl: "https://user@auth.example.com/jwks.json" }],
    ["a port", { keyUrl: "https://auth.example.com:8443/jwks.json" }],
    ["{kid} in the host", { keyUrl: "https://{kid}.example.com/jwks.json", allowHosts: ["*.example.com"] }],
    ["no allowed hosts", { allowHosts: [] }],
    ["an IP address as allowed host", { keyUrl: "https://10.0.0.1/jwks.json", allowHosts: ["10.0.0.1"] }],
  ])("fails the config (closed) for %s", async (_, o) => {
    await expect(jwtVerifier(options(async () => "{}", o))).rejects.toThrow(SchemeConfigError);
  });

  it("allows *.suffix hosts, but not the suffix itself nor a look-alike", async () => {
    const ok = await jwtVerifier(options(async () => JSON.stringify({ keys: [es.jwk] }), { keyUrl: "https://tenant.fusionauth.io/.well-known/jwks.json", allowHosts: ["*.fusionauth.io"] }));
    expect((await ok.verify(at({ "x-jwt": await signWith(es, "ES256", {}, "es-1") }))).ok).toBe(true);
    for (const keyUrl of ["https://fusionauth.io/jwks.json", "https://evilfusionauth.io/jwks.json"]) {
      await expect(jwtVerifier(options(async () => "{}", { keyUrl, allowHosts: ["*.fusionauth.io"] }))).rejects.toThrow(SchemeConfigError);
    }
  });

  describe("the default download (global fetch stubbed)", () => {
    beforeEach(() => resetJwksCaches());
    afterEach(() => vi.restoreAllMocks());

    it("GETs without following redirects, and fails closed on a redirect", async () => {
      const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async () => new Response(null, { status: 302, headers: { location: "https://evil.example.net/" } }));
      const v = await jwtVerifier(options(undefined));
      expect(await v.verify(at({ "x-jwt": await signWith(es, "ES256", {}, "es-1") }))).toEqual(failed("untrusted_certificate"));
      expect(spy.mock.calls[0]![0]).toBe(URL_);
      expect(spy.mock.calls[0]![1]).toMatchObject({ redirect: "manual" });
    });

    it("reads a key set it is given", async () => {
      vi.spyOn(globalThis, "fetch").mockImplementation(async () => Response.json({ keys: [es.jwk] }));
      const v = await jwtVerifier(options(undefined));
      expect((await v.verify(at({ "x-jwt": await signWith(es, "ES256", {}, "es-1") }))).ok).toBe(true);
    });
  });
});

describe("jwt: configuration is checked when the route is compiled", () => {
  const base: JwtOptions = { scheme: "jwt:x", alg: "HS256", header: "x-jwt", secrets: [{ value: SECRET }] };
  it.each([
    ["alg none", { alg: "none" as "HS256" }],
    ["alg HS512", { alg: "HS512" as "HS256" }],
    ["no header", { header: "" }],
    ["HS256 without secrets", { secrets: [] }],
    ["HS256 with public keys", { keys: ["x"] }],
    ["ES256 with secrets", { alg: "ES256" as const }],
    ["ES256 with no key at all", { alg: "ES256" as const, secrets: undefined }],
    ["a maxAgeSeconds of 0", { maxAgeSeconds: 0 }],
    ["a clock skew over 300 s", { clockSkewSeconds: 301 }],
    ["an empty issuer", { claims: { issuer: "" } }],
    ["a body hash with an unknown encoding", { bodyHash: { claim: "h", encoding: "b32" as "hex" } }],
    ["a pinned key that is no key", { alg: "ES256" as const, secrets: undefined, keys: ["-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"] }],
  ])("refuses %s", async (_, o) => {
    await expect(jwtVerifier({ ...base, ...o })).rejects.toThrow(SchemeConfigError);
  });

  it("refuses keys of another type than the pinned algorithm's, and RSA keys under 2048 bits", async () => {
    await expect(jwtVerifier({ ...base, alg: "ES256", secrets: undefined, keys: [rs.pem] })).rejects.toThrow(SchemeConfigError);
    await expect(jwtVerifier({ ...base, alg: "RS256", secrets: undefined, keys: [es.jwk] })).rejects.toThrow(SchemeConfigError);
    const small = (await crypto.subtle.generateKey({ name: "RSASSA-PKCS1-v1_5", modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
    const jwk = (await crypto.subtle.exportKey("jwk", small.publicKey)) as JsonWebKey;
    await expect(jwtVerifier({ ...base, alg: "RS256", secrets: undefined, keys: [jwk] })).rejects.toThrow(SchemeConfigError);
    const spki = new Uint8Array((await crypto.subtle.exportKey("spki", small.publicKey)) as ArrayBuffer);
    const pem = `-----BEGIN PUBLIC KEY-----\n${bytesToBase64(spki)}\n-----END PUBLIC KEY-----\n`;
    await expect(jwtVerifier({ ...base, alg: "RS256", secrets: undefined, keys: [pem] })).rejects.toThrow(/2048/);
  });

  it("marks a body-field event id as unsigned when no body hash covers it", async () => {
    const v = await jwtVerifier({ ...base, eventId: { jsonField: "id" } });
    expect(v.unsignedEventId).toBe(true);
    expect(v.needsBody).toBe(true);
  });
});

describe("jwt: arbitrary input never throws and never passes", () => {
  let verifiers: Awaited<ReturnType<typeof jwtVerifier>>[];
  beforeAll(async () => {
    verifiers = [
      await monday(),
      await vonage(),
      await jwtVerifier({ scheme: "jwt:x", alg: "RS256", header: "authorization", keys: [rs.pem] }),
      await jwtVerifier({ scheme: "jwt:x", alg: "ES256", header: "authorization", keyUrl: "https://a.example.com/k/{kid}", allowHosts: ["a.example.com"], fetchKeys: async () => "{}" }),
    ];
  });
  const segment = fc.stringMatching(/^[A-Za-z0-9_-]{0,40}$/);
  const header = fc.oneof(
    fc.string({ maxLength: 300 }),
    fc.tuple(segment, segment, segment).map((parts) => parts.join(".")),
    fc.tuple(fc.json(), fc.json(), segment).map(([h, p, s]) => `${b64url(h)}.${b64url(p)}.${s}`),
    fc.tuple(fc.dictionary(fc.constantFrom("alg", "kid", "crit", "typ", "__proto__"), fc.jsonValue()), fc.json()).map(([h, p]) => `Bearer ${b64url(JSON.stringify(h))}.${b64url(p)}.AAAA`),
  );

  it("for strings, dotted segments and JSON in any header slot", async () => {
    await fc.assert(
      fc.asyncProperty(header, fc.uint8Array({ maxLength: 64 }), async (value, body) => {
        for (const v of verifiers) {
          const result = await v.verify(at({ authorization: value }, body));
          expect(result.ok).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("for a genuine token with any one character changed", async () => {
    const v = verifiers[0]!;
    const token = await hs({ aud: "https://hooks.test/jwt", exp: T + 300 });
    await fc.assert(
      fc.asyncProperty(fc.nat(token.length - 1), fc.stringMatching(/^[A-Za-z0-9_.=-]$/), async (position, char) => {
        fc.pre(token[position] !== char);
        const changed = `${token.slice(0, position)}${char}${token.slice(position + 1)}`;
        expect((await v.verify(at({ authorization: changed }))).ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
