// Serves the gateway the way production runs it: plain `workerd serve` (the binary wrangler
// ships) with a config generated from this project: the gateway bundle, a passthrough
// worker, a KV stand-in, Durable Objects with SQLite on local disk.
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");

export function workerdBinary() {
  for (const p of ["node_modules/wrangler/node_modules/workerd/bin/workerd", "node_modules/workerd/bin/workerd"]) {
    if (existsSync(join(ROOT, p))) return join(ROOT, p);
  }
  throw new Error("workerd binary not found: run npm install");
}

/** Durable Object classes declared in wrangler.toml, so new ones are wired without editing this file. */
function durableObjects() {
  const toml = readFileSync(join(ROOT, "wrangler.toml"), "utf8");
  return [...toml.matchAll(/\[\[durable_objects\.bindings\]\]\s*\nname\s*=\s*"([^"]+)"\s*\nclass_name\s*=\s*"([^"]+)"/g)].map((m) => ({ binding: m[1], className: m[2] }));
}

export function bundle(dir) {
  execFileSync(join(ROOT, "node_modules/.bin/wrangler"), ["deploy", "--dry-run", "--outdir", join(dir, "gateway")], { cwd: ROOT, stdio: "pipe" });
  return join(dir, "gateway/index.js");
}

const capnpString = (s) => JSON.stringify(s);

export function writeConfig(dir, { gatewayPort, passthroughPort, originUrl, secrets }) {
  const dos = durableObjects();
  mkdirSync(join(dir, "do"), { recursive: true });
  // capnp embeds are read relative to the config file.
  copyFileSync(join(ROOT, "bench/passthrough.js"), join(dir, "passthrough.js"));
  copyFileSync(join(ROOT, "bench/kv-service.js"), join(dir, "kv.js"));
  const text = (name, value) => `(name = ${capnpString(name)}, text = ${capnpString(value)})`;
  const config = `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "gateway", worker = .gateway),
    (name = "passthrough", worker = .passthrough),
    (name = "kv", worker = .kv),
    (name = "do-disk", disk = (path = ${capnpString(join(dir, "do"))}, writable = true)),
    (name = "internet", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [
    (name = "gateway", address = "127.0.0.1:${gatewayPort}", http = (), service = "gateway"),
    (name = "passthrough", address = "127.0.0.1:${passthroughPort}", http = (), service = "passthrough"),
  ],
);

const gateway :Workerd.Worker = (
  modules = [(name = "index.js", esModule = embed "gateway/index.js")],
  compatibilityDate = "2026-11-01",
  compatibilityFlags = ["nodejs_compat"],
  bindings = [
    (name = "ROUTES", kvNamespace = "kv"),
    ${text("ADMIN_TOKEN", secrets.adminToken)},
    ${text("SECRETS_KEY", secrets.secretsKey)},
    ${text("ALLOW_HTTP", "true")},
    ${text("ADMIN_PREFIX", "/__gateway")},
${dos.map((d) => `    (name = ${capnpString(d.binding)}, durableObjectNamespace = ${capnpString(d.className)}),`).join("\n")}
  ],
  durableObjectNamespaces = [
${dos.map((d) => `    (className = ${capnpString(d.className)}, uniqueKey = ${capnpString(`hookgate-${d.className}`)}, enableSql = true),`).join("\n")}
  ],
  durableObjectStorage = (localDisk = "do-disk"),
  globalOutbound = "internet",
);

const passthrough :Workerd.Worker = (
  modules = [(name = "passthrough.js", esModule = embed "passthrough.js")],
  compatibilityDate = "2026-11-01",
  bindings = [${text("ORIGIN", originUrl)}],
  globalOutbound = "internet",
);

const kv :Workerd.Worker = (
  modules = [(name = "kv.js", esModule = embed "kv.js")],
  compatibilityDate = "2026-11-01",
);
`;
  const path = join(dir, "bench.capnp");
  writeFileSync(path, config);
  return path;
}

/** Starts workerd in its own process group; resolves once both sockets answer. */
export async function startWorkerd(configPath, ports) {
  const child = spawn(workerdBinary(), ["serve", configPath, "--experimental"], { detached: true, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (c) => (stderr += c));
  const deadline = Date.now() + 30_000;
  for (const port of ports) {
    for (;;) {
      try {
        await fetch(`http://127.0.0.1:${port}/__gateway/health`);
        break;
      } catch {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`workerd did not start: ${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }
  return {
    pid: child.pid,
    stderr: () => stderr,
    stop() {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // already gone
      }
    },
  };
}
