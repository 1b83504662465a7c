/**
 * A change the control plane refuses (a 400: the resource is not valid there) does not go away by asking again: the
 * daemon retried it with backoff, for the same commit, forever (a PUT and a `change.failed` line every few seconds to
 * a minute). Now a refused apply is not retried: the mesh is failed, with the control plane's one-line reason, on the
 * status and in `meshops_mesh_state`, until something that can change the answer happens: a new commit, a change on the
 * control plane (seen by the next listing, the drift check), or a manual sync (POST /api/reconcile, or a mesh action of
 * the API), as Argo CD's sync retry and Flux's reconcile work. Transient failures (5xx, resets, an unreachable control
 * plane) are still retried with backoff: test/daemon.e2e.test.ts "the control plane going away and coming back".
 *
 * With `--drift-mode correct`, the drift checks do not write the refused mesh again either (its sync stopped at the
 * refusal; correcting it would send the same writes); the rest of the repository is corrected as usual.
 *
 * The refusal is a real one of the control plane, which `meshops validate` cannot see: changing a Mesh's CA while mTLS
 * is on (the Mesh manager's ValidateUpdate; the embedded control plane's meshUpdateViolations). Disabling mTLS on the
 * control plane out of band is the change that lets the commit through.
 * The daemon as a child process, a real Git repository, the embedded control plane over HTTP; every wait is bounded.
 */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { stringify } from "yaml";
import type { JsonObject } from "../src/model/resource.js";
import { startWatch, waitFor, type DaemonProcess } from "./helpers/daemon.js";
import { daemonTestBed, untilApplied, untilStatus } from "./helpers/daemonBed.js";
import { commitFiles } from "./helpers/git.js";

/** While set, a PUT to this path answers 503 (a transient failure). */
let unavailable: string | undefined;
const bed = daemonTestBed("meshops-daemon-refused", {
  faults: (req) => (unavailable !== undefined && req.method === "PUT" && req.url?.split("?")[0] === unavailable ? 503 : undefined),
});
const RECONCILE_TOKEN = "reconcile-token-refused-test-8c1e";
let daemon: DaemonProcess;
let initial: string;

const meshFile = (enabledBackend: string) =>
  stringify({
    type: "Mesh",
    name: "payments",
    skipCreatingInitialPolicies: ["*"],
    mtls: { enabledBackend, backends: [{ name: enabledBackend, type: "builtin" }] },
  });
const timeoutFile = (idleTimeout: string) =>
  stringify({ type: "MeshTimeout", mesh: "payments", name: "t1", spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout } }] } });

/** The attempts to write Mesh/payments that failed so far (one `change.failed` line each). */
const failedMeshWrites = () => failedWrites("Mesh/payments");
const failedWrites = (resource: string) => daemon.lines.filter((l) => l.includes('"change.failed"') && l.includes(`"${resource}"`)).length;
const retriesScheduled = () => daemon.lines.filter((l) => l.includes('"retry.scheduled"')).length;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

before(async () => {
  await bed.open();
  initial = commitFiles(bed.repo.dir, {
    "meshops.yaml": stringify({ controlPlane: { skipDefaultMeshCreation: true }, defaults: { materialize: false } }),
    "payments/mesh.yaml": meshFile("ca-1"),
    "payments/t1.yaml": timeoutFile("10s"),
  });
  daemon = await startWatch(
    ["--repo", bed.repo.dir, "--branch", "main", "--cp-url", bed.server.url, "--drift-interval", "1s", "--drift-mode", "correct", "--reconcile-token-file", bed.secretFile("reconcile-token", RECONCILE_TOKEN)],
    { cwd: bed.work },
  );
});

test("a refused change is not retried for the same commit; a new commit, a manual sync and a change on the control plane try again", async () => {
  assert.equal((await untilApplied(daemon, initial)).meshes.find((m) => m.name === "payments")?.state, "in-sync");

  const refused = commitFiles(bed.repo.dir, { "payments/mesh.yaml": meshFile("ca-2"), "payments/t1.yaml": timeoutFile("20s") }, "switch the CA while mTLS is on");
  const failed = await untilStatus(daemon, "the refusal on the status", (s) => {
    const mesh = s.meshes.find((m) => m.name === "payments");
    return mesh?.state === "failed" && s.reconciles.some((r) => r.revision === refused && r.result === "failed") ? mesh : undefined;
  });
  assert.match(failed.reason, /^Mesh\/payments: .*Changing CA when mTLS is enabled is forbidden/);
  assert.doesNotMatch(failed.reason, /\n/, "one line");
  // The old behaviour: a retry after ~1 s, ~2 s, ~4 s... Four seconds (four drift checks) later, still one attempt.
  await sleep(4_000);
  assert.equal(failedMeshWrites(), 1, daemon.lines.filter((l) => l.includes("change.failed")).join("\n"));
  assert.equal(retriesScheduled(), 0);
  const metrics = await (await fetch(`${daemon.url}/metrics`)).text();
  assert.match(metrics, /^meshops_mesh_state\{mesh="payments",state="failed"\} 1$/m);
  assert.ok(daemon.lines.some((l) => l.includes('"apply.refused"') && l.includes("Changing CA")), "the log says it is not retried");

  // A manual sync tries again (and is refused again): one more attempt, then none.
  const reconcile = await fetch(`${daemon.url}/api/reconcile`, { method: "POST", headers: { authorization: `Bearer ${RECONCILE_TOKEN}` } });
  assert.equal(reconcile.status, 202);
  await waitFor("the manual sync's attempt", () => (failedMeshWrites() === 2 ? true : undefined), 10_000);

  // So does the next commit.
  const next = commitFiles(bed.repo.dir, { "payments/t1.yaml": timeoutFile("30s") }, "another commit, the CA still switched");
  await waitFor("the next commit's attempt", () => (failedMeshWrites() === 3 ? true : undefined), 10_000);
  await sleep(3_000);
  assert.equal(failedMeshWrites(), 3);
  assert.equal(retriesScheduled(), 0);
  assert.equal((await daemon.status()).meshes.find((m) => m.name === "payments")?.state, "failed");

  // Someone turns mTLS off on the control plane: the next drift check sees the change, and the commit goes through.
  const live = (await (await bed.cp("/meshes/payments")).json()) as JsonObject;
  const { mtls, creationTime: _c, modificationTime: _m, kri: _k, ...rest } = live;
  const put = await bed.cp("/meshes/payments", { method: "PUT", body: JSON.stringify({ ...rest, mtls: { ...(mtls as JsonObject), enabledBackend: "" } }) });
  assert.equal(put.status, 200, await put.text());
  const applied = await untilApplied(daemon, next, 20_000);
  assert.equal(applied.meshes.find((m) => m.name === "payments")?.state, "in-sync");
  assert.equal(((await (await bed.cp("/meshes/payments")).json()) as { mtls: { enabledBackend: string } }).mtls.enabledBackend, "ca-2");
  const t1 = (await (await bed.cp("/meshes/payments/meshtimeouts/t1")).json()) as { spec: { to: { default: { idleTimeout: string } }[] } };
  assert.equal(t1.spec.to[0]?.default.idleTimeout, "30s");
  assert.ok(daemon.lines.some((l) => l.includes('"apply.retrying"')), "the log says why it tried again");
});

test("a transient failure (503) is still retried with backoff until it passes", async () => {
  unavailable = "/meshes/payments/meshtimeouts/t2";
  const scheduledBefore = retriesScheduled();
  const commit = commitFiles(bed.repo.dir, { "payments/t2.yaml": timeoutFile("40s").replace("name: t1", "name: t2") }, "a second timeout, while its PUT fails");
  await waitFor("two failed attempts and a retry scheduled", () => (failedWrites("MeshTimeout/payments/t2") >= 2 && retriesScheduled() > scheduledBefore ? true : undefined), 20_000);
  assert.ok(!daemon.lines.some((l) => l.includes('"apply.refused"') && l.includes("t2")), "a 503 is no refusal");
  unavailable = undefined;
  await untilApplied(daemon, commit, 20_000);
  assert.equal((await bed.cp("/meshes/payments/meshtimeouts/t2")).status, 200);
});
