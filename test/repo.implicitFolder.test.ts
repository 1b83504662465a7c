/**
 * meshops run from a folder inside the repository, without --repo or --path (a Makefile's `cd deploy && …`, a CI
 * step's working-directory): the configuration is the nearest folder at or above it that holds meshops.yaml, as Git
 * finds its repository from anywhere inside it. Before, the current folder alone was read, without the root's
 * meshops.yaml: from a folder of Deployments, `plan --prune` planned to delete every resource meshops owned, and
 * `drift` called all of them orphaned.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { after, test } from "node:test";
import { runCli } from "./helpers/cli.js";
import { withControlPlaneServer } from "./helpers/controlPlane.js";
import { exitWithin, killAll, startWatch } from "./helpers/daemon.js";
import { committedRepo } from "./helpers/git.js";

const cleanups: (() => void)[] = [];
after(() => {
  killAll();
  cleanups.forEach((cleanup) => cleanup());
});

const timeout = (name: string): string => `type: MeshTimeout
name: ${name}
mesh: shop
spec:
  targetRef: {kind: Mesh}
  to:
    - targetRef: {kind: Mesh}
      default: {idleTimeout: 20s}
`;

const files = {
  "meshops.yaml": "prune: {maxDeletes: 100, maxDeletePercent: 100}\nexclude: [tools/**]\n",
  "mesh/mesh.yaml": "type: Mesh\nname: shop\n",
  "mesh/timeouts.yaml": timeout("shop-timeouts"),
  "k8s/deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n",
  // A folder with settings of its own is read as before: its meshops.yaml is the one that holds there.
  "tools/meshops.yaml": "instance: tools\n",
  "tools/mesh.yaml": "type: Mesh\nname: tools\n",
};

interface Plan {
  readonly summary: { readonly create: number; readonly update: number; readonly delete: number };
}

test("from a folder below meshops.yaml, plan, apply --prune and drift read the repository meshops.yaml configures", async () => {
  const dir = committedRepo(files, cleanups);
  const state = path.join(dir, ".state");
  const applied = await runCli(["apply", "--state-dir", state], dir);
  assert.equal(applied.code, 0, applied.stdout + applied.stderr);

  for (const folder of ["k8s", "mesh"]) {
    const cwd = path.join(dir, folder);
    const plan = await runCli(["plan", "--prune", "--state-dir", state, "--format", "json"], cwd);
    assert.deepEqual([plan.code, (JSON.parse(plan.stdout) as Plan).summary.delete], [0, 0], `${folder}: ${plan.stdout}${plan.stderr}`);
    assert.equal(plan.stderr, "", folder);
    const drift = await runCli(["drift", "--state-dir", state], cwd);
    assert.equal(drift.code, 0, `${folder}: ${drift.stdout}${drift.stderr}`);
    const apply = await runCli(["apply", "--prune", "--state-dir", state], cwd);
    assert.equal(apply.code, 0, apply.stdout + apply.stderr);
    assert.doesNotMatch(apply.stdout, /delete/, folder);
  }
  // The root's settings hold: its exclude leaves tools/ out.
  const rendered = await runCli(["render", "--format", "json"], path.join(dir, "k8s"));
  assert.deepEqual([...new Set((JSON.parse(rendered.stdout) as { mesh?: string; name: string }[]).map((r) => r.mesh ?? r.name))], ["shop"]);
});

test("a folder with its own meshops.yaml, and an explicit --repo or --path, are read as given", async () => {
  const dir = committedRepo(files, cleanups);
  const own = await runCli(["render", "--format", "json"], path.join(dir, "tools"));
  assert.deepEqual(
    (JSON.parse(own.stdout) as { name: string; labels: Record<string, string> }[]).map((r) => r.labels["meshops.io/managed-by"]).slice(0, 1),
    ["tools"],
  );
  const explicit = await runCli(["validate", "--repo", "."], path.join(dir, "k8s"));
  assert.equal(explicit.code, 0, explicit.stdout + explicit.stderr);
  assert.match(explicit.stdout, /0 resources in 1 file/, "--repo . is this folder: no mesh configuration in it");
  const byPath = await runCli(["validate", "--path", "mesh"], dir);
  assert.equal(byPath.code, 0, byPath.stdout + byPath.stderr);
  assert.match(byPath.stderr, /meshops\.yaml is not read/);
});

test("--help says the nearest meshops.yaml is read only with neither --repo nor --path, and gives --repo one default", async () => {
  for (const command of ["validate", "watch"]) {
    const help = await runCli([command, "--help"], process.cwd());
    assert.equal(help.code, 0, help.stderr);
    // The option's entry: its first line and the indented lines under it, up to the next option.
    const repo = (/\n {2}--repo <[^\n]*(\n {6,}[^\n]*)*/.exec(help.stdout)?.[0] ?? "").replace(/\s+/g, " ");
    assert.match(repo, /with neither --repo nor --path the nearest above it holding meshops\.yaml/, `${command}: ${repo}`);
    assert.equal(repo.match(/\(default:/g)?.length, 1, `${command}: ${repo}`);
  }
});

test("watch from a folder below meshops.yaml reconciles the repository meshops.yaml configures, not that folder alone", async () => {
  const dir = committedRepo(files, cleanups);
  await withControlPlaneServer({ skipMeshCreation: true }, async (url) => {
    const daemon = await startWatch(["--cp-url", url, "--drift-interval", "1h"], { cwd: path.join(dir, "k8s") });
    const done = await daemon.untilLog("the first reconcile", (e) => e.event === "reconcile.done");
    assert.equal(done.result, "applied", daemon.lines.join("\n"));
    const meshes = (await (await fetch(`${url}/meshes`)).json()) as { items: { name: string }[] };
    // The root's meshops.yaml holds: mesh/ is read, and its exclude leaves tools/ out.
    assert.deepEqual(meshes.items.map((m) => m.name), ["shop"], daemon.lines.join("\n"));
    const timeouts = (await (await fetch(`${url}/meshes/shop/meshtimeouts`)).json()) as { items: { name: string }[] };
    assert.ok(timeouts.items.some((t) => t.name === "shop-timeouts"), JSON.stringify(timeouts.items.map((t) => t.name)));
    daemon.child.kill("SIGTERM");
    assert.equal((await exitWithin(daemon, 10_000)).code, 0);
  });
});
