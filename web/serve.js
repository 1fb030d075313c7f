#!/usr/bin/env node
// Serves the Eternal web page (docs/WEB.md): web/ as static files, ethers' own ESM build
// from node_modules at /vendor/ethers.js, and the model `make demo KEEP_NODE=1` deployed
// (out/summary.json) at /demo.json. Nothing is fetched from the internet.
//
//   node web/serve.js [--port 8080] [--host 127.0.0.1] [--summary out/summary.json]

"use strict";

const fs = require("node:fs");
const http = require("node:http");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".json": "application/json" };

function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 && at + 1 < process.argv.length ? process.argv[at + 1] : fallback;
}

const port = Number(option("port", process.env.WEB_PORT || 8080));
const host = option("host", "127.0.0.1");
const summaryPath = path.resolve(option("summary", path.join(ROOT, "out", "summary.json")));

// URL path -> file; anything else under web/ is served by name, nothing outside it.
const ROUTES = {
  "/": path.join(__dirname, "index.html"),
  "/vendor/ethers.js": require.resolve("ethers").replace(/lib\.commonjs.*$/, "dist/ethers.min.js"),
};

/** The demo's node URL and model address, or nulls when `make demo` has not written them. */
function demoDefaults() {
  try {
    const summary = JSON.parse(fs.readFileSync(summaryPath, "utf8"));
    return { address: summary.address || null, rpcUrl: summary.rpc_url || null, source: summaryPath };
  } catch {
    return { address: null, rpcUrl: null, source: null };
  }
}

function send(response, status, type, body) {
  response.writeHead(status, { "Content-Type": type, "Cache-Control": "no-store" });
  response.end(body);
}

const server = http.createServer((request, response) => {
  const url = new URL(request.url, "http://localhost");
  if (url.pathname === "/demo.json") {
    return send(response, 200, TYPES[".json"], JSON.stringify(demoDefaults()));
  }
  const file = ROUTES[url.pathname] || path.join(__dirname, path.normalize(url.pathname));
  if (!file.startsWith(__dirname + path.sep) && !Object.values(ROUTES).includes(file)) {
    return send(response, 404, "text/plain", "not found\n");
  }
  fs.readFile(file, (error, body) => {
    if (error) return send(response, 404, "text/plain", "not found\n");
    send(response, 200, TYPES[path.extname(file)] || "application/octet-stream", body);
  });
});

server.on("error", (error) => {
  console.error(`error: cannot serve on ${host}:${port}: ${error.message}`);
  process.exit(1);
});
server.listen(port, host, () => {
  console.log(`Eternal web page: http://${host}:${server.address().port}/`);
});
