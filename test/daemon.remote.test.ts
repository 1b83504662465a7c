/**
 * A remote repository (`--repo URL --branch main`): cloned into a cache folder, fetched every --interval, and at once
 * on a signed webhook. The "remote" is a bare repository in a temporary folder, reached through a file:// URL.
 */
import assert from "node:assert/strict";
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { signatureOf } from "../src/daemon/webhook.js";
import { exitWithin, killAll, startWatch, waitFor, type DaemonProcess } from "./helpers/daemon.js";
import { commitFiles, git } from "./helpers/git.js";
import { meshTimeoutYaml } from "./helpers/policies.js";

const SECRET = "remote-webhook-secret-3e8d";
const work = mkdtempSync(path.join(tmpdir(), "meshops-daemon-remote-"));
const origin = path.join(work, "origin.git");
const clone = path.join(work, "clone");
const url = `file://${origin}`;

const meshFile = (idleTimeout: string) => `type: Mesh\nname: remote\n---\n${meshTimeoutYaml("t", "remote", idleTimeout)}`;

/** Commits in the working clone and pushes to the "remote"; returns the commit. */
function push(idleTimeout: string): string {
  const commit = commitFiles(clone, { "config/remote.yaml": meshFile(idleTimeout) }, `idle timeout ${idleTimeout}`);
  git(clone, "push", "-q", "origin", "main");
  return commit;
}

const daemonArgs = (interval: string) => [
  "--repo", url,
  "--branch", "main",
  "--path", "config",
  "--interval", interval,
  "--cache-dir", path.join(work, "repos"),
  "--state-dir", path.join(work, "cp"),
  "--webhook-secret-file", path.join(work, "secret"),
  "--drift-interval", "1h",
];

const appliedCommit = async (daemon: DaemonProcess) => (await daemon.status()).revision.applied?.commit;

before(() => {
  git(work, "init", "-q", "--bare", "-b", "main", origin);
  git(work, "clone", "-q", origin, clone);
  git(clone, "checkout", "-q", "-b", "main");
  writeFileSync(path.join(work, "secret"), SECRET);
});
after(() => {
  killAll();
  rmSync(work, { recursive: true, force: true });
});

test("a remote repository is cloned, applied, and fetched every --interval", async () => {
  const first = push("1m");
  const daemon = await startWatch(daemonArgs("500ms"), { cwd: work });
  await waitFor("the clone to be applied", async () => ((await appliedCommit(daemon)) === first ? true : undefined), 15_000);
  const status = await daemon.status();
  assert.deepEqual(status.repository, { url, kind: "remote", branch: "main", remote: "origin", path: "config" });

  const second = push("2m");
  await waitFor("the poll to fetch and apply the push", async () => ((await appliedCommit(daemon)) === second ? true : undefined), 10_000);
  daemon.child.kill("SIGTERM");
  assert.equal((await exitWithin(daemon, 10_000)).code, 0);
});

test("a signed webhook fetches at once, long before the next poll", async () => {
  const daemon = await startWatch(daemonArgs("1h"), { cwd: work });
  const head = git(clone, "rev-parse", "HEAD");
  await waitFor("the existing clone to be fetched and applied", async () => ((await appliedCommit(daemon)) === head ? true : undefined), 15_000);

  const pushed = push("3m");
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(await appliedCommit(daemon), head, "nothing fetched without a trigger");
  const body = JSON.stringify({ ref: "refs/heads/main", after: pushed });
  const res = await fetch(`${daemon.url}/api/webhook`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-github-event": "push", "x-hub-signature-256": signatureOf(SECRET, Buffer.from(body)) },
    body,
  });
  assert.equal(res.status, 202);
  const started = Date.now();
  await waitFor("the webhook's fetch to be applied", async () => ((await appliedCommit(daemon)) === pushed ? true : undefined), 10_000);
  assert.ok(Date.now() - started < 5_000);
  const status = await daemon.status();
  assert.ok(status.reconciles[0]?.reasons.includes("webhook"), JSON.stringify(status.reconciles[0]));
  daemon.child.kill("SIGTERM");
  assert.equal((await exitWithin(daemon, 10_000)).code, 0);
});

test("a fetch that fails keeps the last good revision, says so, and the next good fetch goes on", async () => {
  const daemon = await startWatch(daemonArgs("300ms"), { cwd: work });
  const head = git(clone, "rev-parse", "HEAD");
  await waitFor("the clone to be applied", async () => ((await appliedCommit(daemon)) === head ? true : undefined), 15_000);
  const moved = path.join(work, "origin-away.git");
  renameSync(origin, moved);
  try {
    const logged = await daemon.untilLog("the failed fetch", (e) => e.event === "source.fetch-failed", 15_000);
    assert.equal(logged.kept, head);
    const status = await daemon.status();
    assert.match(status.lastError?.message ?? "", /^fetch failed: /);
    assert.equal(status.revision.applied?.commit, head);
    assert.equal(status.meshes.find((m) => m.name === "remote")?.state, "in-sync", "the last good revision is still what the control plane holds");
  } finally {
    renameSync(moved, origin);
  }
  const pushed = push("4m");
  await waitFor("the next fetch to be applied", async () => ((await appliedCommit(daemon)) === pushed ? true : undefined), 15_000);
  daemon.child.kill("SIGTERM");
  assert.equal((await exitWithin(daemon, 10_000)).code, 0);
});

test("the branch deleted on the remote, then pushed again onto an unrelated commit: the last revision is kept and said to be, then the new one followed", async () => {
  const daemon = await startWatch([...daemonArgs("300ms"), "--state-dir", path.join(work, "cp3")], { cwd: work });
  const head = push("5m");
  await waitFor("the head to be applied", async () => ((await appliedCommit(daemon)) === head ? true : undefined), 15_000);
  const metric = async (name: string) => (await (await fetch(`${daemon.url}/metrics`)).text()).split("\n").find((l) => l.startsWith(`${name} `));

  // Deleted where it is kept (a push may not delete the remote's default branch; a hosting service's page may).
  git(origin, "update-ref", "-d", "refs/heads/main");
  const logged = await daemon.untilLog("the failed fetch", (e) => e.event === "source.fetch-failed", 15_000);
  assert.equal(logged.kept, head);
  const gone = await waitFor("the source problem in the status", async () => (await daemon.status()).sourceProblem ?? undefined, 15_000);
  assert.equal(gone.kept, head);
  assert.match(gone.message, /^fetch failed: .*main/);
  assert.equal(await metric("meshops_source_problem"), "meshops_source_problem 1");
  const status = await daemon.status();
  assert.deepEqual([status.revision.applied?.commit, status.meshes.find((m) => m.name === "remote")?.state], [head, "in-sync"], "the control plane still holds the last revision");

  // Pushed again, onto a commit that shares no history with the last one.
  git(clone, "checkout", "-q", "--orphan", "unrelated");
  const unrelated = commitFiles(clone, { "config/remote.yaml": meshFile("6m") }, "unrelated history");
  git(clone, "push", "-q", "-f", "origin", "unrelated:main");
  await waitFor("the unrelated commit applied", async () => ((await appliedCommit(daemon)) === unrelated ? true : undefined), 15_000);
  await daemon.untilLog("the rewrite in the log", (e) => e.event === "source.rewritten" && e.previous === head && e.revision === unrelated);
  await waitFor("the source problem gone", async () => ((await daemon.status()).sourceProblem === null ? true : undefined), 15_000);
  assert.equal(await metric("meshops_source_problem"), "meshops_source_problem 0");
  git(clone, "checkout", "-q", "-B", "main", "unrelated");
  git(clone, "branch", "-q", "-u", "origin/main");
  daemon.child.kill("SIGTERM");
  assert.equal((await exitWithin(daemon, 10_000)).code, 0);
});

test("a branch that cannot be fetched: the fetch retried with backoff, the kept revision not reconciled again, the failure said once with the next attempt; a forced reconcile compares in full; back, one line and the new revision", async () => {
  writeFileSync(path.join(work, "reconcile-token"), "remote-reconcile-token-9c1f");
  const daemon = await startWatch([...daemonArgs("300ms"), "--state-dir", path.join(work, "cp4"), "--reconcile-token-file", path.join(work, "reconcile-token"), "--log-level", "debug"], { cwd: work });
  const head = push("7m");
  await waitFor("the head to be applied", async () => ((await appliedCommit(daemon)) === head ? true : undefined), 15_000);
  const entries = () => daemon.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  const since = daemon.lines.length;
  const streak = () => entries().slice(since);

  git(origin, "update-ref", "-d", "refs/heads/main");
  // Two retries run (0.5-1 s and 1-2 s after the failures they follow) and a third is scheduled; the polls fetch
  // every 300 ms meanwhile.
  await daemon.untilLog("the third retry scheduled", (e) => e.event === "retry.scheduled" && Number(e.attempt) >= 3, 20_000);
  const retried = streak().filter((e) => e.event === "reconcile.nothing" && (e.reasons as string[]).includes("retry"));
  assert.ok(retried.length >= 2, "the retries fetched, and found nothing else to do");
  const said = streak().filter((e) => e.level === "error" || e.level === "warn");
  assert.deepEqual(said.map((e) => e.event), ["source.fetch-failed"], `said once for the streak:\n${said.map((e) => JSON.stringify(e)).join("\n")}`);
  const failed = streak().filter((e) => e.event === "source.fetch-failed");
  assert.equal(failed[0]?.kept, head);
  assert.match(String(failed[0]?.msg), /fetch failed.*next attempt in/);
  assert.ok(typeof failed[0]?.nextAttemptAt === "string", JSON.stringify(failed[0]));
  const reconciled = streak().filter((e) => e.event === "reconcile.start" || e.event === "plan.full");
  assert.deepEqual(reconciled, [], "the unchanged kept revision is not reconciled again at each retry");
  const problem = (await daemon.status()).sourceProblem;
  assert.equal(problem?.kept, head);
  assert.match(problem?.message ?? "", /^fetch failed: .*main/);
  assert.ok(problem?.nextAttemptAt && Date.parse(problem.nextAttemptAt) > Date.parse(problem.since), JSON.stringify(problem));
  assert.ok((problem?.attempts ?? 0) >= 3, JSON.stringify(problem));

  // Forced through the API: compared in full all the same.
  const forced = daemon.lines.length;
  const res = await fetch(`${daemon.url}/api/reconcile`, { method: "POST", headers: { authorization: "Bearer remote-reconcile-token-9c1f" } });
  assert.equal(res.status, 202);
  await daemon.untilLog("the forced reconcile compared", (e) => e.event === "plan.full" && daemon.lines.length > forced, 15_000);

  git(origin, "update-ref", "refs/heads/main", head);
  const pushed = push("8m");
  await waitFor("the new revision applied", async () => ((await appliedCommit(daemon)) === pushed ? true : undefined), 15_000);
  const recovered = streak().filter((e) => e.event === "source.recovered");
  assert.equal(recovered.length, 1);
  assert.equal((await daemon.status()).sourceProblem, null);
  daemon.child.kill("SIGTERM");
  assert.equal((await exitWithin(daemon, 10_000)).code, 0);
});

test("an unreachable repository does not stop the daemon: it says why and keeps trying", async () => {
  const daemon = await startWatch([...daemonArgs("1h"), "--repo", `file://${path.join(work, "missing.git")}`, "--state-dir", path.join(work, "cp2")], { cwd: work });
  const status = await waitFor("the error in the status", async () => {
    const s = await daemon.status();
    return s.reconciles[0]?.result === "error" ? s : undefined;
  });
  assert.match(status.reconciles[0]?.error ?? "", /missing\.git|does not exist|not appear to be a git repository/i);
  assert.equal(status.ready, false, "nothing compared yet");
  await daemon.untilLog("a retry", (e) => e.event === "retry.scheduled");
  assert.equal(daemon.child.exitCode, null);
  daemon.child.kill("SIGTERM");
  assert.equal((await exitWithin(daemon, 10_000)).code, 0);
});
