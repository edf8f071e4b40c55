#!/usr/bin/env node
// `npm start`: the gateway under `wrangler dev` with local KV and Durable Objects, the demo
// origin, and the demo routes loaded. No Cloudflare account, no network.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

const GATEWAY = "http://localhost:8787";
const ORIGIN_PORT = "9009";

if (!existsSync(".dev.vars")) {
  writeFileSync(
    ".dev.vars",
    [
      `ADMIN_TOKEN=${randomBytes(24).toString("base64url")}`,
      `SECRETS_KEY=${randomBytes(32).toString("base64")}`,
      "ALLOW_HTTP=true",
      "",
    ].join("\n"),
  );
  console.log("wrote .dev.vars (a random admin token and encryption key; git-ignored)");
}
const adminToken = /^ADMIN_TOKEN=(.*)$/m.exec(readFileSync(".dev.vars", "utf8"))?.[1]?.trim();

const children = [];
function start(name, command, args, color) {
  // Own process group, so stopping it stops whatever it started (wrangler starts workerd).
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], detached: true });
  const prefix = `\x1b[${color}m[${name}]\x1b[0m `;
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding("utf8");
    stream.on("data", (chunk) => process.stdout.write(chunk.replace(/^(?=.)/gm, prefix)));
  }
  child.on("exit", (code) => {
    if (!stopping) {
      console.log(`${prefix}exited (${code}); stopping`);
      stop(1);
    }
  });
  children.push(child);
  return child;
}

let stopping = false;
function stop(code = 0) {
  stopping = true;
  for (const child of children) {
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      // already gone
    }
  }
  setTimeout(() => process.exit(code), 500);
}
process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));

start("origin", process.execPath, ["demo/origin.mjs", "--port", ORIGIN_PORT], "36");
start("gateway", "npx", ["wrangler", "dev", "--port", "8787", "--ip", "127.0.0.1", "--persist-to", ".wrangler/state"], "35");

async function waitForGateway() {
  for (let i = 0; i < 120; i++) {
    try {
      if ((await fetch(`${GATEWAY}/__gateway/health`)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error("the gateway did not start within 60 s");
}

try {
  await waitForGateway();
  const routes = JSON.parse(readFileSync("demo/routes.json", "utf8"));
  for (const route of routes) {
    const res = await fetch(`${GATEWAY}/__gateway/routes/${route.id}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
      body: JSON.stringify(route),
    });
    if (!res.ok) throw new Error(`loading route ${route.id}: ${res.status} ${await res.text()}`);
  }
  console.log(`
  hookgate is running on ${GATEWAY} with ${routes.length} demo routes; the demo origin prints what it receives.

  Try, in another terminal:
    npx hookgate send ${GATEWAY}/hooks/stripe --provider stripe --secret whsec_demo_stripe_secret   # 200, forwarded
    npx hookgate send ${GATEWAY}/hooks/stripe --provider stripe --secret whsec_wrong                # 401
    npx hookgate send ${GATEWAY}/hooks/github --provider github --secret demo-github-secret --tamper  # 401
    npx hookgate send ${GATEWAY}/hooks/github --provider github --secret demo-github-secret           # 202, queued, then delivered
    npx hookgate send ${GATEWAY}/hooks/token --provider token --secret demo-token
    npx hookgate send ${GATEWAY}/hooks/basic --provider basic --user hooks --secret demo-password
    npx hookgate routes list
    npx hookgate log demo-stripe

  Dashboard: ${GATEWAY}/__gateway/dashboard   admin token: ${adminToken}
  Ctrl-C stops everything.
`);
} catch (e) {
  console.error(String(e.message ?? e));
  stop(1);
}
