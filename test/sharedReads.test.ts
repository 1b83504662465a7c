/**
 * `plan --base` reads two revisions through SharedReads (src/cli/repository.ts): the second read must spawn nothing,
 * since a spawn from a process holding a parsed repository copies its page tables (hundreds of ms of CPU at 51,000
 * resources).
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { loadRepository, SharedReads } from "../src/cli/repository.js";
import { commitFiles, committedRepo } from "./helpers/git.js";

const cleanups: (() => void)[] = [];
after(() => {
  for (const cleanup of cleanups) cleanup();
});

const timeout = (requestTimeout: string) => `type: MeshTimeout
name: to-ledger
mesh: shop
spec:
  targetRef: {kind: Mesh}
  to:
    - targetRef: {kind: MeshService, name: ledger}
      default: {http: {requestTimeout: ${requestTimeout}}}
`;

test("the base revision is read through the git process started with the shared reads: no git is spawned for it", async () => {
  const repo = committedRepo({ "meshops.yaml": "instance: shop\n", "shop/mesh.yaml": "type: Mesh\nname: shop\n", "shop/timeout.yaml": timeout("5s") }, cleanups);
  commitFiles(repo, { "shop/timeout.yaml": timeout("9s"), "shop/other.yaml": timeout("1s").replace("to-ledger", "to-other") });
  const io = { stdout: { write: () => true }, stderr: { write: () => true }, env: {}, cwd: repo };
  const options = { repo, ref: "HEAD", maxFileSize: 1 << 20 };
  const shared = new SharedReads(repo);
  const path = process.env.PATH;
  try {
    const ref = await loadRepository(options, io, { shared });
    // From here on a spawned git would not be found.
    process.env.PATH = "/nonexistent";
    const base = await loadRepository({ ...options, ref: "HEAD~1" }, io, { shared });
    assert.equal(base.result.valid, true);
    const policies = (r: typeof ref) => r.result.resources.filter((x) => x.type === "MeshTimeout").map((x) => `${x.name} ${JSON.stringify(x.object.spec)}`);
    assert.deepEqual(policies(base), [`to-ledger ${JSON.stringify({ targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "MeshService", name: "ledger" }, default: { http: { requestTimeout: "5s" } } }] })}`]);
    assert.equal(policies(ref).length, 2);
    const mesh = (r: typeof ref) => r.result.resources.find((x) => x.type === "Mesh");
    assert.ok(mesh(ref) && mesh(ref) === mesh(base), "the unchanged file's Mesh is one object");
  } finally {
    process.env.PATH = path;
    shared.close();
  }
});
