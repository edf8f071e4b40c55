#!/usr/bin/env node
// A stand-in for your app: prints every request the gateway forwards, answers 200.
// Usage: node demo/origin.mjs [--port 9009]
import { createServer } from "node:http";
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { port: { type: "string", default: "9009" } } });
const PRINTABLE = /^[\t\n\r\x20-\x7e\u00a0-\uffff]*$/;

const server = createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks);
    const text = body.toString("utf8");
    const lines = [`${req.method} ${req.url}`, ...Object.entries(req.headers).map(([k, v]) => `  ${k}: ${v}`)];
    lines.push(`  body: ${body.length} bytes`);
    if (body.length) {
      const printable = PRINTABLE.test(text) && !text.includes("\uFFFD");
      lines.push(printable ? text.replace(/^/gm, "  ") : `  hex: ${body.subarray(0, 64).toString("hex")}${body.length > 64 ? "…" : ""}`);
    }
    console.log(`${lines.join("\n")}\n`);
    res.writeHead(200, { "content-type": "application/json" });
    res.end('{"received":true}');
  });
});
server.on("error", (e) => {
  console.error(`demo origin: cannot listen on 127.0.0.1:${values.port}: ${e.code ?? e.message}`);
  process.exit(1);
});
server.listen(Number(values.port), "127.0.0.1", () => console.log(`demo origin listening on http://127.0.0.1:${values.port}`));
