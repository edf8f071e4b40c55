// The origin for benchmarks: reads the whole body, answers 200. GET /__count reports how
// many requests reached it per path prefix since the last POST /__reset.
import { createServer } from "node:http";

const port = Number(process.argv[2] ?? 0);
let counts = {};
const server = createServer((req, res) => {
  if (req.url === "/__count") return res.end(JSON.stringify(counts));
  if (req.url === "/__reset") {
    counts = {};
    return res.end("{}");
  }
  req.resume();
  req.on("end", () => {
    const key = req.url.split("?")[0].split("/").slice(0, 3).join("/");
    counts[key] = (counts[key] ?? 0) + 1;
    // The flood scenario's forged requests carry an all-zero signature: none may arrive here.
    if (/^sha256=0{64}$/.test(req.headers["x-hub-signature-256"] ?? "")) counts.forged = (counts.forged ?? 0) + 1;
    res.writeHead(200, { "content-type": "text/plain" });
    res.end("ok");
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, "127.0.0.1", () => console.log(JSON.stringify({ port: server.address().port })));
