import assert from "node:assert/strict";
import path from "node:path";
import { after, before, test } from "node:test";
import { parseAllDocuments } from "yaml";
import { runCli } from "./helpers/cli.js";
import { commitFiles, commitFolder, projectRoot, tempRepo } from "./helpers/git.js";
import { assertGolden } from "./helpers/golden.js";

const goldens = path.join(projectRoot, "test/fixtures/cli");
const repo = tempRepo();
before(() => commitFolder(repo.dir, path.join(projectRoot, "sample-repo"), "sample-repo"));
after(repo.cleanup);

test("sample-repo validates (exit 0) and says so", async () => {
  const run = await runCli(["validate"], repo.dir);
  assert.equal(run.code, 0, run.stdout);
  assert.match(run.stdout, /✓ valid: 0 errors, \d+ warnings; \d+ resources in \d+ files at [0-9a-f]{12}/);
  // The sample keeps some long-standing syntax (`from`, ring-hash policies in the balancer): deprecated, not wrong.
  const warnings = run.stdout.split("\n").filter((line) => line.includes(": warning: "));
  assert.ok(warnings.length > 0 && warnings.every((line) => line.endsWith("[deprecation]")), run.stdout);
});

test("render of sample-repo: the desired state with default policies, golden", async () => {
  const run = await runCli(["render", "--format", "yaml"], repo.dir);
  assert.equal(run.code, 0, run.stderr);
  assertGolden(path.join(goldens, "render-sample-repo.yaml"), run.stdout);

  const objects = parseAllDocuments(run.stdout).map((d) => d.toJS() as { type: string; mesh?: string; name: string; labels: Record<string, string> });
  const names = new Set(objects.map((o) => `${o.type}/${o.mesh ?? o.name}/${o.name}`));
  // default skips nothing: all four defaults, with the control plane's names.
  for (const name of ["MeshTimeout/default/mesh-timeout-all-default", "MeshTimeout/default/mesh-gateways-timeout-all-default", "MeshRetry/default/mesh-retry-all-default", "MeshCircuitBreaker/default/mesh-circuit-breaker-all-default"]) {
    assert.ok(names.has(name), `${name} is rendered`);
  }
  // payments skips MeshRetry and MeshCircuitBreaker; analytics skips all ('*').
  assert.ok(names.has("MeshTimeout/payments/mesh-timeout-all-payments"));
  assert.ok(!names.has("MeshRetry/payments/mesh-retry-all-payments"));
  assert.ok(!names.has("MeshCircuitBreaker/payments/mesh-circuit-breaker-all-payments"));
  assert.ok(![...names].some((n) => n.startsWith("MeshTimeout/analytics/mesh-") || n.startsWith("MeshRetry/analytics/mesh-retry-all")));
  assert.ok(objects.every((o) => o.labels["meshops.io/managed-by"] === "meshops"), "every object carries the ownership label");
  // The write order: the resources of no mesh (sample-repo's HostnameGenerator), then the Meshes, then what is in them.
  const firstMesh = objects.findIndex((o) => o.type === "Mesh");
  assert.deepEqual(objects.slice(0, firstMesh).map((o) => `${o.type}/${o.name}`), ["HostnameGenerator/zone-services"]);
  const firstPolicy = objects.findIndex((o, i) => i > firstMesh && o.type !== "Mesh");
  assert.ok(objects.slice(firstPolicy).every((o) => o.type !== "Mesh"));
});

test("render --format json is the array of objects; --format kubernetes gives custom resources", async () => {
  const json = await runCli(["render", "--format", "json"], repo.dir);
  const objects = JSON.parse(json.stdout) as { type: string }[];
  assert.ok(Array.isArray(objects) && objects.length > 0);
  const yaml = await runCli(["render", "--format", "yaml"], repo.dir);
  assert.equal(parseAllDocuments(yaml.stdout).length, objects.length);

  const kube = await runCli(["render", "--format", "kubernetes"], repo.dir);
  assert.equal(kube.code, 0);
  assertGolden(path.join(goldens, "render-sample-repo.kubernetes.yaml"), kube.stdout);
  const crs = parseAllDocuments(kube.stdout).map((d) => d.toJS() as { apiVersion: string; kind: string; metadata: { namespace?: string; labels?: Record<string, string> } });
  for (const cr of crs) {
    assert.equal(cr.apiVersion, "kuma.io/v1alpha1");
    if (cr.kind === "Mesh" || cr.kind === "MeshGateway") assert.equal(cr.metadata.namespace, undefined, `${cr.kind} is cluster-scoped`);
    else assert.equal(cr.metadata.namespace, "kuma-system");
  }
  // A Secret's value never leaves meshops, and a placeholder applied by Argo CD or Flux would replace the real one.
  assert.equal(crs.filter((cr) => cr.kind === "Secret").length, 0, "sample-repo's Secret is left out");
  assert.equal(kube.stderr, "meshops: 1 Secret left out: their values never leave meshops; keep them in Kubernetes as Secrets of type system.kuma.io/secret\n");
  // The gateway: its mesh in a top-level field, its protobuf fields under spec.
  const gateway = crs.find((cr) => cr.kind === "MeshGateway") as unknown as { mesh: string; spec: { selectors: unknown[]; conf: unknown } } | undefined;
  assert.equal(gateway?.mesh, "edge");
  assert.ok(gateway?.spec.selectors.length === 1 && gateway.spec.conf !== undefined);
  // Rendered Kubernetes documents read back as the same resources (both shapes, one model).
  const back = tempRepo();
  try {
    commitFiles(back.dir, { "meshops.yaml": "controlPlane:\n  version: \"2.14.3\"\n  skipDefaultMeshCreation: true\ndefaults:\n  materialize: false\n", "all.yaml": kube.stdout });
    const rendered = await runCli(["render", "--format", "kubernetes"], back.dir);
    assert.equal(rendered.code, 0, rendered.stderr);
    const documents = (text: string): string[] => parseAllDocuments(text).map((d) => JSON.stringify(d.toJS())).sort();
    assert.deepEqual(documents(rendered.stdout), documents(kube.stdout));
  } finally {
    back.cleanup();
  }
});

test("rendering is deterministic", async () => {
  const a = await runCli(["render", "--format", "json"], repo.dir);
  const b = await runCli(["render", "--format", "json"], repo.dir);
  assert.equal(a.stdout, b.stdout);
});

test("an invalid commit: validate exits 1; render exits 1 and prints nothing on stdout", async () => {
  const bad = tempRepo();
  try {
    commitFiles(bad.dir, { "policies.yaml": "type: MeshTimeout\nname: t\nspec:\n  to:\n    - targetRef:\n        kind: Mesh\n      default:\n        idleTimout: 1h\n" });
    const validate = await runCli(["validate"], bad.dir);
    assert.equal(validate.code, 1);
    assert.match(validate.stdout, /policies\.yaml:8:9: error: MeshTimeout\/default\/t spec\.to\[0\]\.default\.idleTimout: unknown field "idleTimout", did you mean "idleTimeout"\?/);
    const render = await runCli(["render"], bad.dir);
    assert.equal(render.code, 1);
    assert.equal(render.stdout, "");
    assert.match(render.stderr, /idleTimout/);
  } finally {
    bad.cleanup();
  }
});

test("--ref WORKTREE validates uncommitted files; HEAD does not see them", async () => {
  const work = tempRepo();
  try {
    commitFiles(work.dir, { "mesh.yaml": "type: Mesh\nname: m\n" });
    const { writeFileSync } = await import("node:fs");
    writeFileSync(path.join(work.dir, "broken.yaml"), "type: Mesh\nname: Bad_Name\n");
    assert.equal((await runCli(["validate"], work.dir)).code, 0);
    const worktree = await runCli(["validate", "--ref", "WORKTREE", "--format", "json"], work.dir);
    assert.equal(worktree.code, 1);
    const report = JSON.parse(worktree.stdout) as { diagnostics: { file: string; line: number; path: string; resource: string }[] };
    assert.deepEqual(
      report.diagnostics.map((d) => [d.file, d.line, d.resource, d.path]),
      [["broken.yaml", 2, "Mesh/Bad_Name", "name"]],
    );
  } finally {
    work.cleanup();
  }
});

test("usage and source errors are one clear line with exit 1", async () => {
  const unknownRef = await runCli(["validate", "--ref", "nope"], repo.dir);
  assert.equal(unknownRef.code, 1);
  assert.equal(unknownRef.stderr.split("\n")[0], 'meshops: cannot resolve revision "nope" to a commit: fatal: Needed a single revision');
  const badFormat = await runCli(["validate", "--format", "xml"], repo.dir);
  assert.equal(badFormat.code, 1);
  assert.match(badFormat.stderr, /argument 'xml' is invalid/);
  const help = await runCli(["--help"], repo.dir);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /validate/);
});
