/**
 * Which files and documents are configuration, and the mistakes a typo in a path or a name makes: real Git
 * repositories validated through the CLI.
 */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { runCli } from "./helpers/cli.js";
import { committedRepo } from "./helpers/git.js";

interface JsonReport {
  readonly valid: boolean;
  readonly diagnostics: readonly { severity: string; file: string; line: number; column: number; rule: string; path: string; message: string; resource: string }[];
}

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((cleanup) => cleanup()));

const repoWith = (files: Record<string, string>): string => committedRepo(files, cleanups);

const MESH = "type: Mesh\nname: shop\n";
const TIMEOUT = [
  "type: MeshTimeout",
  "name: checkout",
  "mesh: shop",
  "spec:",
  "  targetRef: {kind: Mesh}",
  "  to:",
  "    - targetRef: {kind: Mesh}",
  "      default: {connectionTimeout: 2s}",
  "",
].join("\n");
const DEPLOYMENT_AND_NAMESPACE = [
  "apiVersion: v1",
  "kind: Namespace",
  "metadata: {name: shop}",
  "---",
  "apiVersion: apps/v1",
  "kind: Deployment",
  "metadata: {name: web, namespace: shop}",
  "spec: {replicas: 2}",
  "",
].join("\n");
const WORKFLOW = "name: ci\non: [push]\njobs:\n  test: {runs-on: ubuntu-latest, steps: [{run: npm test}]}\n";
const HELM_VALUES = "replicaCount: 1\nimage: {repository: kong/kuma-cp}\n";

async function validateJson(dir: string, ...args: string[]): Promise<{ code: number; report: JsonReport; stderr: string }> {
  const run = await runCli(["validate", "--format", "json", ...args], dir);
  return { code: run.code, report: JSON.parse(run.stdout) as JsonReport, stderr: run.stderr };
}

describe("files that are not mesh resources", () => {
  const files = {
    "mesh.yaml": MESH,
    "policies/timeout.yaml": TIMEOUT,
    "apps/web.yaml": DEPLOYMENT_AND_NAMESPACE,
    ".github/workflows/ci.yml": WORKFLOW,
    ".gitlab/ci/extra.yaml": WORKFLOW,
    "helm/values.yaml": HELM_VALUES,
  };

  test("dot-directories are skipped, other APIs' documents are counted, exclude leaves a file out", async () => {
    const dir = repoWith({ ...files, "meshops.yaml": "exclude: [helm]\n" });
    const json = await validateJson(dir);
    assert.equal(json.code, 0, JSON.stringify(json.report.diagnostics));
    assert.deepEqual(json.report.diagnostics, []);

    const text = await runCli(["validate"], dir);
    assert.equal(text.code, 0);
    assert.match(text.stdout, /✓ valid: 0 errors, 0 warnings; 2 resources in 3 files at [0-9a-f]{12}; 2 documents of other kinds skipped/);
  });

  test("dot-files (.gitlab-ci.yml, .sops.yaml, a linter's config) are skipped like dot-directories, in Git and WORKTREE", async () => {
    const dotFiles = {
      ".gitlab-ci.yml": "stages: [check]\ncheck:\n  script: [meshops validate]\n",
      ".sops.yaml": "creation_rules:\n  - path_regex: .*\\.sops\\.yaml$\n    encrypted_regex: ^(data|stringData)$\n",
      ".pre-commit-config.yaml": "repos: []\n",
      "policies/.yamllint.yml": "extends: default\n",
    };
    const dir = repoWith({ ...files, ...dotFiles, "meshops.yaml": "exclude: [helm]\n" });
    for (const ref of ["HEAD", "WORKTREE"]) {
      const json = await validateJson(dir, "--ref", ref);
      assert.deepEqual(json.report.diagnostics, [], ref);
      assert.equal(json.code, 0, ref);
    }
  });

  test("without exclude, a file with nothing of a mesh resource (a Helm values file) is skipped with a warning that says how to leave it out", async () => {
    const dir = repoWith(files);
    const json = await validateJson(dir);
    assert.equal(json.code, 0, JSON.stringify(json.report.diagnostics));
    const problems = json.report.diagnostics.map((d) => [d.severity, d.file, d.line, d.rule]);
    assert.deepEqual(problems, [["warning", "helm/values.yaml", 1, "other-document"]]);
    assert.match(json.report.diagnostics[0]?.message ?? "", /not mesh configuration, skipped; if the file is another tool's, list it under `exclude:` in meshops\.yaml/);
    assert.equal((await validateJson(dir, "--warnings-as-errors")).code, 1);
  });

  test("a settings file under another name or folder (meshops.yml, a nested meshops.yaml) is one error that says where settings are read", async () => {
    const dir = repoWith({ ...files, "meshops.yml": "exclude: [helm]\n", "policies/meshops.yaml": "controlPlane: {version: 2.12.0}\n" });
    const json = await validateJson(dir);
    assert.equal(json.code, 1);
    const problems = json.report.diagnostics.filter((d) => d.file.endsWith(".yml") || d.file.endsWith("meshops.yaml"));
    const message = "meshops reads its settings only from meshops.yaml at the root of --path: rename or move this file, or list it under `exclude:` in meshops.yaml";
    assert.deepEqual(
      problems.map((d) => [d.file, d.line, d.rule, d.message]),
      [
        ["meshops.yml", 1, "unknown-type", message],
        ["policies/meshops.yaml", 1, "unknown-type", message],
      ],
    );
  });

  test("--exclude does what meshops.yaml's exclude does, relative to --path", async () => {
    const dir = repoWith(Object.fromEntries(Object.entries(files).map(([file, text]) => [`config/${file}`, text])));
    assert.equal((await validateJson(dir, "--path", "config", "--exclude", "helm/**")).code, 0);
    assert.equal((await validateJson(dir, "--path", "config", "--exclude", "helm")).code, 0);
    const warned = (await validateJson(dir, "--path", "config", "--exclude", "other/**")).report.diagnostics.map((d) => [d.file, d.rule]);
    assert.deepEqual(warned, [
      ["", "pattern-unmatched"],
      ["config/helm/values.yaml", "other-document"],
    ]);
  });

  test("an exclude, namespaces or globalResources pattern that matches nothing is one warning naming meshops.yaml's line, or the flag", async () => {
    // `test` for the folder `tests`, `ci/**` for `.ci`: the files stay configuration, or the rule binds nothing.
    const config = [
      "exclude:",
      '  - "meshes/*/test/**"',
      "  - helm",
      "  - .github",
      "  - scripts",
      "namespaces:",
      '  - path: "app/{namespace}/**"',
      "globalResources:",
      '  paths: ["global/**", "golbal/**"]',
      "",
    ].join("\n");
    const dir = repoWith({ ...files, "meshops.yaml": config, "scripts/check.sh": "#!/bin/sh\n", "global/apps.yaml": DEPLOYMENT_AND_NAMESPACE, "meshes/shop/tests/apps.yaml": DEPLOYMENT_AND_NAMESPACE });
    const json = await validateJson(dir, "--exclude", "helm/**", "--exclude", "chrats");
    assert.equal(json.code, 0, JSON.stringify(json.report.diagnostics));
    assert.deepEqual(
      json.report.diagnostics.map((d) => [d.severity, d.rule, d.file, d.line, d.path, d.message]),
      [
        ["warning", "pattern-unmatched", "", 0, "", "--exclude chrats matches no path of the revision: it leaves nothing out; check the pattern"],
        ["warning", "pattern-unmatched", "meshops.yaml", 2, "exclude[0]", 'exclude pattern "meshes/*/test/**" matches no path of the revision: it leaves nothing out; check the pattern'],
        ["warning", "pattern-unmatched", "meshops.yaml", 7, "namespaces[0].path", 'namespaces path "app/{namespace}/**" matches no configuration file: it gives no namespace; check the pattern'],
        ["warning", "pattern-unmatched", "meshops.yaml", 9, "globalResources.paths[1]", 'globalResources path "golbal/**" matches no configuration file; check the pattern'],
      ],
    );
    const text = await runCli(["validate"], dir);
    assert.match(text.stdout, /meshops\.yaml:2:\d+: .*exclude pattern "meshes\/\*\/test\/\*\*" matches no path/);
    assert.doesNotMatch(text.stderr, /matches no/, "validate's report says it, stderr does not again");
    // A command that validates without a report of its own says them on stderr, each once.
    const rendered = await runCli(["render", "--exclude", "chrats"], dir);
    assert.equal(rendered.code, 0, rendered.stderr);
    const said = rendered.stderr.split("\n").filter((line) => line.includes("matches no"));
    // Each at its place, written as every diagnostic is (severity and rule); the flag's as the command's own warning.
    assert.ok(said.filter((line) => line.startsWith("meshops.yaml")).every((line) => / warning: .*\[pattern-unmatched\]$/.test(line)), said.join("\n"));
    assert.deepEqual(said.map((line) => line.replace(/(:\d+):\d+: .*|: it leaves .*/, "$1")), [
      "meshops: warning: --exclude chrats matches no path of the revision",
      "meshops.yaml:2",
      "meshops.yaml:7",
      "meshops.yaml:9",
    ]);
  });

  test("otherDocuments: error makes each foreign document an error at its own line", async () => {
    const dir = repoWith({ ...files, "meshops.yaml": "exclude: [helm]\notherDocuments: error\n" });
    const json = await validateJson(dir);
    assert.equal(json.code, 1);
    const found = json.report.diagnostics.map((d) => [d.rule, d.file, d.line, d.message]);
    assert.deepEqual(found, [
      ["other-document", "apps/web.yaml", 1, "Namespace of apiVersion v1 is not a mesh resource (meshops.yaml sets otherDocuments: error)"],
      ["other-document", "apps/web.yaml", 5, "Deployment of apiVersion apps/v1 is not a mesh resource (meshops.yaml sets otherDocuments: error)"],
    ]);
  });

  test("an unknown kuma.io kind stays an error, with a suggestion", async () => {
    const dir = repoWith({
      "mesh.yaml": MESH,
      "k8s.yaml": "apiVersion: kuma.io/v1alpha1\nkind: MeshTimout\nmetadata: {name: t, namespace: kuma-system, labels: {kuma.io/mesh: shop}}\nspec: {}\n",
    });
    const json = await validateJson(dir);
    assert.equal(json.code, 1);
    const [problem] = json.report.diagnostics;
    assert.equal(problem?.rule, "unknown-type");
    assert.equal(problem?.line, 2);
    assert.equal(problem?.message, 'unknown resource type "MeshTimout", did you mean "MeshTimeout"?');
  });
});

describe("mistakes caught", () => {
  test("a --path that does not exist, or holds no YAML, is an error unless --allow-empty", async () => {
    const dir = repoWith({ "mesh.yaml": MESH, "docs/README.md": "# not yaml\n" });
    for (const folder of ["nope", "docs"]) {
      const json = await validateJson(dir, "--path", folder);
      assert.equal(json.code, 1, folder);
      assert.deepEqual(
        json.report.diagnostics.map((d) => [d.rule, d.message.split(" at ")[0]]),
        [["empty-repository", `no YAML configuration files in "${folder}"`]],
      );
      assert.equal((await validateJson(dir, "--path", folder, "--allow-empty")).code, 0, folder);
    }
  });

  test("tenancy patterns take braces and classes; {mesh} still binds the folder's mesh; an unmatched rule warns", async () => {
    const config = [
      "tenancy:",
      "  - name: tenant-folders",
      '    path: "{teams,tenants}/{mesh}/**"',
      "  - name: typo",
      '    path: "mehses/{mesh}/**"',
      "",
    ].join("\n");
    const dir = repoWith({ "meshops.yaml": config, "meshes.yaml": `${MESH}---\ntype: Mesh\nname: blog\n`, "tenants/blog/timeout.yaml": TIMEOUT });
    const json = await validateJson(dir);
    assert.equal(json.code, 1);
    assert.deepEqual(
      json.report.diagnostics.map((d) => [d.severity, d.rule, d.file, d.line, d.path, d.message]),
      [
        ["warning", "tenancy-unmatched", "meshops.yaml", 5, "tenancy[1].path", 'tenancy rule "typo" matches no file (path: mehses/{mesh}/**); check the pattern'],
        [
          "error",
          "tenancy/tenant-folders",
          "tenants/blog/timeout.yaml",
          3,
          "mesh",
          'tenancy rule "tenant-folders": files matching {teams,tenants}/{mesh}/** belong to mesh "blog", but this resource is in mesh "shop"',
        ],
      ],
    );
  });

  test("a {mesh} or {namespace} segment followed by / is a folder: a file beside the tenant folders is bound to no mesh and given no namespace", async () => {
    // README's meshops.yaml example: `meshes/{mesh}/**` and `apps/{namespace}/**`. `**` also matches nothing, but
    // meshes/shop.yaml is no folder of mesh "shop.yaml", nor apps/web.yaml one of namespace "web.yaml".
    const config = 'tenancy:\n  - name: tenant-folders\n    path: "meshes/{mesh}/**"\nnamespaces:\n  - path: "apps/{namespace}/**"\n';
    const retry = (name: string) =>
      `apiVersion: kuma.io/v1alpha1\nkind: MeshRetry\nmetadata:\n  name: ${name}\n  labels: {kuma.io/mesh: shop}\nspec:\n  targetRef: {kind: Mesh}\n  to:\n    - targetRef: {kind: Mesh}\n      default: {http: {numRetries: 3}}\n`;
    const dir = repoWith({
      "meshops.yaml": config,
      "meshes/shop.yaml": MESH,
      "meshes/shop/timeout.yaml": TIMEOUT,
      "apps/shared.yaml": retry("shared"),
      "apps/payments/retry.yaml": retry("ledger"),
    });
    const json = await validateJson(dir);
    assert.deepEqual(json.report.diagnostics.filter((d) => d.severity === "error"), [], JSON.stringify(json.report.diagnostics));
    assert.equal(json.code, 0);
    const rendered = await runCli(["render", "--format", "json"], dir);
    const names = (JSON.parse(rendered.stdout) as { type: string; name: string }[]).filter((r) => r.type === "MeshRetry").map((r) => r.name);
    assert.deepEqual(names.sort(), ["ledger.payments", "mesh-retry-all-shop", "shared"]);
  });

  test("did you mean: a mesh name, a meshops.yaml key", async () => {
    const dir = repoWith({ "meshops.yaml": "exlcude: [helm]\n", "mesh.yaml": MESH, "timeout.yaml": TIMEOUT.replace("mesh: shop", "mesh: shpo") });
    const json = await validateJson(dir);
    assert.equal(json.code, 1);
    const messages = json.report.diagnostics.map((d) => `${d.rule}: ${d.message}`);
    assert.deepEqual(messages, [
      'config: unknown field "exlcude", did you mean "exclude"?',
      'unknown-mesh: mesh "shpo" is not defined: did you mean "shop"? (or define the Mesh, or list it under externalMeshes in meshops.yaml)',
    ]);
  });
});

describe("deprecations", () => {
  // A top-level targetRef of kind MeshService is accepted by the control plane with a deprecation warning on PUT.
  const deprecated = TIMEOUT.replace("  targetRef: {kind: Mesh}\n", "  targetRef: {kind: MeshService, name: web}\n");

  test("are warnings by default, and errors with --deprecations-as-errors, at the same place", async () => {
    const dir = repoWith({ "mesh.yaml": MESH, "timeout.yaml": deprecated, "web.yaml": "type: MeshService\nname: web\nmesh: shop\nspec:\n  selector:\n    dataplaneTags:\n      app: web\n  ports:\n    - port: 8080\n      targetPort: 8080\n      appProtocol: http\n" });
    const relaxed = await validateJson(dir);
    assert.equal(relaxed.code, 0, JSON.stringify(relaxed.report.diagnostics));
    const warnings = relaxed.report.diagnostics.filter((d) => d.rule === "deprecation");
    assert.equal(warnings.length, 1, JSON.stringify(relaxed.report.diagnostics));
    assert.equal(warnings[0]?.severity, "warning");
    assert.equal(warnings[0]?.path, "spec.targetRef.kind");

    const strict = await validateJson(dir, "--deprecations-as-errors");
    assert.equal(strict.code, 1);
    const errors = strict.report.diagnostics.filter((d) => d.rule === "deprecation");
    assert.deepEqual(
      errors.map((d) => [d.severity, d.file, d.line, d.column, d.path, d.message]),
      warnings.map((d) => ["error", d.file, d.line, d.column, d.path, d.message]),
    );
    // Only the deprecation changes severity.
    assert.equal(strict.report.diagnostics.length, relaxed.report.diagnostics.length);
  });
});
