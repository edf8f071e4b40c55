// What the signers' `vectors()` and `oracle()` share (scripts/provider-vectors.mjs runs them):
// the fixed time, hosts and keys every run signs with, the vector layout, and the harness the
// SDK checks run in. Node built-ins only: the CLI loads it too, and never calls it.
import { createPublicKey } from "node:crypto";
import { basicAuthorization, json, privateKey } from "./lib.mjs";

/** Timestamped schemes sign at this time (unix 1790000000) unless a documented vector brings its own. */
export const NOW_MS = 1_790_000_000_000;
export const TS = NOW_MS / 1000;
export const HOST = "https://hooks.example.com";
/** The URL the edge sees when the provider was given another one (publicUrl cases). */
export const EDGE_HOST = "https://hookgate.example.workers.dev";
/** Our gateway's own query token (a route's `?auth=`), which providers then sign as part of the URL. */
export const GATEWAY_TOKEN = "tk";
export const iso = (ms) => new Date(ms).toISOString();

/** RFC 8032 §7.1 test 1 secret key: the Ed25519 pair of the vectors, reproducible and itself documented. */
export const ED25519_PRIVATE = privateKey("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", "ed25519");
export const ED25519_PUBLIC_HEX = Buffer.from(createPublicKey(ED25519_PRIVATE).export({ format: "jwk" }).x, "base64url").toString("hex");

/** One vector, keys in a fixed order, header names lower-case. */
export function vector({ name, provider, source, method, request, now = NOW_MS, eventId, reply }) {
  const headers = Object.fromEntries(Object.entries(request.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
  return {
    name,
    provider,
    source,
    method: { type: "provider", provider, ...method },
    request: { method: request.method ?? "POST", url: request.url, headers, body: request.body ?? "" },
    now,
    ...(eventId !== undefined && { eventId }),
    ...(reply !== undefined && { reply }),
  };
}

/** `application/x-www-form-urlencoded`, in the given order (spaces as `+`, as providers send). */
export const form = (pairs) => new URLSearchParams(pairs).toString();

/** The one vector of a provider that authenticates with HTTP Basic only. */
export const basicVector = (name, user, password, source) =>
  vector({
    name: `${name}: HTTP Basic`,
    provider: name,
    source,
    method: { secrets: [`${user}:${password}`] },
    request: { url: `${HOST}/${name}`, headers: { "content-type": "application/json", authorization: basicAuthorization(`${user}:${password}`) }, body: json({ event: `${name}.test` }) },
  });

/**
 * HTTP Basic's published example (RFC 7617 §2: user-id "Aladdin", password "open sesame"), its
 * header written as the RFC prints it, for a provider whose only check is Basic.
 */
export const rfc7617Vector = (name, docs) =>
  vector({
    name: `${name}: HTTP Basic, RFC 7617's example`,
    provider: name,
    source: `documented vector: https://www.rfc-editor.org/rfc/rfc7617#section-2 (the scheme ${docs} documents)`,
    method: { secrets: ["Aladdin:open sesame"] },
    request: {
      url: `${HOST}/${name}`,
      headers: { "content-type": "application/json", authorization: agree("RFC 7617 example", basicAuthorization("Aladdin:open sesame"), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==") },
      body: json({ event: `${name}.test` }),
    },
  });

/** Where an SDK or a documented vector signs too, our signer (the one `send` uses) must give the same: returns it, or throws. */
export function agree(what, ours, theirs) {
  if (ours !== theirs) throw new Error(`${what}: our signer gives ${ours}, not ${theirs}`);
  return ours;
}

/** A lazy value made once: an SDK's import (some take a second or two), only when an oracle runs. */
export function once(make) {
  let made;
  return () => (made ??= make());
}

/** Runs fn with Date.now() and `new Date()` fixed at ms: the SDKs check freshness against the clock. */
export async function atClock(ms, fn) {
  const RealDate = globalThis.Date;
  class FixedDate extends RealDate {
    constructor(...args) {
      super(...(args.length === 0 ? [ms] : args));
    }
    static now() {
      return ms;
    }
  }
  globalThis.Date = FixedDate;
  try {
    return await fn();
  } finally {
    globalThis.Date = RealDate;
  }
}

/** Whether `check` accepts any of the vector's route secrets (an oracle passes if one does, as the route does). */
export async function anySecret(v, check) {
  for (const s of v.method.secrets ?? []) if (await check(typeof s === "string" ? s : s.value)) return true;
  return false;
}

/** An SDK verdict: false when it returns false or throws (how most SDKs refuse a signature). */
export async function attempt(fn) {
  try {
    return (await fn()) !== false;
  } catch {
    return false;
  }
}
