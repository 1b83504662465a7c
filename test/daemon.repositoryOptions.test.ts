/**
 * `watch` reads the repository as the other commands do: `--exclude`, `--allow-empty` and `--deprecations-as-errors`
 * mean for the daemon what they mean for `validate`, `plan` and `apply`. A real Git repository, the daemon as a child
 * process on an embedded control plane (--state-dir).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import type { StatusJson } from "../src/daemon/statusTypes.js";
import { exitWithin, killAll, startWatch, waitFor, type DaemonProcess } from "./helpers/daemon.js";
import { commitFiles, git, tempRepo } from "./helpers/git.js";

const work = mkdtempSync(path.join(tmpdir(), "meshops-watch-options-"));
const repos: (() => void)[] = [];
after(() => {
  killAll();
  repos.forEach((cleanup) => cleanup());
  rmSync(work, { recursive: true, force: true });
});

const mesh = "type: Mesh\nname: shop\nskipCreatingInitialPolicies: ['*']\n";
/** MeshTrafficPermission's `from` is deprecated: the control plane accepts it and warns. */
const permission =
  "type: MeshTrafficPermission\nname: allow-web\nmesh: shop\nspec:\n  targetRef:\n    kind: Mesh\n  from:\n    - targetRef:\n        kind: Mesh\n      default:\n        action: Allow\n";

function repoWith(files: Record<string, string>): string {
  const repo = tempRepo("meshops-watch-options-repo-");
  repos.push(repo.cleanup);
  commitFiles(repo.dir, files);
  return repo.dir;
}

/** The daemon's status once it has attempted the head. */
async function attempted(dir: string, args: readonly string[]): Promise<{ daemon: DaemonProcess; status: StatusJson }> {
  const daemon = await startWatch(["--repo", dir, "--branch", "main", "--state-dir", mkdtempSync(path.join(work, "cp-")), "--drift-interval", "1h", ...args], { cwd: work });
  const head = git(dir, "rev-parse", "HEAD");
  const status = await waitFor("the head attempted", async () => {
    const s = await daemon.status();
    return s.revision.attempted?.commit === head && s.state === "idle" ? s : undefined;
  });
  return { daemon, status };
}

async function stop(daemon: DaemonProcess): Promise<void> {
  daemon.child.kill("SIGTERM");
  assert.equal((await exitWithin(daemon, 10_000)).code, 0);
}

test("--exclude leaves a folder out, as validate's does: its broken file holds nothing back", async () => {
  const dir = repoWith({ "meshes/shop/mesh.yaml": mesh, "charts/app/templates/broken.yaml": "{{- if .Values.on }}\nkind: MeshTimeout\n{{- end }}\n" });
  const { daemon, status } = await attempted(dir, ["--exclude", "charts"]);
  assert.equal(status.revision.applied?.commit, git(dir, "rev-parse", "HEAD"));
  assert.deepEqual(status.validation?.diagnostics.filter((d) => d.severity === "error"), []);
  await stop(daemon);
});

test("--deprecations-as-errors makes a deprecated field an error that holds its mesh back, as it fails validate", async () => {
  const dir = repoWith({ "meshes/shop/mesh.yaml": mesh, "meshes/shop/permissions.yaml": permission });
  const { daemon, status } = await attempted(dir, ["--deprecations-as-errors"]);
  assert.equal(status.validation?.valid, false);
  assert.deepEqual(
    status.validation?.diagnostics.filter((d) => d.severity === "error").map((d) => [d.file, d.rule]),
    [["meshes/shop/permissions.yaml", "deprecation"]],
  );
  assert.equal(status.meshes.find((m) => m.name === "shop")?.headApplied, false);
  await stop(daemon);
});

test("--allow-empty: a --path with no configuration is a valid revision with nothing in it, not an error", async () => {
  const dir = repoWith({ "meshes/shop/mesh.yaml": mesh, "empty/README.md": "nothing here yet\n" });
  const { daemon, status } = await attempted(dir, ["--path", "empty", "--allow-empty"]);
  assert.equal(status.validation?.valid, true);
  assert.equal(status.revision.applied?.commit, git(dir, "rev-parse", "HEAD"));
  await stop(daemon);
});
