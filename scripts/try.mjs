#!/usr/bin/env node
// `npm run try`: against the gateway `npm start` runs, sends one sample event per demo route
// (demo/send.json: the same arguments you would type), then each provider's handshake, and
// prints one line per request. Ends by itself; exits non-zero if any was not accepted.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { PROVIDERS, sender } from "../signers/index.mjs";

process.chdir(fileURLToPath(new URL("..", import.meta.url)));
const base = (process.env.HOOKGATE_URL ?? "http://127.0.0.1:8787").replace(/\/+$/, "");
const routes = new Map(JSON.parse(readFileSync("demo/routes.json", "utf8")).map((r) => [r.id, r]));
const sends = JSON.parse(readFileSync("demo/send.json", "utf8"));

const run = (args) =>
  new Promise((resolve) => {
    execFile(process.execPath, ["bin/hookgate.mjs", "send", ...args], { timeout: 20_000 }, (error, stdout, stderr) => resolve({ error, stdout, stderr }));
  });

let failed = 0;
for (const [id, args] of Object.entries(sends)) {
  const route = routes.get(id);
  const provider = args[args.indexOf("--provider") + 1];
  const handshake = PROVIDERS.includes(provider) && (await sender(provider)).handshake;
  const tries = [["event", []], ...(handshake ? [["handshake", ["--handshake"]]] : [])];
  for (const [what, extra] of tries) {
    const { error, stdout, stderr } = await run([`${base}${route.path}`, ...args, ...extra]);
    const line = stdout.split("\n")[0] || stderr.trim().split("\n")[0] || String(error?.message);
    const ok = /^2\d\d /.test(line);
    if (!ok) failed++;
    console.log(`${ok ? "ok  " : "FAIL"} ${provider.padEnd(18)} ${what.padEnd(9)} ${route.path.padEnd(26)} ${line}`);
  }
}
if (failed) {
  console.log(`\n${failed} request(s) not accepted. Is \`npm start\` running (${base})?`);
  process.exit(1);
}
