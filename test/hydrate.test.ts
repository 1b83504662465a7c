/**
 * `meshops hydrate --branch rendered --remote origin` on a real Git remote (a bare repository): one commit per source
 * commit with the source revision in its message and trailer, the whole tree replaced each time (files of resources
 * that are gone disappear), nothing committed for an invalid render, and a branch holding a commit meshops did not
 * write refused with that commit named.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { runCli, spawnCli } from "./helpers/cli.js";
import { exitWithin, killAll, startWatch } from "./helpers/daemon.js";
import { commitFiles, git } from "./helpers/git.js";

const work = mkdtempSync(path.join(tmpdir(), "meshops-hydrate-"));
after(() => {
  killAll();
  rmSync(work, { recursive: true, force: true });
});

const policy = (mesh: string, name: string, idle: string) =>
  `type: MeshTimeout\nmesh: ${mesh}\nname: ${name}\nspec: {targetRef: {kind: Mesh}, to: [{targetRef: {kind: Mesh}, default: {idleTimeout: ${idle}}}]}\n`;

const BASE = {
  "config/meshops.yaml": 'controlPlane:\n  version: "2.14.3"\n',
  "config/mesh.yaml": "type: Mesh\nname: payments\nskipCreatingInitialPolicies: ['*']\n",
  "config/checkout.yaml": policy("payments", "checkout", "30s"),
  "config/ledger.yaml": policy("payments", "ledger", "1m"),
  "README.md": "the source repository\n",
};

/** The branch on the remote: commits newest first, with subject, trailer and parents, and the files of the tip. */
function remoteBranch(remote: string, branch = "rendered") {
  const log = git(remote, "log", "--format=%H %P%x1f%s%x1f%(trailers:key=Meshops-Source-Revision,valueonly)%x1e", branch);
  const commits = log
    .split("\x1e")
    .map((r) => r.trim())
    .filter(Boolean)
    .map((r) => {
      const [ids = "", subject = "", source = ""] = r.split("\x1f");
      const [id = "", ...parents] = ids.split(" ").filter(Boolean);
      return { id, parents, subject, source: source.trim() };
    });
  const files = git(remote, "ls-tree", "-r", "--name-only", branch).split("\n").filter(Boolean);
  return { commits, files, show: (file: string) => git(remote, "show", `${branch}:${file}`) };
}

/** A bare repository and a clone of it (origin) with BASE committed. */
function remoteAndSource(name: string, message: string): { remote: string; source: string; first: string } {
  const remote = path.join(work, `${name}-remote.git`);
  git(work, "init", "-q", "--bare", "-b", "main", remote);
  const source = path.join(work, `${name}-source`);
  git(work, "clone", "-q", remote, source);
  return { remote, source, first: commitFiles(source, BASE, message) };
}

test("hydrate onto a bare remote: one commit per source commit, trailer and message, stale files gone, foreign commits refused", async () => {
  const { remote, source, first } = remoteAndSource("cli", "payments: timeouts");
  git(source, "push", "-q", "origin", "HEAD:main");

  const hydrate = (...extra: string[]) => runCli(["hydrate", "--branch", "rendered", "--remote", "origin", "--path", "config", ...extra], source);
  const run1 = await hydrate();
  assert.equal(run1.code, 0, run1.stderr);
  assert.match(run1.stdout, new RegExp(`^rendered on origin: [0-9a-f]{12} hydrates ${first.slice(0, 12)} \\(3 manifests\\)\\n$`));
  let branch = remoteBranch(remote);
  assert.equal(branch.commits.length, 1);
  assert.deepEqual(branch.commits[0]?.parents, [], "the branch starts with meshops's first commit");
  assert.equal(branch.commits[0]?.source, first);
  assert.equal(branch.commits[0]?.subject, `meshops: hydrate ${first.slice(0, 12)} payments: timeouts`);
  assert.match(git(remote, "log", "-1", "--format=%B", "rendered"), new RegExp(`from config at ${first}\\.\\n\\nMeshops-Source-Revision: ${first}$`));
  assert.deepEqual(branch.files, ["payments/mesh.yaml", "payments/meshtimeouts/kuma-system/checkout.yaml", "payments/meshtimeouts/kuma-system/ledger.yaml"]);
  // The files are `render --format kubernetes --out` of that commit: the same layout, the same bytes.
  await runCli(["render", "--format", "kubernetes", "--path", "config", "--out", path.join(work, "out")], source);
  assert.equal(branch.show("payments/meshtimeouts/kuma-system/ledger.yaml") + "\n", readFileSync(path.join(work, "out", "payments/meshtimeouts/kuma-system/ledger.yaml"), "utf8"));
  assert.equal(git(source, "branch", "--list", "rendered"), "", "no local branch is made or touched with --remote");

  // The same source commit again: nothing to do.
  const again = await hydrate();
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /^rendered on origin is up to date/);
  assert.equal(remoteBranch(remote).commits.length, 1);

  // The next source commit: ledger gone, checkout changed. One more commit; the ledger's file is gone with it.
  git(source, "rm", "-q", "config/ledger.yaml");
  const second = commitFiles(source, { "config/checkout.yaml": policy("payments", "checkout", "45s") }, "payments: drop ledger timeouts");
  const run2 = await hydrate();
  assert.equal(run2.code, 0, run2.stderr);
  branch = remoteBranch(remote);
  assert.deepEqual(branch.commits.map((c) => c.source), [second, first]);
  assert.deepEqual(branch.commits[0]?.parents, [branch.commits[1]?.id]);
  assert.deepEqual(branch.files, ["payments/mesh.yaml", "payments/meshtimeouts/kuma-system/checkout.yaml"]);
  assert.match(branch.show("payments/meshtimeouts/kuma-system/checkout.yaml"), /idleTimeout: 45s/);

  // A render the Kubernetes API would reject: nothing is committed or pushed.
  const tipBefore = branch.commits[0]?.id;
  commitFiles(source, { "config/other.yaml": "type: Mesh\nname: other\nskipCreatingInitialPolicies: ['*']\n---\n" + policy("other", "checkout", "1s") }, "other: same name");
  const rejected = await hydrate();
  assert.equal(rejected.code, 1);
  assert.match(rejected.stderr, /^config\/checkout\.yaml:1:1: error: MeshTimeout\/payments\/checkout metadata\.name: MeshTimeout checkout in namespace kuma-system is also MeshTimeout\/other\/checkout \(config\/other\.yaml:5\): one Kubernetes object cannot be both; rename one \[kubernetes-manifest\]$/m);
  assert.equal(remoteBranch(remote).commits[0]?.id, tipBefore);
  git(source, "rm", "-q", "config/other.yaml");
  commitFiles(source, {}, "other: removed");

  // Someone commits to the branch by hand: the next hydrate refuses and names that commit; the remote is untouched.
  const person = path.join(work, "person");
  git(work, "clone", "-q", "-b", "rendered", remote, person);
  const hand = commitFiles(person, { "payments/meshtimeouts/kuma-system/checkout.yaml": "hand edit\n" }, "hotfix: longer timeout");
  git(person, "push", "-q", "origin", "rendered");
  const refused = await hydrate();
  assert.equal(refused.code, 1);
  assert.equal(refused.stdout, "");
  assert.match(
    refused.stderr,
    new RegExp(`^meshops: refusing to hydrate branch rendered: it has 1 commit meshops did not write \\(no Meshops-Source-Revision trailer\\): ${hand.slice(0, 12)} "hotfix: longer timeout"; `, "m"),
  );
  assert.equal(remoteBranch(remote).commits[0]?.id, hand);
});

test("hydrate without a remote: the local branch, compare-and-swap; never the branch that is checked out; never WORKTREE", async () => {
  const source = path.join(work, "local");
  git(work, "init", "-q", "-b", "main", source);
  const first = commitFiles(source, BASE, "first");
  const run = await runCli(["hydrate", "--branch", "rendered", "--path", "config"], source);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(git(source, "log", "-1", "--format=%(trailers:key=Meshops-Source-Revision,valueonly)", "rendered").trim(), first);
  assert.equal(git(source, "rev-parse", "--abbrev-ref", "HEAD"), "main", "the working copy stays where it was");
  // Hydrating the same commit onto the same tip elsewhere gives the same commit: dated by the source commit.
  const twin = path.join(work, "twin");
  git(work, "clone", "-q", source, twin);
  git(twin, "update-ref", "-d", "refs/remotes/origin/rendered");
  const again = await runCli(["hydrate", "--branch", "rendered-twin", "--path", "config"], twin);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(git(twin, "rev-parse", "rendered-twin^{tree}"), git(source, "rev-parse", "rendered^{tree}"));

  // The branch is checked out: moving it would leave that working copy behind its branch.
  commitFiles(source, { "config/checkout.yaml": policy("payments", "checkout", "2m") }, "second");
  git(source, "checkout", "-q", "rendered");
  const checkedOut = await runCli(["hydrate", "--branch", "rendered", "--ref", "main", "--path", "config"], source);
  assert.equal(checkedOut.code, 1);
  assert.equal(checkedOut.stderr, "meshops: refusing to hydrate branch rendered: it is checked out here; hydrate to a branch nobody works on\n");
  commitFiles(source, {}, "on the branch");
  git(source, "checkout", "-q", "main");
  const foreign = await runCli(["hydrate", "--branch", "rendered", "--path", "config"], source);
  assert.equal(foreign.code, 1);
  assert.match(foreign.stderr, /it has 1 commit meshops did not write .*"on the branch"/);
  // A branch of the source's own history is someone else's too.
  const main = await runCli(["hydrate", "--branch", "main", "--ref", "main~1", "--path", "config"], source);
  assert.equal(main.code, 1);
  assert.match(main.stderr, /it has 2 commits meshops did not write/);
  const worktree = await runCli(["hydrate", "--branch", "rendered", "--ref", "WORKTREE", "--path", "config"], source);
  assert.equal(worktree.code, 1);
  assert.equal(worktree.stderr, "meshops: hydrate commits what a source commit renders: --ref WORKTREE has no commit\n");
  // Nor does its help offer WORKTREE, as the other commands' does.
  const help = await runCli(["hydrate", "--help"], source);
  assert.match(help.stdout, /^ {2}--ref <rev> +the source commit to render/m);
  assert.doesNotMatch(help.stdout, /WORKTREE for uncommitted files/);
  const option = await runCli(["hydrate", "--branch", "rendered", "--remote=--upload-pack=touch x", "--path", "config"], source);
  assert.equal(option.stderr, "meshops: --remote --upload-pack=touch x: not a remote name or URL\n", "a remote never reads as an option of Git's");
});

test("watch --hydrate-branch: each valid revision hydrated onto the remote branch as it arrives; a failure is logged, the daemon goes on", async () => {
  const { remote, source, first } = remoteAndSource("watch", "first");
  const daemon = await startWatch(
    ["--repo", source, "--branch", "main", "--path", "config", "--hydrate-branch", "rendered", "--hydrate-remote", "origin", "--state-dir", path.join(work, "watch-cp"), "--drift-interval", "1h"],
    { cwd: work },
  );
  try {
    const done = await daemon.untilLog("the first revision hydrated", (e) => e.event === "hydrate.done" && e.revision === first, 60_000);
    assert.match(String(done.msg), new RegExp(`^rendered on origin: [0-9a-f]{12} hydrates ${first.slice(0, 12)} \\(3 manifests\\)$`));
    assert.deepEqual(remoteBranch(remote).commits.map((c) => c.source), [first]);
    // The status says it too: /api/status, which the page shows.
    const hydrated = (await daemon.status()).hydration;
    assert.deepEqual([hydrated?.branch, hydrated?.remote, hydrated?.last?.revision, hydrated?.last?.ok, hydrated?.last?.message], ["rendered", "origin", first, true, done.msg]);

    const second = commitFiles(source, { "config/checkout.yaml": policy("payments", "checkout", "90s") }, "second");
    await daemon.untilLog("the second revision hydrated", (e) => e.event === "hydrate.done" && e.revision === second, 60_000);
    const branch = remoteBranch(remote);
    assert.deepEqual(branch.commits.map((c) => c.source), [second, first]);
    assert.match(branch.show("payments/meshtimeouts/kuma-system/checkout.yaml"), /idleTimeout: 90s/);

    // A hand-made commit on the branch: the next hydrate fails with its reason in the log; the daemon keeps running.
    const person = path.join(work, "watch-person");
    git(work, "clone", "-q", "-b", "rendered", remote, person);
    const hand = commitFiles(person, { "note.txt": "hand edit\n" }, "hand edit");
    git(person, "push", "-q", "origin", "rendered");
    const third = commitFiles(source, { "config/checkout.yaml": policy("payments", "checkout", "2m") }, "third");
    const failed = await daemon.untilLog("the refused hydrate", (e) => e.event === "hydrate.failed" && e.revision === third, 60_000);
    assert.match(String(failed.msg), new RegExp(`refusing to hydrate branch rendered: it has 1 commit meshops did not write .*${hand.slice(0, 12)} "hand edit"`));
    assert.equal(remoteBranch(remote).commits[0]?.id, hand);
    const refused = (await daemon.status()).hydration?.last;
    assert.deepEqual([refused?.revision, refused?.ok, refused?.message], [third, false, failed.msg]);
    assert.ok(refused?.problems.some((line) => line.includes(hand.slice(0, 12))));
    assert.ok((await fetch(`${daemon.url}/healthz`)).ok);
  } finally {
    daemon.child.kill("SIGTERM");
    await exitWithin(daemon, 30_000);
  }
});

test("a token in a remote URL is refused before git runs, and not shown: hydrate --remote, watch --repo and --hydrate-remote", async () => {
  const { source } = remoteAndSource("token-url", "source");
  const token = "ghp_UrlToken4bc91e";
  const url = `https://x-access-token:${token}@git.example.invalid/acme/mesh-config.git`;
  // The daemon runs as a process: accepted, it would go on running (and the test would fail on the deadline).
  const watch = (args: string[]) => spawnCli(["watch", "--listen", "127.0.0.1:0", "--state-dir", path.join(work, "token-url-cp"), "--cache-dir", path.join(work, "token-url-cache"), ...args], work).exit(15_000);
  const runs = [
    ["hydrate --remote", await runCli(["hydrate", "--repo", source, "--path", "config", "--branch", "rendered", "--remote", url], work)],
    ["watch --repo", await watch(["--repo", url])],
    ["watch --hydrate-remote", await watch(["--repo", source, "--hydrate-branch", "rendered", "--hydrate-remote", url])],
  ] as const;
  for (const [what, run] of runs) {
    assert.equal(run.code, 1, `${what}: ${run.stderr}`);
    assert.match(run.stderr, /https:\/\/git\.example\.invalid\/acme\/mesh-config\.git: a password or token in the URL would be kept in \.git\/config.*; (give the token in a file with --git-token-file|use git's own credentials)/, what);
    assert.ok(!`${run.stdout}${run.stderr}`.includes(token), `${what} shows the token: ${run.stderr}`);
  }
  // A token as the user name (GitHub takes https://TOKEN@github.com/...) is a token all the same.
  const asUser = await runCli(["hydrate", "--repo", source, "--path", "config", "--branch", "rendered", "--remote", `https://${token}@git.example.invalid/acme/mesh-config.git`], work);
  assert.equal(asUser.code, 1, asUser.stderr);
  assert.match(asUser.stderr, /https:\/\/git\.example\.invalid\/acme\/mesh-config\.git: a password or token in the URL/);
  assert.ok(!`${asUser.stdout}${asUser.stderr}`.includes(token), asUser.stderr);
  // A user name alone is no secret (ssh://git@host/...): not refused for that.
  const ssh = await runCli(["hydrate", "--repo", source, "--path", "config", "--branch", "rendered", "--remote", "ssh://git@git.example.invalid/acme/x.git"], work);
  assert.doesNotMatch(ssh.stderr, /password or token/);
});
