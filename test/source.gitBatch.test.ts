/**
 * The daemon's reads through one long-lived `git cat-file --batch-command` (src/source/gitBatch.ts): each answer is
 * compared with what the git command it replaces says, on real repositories, and a commit read after the first one
 * spawns nothing (git is taken off PATH and the reads still work).
 */
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, test } from "node:test";
import { RepositoryCommits } from "../src/daemon/source.js";
import { diffCommits, GitObjects, type TreeChange } from "../src/source/gitBatch.js";
import { readSnapshot, type Snapshot } from "../src/source/index.js";
import { commitFiles, git, tempRepo } from "./helpers/git.js";

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((c) => c()));

function repo(): string {
  const r = tempRepo("meshops-gitbatch-");
  cleanups.push(r.cleanup);
  return r.dir;
}

/** `git diff-tree -r -z --raw --no-renames`, as the spawning reader parses it. */
function diffTree(dir: string, from: string, to: string): TreeChange[] {
  const fields = git(dir, "diff-tree", "-r", "-z", "--raw", "--no-renames", from, to).split("\0");
  const changes: TreeChange[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const [oldMode = "", newMode = "", , newBlobId = ""] = (fields[i] ?? "").slice(1).split(" ");
    changes.push({ path: fields[i + 1] ?? "", oldMode, newMode, newBlobId });
  }
  return sorted(changes);
}

const sorted = (changes: TreeChange[]) => [...changes].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.newMode.localeCompare(b.newMode)));

test("the tree diff lists what git diff-tree lists: edits, additions, deletions, mode and type changes, links, submodules", async () => {
  const dir = repo();
  const objects = new GitObjects(dir);
  cleanups.push(() => objects.close());
  const commits = [
    // Neighbours of cfg/m that git sorts around it differently as a folder ("m/") and as a file ("m").
    commitFiles(dir, { "a.yaml": "a\n", "cfg/m/one.yaml": "1\n", "cfg/m/two.yaml": "2\n", "cfg/m.yaml": "m\n", "cfg/m-x.yaml": "mx\n", "cfg/m0.yaml": "m0\n", "cfg/x/deep/three.yaml": "3\n", "ünï/cødé.yaml": "u\n", "top.md": "t\n" }),
  ];
  // An edit deep down, an addition in a new folder, a deleted folder, an executable bit, a link.
  writeFileSync(path.join(dir, "cfg/m/one.yaml"), "1 edited\n");
  rmSync(path.join(dir, "cfg/x"), { recursive: true });
  chmodSync(path.join(dir, "a.yaml"), 0o755);
  symlinkSync("m/two.yaml", path.join(dir, "cfg/link.yaml"));
  commits.push(commitFiles(dir, { "cfg/new/four.yaml": "4\n" }));
  // A file that becomes a folder and a folder that becomes a file; a submodule entry.
  rmSync(path.join(dir, "cfg/m"), { recursive: true });
  writeFileSync(path.join(dir, "cfg/m"), "now a file\n");
  rmSync(path.join(dir, "top.md"));
  mkdirSync(path.join(dir, "top.md"));
  commits.push(commitFiles(dir, { "top.md/inside.yaml": "i\n" }));
  git(dir, "update-index", "--add", "--cacheinfo", `160000,${commits[0]},vendor/sub`);
  git(dir, "commit", "-q", "-m", "submodule");
  commits.push(git(dir, "rev-parse", "HEAD"));

  for (let i = 0; i + 1 < commits.length; i++) {
    const [from = "", to = ""] = [commits[i], commits[i + 1]];
    assert.deepEqual(sorted(await diffCommits(objects, from, to, "")), diffTree(dir, from, to), `commit ${i} to ${i + 1}`);
    assert.deepEqual(sorted(await diffCommits(objects, to, from, "")), diffTree(dir, to, from), `commit ${i + 1} back to ${i}`);
  }
  const [first = "", , , last = ""] = commits;
  assert.deepEqual(sorted(await diffCommits(objects, first, last, "")), diffTree(dir, first, last));
  // Limited to a folder: what is inside it is listed all the same (what is outside may be left out).
  const inside = (await diffCommits(objects, first, last, "cfg")).filter((c) => c.path.startsWith("cfg/"));
  assert.deepEqual(sorted(inside), diffTree(dir, first, last).filter((c) => c.path.startsWith("cfg/")));
  await assert.rejects(diffCommits(objects, first, "0".repeat(40), ""), /not a commit/);
});

test("commits: the branch's commit as it moves (loose and packed refs), git log's subject, author and date, ancestry", async () => {
  const dir = repo();
  const commits = new RepositoryCommits(dir);
  cleanups.push(() => commits.close());
  const env = { GIT_AUTHOR_DATE: "2026-01-02T03:04:05+05:30", GIT_AUTHOR_NAME: "Zoë Ünïcode" };
  Object.assign(process.env, env);
  let first: string;
  try {
    first = commitFiles(dir, { "a.yaml": "a\n" }, "A subject\nthat wraps\n\nand a body\n");
  } finally {
    for (const key of Object.keys(env)) delete process.env[key];
  }
  assert.equal(await commits.resolve("refs/heads/main"), first);
  const log = git(dir, "log", "-1", "--format=%H%x1f%s%x1f%an%x1f%aI", first).split("\x1f");
  assert.deepEqual(await commits.commitInfo(first), { commit: log[0], message: log[1], author: log[2], date: log[3] });
  assert.equal((await commits.commitInfo(first)).date, "2026-01-02T03:04:05+05:30");

  const second = commitFiles(dir, { "a.yaml": "b\n" });
  assert.equal(await commits.resolve("refs/heads/main"), second, "a loose ref, re-read");
  git(dir, "pack-refs", "--all");
  assert.equal(await commits.resolve("refs/heads/main"), second, "packed");
  const third = commitFiles(dir, { "a.yaml": "c\n" });
  assert.equal(await commits.resolve("refs/heads/main"), third, "loose again over the packed one");
  assert.equal(await commits.isAncestor(first, third), true);
  assert.equal(await commits.isAncestor(third, first), false);

  // A branch rewritten (reset to the first commit, another commit): the old head is no ancestor of the new one.
  git(dir, "reset", "-q", "--hard", first);
  const rewritten = commitFiles(dir, { "a.yaml": "d\n" });
  assert.equal(await commits.isAncestor(third, rewritten), false);
  // A merge, and a history longer than the walk (git merge-base answers then): both found.
  git(dir, "merge", "-q", "--no-edit", "--no-ff", "-s", "ours", third);
  const merged = git(dir, "rev-parse", "HEAD");
  assert.equal(await commits.isAncestor(third, merged), true);
  for (let i = 0; i < 70; i++) git(dir, "commit", "-q", "--allow-empty", "-m", `empty ${i}`);
  assert.equal(await commits.isAncestor(first, git(dir, "rev-parse", "HEAD")), true);
  await assert.rejects(commits.resolve("refs/heads/none"), /cannot resolve revision "refs\/heads\/none"/);
});

test("a failed or closed process rejects its requests and the next request starts another; missing objects are undefined", async () => {
  const dir = repo();
  const head = commitFiles(dir, { "a.yaml": "a\n" });
  const objects = new GitObjects(dir);
  cleanups.push(() => objects.close());
  assert.deepEqual(await objects.info(["0".repeat(40), head]), [undefined, { id: head, type: "commit", size: (await objects.contents([head]))[0]?.size }]);
  const waiting = objects.contents([head]);
  objects.close();
  await assert.rejects(waiting, /closed/);
  assert.equal((await objects.info([`${head}^{tree}`]))[0]?.type, "tree");
  // A process that cannot start (here: no such folder; EMFILE alike) is a rejection, never an unhandled 'error'.
  await assert.rejects(new GitObjects(path.join(dir, "missing")).info([head]), /git cat-file/);
  await assert.rejects(objects.info(["a b"]), /not an object name/);
});

test("objects larger than the pipe's chunks, between small ones, in one request and in several at once, are read whole", async () => {
  const dir = repo();
  // Sizes around and well beyond a 64 KB chunk, each byte varied so that a piece misplaced would show.
  const text = (size: number, seed: number) => Array.from({ length: size }, (_, i) => String.fromCharCode(97 + ((i * 7 + seed) % 26))).join("");
  const files: Record<string, string> = { "a.yaml": "a\n", "big.yaml": text(900_000, 1), "edge.yaml": text(65_536, 2), "b.yaml": "b\n", "huge.yaml": text(2_500_000, 3) };
  commitFiles(dir, files);
  const names = Object.keys(files).map((name) => `HEAD:${name}`);
  const objects = new GitObjects(dir);
  cleanups.push(() => objects.close());
  const expected = Object.values(files);
  const read = async () => (await objects.contents(names)).map((o) => o?.content.toString("utf8"));
  assert.deepEqual(await read(), expected);
  const infos = names.map((name, i) => ({ id: git(dir, "rev-parse", name), type: "blob", size: (expected[i] as string).length }));
  // Requests written before the answers to the first ones arrived: answered in order, none mixed up.
  assert.deepEqual(await Promise.all([read(), objects.info(names), read()]), [expected, infos, expected]);
});

/** A snapshot's content, without object identity. */
const comparable = (s: Snapshot) => ({ revision: s.revision, root: s.root, files: s.files.map((f) => [f.path, f.blobId, f.text]), config: s.config?.text, problems: s.problems });

test("after the first read, a commit's snapshot is read without spawning git, and equals a full read", async () => {
  const dir = repo();
  const files: Record<string, string> = { "cfg/meshops.yaml": "instance: one\n", "outside.yaml": "x\n", "cfg/big.yaml": "# " + "x".repeat(2000) + "\n" };
  for (let i = 0; i < 10; i++) files[`cfg/meshes/m${i}/mesh.yaml`] = `type: Mesh\nname: m${i}\n`;
  commitFiles(dir, files);
  const objects = new GitObjects(dir);
  cleanups.push(() => objects.close());
  const cache = new Map<string, string>();
  const options = { repo: dir, path: "cfg", maxFileBytes: 1000, blobCache: cache, objects };
  let previous = await readSnapshot({ ...options, ref: "HEAD" });
  const expected: Snapshot[] = [];
  const heads: string[] = [];
  writeFileSync(path.join(dir, "cfg/meshes/m3/mesh.yaml"), "type: Mesh\nname: m3\nlabels:\n  edited: yes\n");
  rmSync(path.join(dir, "cfg/meshes/m7"), { recursive: true });
  heads.push(commitFiles(dir, { "cfg/meshes/new/mesh.yml": "type: Mesh\nname: new\n", "cfg/meshops.yaml": "instance: two\n", "outside.yaml": "y\n", "cfg/big.yaml": "type: Mesh\nname: big\n" }));
  heads.push(commitFiles(dir, { "cfg/a.yaml": "# " + "y".repeat(2000) + "\n", "cfg/bin.yaml": "\u0000\u0001" }));
  for (const head of heads) expected.push(await readSnapshot({ repo: dir, path: "cfg", maxFileBytes: 1000, ref: head }));

  const gitOnPath = process.env.PATH;
  process.env.PATH = path.join(dir, "no-git-here");
  try {
    for (const [i, head] of heads.entries()) {
      const snapshot = await readSnapshot({ ...options, ref: head, previous });
      assert.deepEqual(comparable(snapshot), comparable(expected[i] as Snapshot), `commit ${i + 1}`);
      previous = snapshot;
    }
  } finally {
    process.env.PATH = gitOnPath;
  }
  assert.deepEqual(previous.problems.map((p) => [p.path, p.rule]), [["cfg/a.yaml", "file-too-large"], ["cfg/bin.yaml", expected[1]?.problems[1]?.rule]]);
});
