/**
 * `apply` against a control plane of an older Kuma line than the repository was written for (meshops.yaml's
 * controlPlane.version, or none: the newest line). `plan` warns of each kind it does not serve and each field it does
 * not have; `apply` must not then write the Mesh and fail half-way at the first such resource (a 404 for a kind, a 400
 * or a silent drop for a field): as Argo CD dry-runs every manifest before it syncs any, it refuses before the first
 * write, one line per resource at the file, line and field, naming the version, and the control plane is left as it was.
 * Only what the apply would write counts: a scope that leaves those resources out applies.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { runCli } from "./helpers/cli.js";
import { withControlPlaneServer } from "./helpers/controlPlane.js";
import { commitFiles, tempRepo } from "./helpers/git.js";
import { meshTimeoutFlowYaml } from "./helpers/policies.js";

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((cleanup) => cleanup()));

function repoWith(files: Record<string, string>): string {
  const repo = tempRepo("meshops-older-cp-");
  cleanups.push(repo.cleanup);
  commitFiles(repo.dir, files);
  return repo.dir;
}

const MESH = "type: Mesh\nname: edge\nskipCreatingInitialPolicies: ['*']\n";
const TIMEOUT = meshTimeoutFlowYaml("t", "edge", "20s");
const TRUST =
  "name: trust\ntype: MeshTrust\nmesh: edge\nspec:\n  caBundles:\n    - type: Pem\n      pem: {value: \"-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----\"}\n  trustDomain: edge.mesh.local\n";
const MTP_RULES =
  "type: MeshTrafficPermission\nname: by-rules\nmesh: edge\nspec:\n  targetRef: {kind: Mesh}\n  rules:\n    - default:\n        allow:\n          - spiffeID: {type: Exact, value: spiffe://edge/web}\n";

async function meshesOn(url: string): Promise<string[]> {
  const list = (await (await fetch(`${url}/meshes`)).json()) as { items: { name: string }[] };
  return list.items.map((m) => m.name).sort();
}

test("a kind the control plane does not serve: apply refuses before the first write, at the file and line, naming the version", async () => {
  await withControlPlaneServer({ version: "2.11.4", skipMeshCreation: true }, async (url) => {
    const dir = repoWith({ "meshops.yaml": 'controlPlane:\n  version: "2.14.3"\n  skipDefaultMeshCreation: true\n', "mesh.yaml": MESH, "policies.yaml": `${TIMEOUT}---\n${TRUST}` });
    const applied = await runCli(["apply", "--cp-url", url], dir);
    assert.equal(applied.code, 1, applied.stdout + applied.stderr);
    const lines = applied.stderr.split("\n");
    assert.ok(
      lines.includes(
        "policies.yaml:11:1: error: MeshTrust/edge/trust type: the control plane (Kuma 2.11.4) does not serve MeshTrust (introduced in Kuma 2.12), so it would refuse it [control-plane-lacks]",
      ),
      applied.stderr,
    );
    assert.ok(
      lines.includes("meshops: nothing was applied: 1 resource holds what the control plane (Kuma 2.11.4) does not have; set controlPlane.version to 2.11.4 in meshops.yaml to validate for it, or upgrade the control plane"),
      applied.stderr,
    );
    assert.doesNotMatch(applied.stdout, /✓|create/, "no change was attempted");
    assert.deepEqual(await meshesOn(url), [], "Mesh/edge was not written");
    // Said once, as the error: not a warning of the kind too.
    assert.deepEqual(lines.filter((line) => line.includes("MeshTrust/edge/trust")), [lines.find((line) => line.startsWith("policies.yaml:11:1: error: "))], applied.stderr);

    // --dry-run refuses nothing: the warning is what it says.
    const unserved = "meshops: warning: the control plane does not serve MeshTrust (introduced in Kuma 2.12; GET /_resources does not list it): 1 resource cannot be applied there: MeshTrust/edge/trust (policies.yaml:11:1)";
    const dryRun = await runCli(["apply", "--cp-url", url, "--dry-run"], dir);
    assert.equal(dryRun.code, 0, dryRun.stderr);
    assert.deepEqual(dryRun.stderr.split("\n").filter((line) => line.includes("MeshTrust/edge/trust")), [unserved], dryRun.stderr);

    // A scope that leaves MeshTrust out writes nothing the control plane lacks: it applies, and warns of what it left.
    const scoped = await runCli(["apply", "--cp-url", url, "--type", "Mesh", "--type", "MeshTimeout"], dir);
    assert.equal(scoped.code, 0, scoped.stderr);
    assert.deepEqual(scoped.stderr.split("\n").filter((line) => line.includes("MeshTrust/edge/trust")), [unserved], scoped.stderr);
    assert.deepEqual(await meshesOn(url), ["edge"]);
  });
});

test("a field the control plane's line does not have: refused at the field, in JSON too, and --dry-run still prints the plan", async () => {
  await withControlPlaneServer({ version: "2.10.11", skipMeshCreation: true }, async (url) => {
    const dir = repoWith({ "meshops.yaml": 'controlPlane:\n  version: "2.14.3"\n  skipDefaultMeshCreation: true\n', "mesh.yaml": MESH, "mtp.yaml": MTP_RULES, "timeout.yaml": TIMEOUT });
    const applied = await runCli(["apply", "--cp-url", url], dir);
    assert.equal(applied.code, 1, applied.stdout + applied.stderr);
    assert.ok(
      applied.stderr
        .split("\n")
        .includes(
          'mtp.yaml:6:3: error: MeshTrafficPermission/edge/by-rules spec.rules: field "rules" was introduced in Kuma 2.12; the control plane (Kuma 2.10.11) does not have it, so it would refuse or drop it [control-plane-lacks]',
        ),
      applied.stderr,
    );
    assert.deepEqual(await meshesOn(url), []);

    const json = await runCli(["apply", "--cp-url", url, "--format", "json"], dir);
    assert.equal(json.code, 1, json.stderr);
    const report = JSON.parse(json.stdout) as { refused: string; summary: { applied: number; notAttempted: number } };
    assert.match(report.refused, /^1 resource holds what the control plane \(Kuma 2\.10\.11\) does not have/);
    assert.deepEqual(report.summary, { applied: 0, failed: 0, notAttempted: 3 });
    assert.deepEqual(await meshesOn(url), []);

    const dryRun = await runCli(["apply", "--cp-url", url, "--dry-run"], dir);
    assert.equal(dryRun.code, 0, dryRun.stderr);
    assert.match(dryRun.stdout, /Plan: 3 to create/);
  });
});

test("a repository that holds nothing the older line lacks applies there, with the version warning only", async () => {
  await withControlPlaneServer({ version: "2.10.11", skipMeshCreation: true }, async (url) => {
    const dir = repoWith({ "meshops.yaml": 'controlPlane:\n  version: "2.14.3"\n  skipDefaultMeshCreation: true\n', "mesh.yaml": MESH, "timeout.yaml": TIMEOUT });
    const applied = await runCli(["apply", "--cp-url", url], dir);
    assert.equal(applied.code, 0, applied.stderr);
    assert.doesNotMatch(applied.stderr, /control-plane-lacks|nothing was applied/);
    assert.deepEqual(await meshesOn(url), ["edge"]);
  });
});

test("an external mesh the control plane does not have: plan warns, apply refuses before writing another mesh's policy", async () => {
  await withControlPlaneServer({ version: "2.14.3", skipMeshCreation: true }, async (url) => {
    await fetch(`${url}/meshes/legacy`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ type: "Mesh", name: "legacy", skipCreatingInitialPolicies: ["*"] }) });
    const inMesh = (mesh: string) => TIMEOUT.replace("mesh: edge", `mesh: ${mesh}`);
    const dir = repoWith({
      "meshops.yaml": 'controlPlane:\n  version: "2.14.3"\n  skipDefaultMeshCreation: true\nexternalMeshes: [legacy, ghost]\n',
      "policies.yaml": `${inMesh("legacy")}---\n${inMesh("ghost")}`,
    });
    const planned = await runCli(["plan", "--cp-url", url], dir);
    assert.equal(planned.code, 2, planned.stderr);
    assert.ok(
      planned.stderr
        .split("\n")
        .includes("meshops: warning: the control plane has no Mesh ghost, which the repository uses without defining it: 1 resource cannot be applied there: MeshTimeout/ghost/t (policies.yaml:12:1)"),
      planned.stderr,
    );
    const applied = await runCli(["apply", "--cp-url", url], dir);
    assert.equal(applied.code, 1, applied.stdout + applied.stderr);
    assert.ok(
      applied.stderr
        .split("\n")
        .includes("policies.yaml:12:1: error: MeshTimeout/ghost/t mesh: the control plane has no Mesh ghost, which the repository uses without defining it, so it would refuse it [control-plane-lacks]"),
      applied.stderr,
    );
    const list = (await (await fetch(`${url}/meshes/legacy/meshtimeouts`)).json()) as { total: number };
    assert.equal(list.total, 0, "MeshTimeout/legacy/t was not written either");
    // Said once, as the error: not a warning of the mesh too.
    assert.deepEqual(
      applied.stderr.split("\n").filter((line) => line.includes("MeshTimeout/ghost/t")),
      ["policies.yaml:12:1: error: MeshTimeout/ghost/t mesh: the control plane has no Mesh ghost, which the repository uses without defining it, so it would refuse it [control-plane-lacks]"],
      applied.stderr,
    );
    // --dry-run refuses nothing: the warning is what it says.
    const dryRun = await runCli(["apply", "--cp-url", url, "--dry-run"], dir);
    assert.equal(dryRun.code, 0, dryRun.stderr);
    assert.deepEqual(
      dryRun.stderr.split("\n").filter((line) => line.includes("MeshTimeout/ghost/t")),
      ["meshops: warning: the control plane has no Mesh ghost, which the repository uses without defining it: 1 resource cannot be applied there: MeshTimeout/ghost/t (policies.yaml:12:1)"],
      dryRun.stderr,
    );
  });
});

test("plan's warning of a field the older line lacks points at the field, as apply's refusal does, whatever the format; apply says it once, as the error", async () => {
  await withControlPlaneServer({ version: "2.10.11", skipMeshCreation: true }, async (url) => {
    // The permission is the file's second document (line 5): its `rules:` is on line 10, column 3.
    const dir = repoWith({ "meshops.yaml": 'controlPlane:\n  version: "2.14.3"\n  skipDefaultMeshCreation: true\n', "edge.yaml": `${MESH}---\n${MTP_RULES}` });
    const lacks = 'MeshTrafficPermission/edge/by-rules spec.rules: field "rules" was introduced in Kuma 2.12; the control plane (Kuma 2.10.11) does not have it, so it would refuse or drop it';
    for (const format of ["text", "github", "json"]) {
      const planned = await runCli(["plan", "--cp-url", url, "--format", format], dir);
      assert.equal(planned.code, 2, planned.stderr);
      const warnings = planned.stderr.split("\n").filter((line) => line.includes("spec.rules"));
      // Written as every diagnostic is (report/diagnostics.ts renderDiagnosticLine), as apply's refusal is.
      assert.deepEqual(warnings, [`edge.yaml:10:3: warning: ${lacks} [control-plane-lacks]`], `--format ${format}`);
    }
    const applied = await runCli(["apply", "--cp-url", url], dir);
    assert.equal(applied.code, 1, applied.stdout + applied.stderr);
    const said = applied.stderr.split("\n").filter((line) => line.includes("spec.rules"));
    assert.deepEqual(said, [`edge.yaml:10:3: error: ${lacks} [control-plane-lacks]`], applied.stderr);
    // --dry-run refuses nothing: the warning is what it says.
    const dryRun = await runCli(["apply", "--cp-url", url, "--dry-run"], dir);
    assert.equal(dryRun.code, 0, dryRun.stderr);
    assert.deepEqual(dryRun.stderr.split("\n").filter((line) => line.includes("spec.rules")), [`edge.yaml:10:3: warning: ${lacks} [control-plane-lacks]`], dryRun.stderr);
  });
});

test("a scope that leaves some of a kind's resources unwritten warns of those left at their field, every one as apply's error points", async () => {
  await withControlPlaneServer({ version: "2.11.4", skipMeshCreation: true }, async (url) => {
    // Five trusts: the warning located the first three; a scope of mesh alpha refuses alpha's two and leaves beta's three.
    const trust = (mesh: string, name: string) => TRUST.replace("name: trust", `name: ${name}`).replace("mesh: edge", `mesh: ${mesh}`);
    const meshes = ["alpha", "beta"].map((m) => MESH.replace("name: edge", `name: ${m}`)).join("---\n");
    const trusts = [trust("alpha", "a1"), trust("alpha", "a2"), trust("beta", "b1"), trust("beta", "b2"), trust("beta", "b3")].join("---\n");
    const dir = repoWith({ "meshops.yaml": 'controlPlane:\n  version: "2.14.3"\n  skipDefaultMeshCreation: true\n', "mesh.yaml": meshes, "trusts.yaml": trusts });
    const applied = await runCli(["apply", "--cp-url", url, "--mesh", "alpha"], dir);
    assert.equal(applied.code, 1, applied.stdout + applied.stderr);
    const warned = applied.stderr.split("\n").filter((line) => line.startsWith("meshops: warning: the control plane does not serve MeshTrust"));
    assert.deepEqual(
      warned,
      [
        "meshops: warning: the control plane does not serve MeshTrust (introduced in Kuma 2.12; GET /_resources does not list it): 3 resources cannot be applied there: MeshTrust/beta/b1 (trusts.yaml:20:1), MeshTrust/beta/b2 (trusts.yaml:29:1), MeshTrust/beta/b3 (trusts.yaml:38:1)",
      ],
      applied.stderr,
    );
  });
});

test("the count of further resources the older line lacks counts only those apply does not refuse", async () => {
  await withControlPlaneServer({ version: "2.10.11", skipMeshCreation: true }, async (url) => {
    // Thirteen permissions: ten are warned of one by one, three counted; alpha's eleven come first.
    const mtp = (mesh: string, i: number) => MTP_RULES.replace("name: by-rules", `name: p${i}`).replace("mesh: edge", `mesh: ${mesh}`);
    const meshes = ["alpha", "beta"].map((m) => MESH.replace("name: edge", `name: ${m}`)).join("---\n");
    const alpha = Array.from({ length: 11 }, (_, i) => mtp("alpha", i)).join("---\n");
    const beta = Array.from({ length: 2 }, (_, i) => mtp("beta", i)).join("---\n");
    const dir = repoWith({ "meshops.yaml": 'controlPlane:\n  version: "2.14.3"\n  skipDefaultMeshCreation: true\n', "mesh.yaml": meshes, "alpha.yaml": alpha, "beta.yaml": beta });
    const counted = (stderr: string) => stderr.split("\n").filter((line) => line.startsWith("meshops: warning:") && line.includes("hold what the control plane"));

    const dryRun = await runCli(["apply", "--cp-url", url, "--dry-run"], dir);
    assert.equal(dryRun.code, 0, dryRun.stderr);
    assert.deepEqual(counted(dryRun.stderr), ["meshops: warning: 3 more resources hold what the control plane (Kuma 2.10.11) does not have: validate with controlPlane.version 2.10.11 to see them"]);

    // Every one refused, said as an error each: nothing is left to count.
    const applied = await runCli(["apply", "--cp-url", url], dir);
    assert.equal(applied.code, 1, applied.stdout + applied.stderr);
    assert.equal(applied.stderr.split("\n").filter((line) => line.includes("error: MeshTrafficPermission/")).length, 13, applied.stderr);
    assert.deepEqual(counted(applied.stderr), [], applied.stderr);

    // alpha's refused: beta's two are left, none of them warned of one by one.
    const scoped = await runCli(["apply", "--cp-url", url, "--mesh", "alpha"], dir);
    assert.equal(scoped.code, 1, scoped.stdout + scoped.stderr);
    assert.deepEqual(counted(scoped.stderr), ["meshops: warning: 2 resources hold what the control plane (Kuma 2.10.11) does not have: validate with controlPlane.version 2.10.11 to see them"], scoped.stderr);
  });
});
