// The scenarios: where the load goes, the route each one PUTs through the admin API
// (docs/contract.md), and how its requests are signed. Signatures are computed in Node right
// before each run: the body is fixed, so one header serves the whole run, and timestamped
// schemes (Discord, Stripe) stay fresh because no run lasts longer than a few seconds.
//
// SLOTS for features that have not landed: a scenario with `slot: true` whose route PUT is
// refused prints "n/a: feature not present" and is skipped. To enable one, make its route
// match the schema once the feature exists; nothing else needs to change.
import { createHmac, generateKeyPairSync, sign } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export const ADMIN_TOKEN = "bench-admin-token";
export const SECRETS_KEY = Buffer.alloc(32, 7).toString("base64");
const TOKEN = "bench-token";
const GITHUB_SECRET = "bench-github-secret";
const PROVIDER_IP = "192.0.2.10"; // documentation range; the flood route exempts it as the provider's
const MAX_BODY_BYTES = 2 * 1024 * 1024;

const githubSignature = (body, secret = GITHUB_SECRET) => `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
const github = { type: "provider", provider: "github", secrets: [GITHUB_SECRET] };
const githubAsData = { type: "hmac", algorithm: "sha256", encoding: "hex", header: "X-Hub-Signature-256", prefix: "sha256=", payload: "{body}", secrets: [GITHUB_SECRET] };

// Discord: Ed25519 over timestamp + body; the public key goes in the route, hex.
const discordKeys = generateKeyPairSync("ed25519");
const discordPublicHex = discordKeys.publicKey.export({ format: "der", type: "spki" }).subarray(-32).toString("hex");
const discordHeaders = (body) => {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = sign(null, Buffer.concat([Buffer.from(timestamp), body]), discordKeys.privateKey).toString("hex");
  return { "X-Signature-Ed25519": signature, "X-Signature-Timestamp": timestamp };
};

/** A JSON body of exactly `size` bytes, written once per size. */
export function bodyFile(dir, size) {
  const file = join(dir, `body-${size}.json`);
  const skeleton = JSON.stringify({ id: "evt_bench", type: "push", pad: "" });
  const body = Buffer.from(skeleton.replace('"pad":""', `"pad":"${"x".repeat(Math.max(0, size - skeleton.length))}"`));
  writeFileSync(file, body);
  return { file, body };
}

/**
 * Each scenario: `url` for the load, `headers(body)` for it, optional `route` to PUT,
 * `unique` (a header that gets a fresh delivery id per request), `expect` (status of a
 * genuine request), `forged(body)` (headers or url that must be refused with 401).
 */
export function scenarios({ gateway, passthrough, origin }) {
  const route = (id, extra) => ({ id, host: "*", path: `/b/${id}`, origin, limits: { maxBodyBytes: MAX_BODY_BYTES }, ...extra });
  // One fixed id per body size: the pre-flight of each size delivers it once, every timed request is then its copy.
  const dupId = (body) => `bench-copy-${process.pid}-${body.length}`;
  const signed = (extra) => ({
    headers: (body) => ({ "X-Hub-Signature-256": githubSignature(body), "CF-Connecting-IP": PROVIDER_IP, ...(extra.fixedId && { [extra.fixedId]: dupId(body) }) }),
    forged: (body) => ({ headers: { "X-Hub-Signature-256": githubSignature(body, "wrong-secret") } }),
    ...extra,
  });
  const list = [
    { name: "direct", baseline: true, url: `${origin}/direct` },
    { name: "passthrough", baseline: true, url: `${passthrough}/pass` },
    {
      name: "token",
      route: route("token", { auth: { methods: [{ type: "token", in: "query", secrets: [TOKEN] }] } }),
      query: `?auth=${TOKEN}`,
      forged: () => ({ query: "?auth=wrong-token" }),
    },
    signed({ name: "hmac", route: route("hmac", { auth: { methods: [github] } }) }),
    {
      // Ed25519: the Discord preset, signed with a key pair made for the run.
      name: "ed25519",
      slot: true,
      route: route("ed25519", { auth: { methods: [{ type: "provider", provider: "discord", secrets: [discordPublicHex] }] } }),
      headers: discordHeaders,
      forged: (body) => ({ headers: { ...discordHeaders(body), "X-Signature-Ed25519": "00".repeat(64) } }),
    },
    // HMAC + dedup: one Durable Object claim per delivery, keyed by a fresh X-GitHub-Delivery.
    // GitHub's scheme described as data (same header, algorithm and bytes as the preset): the
    // preset also keys on a hash of signature + body, because its delivery id is unsigned, and
    // with the bench's one fixed body every request after the first would be a duplicate.
    signed({ name: "hmac+dedup", slot: true, route: route("dedup", { auth: { methods: [githubAsData] }, dedup: { key: { header: "X-GitHub-Delivery" } } }), unique: "X-GitHub-Delivery" }),
    // 20 % of the load are copies of events delivered a moment before: answered 200 duplicate, not forwarded.
    signed({ name: "hmac+dedup/20%-copies", slot: true, route: route("dedup-copies", { auth: { methods: [githubAsData] }, dedup: { key: { header: "X-GitHub-Delivery" } } }), unique: "X-GitHub-Delivery", copyEvery: 5 }),
    // Only copies: one event delivered in the pre-flight, then every request is its duplicate.
    signed({ name: "hmac+dedup/copies-only", slot: true, route: route("dedup-dups", { auth: { methods: [githubAsData] }, dedup: { key: { header: "X-GitHub-Delivery" } } }), fixedId: "X-GitHub-Delivery" }),
    signed({ name: "hmac+dedup/4 shards", slot: true, fullOnly: true, route: route("dedup4", { auth: { methods: [githubAsData] }, dedup: { key: { header: "X-GitHub-Delivery" }, shards: 4 } }), unique: "X-GitHub-Delivery" }),
    // SLOT (queue mode): stored durably, answered 202, delivered later by the route's queue.
    signed({ name: "queue", slot: true, route: route("queue", { auth: { methods: [github] }, delivery: { mode: "queue" } }), unique: "X-GitHub-Delivery", expect: 202 }),
    // The same, its queue object first filled with 50,000 delivered events (kept 24 h): the cost must not grow with them.
    signed({ name: "queue/50k kept", slot: true, fullOnly: true, route: route("queue-kept", { auth: { methods: [github] }, delivery: { mode: "queue" } }), unique: "X-GitHub-Delivery", expect: 202, prefill: 50_000 }),
    // One event to three destinations: the primary answers (sync), the other two are queued, each
    // in its own queue; the run counts until both have every event (CPU of their drains included).
    signed({
      name: "fanout/3",
      slot: true,
      route: route("fanout", {
        origin: undefined,
        auth: { methods: [github] },
        destinations: [
          { id: "app", url: origin },
          { id: "b", url: origin, transform: { path: "/b/fanout-b" } },
          { id: "c", url: origin, transform: { path: "/b/fanout-c" } },
        ],
      }),
      alsoDelivers: ["/b/fanout-b", "/b/fanout-c"],
    }),
  ];
  for (const s of list) {
    s.path = s.route ? s.route.path : new URL(s.url).pathname;
    s.url ??= `${gateway}${s.route.path}${s.query ?? ""}`;
    s.headers ??= () => ({});
    s.expect ??= 200;
  }
  return list;
}

/**
 * SLOT (flood): genuine deliveries on a few connections while many connections send forged
 * signatures from random client IPs (the worst case: no per-IP limit ever trips).
 */
export function floodSetup({ gateway, origin }) {
  const route = {
    id: "flood",
    host: "*",
    path: "/b/flood",
    origin,
    limits: { maxBodyBytes: MAX_BODY_BYTES },
    auth: { methods: [github] },
    rateLimit: { perIp: { requests: 50, periodSeconds: 1 }, exemptCidrs: ["192.0.2.0/24"], authFailures: { max: 5, periodSeconds: 60, cooldownSeconds: 60 } },
  };
  const url = `${gateway}${route.path}`;
  return {
    route,
    genuine: (body) => ({ url, headers: { "X-Hub-Signature-256": githubSignature(body), "CF-Connecting-IP": PROVIDER_IP }, uniqueHeader: "X-GitHub-Delivery" }),
    forged: () => ({ url, headers: { "X-Hub-Signature-256": `sha256=${"0".repeat(64)}` }, randomIp: true }),
  };
}

/** Puts a route; null when accepted, else the refusal (for slots: the feature is not there yet). */
export async function putRoute(gateway, route) {
  const res = await fetch(`${gateway}/__gateway/routes/${route.id}`, {
    method: "PUT",
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify(route),
  });
  const text = await res.text();
  if (res.ok) return null;
  let detail = text.slice(0, 200);
  try {
    const j = JSON.parse(text);
    detail = j.issues ? j.issues.map((i) => `${i.path}: ${i.message}`).join("; ") : (j.error ?? detail);
  } catch {
    // not JSON: keep the text
  }
  return `${res.status} ${detail}`;
}

async function send(url, headers, body) {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
  await res.arrayBuffer();
  return res;
}

/**
 * One genuine request and one forged request before any load: a benchmark of rejections
 * (or of a route that lets everything through) would be meaningless. Returns the problem, or null.
 */
export async function preflight(s, body) {
  const id = s.unique ? { [s.unique]: `preflight-${process.pid}-${Date.now()}-${body.length}` } : {};
  const genuine = await send(s.url, { ...s.headers(body), ...id }, body);
  if (genuine.status !== s.expect) return `a genuine request got ${genuine.status}, expected ${s.expect}`;
  if (s.baseline) return null;
  if (s.expect === 200 && !genuine.headers.get("x-bench-verified")) return "the origin did not see x-hookgate-verified: was the request verified?";
  if (s.unique && s.expect === 200) {
    const again = await send(s.url, { ...s.headers(body), ...id }, body);
    if (again.headers.get("x-hookgate-duplicate") !== "true") return `a repeated delivery id was not recognised as a duplicate (${again.status})`;
  }
  const f = s.forged(body);
  const forged = await send(f.query ? s.url.replace(s.query, f.query) : s.url, { ...s.headers(body), ...f.headers, ...id }, body);
  if (forged.status !== 401) return `a forged request got ${forged.status}, expected 401`;
  return null;
}
