/**
 * `watch` against a control plane on Kubernetes, whose HTTP API is read-only: the daemon compares and reports, never
 * writes. That must be said where an operator looks (/api/status, /metrics, the log), not left for them to infer
 * from "applied: 0", least of all when they asked for drift to be corrected, which is not possible there.
 * The control plane is detected (no --mode), as a user who forgets the flag runs it.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { openStore } from "../src/backend/store.js";
import { startControlPlaneServer } from "../src/cp/server.js";
import { runCli } from "./helpers/cli.js";
import { killAll, startWatch, waitFor } from "./helpers/daemon.js";
import { commitFolder, projectRoot, tempRepo } from "./helpers/git.js";

const FIXTURE = path.join(projectRoot, "test", "fixtures", "kubernetes-mode");

test("a Kubernetes control plane: the status, /metrics and one log line say nothing is written and drift is only reported, correct asked or not", async () => {
  const stateDir = mkdtempSync(path.join(tmpdir(), "meshops-readonly-cp-"));
  const store = await openStore({ stateDir, environment: "kubernetes" });
  const server = await startControlPlaneServer({ store, port: 0 });
  const repo = tempRepo("meshops-readonly-");
  after(async () => {
    killAll();
    await server.close();
    await store.close();
    repo.cleanup();
    rmSync(stateDir, { recursive: true, force: true });
  });
  commitFolder(repo.dir, FIXTURE);
  const rendered = await runCli(["render", "--format", "kubernetes"], repo.dir);
  const applied = await fetch(`${server.url}/_meshops/kubernetes`, { method: "POST", body: rendered.stdout, headers: { "content-type": "application/yaml" } });
  assert.equal(applied.status, 200);

  const daemon = await startWatch(["--repo", repo.dir, "--cp-url", server.url, "--drift-mode", "correct", "--drift-interval", "300ms"], { cwd: repo.dir });
  const status = await waitFor("three drift checks after the first compare", async () => {
    const s = await daemon.status();
    return s.reconciles.filter((r) => r.kind === "drift").length >= 3 ? s : undefined;
  });

  assert.equal(status.controlPlane.readOnly, true, "the status says the control plane is read-only");
  assert.deepEqual(
    status.meshes.map((m) => [m.name, m.driftMode]),
    [
      ["default", "report"],
      ["payments", "report"],
    ],
  );
  const metrics = await (await fetch(`${daemon.url}/metrics`)).text();
  assert.match(metrics, /^meshops_control_plane_read_only 1$/m);

  const said = daemon.lines.map((l) => JSON.parse(l) as { event?: string; level?: string; msg?: string }).filter((e) => e.event === "cp.read-only");
  assert.equal(said.length, 1, "said once, not at every run");
  assert.match(said[0]?.msg ?? "", /Kubernetes/);
  assert.match(said[0]?.msg ?? "", /nothing is written/);
  assert.match(said[0]?.msg ?? "", /drift mode correct .*--drift-mode.* is not possible/, "the correct mode asked for is said to be ignored");
  assert.equal(said[0]?.level, "warn");
  assert.ok(!daemon.lines.some((l) => l.includes('"change.applied"') || l.includes('"drift.correcting"')), "nothing written");
});
