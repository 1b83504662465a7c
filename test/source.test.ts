import assert from "node:assert/strict";
import { symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, test } from "node:test";
import { readSnapshot, SourceError } from "../src/source/index.js";
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
    assert.match(problem?.message ?? "", /over the limit of 1000/);
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
