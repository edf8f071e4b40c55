// hookgate listen / replay --forward: a route's events from a running gateway onto this machine.
//
// `listen` holds a WebSocket to the route's listen hub (src/durable/listen-hub.ts): it prints
// every decision, and with --forward sends each verified event's exact bytes and headers to a
// loopback URL, one at a time in arrival order, acking each once the local server answered.
// A dropped connection is reopened with backoff from the last event handled (`?after=`), so
// events that arrived meanwhile are caught up and none is handled twice.

import { decision, dim, paint, status, time } from "./format.mjs";

const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "te", "trailer", "proxy-connection", "host", "content-length", "expect"]);
const LOCAL_TIMEOUT_MS = 30_000;
const MAX_BACKOFF_MS = 10_000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The --forward URL, refused unless it is http(s) to this machine: events carry real signatures and data. */
export function loopbackUrl(text) {
  let url;
  try {
    url = new URL(text);
  } catch {
    return { error: `--forward "${text}" is not a URL (e.g. http://localhost:3000/webhooks)` };
  }
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const loopback = host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
  if (!/^https?:$/.test(url.protocol) || !loopback) {
    return { error: `--forward must be a loopback URL (localhost, 127.0.0.1 or [::1]), not ${url.origin}: events carry real signatures and data` };
  }
  return { url };
}

/** Where an event goes: the --forward URL as given, or with only an origin, plus the event's own path and query. */
export function localTarget(forward, eventUrl) {
  if (forward.pathname !== "/" || forward.search) return forward.href;
  const original = new URL(eventUrl);
  return `${forward.origin}${original.pathname}${original.search}`;
}

/** Sends one stored request to the local server; the answer's status and time, or why it failed. */
export async function forwardLocal(request, body, forward) {
  const headers = new Headers();
  for (const [name, value] of request.headers) if (!HOP_BY_HOP.has(name.toLowerCase())) headers.append(name, value);
  const started = performance.now();
  try {
    const res = await fetch(localTarget(forward, request.url), {
      method: request.method,
      headers,
      body: request.method === "GET" || request.method === "HEAD" ? undefined : body,
      redirect: "manual",
      signal: AbortSignal.timeout(LOCAL_TIMEOUT_MS),
    });
    await res.arrayBuffer().catch(() => {});
    return { status: res.status, ms: Math.round(performance.now() - started) };
  } catch (e) {
    const cause = e?.cause;
    return { error: cause?.code ?? cause?.errors?.[0]?.code ?? (e?.name === "TimeoutError" ? "timeout" : (e?.message ?? String(e))) };
  }
}

// ---- output ---------------------------------------------------------------------------

/** One line per event, as a person reads it; `--json` prints the frame instead. */
function line(frame, local) {
  const parts = [dim(time(frame.at)), dim(`#${frame.seq}`), decision(frame.decision.padEnd(9)), String(frame.status)];
  if (frame.reason) parts.push(paint(31, frame.reason));
  parts.push(frame.eventId ?? dim("-"));
  if (local) parts.push("→", local.error ? paint(31, `local ${local.error}`) : `local ${status(local.status)} ${local.ms} ms`);
  return parts.join("  ");
}

// ---- the session ------------------------------------------------------------------------

async function webSocketClass() {
  if (globalThis.WebSocket) return globalThis.WebSocket;
  try {
    return (await import("undici")).WebSocket; // Node 20: the same client, from the project's dependencies
  } catch {
    return null;
  }
}

/**
 * Runs until the process is stopped. `api(path)` fetches admin JSON (large bodies);
 * `fail(message)` ends the process with one sentence.
 */
export async function listen({ base, token, route, forward, json, api, fail }) {
  const WebSocketClient = await webSocketClass();
  if (!WebSocketClient) fail("listen needs a WebSocket client: Node 22 or later (or run it as `npx hookgate` in the project, which uses its pinned Node)");
  const wsBase = base.replace(/^http/, "ws");
  /** The last event handled: a reconnect resumes after it. */
  let cursor;
  /** Kept events (listen mode) come before the cursor; these were handled already. */
  const handledKept = new Set();
  let backoff = 500;
  let announced = false;

  const out = (text) => process.stdout.write(`${text}\n`);
  const note = (text) => process.stderr.write(`${paint(2, text)}\n`);

  for (;;) {
    const query = cursor === undefined ? "" : `?after=${cursor}`;
    const ws = new WebSocketClient(`${wsBase}/__gateway/routes/${encodeURIComponent(route)}/listen${query}`, { headers: { authorization: `Bearer ${token}` } });
    const frames = [];
    let wake = () => {};
    let closed = false;
    let opened = false;
    ws.addEventListener("open", () => (opened = true));
    ws.addEventListener("message", (e) => {
      try {
        frames.push(JSON.parse(String(e.data)));
      } catch {
        // not ours
      }
      wake();
    });
    ws.addEventListener("close", () => {
      closed = true;
      wake();
    });
    ws.addEventListener("error", () => {});

    while (!closed || frames.length > 0) {
      if (frames.length === 0) {
        await new Promise((resolve) => (wake = resolve));
        continue;
      }
      const frame = frames.shift();
      if (frame.type === "hello") {
        backoff = 500;
        if (cursor === undefined) cursor = frame.head;
        if (!announced) {
          const what = forward ? `forwarding verified events to ${forward.href}` : "showing decisions (add --forward http://localhost:PORT to send events to your app)";
          note(`listening on route ${route} at ${base}: ${what}; Ctrl-C to stop`);
          if (frame.kept > 0) note(`${frame.kept} kept event(s) waiting for a listener`);
          announced = true;
        } else {
          note(`reconnected; catching up ${frame.backlog} event(s)`);
        }
        continue;
      }
      if (frame.type === "error") {
        note(`gateway: ${frame.message}`);
        continue;
      }
      if (frame.type !== "event") continue;
      if (frame.seq <= cursor && !(frame.kept && !handledKept.has(frame.seq))) continue; // handled before a reconnect
      let local;
      if (forward && frame.request) {
        local = await deliverLocally(frame, { route, forward, api, note, closedNow: () => closed });
        if (local === null) break; // the connection went while waiting for the local server: resume after the cursor
      }
      if (forward && frame.request && !closed) ws.send(JSON.stringify({ type: "ack", seq: frame.seq, local }));
      if (frame.kept) handledKept.add(frame.seq);
      cursor = Math.max(cursor, frame.seq);
      out(json ? JSON.stringify({ ...frame, request: undefined, ...(local && { local }) }) : line(frame, local));
    }

    if (!opened) note(`cannot reach ${base} (or the token or route was refused); retrying in ${Math.round(backoff / 100) / 10} s`);
    else note(`connection lost; reconnecting in ${Math.round(backoff / 100) / 10} s`);
    try {
      ws.close();
    } catch {
      // already closed
    }
    await sleep(backoff);
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    if (!opened) await explainRefusal({ base, token, route, fail });
  }
}

/** A refused upgrade says nothing; one HTTP call tells a wrong token or route from a gateway that is down. */
async function explainRefusal({ base, token, route, fail }) {
  try {
    const res = await fetch(`${base}/__gateway/routes/${encodeURIComponent(route)}`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(5_000) });
    if (res.status === 401) fail("the admin token was refused (--token or HOOKGATE_ADMIN_TOKEN)");
    if (res.status === 404) fail(`no route "${route}" on ${base} (hookgate routes list)`);
  } catch {
    // down: keep retrying
  }
}

/** Forwards one event, retrying while the local server is unreachable (later events wait: order is kept). */
async function deliverLocally(frame, { route, forward, api, note, closedNow }) {
  let body;
  if (frame.request.body !== undefined) body = Buffer.from(frame.request.body, "base64");
  else {
    const full = await api(`/routes/${encodeURIComponent(route)}/listen/events/${frame.seq}`);
    body = full?.request?.body !== undefined ? Buffer.from(full.request.body, "base64") : null;
    if (body === null) return { error: "body no longer stored" };
  }
  let wait = 1000;
  for (;;) {
    const local = await forwardLocal(frame.request, body, forward);
    if (!local.error || local.error === "timeout") return local;
    if (closedNow()) return null;
    note(`#${frame.seq}: local ${local.error}; retrying in ${wait / 1000} s (later events wait)`);
    await sleep(wait);
    wait = Math.min(wait * 2, MAX_BACKOFF_MS);
  }
}
