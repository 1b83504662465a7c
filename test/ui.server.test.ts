/**
 * The status page's routes (src/daemon/ui.ts) on a plain node:http server, and the page's files themselves: served
 * from the build (dist/src/daemon/ui/, where `npm run build` copies them), nothing loaded from another origin.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { after, before, test } from "node:test";
import { CONTENT_SECURITY_POLICY, DEFAULT_UI_DIR, statusPageRoutes } from "../src/daemon/ui.js";
import { projectRoot } from "./helpers/git.js";

const SOURCE_DIR = path.join(projectRoot, "src", "daemon", "ui");
const FILES = ["index.html", "app.js", "style.css", "favicon.svg"];

async function serve(routes: ReturnType<typeof statusPageRoutes>): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    void routes(req, res).then((answered) => {
      if (!answered) {
        res.writeHead(404);
        res.end("not mine");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let site: { url: string; close: () => Promise<void> };
before(async () => {
  site = await serve(statusPageRoutes());
});
after(async () => {
  await site.close();
});

test("the build carries the page next to the compiled daemon, identical to the sources", () => {
  assert.equal(path.relative(projectRoot, DEFAULT_UI_DIR).split(path.sep).join("/"), "dist/src/daemon/ui");
  for (const file of FILES) {
    assert.ok(existsSync(path.join(DEFAULT_UI_DIR, file)), `${file} is missing from ${DEFAULT_UI_DIR}: npm run build copies it`);
    assert.equal(readFileSync(path.join(DEFAULT_UI_DIR, file), "utf8"), readFileSync(path.join(SOURCE_DIR, file), "utf8"), file);
  }
  // package.json "files" ships dist/src, so the page is in the package.
  const files = (JSON.parse(readFileSync(path.join(projectRoot, "package.json"), "utf8")) as { files: string[] }).files;
  assert.ok(files.includes("dist/src"));
});

test("GET / is the page, with a same-origin Content-Security-Policy; each asset has its content type", async () => {
  const page = await fetch(`${site.url}/`);
  assert.equal(page.status, 200);
  assert.equal(page.headers.get("content-type"), "text/html; charset=utf-8");
  assert.equal(page.headers.get("content-security-policy"), CONTENT_SECURITY_POLICY);
  assert.match(CONTENT_SECURITY_POLICY, /default-src 'none'/);
  assert.equal(page.headers.get("x-content-type-options"), "nosniff");
  const html = await page.text();
  assert.match(html, /<html lang="en">/);
  assert.match(html, /<main id="main"/);

  // Every file the page refers to is served here, with the right type.
  const references = [...html.matchAll(/(?:src|href)="([^"#]+)"/g)].map((m) => m[1] ?? "");
  const types: Record<string, RegExp> = { ".js": /^text\/javascript/, ".css": /^text\/css/, ".svg": /^image\/svg\+xml/ };
  const assets = references.filter((r) => r.startsWith("/ui/"));
  assert.deepEqual([...new Set(assets)].sort(), ["/ui/app.js", "/ui/favicon.svg", "/ui/style.css"]);
  for (const asset of assets) {
    const res = await fetch(`${site.url}${asset}`);
    assert.equal(res.status, 200, asset);
    assert.match(res.headers.get("content-type") ?? "", types[path.extname(asset)] ?? /^$/, asset);
    await res.arrayBuffer();
  }
  // The rest are the daemon's own endpoints.
  assert.deepEqual(references.filter((r) => !r.startsWith("/ui/")).sort(), ["/api/status", "/api/status", "/metrics"]);
});

test("nothing in the page's files points at another origin (no CDN, no web font)", () => {
  for (const file of FILES) {
    const text = readFileSync(path.join(SOURCE_DIR, file), "utf8");
    // The SVG namespace is a name, not a request.
    const urls = [...text.matchAll(/(?:https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}[^\s"')]*/gi)].map((m) => m[0]).filter((u) => u !== "http://www.w3.org/2000/svg");
    assert.deepEqual(urls, [], file);
    assert.doesNotMatch(text, /@import|@font-face|url\(\s*["']?(?:https?:)?\/\//i, file);
  }
});

test("HEAD, ETag revalidation, 405 for other methods; other paths are left to the server", async () => {
  const head = await fetch(`${site.url}/ui/app.js`, { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(await head.text(), "");
  const etag = head.headers.get("etag");
  assert.ok(etag);
  assert.equal(head.headers.get("cache-control"), "no-cache");
  const again = await fetch(`${site.url}/ui/app.js`, { headers: { "if-none-match": etag } });
  assert.equal(again.status, 304);

  const post = await fetch(`${site.url}/`, { method: "POST" });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get("allow"), "GET, HEAD");
  await post.text();

  for (const other of ["/ui/", "/ui/../package.json", "/ui/%2e%2e/package.json", "/ui/app.js.map", "/api/status"]) {
    const res = await fetch(`${site.url}${other}`);
    assert.equal(res.status, 404, other);
    assert.equal(await res.text(), "not mine", other);
  }
});

test("a missing file is a 500 that names the folder, and the daemon goes on", async () => {
  const broken = await serve(statusPageRoutes(path.join(projectRoot, "no-such-ui-folder")));
  try {
    const res = await fetch(`${broken.url}/`);
    assert.equal(res.status, 500);
    assert.match(await res.text(), /index\.html is missing from .*no-such-ui-folder: rebuild/);
  } finally {
    await broken.close();
  }
});
