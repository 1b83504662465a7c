/**
 * What a kustomization names that kustomize cannot load from a clone of the repository (an error: `kustomize build`,
 * and so `kubectl apply -k`, Argo CD and Flux, fail on it) or that meshops does not read (a remote base, a folder
 * outside --path: a warning, since what kustomize adds from it is not validated). kustomize's rules are those of
 * sigs.k8s.io/kustomize api/internal/target/kusttarget.go (accumulateResources: a file, else a folder with a
 * kustomization, else a Git URL as api/internal/git/repospec.go parses one) and api/internal/loader/fileloader.go.
 * Real Git repositories, read committed, incrementally and as a working tree, and the CLI.
 */
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, describe, test } from "node:test";
import { GitObjects } from "../src/source/gitBatch.js";
import { readSnapshot } from "../src/source/index.js";
import { validateSnapshot } from "../src/validate/index.js";
import { runCli } from "./helpers/cli.js";
import { commitFiles, git, tempRepo } from "./helpers/git.js";

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((cleanup) => cleanup()));

function repoWith(files: Record<string, string>): string {
  const repo = tempRepo("meshops-kustomize-entries-");
  cleanups.push(repo.cleanup);
  commitFiles(repo.dir, files);
  return repo.dir;
}

interface Diagnostic {
  readonly severity: string;
  readonly file: string;
  readonly line: number;
  readonly path: string;
  readonly rule: string;
  readonly message: string;
}

const ENTRY_RULES = new Set(["kustomize-missing", "kustomize-not-read", "kustomize-cycle"]);

/** Each entry diagnostic as `severity file:line path rule: message`. */
function entryLines(diagnostics: readonly Diagnostic[]): string[] {
  return diagnostics.filter((d) => ENTRY_RULES.has(d.rule)).map((d) => `${d.severity} ${d.file}:${d.line} ${d.path} ${d.rule}: ${d.message}`);
}

async function validate(dir: string, ...args: string[]): Promise<{ code: number; lines: string[] }> {
  const run = await runCli(["validate", "--format", "json", ...args], dir);
  const report = JSON.parse(run.stdout) as { diagnostics: Diagnostic[] };
  return { code: run.code, lines: entryLines(report.diagnostics) };
}

const MESH = "type: Mesh\nname: default\n";
const TIMEOUT = "apiVersion: kuma.io/v1alpha1\nkind: MeshTimeout\nmetadata:\n  name: t1\n  namespace: kuma-system\n  labels:\n    kuma.io/mesh: default\nspec:\n  targetRef:\n    kind: Mesh\n  to:\n    - targetRef:\n        kind: Mesh\n      default:\n        idleTimeout: 20s\n";
const BUILD_FAILS = "kustomize build fails (kubectl apply -k, Argo CD, Flux)";
const NOT_READ = "is not read: meshops validates this repository only, so what kustomize adds from it is not checked; render the overlay (kustomize build) into a folder of its own for meshops";

const OVERLAY = [
  "apiVersion: kustomize.config.k8s.io/v1beta1",
  "kind: Kustomization",
  "resources:",
  "  - timeouts.yaml",
  "  - github.com/org/mesh-base//policies?ref=v1",
  "  - https://example.com/raw/mesh.yaml",
  "  - missing.yaml",
  "  - ../base",
  "  - ../plain",
  "  - ../../..",
  "  - values.json",
  "  - gitlab.com/org/repo//base",
  "  - git@gitlab.com:org/repo.git//base",
  "components:",
  "  - ../components/gone",
  "  - ../components/file.yaml",
  "patches:",
  "  - path: gone-patch.yaml",
  "  - path: ../base",
  "  - patch: |-",
  "      - op: replace",
  "        path: /spec/x",
  "        value: 1",
  "    target:",
  "      kind: MeshTimeout",
  "patchesStrategicMerge:",
  "  - also-gone.yaml",
  "bases:",
  "  - ../old-base",
  "",
].join("\n");

describe("kustomization entries kustomize cannot load, or meshops does not read", () => {
  test("each missing local file or folder is an error at its entry, each remote base a warning; what is there passes", async () => {
    const dir = repoWith({
      "mesh.yaml": MESH,
      "apps/prod/kustomization.yaml": OVERLAY,
      "apps/prod/timeouts.yaml": TIMEOUT,
      "apps/prod/values.json": "{}\n",
      "apps/base/kustomization.yaml": "resources: []\n",
      "apps/plain/readme.md": "no kustomization here\n",
      "apps/components/file.yaml": "kind: Component\n",
    });
    const { code, lines } = await validate(dir);
    const at = "apps/prod/kustomization.yaml";
    assert.deepEqual(lines, [
      `warning ${at}:5 resources[1] kustomize-not-read: github.com/org/mesh-base//policies?ref=v1 ${NOT_READ}`,
      `warning ${at}:6 resources[2] kustomize-not-read: https://example.com/raw/mesh.yaml ${NOT_READ}`,
      `error ${at}:7 resources[3] kustomize-missing: missing.yaml: the repository has no file or folder apps/prod/missing.yaml: ${BUILD_FAILS}`,
      `error ${at}:9 resources[5] kustomize-missing: ../plain: the folder apps/plain has no kustomization.yaml: ${BUILD_FAILS}`,
      `error ${at}:10 resources[6] kustomize-missing: ../../.. is outside the repository: ${BUILD_FAILS} from a clone of it`,
      `error ${at}:12 resources[8] kustomize-missing: gitlab.com/org/repo//base: the repository has no file or folder apps/prod/gitlab.com/org/repo/base: ${BUILD_FAILS}; a remote base needs its scheme (https://...), which kustomize assumes for github.com only`,
      `warning ${at}:13 resources[9] kustomize-not-read: git@gitlab.com:org/repo.git//base ${NOT_READ}`,
      `error ${at}:15 components[0] kustomize-missing: ../components/gone: the repository has no file or folder apps/components/gone: ${BUILD_FAILS}`,
      `error ${at}:16 components[1] kustomize-missing: ../components/file.yaml: apps/components/file.yaml is a file, and a component is a folder with a kustomization: ${BUILD_FAILS}`,
      `error ${at}:18 patches[0].path kustomize-missing: gone-patch.yaml: the repository has no file or folder apps/prod/gone-patch.yaml: ${BUILD_FAILS}`,
      `error ${at}:19 patches[1].path kustomize-missing: ../base: apps/base is a folder, not a file: ${BUILD_FAILS}`,
      `error ${at}:27 patchesStrategicMerge[0] kustomize-missing: also-gone.yaml: the repository has no file or folder apps/prod/also-gone.yaml: ${BUILD_FAILS}`,
      `error ${at}:29 bases[0] kustomize-missing: ../old-base: the repository has no file or folder apps/old-base: ${BUILD_FAILS}`,
    ]);
    assert.equal(code, 1, "a kustomization that does not build fails validation");
  });

  test("a repository whose kustomizations all build stays valid and silent", async () => {
    const dir = repoWith({
      "mesh.yaml": MESH,
      "apps/prod/kustomization.yaml": "resources:\n  - ../base\n  - extra/\n  - ./timeouts.yaml\ncomponents:\n  - ../components/tls\npatches:\n  - path: patch.yaml\n",
      "apps/prod/timeouts.yaml": TIMEOUT,
      "apps/prod/patch.yaml": "apiVersion: kuma.io/v1alpha1\nkind: MeshTimeout\nmetadata:\n  name: t1\n",
      "apps/prod/extra/Kustomization": "resources: []\n",
      "apps/base/kustomization.yml": "resources: []\n",
      "apps/components/tls/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n",
    });
    // A folder reached through a symbolic link: Git lists the link, not what is below it.
    symlinkSync("../shared", path.join(dir, "apps/linked"));
    commitFiles(dir, { "shared/base/kustomization.yaml": "resources: []\n", "apps/prod/kustomization.yaml": readFileSync(path.join(dir, "apps/prod/kustomization.yaml"), "utf8").replace("resources:\n", "resources:\n  - ../linked/base\n") });
    const { code, lines } = await validate(dir);
    assert.deepEqual(lines, []);
    assert.equal(code, 0);
  });

  // fileloader.go's errIfArgEqualOrHigher: a base at or above any folder on the way to it ("cycle detected").
  test("a base that is, or contains, a folder kustomize is building is an error at its entry: two overlays naming each other, a parent, the folder itself", async () => {
    const cycle = (entry: string, target: string, visited: string) =>
      `${entry}: kustomize refuses a base at or above a folder it is building (${target} contains ${visited}: "cycle detected"): ${BUILD_FAILS}`;
    const dir = repoWith({
      "mesh.yaml": MESH,
      "teams/a/kustomization.yaml": "namespace: team-a\nresources:\n  - ../b\n",
      "teams/b/kustomization.yaml": "resources:\n  - ../a\n  - timeouts.yaml\n",
      "teams/b/timeouts.yaml": TIMEOUT,
      "apps/kustomization.yaml": "resources:\n  - shared.yaml\n",
      "apps/shared.yaml": TIMEOUT.replace("name: t1", "name: t2"),
      "apps/prod/kustomization.yaml": "resources:\n  - ../\n",
      "self/kustomization.yaml": "resources:\n  - .\n",
    });
    const { code, lines } = await validate(dir);
    assert.deepEqual(lines, [
      `error apps/prod/kustomization.yaml:2 resources[0] kustomize-cycle: ${cycle("../", "apps", "apps/prod")}`,
      `error self/kustomization.yaml:2 resources[0] kustomize-cycle: ${cycle(".", "self", "self")}`,
      `error teams/a/kustomization.yaml:3 resources[0] kustomize-cycle: ${cycle("../b", "teams/b", "teams/b")}`,
      `error teams/b/kustomization.yaml:2 resources[0] kustomize-cycle: ${cycle("../a", "teams/a", "teams/a")}`,
    ]);
    assert.equal(code, 1);
  });

  test("bases shared by overlays (a diamond) are no cycle", async () => {
    const dir = repoWith({
      "mesh.yaml": MESH,
      "kustomization.yaml": "resources:\n  - overlays/a\n  - overlays/b\n",
      "overlays/a/kustomization.yaml": "resources:\n  - ../../base\n",
      "overlays/b/kustomization.yaml": "resources:\n  - ../../base\ncomponents:\n  - ../../components/x\n",
      "base/kustomization.yaml": "resources:\n  - timeouts.yaml\n",
      "base/timeouts.yaml": TIMEOUT,
      "components/x/kustomization.yaml": "kind: Component\n",
    });
    const { code, lines } = await validate(dir);
    assert.deepEqual(lines, []);
    assert.equal(code, 0);
  });

  test("an entry outside --path is a warning that it is not read; one missing there is not known and not said", async () => {
    const dir = repoWith({
      "mesh/meshops.yaml": "controlPlane:\n  version: 2.14.3\n",
      "mesh/mesh.yaml": MESH,
      "mesh/prod/kustomization.yaml": "resources:\n  - ../../shared/base\n  - timeouts.yaml\n",
      "mesh/prod/timeouts.yaml": TIMEOUT,
      "shared/base/kustomization.yaml": "resources: []\n",
    });
    const { lines } = await validate(dir, "--path", "mesh");
    assert.deepEqual(lines, [
      "warning mesh/prod/kustomization.yaml:2 resources[0] kustomize-not-read: ../../shared/base (shared/base) is not read: it is outside the folder meshops reads (mesh), so what kustomize adds from it is not checked",
    ]);
  });

  test("a Flux Kustomization's spec.path that is not a folder: an error from this repository's source, a warning from another", async () => {
    const flux = (name: string, source: string, spec: string) =>
      `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: ${name}\n  namespace: flux-system\nspec:\n  interval: 10m\n  sourceRef:\n    kind: GitRepository\n    name: ${source}\n${spec}`;
    const dir = repoWith({
      "mesh.yaml": MESH,
      "apps/timeouts.yaml": TIMEOUT,
      "clusters/prod/apps.yaml": [
        flux("apps", "flux-system", "  path: ./apps\n"),
        flux("infra", "flux-system", "  path: ./infrastructure/prod\n"),
        flux("podinfo", "podinfo", "  path: ./kustomize\n"),
      ].join("---\n"),
    });
    const { code, lines } = await validate(dir);
    assert.deepEqual(lines, [
      'error clusters/prod/apps.yaml:23 spec.path kustomize-missing: spec.path ./infrastructure/prod: the repository has no folder infrastructure/prod, so Flux cannot build this Kustomization ("kustomization path not found")',
      'warning clusters/prod/apps.yaml:35 spec.path kustomize-not-read: spec.path ./kustomize: this repository has no folder kustomize: not read; if its source (GitRepository flux-system/podinfo) is this repository, Flux cannot build this Kustomization ("kustomization path not found")',
    ]);
    assert.equal(code, 1);
  });

  test("the working tree and an incremental read know the paths a commit adds and removes", async () => {
    const dir = repoWith({
      "mesh.yaml": MESH,
      "apps/kustomization.yaml": "resources:\n  - timeouts.yaml\n  - ports.json\n",
      "apps/timeouts.yaml": TIMEOUT,
    });
    const missing = (result: ReturnType<typeof validateSnapshot>) => result.diagnostics.filter((d) => d.rule === "kustomize-missing").map((d) => `${d.file}:${d.line} ${d.path}`);
    const first = await readSnapshot({ repo: dir, ref: "HEAD" });
    assert.deepEqual(missing(validateSnapshot(first)), ["apps/kustomization.yaml:3 resources[1]"]);

    // Uncommitted: the file is there in the working tree, not in the commit; a committed one deleted is missing there.
    writeFileSync(path.join(dir, "apps/ports.json"), "{}\n");
    assert.deepEqual(missing(validateSnapshot(await readSnapshot({ repo: dir, ref: "WORKTREE" }))), []);
    rmSync(path.join(dir, "apps/timeouts.yaml"));
    assert.deepEqual(missing(validateSnapshot(await readSnapshot({ repo: dir, ref: "WORKTREE" }))), ["apps/kustomization.yaml:2 resources[0]"]);
    git(dir, "checkout", "--", "apps/timeouts.yaml");

    // Committed: read from the first snapshot (only the changes), the file is found; removed again, it is missing.
    commitFiles(dir, {});
    const added = await readSnapshot({ repo: dir, ref: "HEAD", previous: first });
    assert.deepEqual(missing(validateSnapshot(added)), []);
    rmSync(path.join(dir, "apps/ports.json"));
    mkdirSync(path.join(dir, "apps/more"), { recursive: true });
    writeFileSync(path.join(dir, "apps/more/notes.txt"), "x\n");
    git(dir, "add", "-A");
    git(dir, "commit", "-q", "-m", "remove ports.json");
    const removed = await readSnapshot({ repo: dir, ref: "HEAD", previous: added });
    assert.deepEqual(missing(validateSnapshot(removed)), ["apps/kustomization.yaml:3 resources[1]"]);
    assert.ok(removed.paths?.has("apps/more/notes.txt"), "a file of any kind a commit adds is a path of the next snapshot");
    // The same through a long-running reader's cat-file process (the daemon's), which compares the trees itself.
    const objects = new GitObjects(dir);
    cleanups.push(() => objects.close());
    const viaObjects = await readSnapshot({ repo: dir, ref: "HEAD", previous: added, objects });
    assert.notEqual(viaObjects, removed);
    assert.deepEqual([...(viaObjects.paths ?? [])].sort(), [...(removed.paths ?? [])].sort());
    assert.deepEqual(missing(validateSnapshot(viaObjects)), ["apps/kustomization.yaml:3 resources[1]"]);
  });
});
