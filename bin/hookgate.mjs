#!/usr/bin/env node
// hookgate: the operator CLI. Talks to a running gateway's admin API, and `send` signs a
// sample event the way a provider would so a route can be tried in seconds.
// Node built-ins only, so it runs with `npx hookgate` on Node 20 as well.
import { generateKeyPairSync } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { decision, dim, health, paint, status, table, time } from "./format.mjs";
import { forwardLocal, listen, localTarget, loopbackUrl } from "./listen.mjs";
import { PROVIDERS, sender } from "../signers/index.mjs";
import { privateKey } from "../signers/lib.mjs";

const USAGE = `hookgate: operate an edge webhook gateway

  hookgate routes put <file.json>          create or replace the route(s) in the file (one object or an array)
  hookgate routes list | get <id> | delete <id>
  hookgate routes pause <id> | resume <id>  pause: events are kept (202), nothing goes to the origin; resume drains them in order
  hookgate listen <route> [--forward http://localhost:3000[/path]] [--json]
                                           every decision on the route, live; with --forward each verified event's
                                           exact bytes and headers go to your local server, in order, once each
  hookgate capture <route> [--minutes N] [--wait] [--replace] | --status | --cancel
                                           Asana, Notion: arm the route to store the secret the provider sends once,
                                           at creation (default 10 min, at most 60); --wait until it arrives (for
                                           Notion, prints the token to paste into Notion); --replace clears the
                                           route's secret first (a new webhook); --status where it stands
  hookgate send <webhook-url> --provider <preset>|token|basic|none [--secret S | --key FILE]
                [--handshake] [--data TEXT | --body FILE] [--content-type T] [--event-id ID]
                [--public-url URL] [--verify-token T] [--access-key K] [--webhook-id ID] [--user U] [--param auth]
                [--header-token NAME] [--topic-arn ARN] [--cert-url URL] [--tamper] [--explain]
                signs a sample event (or with --handshake, the provider's verification
                request) as the provider does; with --explain nothing is sent: the gateway says
                which destinations would take it, and why; presets: ${PROVIDERS.join(", ")}
  hookgate keygen ed25519|p256|rsa --out FILE  a key pair for discord / standard-webhooks v1a / sendgrid, plaid, ebay / fusionauth
  hookgate log <route> [--event-id ID] [--decision D] [--since 1h] [--follow]
  hookgate show <route> <seq>              one event-log entry, with its body where the route stores bodies
  hookgate destinations <route>            where the route's events go: each destination, its filter, what it did (24 h)
  hookgate events <route> [--state pending|delivered|dead] [--destination ID]
  hookgate dead-letters <route> [--destination ID]
  hookgate replay <route> <event-id> | --all [--since 1h] [--until 10m] [--dry-run] [--destination ID]
                                           dead letters back to the origin (all, or received in a time range);
                                           --destination: a route with several destinations, that one's queue
  hookgate replay <route> <seq> [--destination ID]
                                           an event-log entry (routes with storeBodies) to a destination: e.g. a filtered event
  hookgate replay <route> <seq|message-id> --forward http://localhost:3000
  hookgate replay <route> --since 1h [--until 10m] --forward http://localhost:3000 [--dry-run]
                                           stored events (one, or a time range) to your local server
  hookgate dedup <route> <key> [--forget]
  hookgate providers                       every preset a route can name, with its options
  hookgate doctor                          checks the gateway as an operator would, and says how to fix what is wrong

output:  tables with local times (colours on a terminal; NO_COLOR=1 turns them off); --json prints the API's JSON
options: --url  gateway base URL   (default $HOOKGATE_URL or http://localhost:8787)
         --token admin token       (default $HOOKGATE_ADMIN_TOKEN, or ADMIN_TOKEN from ./.dev.vars for a local gateway)
`;

const { values: opt, positionals: args } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: "string" },
    token: { type: "string" },
    provider: { type: "string" },
    secret: { type: "string" },
    key: { type: "string" },
    handshake: { type: "boolean" },
    "public-url": { type: "string" },
    "verify-token": { type: "string" },
    "access-key": { type: "string" },
    "webhook-id": { type: "string" },
    "topic-arn": { type: "string" },
    "cert-url": { type: "string" },
    out: { type: "string" },
    data: { type: "string" },
    body: { type: "string" },
    "content-type": { type: "string" },
    user: { type: "string" },
    param: { type: "string" },
    "header-token": { type: "string" },
    "event-id": { type: "string" },
    tamper: { type: "boolean" },
    decision: { type: "string" },
    since: { type: "string" },
    state: { type: "string" },
    all: { type: "boolean" },
    forget: { type: "boolean" },
    forward: { type: "string" },
    json: { type: "boolean" },
    follow: { type: "boolean", short: "f" },
    until: { type: "string" },
    "dry-run": { type: "boolean" },
    destination: { type: "string" },
    explain: { type: "boolean" },
    minutes: { type: "string" },
    wait: { type: "boolean" },
    replace: { type: "boolean" },
    status: { type: "boolean" },
    cancel: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  },
});

// `hookgate log r | head`: the reader went away; stop quietly instead of a stack trace.
process.stdout.on("error", (e) => process.exit(e.code === "EPIPE" ? 0 : 1));

const base = (opt.url ?? process.env.HOOKGATE_URL ?? "http://localhost:8787").replace(/\/+$/, "");
const ADMIN = "/__gateway";

/** The reason a fetch failed, e.g. ECONNREFUSED, rather than undici's "fetch failed". */
function reason(e) {
  const cause = e?.cause;
  return cause?.code ?? cause?.errors?.[0]?.code ?? cause?.message ?? e?.message ?? String(e);
}

function fail(message) {
  console.error(`hookgate: ${message}`);
  process.exit(2);
}

function adminToken() {
  if (opt.token) return opt.token;
  if (process.env.HOOKGATE_ADMIN_TOKEN) return process.env.HOOKGATE_ADMIN_TOKEN;
  const local = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/.test(base);
  if (local && existsSync(".dev.vars")) {
    const line = readFileSync(".dev.vars", "utf8").split("\n").find((l) => l.startsWith("ADMIN_TOKEN="));
    if (line) return line.slice("ADMIN_TOKEN=".length).trim().replace(/^"|"$/g, "");
  }
  fail("no admin token: pass --token or set HOOKGATE_ADMIN_TOKEN");
}

/** What went wrong, in one sentence with what to do about it. */
function explain(res, data, path) {
  const what = data?.message ? `${data.error}: ${data.message}` : (data?.error ?? `HTTP ${res.status}`);
  if (res.status === 401) return "the admin token was refused: pass --token or set HOOKGATE_ADMIN_TOKEN (a local gateway's is ADMIN_TOKEN in .dev.vars)";
  if (res.status === 429) return `refused for now after too many wrong tokens from this address; try again in ${res.headers.get("retry-after") ?? 300} s`;
  if (res.status === 404 && data?.message) return `not found: ${data.message} (${path.split("?")[0]})`;
  if (res.status === 404) {
    const route = /^\/routes\/([^/]+)/.exec(path)?.[1];
    return route ? `not found: ${path} (is "${decodeURIComponent(route)}" a route? hookgate routes list)` : `not found: ${path} (is ${base} a hookgate gateway, and is the CLI as new as it?)`;
  }
  if (data?.error === "invalid_config") return `the config was refused:\n${(data.issues ?? []).map((i) => `  ${i.path}: ${i.message}`).join("\n")}`;
  if (data?.error === "server_misconfigured") return `${what} (run hookgate doctor)`;
  return `${what} (HTTP ${res.status})`;
}

/**
 * Calls the admin API. With --json (or no renderer) prints the answer as it came; otherwise
 * prints `render(answer)` for people. An HTTP error is one sentence on stderr and exit code 1.
 */
async function admin(method, path, body, render) {
  let res;
  try {
    res = await fetch(`${base}${ADMIN}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken()}`, ...(body !== undefined && { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    fail(`cannot reach ${base} (${reason(e)}): is the gateway running? (npm start for a local one, or check --url)`);
  }
  const text = await res.text();
  let data = null;
  try {
    data = JSON.parse(text);
  } catch {
    // not JSON: shown as is below
  }
  if (!res.ok) {
    if (opt.json) console.log(text);
    console.error(`hookgate: ${explain(res, data, path)}`);
    process.exitCode = 1;
    return null;
  }
  const shown = opt.json || !render || data === null ? text : render(data);
  if (shown) console.log(shown);
  return data;
}

const enc = encodeURIComponent;
/** `?destination=` (or `&destination=`) for --destination; empty without it. */
const destinationQuery = (sep) => (opt.destination ? `${sep}destination=${enc(opt.destination)}` : "");

/** Admin JSON without printing it; null for a 404, one sentence and exit for other failures. */
async function quietAdmin(path) {
  let res;
  try {
    res = await fetch(`${base}${ADMIN}${path}`, { headers: { authorization: `Bearer ${adminToken()}` } });
  } catch (e) {
    fail(`cannot reach ${base}: ${reason(e)}`);
  }
  if (res.status === 404) return null;
  if (res.status === 401) fail("the admin token was refused (--token or HOOKGATE_ADMIN_TOKEN)");
  if (!res.ok) fail(`${path}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

function duration(text, flag = "--since") {
  const m = /^(\d+)(s|m|h|d)$/.exec(text ?? "");
  if (!m) fail(`${flag} takes a duration such as 15m, 1h, 7d`);
  return Number(m[1]) * { s: 1e3, m: 6e4, h: 36e5, d: 864e5 }[m[2]];
}

// ---- send: sign like the provider -----------------------------------------------------

/** The gateway's own methods (no provider signature) beside the provider presets. */
const GATEWAY_METHODS = ["token", "basic", "none"];

function readKey(provider, kind) {
  const given = opt.key;
  if (!given) return undefined;
  const text = existsSync(given) ? readFileSync(given, "utf8") : given;
  try {
    return privateKey(text, kind);
  } catch (e) {
    fail(`--key for ${provider}: ${e.message} (a PEM file${kind === "ed25519" ? ", or the 32-byte seed in hex" : ""}; \`hookgate keygen\` makes one)`);
  }
}

/** The request a provider would send: its sample event, or with --handshake its verification request. */
async function providerRequest(provider, url, body) {
  const signer = await sender(provider);
  const given = { secret: opt.secret, key: signer.keyKind ? readKey(provider, signer.keyKind) : undefined, verifyToken: opt["verify-token"], accessKey: opt["access-key"], webhookId: opt["webhook-id"] };
  const flags = { secret: "--secret", key: "--key", verifyToken: "--verify-token", accessKey: "--access-key", webhookId: "--webhook-id" };
  const context = {
    url,
    now: Date.now(),
    body,
    eventId: opt["event-id"],
    publicUrl: opt["public-url"],
    param: opt.param,
    headerToken: opt["header-token"],
    contentType: opt["content-type"],
    topicArn: opt["topic-arn"],
    certUrl: opt["cert-url"],
    key: given.key,
    need(what) {
      if (!given[what]) fail(`${flags[what]} is needed for --provider ${provider}${opt.handshake ? " --handshake" : ""}`);
      return given[what];
    },
  };
  if (opt.handshake && !signer.handshake) fail(`${provider} has no handshake that the gateway answers; its deliveries are its only requests`);
  let request;
  try {
    request = opt.handshake ? signer.handshake(context) : signer.event(context);
  } catch (e) {
    fail(e.message); // a secret the provider's scheme cannot use, said in one sentence
  }
  return { method: request.method ?? "POST", url: request.url ?? url, headers: request.headers, body: request.body };
}

async function gatewayRequest(method, url, body) {
  const secret = opt.secret ?? "";
  if (method !== "none" && !secret) fail(`--secret is needed for --provider ${method}`);
  const headers = { "content-type": "application/json" };
  if (method === "token") {
    if (opt["header-token"]) headers[opt["header-token"]] = secret;
    else url.searchParams.set(opt.param ?? "auth", secret);
  } else if (method === "basic") {
    headers.authorization = `Basic ${Buffer.from(`${opt.user ?? "hooks"}:${secret}`).toString("base64")}`;
  }
  // Stripe's sample event: the gateway's own methods take any body.
  return { method: "POST", url, headers, body: body ?? (await import("../signers/stripe.mjs")).sampleEvent({ now: Date.now(), eventId: opt["event-id"] }) };
}

async function send(target, provider) {
  if (!target) fail("send needs the webhook URL");
  if (!PROVIDERS.includes(provider) && !GATEWAY_METHODS.includes(provider)) fail(`unknown provider "${provider}" (${[...PROVIDERS, ...GATEWAY_METHODS].join(", ")})`);
  let body;
  try {
    body = opt.body ? readFileSync(opt.body) : opt.data !== undefined ? Buffer.from(opt.data) : undefined;
  } catch (e) {
    fail(`cannot read ${opt.body}: ${e.message}`);
  }
  let url;
  try {
    url = new URL(target);
  } catch {
    fail(`"${target}" is not a URL`);
  }
  const request = PROVIDERS.includes(provider) ? await providerRequest(provider, url, body) : await gatewayRequest(provider, url, body);
  const headers = { "user-agent": `hookgate-cli (${provider})`, ...request.headers };
  if (opt["content-type"]) headers["content-type"] = opt["content-type"];
  const sent = request.body === undefined ? undefined : Buffer.from(request.body);
  if (opt.tamper && sent?.length) sent[sent.length > 1 ? sent.length - 2 : 0] ^= 1; // one byte changed after signing
  if (opt.explain) return explainSend(request, headers, sent);

  let res;
  try {
    res = await fetch(request.url, { method: request.method, headers, body: request.method === "GET" || request.method === "HEAD" ? undefined : sent });
  } catch (e) {
    fail(`cannot reach ${request.url.origin}: ${reason(e)}`);
  }
  console.log(`${res.status} ${res.statusText}`);
  for (const name of ["content-type", "x-hookgate-request-id", "x-hookgate-duplicate", "x-hookgate-handshake", "retry-after", "www-authenticate", "allow"]) {
    if (res.headers.has(name)) console.log(`${name}: ${res.headers.get(name)}`);
  }
  console.log(await res.text());
}

/** `send --explain`: the signed request goes to the admin API's explain, not to the route; nothing is delivered. */
async function explainSend(request, headers, body) {
  const sample = { url: String(request.url), method: request.method, headers, ...(body && { body: body.toString("base64"), bodyEncoding: "base64" }) };
  await admin("POST", "/explain", sample, ({ route, destinations }) =>
    [
      `route ${route}: ${destinations.filter((d) => d.takes).length} of ${destinations.length} destination(s) would take this event (nothing was sent)`,
      table(
        ["destination", "takes", "why", "request"],
        destinations.map((d) => [
          `${d.id}${d.primary ? " (primary)" : ""}`,
          d.takes ? paint(32, "yes") : paint(33, "no"),
          d.why,
          !d.request ? "" : d.type === "r2" ? `archived to R2 ${d.binding} (${d.request.bodyBytes} bytes), before any other` : d.type === "queue" ? `sent to Cloudflare Queue ${d.binding} (${d.request.bodyBytes} bytes${d.request.bodyChanged ? ", transformed" : ""})` : d.type === "workflow" ? `starts Workflow ${d.binding} (${d.request.bodyBytes} bytes${d.request.bodyChanged ? ", transformed" : ""})` : `${d.request.method} ${d.request.url} (${d.request.bodyBytes} bytes${d.request.bodyChanged ? ", transformed" : ""}, ${d.mode})`,
        ]),
      ),
    ].join("\n"),
  );
}

const destinationsTable = ({ destinations }) =>
  table(
    ["destination", "url", "mode", "filter", "last 24 h"],
    destinations.map((d) => [
      `${d.id}${d.primary ? " (primary)" : ""}`,
      d.type === "r2" ? `R2 ${d.binding}` : d.type === "queue" ? `Queue ${d.binding}` : d.type === "workflow" ? `Workflow ${d.binding}` : d.type === "service" ? `service ${d.binding}${d.url ? ` ${d.url}` : ""}` : (d.url ?? dim("(the route's own host)")),
      d.type === "r2" ? "archive" : d.mode,
      d.filter ? JSON.stringify(d.filter) : "",
      Object.entries(d.counts)
        .map(([k, n]) => `${k} ${n}`)
        .join(", "),
    ]),
  );

// ---- keygen: key pairs for the asymmetric providers --------------------------------------

function keygen(kind) {
  const out = opt.out;
  if (!out) fail("keygen needs --out FILE for the private key");
  let pair;
  if (kind === "ed25519") pair = generateKeyPairSync("ed25519");
  else if (kind === "p256") pair = generateKeyPairSync("ec", { namedCurve: "P-256" });
  else if (kind === "rsa") pair = generateKeyPairSync("rsa", { modulusLength: 2048 });
  else fail("keygen ed25519 (Discord, Standard Webhooks v1a) | p256 (SendGrid, Plaid, eBay) | rsa (FusionAuth, PayPal's test certificate)");
  writeFileSync(out, pair.privateKey.export({ format: "pem", type: "pkcs8" }), { mode: 0o600, flag: "wx" });
  const spki = pair.publicKey.export({ format: "der", type: "spki" });
  console.log(`private key written to ${out} (for: hookgate send --key ${out})`);
  if (kind === "ed25519") {
    const raw = spki.subarray(spki.length - 32);
    console.log(`public key for a discord route:            ${raw.toString("hex")}`);
    console.log(`public key for a standard-webhooks route:  whpk_${raw.toString("base64")}`);
  } else {
    if (kind === "p256") console.log(`public key for a sendgrid route:           ${spki.toString("base64")}`);
    // Plaid and FusionAuth routes pin JWKs; the kid is what `send` puts in the token (its default).
    const jwk = { ...pair.publicKey.export({ format: "jwk" }), kid: "hookgate-demo", alg: kind === "p256" ? "ES256" : "RS256" };
    console.log(`public key for a ${kind === "p256" ? "plaid" : "fusionauth"} route ("keys"):     ${JSON.stringify(jwk)}`);
    // eBay routes pin PEMs by kid, the form eBay's getPublicKey answers with; `send` signs as kid hookgate-demo.
    if (kind === "p256") console.log(`public key for an ebay route ("keys"):      ${JSON.stringify({ "hookgate-demo": pair.publicKey.export({ format: "pem", type: "spki" }).replace(/\n/g, "") })}`);
  }
}

// ---- capture: the secret Asana and Notion send once, at creation -----------------------------

const CAPTURE_POLL_MS = 1000;

/** What the operator does next, once the secret is stored. */
function captured(state) {
  if (state.verificationToken) {
    return `captured at ${time(state.capturedAt)}. Paste this verification token into Notion (integration settings, Webhooks tab, Verify):\n${state.verificationToken}`;
  }
  return `captured at ${time(state.capturedAt)}: ${state.provider}'s secret is stored (sealed) and the route now verifies its deliveries`;
}

async function capture(route) {
  const path = `/routes/${enc(route)}/capture`;
  if (opt.status) return admin("GET", path, undefined, (s) => (s.holdsSecret ? captured(s) : s.armed ? `armed until ${time(s.armedUntil)}: waiting for ${s.provider}'s handshake` : `not armed, no secret: every delivery is refused (hookgate capture ${route})`));
  if (opt.cancel) return admin("DELETE", path, undefined, () => `capture disarmed on ${route}`);
  const minutes = opt.minutes === undefined ? undefined : Number(opt.minutes);
  if (minutes !== undefined && !(Number.isInteger(minutes) && minutes >= 1 && minutes <= 60)) fail("--minutes takes a whole number from 1 to 60");
  const armed = await admin("POST", path, { ...(minutes && { minutes }), ...(opt.replace && { replace: true }) }, (a) =>
    `armed ${route} until ${time(a.armedUntil)}${a.replaced ? " (its old secret is cleared: deliveries are refused until the new one arrives)" : ""}: now create the ${a.provider} webhook for this route's URL`,
  );
  if (!armed || !opt.wait) return;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, CAPTURE_POLL_MS));
    const state = await quietAdmin(path);
    if (!state) fail(`route ${route} is gone`);
    if (state.holdsSecret) return console.log(opt.json ? JSON.stringify(state) : captured(state));
    if (!state.armed) {
      console.error(`hookgate: the capture window closed before ${state.provider}'s handshake arrived (hookgate log ${route} shows what came); arm again`);
      process.exit(1);
    }
  }
}

// ---- dispatch -----------------------------------------------------------------------------

const [command, sub, third] = args;
if (opt.help || !command) {
  console.log(USAGE);
  process.exit(command || opt.help ? 0 : 2);
}

// ---- renderers: what people read -------------------------------------------------------------

const routesTable = ({ routes }) =>
  table(
    ["route", "match", "provider / auth", "delivery", "health", "last hour", "pending", "dead"],
    routes.map((r) => [
      r.id,
      `${r.host}${r.path}`,
      r.schemes.join(", "),
      `${r.mode}${r.enforce ? "" : " (observe)"}${r.paused ? ` ${paint(33, "PAUSED")}` : ""}${r.listening ? dim(" listened") : ""}`,
      health(r.health),
      Object.entries(r.lastHour).map(([k, v]) => `${k} ${v}`).join(", "),
      r.queue.pending,
      r.queue.dead,
    ]),
  );

// A route with destinations: where the event went (or which destination's queue delivered it) where there is no reason to show.
const logRow = (e) => [time(e.at), e.seq, decision(e.decision), status(e.status), e.eventId ?? e.messageId, e.reason ?? e.observed ?? (e.destinations && `to ${e.destinations}`), `${e.latencyMs} ms`];
const LOG_HEADINGS = ["time", "seq", "decision", "status", "event", "reason", "latency"];
// The API lists newest first; a terminal reads oldest first, newest at the bottom.
const logTable = ({ entries }) => table(LOG_HEADINGS, [...entries].reverse().map(logRow));

const eventsTable = ({ events }) =>
  table(
    ["id", "state", "received", "attempts", "last status", "last error", "next attempt", "event"],
    events.map((e) => [e.id, e.state, time(e.receivedAt), e.attempts, status(e.lastStatus), e.lastError, e.nextAttemptAt ? time(e.nextAttemptAt) : "", e.providerEventId]),
  );

/** Fixed columns while following: each batch lines up with the heading printed first. */
const FOLLOW_WIDTHS = [19, 5, 13, 6, 36, 32, 8];

/** `log --follow`: the entries so far, then every new one as it is recorded (polls every 2 s). */
async function follow(route, q) {
  let last = 0;
  let first = true;
  for (;;) {
    const data = await admin("GET", `/routes/${enc(route)}/log?${q}`, undefined, ({ entries }) => {
      const fresh = entries.filter((e) => e.seq > last).reverse();
      if (fresh.length) last = fresh.at(-1).seq;
      if (opt.json) return fresh.map((e) => JSON.stringify(e)).join("\n") || null;
      const rows = fresh.map(logRow);
      const out = first ? table(LOG_HEADINGS, rows.length ? rows : [[]], FOLLOW_WIDTHS) : rows.length ? table(LOG_HEADINGS, rows, FOLLOW_WIDTHS).split("\n").slice(1).join("\n") : null;
      first = false;
      return out;
    }).catch(() => null);
    if (data === null) process.exit(1);
    q.set("since", String(Date.now() - 60_000));
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

/** One stored event (listen hub by seq or msg id, or the queue) to a local URL. */
async function replayOneLocally(route, ref, forward) {
  const stored = await quietAdmin(`/routes/${enc(route)}/listen/events/${enc(ref)}`);
  if (stored?.request?.body === undefined) fail(`no stored request "${ref}" on route ${route} (bodies are kept for the last 1,000 events heard while listening, and in the queue until delivered)`);
  if (opt["dry-run"]) return console.log(`dry run: would send ${stored.request.method} ${localTarget(forward, stored.request.url)} (${stored.request.bodyBytes} bytes)`);
  const local = await forwardLocal(stored.request, Buffer.from(stored.request.body, "base64"), forward);
  if (local.error) fail(`${forward.origin}: ${local.error}`);
  console.log(`replayed ${ref} → ${local.status} in ${local.ms} ms`);
}

/** Every verified event the listen hub holds from a time range, oldest first, to a local URL, with a progress line each. */
async function replayRangeLocally(route, { since = 0, until = Infinity }, forward) {
  const heard = [];
  for (let after = 0; ; ) {
    const page = await quietAdmin(`/routes/${enc(route)}/listen/events?after=${after}&limit=1000`);
    if (!page || page.events.length === 0) break;
    heard.push(...page.events);
    after = page.events.at(-1).seq;
  }
  const chosen = heard.filter((e) => e.request && e.at >= since && e.at < until);
  if (opt["dry-run"]) {
    console.log(`dry run: ${chosen.length} event(s) would be sent to ${forward.href}`);
    return console.log(table(["seq", "time", "decision", "event", "bytes", "to"], chosen.map((e) => [e.seq, time(e.at), decision(e.decision), e.eventId ?? e.messageId, e.request.bodyBytes, localTarget(forward, e.request.url)])));
  }
  let failed = 0;
  for (const [i, e] of chosen.entries()) {
    const stored = await quietAdmin(`/routes/${enc(route)}/listen/events/${e.seq}`);
    const local = stored?.request?.body === undefined ? { error: "body no longer stored" } : await forwardLocal(stored.request, Buffer.from(stored.request.body, "base64"), forward);
    if (local.error) failed++;
    console.log(`[${i + 1}/${chosen.length}] #${e.seq} ${e.eventId ?? e.messageId ?? ""} → ${local.error ? `failed: ${local.error}` : `${status(local.status)} in ${local.ms} ms`}`);
  }
  console.log(chosen.length === 0 ? "nothing stored in that range (the listen hub keeps the last 1,000 events heard while listening)" : `${chosen.length - failed} of ${chosen.length} sent`);
  if (failed) process.exitCode = 1;
}

/** `doctor`: the gateway as an operator checks it, each problem with its fix. */
async function doctorCommand() {
  const mark = (ok) => (ok ? paint(32, "ok  ") : paint(31, "FAIL"));
  let res;
  try {
    res = await fetch(`${base}${ADMIN}/health`, { signal: AbortSignal.timeout(10_000) });
  } catch (e) {
    console.log(`${mark(false)}  gateway reachable at ${base}: ${reason(e)}`);
    console.log(`      fix: start it (npm start) or pass the right --url`);
    process.exit(1);
  }
  console.log(`${mark(res.ok)}  gateway reachable at ${base}${res.ok ? "" : `: HTTP ${res.status}`}`);
  if (!res.ok) {
    console.log(`      fix: is ${base} a hookgate gateway? Its admin prefix must be ${ADMIN}`);
    process.exit(1);
  }
  const checked = await fetch(`${base}${ADMIN}/doctor`, { headers: { authorization: `Bearer ${adminToken()}` } });
  console.log(`${mark(checked.ok)}  admin token accepted${checked.ok ? "" : `: HTTP ${checked.status}`}`);
  if (!checked.ok) {
    const data = await checked.json().catch(() => null);
    console.log(`      fix: ${explain(checked, data, "/doctor")}`);
    process.exit(1);
  }
  const { ok, checks } = await checked.json();
  for (const c of checks) {
    console.log(`${mark(c.ok)}  ${c.name}: ${c.detail}`);
    if (!c.ok && c.fix) console.log(`      fix: ${c.fix}`);
  }
  console.log(ok ? "\nall checks passed" : `\n${checks.filter((c) => !c.ok).length} problem(s) found`);
  if (!ok) process.exitCode = 1;
}

switch (command) {
  case "routes":
    if (sub === "put") {
      if (!third) fail("routes put needs a JSON file");
      let parsed;
      try {
        parsed = JSON.parse(readFileSync(third, "utf8"));
      } catch (e) {
        fail(`cannot read ${third}: ${e.message}`);
      }
      const routes = Array.isArray(parsed) ? parsed : [parsed];
      for (const [i, route] of routes.entries()) {
        if (!route?.id) fail(`route ${i + 1} in ${third} has no id`);
        const progress = routes.length > 1 ? `[${i + 1}/${routes.length}] ` : "";
        await admin("PUT", `/routes/${enc(route.id)}`, route, (r) => `${progress}stored route ${r.id} (${r.host}${r.path})`);
      }
    } else if (sub === "list") {
      if (opt.json) await admin("GET", "/routes");
      else await admin("GET", "/overview", undefined, routesTable);
    } else if (sub === "get" && third) await admin("GET", `/routes/${enc(third)}`);
    else if (sub === "delete" && third) await admin("DELETE", `/routes/${enc(third)}`, undefined, (r) => `deleted route ${r.deleted}`);
    else if (sub === "pause" && third) {
      await admin("POST", `/routes/${enc(third)}/pause`, undefined, (r) => `paused route ${r.id}: events are kept (202), nothing goes to the origin; ${r.pending} pending. hookgate routes resume ${r.id} to deliver them`);
    } else if (sub === "resume" && third) {
      await admin("POST", `/routes/${enc(third)}/resume`, undefined, (r) => `resumed route ${r.id}: ${r.pending} kept event(s) now drain, oldest first`);
    } else fail("routes put <file> | list | get <id> | delete <id> | pause <id> | resume <id>");
    break;
  case "capture":
    if (!sub) fail("capture needs a route id");
    await capture(sub);
    break;
  case "send":
    await send(sub, opt.provider ?? "none");
    break;
  case "keygen":
    keygen(sub);
    break;
  case "log": {
    if (!sub) fail("log needs a route id");
    const q = new URLSearchParams();
    if (opt["event-id"]) q.set("eventId", opt["event-id"]);
    if (opt.decision) q.set("decision", opt.decision);
    if (opt.since) q.set("since", String(Date.now() - duration(opt.since)));
    if (opt.follow) await follow(sub, q);
    else await admin("GET", `/routes/${enc(sub)}/log?${q}`, undefined, logTable);
    break;
  }
  case "show":
    if (!sub || !third) fail("show <route> <seq>");
    await admin("GET", `/routes/${enc(sub)}/log/${enc(third)}`);
    break;
  case "events":
    if (!sub) fail("events needs a route id");
    await admin("GET", `/routes/${enc(sub)}/events?state=${enc(opt.state ?? "pending")}${destinationQuery("&")}`, undefined, eventsTable);
    break;
  case "dead-letters":
    if (!sub) fail("dead-letters needs a route id");
    await admin("GET", `/routes/${enc(sub)}/dead-letters${destinationQuery("?")}`, undefined, eventsTable);
    break;
  case "destinations":
    if (!sub) fail("destinations needs a route id");
    await admin("GET", `/routes/${enc(sub)}/destinations`, undefined, destinationsTable);
    break;
  case "doctor":
    await doctorCommand();
    break;
  case "providers":
    await admin("GET", "/providers", undefined, ({ providers: list }) =>
      table(["provider", "options", "notes"], list.map((p) => [p.name, p.options.join(", "), [p.required && `needs ${p.required.join(", ")}`, p.keyless && "no secret of yours", p.capturesSecret && "secret captured at creation (hookgate capture)", p.sends && `Standard Webhooks (${p.sends})`].filter(Boolean).join("; ")])),
    );
    break;
  case "listen": {
    if (!sub) fail("listen needs a route id");
    const forward = opt.forward === undefined ? undefined : loopbackUrl(opt.forward);
    if (forward?.error) fail(forward.error);
    await listen({ base, token: adminToken(), route: sub, forward: forward?.url, json: opt.json, api: quietAdmin, fail });
    break;
  }
  case "replay": {
    if (!sub) fail("replay <route> <event-id> | --all [--since 1h] [--until 10m] [--dry-run] | <seq|msg_id> --forward URL | --since 1h --forward URL [--dry-run]");
    const range = {
      ...(opt.since && { since: Date.now() - duration(opt.since) }),
      ...(opt.until && { until: Date.now() - duration(opt.until, "--until") }),
    };
    if (opt.forward !== undefined) {
      const forward = loopbackUrl(opt.forward);
      if (forward.error) fail(forward.error);
      if (third) await replayOneLocally(sub, third, forward.url);
      else if (opt.since || opt.all) await replayRangeLocally(sub, range, forward.url);
      else fail("replay <route> <seq|msg_id> --forward URL, or replay <route> --since 1h --forward URL");
      break;
    }
    if (third && /^\d+$/.test(third)) {
      // A seq from `hookgate log`: that event-log entry to a destination (the primary by default).
      await admin("POST", `/routes/${enc(sub)}/log/${third}/replay${destinationQuery("?")}`, undefined, (r) => `event-log entry ${third} sent to ${r.destination} as ${r.messageId}`);
    } else if (third) {
      await admin("POST", `/routes/${enc(sub)}/dead-letters/${enc(third)}/replay${destinationQuery("?")}`, undefined, (r) => `${r.replayed} dead letter back in the queue for the origin`);
    } else if (opt.all || opt.since || opt.until) {
      const q = new URLSearchParams({ ...(range.since && { since: String(range.since) }), ...(range.until && { until: String(range.until) }), ...(opt["dry-run"] && { dryRun: "1" }), ...(opt.destination && { destination: opt.destination }) });
      await admin("POST", `/routes/${enc(sub)}/dead-letters/replay?${q}`, undefined, (r) =>
        opt["dry-run"]
          ? `dry run: ${r.wouldReplay} dead letter(s) would go back to the origin${r.wouldReplay > r.events.length ? ` (the first ${r.events.length} below)` : ""}\n${eventsTable(r)}`
          : `${r.replayed} dead letter(s) back in the queue for the origin`,
      );
    } else fail("replay <route> <event-id>, or replay <route> --all [--since 1h] [--dry-run]");
    break;
  }
  case "dedup":
    if (!sub || !third) fail("dedup <route> <key> [--forget]");
    await admin(opt.forget ? "DELETE" : "GET", `/routes/${enc(sub)}/dedup/${enc(third)}`);
    break;
  default:
    fail(`unknown command "${command}"\n\n${USAGE}`);
}
