/**
 * deploy/argocd/plugin.yaml run the way Argo CD's plugin server (argocd-cmp-server) runs it: its generate command
 * exec'd without a shell in the Application's source folder, with Argo CD's build environment (ARGOCD_APP_*,
 * KUBE_VERSION, ARGOCD_ENV_* from the Application) and nothing else, the repository with its .git folder (the default)
 * and without it (`reposerver.plugin.tar.exclusions: .git/*`). The contract: standard output is nothing but
 * Kubernetes objects in YAML, a failure exits non-zero with the problems on standard error and nothing on standard
 * output (an empty but successful render would let Argo CD prune everything).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { parse, parseAllDocuments } from "yaml";
import { commitFiles, git, projectRoot } from "./helpers/git.js";

const work = mkdtempSync(path.join(tmpdir(), "meshops-cmp-"));
after(() => rmSync(work, { recursive: true, force: true }));

interface PluginSpec {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: { version?: string; generate: { command: string[]; args?: string[] }; discover?: { fileName?: string }; init?: unknown };
}
const plugin = parse(readFileSync(path.join(projectRoot, "deploy", "argocd", "plugin.yaml"), "utf8")) as PluginSpec;

/** The generate command as the plugin server execs it, the image's /app being this checkout. */
function generate(appDir: string, env: Record<string, string>) {
  const [program = "", ...rest] = [...plugin.spec.generate.command, ...(plugin.spec.generate.args ?? [])];
  const args = rest.map((arg) => (arg.startsWith("/app/") ? path.join(projectRoot, arg.slice("/app/".length)) : arg));
  assert.equal(program, "node");
  return spawnSync(process.execPath, args, { cwd: appDir, env, encoding: "utf8", timeout: 60_000 });
}

/** Argo CD's build environment for an Application whose source is `mesh-config` of a repository. */
const buildEnv = (revision: string): Record<string, string> => ({
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  ARGOCD_APP_NAME: "meshes",
  ARGOCD_APP_NAMESPACE: "argocd",
  ARGOCD_APP_REVISION: revision,
  ARGOCD_APP_REVISION_SHORT: revision.slice(0, 7),
  ARGOCD_APP_SOURCE_PATH: "mesh-config",
  ARGOCD_APP_SOURCE_REPO_URL: "https://git.example.com/platform/mesh-config.git",
  ARGOCD_APP_SOURCE_TARGET_REVISION: "main",
  KUBE_VERSION: "1.33.0",
  KUBE_API_VERSIONS: "v1,apps/v1,kuma.io/v1alpha1",
  ARGOCD_ENV_TEAM: "platform",
});

test("plugin.yaml is a sidecar ConfigManagementPlugin that discovers meshops repositories", () => {
  assert.equal(plugin.apiVersion, "argoproj.io/v1alpha1");
  assert.equal(plugin.kind, "ConfigManagementPlugin");
  assert.equal(plugin.metadata.name, "meshops");
  assert.ok(Array.isArray(plugin.spec.generate.command), "exec'd without a shell: no pipe can hide a failure");
  assert.equal(plugin.spec.discover?.fileName, "./meshops.yaml");
  assert.ok(existsSync(path.join(projectRoot, "sample-repo", "meshops.yaml")), "sample-repo is discovered");
});

test("the generate command as Argo CD runs it: manifests alone on stdout, with or without .git; failures exit 1 with nothing on stdout", () => {
  const repo = path.join(work, "checkout");
  git(work, "init", "-q", "-b", "main", repo);
  cpSync(path.join(projectRoot, "sample-repo"), path.join(repo, "mesh-config"), { recursive: true });
  const revision = commitFiles(repo, {}, "mesh config");
  const appDir = path.join(repo, "mesh-config");

  const withGit = generate(appDir, buildEnv(revision));
  assert.equal(withGit.status, 0, withGit.stderr);
  const documents = parseAllDocuments(withGit.stdout);
  assert.ok(documents.length > 50);
  for (const document of documents) {
    assert.deepEqual(document.errors, []);
    const object = document.toJS() as { apiVersion?: string; kind?: string; metadata?: { name?: string; labels?: Record<string, string> } };
    assert.equal(object.apiVersion, "kuma.io/v1alpha1");
    assert.ok(object.kind && object.metadata?.name, "a Kubernetes object");
    assert.equal(object.metadata.labels?.["meshops.io/managed-by"], "meshops");
  }
  assert.doesNotMatch(withGit.stdout, /^#/m, "no comments or notes in the stream");
  assert.match(withGit.stderr, /^meshops: 1 Secret left out/m, "notes go to stderr, which Argo CD logs");

  // The repository as a tarball without .git, extracted elsewhere: the same manifests.
  const extracted = path.join(work, "extracted");
  cpSync(repo, extracted, { recursive: true, filter: (source) => !source.split(path.sep).includes(".git") });
  const withoutGit = generate(path.join(extracted, "mesh-config"), buildEnv(revision));
  assert.equal(withoutGit.status, 0, withoutGit.stderr);
  assert.equal(withoutGit.stdout, withGit.stdout);

  // An invalid repository fails the generation: its problems on stderr (shown in Argo CD's UI), nothing on stdout.
  writeFileSync(path.join(extracted, "mesh-config", "meshes", "payments", "broken.yaml"), "type: MeshTimeout\nmesh: payments\nname: broken\nspec: {targetRef: {kind: Nothing}}\n");
  const invalid = generate(path.join(extracted, "mesh-config"), buildEnv(revision));
  assert.equal(invalid.status, 1);
  assert.equal(invalid.stdout, "");
  assert.match(invalid.stderr, /^meshes\/payments\/broken\.yaml:4:\d+: error: MeshTimeout\/payments\/broken spec\.targetRef\.kind/m);
});
