/**
 * The status page (issue 6): `GET /` and its three assets, plugged into the status server through `extraRoutes`.
 * The page is hand-written HTML, CSS and JavaScript in src/daemon/ui/ (no build step; `npm run build` copies the
 * folder to dist/src/daemon/ui/, next to this module). Everything it needs is served here: no CDN, no web font, no
 * request to any other origin, which the Content-Security-Policy also enforces in the browser.
 *
 *   GET /                 the page
 *   GET /ui/app.js        renders /api/status, live through /api/events (polling when that is unavailable)
 *   GET /ui/style.css
 *   GET /ui/favicon.svg
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** URL path → file in the assets folder and its content type. Nothing else is ever read from disk. */
const ASSETS: Record<string, { file: string; type: string }> = {
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/index.html": { file: "index.html", type: "text/html; charset=utf-8" },
  "/ui/app.js": { file: "app.js", type: "text/javascript; charset=utf-8" },
  "/ui/style.css": { file: "style.css", type: "text/css; charset=utf-8" },
  "/ui/favicon.svg": { file: "favicon.svg", type: "image/svg+xml" },
};

/** Same origin only: the page talks to this server and nothing else. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/**
 * Where the page's files are at run time: dist/src/daemon/ui/ (copied there by `npm run build`). Written from the
 * folder above so that it holds from dist/src/daemon/ and from the CLI's bundle in dist/src/bundle/ alike.
 */
export const DEFAULT_UI_DIR = fileURLToPath(new URL("../daemon/ui/", import.meta.url));

interface Asset {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
}

/**
 * The `extraRoutes` handler serving the page from `dir`. Files are read once, on first use; a missing file is a
 * 500 that names the folder (a broken install), never a crash of the daemon.
 */
export function statusPageRoutes(dir: string = DEFAULT_UI_DIR): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const cache = new Map<string, Promise<Asset>>();
  const load = (file: string, type: string): Promise<Asset> => {
    let asset = cache.get(file);
    if (!asset) {
      asset = readFile(path.join(dir, file)).then((body) => ({
        body,
        type,
        etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`,
      }));
      // A failed read is tried again on the next request (the files may be put back).
      asset.catch(() => cache.delete(file));
      cache.set(file, asset);
    }
    return asset;
  };

  return async (req, res) => {
    const pathname = new URL(req.url ?? "/", "http://localhost").pathname;
    const entry = ASSETS[pathname];
    if (!entry) return false;
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" });
      res.end(`${req.method} is not allowed on ${pathname}\n`);
      return true;
    }
    let asset: Asset;
    try {
      asset = await load(entry.file, entry.type);
    } catch {
      res.writeHead(500, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" });
      res.end(`the status page's ${entry.file} is missing from ${dir}: rebuild (npm run build) or reinstall meshops\n`);
      return true;
    }
    const headers: Record<string, string> = {
      "content-type": asset.type,
      // Revalidated every time (cheap: a 304), so a new version of meshops is never shown with an old script.
      "cache-control": "no-cache",
      etag: asset.etag,
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
    };
    if (entry.file === "index.html") {
      headers["content-security-policy"] = CONTENT_SECURITY_POLICY;
      headers["x-frame-options"] = "DENY";
    }
    if (req.headers["if-none-match"] === asset.etag) {
      res.writeHead(304, headers);
      res.end();
      return true;
    }
    headers["content-length"] = String(asset.body.length);
    res.writeHead(200, headers);
    res.end(req.method === "HEAD" ? undefined : asset.body);
    return true;
  };
}
