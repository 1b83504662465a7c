/**
 * The status page at 1,000 meshes in headless Chromium (issue 15 item 8): problems first, a page of cards at a time,
 * search and a state filter, per-mesh deltas applied without a reload. The status server is the real one, fed the
 * reconciler's events in this process (helpers/statusServer.ts): a repository takes minutes to reach 1,000 meshes.
 *
 * Render times are measured in the page (performance.now() around the synchronous render) and reported as test
 * diagnostics and in test-output/ui/scale.json; they are figures, not assertions (benchmarks own targets).
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import type { StatusServer } from "../src/daemon/server.js";
import type { DaemonStatus } from "../src/daemon/status.js";
import { findChromium } from "./helpers/browser.js";
import { projectRoot } from "./helpers/git.js";
import { commitOf, driftIn, serveStatus, syncMeshes } from "./helpers/statusServer.js";

const CHROMIUM = await findChromium();
const MESHES = Array.from({ length: 1000 }, (_, i) => `tenant-${String(i).padStart(4, "0")}`);
const FAILING = ["tenant-0500", "tenant-0007", "tenant-0999"];
const HEAD = commitOf("c1");
const OUTPUT = path.join(projectRoot, "test-output", "ui");

/** In-page code: sets a control's value, fires its event, and answers how long the (synchronous) render took, in ms. */
const timed = (selector: string, value: string, event: string) =>
  `(() => {
    const control = document.querySelector(${JSON.stringify(selector)});
    const t0 = performance.now();
    control.value = ${JSON.stringify(value)};
    control.dispatchEvent(new Event(${JSON.stringify(event)}));
    return performance.now() - t0;
  })()`;

describe("the status page at 1,000 meshes", () => {
  const work = mkdtempSync(path.join(tmpdir(), "meshops-ui-scale-"));
  let status: DaemonStatus;
  let server: StatusServer;
  let context: BrowserContext | undefined;
  let page: Page;
  const errors: string[] = [];
  const figures: Record<string, number> = {};

  const cards = () => page.locator("#meshes article.mesh");
  const cardNames = async () => cards().evaluateAll((elements) => elements.map((e) => e.getAttribute("data-mesh")));

  before(async () => {
    ({ status, server } = await serveStatus({ page: true }));
    syncMeshes(status, 1, HEAD, MESHES, FAILING);
    driftIn(status, HEAD, "tenant-0100");
    context = await chromium.launchPersistentContext(path.join(work, "profile"), {
      executablePath: CHROMIUM.executablePath,
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
      viewport: { width: 1280, height: 900 },
      timeout: 30_000,
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(15_000);
    page.on("pageerror", (error) => errors.push(String(error)));
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(message.text());
    });
  });

  after(async () => {
    mkdirSync(OUTPUT, { recursive: true });
    writeFileSync(path.join(OUTPUT, "scale.json"), `${JSON.stringify(figures, null, 2)}\n`);
    await Promise.race([context?.close(), new Promise((resolve) => setTimeout(resolve, 10_000).unref())]).catch(() => undefined);
    await server?.close();
    rmSync(work, { recursive: true, force: true });
  });

  test("problems first, 60 cards of 1,000, the count said; more on request", { timeout: 60_000 }, async (t) => {
    await page.goto(`${server.url}/`);
    await page.locator('#connection[data-connection="live"]').waitFor();
    // Since the navigation started (the page's clock): the snapshot of 1,000 meshes fetched, parsed and drawn.
    figures.cardsShownAtMs = await page.evaluate<number>(
      `new Promise((resolve) => {
        const check = () => (document.querySelectorAll("#meshes article.mesh").length === 60 ? resolve(performance.now()) : requestAnimationFrame(check));
        check();
      })`,
    );
    const names = await cardNames();
    assert.deepEqual(names.slice(0, 4), ["tenant-0007", "tenant-0500", "tenant-0999", "tenant-0100"], "failed first, then drifted, then the rest by name");
    assert.equal(names[4], "tenant-0000");
    assert.equal(await page.locator("#mesh-count").textContent(), "Showing 60 of 1000 matching, 1000 in all");
    assert.equal(await page.locator("#mesh-more").textContent(), "Show 60 more");
    await page.locator("#mesh-more").click();
    assert.equal(await cards().count(), 120);
    t.diagnostic(`60 cards of 1,000 shown ${figures.cardsShownAtMs?.toFixed(0)} ms after the navigation started`);
  });

  test("search and the state filter narrow the cards at once; the filter's options count each state", { timeout: 60_000 }, async (t) => {
    figures.searchRenderMs = await page.evaluate<number>(timed("#mesh-search", "tenant-09", "input"));
    assert.equal(await cards().count(), 60);
    assert.equal((await cardNames())[0], "tenant-0999", "the failed one first among the matches");
    assert.equal(await page.locator("#mesh-count").textContent(), "Showing 60 of 100 matching, 1000 in all");

    const options = await page.locator("#mesh-state option").allTextContents();
    assert.deepEqual(options, ["All states (1000)", "Problems (4)", "Failed (3)", "Drifted (1)", "In sync (996)"]);
    await page.locator("#mesh-search").fill("");
    figures.stateFilterRenderMs = await page.evaluate<number>(timed("#mesh-state", "problems", "change"));
    assert.deepEqual(await cardNames(), ["tenant-0007", "tenant-0500", "tenant-0999", "tenant-0100"]);
    assert.equal(await page.locator("#mesh-more").isHidden(), true);
    await page.locator("#mesh-search").fill("nothing-like-this");
    assert.equal(await page.locator("#meshes").textContent(), "No mesh matches the search and the state filter.");
    const address = new URL(page.url()).searchParams;
    assert.deepEqual([address.get("q"), address.get("state")], ["nothing-like-this", "problems"], "the filter is in the address");
    await page.locator("#mesh-search").fill("");
    await page.locator("#mesh-state").selectOption("");
    assert.equal(new URL(page.url()).search, "");
    t.diagnostic(`render after a search: ${figures.searchRenderMs.toFixed(1)} ms; after the state filter: ${figures.stateFilterRenderMs.toFixed(1)} ms (1,000 meshes)`);
  });

  test("a link with a filter opens the page filtered", { timeout: 60_000 }, async () => {
    const linked = await (context as BrowserContext).newPage();
    try {
      await linked.goto(`${server.url}/?state=failed`);
      await linked.locator('#meshes article.mesh[data-mesh="tenant-0007"]').waitFor();
      assert.deepEqual(await linked.locator("#meshes article.mesh").evaluateAll((e) => e.map((x) => x.getAttribute("data-mesh"))), ["tenant-0007", "tenant-0500", "tenant-0999"]);
      assert.equal(await linked.locator("#mesh-state").inputValue(), "failed");
    } finally {
      await linked.close();
    }
  });

  test("writes of unknown outcome: counted on the page, the resources rechecked named up to 50 with how many more", { timeout: 60_000 }, async () => {
    assert.equal(await page.locator("#writes").isHidden(), true, "nothing to say before a write of unknown outcome");
    const resources = Array.from({ length: 1000 }, (_, i) => `MeshTimeout/tenant-${String(i).padStart(4, "0")}/t`);
    status.record({ type: "write.outcome-unknown", revision: HEAD.commit, resources });
    await page.locator("#writes").waitFor();
    assert.equal(await page.locator("#writes-summary").textContent(), "1000 writes got no answer since the start: they may still land, over a newer write. 0 written again after a check.");
    assert.equal(await page.locator("#writes-rechecking").textContent(), "Checks still to come for 1000 resources:");
    const names = await page.locator("#writes-names li").allTextContents();
    assert.deepEqual([names.length, names[0], names.at(-1)], [51, resources[0], "and 950 more"]);
    const json = (await (await fetch(`${server.url}/api/status`)).json()) as { writes: { recheckingCount: number; rechecking: string[] } };
    assert.deepEqual([json.writes.recheckingCount, json.writes.rechecking.length], [1000, 50], "the status is bounded too");

    status.record({ type: "write.rechecked", revision: HEAD.commit, checked: resources, rewritten: [], left: 1, failed: "GET /meshes failed: 503", gaveUp: [] });
    status.record({ type: "write.rechecked", revision: HEAD.commit, checked: resources, rewritten: resources.slice(0, 2), left: 0, failed: "GET /meshes failed: 503", gaveUp: resources.slice(2) });
    await page.locator("#writes-rechecking").waitFor({ state: "detached" });
    assert.equal(
      await page.locator("#writes-summary").textContent(),
      "1000 writes got no answer since the start: they may still land, over a newer write. 2 written again after a check. 998 whose checks gave up (the control plane unreachable, or a write back refused): their outcome stayed unknown.",
    );
    assert.deepEqual(errors, [], "no console error, no uncaught exception");
  });

  test("writes whose write back waits for their mesh are said apart from the checks still to come", { timeout: 60_000 }, async () => {
    const resources = ["MeshTimeout/tenant-0001/a", "MeshTimeout/tenant-0001/b", "MeshTimeout/tenant-0001/c", "MeshTimeout/tenant-0002/d", "MeshTimeout/tenant-0003/e"];
    const shut = resources.slice(0, 3);
    status.record({ type: "write.outcome-unknown", revision: HEAD.commit, resources });
    status.record({ type: "write.rechecked", revision: HEAD.commit, checked: resources, rewritten: [], left: 1, waiting: shut });
    await page.locator("#writes-waiting").waitFor();
    assert.equal(await page.locator("#writes-rechecking").textContent(), "Checks still to come for 2 resources:");
    assert.deepEqual(await page.locator("#writes-names li").allTextContents(), resources.slice(3));
    assert.equal(await page.locator("#writes-waiting").textContent(), "3 wait for their mesh to be resumed, unblocked or approved:");
    assert.deepEqual(await page.locator("#writes-waiting-names li").allTextContents(), shut);

    // The last check: only what waits is left, said as waiting, not as checks to come.
    status.record({ type: "write.rechecked", revision: HEAD.commit, checked: resources, rewritten: [], left: 0, waiting: shut.slice(0, 1) });
    await page.locator("#writes-rechecking").waitFor({ state: "detached" });
    assert.equal(await page.locator("#writes-waiting").textContent(), "1 waits for its mesh to be resumed, unblocked or approved:");
    status.record({ type: "write.rechecked", revision: HEAD.commit, checked: shut.slice(0, 1), rewritten: shut.slice(0, 1), left: 0, waiting: [] });
    await page.locator("#writes-waiting").waitFor({ state: "detached" });
    assert.deepEqual(errors, [], "no console error, no uncaught exception");
  });

  test("with prune off, a mesh's card says what prune would delete there: 5 named, the rest counted; gone once none is left", { timeout: 60_000 }, async () => {
    const resources = Array.from({ length: 7 }, (_, i) => `MeshTimeout/tenant-0100/gone-${i}`);
    const line = page.locator('#meshes article.mesh[data-mesh="tenant-0100"] .prunable');
    assert.equal(await line.count(), 0, "nothing to say before");
    status.record({ type: "prunable.changed", revision: HEAD.commit, meshes: new Map([["tenant-0100", resources]]) });
    await line.waitFor();
    assert.equal(await line.getAttribute("data-prunable-count"), "7");
    assert.equal(
      await line.textContent(),
      `7 resources meshops owns are no longer in the repository: ${resources.slice(0, 5).join(", ")} and 2 more; prune.enabled in meshops.yaml deletes them.`,
    );
    status.record({ type: "prunable.changed", revision: HEAD.commit, meshes: new Map([["tenant-0100", []]]) });
    await line.waitFor({ state: "detached" });
    assert.deepEqual(errors, [], "no console error, no uncaught exception");
  });

  test("a delta for one mesh updates its card and the order without a reload", { timeout: 60_000 }, async (t) => {
    await page.evaluate("window.__scaleMarker = 42");
    driftIn(status, HEAD, "tenant-0300");
    await page.locator('#meshes article.mesh[data-mesh="tenant-0300"][data-state="drifted"]').waitFor();
    assert.deepEqual((await cardNames()).slice(3, 5), ["tenant-0100", "tenant-0300"], "the newly drifted mesh moves up among the problems");
    assert.equal(await page.evaluate("window.__scaleMarker"), 42, "no reload");
    assert.ok((await page.locator("#meshes article.mesh").count()) <= 60);
    assert.deepEqual(errors, [], "no console error, no uncaught exception");
    t.diagnostic(`figures: ${JSON.stringify(figures)}`);
  });
});
