/**
 * The operator dashboard: one self-contained page (no CDN, works offline) served under the
 * admin prefix. The page itself holds no data; every figure comes from the admin API with
 * the token the operator types in, kept in sessionStorage for the tab's lifetime.
 * All data is put into the page with textContent, never as HTML.
 */
import { REASON_WORDS } from "../lib/rejection";

// [hidden] wins over every display rule: main's grid once showed the app behind the login form.
const STYLE = `
[hidden]{display:none!important}*{box-sizing:border-box}body{margin:0;font:14px/1.4 system-ui,sans-serif;color:#1d2330;background:#f4f6f9}
header{background:#1d2330;color:#fff;padding:10px 20px;display:flex;gap:16px;align-items:center}
header h1{font-size:16px;margin:0}main{padding:16px 20px;display:grid;gap:16px}
section{background:#fff;border-radius:8px;padding:12px 16px;box-shadow:0 1px 2px #0002}
h2{font-size:14px;margin:0 0 8px;text-transform:uppercase;letter-spacing:.04em;color:#56607a}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:4px 8px;border-bottom:1px solid #eef0f4;font-variant-numeric:tabular-nums}
tr.clickable{cursor:pointer}tr.clickable:hover{background:#f0f4ff}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;color:#fff}
.ok{background:#1f9d55}.degraded{background:#d69e2e}.failing{background:#e3342f}.idle{background:#8795a1}
.forwarded,.delivered,.queued,.duplicate{color:#1f9d55}.rejected,.dead_lettered,.failed{color:#e3342f}.filtered{color:#56607a}
.filters{display:flex;gap:8px;flex-wrap:wrap;margin-bottom:8px}input,select,button{font:inherit;padding:4px 8px}
button{background:#3561d6;color:#fff;border:0;border-radius:4px;cursor:pointer}button.secondary{background:#56607a}
pre{background:#f4f6f9;padding:8px;overflow:auto;max-height:240px}#login{max-width:420px;margin:60px auto}
.spacer{flex:1}#token{width:100%}ul.dests{margin:0 0 8px;padding-left:20px}code.json{font-size:12px;white-space:pre-wrap;word-break:break-all}td.url{word-break:break-all}.grid2{display:grid;grid-template-columns:1fr 1fr;gap:16px}.muted{color:#8795a1}svg text{font-size:10px;fill:#56607a}
`;

const SCRIPT = `
const REASONS = ${JSON.stringify(REASON_WORDS)};
/** "hmac:stripe:signature_mismatch" → the code with its meaning; details after ": " are kept. */
function reasonText(reason) {
  if (!reason) return "";
  const head = reason.split(": ")[0]; const code = head.split(":").pop();
  return REASONS[code] ? reason + " (" + REASONS[code] + ")" : reason;
}
const $ = (s) => document.querySelector(s);
const el = (tag, props = {}, ...kids) => { const e = Object.assign(document.createElement(tag), props); e.append(...kids); return e; };
const prefix = location.pathname.replace(/\\/dashboard$/, "");
let token = sessionStorage.getItem("hookgate-token") || "";
async function api(path, init = {}) {
  const res = await fetch(prefix + path, { ...init, headers: { authorization: "Bearer " + token } });
  if (res.status === 401) { logout(); throw new Error("unauthorized"); }
  if (res.status === 429) {
    // Too many refused tokens from this address: the API refuses every token for a while.
    const minutes = Math.max(1, Math.ceil(Number(res.headers.get("retry-after") || 300) / 60));
    throw Object.assign(new Error("rate_limited"), { minutes });
  }
  return res.json();
}
function logout() { sessionStorage.removeItem("hookgate-token"); token = ""; show(false); }
function show(loggedIn) { $("#login").hidden = loggedIn; $("#app").hidden = !loggedIn; }
const when = (ms) => new Date(ms).toLocaleString();

async function login(ev) {
  ev.preventDefault();
  token = $("#token").value.trim();
  try { await api("/routes"); sessionStorage.setItem("hookgate-token", token); show(true); refresh(); }
  catch (e) {
    $("#login-error").textContent = e.message === "rate_limited"
      ? "Too many refused tokens from this address; try again in " + e.minutes + " min."
      : "That token was refused.";
  }
}

let routes = [];
async function refresh() {
  routes = (await api("/overview")).routes;
  const body = $("#routes tbody"); body.replaceChildren();
  for (const r of routes) {
    const pause = el("button", { className: "secondary", textContent: r.paused ? "Resume" : "Pause", onclick: async (ev) => {
      ev.stopPropagation(); pause.disabled = true;
      await api("/routes/" + encodeURIComponent(r.id) + (r.paused ? "/resume" : "/pause"), { method: "POST" });
      await refresh();
    } });
    pause.dataset.route = r.id;
    const delivery = r.mode + (r.enforce ? "" : " (observe)") + (r.destinations ? ", " + r.destinations + (r.destinations === 1 ? " destination" : " destinations") : "") + (r.listening ? ", listened to" : "");
    const tr = el("tr", { className: "clickable", onclick: () => { $("#route").value = r.id; loadEvents(); } },
      el("td", { textContent: r.id }), el("td", { textContent: r.host + r.path }), el("td", { textContent: r.schemes.join(", ") }),
      el("td", {}, delivery, ...(r.paused ? [" ", el("span", { className: "badge degraded", textContent: "paused" })] : [])),
      el("td", {}, el("span", { className: "badge " + r.health, textContent: r.health })),
      el("td", { textContent: Object.entries(r.lastHour).map(([k, v]) => k + " " + v).join(", ") || "none" }),
      el("td", { textContent: r.queue.pending + " / " + r.queue.dead }), el("td", {}, pause));
    body.append(tr);
  }
  const select = $("#route"); const current = select.value; select.replaceChildren(el("option", { value: "*", textContent: "all routes" }));
  for (const r of routes) select.append(el("option", { value: r.id, textContent: r.id }));
  select.value = current && (current === "*" || routes.some((r) => r.id === current)) ? current : "*";
  if (routes.length) await loadEvents();
}

/** One route's entries, or every route's merged newest first (the event log is kept per route). */
async function entriesFor(route, q) {
  const ids = route === "*" ? routes.map((r) => r.id) : [route];
  const lists = await Promise.all(ids.map(async (id) => ((await api("/routes/" + encodeURIComponent(id) + "/log?" + q)).entries || []).map((e) => ({ ...e, route: id }))));
  return lists.flat().sort((a, b) => b.at - a.at).slice(0, 200);
}

/** A route that lists destinations (the overview says how many; 0: a single origin). */
const hasDestinations = (id) => (routes.find((r) => r.id === id)?.destinations || 0) > 0;
/** The query naming a destination's queue; none for a route's single origin. */
const forDestination = (id, sep = "?") => (id === undefined ? "" : sep + "destination=" + encodeURIComponent(id));
/** "billing=forwarded:200,ci=filtered" as [{ id, outcome, detail }]; a queue's entry names only its destination, the outcome is its decision. */
function destinationOutcomes(e) {
  return String(e.destinations || "").split(",").filter(Boolean).map((part) => {
    const at = part.indexOf("=");
    if (at < 0) return { id: part, outcome: e.decision, detail: "" };
    const [outcome, ...rest] = part.slice(at + 1).split(":");
    return { id: part.slice(0, at), outcome, detail: rest.join(":") };
  });
}

async function loadEvents() {
  const route = $("#route").value; if (!route) return;
  const q = new URLSearchParams();
  if ($("#event-id").value.trim()) q.set("eventId", $("#event-id").value.trim());
  if ($("#decision").value) q.set("decision", $("#decision").value);
  const since = Date.now() - Number($("#range").value); q.set("since", String(since));
  const entries = await entriesFor(route, q);
  const body = $("#events tbody"); body.replaceChildren();
  for (const e of entries) {
    body.append(el("tr", { className: "clickable", onclick: () => detail(e.route, e.seq) },
      el("td", { textContent: when(e.at) }), el("td", { textContent: e.route }), el("td", { className: e.decision, textContent: e.decision + (e.observed ? " (would reject)" : "") }),
      el("td", { textContent: String(e.status) }), el("td", { textContent: e.eventId || e.messageId || "" }),
      el("td", { textContent: reasonText(e.reason || e.observed) }), el("td", { textContent: e.latencyMs + " ms" })));
  }
  $("#events-empty").hidden = entries.length > 0;
  const one = route !== "*", fan = one && hasDestinations(route);
  $("#chart").hidden = !one; $("#dead-section").hidden = !one; $("#destinations-section").hidden = !fan;
  // A route with destinations: its panel, and each destination's dead letters.
  if (one) await Promise.all([chart(route, since), (async () => deadLetters(route, fan ? await destinations(route) : null))()]);
}

async function detail(route, seq) {
  const e = await api("/routes/" + encodeURIComponent(route) + "/log/" + seq);
  const box = $("#detail"); box.replaceChildren(el("h2", { textContent: route + ": event " + (e.eventId || e.requestId) }));
  const facts = [["decision", e.decision], ["status", e.status], ["origin status", e.originStatus ?? "-"], ["reason", reasonText(e.reason || e.observed) || "-"],
    ["verified by", e.verifiedBy || "-"], ["message id", e.messageId || "-"], ["received", when(e.at)], ["latency", e.latencyMs + " ms"]];
  box.append(el("table", {}, ...facts.map(([k, v]) => el("tr", {}, el("th", { textContent: k }), el("td", { textContent: String(v) })))));
  const outcomes = destinationOutcomes(e);
  if (outcomes.length) {
    box.append(el("h2", { textContent: "Destinations" }), el("ul", { id: "detail-destinations", className: "dests" }, ...outcomes.map((o) => {
      const li = el("li", {}, el("strong", { textContent: o.id }), " \u2192 ", el("span", { className: o.outcome, textContent: o.outcome + (o.detail ? " " + (o.outcome === "failed" ? reasonText(o.detail) : o.detail) : "") }));
      li.dataset.destination = o.id;
      return li;
    })));
  }
  if (e.headers && e.headers.length) box.append(el("h2", { textContent: "Headers" }), el("pre", { textContent: e.headers.map(([k, v]) => k + ": " + v).join("\\n") }));
  if (e.body !== undefined) box.append(el("h2", { textContent: "Body" }), el("pre", { textContent: e.body }));
  // The queue's attempts: the route's own queue, or each destination's that has the event queued.
  const queuedOutcomes = ["queued", "delivered", "dead_lettered"];
  const queues = outcomes.length ? outcomes.filter((o) => queuedOutcomes.includes(o.outcome)).map((o) => o.id) : queuedOutcomes.includes(e.decision) ? [undefined] : [];
  for (const id of e.messageId ? queues : []) {
    const d = await api("/routes/" + encodeURIComponent(route) + "/events/" + e.messageId + forDestination(id)).catch(() => null);
    if (d && d.attempts) {
      box.append(el("h2", { textContent: "Delivery attempts" + (id === undefined ? "" : " (" + id + ")") }), el("table", {}, ...d.attempts.map((a) =>
        el("tr", {}, el("td", { textContent: "#" + a.n }), el("td", { textContent: when(a.at) }), el("td", { textContent: a.status ?? a.error }), el("td", { textContent: a.durationMs + " ms" })))));
    }
  }
  if (e.messageId) {
    // Heard by a listen session: when, and what the developer's local server answered.
    const found = await api("/routes/" + encodeURIComponent(route) + "/listen/events?messageId=" + encodeURIComponent(e.messageId)).catch(() => null);
    const heard = found && found.events && found.events[0];
    if (heard) {
      const l = heard.local;
      const text = !l ? "heard by a listen session (#" + heard.seq + "), not forwarded" : "forwarded by hookgate listen at " + when(l.at) + ": " + (l.error ? "failed, " + l.error : l.status + " in " + l.ms + " ms");
      box.append(el("h2", { textContent: "Listen" }), el("p", { id: "listen-history", textContent: text }));
    }
  }
  box.hidden = false;
}

/** The route's dead letters; with destinations (dests), each destination's, listed by destination. */
async function deadLetters(route, dests) {
  const ids = dests ? dests.map((d) => d.id) : [undefined];
  const lists = await Promise.all(ids.map(async (id) =>
    ((await api("/routes/" + encodeURIComponent(route) + "/dead-letters" + forDestination(id))).events || []).map((d) => ({ ...d, destination: id }))));
  const events = lists.flat();
  const body = $("#dead tbody"); body.replaceChildren();
  $("#dead-destination").hidden = !dests;
  for (const d of events) {
    const button = el("button", { textContent: "Replay", onclick: async () => {
      await api("/routes/" + encodeURIComponent(route) + "/dead-letters/" + d.id + "/replay" + forDestination(d.destination), { method: "POST" });
      button.textContent = "Replayed"; button.disabled = true;
    } });
    button.dataset.id = d.id;
    if (dests) button.dataset.destination = d.destination;
    body.append(el("tr", {}, ...(dests ? [el("td", { textContent: d.destination })] : []), el("td", { textContent: d.id }), el("td", { textContent: when(d.receivedAt) }), el("td", { textContent: String(d.attempts) }),
      el("td", { textContent: d.lastError || String(d.lastStatus) }), el("td", {}, button)));
  }
  $("#dead-empty").hidden = events.length > 0;
}

const OUTCOMES = ["forwarded", "queued", "delivered", "filtered", "duplicate", "failed", "dead_lettered"];
/** A route's destinations as configured, with what each did over the last 24 h; returns the list. */
async function destinations(route) {
  const list = (await api("/routes/" + encodeURIComponent(route) + "/destinations")).destinations || [];
  const compact = (v) => (v === undefined ? el("span", { className: "muted", textContent: "none" }) : el("code", { className: "json", textContent: JSON.stringify(v) }));
  const rank = (k) => (OUTCOMES.includes(k) ? OUTCOMES.indexOf(k) : OUTCOMES.length);
  const body = $("#destinations tbody"); body.replaceChildren();
  for (const d of list) {
    const counts = Object.entries(d.counts || {}).sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : 1));
    const shown = counts.length ? counts.flatMap(([k, n], i) => [...(i ? [", "] : []), el("span", { className: k, textContent: k + " " + n })]) : [el("span", { className: "muted", textContent: "none" })];
    const tr = el("tr", {}, el("td", {}, el("strong", { textContent: d.id })), el("td", { className: "url", textContent: d.url || "-" }),
      el("td", { textContent: (d.primary ? "primary, " : "") + d.mode }), el("td", {}, compact(d.filter)), el("td", {}, compact(d.transform)), el("td", {}, ...shown));
    tr.dataset.destination = d.id;
    body.append(tr);
  }
  return list;
}

async function chart(route, since) {
  const range = Date.now() - since; const bucketMs = Math.max(60000, Math.round(range / 30));
  const { buckets } = await api("/routes/" + encodeURIComponent(route) + "/summary?since=" + since + "&bucketMs=" + bucketMs);
  const slots = new Map();
  for (const b of buckets) {
    const s = slots.get(b.bucket) || { ok: 0, bad: 0, lat: [] };
    // What providers were answered: delivered/dead_lettered are the queue's later outcomes;
    // duplicate and filtered were answered 200, so they count as accepted.
    if (b.decision === "rejected" || b.decision === "dead_lettered") s.bad += b.count; else if (b.decision !== "delivered") s.ok += b.count;
    s.lat.push(b.avgLatencyMs); slots.set(b.bucket, s);
  }
  const W = 600, H = 140, keys = [...slots.keys()].sort((a, b) => a - b);
  const max = Math.max(1, ...[...slots.values()].map((s) => s.ok + s.bad));
  const maxLat = Math.max(1, ...[...slots.values()].flatMap((s) => s.lat));
  const ns = "http://www.w3.org/2000/svg"; const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 " + W + " " + H); svg.setAttribute("width", "100%"); svg.setAttribute("height", "160");
  svg.setAttribute("preserveAspectRatio", "none"); svg.setAttribute("role", "img"); svg.setAttribute("aria-label", "accepted, rejected and latency over time");
  const first = since, span = Date.now() - since, bw = Math.max(3, (W / Math.max(1, span / bucketMs)) - 2);
  const rect = (x, y, w, h, fill) => { const r = document.createElementNS(ns, "rect"); Object.entries({ x, y, width: w, height: h, fill }).forEach(([k, v]) => r.setAttribute(k, v)); svg.append(r); };
  let line = "";
  for (const k of keys) {
    const s = slots.get(k), x = ((k - first) / span) * W;
    const hOk = (s.ok / max) * H, hBad = (s.bad / max) * H;
    rect(x, H - hOk, bw, hOk, "#1f9d55"); rect(x, H - hOk - hBad, bw, hBad, "#e3342f");
    const lat = s.lat.reduce((a, b) => a + b, 0) / s.lat.length;
    const y = H - (lat / maxLat) * (H - 4);
    line += (line ? " L" : "M") + (x + bw / 2).toFixed(1) + " " + y.toFixed(1);
    rect(x + bw / 2 - 2, y - 2, 4, 4, "#3561d6");
  }
  if (line) { const p = document.createElementNS(ns, "path"); p.setAttribute("d", line); p.setAttribute("stroke", "#3561d6"); p.setAttribute("fill", "none"); p.setAttribute("stroke-width", "2"); p.setAttribute("vector-effect", "non-scaling-stroke"); svg.append(p); }
  const legend = el("p", { className: "muted", textContent: "green: accepted, red: rejected (up to " + max + " per " + Math.round(bucketMs / 60000) + " min); blue: mean latency (up to " + maxLat + " ms)" });
  $("#chart").replaceChildren(svg, legend);
}

$("#login-form").addEventListener("submit", login);
$("#logout").addEventListener("click", logout);
$("#refresh").addEventListener("click", refresh);
for (const id of ["#route", "#decision", "#range"]) $(id).addEventListener("change", loadEvents);
$("#search").addEventListener("click", loadEvents);
$("#replay-all").addEventListener("click", async () => {
  // A dry run first: the operator sees how many would go to the origin before anything is sent.
  // A route with destinations: each destination's dead letters go back to it, from its own queue.
  const r = $("#route").value, path = "/routes/" + encodeURIComponent(r) + "/dead-letters/replay";
  const ids = hasDestinations(r) ? ((await api("/routes/" + encodeURIComponent(r) + "/destinations")).destinations || []).map((d) => d.id) : [undefined];
  const dry = (await Promise.all(ids.map(async (id) => ({ id, n: (await api(path + "?dryRun=1" + forDestination(id, "&"), { method: "POST" })).wouldReplay || 0 })))).filter((d) => d.n > 0);
  const total = dry.reduce((sum, d) => sum + d.n, 0);
  if (!total) { $("#dead-note").textContent = "No dead letters to replay."; return; }
  const where = ids[0] === undefined ? "the origin" : "their destinations (" + dry.map((d) => d.id + ": " + d.n).join(", ") + ")";
  if (!confirm("Send " + total + " dead letter(s) of " + r + " back to " + where + "?")) return;
  const done = await Promise.all(dry.map((d) => api(path + forDestination(d.id), { method: "POST" })));
  $("#dead-note").textContent = done.reduce((sum, d) => sum + (d.replayed || 0), 0) + " dead letter(s) back in the queue.";
  loadEvents();
});
if (token) { show(true); refresh().catch(() => {}); } else show(false);
setInterval(() => { if (token && document.visibilityState === "visible") refresh().catch(() => {}); }, 15000);
`;

const HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>hookgate</title><link rel="icon" href="data:,"><style>${STYLE}</style></head>
<body>
<header><h1>hookgate</h1><span class="muted">edge webhook gateway</span><span class="spacer"></span>
<button id="refresh" class="secondary">Refresh</button><button id="logout" class="secondary">Log out</button></header>
<section id="login" hidden><h2>Admin token</h2>
<form id="login-form"><p><input id="token" type="password" placeholder="ADMIN_TOKEN" autocomplete="off"></p>
<button type="submit">Log in</button> <span id="login-error" class="rejected"></span></form></section>
<main id="app" hidden>
<section><h2>Routes</h2><table id="routes"><thead><tr><th>route</th><th>match</th><th>provider / auth</th><th>delivery</th><th>health</th><th>last hour</th><th>pending / dead</th><th></th></tr></thead><tbody></tbody></table></section>
<section><h2>Events</h2>
<div class="filters"><select id="route" aria-label="route"></select>
<select id="decision" aria-label="decision"><option value="">any decision</option><option>forwarded</option><option>queued</option><option>duplicate</option><option>filtered</option><option>rejected</option><option>delivered</option><option>dead_lettered</option></select>
<select id="range" aria-label="time range"><option value="900000">last 15 min</option><option value="3600000" selected>last hour</option><option value="86400000">last 24 h</option><option value="604800000">last 7 days</option></select>
<input id="event-id" placeholder="event id" aria-label="event id"><button id="search">Search</button></div>
<div id="chart"></div>
<table id="events"><thead><tr><th>time</th><th>route</th><th>decision</th><th>status</th><th>event</th><th>reason</th><th>latency</th></tr></thead><tbody></tbody></table>
<p id="events-empty" class="muted">No events in this range.</p></section>
<section id="destinations-section" hidden><h2>Destinations</h2>
<table id="destinations"><thead><tr><th>destination</th><th>url</th><th>delivery</th><th>filter</th><th>transform</th><th>last 24 h</th></tr></thead><tbody></tbody></table></section>
<div class="grid2">
<section id="detail" hidden></section>
<section id="dead-section"><h2>Dead letters</h2><button id="replay-all" class="secondary">Replay all</button> <span id="dead-note" class="muted"></span>
<table id="dead"><thead><tr><th id="dead-destination" hidden>destination</th><th>id</th><th>received</th><th>attempts</th><th>last error</th><th></th></tr></thead><tbody></tbody></table>
<p id="dead-empty" class="muted">None.</p></section>
</div>
</main>
<script>${SCRIPT}</script>
</body></html>`;

/**
 * Only strings are kept between requests. A Response (or its body stream) belongs to the
 * request that made it: reusing one from an earlier request, even through clone(), fails
 * with "Cannot perform I/O on behalf of a different request". Nor is a pending promise
 * shared: each request awaits its own digest, and the first to finish fills the cache
 * (any others compute the same strings).
 */
let page: { readonly html: string; readonly csp: string } | undefined;

async function sha256Base64(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return btoa(String.fromCharCode(...digest));
}

/** The CSP: exactly the page's own inline script and style (by hash), and calls to this origin. */
async function contentSecurityPolicy(): Promise<string> {
  return [
    "default-src 'none'",
    `script-src 'sha256-${await sha256Base64(SCRIPT)}'`,
    `style-src 'sha256-${await sha256Base64(STYLE)}'`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join("; ");
}

/** The page, as a new Response for every request. */
export async function dashboardResponse(): Promise<Response> {
  page ??= { html: HTML, csp: await contentSecurityPolicy() };
  return new Response(page.html, {
    headers: { "content-type": "text/html; charset=utf-8", "content-security-policy": page.csp, "x-content-type-options": "nosniff", "cache-control": "no-store" },
  });
}
