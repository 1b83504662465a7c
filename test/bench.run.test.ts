/**
 * `npm run bench` is how the project's speed and memory targets are checked, so it must run to the end. This runs it
 * on a tiny repository of one shape and checks that every stage reports; no figure is asserted (timings belong to the
 * benchmark, never to a test). It once died at the shapes' stage, reading a constant declared below the code that ran
 * at the module's top level.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import path from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { projectRoot } from "./helpers/git.js";

test("npm run bench runs every stage of a repository shape to the end", { timeout: 300_000 }, async () => {
  const env = { ...process.env, BENCH_MESHES: "2", BENCH_POLICIES: "3", BENCH_SHAPES: "no-services", BENCH_SHAPE_COMMITS: "1" };
  const { stdout } = await promisify(execFile)(process.execPath, [path.join(projectRoot, "dist/bench/run.js")], { env, maxBuffer: 16 << 20 });
  const stages = [
    /^this machine: a first touch of a 4 KiB page costs \d+(\.\d+)? µs/m,
    /^\[no-services\] 2 meshes x 3 policies, MeshServices not in the repository: \d+ resources in \d+ files/m,
    /^ {2}validate \(whole process, median of 3\): \d+ ms wall.*, \d+ page faults \(about \d+ ms of paging\)$/m,
    /^ {2}initial apply \(whole process\): \d+ ms wall/m,
    /^ {2}no-op plan against meshops cp, validation included/m,
    /^ {2}the same against a control plane answering 250 ms late/m,
    /^ {2}plan --base HEAD~1 after a one-file commit/m,
    /^ {2}daemon, commit to applied over 1 commits: median \d+ ms/m,
  ];
  for (const stage of stages) assert.match(stdout, stage);
});
