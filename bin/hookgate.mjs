#!/usr/bin/env node
// hookgate: the operator CLI. Talks to a running gateway's admin API, and `send` signs a
// sample event the way a provider would so a route can be tried in seconds.
// Node built-ins only, so it runs with `npx hookgate` on Node 20 as well.
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";

const USAGE = `hookgate: operate an edge webhook gateway

  hookgate routes put <file.json>          create or replace the route(s) in the file (one object or an array)
  hookgate routes list | get <id> | delete <id>
  hookgate send <webhook-url> --provider stripe|github|token|basic|none [--secret S]
                [--data TEXT | --body FILE] [--content-type T] [--user U] [--param auth]
                [--header-token NAME] [--event-id ID] [--tamper]
  hookgate log <route> [--event-id ID] [--decision D] [--since 1h]
  hookgate show <route> <seq>              one event-log entry, with its body where the route stores bodies
  hookgate events <route> [--state pending|delivered|dead]
  hookgate dead-letters <route>
  hookgate replay <route> <event-id>|--all
  hookgate dedup <route> <key> [--forget]

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
    help: { type: "boolean", short: "h" },
  },
});

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

/** Calls the admin API, prints the JSON answer, exits non-zero on an HTTP error. */
async function admin(method, path, body) {
  let res;
  try {
    res = await fetch(`${base}${ADMIN}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken()}`, ...(body !== undefined && { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    fail(`cannot reach ${base}: ${reason(e)}`);
  }
  const text = await res.text();
  console.log(text);
  if (!res.ok) process.exitCode = 1;
  return res.ok ? JSON.parse(text) : null;
}

const enc = encodeURIComponent;

function duration(text) {
  const m = /^(\d+)(s|m|h|d)$/.exec(text ?? "");
  if (!m) fail(`--since takes a duration such as 15m, 1h, 7d`);
  return Number(m[1]) * { s: 1e3, m: 6e4, h: 36e5, d: 864e5 }[m[2]];
}

// ---- send: sign like the provider -----------------------------------------------------

function sampleBody(provider) {
  const now = Math.floor(Date.now() / 1000);
  if (provider === "github") {
    const after = randomBytes(20).toString("hex");
    return JSON.stringify({
      ref: "refs/heads/main",
      before: randomBytes(20).toString("hex"),
      after,
      repository: { id: 1296269, name: "app", full_name: "acme/app", private: true, default_branch: "main" },
      pusher: { name: "octocat", email: "octocat@example.com" },
      sender: { login: "octocat", id: 583231, type: "User" },
      head_commit: { id: after, message: "Fix the checkout button", timestamp: new Date().toISOString(), author: { name: "The Octocat", username: "octocat" } },
      commits: [{ id: after, message: "Fix the checkout button", added: [], removed: [], modified: ["src/checkout.ts"] }],
    });
  }
  return JSON.stringify({
    id: opt["event-id"] ?? `evt_${randomUUID().replace(/-/g, "").slice(0, 24)}`,
    object: "event",
    type: "payment_intent.succeeded",
    created: now,
    data: { object: { id: "pi_123", object: "payment_intent", amount: 2000, currency: "usd" } },
  });
}

async function send(target, provider) {
  if (!target) fail("send needs the webhook URL");
  const secret = opt.secret ?? "";
  if (provider !== "none" && !secret) fail(`--secret is needed for --provider ${provider}`);
  let body;
  try {
    body = opt.body ? readFileSync(opt.body) : Buffer.from(opt.data ?? sampleBody(provider));
  } catch (e) {
    fail(`cannot read ${opt.body}: ${e.message}`);
  }
  const url = new URL(target);
  const headers = { "content-type": opt["content-type"] ?? "application/json", "user-agent": `hookgate-cli (${provider})` };
  const hmac = (data) => createHmac("sha256", secret).update(data).digest("hex");

  switch (provider) {
    case "stripe": {
      const t = Math.floor(Date.now() / 1000);
      headers["stripe-signature"] = `t=${t},v1=${hmac(Buffer.concat([Buffer.from(`${t}.`), body]))}`;
      break;
    }
    case "github":
      headers["x-hub-signature-256"] = `sha256=${hmac(body)}`;
      headers["x-github-event"] = "push";
      headers["x-github-delivery"] = opt["event-id"] ?? randomUUID();
      break;
    case "token":
      if (opt["header-token"]) headers[opt["header-token"]] = secret;
      else url.searchParams.set(opt.param ?? "auth", secret);
      break;
    case "basic":
      headers.authorization = `Basic ${Buffer.from(`${opt.user ?? "hooks"}:${secret}`).toString("base64")}`;
      break;
    case "none":
      break;
    default:
      fail(`unknown provider "${provider}" (stripe, github, token, basic, none)`);
  }
  const sent = Buffer.from(body);
  if (opt.tamper) sent[sent.length > 1 ? sent.length - 2 : 0] ^= 1; // one byte changed after signing

  let res;
  try {
    res = await fetch(url, { method: "POST", headers, body: sent });
  } catch (e) {
    fail(`cannot reach ${url.origin}: ${reason(e)}`);
  }
  console.log(`${res.status} ${res.statusText}`);
  for (const name of ["content-type", "x-hookgate-request-id", "x-hookgate-duplicate", "retry-after", "www-authenticate", "allow"]) {
    if (res.headers.has(name)) console.log(`${name}: ${res.headers.get(name)}`);
  }
  console.log(await res.text());
}

// ---- dispatch -----------------------------------------------------------------------------

const [command, sub, third] = args;
if (opt.help || !command) {
  console.log(USAGE);
  process.exit(command || opt.help ? 0 : 2);
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
      for (const route of Array.isArray(parsed) ? parsed : [parsed]) {
        if (!route?.id) fail("every route needs an id");
        await admin("PUT", `/routes/${enc(route.id)}`, route);
      }
    } else if (sub === "list") await admin("GET", "/routes");
    else if (sub === "get" && third) await admin("GET", `/routes/${enc(third)}`);
    else if (sub === "delete" && third) await admin("DELETE", `/routes/${enc(third)}`);
    else fail("routes put <file> | list | get <id> | delete <id>");
    break;
  case "send":
    await send(sub, opt.provider ?? "none");
    break;
  case "log": {
    if (!sub) fail("log needs a route id");
    const q = new URLSearchParams();
    if (opt["event-id"]) q.set("eventId", opt["event-id"]);
    if (opt.decision) q.set("decision", opt.decision);
    if (opt.since) q.set("since", String(Date.now() - duration(opt.since)));
    await admin("GET", `/routes/${enc(sub)}/log?${q}`);
    break;
  }
  case "show":
    if (!sub || !third) fail("show <route> <seq>");
    await admin("GET", `/routes/${enc(sub)}/log/${enc(third)}`);
    break;
  case "events":
    if (!sub) fail("events needs a route id");
    await admin("GET", `/routes/${enc(sub)}/events?state=${enc(opt.state ?? "pending")}`);
    break;
  case "dead-letters":
    if (!sub) fail("dead-letters needs a route id");
    await admin("GET", `/routes/${enc(sub)}/dead-letters`);
    break;
  case "replay":
    if (!sub || (!third && !opt.all)) fail("replay <route> <event-id> | replay <route> --all");
    await admin("POST", opt.all ? `/routes/${enc(sub)}/dead-letters/replay` : `/routes/${enc(sub)}/dead-letters/${enc(third)}/replay`);
    break;
  case "dedup":
    if (!sub || !third) fail("dedup <route> <key> [--forget]");
    await admin(opt.forget ? "DELETE" : "GET", `/routes/${enc(sub)}/dedup/${enc(third)}`);
    break;
  default:
    fail(`unknown command "${command}"\n\n${USAGE}`);
}
