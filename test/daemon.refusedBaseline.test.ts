/**
 * What the daemon compares a later list with, after the control plane refused a change (test/daemon.refused.test.ts
 * for the refusal itself). The control plane as the daemon knew it when it was refused (its last list, and what the
 * refused apply wrote through): a change made after the refusal counts, however soon after it, including one made
 * before the daemon's next list. And the daemon's own writes of that apply (other meshes' changes that went through,
 * and the default policies the control plane made with a Mesh it created) do not count, or it would try again at the
 * next list for nothing.
 *
 * The daemon as a child process, a real Git repository, the embedded control plane over HTTP; every wait is bounded.
 * The change "before the next list" is made by the control plane's request hook: the first GET the daemon sends once
 * the refusal is seen waits until the change is stored, so no list can have seen the control plane without it.
 */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { stringify } from "yaml";
import type { JsonObject } from "../src/model/resource.js";
import { startWatch, waitFor, type DaemonProcess } from "./helpers/daemon.js";
import { daemonTestBed, untilApplied, untilStatus } from "./helpers/daemonBed.js";
import { commitFiles } from "./helpers/git.js";

/** Set once the refusal is on the status: the next GET the daemon sends waits for `outOfBand` to have run. */
let armed = false;
let changed: Promise<void> | undefined;
/** Drift checks' lists started (GET / opens every comparison: compare() asks the control plane's version first). */
let comparisons = 0;
const bed = daemonTestBed("meshops-daemon-refused-baseline", {
  faults: async (req) => {
    if (req.method !== "GET") return undefined;
    if (req.url?.split("?")[0] === "/") comparisons++;
    if (armed) await (changed ??= outOfBand());
    return undefined;
  },
});
let daemon: DaemonProcess;

const meshFile = (name: string, enabledBackend: string) =>
  stringify({ type: "Mesh", name, skipCreatingInitialPolicies: ["*"], mtls: { enabledBackend, backends: [{ name: enabledBackend, type: "builtin" }] } });
const timeoutFile = (mesh: string, idleTimeout: string) =>
  stringify({ type: "MeshTimeout", mesh, name: "t1", spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout } }] } });
const lines = (event: string, text = "") => daemon.lines.filter((l) => l.includes(`"${event}"`) && l.includes(text));

/** Someone turns mTLS off on Mesh/payments, through the store (not over HTTP: the hook would wait for itself). */
async function outOfBand(): Promise<void> {
  const live = await bed.store.get("Mesh", "payments", "payments");
  assert.ok(live);
  const { mtls, creationTime: _c, modificationTime: _m, kri: _k, ...rest } = live;
  const put = await bed.store.put("Mesh", "payments", "payments", { ...rest, mtls: { ...(mtls as JsonObject), enabledBackend: "" } });
  assert.ok(put.ok, JSON.stringify(put));
}

before(async () => {
  await bed.open();
  commitFiles(bed.repo.dir, {
    "meshops.yaml": stringify({ controlPlane: { skipDefaultMeshCreation: true }, defaults: { materialize: false } }),
    "payments/mesh.yaml": meshFile("payments", "ca-1"),
    "orders/mesh.yaml": meshFile("orders", "ca-1"),
    "orders/t1.yaml": timeoutFile("orders", "10s"),
  });
  daemon = await startWatch(["--repo", bed.repo.dir, "--branch", "main", "--cp-url", bed.server.url, "--drift-interval", "1s"], { cwd: bed.work });
});

test("a change on the control plane between a refusal and the daemon's next list leads to a retry; the refused apply's own writes do not", async () => {
  await untilStatus(daemon, "the first commit applied", (s) => (s.meshes.length === 2 && s.meshes.every((m) => m.state === "in-sync") ? true : undefined));

  // The CA switch is refused (mTLS is on); the other meshes' changes in the same commit go through: a longer timeout,
  // and a new Mesh, with which the control plane makes its default policies (meshops.yaml does not materialize them).
  const refused = commitFiles(
    bed.repo.dir,
    { "payments/mesh.yaml": meshFile("payments", "ca-2"), "orders/t1.yaml": timeoutFile("orders", "20s"), "fresh/mesh.yaml": stringify({ type: "Mesh", name: "fresh" }) },
    "switch payments' CA; a longer timeout in orders; a new mesh",
  );
  await untilStatus(daemon, "the refusal on the status", (s) => (s.meshes.find((m) => m.name === "payments")?.state === "failed" && s.reconciles.some((r) => r.revision === refused && r.result === "failed") ? true : undefined));
  const t1 = (await (await bed.cp("/meshes/orders/meshtimeouts/t1")).json()) as { spec: { to: { default: { idleTimeout: string } }[] } };
  assert.equal(t1.spec.to[0]?.default.idleTimeout, "20s", "the other mesh's change was applied");
  const defaults = (await (await bed.cp("/meshes/fresh/meshtimeouts")).json()) as { total: number };
  assert.ok(defaults.total > 0, "the control plane made the new Mesh's default policies");

  // Three drift checks with nothing changed by anyone else: the apply's own writes (and what the control plane made
  // along with them) are no change, so no retry.
  const from = comparisons;
  await waitFor("three drift checks", () => (comparisons >= from + 3 ? true : undefined), 15_000);
  assert.equal(lines("change.failed", "Mesh/payments").length, 1, lines("change.failed").join("\n"));
  assert.equal(lines("apply.retrying").length, 0, lines("apply.retrying").join("\n"));

  // A new commit, refused again (a fresh refusal, whose baseline the gap was about) ...
  const again = commitFiles(bed.repo.dir, { "orders/t1.yaml": timeoutFile("orders", "30s") }, "another commit, payments' CA still switched");
  await waitFor("the new commit's refusal", () => (lines("change.failed", "Mesh/payments").length === 2 ? true : undefined), 15_000);
  await untilStatus(daemon, "the new refusal on the status", (s) => (s.reconciles.some((r) => r.revision === again && r.result === "failed") ? true : undefined));
  // ... and mTLS turned off right after it, before the daemon lists the control plane again.
  armed = true;
  const applied = await untilApplied(daemon, again, 20_000);
  assert.ok(changed, "the change was made by the hook, before a list");
  assert.equal(applied.meshes.find((m) => m.name === "payments")?.state, "in-sync");
  assert.equal(((await (await bed.cp("/meshes/payments")).json()) as { mtls: { enabledBackend: string } }).mtls.enabledBackend, "ca-2");
  assert.equal(lines("apply.retrying", "Mesh/payments").length, 1, lines("apply.retrying").join("\n"));
});
