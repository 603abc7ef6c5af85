// A tiny static file server on 127.0.0.1 for the browser test and examples/browser: serves files
// under a root folder (no directory listings, nothing outside the root), plus extra in-memory routes.
import { createReadStream, statSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join, normalize, sep } from "node:path";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".map": "application/json",
};

/**
 * Starts the server; resolves { url, close }. `routes` maps a path to { type, body }; `headers`
 * go on every response (e.g. COOP/COEP for a cross-origin isolated page).
 */
export function serveStatic(root, routes = {}, port = 0, headers = {}) {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    const route = routes[path];
    if (route) {
      res.writeHead(200, { ...headers, "content-type": route.type, "cache-control": "no-store" });
      res.end(route.body);
      return;
    }
    const file = normalize(join(root, path.endsWith("/") ? path + "index.html" : path));
    let ok = file.startsWith(root.endsWith(sep) ? root : root + sep);
    try {
      ok = ok && statSync(file).isFile();
    } catch {
      ok = false;
    }
    if (!ok) {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found");
      return;
    }
    res.writeHead(200, {
      ...headers,
      "content-type": TYPES[extname(file)] ?? "application/octet-stream",
      "cache-control": "no-store",
    });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      const { port: p } = server.address();
      resolve({ url: `http://127.0.0.1:${p}`, close: () => new Promise((r) => server.close(r)) });
    });
  });
}
