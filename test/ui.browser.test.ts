/**
 * The status page (issue 6) in a real browser: Debian's `chromium`, headless, driven by playwright-core, against
 * `meshops watch` as a child process on a temporary Git repository (sample-repo committed to it) and a control plane
 * served over HTTP in this process (so the test can edit it out of band). The tests run in order on one page and
 * bound every wait; screenshots go to test-output/ui/ (git-ignored).
 *
 * The browser: see helpers/browser.ts (MESHOPS_CHROMIUM, else the Chromium packed in the @sparticuz/chromium
 * devDependency, else a system one). Without one the suite fails saying how to provide it: a skipped browser suite
 * would let the page break unnoticed.
 * docs/status-page.png (the README's screenshot) is written when it is missing or with UPDATE_SCREENSHOTS=1.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { openStore, type ControlPlaneStore } from "../src/backend/store.js";
import { GLOBAL_UNIT_LABEL } from "../src/model/key.js";
import { startControlPlaneServer, type ControlPlaneServer } from "../src/cp/server.js";
import { exitWithin, killAll, startWatch, waitFor, type DaemonProcess } from "./helpers/daemon.js";
import type { StatusJson } from "../src/daemon/statusTypes.js";
import { findChromium } from "./helpers/browser.js";
import { commitFiles, commitFolder, git, projectRoot, tempRepo } from "./helpers/git.js";

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const CP_TOKEN = "cp-token-ui-3f9a";
const RECONCILE_TOKEN = "reconcile-token-ui-8c21";
const WAIT_MS = 10_000;
const OUTPUT = path.join(projectRoot, "test-output", "ui");
const README_SCREENSHOT = path.join(projectRoot, "docs", "status-page.png");

const CHROMIUM = await findChromium();

/** A MeshTimeout of this test in a file of its own, Universal shape. */
const policy = (mesh: string, name: string, idleTimeout: string, key = "idleTimeout") =>
  `type: MeshTimeout\nname: ${name}\nmesh: ${mesh}\nspec:\n  targetRef:\n    kind: Mesh\n  to:\n    - targetRef:\n        kind: Mesh\n      default:\n        ${key}: ${idleTimeout}\n`;

describe("the status page in headless Chromium", () => {
  const repo = tempRepo("meshops-ui-");
  const work = mkdtempSync(path.join(tmpdir(), "meshops-ui-work-"));
  const userDataDir = path.join(work, "chromium-profile");
  let store: ControlPlaneStore | undefined;
  let server: ControlPlaneServer | undefined;
  let daemon: DaemonProcess;
  let context: BrowserContext | undefined;
  let page: Page;

  /** What the browser said that it should not have: console errors, uncaught exceptions, requests to other origins. */
  const consoleErrors: string[] = [];
  const pageErrors: string[] = [];
  const foreignRequests: string[] = [];
  /** Console errors a test provokes on purpose (the 401 of a wrong token), each allowed once. */
  const expectedErrors: RegExp[] = [];

  const untilStatus = <T>(what: string, check: (s: StatusJson) => T | undefined, timeoutMs = WAIT_MS): Promise<T> =>
    waitFor(what, async () => check(await daemon.status()), timeoutMs);

  const screenshot = async (name: string, target: Page = page) => {
    await target.screenshot({ path: path.join(OUTPUT, `${name}.png`), fullPage: true });
  };

  function watchPage(target: Page): void {
    target.setDefaultTimeout(WAIT_MS);
    target.on("console", (message) => {
      if (message.type() !== "error") return;
      const text = `${message.text()} (${message.location().url})`;
      const expected = expectedErrors.findIndex((re) => re.test(text));
      if (expected >= 0) expectedErrors.splice(expected, 1);
      else consoleErrors.push(text);
    });
    target.on("pageerror", (error) => pageErrors.push(String(error)));
    target.on("request", (request) => {
      if (!request.url().startsWith(`${daemon.url}/`)) foreignRequests.push(request.url());
    });
  }

  function assertCleanBrowser(): void {
    assert.deepEqual(pageErrors, [], "uncaught exceptions in the page");
    assert.deepEqual(consoleErrors, [], "console errors");
    assert.deepEqual(foreignRequests, [], "requests to another origin");
  }

  /** The page's own JavaScript state, for checking that a change came without a reload. */
  const pageMarker = () => page.evaluate<unknown>("window.__uiTestMarker");

  async function putLive(mesh: string, name: string, idleTimeout: string): Promise<void> {
    const url = `${server?.url}/meshes/${mesh}/meshtimeouts/${name}`;
    const res = await fetch(url, {
      method: "PUT",
      headers: { authorization: `Bearer ${CP_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({
        type: "MeshTimeout",
        mesh,
        name,
        labels: { "meshops.io/managed-by": "meshops" },
        spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout } }] },
      }),
    });
    assert.ok(res.ok, `PUT ${url}: ${res.status}`);
  }

  before(async () => {
    mkdirSync(OUTPUT, { recursive: true });
    commitFolder(repo.dir, path.join(projectRoot, "sample-repo"), "Initial mesh configuration");
    commitFiles(repo.dir, { "meshes/analytics/ui-timeouts.yaml": policy("analytics", "ui-timeouts", "10m") }, "Longer idle timeout for the analytics UI");
    store = await openStore({ stateDir: path.join(work, "cp"), skipMeshCreation: true });
    server = await startControlPlaneServer({ store, port: 0, token: CP_TOKEN });
    writeFileSync(path.join(work, "cp-token"), `${CP_TOKEN}\n`);
    writeFileSync(path.join(work, "reconcile-token"), `${RECONCILE_TOKEN}\n`);
    daemon = await startWatch(
      [
        "--repo", repo.dir,
        "--branch", "main",
        "--cp-url", server.url,
        "--token-file", path.join(work, "cp-token"),
        "--drift-interval", "1s",
        "--reconcile-token-file", path.join(work, "reconcile-token"),
        "--hydrate-branch", "rendered",
      ],
      { cwd: work },
    );
    const head = git(repo.dir, "rev-parse", "HEAD");
    await untilStatus("the first sync", (s) => (s.revision.applied?.commit === head ? true : undefined), 20_000);

    // A fresh profile every run, removed in `after`; nothing in it may reach the network (see foreignRequests).
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM.executablePath,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 900 },
      colorScheme: "light",
      reducedMotion: "reduce",
      timeout: 30_000,
    });
    page = context.pages()[0] ?? (await context.newPage());
    watchPage(page);
  });

  after(async () => {
    // The browser first: closing it ends its event stream before the daemon goes away.
    await Promise.race([context?.close(), new Promise((resolve) => setTimeout(resolve, 10_000).unref())]).catch(() => undefined);
    killAll();
    await server?.close().catch(() => undefined);
    await store?.close().catch(() => undefined);
    repo.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  test("GET / shows the repository, the revision with its message and author, and every mesh in sync", { timeout: 30_000 }, async () => {
    const status = await daemon.status();
    const response = await page.goto(`${daemon.url}/`);
    assert.equal(response?.status(), 200);
    await page.evaluate("window.__uiTestMarker = 'first load'");
    await page.locator("[data-mesh]").nth(4).waitFor();
    assert.deepEqual(
      await page.locator("[data-mesh]").evaluateAll((cards) => cards.map((c) => [c.getAttribute("data-mesh"), c.getAttribute("data-state")])),
      [
        ["_global", "in-sync"], // sample-repo's HostnameGenerator: the resources of no mesh, a unit of their own
        ["analytics", "in-sync"],
        ["default", "in-sync"],
        ["edge", "in-sync"],
        ["payments", "in-sync"],
      ],
    );
    assert.equal(await page.locator('[data-mesh="_global"] h3').textContent(), GLOBAL_UNIT_LABEL, "as the log, the API and notifications name it");
    assert.equal(await page.locator("#overall").textContent(), "In sync");
    await page.locator('#connection[data-connection="live"]').waitFor();

    const repository = (await page.locator("#repository").textContent()) ?? "";
    assert.ok(repository.includes(repo.dir), repository);
    assert.match(repository, /Branch\s*main/);
    const applied = (await page.locator("#revision-applied").textContent()) ?? "";
    assert.match(applied, /Longer idle timeout for the analytics UI/);
    assert.match(applied, /by meshops tests/);
    assert.ok(applied.includes(git(repo.dir, "rev-parse", "HEAD").slice(0, 8)), applied);
    assert.match((await page.locator("#revision-attempted").textContent()) ?? "", /valid.*same as applied/);

    // Resource counts by type, as the status has them.
    for (const mesh of status.meshes) {
      const card = page.locator(`[data-mesh="${mesh.name}"]`);
      for (const [type, count] of Object.entries(mesh.resources.byType)) {
        assert.equal(await card.locator(`[data-type="${type}"] .n`).textContent(), String(count), `${mesh.name} ${type}`);
      }
      assert.match((await card.locator("h4").first().textContent()) ?? "", new RegExp(`Resources · ${mesh.resources.total}$`));
      assert.match((await card.locator(".last-run").textContent()) ?? "", /^#\d+ (sync|drift check) .+ in [\d.]+ (ms|s)/);
    }
    // Default policies and whether each is skipped: analytics skips all four, payments two, edge overrides one.
    const defaults = async (mesh: string) =>
      page.locator(`[data-mesh="${mesh}"] [data-default]`).evaluateAll((items) => items.map((i) => `${i.getAttribute("data-default")}:${i.getAttribute("data-default-state")}`));
    assert.deepEqual(await defaults("analytics"), [
      "mesh-timeout-all-analytics:skipped",
      "mesh-gateways-timeout-all-analytics:skipped",
      "mesh-retry-all-analytics:skipped",
      "mesh-circuit-breaker-all-analytics:skipped",
    ]);
    assert.deepEqual(await defaults("payments"), [
      "mesh-timeout-all-payments:materialized",
      "mesh-gateways-timeout-all-payments:materialized",
      "mesh-retry-all-payments:skipped",
      "mesh-circuit-breaker-all-payments:skipped",
    ]);
    assert.equal(await page.locator('[data-mesh="edge"] [data-default="mesh-timeout-all-edge"]').getAttribute("data-default-state"), "overridden");
    assert.match((await page.locator('[data-mesh="payments"] .chip').first().textContent()) ?? "", /drift: correct/);

    assert.ok(await page.getByRole("button", { name: "Reconcile now" }).isVisible());
    assert.ok(await page.locator('#timeline li[data-reasons~="startup"]').count() >= 1);
    await screenshot("1-in-sync");
    assertCleanBrowser();
  });

  test("--hydrate-branch: the branch and how its last hydrate went are shown, as /api/status has them", { timeout: 60_000 }, async () => {
    const last = await untilStatus("the first hydrate", (s) => s.hydration?.last ?? undefined, 45_000);
    const shown = page.locator(`#repository .hydration[data-ok="${String(last.ok)}"]`);
    await shown.waitFor();
    assert.match((await page.locator("#repository").textContent()) ?? "", /Hydration\s*rendered/);
    assert.equal(await shown.locator("code").getAttribute("title"), last.revision);
    assert.equal(await shown.locator(".hydration-message").textContent(), `: ${last.message}`);
    assert.equal(last.ok, true, last.message);
    assert.equal(git(repo.dir, "log", "-1", "--format=%(trailers:key=Meshops-Source-Revision,valueonly)", "rendered").trim(), last.revision);
    assertCleanBrowser();
  });

  test("a MeshService the control plane generated is left alone, not drift: the mesh stays in sync and its card says so", { timeout: 30_000 }, async () => {
    const url = `${server?.url}/meshes/payments/meshservices/ledger`;
    const headers = { authorization: `Bearer ${CP_TOKEN}`, "content-type": "application/json" };
    const generated = {
      type: "MeshService",
      mesh: "payments",
      name: "ledger",
      labels: { "kuma.io/managed-by": "meshservice-generator" },
      spec: { selector: { dataplaneTags: { "kuma.io/service": "ledger" } }, ports: [{ name: "http", port: 8080, targetPort: 8080, appProtocol: "http" }] },
    };
    assert.ok((await fetch(url, { method: "PUT", headers, body: JSON.stringify(generated) })).ok);
    const card = page.locator('[data-mesh="payments"]');
    await card.locator("p.muted", { hasText: "Left alone: 1 generated by the control plane." }).waitFor({ timeout: WAIT_MS });
    assert.equal(await card.getAttribute("data-state"), "in-sync");
    assert.equal(await page.locator("#overall").textContent(), "In sync");
    // Gone from the control plane: the next drift check says nothing of it.
    assert.ok((await fetch(url, { method: "DELETE", headers })).ok);
    await waitFor("the line to go", async () => ((await card.locator("p.muted", { hasText: "Left alone" }).count()) === 0 ? true : undefined), WAIT_MS);
    assertCleanBrowser();
  });

  test("an out-of-band edit shows up as drift, with its highlighted diff, without a reload", { timeout: 30_000 }, async () => {
    const navigations: string[] = [];
    const onNavigation = (frame: { url(): string; parentFrame(): unknown }) => {
      if (!frame.parentFrame()) navigations.push(frame.url());
    };
    page.on("framenavigated", onNavigation);
    await putLive("analytics", "ui-timeouts", "42m");
    const card = page.locator('[data-mesh="analytics"][data-state="drifted"]');
    await card.waitFor();
    const item = card.locator('details[data-resource="MeshTimeout/analytics/ui-timeouts"]');
    assert.equal(await item.getAttribute("data-kind"), "modified");
    assert.notEqual(await item.getAttribute("open"), null, "the first drift item is open");
    assert.match((await item.locator(".diff-del").allTextContents()).join("\n"), /idleTimeout: 42m0s/);
    assert.match((await item.locator(".diff-add").allTextContents()).join("\n"), /idleTimeout: 10m0s/);
    assert.equal(await page.locator("#overall").textContent(), "Drifted");
    await page.locator("#announcer", { hasText: "Mesh analytics is drifted." }).waitFor();
    // Still the same document: no reload, no navigation.
    assert.equal(await pageMarker(), "first load");
    assert.deepEqual(navigations, []);
    page.off("framenavigated", onNavigation);
    await page.locator('#timeline li[data-result="drifted"]').first().waitFor();

    // A drift item the reader closed stays closed through the next refreshes...
    await item.locator("summary").click();
    const checked = await card.locator("h4 time").first().getAttribute("datetime");
    await waitFor("another drift check on the page", async () => ((await card.locator("h4 time").first().getAttribute("datetime")) !== checked ? true : undefined), WAIT_MS);
    assert.equal(await page.locator('details[data-resource="MeshTimeout/analytics/ui-timeouts"]').getAttribute("open"), null, "closed by the reader");
    // ...and the keyboard focus stays on it, though the card was rebuilt.
    assert.equal(await page.evaluate("document.activeElement.closest('details')?.getAttribute('data-resource')"), "MeshTimeout/analytics/ui-timeouts");
    await item.locator("summary").click();
    await screenshot("2-drift");
    assertCleanBrowser();
  });

  test("an invalid commit shows its errors with file and line; the mesh they are in keeps its revision, the others get it", { timeout: 30_000 }, async () => {
    const good = git(repo.dir, "rev-parse", "HEAD");
    const bad = commitFiles(repo.dir, { "meshes/analytics/broken.yaml": policy("analytics", "broken", "5m", "idleTimout") }, "Tune the analytics timeouts");
    const status = await untilStatus("the invalid commit to be validated", (s) => (s.validation?.revision === bad ? s : undefined));
    const diagnostic = status.validation?.diagnostics.find((d) => d.file === "meshes/analytics/broken.yaml" && /idleTimout/.test(d.message));
    assert.ok(diagnostic && diagnostic.line > 0, JSON.stringify(status.validation));

    await page.locator("#problems").waitFor({ state: "visible" });
    const shown = page.locator(`.diagnostic[data-file="meshes/analytics/broken.yaml"][data-line="${diagnostic.line}"]`);
    assert.equal(await shown.locator(".location").textContent(), `meshes/analytics/broken.yaml:${diagnostic.line}:${diagnostic.column}`);
    assert.match((await shown.locator(".message").textContent()) ?? "", /idleTimout/);
    await page.locator('[data-mesh="analytics"][data-state="invalid"]').waitFor();
    assert.equal((await daemon.status()).meshes.find((m) => m.name === "analytics")?.appliedRevision, good);
    // Until the other meshes have the revision, the page says nothing of it is applied yet: waited for, not read once.
    const heldBack = new RegExp(`${bad.slice(0, 8)} is invalid .*mesh analytics keeps the last revision valid for it; the other meshes have it`);
    await page.locator("#problems", { hasText: heldBack }).waitFor({ timeout: WAIT_MS });
    assert.match((await page.locator("#revision-attempted").textContent()) ?? "", /invalid: applied where valid.*Tune the analytics timeouts/);
    assert.match((await page.locator('[data-mesh="analytics"] .mesh-reason').textContent()) ?? "", /validation error.*meshes\/analytics\/broken\.yaml/);
    assert.match((await page.locator("#revision-applied").textContent()) ?? "", /Longer idle timeout for the analytics UI/);
    assert.equal(await page.locator("#overall").textContent(), "Invalid commit");
    assert.ok(await page.locator("#nav-problems").isVisible());
    await page.locator('#timeline li[data-result="invalid"]').first().waitFor();
    assert.equal(await pageMarker(), "first load");
    await screenshot("3-invalid-commit");
    assertCleanBrowser();
  });

  test('"Reconcile now" needs the token, keeps it in sessionStorage and shows the new run in the timeline', { timeout: 30_000 }, async () => {
    const input = page.getByLabel("Reconcile token");
    const button = page.getByRole("button", { name: "Reconcile now" });
    const result = page.locator("#reconcile-result");

    // No token: asked for, nothing sent.
    await input.fill("");
    await button.click();
    await result.filter({ hasText: "Enter the reconcile token first." }).waitFor();
    assert.equal(await page.evaluate("document.activeElement.id"), "reconcile-token");

    // A wrong token: refused by the daemon (Chromium logs the 401 as a console error: that one is expected).
    expectedErrors.push(/status of 401/);
    await input.fill("not-the-token");
    await button.click();
    await result.filter({ hasText: "refused this token" }).waitFor();
    assert.equal(await page.evaluate("sessionStorage.getItem('meshops.reconcileToken')"), null);
    assert.deepEqual(expectedErrors, [], "the 401 was logged");

    const before = (await daemon.status()).reconciles[0]?.id ?? 0;
    assert.equal(await page.locator('#timeline li[data-reasons~="api"]').count(), 0);
    await input.fill(RECONCILE_TOKEN);
    await button.click();
    const run = page.locator('#timeline li[data-reasons~="api"]').first();
    await run.waitFor();
    assert.ok(Number(await run.getAttribute("data-run-id")) > before);
    assert.match((await run.textContent()) ?? "", /Reconcile now/);
    await result.filter({ hasText: /Reconcile #\d+ finished/ }).waitFor();
    assert.equal(await page.evaluate("sessionStorage.getItem('meshops.reconcileToken')"), RECONCILE_TOKEN);
    assert.equal(await pageMarker(), "first load");

    await page.mouse.move(0, 0);
    await screenshot("4-reconciled");
    if (process.env.UPDATE_SCREENSHOTS === "1" || !existsSync(README_SCREENSHOT)) {
      mkdirSync(path.dirname(README_SCREENSHOT), { recursive: true });
      await page.screenshot({ path: README_SCREENSHOT, fullPage: true });
    }

    // The token survives a reload of the tab (sessionStorage), and is forgotten on request.
    await page.reload();
    await page.locator("[data-mesh]").first().waitFor();
    assert.equal(await input.inputValue(), RECONCILE_TOKEN);
    await page.getByRole("button", { name: "Forget token" }).click();
    assert.equal(await input.inputValue(), "");
    assert.equal(await page.evaluate("sessionStorage.getItem('meshops.reconcileToken')"), null);
    assertCleanBrowser();
  });

  test("Suspend, Resume and Approve on the mesh cards: the token-protected buttons act, and the cards follow without a reload", { timeout: 60_000 }, async () => {
    const result = page.locator("#reconcile-result");
    await page.evaluate("window.__uiTestMarker = 'before the buttons'");
    await page.getByLabel("Reconcile token").fill(RECONCILE_TOKEN);

    // Suspend edge from its card, then resume it.
    await page.locator('[data-mesh="edge"]').getByRole("button", { name: "Suspend" }).click();
    await result.filter({ hasText: "mesh edge suspended" }).waitFor();
    await page.locator('[data-mesh="edge"][data-state="suspended"]').waitFor();
    assert.equal((await daemon.status()).meshes.find((m) => m.name === "edge")?.suspended?.by, "api");
    await page.locator('[data-mesh="edge"]').getByRole("button", { name: "Resume" }).click();
    await result.filter({ hasText: "mesh edge resumed" }).waitFor();
    await page.locator('[data-mesh="edge"][data-state="in-sync"]').waitFor();

    // A removed MeshTrafficPermission (pruning turned on) is held in mesh default; Approve applies exactly that revision.
    const permissions = readFileSync(path.join(repo.dir, "meshes/default/permissions.yaml"), "utf8");
    const kept = permissions.split(/^---\n/m).filter((d) => !d.includes("name: ldap-sync-only-from-directory")).join("---\n");
    const config = readFileSync(path.join(repo.dir, "meshops.yaml"), "utf8").replace("enabled: false", "enabled: true");
    const held = commitFiles(repo.dir, { "meshes/default/permissions.yaml": kept, "meshops.yaml": config }, "Drop the LDAP sync permission");
    const card = page.locator(`[data-mesh="default"][data-state="awaiting-approval"] .approval[data-revision="${held}"]`);
    await card.waitFor({ timeout: 20_000 });
    assert.equal(await card.locator('details[data-resource="MeshTrafficPermission/default/ldap-sync-only-from-directory"]').getAttribute("data-action"), "delete");
    await screenshot("5-awaiting-approval");
    // The button names the plan shown (its fingerprint), so a plan that changed by the time it is pressed is refused.
    const plan = (await daemon.status()).meshes.find((m) => m.name === "default")?.approval?.plan ?? "";
    assert.match(plan, /^[0-9a-f]{64}$/);
    const approve = card.getByRole("button", { name: `Approve ${held.slice(0, 7)}` });
    assert.equal(await approve.getAttribute("data-plan"), plan);
    assert.equal(await card.locator(`code[title="plan fingerprint ${plan}"]`).textContent(), plan.slice(0, 8));
    await approve.click();
    await result.filter({ hasText: `revision ${held} of mesh default approved, plan ${plan.slice(0, 12)}` }).waitFor();
    await page.locator('[data-mesh="default"][data-state="in-sync"]').waitFor({ timeout: 20_000 });
    const gone = await fetch(`${server?.url}/meshes/default/meshtrafficpermissions/ldap-sync-only-from-directory`, { headers: { authorization: `Bearer ${CP_TOKEN}` } });
    assert.equal(gone.status, 404);
    assert.equal(await pageMarker(), "before the buttons", "no reload");
    assertCleanBrowser();
  });

  test("a mesh removed from the repository while suspended: the Removed panel says it is kept until resumed, then pruning awaiting approval, then pruned", { timeout: 60_000 }, async () => {
    // Prune is on since the test above. payments is suspended from its card, then its files leave the repository.
    await page.evaluate("window.__uiTestMarker = 'before the removal'");
    await page.locator('[data-mesh="payments"]').getByRole("button", { name: "Suspend" }).click();
    await page.locator('[data-mesh="payments"][data-state="suspended"]').waitFor();
    git(repo.dir, "rm", "-q", "-r", "meshes/payments");
    git(repo.dir, "commit", "-q", "-m", "payments leaves the repository");
    const removal = git(repo.dir, "rev-parse", "HEAD");
    const item = page.locator('#removed-section:not([hidden]) [data-removed-mesh="payments"]');
    await item.waitFor({ timeout: 20_000 });
    assert.equal(await item.locator(".removed-state").textContent(), "suspended: kept until resumed");
    const fate = (await daemon.status()).removedMeshes[0]?.fate ?? "";
    assert.match(fate, /^the mesh is suspended \(through the API\): what meshops owns there stays on the control plane until it is resumed, then is to be deleted/);
    assert.equal(await item.locator(".removed-fate").textContent(), fate, "the log's words");
    assert.equal(await item.locator(`code[title="${removal}"]`).textContent(), removal.slice(0, 8));
    await screenshot("5-removed-suspended");

    // Resumed: deleting the Mesh is a mass change, held for approval; approved, it is pruned and its card goes.
    await page.locator('[data-mesh="payments"]').getByRole("button", { name: "Resume" }).click();
    await item.locator(".removed-state", { hasText: "pruning: awaiting approval" }).waitFor({ timeout: 20_000 });
    assert.match((await item.locator(".removed-fate").textContent()) ?? "", /^what meshops owns there is to be deleted \(prune is on\)/);
    await page.locator('[data-mesh="payments"]').getByRole("button", { name: /^Approve / }).click();
    await item.locator(".removed-state", { hasText: "pruned" }).waitFor({ timeout: 20_000 });
    assert.equal(await page.locator('[data-mesh="payments"]').count(), 0, "its card is gone");
    assert.equal(await pageMarker(), "before the removal", "no reload");
    assertCleanBrowser();
  });

  test("a mesh blocked by what the control plane lacks: its card says Blocked, the reason code and what lifts it; so does the header", { timeout: 60_000 }, async () => {
    // A policy in a mesh defined elsewhere (externalMeshes) that the control plane does not have. Left blocked: the
    // contrast and phone checks below read its card too.
    const config = `${readFileSync(path.join(repo.dir, "meshops.yaml"), "utf8")}\nexternalMeshes: [legacy]\n`;
    commitFiles(repo.dir, { "meshops.yaml": config, "meshes/legacy/timeout.yaml": policy("legacy", "t", "20s") }, "A timeout in the legacy mesh");
    const card = page.locator('[data-mesh="legacy"][data-state="blocked"]');
    await card.waitFor({ timeout: 30_000 });
    assert.equal(await card.locator(".mesh-state").textContent(), "Blocked");
    assert.match((await card.locator(".mesh-reason").textContent()) ?? "", /^1 resource holds what .*; first meshes\/legacy\/timeout\.yaml:\d+:\d+: MeshTimeout\/legacy\/t mesh: the control plane has no Mesh legacy/);
    const block = card.locator('.block[data-block-reason="control-plane-lacks"]');
    assert.equal(await block.locator("code").textContent(), "control-plane-lacks");
    assert.match((await block.textContent()) ?? "", /until the control plane has it .* or a commit no longer writes it/);
    assert.equal(await page.locator("#overall").textContent(), "Blocked");
    await screenshot("5-blocked");
    assertCleanBrowser();
  });

  test("keyboard: a skip link first, landmarks, visible focus, and Reconcile now reachable and usable by keyboard", { timeout: 30_000 }, async () => {
    await page.reload();
    await page.locator("[data-mesh]").first().waitFor();
    for (const role of ["banner", "navigation", "main", "contentinfo"] as const) assert.equal(await page.getByRole(role).count(), 1, role);
    assert.equal(await page.getByRole("region", { name: "Meshes" }).count(), 1);
    assert.ok((await page.getByRole("heading", { level: 2 }).count()) >= 3, "a heading per section");

    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate("document.activeElement.textContent"), "Skip to content");
    await page.keyboard.press("Enter");
    assert.equal(await page.evaluate("document.activeElement.id"), "main");

    // Tab on from the main landmark to the token field, then the button: both show a focus ring.
    let reached = false;
    for (let i = 0; i < 60 && !reached; i++) {
      await page.keyboard.press("Tab");
      reached = (await page.evaluate("document.activeElement.id")) === "reconcile-token";
    }
    assert.ok(reached, "the token field is reachable with Tab");
    await page.keyboard.type(RECONCILE_TOKEN);
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate("document.activeElement.id"), "reconcile-button");
    const ring = (await page.evaluate("(() => { const s = getComputedStyle(document.activeElement); return [s.outlineStyle, parseFloat(s.outlineWidth)]; })()")) as [string, number];
    assert.notEqual(ring[0], "none");
    assert.ok(ring[1] >= 2, `outline ${ring[1]}px`);
    // The newest run asked for through the API, by id: the timeline keeps 20 runs, so earlier ones may have left it.
    const newestApiRun = async () => Number((await page.locator('#timeline li[data-reasons~="api"]').first().getAttribute("data-run-id", { timeout: 1_000 }).catch(() => null)) ?? 0);
    const before = await newestApiRun();
    await page.keyboard.press("Enter");
    await waitFor("a new run asked for from the keyboard", async () => ((await newestApiRun()) > before ? true : undefined), WAIT_MS);

    // A drift item opens and closes from the keyboard (a real <summary>, not a div).
    const details = page.locator('details[data-resource="MeshTimeout/analytics/ui-timeouts"]');
    await details.locator("summary").focus();
    const open = (await details.getAttribute("open")) !== null;
    await page.keyboard.press("Enter");
    assert.equal((await details.getAttribute("open")) !== null, !open);
    await page.keyboard.press("Enter");
    assertCleanBrowser();
  });

  test("contrast: every piece of text meets WCAG AA, in the light and the dark scheme", { timeout: 30_000 }, async () => {
    for (const scheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      // Focus rings and hover states aside, what a reader sees: every element with text of its own.
      const { checked, failures } = (await page.evaluate(CONTRAST_CHECK)) as { checked: number; failures: string[] };
      assert.ok(checked > 200, `only ${checked} elements checked`);
      assert.deepEqual(failures, [], `${scheme}: text below WCAG AA contrast`);
      if (scheme === "dark") await screenshot("5-dark");
    }
    await page.emulateMedia({ colorScheme: "light" });
    assertCleanBrowser();
  });

  test("a phone-sized screen: one column, nothing wider than the screen", { timeout: 30_000 }, async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await page.locator("[data-mesh]").first().waitFor();
      const [scrollWidth, clientWidth] = (await page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")) as [number, number];
      assert.ok(scrollWidth <= clientWidth, `the page scrolls sideways: ${scrollWidth} > ${clientWidth}`);
      const boxes = await page.locator("[data-mesh], .panel, header, footer").evaluateAll((elements) =>
        elements.map((e) => {
          const box = e.getBoundingClientRect();
          return { what: e.getAttribute("data-mesh") || e.id || e.tagName, left: box.left, right: box.right };
        }),
      );
      for (const box of boxes) assert.ok(box.left >= 0 && box.right <= 390, `${box.what} is outside the screen: ${box.left}..${box.right}`);
      const lefts = new Set(await page.locator("[data-mesh]").evaluateAll((cards) => cards.map((c) => Math.round(c.getBoundingClientRect().left))));
      assert.equal(lefts.size, 1, "mesh cards in one column");
      await page.getByRole("button", { name: "Reconcile now" }).scrollIntoViewIfNeeded();
      assert.ok(await page.getByRole("button", { name: "Reconcile now" }).isVisible());
      await screenshot("6-phone");
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
    assertCleanBrowser();
  });

  test("without server-sent events the page polls /api/status and still updates", { timeout: 30_000 }, async () => {
    const polling = await (context as BrowserContext).newPage();
    watchPage(polling);
    try {
      await polling.addInitScript({ content: "delete window.EventSource;" });
      await polling.goto(`${daemon.url}/`);
      await polling.locator('#connection[data-connection="polling"]').waitFor();
      // analytics: the invalid commit above keeps it at its last valid revision.
      await polling.locator('[data-mesh="analytics"][data-state="invalid"]').waitFor();
      const first = await polling.locator("#timeline li").first().getAttribute("data-run-id");
      await waitFor(
        "a later run on the polling page",
        async () => ((await polling.locator("#timeline li").first().getAttribute("data-run-id")) !== first ? true : undefined),
        WAIT_MS,
      );
    } finally {
      await polling.close();
    }
    assertCleanBrowser();
  });

  test('with POST /api/reconcile off, the page has no "Reconcile now", Suspend or Approve button, and its cards say how to turn them on', { timeout: 40_000 }, async () => {
    const offWork = path.join(work, "endpoint-off");
    mkdirSync(offWork);
    // Its own daemon, on the embedded control plane, without --reconcile-token-file.
    const off = await startWatch(["--repo", repo.dir, "--branch", "main", "--drift-interval", "1h"], { cwd: offWork });
    const other = await (context as BrowserContext).newPage();
    other.setDefaultTimeout(WAIT_MS);
    const errors: string[] = [];
    other.on("console", (m) => void (m.type() === "error" && errors.push(m.text())));
    other.on("pageerror", (e) => errors.push(String(e)));
    try {
      await other.goto(`${off.url}/`);
      await other.locator("#reconcile-off").waitFor({ state: "visible", timeout: 20_000 });
      assert.equal(await other.locator("#reconcile-form").isHidden(), true);
      assert.equal(await other.getByRole("button", { name: "Reconcile now" }).count(), 0);
      // The mesh buttons POST to the same token-protected API: off, they could only answer an error.
      const card = other.locator("article.mesh").first();
      await card.waitFor();
      assert.equal(await other.locator("[data-mesh-action]").count(), 0);
      assert.match((await card.locator(".mesh-actions-off").textContent()) ?? "", /Suspend, Resume and Approve are off: start meshops watch with --reconcile-token-file/);
      assert.deepEqual(errors, []);
    } finally {
      await other.close();
      off.child.kill("SIGTERM");
      await exitWithin(off, 10_000);
    }
  });

  test("the whole session: no console error, no uncaught exception, no request to another origin", () => {
    assertCleanBrowser();
  });
});

/**
 * Runs in the page: every visible element with text of its own, its colour against the first opaque background
 * behind it; WCAG AA needs 4.5:1, or 3:1 for large text (24px, or 18.66px bold). Returns how many were checked
 * and the failures.
 */
const CONTRAST_CHECK = `(() => {
  const parse = (c) => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null; const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number); return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 }; };
  const lum = ({ r, g, b }) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const background = (e) => { for (let n = e; n; n = n.parentElement) { const c = parse(getComputedStyle(n).backgroundColor); if (c && c.a > 0.5) return c; } return { r: 255, g: 255, b: 255, a: 1 }; };
  const failures = [];
  let checked = 0;
  for (const e of document.querySelectorAll("body *")) {
    if (![...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim() !== "")) continue;
    const box = e.getBoundingClientRect();
    const style = getComputedStyle(e);
    if (box.width <= 1 || box.height <= 1 || style.visibility === "hidden" || e.closest("[hidden]")) continue;
    const fg = parse(style.color); if (!fg) continue;
    const bg = background(e);
    checked++;
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(style.fontSize); const bold = Number(style.fontWeight) >= 700;
    const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < needed) failures.push(e.tagName.toLowerCase() + "." + e.className + " '" + e.textContent.trim().slice(0, 40) + "': " + ratio.toFixed(2) + " < " + needed);
  }
  return { checked, failures };
})()`;
