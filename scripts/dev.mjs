#!/usr/bin/env node
// `npm start`: the gateway under `wrangler dev` with local KV and Durable Objects, the demo
// origin, and the demo routes loaded. No Cloudflare account, no network.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";

process.chdir(fileURLToPath(new URL("..", import.meta.url)));

const GATEWAY = "http://localhost:8787";
const GATEWAY_LOCAL = "http://127.0.0.1:8787"; // what wrangler binds; `localhost` may resolve to ::1 first
const ORIGIN_PORT = "9009";
const STARTUP_TIMEOUT_MS = 90_000;
const STOP_GRACE_MS = 5_000;

// wrangler needs Node >= 22.12. `npm start` runs us on the project's Node 24 (a devDependency);
// a bare `node scripts/dev.mjs` on an older Node still finds that one.
const NODE = Number(process.versions.node.split(".")[0]) >= 22 ? process.execPath : "node_modules/node/bin/node";
// Keep wrangler off the network: no telemetry, no Request.cf download, no update check (banner).
const OFFLINE_ENV = { WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_HIDE_BANNER: "true" };

if (!existsSync(".dev.vars")) {
  writeFileSync(
    ".dev.vars",
    [
      `ADMIN_TOKEN=${randomBytes(24).toString("base64url")}`,
      `SECRETS_KEY=${randomBytes(32).toString("base64")}`,
      "ALLOW_HTTP=true",
      "",
    ].join("\n"),
    { mode: 0o600 },
  );
  console.log("wrote .dev.vars (a random admin token and encryption key; git-ignored)");
}
const adminToken = /^ADMIN_TOKEN=(.*)$/m.exec(readFileSync(".dev.vars", "utf8"))?.[1]?.trim().replace(/^"|"$/g, "");

const color = (code, text) => (process.stdout.isTTY ? `\x1b[${code}m${text}\x1b[0m` : text);
const children = [];
let stopping = false;

function start(name, command, args, colorCode) {
  // Own process group, so stopping it stops whatever it started (wrangler starts workerd).
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], detached: true, env: { ...process.env, ...OFFLINE_ENV } });
  const prefix = `${color(colorCode, `[${name}]`)} `;
  // Whole lines only, so a chunk boundary never splits a prefix into the middle of a line.
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream, crlfDelay: Infinity }).on("line", (line) => console.log(line ? prefix + line : ""));
  }
  child.exited = new Promise((resolve) => child.on("exit", resolve));
  child.on("exit", (code, signal) => {
    if (!stopping) {
      console.log(`${prefix}exited (${code ?? signal}); stopping`);
      stop(1);
    }
  });
  children.push(child);
  return child;
}

function signalGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is already gone
  }
}

async function stop(code = 0) {
  if (stopping) {
    // A second Ctrl-C: do not wait any longer.
    for (const child of children) signalGroup(child, "SIGKILL");
    process.exit(code || 130);
  }
  stopping = true;
  for (const child of children) signalGroup(child, "SIGTERM");
  const grace = new Promise((resolve) => setTimeout(resolve, STOP_GRACE_MS).unref());
  await Promise.race([Promise.all(children.map((c) => c.exited)), grace]);
  // workerd may outlive wrangler; whatever is left in the groups goes now.
  for (const child of children) signalGroup(child, "SIGKILL");
  process.exit(code);
}
process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));
process.on("SIGHUP", () => stop(0));

// Local only: wrangler.toml plus the bindings demo/fanout.json's Cloudflare-native destinations use
// (an R2 archive, a Queue). They are not in wrangler.toml, so that `wrangler deploy` needs no bucket
// or queue nobody asked for; README "Destinations" says how to add them for real.
const DEV_CONFIG = ".dev.wrangler.toml";
writeFileSync(
  DEV_CONFIG,
  `# Written by npm start (scripts/dev.mjs) on every run; edit wrangler.toml instead.\n${readFileSync("wrangler.toml", "utf8")}
[[r2_buckets]]
binding = "ARCHIVE"
bucket_name = "hookgate-archive"

[[r2_buckets]]
binding = "QUEUE_BODIES"
bucket_name = "hookgate-queue-bodies"

[[queues.producers]]
binding = "EVENTS"
queue = "hookgate-events"
`,
);

start("origin", process.execPath, ["demo/origin.mjs", "--port", ORIGIN_PORT], "36");
start("gateway", NODE, ["node_modules/wrangler/bin/wrangler.js", "dev", "--config", DEV_CONFIG, "--port", "8787", "--ip", "127.0.0.1", "--persist-to", ".wrangler/state"], "35");

async function waitForGateway() {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${GATEWAY_LOCAL}/__gateway/health`, { signal: AbortSignal.timeout(2_000) })).ok) return;
    } catch {
      // not up yet
    }
    if (stopping) throw new Error("stopped before the gateway was up");
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the gateway did not answer ${GATEWAY_LOCAL}/__gateway/health within ${STARTUP_TIMEOUT_MS / 1000} s`);
}

try {
  await waitForGateway();
  const routes = JSON.parse(readFileSync("demo/routes.json", "utf8"));
  for (const route of routes) {
    const res = await fetch(`${GATEWAY_LOCAL}/__gateway/routes/${encodeURIComponent(route.id)}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
      body: JSON.stringify(route),
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) throw new Error(`loading route ${route.id}: ${res.status} ${await res.text()}`);
  }
  console.log(`
  hookgate is running on ${GATEWAY} with ${routes.length} demo routes (demo/routes.json); the demo origin prints what it receives.

  Try, in another terminal:
    npm run try                                                   # one event and one handshake per preset, a line each
    npx hookgate send ${GATEWAY}/hooks/stripe --provider stripe --secret whsec_demo_stripe_secret    # 200, forwarded
    npx hookgate send ${GATEWAY}/hooks/stripe --provider stripe --secret whsec_wrong                 # 401, wrong secret
    npx hookgate send ${GATEWAY}/hooks/github --provider github --secret demo-github-secret --tamper # 401, body changed after signing
    npx hookgate send ${GATEWAY}/hooks/github --provider github --secret demo-github-secret          # 202, queued, then delivered
    npx hookgate send ${GATEWAY}/hooks/slack --provider slack --secret demo-slack-signing-secret --handshake  # url_verification answered
    npx hookgate send ${GATEWAY}/hooks/discord --provider discord --key 9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60
    npx hookgate send ${GATEWAY}/hooks/token --provider token --secret demo-token
    npx hookgate routes list
    npx hookgate listen demo-stripe --forward http://localhost:3000   # each verified event to your local server
    npx hookgate log demo-stripe
    npx hookgate routes put demo/fanout.json && npx hookgate send ${GATEWAY}/hooks/fanout --provider github --secret demo-github-secret --explain
                                                                      # one event, five destinations: who takes it, and why
  Every demo route's arguments: demo/send.json (one line per preset).

  Dashboard: ${GATEWAY}/__gateway/dashboard   admin token: ${adminToken}
  Ctrl-C stops everything.
`);
} catch (e) {
  if (!stopping) {
    console.error(String(e?.message ?? e));
    stop(1);
  }
}
