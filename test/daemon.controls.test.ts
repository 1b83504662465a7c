/**
 * Suspensions and approvals made through the API survive a restart: `meshops watch` keeps them in --controls-file
 * (default .meshops/controls.json, next to the clone cache and the embedded control plane's state) and restores them
 * at start.
 * The daemon as a child process (stopped and started again in the same folder), a real Git repository, the embedded
 * control plane over HTTP in this process.
 */
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { before, test } from "node:test";
import { MeshControls, type SavedControls } from "../src/daemon/controls.js";
import { GLOBAL_SCOPE } from "../src/model/key.js";
import { ControlsFileError, readControls, writeControls } from "../src/daemon/controlsFile.js";
import type { StatusJson } from "../src/daemon/statusTypes.js";
import { runCli } from "./helpers/cli.js";
import { exitWithin, startWatch, type DaemonProcess } from "./helpers/daemon.js";
import { daemonTestBed, untilApplied, untilStatus } from "./helpers/daemonBed.js";
import { commitFiles } from "./helpers/git.js";
import { meshTimeoutYaml } from "./helpers/policies.js";

const RECONCILE_TOKEN = "reconcile-token-controls-5e0b";
const bed = daemonTestBed("meshops-controls");
const { repo, work } = bed;
let tokenFile = "";

const mesh = (name: string) => `type: Mesh\nname: ${name}\nskipCreatingInitialPolicies: ["*"]\n`;
const timeout = (meshName: string, idleTimeout: string) => meshTimeoutYaml("t", meshName, idleTimeout);
const idleTimeoutOf = async (meshName: string) => ((await (await bed.cp(`/meshes/${meshName}/meshtimeouts/t`)).json()) as { spec: { to: { default: { idleTimeout: string } }[] } }).spec.to[0]?.default.idleTimeout;
const stateOf = (s: StatusJson, name: string) => s.meshes.find((m) => m.name === name);
const start = (...flags: string[]) => startWatch(["--repo", repo.dir, "--branch", "main", "--cp-url", bed.server.url, "--drift-interval", "1h", "--reconcile-token-file", tokenFile, ...flags], { cwd: work });
const post = (daemon: DaemonProcess, action: string, meshName = "shop", body: unknown = {}) =>
  fetch(`${daemon.url}/api/meshes/${meshName}/${action}`, { method: "POST", headers: { authorization: `Bearer ${RECONCILE_TOKEN}` }, body: JSON.stringify(body) });
/** The default --controls-file of a daemon started in `work`, as JSON. */
const controlsFile = () => JSON.parse(readFileSync(path.join(work, ".meshops", "controls.json"), "utf8")) as { suspended: string[]; approved?: { mesh: string; revision: string; plan: string }[] };
async function stop(daemon: DaemonProcess): Promise<void> {
  daemon.child.kill("SIGTERM");
  assert.equal((await exitWithin(daemon, 10_000)).code, 0, daemon.stderr());
}

before(async () => {
  await bed.open();
  tokenFile = bed.secretFile("reconcile-token", RECONCILE_TOKEN);
  commitFiles(repo.dir, { "meshops.yaml": "controlPlane:\n  skipDefaultMeshCreation: true\n", "meshes/shop/mesh.yaml": mesh("shop"), "meshes/shop/t.yaml": timeout("shop", "1m"), "meshes/blog/mesh.yaml": mesh("blog"), "meshes/blog/t.yaml": timeout("blog", "1m") }, "two meshes");
});

test("a mesh suspended through the API is still suspended after a restart; resumed, it stays resumed", async () => {
  let daemon = await start();
  await untilStatus(daemon, "the first sync", (s) => s.revision.applied?.commit ?? undefined);
  assert.equal((await post(daemon, "suspend")).status, 202);
  await untilStatus(daemon, "shop suspended", (s) => (stateOf(s, "shop")?.state === "suspended" ? true : undefined));
  await stop(daemon);

  daemon = await start();
  const commit = commitFiles(repo.dir, { "meshes/shop/t.yaml": timeout("shop", "2m"), "meshes/blog/t.yaml": timeout("blog", "2m") }, "both meshes");
  const status = await untilStatus(daemon, "the commit considered", (s) => (stateOf(s, "blog")?.appliedRevision === commit ? s : undefined));
  assert.deepEqual([stateOf(status, "shop")?.state, stateOf(status, "shop")?.suspended?.by], ["suspended", "api"]);
  assert.equal(await idleTimeoutOf("shop"), "1m0s", "a restored suspension holds the mesh back");
  assert.equal(await idleTimeoutOf("blog"), "2m0s");
  await daemon.untilLog("the restored suspension in the log", (e) => e.event === "controls.restored" && JSON.stringify(e.suspended) === '["shop"]');

  assert.equal((await post(daemon, "resume")).status, 202);
  await untilStatus(daemon, "shop applied once resumed", (s) => (stateOf(s, "shop")?.appliedRevision === commit ? true : undefined));
  await stop(daemon);
  daemon = await start();
  await untilApplied(daemon, commit);
  assert.equal(stateOf(await daemon.status(), "shop")?.state, "in-sync");
  await stop(daemon);
});

test("an approval given before a restart is applied by the restarted daemon without a new one, then forgotten", async () => {
  const named = (meshName: string, name: string) => timeout(meshName, "2m").replace("name: t\n", `name: ${name}\n`);
  const pruning = "controlPlane:\n  skipDefaultMeshCreation: true\nprune:\n  enabled: true\n";
  const added = commitFiles(repo.dir, { "meshops.yaml": pruning, "meshes/blog/t.yaml": [timeout("blog", "2m"), named("blog", "x1"), named("blog", "x2")].join("---\n") }, "two more timeouts in blog");
  let daemon = await start("--max-deletes", "1");
  await untilApplied(daemon, added);
  const removal = commitFiles(repo.dir, { "meshes/blog/t.yaml": timeout("blog", "2m") }, "remove them");
  const held = await untilStatus(daemon, "blog to await approval", (s) => (stateOf(s, "blog")?.approval?.revision === removal ? stateOf(s, "blog")?.approval : undefined));

  // The control plane goes away before the approved run can write: what the restart finds is an approval not used yet.
  await bed.server.close();
  const answer = await post(daemon, "approve", "blog", { revision: removal });
  assert.equal(answer.status, 202, await answer.text());
  assert.deepEqual(controlsFile().approved, [{ mesh: "blog", revision: removal, plan: held?.plan }], "kept before the API answers");
  await stop(daemon);
  await bed.restartServer();
  assert.equal((await bed.cp("/meshes/blog/meshtimeouts/x1")).status, 200, "nothing applied before the restart");

  daemon = await start("--max-deletes", "1");
  await untilApplied(daemon, removal);
  assert.equal((await bed.cp("/meshes/blog/meshtimeouts/x1")).status, 404);
  assert.equal((await bed.cp("/meshes/blog/meshtimeouts/x2")).status, 404);
  const restored = await daemon.untilLog("the restored approval in the log", (e) => e.event === "controls.restored");
  assert.deepEqual(restored.approved, [{ mesh: "blog", revision: removal, plan: held?.plan }]);
  assert.deepEqual(controlsFile(), { suspended: [], approved: [] }, "used up: a later plan of the revision is not approved by it");
  await stop(daemon);
});

test("an approval whose use cannot be written down is not applied: the controls file is said to be stale, brought in line by the next write, and a restart does not apply it again", async () => {
  const named = (meshName: string, name: string) => timeout(meshName, "2m").replace("name: t\n", `name: ${name}\n`);
  const file = path.join(work, ".meshops", "controls.json");
  const three = [timeout("blog", "2m"), named("blog", "x1"), named("blog", "x2")].join("---\n");
  const pruning = "controlPlane:\n  skipDefaultMeshCreation: true\nprune:\n  enabled: true\n";
  const added = commitFiles(repo.dir, { "meshops.yaml": pruning, "meshes/blog/t.yaml": three }, "two more timeouts in blog");
  let daemon = await start("--max-deletes", "1");
  await untilApplied(daemon, added);
  // As meshops wrote them (its ownership labels included), to put back later.
  const written = await Promise.all(["x1", "x2"].map(async (name) => {
    const { creationTime: _created, modificationTime: _modified, kri: _kri, ...object } = (await (await bed.cp(`/meshes/blog/meshtimeouts/${name}`)).json()) as Record<string, unknown>;
    return object;
  }));
  const removal = commitFiles(repo.dir, { "meshes/blog/t.yaml": timeout("blog", "2m") }, "remove them again");
  await untilStatus(daemon, "blog to await approval", (s) => (stateOf(s, "blog")?.approval?.revision === removal ? true : undefined));
  await bed.server.close();
  assert.equal((await post(daemon, "approve", "blog", { revision: removal })).status, 202);
  await daemon.untilLog("the approved run to fail on the missing control plane", (e) => e.event === "reconcile.error");

  // The file cannot be replaced any more (a directory where the daemon writes it aside first): what it holds stays.
  const aside = `${file}.${daemon.child.pid}.tmp`;
  mkdirSync(aside);
  await bed.restartServer();
  const reconcile = () => fetch(`${daemon.url}/api/reconcile`, { method: "POST", headers: { authorization: `Bearer ${RECONCILE_TOKEN}` } });
  assert.equal((await reconcile()).status, 202);
  const stale = await untilStatus(daemon, "the controls file said to be stale", (s) => s.controlsFile ?? undefined);
  assert.match(stale.message, /^\/\S+\/\.meshops\/controls\.json: cannot write it \(EISDIR\)/);
  await daemon.untilLog("the stale file in the log", (e) => e.event === "controls.unsaved" && String(e.err).includes("EISDIR"));
  assert.match(await (await fetch(`${daemon.url}/metrics`)).text(), /^meshops_controls_file_stale 1$/m);
  const held = await untilStatus(daemon, "blog held, its approval not recorded as used", (s) => (stateOf(s, "blog")?.state === "awaiting-approval" ? stateOf(s, "blog")?.approval : undefined));
  assert.match(held?.reasons.at(-1) ?? "", /^approved, but not applied: the approval cannot be recorded as used \(\/\S+\/controls\.json: cannot write it \(EISDIR\)\), and a restart would apply it again; applied once the controls file can be written$/);
  assert.equal((await bed.cp("/meshes/blog/meshtimeouts/x1")).status, 200, "nothing applied on an approval a restart would find unused");

  // Writable again: the next run records the approval used, applies it, and the file and the status are in line.
  rmSync(aside, { recursive: true });
  assert.equal((await reconcile()).status, 202);
  await untilApplied(daemon, removal);
  assert.equal((await bed.cp("/meshes/blog/meshtimeouts/x1")).status, 404);
  assert.deepEqual(controlsFile(), { suspended: [], approved: [] });
  await untilStatus(daemon, "the controls file in line again", (s) => (s.controlsFile === null ? true : undefined));
  await daemon.untilLog("the file in line again in the log", (e) => e.event === "controls.saved");
  assert.match(await (await fetch(`${daemon.url}/metrics`)).text(), /^meshops_controls_file_stale 0$/m);
  await stop(daemon);

  // Someone puts back what the approved plan deleted: a restart plans the same deletions, and holds them for a person.
  for (const object of written) {
    const put = await bed.cp(`/meshes/blog/meshtimeouts/${String(object.name)}`, { method: "PUT", body: JSON.stringify(object) });
    assert.equal(put.status, 201, `${JSON.stringify(object)} ${await put.text()}`);
  }
  daemon = await start("--max-deletes", "1");
  await untilStatus(daemon, "blog to await a new approval", (s) => (stateOf(s, "blog")?.approval?.revision === removal ? true : undefined));
  assert.equal((await bed.cp("/meshes/blog/meshtimeouts/x1")).status, 200, "the used approval is not used again");
  await stop(daemon);
});

test("an action refused because the controls file cannot be written leaves it in line: it is not said to be stale", async () => {
  const daemon = await start("--max-deletes", "1");
  await untilStatus(daemon, "shop in sync", (s) => (stateOf(s, "shop")?.state === "in-sync" ? true : undefined));
  // The file cannot be replaced (a directory where the daemon writes it aside first): the suspension is refused and
  // undone, and the file holds what the daemon holds again.
  const aside = `${path.join(work, ".meshops", "controls.json")}.${daemon.child.pid}.tmp`;
  mkdirSync(aside, { recursive: true });
  try {
    const answer = await post(daemon, "suspend");
    assert.equal(answer.status, 500);
    assert.match(((await answer.json()) as { error: string }).error, /^mesh shop not suspended: \/\S+\/controls\.json: cannot write it \(EISDIR\)$/);
    const status = await daemon.status();
    assert.equal(stateOf(status, "shop")?.suspended, null);
    assert.equal(status.controlsFile, null, "nothing stale: memory holds what the file holds");
    assert.match(await (await fetch(`${daemon.url}/metrics`)).text(), /^meshops_controls_file_stale 0$/m);
    await daemon.untilLog("the refusal in the log", (e) => e.event === "mesh.action.failed" && String(e.err).includes("EISDIR"));
  } finally {
    rmSync(aside, { recursive: true });
  }
  await stop(daemon);
});

test("a controls file that cannot be read is refused at start, in one line naming it (a suspension is never silently lost)", async () => {
  const file = path.join(work, "broken", "controls.json");
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, "{ not json");
  const run = await runCli(["watch", "--repo", repo.dir, "--branch", "main", "--cp-url", bed.server.url, "--controls-file", file, "--listen", "127.0.0.1:0"], work);
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, /^meshops: --controls-file \/\S+controls\.json: not a meshops controls file \(.+\): fix or delete it\n$/);
});

test("a suspension that cannot be written down is refused and undone: the API never says suspended for a state a restart loses", () => {
  writeFileSync(path.join(work, "not-a-folder"), "");
  const file = path.join(work, "not-a-folder", "controls.json");
  const controls = new MeshControls({ persist: (saved) => writeControls(file, saved) });
  const answer = controls.suspend("shop");
  assert.deepEqual([answer.ok, answer.ok ? 0 : answer.status], [false, 500]);
  assert.match(answer.ok ? "" : answer.error, /^mesh shop not suspended: \/\S+\/not-a-folder\/controls\.json: cannot write it \((EEXIST|ENOTDIR)\)$/);
  assert.equal(controls.suspendedBy("shop"), undefined);
});

test("the file keeps an approval until it is used, superseded or dropped; a file of suspensions only reads as no approvals", () => {
  const file = path.join(work, "unit", "controls.json");
  const [r1, r2, p1, p2] = ["1".repeat(40), "2".repeat(40), "a".repeat(64), "b".repeat(64)];
  const keep = (saved: SavedControls) => writeControls(file, saved);
  const restart = () => new MeshControls({ restored: readControls(file), persist: keep });
  let controls = new MeshControls({ persist: keep });
  controls.setAwaiting(r1, new Map([["shop", { revision: r1, plan: p1 }]]));
  assert.equal(controls.approve("shop", r1.slice(0, 7)).ok, true);
  assert.deepEqual(JSON.parse(readFileSync(file, "utf8")), { suspended: [], approved: [{ mesh: "shop", revision: r1, plan: p1 }] });

  controls = restart();
  assert.equal(controls.approvedPlan("shop", r1), p1, "restored");
  controls.used("shop");
  assert.deepEqual(readControls(file).approved, new Map(), "used up");

  controls.setAwaiting(r1, new Map([["shop", { revision: r1, plan: p1 }]]));
  controls.approve("shop", r1);
  controls = restart();
  controls.setAwaiting(r2, new Map());
  assert.deepEqual([controls.approvedPlan("shop", r1), readControls(file).approved], [undefined, new Map()], "superseded by a newer revision");

  controls.setAwaiting(r2, new Map([["shop", { revision: r2, plan: p2 }]]));
  controls.approve("shop", r2);
  // The gate runs in slices: an approval given meanwhile (of another plan) is not the one it judged, and stands.
  controls.drop("shop", { revision: r2, plan: p1 });
  assert.equal(controls.approvedPlan("shop", r2), p2, "not the approval the gate judged: it stands");
  controls.drop("shop", { revision: r2, plan: p2 });
  assert.deepEqual([controls.approvedPlan("shop", r2), controls.droppedPlan("shop", r2), readControls(file).approved], [undefined, p2, new Map()], "dropped, remembered for the reason");
  controls.setAwaiting(r2, new Map());
  assert.equal(controls.droppedPlan("shop", r2), undefined, "forgotten once the mesh is not held");

  writeFileSync(file, '{"suspended":["blog"]}\n');
  assert.deepEqual(readControls(file), { suspended: ["blog"], approved: new Map() });
  writeFileSync(file, `{"suspended":[],"approved":[{"mesh":"shop","revision":"${r1.slice(0, 12)}","plan":"${p1}"}]}\n`);
  assert.throws(
    () => readControls(file),
    (error) => error instanceof ControlsFileError && /^\/\S+\/unit\/controls\.json: not a meshops controls file \("approved" is not a list of .+\): fix or delete it$/.test(error.message),
    "a revision cut short is not one a restart can trust",
  );
});

test("an approval that cannot be written down is refused and undone; one the daemon lets go of and cannot write is told", () => {
  writeFileSync(path.join(work, "not-a-folder"), "");
  const file = path.join(work, "not-a-folder", "controls.json");
  const told: string[] = [];
  const controls = new MeshControls({ persist: (saved) => writeControls(file, saved), unsaved: (message) => told.push(message) });
  controls.setAwaiting("r".repeat(40), new Map([["shop", { revision: "r".repeat(40), plan: "a".repeat(64) }]]));
  const answer = controls.approve("shop", "r".repeat(40));
  assert.match(answer.ok ? "" : answer.error, /^mesh shop not approved: \/\S+\/not-a-folder\/controls\.json: cannot write it \((EEXIST|ENOTDIR)\)$/);
  assert.equal(controls.approvedPlan("shop", "r".repeat(40)), undefined);

  const restored = new MeshControls({ restored: { suspended: [], approved: new Map([["shop", { revision: "r".repeat(40), plan: "a".repeat(64) }]]) }, persist: (saved) => writeControls(file, saved), unsaved: (message) => told.push(message) });
  assert.equal(restored.spend(["shop"]), told[0], "not recorded as used: its plan is not to be written");
  assert.equal(restored.approvedPlan("shop", "r".repeat(40)), "a".repeat(64), "kept for when it can be");
  restored.used("shop");
  assert.equal(restored.approvedPlan("shop", "r".repeat(40)), undefined, "used up all the same");
  assert.equal(told.length, 1, "told by the one that could not record its approval used, not by the refused one (undone, the file is in line)");
  for (const message of told) assert.match(message, /^\/\S+\/not-a-folder\/controls\.json: cannot write it \((EEXIST|ENOTDIR)\)$/);

  // Written again: told once, and the file is brought in line by the next run's write, whatever it changes.
  let resaved = 0;
  const writable = path.join(work, "writable", "controls.json");
  let target = file;
  const stale = new MeshControls({ restored: { suspended: [], approved: new Map([["shop", { revision: "r".repeat(40), plan: "a".repeat(64) }]]) }, persist: (saved) => writeControls(target, saved), resaved: () => resaved++ });
  stale.setAwaiting("s".repeat(40), new Map());
  assert.equal(resaved, 0);
  target = writable;
  stale.setAwaiting("s".repeat(40), new Map());
  stale.setAwaiting("s".repeat(40), new Map());
  assert.deepEqual([resaved, readControls(writable)], [1, { suspended: [], approved: new Map() }]);
});

test("a refused action keeps the file said to be stale while an earlier failure stands, and is not told again", () => {
  writeFileSync(path.join(work, "not-a-folder"), "");
  let target = path.join(work, "not-a-folder", "controls.json");
  const told: string[] = [];
  let resaved = 0;
  const [r1, r2, p1] = ["1".repeat(40), "2".repeat(40), "a".repeat(64)];
  const controls = new MeshControls({ restored: { suspended: [], approved: new Map([["shop", { revision: r1, plan: p1 }]]) }, persist: (saved) => writeControls(target, saved), unsaved: (message) => told.push(message), resaved: () => resaved++ });
  assert.equal(controls.suspend("blog").ok, false, "refused");
  assert.deepEqual([told, resaved], [[], 0], "refused and undone: the file holds what memory holds, nothing to tell");
  // The superseded approval cannot be removed from the file: it is stale now, and stays so through a refused action.
  controls.setAwaiting(r2, new Map());
  assert.equal(told.length, 1);
  assert.equal(controls.resume("blog").ok, true, "not suspended: nothing to write");
  assert.equal(controls.suspend("blog").ok, false);
  assert.deepEqual([told.length, resaved], [1, 0], "still stale, told once");
  target = path.join(work, "writable-again", "controls.json");
  assert.equal(controls.suspend("blog").ok, true);
  assert.deepEqual([resaved, readControls(target)], [1, { suspended: ["blog"], approved: new Map() }]);
});

test("the global unit is named as everywhere else in the controls' answers, never as an empty mesh name", () => {
  const controls = new MeshControls();
  const suspended = controls.suspend(GLOBAL_SCOPE);
  assert.deepEqual(suspended, { ok: true, message: "_global (the global resources) suspended: neither applied nor corrected until resumed" });
  assert.deepEqual(controls.approve(GLOBAL_SCOPE, "0123456789ab"), { ok: false, status: 409, error: "_global (the global resources) is not awaiting approval" });
  assert.deepEqual(controls.resume(GLOBAL_SCOPE), { ok: true, message: "_global (the global resources) resumed" });
  assert.deepEqual(controls.resume("shop"), { ok: true, message: "mesh shop is not suspended" });
});
