/**
 * `meshops watch` with two tenants (issue 15): one tenant never blocks another, the followed branch is pinned, each
 * mesh has one state that tells the truth, dangerous changes wait for a person, and meshes can be suspended.
 * A real Git repository, the daemon as a child process, the embedded control plane served over HTTP in this process.
 * The tests run in order against one daemon (the last one starts its own); each bounds its own waiting.
 */
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import http from "node:http";
import { createServer } from "node:net";
import path from "node:path";
import { before, test } from "node:test";
import type { MeshStatus, StatusJson } from "../src/daemon/statusTypes.js";
import { runCli } from "./helpers/cli.js";
import { startWatch, waitFor, type DaemonProcess } from "./helpers/daemon.js";
import { daemonTestBed, untilStatus } from "./helpers/daemonBed.js";
import { commitFiles, git, tempRepo } from "./helpers/git.js";
import { meshTimeoutYaml } from "./helpers/policies.js";

const CP_TOKEN = "cp-token-tenancy-3f9a";
const RECONCILE_TOKEN = "reconcile-token-tenancy-81c4";

const bed = daemonTestBed("meshops-tenancy", { token: CP_TOKEN });
const { repo, work } = bed;
let daemon: DaemonProcess;

const config = (extra = "") =>
  `instance: meshops\ncontrolPlane:\n  skipDefaultMeshCreation: true\ndefaults:\n  materialize: false\nprune:\n  enabled: true\ndrift:\n  mode: report\n  meshes:\n    shop: correct\n${extra}`;
const mesh = (name: string) => `type: Mesh\nname: ${name}\n`;
const timeout = (meshName: string, name: string, idleTimeout: string) => meshTimeoutYaml(name, meshName, idleTimeout);
const permission = (meshName: string) =>
  `type: MeshTrafficPermission\nname: allow-all\nmesh: ${meshName}\nspec:\n  targetRef:\n    kind: Mesh\n  from:\n    - targetRef:\n        kind: Mesh\n      default:\n        action: Allow\n`;

const cp = bed.cp;
async function idleTimeoutOf(meshName: string, name: string): Promise<string | undefined> {
  const res = await cp(`/meshes/${meshName}/meshtimeouts/${name}`);
  if (res.status === 404) return undefined;
  return ((await res.json()) as { spec: { to: { default: { idleTimeout: string } }[] } }).spec.to[0]?.default.idleTimeout;
}
const hasPermission = async (meshName: string) => (await cp(`/meshes/${meshName}/meshtrafficpermissions/allow-all`)).status === 200;

const meshOf = (s: StatusJson, name: string): MeshStatus | undefined => s.meshes.find((m) => m.name === name);
const post = (p: string, body: unknown, token: string | null = RECONCILE_TOKEN) =>
  fetch(`${daemon.url}${p}`, { method: "POST", headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });

/** Queues a reconcile through the API and waits for its record: whatever the branch holds has been considered. */
async function reconcileNow(): Promise<StatusJson> {
  const before = (await daemon.status()).reconciles[0]?.id ?? 0;
  assert.equal((await post("/api/reconcile", {})).status, 202);
  return untilStatus(daemon, "a reconcile asked for through the API", (s) => (s.reconciles.some((r) => r.id > before && r.reasons.includes("api")) ? s : undefined));
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

before(async () => {
  await bed.open();
  commitFiles(
    repo.dir,
    {
      "meshops.yaml": config(),
      "meshes/shop/mesh.yaml": mesh("shop"),
      "meshes/shop/permissions.yaml": permission("shop"),
      "meshes/shop/timeouts.yaml": timeout("shop", "checkout", "1m"),
      "meshes/blog/mesh.yaml": mesh("blog"),
      "meshes/blog/permissions.yaml": permission("blog"),
      "meshes/blog/timeouts.yaml": timeout("blog", "posts", "1m") + "---\n" + timeout("blog", "comments", "1m") + "---\n" + timeout("blog", "feed", "1m"),
    },
    "two tenants",
  );
  // No --branch: the branch checked out now (main) is the one followed.
  daemon = await startWatch(
    [
      "--repo", repo.dir,
      "--cp-url", bed.server.url,
      "--token-file", bed.secretFile("cp-token", CP_TOKEN),
      "--drift-interval", "500ms",
      "--reconcile-token-file", bed.secretFile("reconcile-token", RECONCILE_TOKEN),
      "--max-deletes", "1",
    ],
    { cwd: work },
  );
});

test("the branch checked out at start is followed and shown; both meshes are in sync at its head", async () => {
  const head = git(repo.dir, "rev-parse", "HEAD");
  const status = await untilStatus(daemon, "the first sync", (s) => (s.revision.applied?.commit === head ? s : undefined));
  assert.deepEqual([status.repository.branch, status.repository.remote, status.revision.head], ["main", null, head]);
  assert.equal((await fetch(`${daemon.url}/readyz`)).status, 200);
  for (const name of ["blog", "shop"]) {
    const m = meshOf(status, name);
    assert.deepEqual([m?.state, m?.appliedRevision, m?.headApplied], ["in-sync", head, true], name);
    assert.match(m?.reason ?? "", /is applied/);
    assert.ok(m && Date.parse(m.since) > 0);
  }
  await daemon.untilLog("the followed branch in the log", (e) => e.event === "daemon.started" && e.branch === "main");
  // --heap-growth's default, set at start (src/daemon/heap.ts).
  await daemon.untilLog("the heap's bound in the log", (e) => e.event === "daemon.heap" && e.heapGrowthPercent === 30 && e.setBy === "option");
});

test("a checkout of another branch, and a commit on it, are not applied", async () => {
  const main = git(repo.dir, "rev-parse", "HEAD");
  git(repo.dir, "checkout", "-q", "-b", "feature");
  try {
    commitFiles(repo.dir, { "meshes/shop/timeouts.yaml": timeout("shop", "checkout", "5m") }, "on a feature branch");
    const status = await reconcileNow();
    assert.equal(status.revision.head, main);
    assert.equal(await idleTimeoutOf("shop", "checkout"), "1m0s");
    assert.equal(meshOf(status, "shop")?.state, "in-sync");
  } finally {
    git(repo.dir, "checkout", "-q", "main");
  }
});

let held = "";
test("a detached HEAD or a branch the repository lacks is refused at start, in one line", async () => {
  const detached = tempRepo("meshops-tenancy-detached-");
  try {
    commitFiles(detached.dir, { "meshes/shop/mesh.yaml": mesh("shop") }, "one");
    git(detached.dir, "checkout", "-q", "--detach", "HEAD");
    const run = await runCli(["watch", "--repo", detached.dir, "--listen", "127.0.0.1:0", "--state-dir", path.join(work, "detached-cp")], work);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /^meshops: \/\S+: HEAD is detached: pass --branch to say which branch to follow\n$/);
    const missing = await runCli(["watch", "--repo", detached.dir, "--branch", "nope", "--listen", "127.0.0.1:0", "--state-dir", path.join(work, "detached-cp")], work);
    assert.equal(missing.code, 1, missing.stderr);
    assert.match(missing.stderr, /^meshops: \/\S+: no branch nope to follow \(--branch\)\n$/);
  } finally {
    detached.cleanup();
  }
});

test("a guard-flagged delete waits in its mesh while another mesh's change in the same commit is applied", async () => {
  rmSync(path.join(repo.dir, "meshes/shop/permissions.yaml"));
  held = commitFiles(repo.dir, { "meshes/blog/timeouts.yaml": timeout("blog", "posts", "2m") + "---\n" + timeout("blog", "comments", "1m") + "---\n" + timeout("blog", "feed", "1m") }, "drop shop's permission");
  const status = await untilStatus(daemon, "shop to await approval", (s) => (meshOf(s, "shop")?.approval?.revision === held && meshOf(s, "blog")?.appliedRevision === held ? s : undefined));
  const shop = meshOf(status, "shop");
  assert.equal(shop?.state, "awaiting-approval");
  assert.match(shop?.reason ?? "", /waits for approval: removes MeshTrafficPermission\/shop\/allow-all/);
  assert.deepEqual(shop?.approval?.summary, { create: 0, update: 0, delete: 1 });
  assert.deepEqual(shop?.approval?.changes.map((c) => [c.action, c.resource]), [["delete", "MeshTrafficPermission/shop/allow-all"]]);
  assert.match(shop?.approval?.changes[0]?.diff ?? "", /-\s+action: Allow/);
  assert.equal(meshOf(status, "blog")?.state, "in-sync");
  assert.equal(await idleTimeoutOf("blog", "posts"), "2m0s");
  assert.equal(await hasPermission("shop"), true, "held: not deleted");
  assert.equal(status.revision.applied?.commit === held, false, "shop does not have it");
  assert.equal(status.reconciles.find((r) => r.revision === held)?.result, "refused");
  const logged = await daemon.untilLog("the hold, with what to do about it", (e) => e.event === "approval.required" && e.mesh === "shop");
  assert.ok(String(logged.msg).includes(`POST /api/meshes/shop/approve {"revision": "${held}", "plan": "${shop?.approval?.plan}"}`), String(logged.msg));
  const metrics = await (await fetch(`${daemon.url}/metrics`)).text();
  assert.match(metrics, /meshops_mesh_state\{mesh="shop",state="awaiting-approval"\} 1/);
});

test("approval: token, revision and mesh checked; a newer commit supersedes it; approving applies exactly that revision", async () => {
  assert.equal((await post("/api/meshes/shop/approve", { revision: held }, null)).status, 401);
  assert.equal((await post("/api/meshes/shop/approve", { revision: held }, "wrong")).status, 401);
  assert.equal((await post("/api/meshes/nope/approve", { revision: held })).status, 404);
  assert.equal((await post("/api/meshes/blog/approve", { revision: held })).status, 409, "blog holds nothing");
  assert.equal((await post("/api/meshes/shop/approve", {})).status, 400);
  assert.equal((await fetch(`${daemon.url}/api/meshes/shop/approve`)).status, 405);

  const newer = commitFiles(repo.dir, { "meshes/blog/timeouts.yaml": timeout("blog", "posts", "3m") + "---\n" + timeout("blog", "comments", "1m") + "---\n" + timeout("blog", "feed", "1m") }, "newer");
  await untilStatus(daemon, "the hold to move to the newer commit", (s) => (meshOf(s, "shop")?.approval?.revision === newer ? true : undefined));
  const superseded = await post("/api/meshes/shop/approve", { revision: held });
  assert.equal(superseded.status, 409);
  assert.match(((await superseded.json()) as { error: string }).error, /awaits approval of revision [0-9a-f]{40}, not [0-9a-f]{40}: a newer commit may have superseded it/);
  assert.equal(await hasPermission("shop"), true);

  const approved = await post("/api/meshes/shop/approve", { revision: newer.slice(0, 12) });
  assert.equal(approved.status, 202, await approved.clone().text());
  const status = await untilStatus(daemon, "the approved revision applied", (s) => (meshOf(s, "shop")?.appliedRevision === newer ? s : undefined));
  assert.deepEqual([meshOf(status, "shop")?.state, meshOf(status, "shop")?.approval], ["in-sync", null]);
  assert.equal(await hasPermission("shop"), false);
  assert.equal(status.revision.applied?.commit, newer);
});

test("watch --max-deletes holds a mass delete in the mesh it deletes from, with the remedy that works in the daemon", async () => {
  const commit = commitFiles(repo.dir, { "meshes/blog/timeouts.yaml": timeout("blog", "posts", "3m") }, "drop two of blog's timeouts");
  const status = await untilStatus(daemon, "blog to await approval", (s) => (meshOf(s, "blog")?.approval?.revision === commit ? s : undefined));
  assert.match(meshOf(status, "blog")?.approval?.reasons.join("\n") ?? "", /the plan deletes 2 of \d+ owned resources \(\d+%\), more than --max-deletes 1/);
  assert.equal(meshOf(status, "shop")?.state, "in-sync", "shop is not held back");
  assert.equal(await idleTimeoutOf("blog", "comments"), "1m0s");
  const logged = await daemon.untilLog("the remedy", (e) => e.event === "approval.required" && e.mesh === "blog" && e.revision === commit);
  assert.match(String(logged.msg), /POST \/api\/meshes\/blog\/approve/);
  assert.match(String(logged.msg), /--max-deletes/);
  assert.doesNotMatch(String(logged.msg), /--max-delete-percent 100/, "not the CLI's remedy");
  assert.equal((await post("/api/meshes/blog/approve", { revision: commit })).status, 202);
  await waitFor("the deletes applied", async () => ((await idleTimeoutOf("blog", "comments")) === undefined ? true : undefined), 15_000);
  assert.equal(await idleTimeoutOf("blog", "feed"), undefined);
});

test("a mesh suspended through the API is neither applied nor corrected, its drift still reported; resuming applies the head", async () => {
  assert.equal((await post("/api/meshes/shop/suspend", {})).status, 202);
  await untilStatus(daemon, "shop suspended", (s) => (meshOf(s, "shop")?.state === "suspended" ? true : undefined));
  const commit = commitFiles(repo.dir, { "meshes/shop/timeouts.yaml": timeout("shop", "checkout", "6m") }, "while shop is suspended");
  let status = await untilStatus(daemon, "the commit to be considered", (s) => (s.reconciles.some((r) => r.revision === commit && r.kind === "sync") ? s : undefined));
  assert.equal(meshOf(status, "shop")?.suspended?.by, "api");
  assert.equal(await idleTimeoutOf("shop", "checkout"), "1m0s");
  // shop is in `correct` mode: an edit made outside Git would be reverted, were it not suspended.
  const res = await cp("/meshes/shop/meshtimeouts/checkout", {
    method: "PUT",
    body: JSON.stringify({ type: "MeshTimeout", mesh: "shop", name: "checkout", labels: { "meshops.io/managed-by": "meshops" }, spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: "42m" } }] } }),
  });
  assert.ok(res.ok);
  status = await untilStatus(daemon, "the edit reported as drift", (s) => (meshOf(s, "shop")?.drift?.items.some((i) => i.kind === "modified" && i.resource === "MeshTimeout/shop/checkout") ? s : undefined));
  // That check would have corrected it in the same run: it did not.
  assert.equal(await idleTimeoutOf("shop", "checkout"), "42m0s");
  assert.equal(meshOf(status, "shop")?.state, "suspended");

  assert.equal((await post("/api/meshes/shop/resume", {})).status, 202);
  status = await untilStatus(daemon, "shop applied once resumed", (s) => (meshOf(s, "shop")?.appliedRevision === commit && meshOf(s, "shop")?.state === "in-sync" ? s : undefined));
  assert.equal(await idleTimeoutOf("shop", "checkout"), "6m0s");
});

test("a mesh suspended by meshops.yaml: not applied, and the API cannot resume it", async () => {
  const commit = commitFiles(repo.dir, { "meshops.yaml": config("suspend: [blog]\n"), "meshes/blog/timeouts.yaml": timeout("blog", "posts", "7m") }, "suspend blog");
  const status = await untilStatus(daemon, "blog suspended by meshops.yaml", (s) => (meshOf(s, "blog")?.suspended?.by === "config" && s.reconciles.some((r) => r.revision === commit) ? s : undefined));
  assert.equal(meshOf(status, "blog")?.state, "suspended");
  assert.equal(meshOf(status, "shop")?.appliedRevision, commit);
  assert.equal(await idleTimeoutOf("blog", "posts"), "3m0s");
  const resume = await post("/api/meshes/blog/resume", {});
  assert.equal(resume.status, 409);
  assert.match(((await resume.json()) as { error: string }).error, /suspended by meshops\.yaml/);
  const lifted = commitFiles(repo.dir, { "meshops.yaml": config() }, "resume blog");
  await untilStatus(daemon, "blog applied", (s) => (meshOf(s, "blog")?.appliedRevision === lifted && meshOf(s, "blog")?.state === "in-sync" ? true : undefined));
  assert.equal(await idleTimeoutOf("blog", "posts"), "7m0s");
});

test("a force-push is followed, with a warning in the log and in the timeline", async () => {
  const before = git(repo.dir, "rev-parse", "HEAD");
  // Rewrite main in one step, as a force-push does: a commit off its parent, then the branch moved onto it.
  git(repo.dir, "checkout", "-q", "--detach", "HEAD~1");
  const rewritten = commitFiles(repo.dir, { "meshes/shop/timeouts.yaml": timeout("shop", "checkout", "8m") }, "rewritten history");
  git(repo.dir, "branch", "-f", "main", rewritten);
  git(repo.dir, "checkout", "-q", "main");
  const status = await untilStatus(daemon, "the rewritten head applied", (s) => (meshOf(s, "shop")?.appliedRevision === rewritten ? s : undefined));
  assert.equal(await idleTimeoutOf("shop", "checkout"), "8m0s");
  const record = status.reconciles.find((r) => r.revision === rewritten && r.kind === "sync");
  assert.match(record?.warnings?.join("\n") ?? "", new RegExp(`force-pushed: ${rewritten.slice(0, 12)} does not descend from ${before.slice(0, 12)}`));
  await daemon.untilLog("the warning", (e) => e.event === "source.rewritten" && e.previous === before && e.revision === rewritten);
});

test("a file whose mesh cannot be known blocks every mesh, and says so", async () => {
  const before = (await daemon.status()).meshes.find((m) => m.name === "shop")?.appliedRevision;
  const broken = commitFiles(repo.dir, { "meshes/blog/broken.yaml": "{ not yaml: [\n", "meshes/shop/timeouts.yaml": timeout("shop", "checkout", "9m") }, "broken");
  const status = await untilStatus(daemon, "the broken commit recorded", (s) => (s.reconciles.some((r) => r.revision === broken) ? s : undefined));
  for (const name of ["blog", "shop"]) {
    const m = meshOf(status, name);
    assert.equal(m?.state, "invalid", name);
    assert.match(m?.reason ?? "", /^\d+ errors? no mesh can be named for at [0-9a-f]{12} \(the whole repository waits\), first meshes\/blog\/broken\.yaml:\d+:\d+: /);
  }
  assert.equal(meshOf(status, "shop")?.appliedRevision, before);
  assert.equal(await idleTimeoutOf("shop", "checkout"), "8m0s", "nothing applied");
  rmSync(path.join(repo.dir, "meshes/blog/broken.yaml"));
  const fixed = commitFiles(repo.dir, {}, "unbroken");
  await untilStatus(daemon, "the fix applied", (s) => (meshOf(s, "shop")?.appliedRevision === fixed && meshOf(s, "shop")?.state === "in-sync" ? true : undefined));
  assert.equal(await idleTimeoutOf("shop", "checkout"), "9m0s");
});

test("a document without a name blocks the mesh it names only: the other mesh gets the commit", async () => {
  // Before: its error (MeshTimeout/blog/) named no mesh the daemon could read, so the whole repository waited.
  const blogBefore = meshOf(await daemon.status(), "blog")?.appliedRevision;
  const unnamed = timeout("blog", "x", "1m").replace("name: x\n", "");
  const commit = commitFiles(repo.dir, { "meshes/blog/unnamed.yaml": unnamed, "meshes/shop/timeouts.yaml": timeout("shop", "checkout", "10m") }, "unnamed");
  const status = await untilStatus(daemon, "shop applied at the unnamed commit", (s) => (meshOf(s, "shop")?.appliedRevision === commit && meshOf(s, "blog")?.state === "invalid" ? s : undefined));
  assert.match(meshOf(status, "blog")?.reason ?? "", /^1 validation error at [0-9a-f]{12}, first meshes\/blog\/unnamed\.yaml:1:\d+: MeshTimeout\/blog\/ name: name is required/);
  assert.equal(meshOf(status, "blog")?.appliedRevision, blogBefore, "blog keeps its last valid revision");
  assert.equal(await idleTimeoutOf("shop", "checkout"), "10m0s");
  rmSync(path.join(repo.dir, "meshes/blog/unnamed.yaml"));
  const fixed = commitFiles(repo.dir, {}, "named");
  // blog is suspended by meshops.yaml since an earlier test: valid again, it is that and no longer invalid.
  await untilStatus(daemon, "the document gone", (s) => (meshOf(s, "shop")?.appliedRevision === fixed && meshOf(s, "blog")?.state === "suspended" ? true : undefined));
});

test("a document whose name is not a string blocks the mesh it names only: the other mesh gets the commit", async () => {
  // Before: its error named no subject, so every mesh waited for it.
  const blogBefore = meshOf(await daemon.status(), "blog")?.appliedRevision;
  const listNamed = timeout("blog", "x", "1m").replace("name: x\n", "name: [x]\n");
  const commit = commitFiles(repo.dir, { "meshes/blog/list-named.yaml": listNamed, "meshes/shop/timeouts.yaml": timeout("shop", "checkout", "11m") }, "list-named");
  const status = await untilStatus(daemon, "shop applied at the list-named commit", (s) => (meshOf(s, "shop")?.appliedRevision === commit && meshOf(s, "blog")?.state === "invalid" ? s : undefined));
  assert.match(meshOf(status, "blog")?.reason ?? "", /^1 validation error at [0-9a-f]{12}, first meshes\/blog\/list-named\.yaml:2:\d+: MeshTimeout\/blog\/ name: a MeshTimeout's name must be a string, found a sequence/);
  assert.equal(meshOf(status, "blog")?.appliedRevision, blogBefore, "blog keeps its last valid revision");
  assert.equal(await idleTimeoutOf("shop", "checkout"), "11m0s");
  rmSync(path.join(repo.dir, "meshes/blog/list-named.yaml"));
  const fixed = commitFiles(repo.dir, {}, "string-named");
  await untilStatus(daemon, "the document gone", (s) => (meshOf(s, "shop")?.appliedRevision === fixed && meshOf(s, "blog")?.state === "suspended" ? true : undefined));
});

test("a control plane unreachable from the start: not ready, every mesh unknown with the reason", async () => {
  const port = await closedPort();
  const other = await startWatch(["--repo", repo.dir, "--branch", "main", "--cp-url", `http://127.0.0.1:${port}`, "--drift-interval", "1h"], { cwd: work });
  // The client's own retries come first (connect errors, with backoff): a loaded machine takes a while.
  const status = await untilStatus(other, "the first run to fail", (s) => (s.reconciles[0]?.result === "error" ? s : undefined), 60_000);
  assert.equal(status.ready, false);
  assert.equal((await fetch(`${other.url}/readyz`)).status, 503);
  assert.deepEqual(status.meshes.map((m) => [m.name, m.state]), [["blog", "unknown"], ["shop", "unknown"]]);
  for (const m of status.meshes) assert.match(m.reason, /^control plane: .*(ECONNREFUSED|connect|refused)/i);
  assert.equal(status.lastSuccessAt, null);
  const metrics = await (await fetch(`${other.url}/metrics`)).text();
  assert.match(metrics, /meshops_ready 0/);
  assert.match(metrics, /meshops_mesh_state\{mesh="shop",state="unknown"\} 1/);
  assert.doesNotMatch(metrics, /meshops_last_successful_reconcile_timestamp_seconds [1-9]/);
  other.child.kill("SIGTERM");
  await other.exited;
});

test("a control plane that answers 503: every mesh unknown with the answer as the reason, and retried with backoff", async () => {
  // A real server: GET / says what it is, everything else is 503.
  const failing = http.createServer((req, res) => {
    if (req.url === "/") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ product: "Kuma", version: "2.14.3", hostname: "cp", tagline: "Kuma" }));
      return;
    }
    res.writeHead(503, { "content-type": "text/plain" });
    res.end("overloaded");
  });
  await new Promise<void>((resolve) => failing.listen(0, "127.0.0.1", resolve));
  const port = (failing.address() as { port: number }).port;
  const other = await startWatch(["--repo", repo.dir, "--branch", "main", "--cp-url", `http://127.0.0.1:${port}`, "--drift-interval", "1h"], { cwd: work });
  try {
    const status = await untilStatus(other, "the first run to fail", (s) => (s.reconciles[0]?.result === "error" ? s : undefined), 60_000);
    assert.equal(status.ready, false);
    for (const m of status.meshes) {
      assert.equal(m.state, "unknown", m.name);
      assert.match(m.reason, /^control plane: .*503/);
    }
    await other.untilLog("a retry", (e) => e.event === "retry.scheduled");
  } finally {
    other.child.kill("SIGTERM");
    await other.exited;
    await new Promise<void>((resolve) => failing.close(() => resolve()));
  }
});
