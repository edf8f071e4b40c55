/**
 * Real processes for end-to-end tests: the worker under `wrangler dev` (its own process
 * group, local KV and Durable Objects in a temp dir) and recording origins on 127.0.0.1.
 * Everything is bounded in time and stopped by PID.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const ADMIN_TOKEN = "e2e-admin-token";
export const SECRETS_KEY = "q7tqVjQyU9qfP6Fw1t2Zb8O3sRr1kH4mN0pL5cX2vYw=";

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface Gateway {
  readonly url: string;
  readonly output: () => string;
  admin(method: string, path: string, body?: unknown): Promise<Response>;
  stop(): Promise<void>;
}

/** Starts `wrangler dev` for this project and waits until it answers. */
export async function startGateway(vars: Record<string, string> = {}): Promise<Gateway> {
  const port = await freePort();
  const state = mkdtempSync(join(tmpdir(), "hookgate-e2e-"));
  const args = ["wrangler", "dev", "--port", String(port), "--ip", "127.0.0.1", "--persist-to", state, "--inspector-port", String(await freePort())];
  for (const [k, v] of Object.entries({ ALLOW_HTTP: "true", ADMIN_TOKEN, SECRETS_KEY, EVENT_LOG_FLUSH_MS: "0", ...vars })) args.push("--var", `${k}:${v}`);
  const child: ChildProcess = spawn("npx", args, { detached: true, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, WRANGLER_SEND_METRICS: "false" } });
  let output = "";
  child.stdout!.on("data", (c) => (output += c));
  child.stderr!.on("data", (c) => (output += c));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    try {
      process.kill(-child.pid!, "SIGTERM");
    } catch {
      // already gone
    }
    await new Promise((r) => setTimeout(r, 300));
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // stopped by SIGTERM
    }
    rmSync(state, { recursive: true, force: true });
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/__gateway/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop();
      throw new Error(`wrangler dev did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    output: () => output,
    admin: (method, path, body) =>
      fetch(`${url}/__gateway${path}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      }),
    stop,
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
