/**
 * Online, the control plane that answers GET / may not be the one meshops.yaml describes: another minor line, or
 * another product. plan, apply and drift warn (stderr) and go on; an unsupported controlPlane.version stays an error.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { openStore } from "../src/backend/store.js";
import { parseRepoConfig } from "../src/config/repoConfig.js";
import { startControlPlaneServer } from "../src/cp/server.js";
import { targetMismatches } from "../src/kuma/version.js";
import { runCli } from "./helpers/cli.js";
import { withControlPlaneServer } from "./helpers/controlPlane.js";
import { commitFiles, tempRepo } from "./helpers/git.js";

const temps: string[] = [];
after(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

describe("targetMismatches", () => {
  test("another minor line is a warning naming both; another patch release is not", () => {
    assert.deepEqual(targetMismatches({ version: "2.14.3", product: "kuma" }, { product: "Kuma", version: "2.14.1" }), []);
    assert.deepEqual(targetMismatches({ product: "kuma" }, { product: "Kuma", version: "2.14.1" }), [], "no configured version, the newest line: what validation used");
    assert.deepEqual(targetMismatches({ product: "kuma" }, { product: "Kuma", version: "3.0.0" }), [], "3.x: validated against the newest line too");
    // No configured version: validation used the newest line, which an older control plane lacks parts of (it drops
    // fields it does not know, so they would show as drift after every apply).
    assert.deepEqual(targetMismatches({ product: "kuma" }, { product: "Kuma", version: "2.10.1" }), [
      "the control plane runs Kuma 2.10.1, but meshops.yaml sets no controlPlane.version: the repository was validated against 2.14, the newest line, not 2.10; set controlPlane.version to what the control plane runs",
    ]);
    assert.deepEqual(targetMismatches({ version: "2.14.3", product: "kuma" }, { product: "Kuma", version: "2.12.3" }), [
      "the control plane runs Kuma 2.12.3, but meshops.yaml says controlPlane.version 2.14.3: the repository was validated against 2.14, not 2.12; set controlPlane.version to what the control plane runs",
    ]);
  });

  test("a control plane of a 2.x line meshops does not support is a warning saying so, configured or not", () => {
    const older =
      "the control plane runs Kuma 2.9.3, older than any line meshops supports (2.10, 2.11, 2.12, 2.13, 2.14, or 3.x): the repository was validated against 2.14, whose fields and kinds it refuses or drops without a word; upgrade the control plane";
    assert.deepEqual(targetMismatches({ product: "kuma" }, { product: "Kuma", version: "2.9.3" }), [older]);
    assert.deepEqual(targetMismatches({ version: "2.14.3", product: "kuma" }, { product: "Kuma", version: "2.9.3" }), [older], "not 'set controlPlane.version to 2.9', which meshops.yaml refuses");
    assert.deepEqual(targetMismatches({ version: "2.12.1", product: "kuma" }, { product: "Kuma", version: "2.9.3" }), [older.replace("validated against 2.14", "validated against 2.12")]);
    assert.deepEqual(targetMismatches({ product: "kuma" }, { product: "Kuma", version: "2.15.0" }), [
      "the control plane runs Kuma 2.15.0, newer than the newest line meshops carries (2.14): the repository was validated against 2.14, so what 2.15 changed is not checked; upgrade meshops",
    ]);
  });

  test("Kong Mesh is compared by the Kuma version it is based on, and by product", () => {
    assert.deepEqual(targetMismatches({ version: "2.11.2", product: "kong-mesh" }, { product: "Kong Mesh", version: "2.11.5", basedOnKuma: "2.11.7" }), []);
    assert.deepEqual(targetMismatches({ version: "2.11.2", product: "kuma" }, { product: "Kong Mesh", version: "2.11.5", basedOnKuma: "2.11.7" }), [
      "the control plane is Kong Mesh, but meshops.yaml says controlPlane.product kuma: set controlPlane.product: kong-mesh",
    ]);
  });

  test("an unsupported controlPlane.version is a configuration error listing the supported lines", () => {
    const { diagnostics } = parseRepoConfig({ path: "meshops.yaml", text: "controlPlane:\n  version: 2.9.4\n" }, "");
    assert.deepEqual(
      diagnostics.map((d) => `${d.file}:${d.line} ${d.path}: ${d.message}`),
      ["meshops.yaml:2 controlPlane.version: 2.9.4 is not supported: use 2.10, 2.11, 2.12, 2.13, 2.14 (any patch release) or 3.x"],
    );
  });
});


test("plan, apply and drift against a control plane of another line warn on stderr and carry on", async () => {
  const repo = tempRepo("meshops-mismatch-repo-");
  temps.push(repo.dir);
  commitFiles(repo.dir, {
    "meshops.yaml": 'controlPlane:\n  version: "2.14.3"\n',
    "mesh.yaml": "type: Mesh\nname: demo\n",
  });
  await withControlPlaneServer({ version: "2.12.3" }, async (url) => {
    const expected = "meshops: warning: the control plane runs Kuma 2.12.3, but meshops.yaml says controlPlane.version 2.14.3";
    const plan = await runCli(["plan", "--cp-url", url], repo.dir);
    assert.equal(plan.code, 2, plan.stderr); // changes to make, as without the warning
    assert.ok(plan.stderr.includes(expected), plan.stderr);
    const apply = await runCli(["apply", "--cp-url", url], repo.dir);
    assert.equal(apply.code, 0, apply.stderr);
    assert.ok(apply.stderr.includes(expected), apply.stderr);
    const drift = await runCli(["drift", "--cp-url", url], repo.dir);
    assert.equal(drift.code, 0, drift.stderr + drift.stdout);
    assert.equal(drift.stderr.split("\n").filter((l) => l.startsWith("meshops: warning: the control plane runs")).length, 1);
  });
  // Without a version in meshops.yaml, against an older line: the same warning, saying none is set.
  commitFiles(repo.dir, { "meshops.yaml": "instance: meshops\n" });
  await withControlPlaneServer({ version: "2.11.4" }, async (url) => {
    const plan = await runCli(["plan", "--cp-url", url], repo.dir);
    assert.equal(plan.code, 2, plan.stderr);
    assert.ok(plan.stderr.includes("meshops: warning: the control plane runs Kuma 2.11.4, but meshops.yaml sets no controlPlane.version: the repository was validated against 2.14, the newest line, not 2.11"), plan.stderr);
  });
  commitFiles(repo.dir, { "meshops.yaml": 'controlPlane:\n  version: "2.14.3"\n' });
  // The same repository against the line it names: no warning.
  await withControlPlaneServer({ version: "2.14.1" }, async (url) => {
    const plan = await runCli(["plan", "--cp-url", url], repo.dir);
    assert.ok(!plan.stderr.includes("warning"), plan.stderr);
  });
});

test("apply against a Kuma 2.9 control plane warns that meshops does not support it, before it writes", async () => {
  const repo = tempRepo("meshops-unsupported-cp-");
  temps.push(repo.dir);
  commitFiles(repo.dir, { "meshops.yaml": "instance: meshops\n", "mesh.yaml": "type: Mesh\nname: demo\n" });
  const stateDir = mkdtempSync(path.join(tmpdir(), "meshops-cp-"));
  temps.push(stateDir);
  const store = await openStore({ stateDir });
  const server = await startControlPlaneServer({ store, port: 0, index: { version: "2.9.3" } });
  try {
    const apply = await runCli(["apply", "--cp-url", server.url], repo.dir);
    assert.equal(apply.code, 0, apply.stderr);
    assert.ok(apply.stderr.includes("meshops: warning: the control plane runs Kuma 2.9.3, older than any line meshops supports"), apply.stderr);
  } finally {
    await server.close();
    await store.close();
  }
});

test("apply refusing what a Kuma 2.9 control plane lacks never says to set controlPlane.version to 2.9, which meshops.yaml refuses", async () => {
  const repo = tempRepo("meshops-unsupported-refusal-");
  temps.push(repo.dir);
  const trust = "type: MeshTrust\nname: trust\nmesh: demo\nspec:\n  caBundles:\n    - type: Pem\n      pem: {value: \"-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----\"}\n  trustDomain: demo.mesh.local\n";
  commitFiles(repo.dir, { "meshops.yaml": "instance: meshops\n", "mesh.yaml": `type: Mesh\nname: demo\n---\n${trust}` });
  const stateDir = mkdtempSync(path.join(tmpdir(), "meshops-cp-"));
  temps.push(stateDir);
  // A 2.11 store serves no MeshTrust (2.12), as a 2.9 control plane does not: its index says 2.9.3.
  const store = await openStore({ stateDir, version: "2.11.4" });
  const server = await startControlPlaneServer({ store, port: 0, index: { version: "2.9.3" } });
  try {
    const apply = await runCli(["apply", "--cp-url", server.url], repo.dir);
    assert.equal(apply.code, 1, apply.stderr);
    const refusal = apply.stderr.split("\n").find((line) => line.startsWith("meshops: nothing was applied: ")) ?? assert.fail(apply.stderr);
    assert.doesNotMatch(refusal, /set controlPlane\.version/, refusal);
    assert.equal(refusal, "meshops: nothing was applied: 1 resource holds what the control plane (Kuma 2.9.3) does not have; upgrade the control plane: meshops supports no line older than 2.10");
  } finally {
    await server.close();
    await store.close();
  }
});
