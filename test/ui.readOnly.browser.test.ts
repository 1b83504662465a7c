/**
 * The status page against a control plane on Kubernetes (its API read-only: Argo CD or Flux writes): the mesh cards
 * offer no action that cannot take effect there. Suspend stops writes and drift corrections, neither of which happens
 * there (drift checks go on for a suspended mesh anyway), and no plan is ever held for approval; Resume still lifts a
 * suspension made through the API, which would hold the mesh once the API were writable again.
 * The status server is the real one, fed the reconciler's events in this process (helpers/statusServer.ts), in
 * headless Chromium.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import type { StatusServer } from "../src/daemon/server.js";
import { findChromium } from "./helpers/browser.js";
import { commitOf, serveStatus, syncMeshes } from "./helpers/statusServer.js";

const CHROMIUM = await findChromium();
const HEAD = commitOf("c1");
const work = mkdtempSync(path.join(tmpdir(), "meshops-ui-read-only-"));
let server: StatusServer;
let context: BrowserContext | undefined;
let page: Page;
const errors: string[] = [];

before(async () => {
  // The token-protected API is on (--reconcile-token-file): only the control plane's API being read-only takes the buttons away.
  const served = await serveStatus({ page: true, settings: { reconcileEndpoint: true } });
  server = served.server;
  const status = served.status;
  status.record({ type: "control-plane.read-only", readOnly: true, correctAsked: null });
  status.record({ type: "meshes.gated", revision: HEAD.commit, meshes: ["shop", "cafe"], repositoryWide: null, invalid: new Map(), lacking: new Map(), held: new Map(), suspended: new Map([["cafe", "api"]]) });
  syncMeshes(status, 1, HEAD, ["shop", "cafe"]);
  context = await chromium.launchPersistentContext(path.join(work, "profile"), {
    executablePath: CHROMIUM.executablePath,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    timeout: 30_000,
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(15_000);
  page.on("pageerror", (error) => errors.push(String(error)));
  page.on("console", (message) => void (message.type() === "error" && errors.push(message.text())));
});
after(async () => {
  await context?.close();
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

test("read-only control plane: no Suspend or Approve button on the cards, which say why; Resume stays for a mesh suspended through the API", { timeout: 60_000 }, async () => {
  await page.goto(`${server.url}/`);
  const shop = page.locator('article.mesh[data-mesh="shop"]');
  const cafe = page.locator('article.mesh[data-mesh="cafe"]');
  await shop.waitFor();
  await cafe.waitFor();
  assert.equal(await shop.locator("[data-mesh-action]").count(), 0, "no Suspend on a read-only control plane");
  assert.match((await shop.locator(".mesh-actions-read-only").textContent()) ?? "", /^Suspend and Approve have no effect here: the control plane's API is read-only \(Kubernetes\)/);
  assert.deepEqual(await cafe.locator("[data-mesh-action]").evaluateAll((buttons) => buttons.map((b) => [b.getAttribute("data-mesh-action"), b.textContent])), [["resume", "Resume"]]);
  assert.deepEqual(errors, []);
});
