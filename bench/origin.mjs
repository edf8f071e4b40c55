// The origin for benchmarks, in its own process: reads every body to the end, answers 200.
// It counts what reached it per route (/b/<id>, /pass, /direct) so the bench can check that
// each 2xx the client saw was one real delivery (not a duplicate short-circuit, not lost),
// and reflects the gateway's verdict header so a pre-flight request can check it.
// GET /__count → {"/b/token": n, …, "forged": n, "connections": n, "again:/b/queue": n}, totals since start;
// `again:<route>` counts requests whose x-hookgate-request-id this route already delivered (a
// queue's redelivery after an attempt it could not confirm: at least once, not exactly once).
// New connections are counted too: a client that does not reuse them pays a handshake per request.
import { createServer } from "node:http";

const FORGED = /^sha256=0{64}$/; // the flood's forged signature: none may ever arrive here
const counts = {};
/** Request ids seen per route, oldest first, bounded (a redelivery comes within minutes). */
const seen = new Map();
const MAX_SEEN = 200_000;
function again(key, id) {
  if (!id) return false;
  let ids = seen.get(key);
  if (!ids) seen.set(key, (ids = new Set()));
  if (ids.has(id)) return true;
  ids.add(id);
  if (ids.size > MAX_SEEN) ids.delete(ids.values().next().value);
  return false;
}

const server = createServer((req, res) => {
  if (req.url === "/__count") return res.end(JSON.stringify(counts));
  if (!req.socket.benchCounted) {
    req.socket.benchCounted = true; // per connection that carried traffic, not the bench's own /__count calls
    counts.connections = (counts.connections ?? 0) + 1;
  }
  req.resume();
  req.on("end", () => {
    const key = req.url.split("?")[0].split("/").slice(0, req.url.startsWith("/b/") ? 3 : 2).join("/");
    counts[key] = (counts[key] ?? 0) + 1;
    if (again(key, req.headers["x-hookgate-request-id"])) counts[`again:${key}`] = (counts[`again:${key}`] ?? 0) + 1;
    if (FORGED.test(req.headers["x-hub-signature-256"] ?? "")) counts.forged = (counts.forged ?? 0) + 1;
    res.writeHead(200, { "content-type": "text/plain", "x-bench-verified": req.headers["x-hookgate-verified"] ?? "" });
    res.end("ok");
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.argv[2] ?? 0), "127.0.0.1", () => console.log(JSON.stringify({ port: server.address().port })));
