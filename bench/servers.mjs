// Starts the bench's servers, each in its own process group so that stopping one stops
// everything it spawned; nothing here outlives the bench.
import { spawn } from "node:child_process";
import { closeSync, cpSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { ADMIN_TOKEN, SECRETS_KEY } from "./scenarios.mjs";
import { bundleGateway, readWranglerConfig, renderConfig, workerdBinary } from "./workerd-config.mjs";

const START_TIMEOUT_MS = 30_000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export const freePort = () =>
  new Promise((resolve, reject) => {
    const s = createServer().once("error", reject).listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

function handle(child, describe) {
  return {
    pid: child.pid,
    describe,
    alive: () => child.exitCode === null && child.signalCode === null,
    /** SIGTERM to the group, SIGKILL if it lingers. */
    async stop() {
      for (const [signal, waitMs] of [["SIGTERM", 3000], ["SIGKILL", 1000]]) {
        try {
          process.kill(-child.pid, signal);
        } catch {
          return; // already gone
        }
        for (let t = 0; t < waitMs && child.exitCode === null && child.signalCode === null; t += 50) await sleep(50);
        if (child.exitCode !== null || child.signalCode !== null) return;
      }
    },
    /** For process.on("exit"), where nothing can be awaited. */
    kill() {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    },
  };
}

export async function startOrigin(port) {
  const child = spawn(process.execPath, [join(import.meta.dirname, "origin.mjs"), String(port)], { detached: true, stdio: ["ignore", "pipe", "inherit"] });
  await new Promise((resolve, reject) => {
    child.stdout.once("data", resolve);
    child.once("exit", (code) => reject(new Error(`origin exited with ${code}`)));
  });
  return { ...handle(child, "origin"), url: `http://127.0.0.1:${port}` };
}

/**
 * `workerd serve` on the generated config. The workers' console output (one JSON line per
 * request from the gateway) goes to /dev/null, as cheap as a log sink gets; workerd's own
 * stderr goes to a file that is shown if it fails.
 */
export async function startWorkerd({ bin, configPath, dir, ports, extraArgs = [] }) {
  const errPath = join(dir, "workerd.stderr");
  const errFd = openSync(errPath, "w");
  const child = spawn(bin, ["serve", configPath, "--experimental", ...extraArgs], { detached: true, stdio: ["ignore", "ignore", errFd] });
  closeSync(errFd);
  const server = { ...handle(child, "workerd"), stderr: () => readFileSync(errPath, "utf8").slice(-4000) };
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (const port of ports) {
    for (;;) {
      try {
        await (await fetch(`http://127.0.0.1:${port}/__gateway/health`)).arrayBuffer();
        break;
      } catch {
        if (Date.now() > deadline || !server.alive()) {
          await server.stop();
          throw new Error(`workerd did not start:\n${server.stderr()}`);
        }
        await sleep(100);
      }
    }
  }
  return server;
}

/**
 * The whole stack in `dir`: the origin, then workerd serving the gateway (bundled from src/
 * now, or the prebuilt `bundle` directory) and the passthrough. Each started server is
 * handed to `track` at once, so a failure later in start-up still stops it.
 */
export async function startStack({ dir, track, extraArgs = [], bundle }) {
  const origin = await startOrigin(await freePort());
  track(origin);
  const [gatewayPort, passthroughPort] = [await freePort(), await freePort()];
  const workerd = workerdBinary();
  if (bundle) {
    // A build made elsewhere (`wrangler deploy --dry-run --outdir X` in a copy with a change): A/B comparisons.
    console.log(`gateway bundle from ${bundle}; workerd ${workerd.version}`);
    cpSync(bundle, join(dir, "gateway"), { recursive: true });
  } else {
    console.log(`bundling the gateway (wrangler deploy --dry-run); workerd ${workerd.version}`);
    bundleGateway(dir);
  }
  const configPath = join(dir, "bench.capnp");
  const secrets = { ADMIN_TOKEN, SECRETS_KEY, ALLOW_HTTP: "true" };
  writeFileSync(configPath, renderConfig(dir, await readWranglerConfig(), { gatewayPort, passthroughPort, originUrl: origin.url, secrets }));
  const server = await startWorkerd({ bin: workerd.bin, configPath, dir, ports: [gatewayPort, passthroughPort], extraArgs });
  track(server);
  return { origin, server, workerdVersion: workerd.version, gateway: `http://127.0.0.1:${gatewayPort}`, passthrough: `http://127.0.0.1:${passthroughPort}` };
}
