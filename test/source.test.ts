import assert from "node:assert/strict";
import { rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, test } from "node:test";
import { readSnapshot, retainBlobs, SourceError, type Snapshot } from "../src/source/index.js";
import { GitObjects } from "../src/source/gitBatch.js";
import { commitFiles, git, tempRepo } from "./helpers/git.js";

const repo = tempRepo();
after(repo.cleanup);

const first = commitFiles(repo.dir, {
  "config/meshops.yaml": "instance: meshops\n",
  "config/meshes/a.yaml": "type: Mesh\nname: a\n",
  "config/meshes/b.yml": "type: Mesh\nname: b\n",
  "config/README.md": "not configuration\n",
  "other/c.yaml": "type: Mesh\nname: c\n",
});

test("reads committed YAML files under --path, with blob ids, and meshops.yaml apart", async () => {
  const snapshot = await readSnapshot({ repo: repo.dir, ref: "HEAD", path: "config" });
  assert.equal(snapshot.revision, first);
  assert.equal(snapshot.root, "config");
  assert.deepEqual(
    snapshot.files.map((f) => f.path),
    ["config/meshes/a.yaml", "config/meshes/b.yml"],
  );
  assert.equal(snapshot.config?.path, "config/meshops.yaml");
  assert.equal(snapshot.files[0]?.blobId, git(repo.dir, "rev-parse", `${first}:config/meshes/a.yaml`));
  assert.equal(snapshot.files[0]?.text, "type: Mesh\nname: a\n");
});

test("HEAD is the committed state: uncommitted edits are invisible until --ref WORKTREE", async () => {
  writeFileSync(path.join(repo.dir, "config/meshes/a.yaml"), "type: Mesh\nname: edited\n");
  writeFileSync(path.join(repo.dir, "config/meshes/new.yaml"), "type: Mesh\nname: new\n");
  try {
    const committed = await readSnapshot({ repo: repo.dir, ref: "HEAD", path: "config" });
    assert.equal(committed.files.find((f) => f.path.endsWith("a.yaml"))?.text, "type: Mesh\nname: a\n");
    assert.equal(committed.files.length, 2);

    const worktree = await readSnapshot({ repo: repo.dir, ref: "WORKTREE", path: "config" });
    assert.equal(worktree.revision, "WORKTREE");
    assert.deepEqual(
      worktree.files.map((f) => [f.path, f.text]),
      [
        ["config/meshes/a.yaml", "type: Mesh\nname: edited\n"],
        ["config/meshes/b.yml", "type: Mesh\nname: b\n"],
        ["config/meshes/new.yaml", "type: Mesh\nname: new\n"],
      ],
    );
    // Working-tree files get the id Git would give them, so caches keyed by blob id work across both.
    assert.equal(worktree.files[1]?.blobId, committed.files[1]?.blobId);
  } finally {
    git(repo.dir, "checkout", "--", "config/meshes/a.yaml");
    git(repo.dir, "clean", "-fq");
  }
});

test("an older revision can be read by its id", async () => {
  commitFiles(repo.dir, { "config/meshes/d.yaml": "type: Mesh\nname: d\n" });
  const old = await readSnapshot({ repo: repo.dir, ref: first, path: "config" });
  assert.equal(old.files.length, 2);
  const now = await readSnapshot({ repo: repo.dir, ref: "HEAD", path: "config" });
  assert.equal(now.files.length, 3);
});

test("symbolic links are followed inside the repository and refused when they leave it", async () => {
  symlinkSync("../other/c.yaml", path.join(repo.dir, "config/inside.yaml"));
  symlinkSync("/etc/hostname", path.join(repo.dir, "config/outside.yaml"));
  symlinkSync("../../../../../../etc/passwd", path.join(repo.dir, "config/climb.yaml"));
  commitFiles(repo.dir, {});
  for (const ref of ["HEAD", "WORKTREE"]) {
    const snapshot = await readSnapshot({ repo: repo.dir, ref, path: "config" });
    assert.equal(snapshot.files.find((f) => f.path === "config/inside.yaml")?.text, "type: Mesh\nname: c\n", ref);
    assert.deepEqual(
      snapshot.problems.map((p) => [p.path, p.rule]).sort(),
      [
        ["config/climb.yaml", "symlink-escape"],
        ["config/outside.yaml", "symlink-escape"],
      ],
      ref,
    );
  }
});

test("a file over the size limit is a problem, not silently skipped", async () => {
  commitFiles(repo.dir, { "config/big.yaml": "# " + "x".repeat(2000) + "\n" });
  for (const ref of ["HEAD", "WORKTREE"]) {
    const snapshot = await readSnapshot({ repo: repo.dir, ref, path: "config", maxFileBytes: 1000 });
    const problem = snapshot.problems.find((p) => p.path === "config/big.yaml");
    assert.equal(problem?.rule, "file-too-large", ref);
    assert.equal(problem?.message, "file is 2003 bytes, over the limit of 1000 bytes: raise it with --max-file-size, or exclude the file", ref);
    assert.ok(!snapshot.files.some((f) => f.path === "config/big.yaml"));
  }
});

test("the blob cache serves unchanged files without reading them again", async () => {
  const cache = new Map<string, string>();
  await readSnapshot({ repo: repo.dir, ref: "HEAD", path: "config", blobCache: cache });
  const size = cache.size;
  assert.ok(size >= 3);
  // Poison one entry: a second read must come from the cache, not from Git.
  const [id] = cache.keys();
  cache.set(id as string, "from cache");
  const again = await readSnapshot({ repo: repo.dir, ref: "HEAD", path: "config", blobCache: cache });
  assert.ok(again.files.some((f) => f.text === "from cache"));
});

test("unknown revisions and folders that are not repositories are clear errors", async () => {
  await assert.rejects(readSnapshot({ repo: repo.dir, ref: "no-such-branch" }), (e: unknown) => {
    assert.ok(e instanceof SourceError);
    assert.match(e.message, /cannot resolve revision "no-such-branch"/);
    return true;
  });
  await assert.rejects(readSnapshot({ repo: "/", ref: "HEAD" }), /not inside a Git working copy/);
  await assert.rejects(readSnapshot({ repo: repo.dir, ref: "HEAD", path: "../x" }), /--path must stay inside the repository/);
});

test("a revision a shallow clone lacks (CI's depth-1 checkout, then --base HEAD~1) says the clone is shallow and how to fetch it", async () => {
  const shallow = tempRepo("meshops-shallow-");
  try {
    rmSync(shallow.dir, { recursive: true, force: true });
    git(path.dirname(shallow.dir), "clone", "-q", "--depth", "1", `file://${repo.dir}`, shallow.dir);
    // Read alone (plan --base's head) and through a long-lived cat-file process (its base, the daemon).
    const objects = new GitObjects(shallow.dir);
    for (const read of [{}, { objects }]) {
      await assert.rejects(readSnapshot({ repo: shallow.dir, ref: "HEAD~1", ...read }), (e: unknown) => {
        assert.ok(e instanceof SourceError);
        assert.match(e.message, /^cannot resolve revision "HEAD~1" to a commit: this clone is shallow \(git clone --depth\), without the history the revision needs; fetch it: `git fetch --unshallow`, `fetch-depth: 0` for actions\/checkout, or `GIT_DEPTH: "0"` on GitLab CI$/);
        return true;
      });
    }
    objects.close();
    // A full clone's unknown revision says nothing of depth.
    await assert.rejects(readSnapshot({ repo: repo.dir, ref: "HEAD~99" }), (e: unknown) => e instanceof SourceError && !/shallow/.test(e.message));
  } finally {
    shallow.cleanup();
  }
});

// ---------------------------------------------------------------------------------------------------------------------
// Incremental reads: `previous` names an earlier snapshot, and only what changed since is read.

/** A full read and an incremental read of the same commit must be the same snapshot (problems in any order). */
function comparable(snapshot: Snapshot): unknown {
  return { ...snapshot, problems: [...snapshot.problems].sort((a, b) => (a.path < b.path ? -1 : 1)) };
}

test("an incremental read takes over unchanged files and equals a full read: edits, additions, deletions, meshops.yaml", async () => {
  const inc = tempRepo("meshops-incremental-");
  try {
    const files: Record<string, string> = { "cfg/meshops.yaml": "instance: one\n", "outside.yaml": "type: Mesh\nname: out\n", "cfg/notes.md": "text\n" };
    for (let i = 0; i < 20; i++) files[`cfg/meshes/m${i}/mesh.yaml`] = `type: Mesh\nname: m${i}\n`;
    const first = commitFiles(inc.dir, files, "first");
    const cache = new Map<string, string>();
    const before = await readSnapshot({ repo: inc.dir, ref: first, path: "cfg", blobCache: cache });
    assert.equal(before.files.length, 20);

    // Edit one, add two (one in a new folder, one that sorts first), delete one, change meshops.yaml, and touch
    // files that are not configuration (outside --path, not YAML).
    writeFileSync(path.join(inc.dir, "cfg/meshes/m3/mesh.yaml"), "type: Mesh\nname: m3\nlabels:\n  edited: yes\n");
    rmSync(path.join(inc.dir, "cfg/meshes/m7"), { recursive: true });
    const second = commitFiles(inc.dir, {
      "cfg/meshes/new/mesh.yml": "type: Mesh\nname: new\n",
      "cfg/a-first.yaml": "type: Mesh\nname: first\n",
      "cfg/meshops.yaml": "instance: two\n",
      "outside.yaml": "type: Mesh\nname: elsewhere\n",
      "cfg/notes.md": "more text\n",
    });
    const incremental = await readSnapshot({ repo: inc.dir, ref: second, path: "cfg", blobCache: cache, previous: before });
    const full = await readSnapshot({ repo: inc.dir, ref: second, path: "cfg" });
    assert.deepEqual(comparable(incremental), comparable(full));
    assert.equal(incremental.revision, second);
    assert.equal(incremental.config?.text, "instance: two\n");
    assert.deepEqual(incremental.files.map((f) => f.path).slice(0, 2), ["cfg/a-first.yaml", "cfg/meshes/m0/mesh.yaml"]);
    // Unchanged files are the earlier snapshot's own objects (a full read makes new ones): nothing was read again.
    const same = incremental.files.filter((f) => before.files.includes(f)).length;
    assert.equal(same, 18, "20 files, minus the edited and the deleted one, taken over");
    assert.ok(!incremental.files.some((f) => f.path === "cfg/meshes/m7/mesh.yaml"));

    // The same commit again: the same snapshot. A chain of incremental reads stays equal to a full read.
    assert.equal(await readSnapshot({ repo: inc.dir, ref: second, path: "cfg", previous: incremental }), incremental);
    rmSync(path.join(inc.dir, "cfg/meshops.yaml"));
    const third = commitFiles(inc.dir, { "cfg/meshes/m0/mesh.yaml": "type: Mesh\nname: m0\nlabels:\n  x: y\n" });
    const chained = await readSnapshot({ repo: inc.dir, ref: third, path: "cfg", previous: incremental });
    assert.deepEqual(comparable(chained), comparable(await readSnapshot({ repo: inc.dir, ref: third, path: "cfg" })));
    assert.equal(chained.config, undefined, "meshops.yaml deleted");
    // Back to an older commit (a reset, a force push): the diff goes the other way and still matches.
    const back = await readSnapshot({ repo: inc.dir, ref: first, path: "cfg", previous: chained });
    assert.deepEqual(comparable(back), comparable(before));
  } finally {
    inc.cleanup();
  }
});

test("an incremental read checks the size limit of changed files, and drops the problem of a file that shrank", async () => {
  const inc = tempRepo("meshops-incremental-");
  try {
    commitFiles(inc.dir, { "a.yaml": "type: Mesh\nname: a\n", "big.yaml": "# " + "x".repeat(2000) + "\n" });
    const first = await readSnapshot({ repo: inc.dir, ref: "HEAD", maxFileBytes: 1000 });
    assert.deepEqual(first.problems.map((p) => p.path), ["big.yaml"]);
    commitFiles(inc.dir, { "a.yaml": "# " + "y".repeat(2000) + "\n", "big.yaml": "type: Mesh\nname: big\n" });
    const second = await readSnapshot({ repo: inc.dir, ref: "HEAD", maxFileBytes: 1000, previous: first });
    assert.deepEqual(comparable(second), comparable(await readSnapshot({ repo: inc.dir, ref: "HEAD", maxFileBytes: 1000 })));
    assert.deepEqual(second.problems.map((p) => [p.path, p.rule]), [["a.yaml", "file-too-large"]]);
    assert.deepEqual(second.files.map((f) => f.path), ["big.yaml"]);
    // Another size limit than the earlier read's: a full read (the earlier snapshot's choices no longer hold).
    const other = await readSnapshot({ repo: inc.dir, ref: "HEAD", maxFileBytes: 10_000, previous: second });
    assert.deepEqual(other.files.map((f) => f.path), ["a.yaml", "big.yaml"]);
  } finally {
    inc.cleanup();
  }
});

test("with symbolic links among the configuration files, or a previous snapshot from elsewhere, the whole tree is read", async () => {
  const inc = tempRepo("meshops-incremental-");
  try {
    commitFiles(inc.dir, { "target.yaml": "type: Mesh\nname: t\n", "b.yaml": "type: Mesh\nname: b\n" });
    symlinkSync("target.yaml", path.join(inc.dir, "link.yaml"));
    commitFiles(inc.dir, {});
    const first = await readSnapshot({ repo: inc.dir, ref: "HEAD" });
    // The link's content changes with its target, which is the only path the diff names.
    commitFiles(inc.dir, { "target.yaml": "type: Mesh\nname: t2\n" });
    const second = await readSnapshot({ repo: inc.dir, ref: "HEAD", previous: first });
    assert.equal(second.files.find((f) => f.path === "link.yaml")?.text, "type: Mesh\nname: t2\n");
    assert.deepEqual(comparable(second), comparable(await readSnapshot({ repo: inc.dir, ref: "HEAD" })));
    assert.ok(!second.files.some((f) => first.files.includes(f)), "a full read: nothing taken over");

    // A snapshot of another repository (its commit unknown here) is no basis either.
    const elsewhere = await readSnapshot({ repo: repo.dir, ref: "HEAD", path: "config" });
    const fresh = await readSnapshot({ repo: inc.dir, ref: "HEAD", previous: elsewhere });
    assert.deepEqual(comparable(fresh), comparable(second));
    // Nor is a snapshot that readCommit did not make (e.g. of the working tree).
    const worktree = await readSnapshot({ repo: inc.dir, ref: "WORKTREE" });
    assert.deepEqual(comparable(await readSnapshot({ repo: inc.dir, ref: "HEAD", previous: worktree })), comparable(second));
  } finally {
    inc.cleanup();
  }
});

test("a long-running reader's blob cache holds the current tree's files, not every version ever read", async () => {
  const repo = tempRepo();
  after(repo.cleanup);
  const files = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`f${i}.yaml`, `type: Mesh\nname: m${i}\n`]));
  commitFiles(repo.dir, files);
  const blobCache = new Map<string, string>();
  let snapshot = await readSnapshot({ repo: repo.dir, ref: "HEAD", blobCache });
  for (let i = 0; i < 30; i++) {
    commitFiles(repo.dir, { "f0.yaml": `type: Mesh\nname: m0\n# edit ${i}\n` }, `edit ${i}`);
    snapshot = await readSnapshot({ repo: repo.dir, ref: "HEAD", blobCache, previous: snapshot });
    retainBlobs(blobCache, snapshot);
  }
  assert.ok(snapshot.files.find((f) => f.path === "f0.yaml")?.text.includes("edit 29"));
  assert.ok(blobCache.size <= snapshot.files.length + 16, `${blobCache.size} blobs cached for ${snapshot.files.length} files`);
  assert.ok(blobCache.has(snapshot.files[0]?.blobId ?? ""), "the current files stay cached");
});
