/**
 * Real processes for end-to-end tests (and benchmarks): the worker under `wrangler dev` (its
 * own process group, local KV and Durable Objects in a temp dir, no network) and recording
 * origins on 127.0.0.1. Everything is bounded in time and stopped by process group.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const PROJECT_ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const ADMIN_TOKEN = "e2e-admin-token";
export const SECRETS_KEY = "q7tqVjQyU9qfP6Fw1t2Zb8O3sRr1kH4mN0pL5cX2vYw=";

const STARTUP_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;
// wrangler stays off the network: no telemetry, no Request.cf download, no update check (banner).
const OFFLINE_ENV = { WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_HIDE_BANNER: "true" };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM to the whole group, SIGKILL to whatever is left after the grace period. */
export async function stopGroup(child: ChildProcess, graceMs = STOP_GRACE_MS): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  try {
    process.kill(-pid, "SIGTERM");
  } catch {
    return; // already gone
  }
  const deadline = Date.now() + graceMs;
  while (groupAlive(pid) && Date.now() < deadline) await sleep(50);
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // stopped by SIGTERM
  }
}

export interface Gateway {
  readonly url: string;
  readonly port: number;
  /** The --persist-to directory (KV, Durable Objects, alarms). */
  readonly stateDir: string;
  readonly output: () => string;
  admin(method: string, path: string, body?: unknown): Promise<Response>;
  stop(): Promise<void>;
  /** A crash: SIGKILL to the whole process group at once, no grace; the state directory is kept. */
  kill(): Promise<void>;
}

export interface GatewayOptions {
  /** Reuse this state directory (a restart after `kill`); then `stop` leaves it to the caller. */
  readonly stateDir?: string;
  /** Listen on this port (a restart on the same address); default a free one. */
  readonly port?: number;
}

/** SIGKILL to the whole group, then waits (bounded) until it is gone. */
async function killGroup(child: ChildProcess, waitMs = STOP_GRACE_MS): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    return; // already gone
  }
  const deadline = Date.now() + waitMs;
  while (groupAlive(pid) && Date.now() < deadline) await sleep(50);
}

/**
 * Starts `wrangler dev` for this project and waits until /__gateway/health answers.
 * Only `vars` (over ALLOW_HTTP, ADMIN_TOKEN, SECRETS_KEY) reach the worker: an empty env
 * file keeps the developer's .dev.vars out.
 */
export async function startGateway(vars: Record<string, string> = {}, options: GatewayOptions = {}): Promise<Gateway> {
  const port = options.port ?? (await freePort());
  const ownState = options.stateDir === undefined;
  const state = options.stateDir ?? mkdtempSync(join(tmpdir(), "hookgate-e2e-"));
  const envFile = join(state, "empty.env");
  writeFileSync(envFile, "");
  const args = [
    join(PROJECT_ROOT, "node_modules/wrangler/bin/wrangler.js"), "dev",
    "--port", String(port), "--ip", "127.0.0.1", "--inspector-port", String(await freePort()),
    "--persist-to", state, "--env-file", envFile, "--show-interactive-dev-session", "false",
  ];
  for (const [k, v] of Object.entries({ ALLOW_HTTP: "true", ADMIN_TOKEN, SECRETS_KEY, EVENT_LOG_FLUSH_MS: "0", ...vars })) args.push("--var", `${k}:${v}`);
  const child = spawn(process.execPath, args, {
    cwd: PROJECT_ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...OFFLINE_ENV },
  });
  let output = "";
  child.stdout!.on("data", (c) => (output += c));
  child.stderr!.on("data", (c) => (output += c));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await stopGroup(child);
    if (ownState) rmSync(state, { recursive: true, force: true });
  };
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    try {
      if ((await fetch(`${url}/__gateway/health`, { signal: AbortSignal.timeout(2_000) })).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop();
      throw new Error(`wrangler dev did not start:\n${output}`);
    }
    await sleep(250);
  }
  return {
    url,
    port,
    stateDir: state,
    output: () => output,
    admin: (method, path, body) =>
      fetch(`${url}/__gateway${path}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
        signal: AbortSignal.timeout(10_000),
        ...(body !== undefined && { body: JSON.stringify(body) }),
      }),
    stop,
    kill: () => killGroup(child),
  };
}

export interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface Origin {
  readonly url: string;
  readonly received: Received[];
  /** Decides each answer; default 200 "ok". */
  respond: (req: Received) => { status: number; body?: string; headers?: Record<string, string> } | "hang";
  close(): Promise<void>;
}

/** A real HTTP origin on 127.0.0.1 that records raw request bytes. */
export async function startOrigin(): Promise<Origin> {
  const origin: Origin = {
    url: "",
    received: [],
    respond: () => ({ status: 200, body: "ok" }),
    close: async () => {},
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const received = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks) };
      origin.received.push(received);
      const answer = origin.respond(received);
      if (answer === "hang") return; // never answers: the gateway's timeout must fire
      res.writeHead(answer.status, answer.headers ?? {});
      res.end(answer.body ?? "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(origin, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs bin/hookgate.mjs with the given arguments; never throws on a non-zero exit. */
export function runCli(args: string[], env: Record<string, string> = {}, timeoutMs = 20_000): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(PROJECT_ROOT, "bin/hookgate.mjs"), ...args], { cwd: PROJECT_ROOT, env: { ...process.env, ...env }, timeout: timeoutMs }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
