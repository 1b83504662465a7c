/**
 * Long computations in slices (issue 14, M3): a reconcile of a large repository is seconds of CPU, and the daemon's
 * probes must still be answered meanwhile (a Kubernetes probe gives up after 1 s). Ordering, not timing: with a zero
 * slice, every step of a computation gives the event loop a turn, so a probe sent when the computation starts is
 * answered before it ends; run in one go, the same computation answers the probe only after it. The figures (how long
 * /healthz takes during reconciles of 55,000 resources) are in the benchmark (bench/watchLatency.ts).
 */
import assert from "node:assert/strict";
import http from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { generateRepo } from "../bench/generate.js";
import { snapshotOfTexts } from "./helpers/snapshot.js";
import { createLogger } from "../src/daemon/logger.js";
import { DaemonMetrics } from "../src/daemon/metrics.js";
import { startStatusServer, type StatusServer } from "../src/daemon/server.js";
import { DaemonStatus } from "../src/daemon/status.js";
import { readSnapshot } from "../src/source/index.js";
import type { Snapshot } from "../src/source/types.js";
import { runSteps, runStepsSliced, type Steps } from "../src/util/steps.js";
import { Locator } from "../src/parse/locate.js";
import { AnalysisCache, analysisKey, validateSnapshot, validateSnapshotSteps } from "../src/validate/index.js";
import { checkRepositorySteps, RepositoryChecks } from "../src/validate/repository.js";

const work = mkdtempSync(path.join(tmpdir(), "meshops-slices-"));
let server: StatusServer;
let snapshot: Snapshot;

before(async () => {
  const repo = path.join(work, "repo");
  await generateRepo(repo, { meshes: 20, policiesPerMesh: 10 });
  snapshot = await readSnapshot({ repo, ref: "HEAD" });
  server = await startStatusServer({
    host: "127.0.0.1",
    port: 0,
    status: new DaemonStatus({
      repository: { url: repo, kind: "local", branch: null, remote: null, path: "" },
      controlPlane: { url: "embedded", embedded: true },
      driftIntervalMs: 60_000,
      pollIntervalMs: null,
      webhook: false,
      reconcileEndpoint: false,
    }),
    metrics: new DaemonMetrics({ processMetrics: false }),
    log: createLogger({ stream: { write: () => true }, level: "silent", format: "json" }),
    webhook: { secret: undefined, branch: undefined },
    reconcileToken: undefined,
    trigger: () => undefined,
  });
});
after(async () => {
  await server.close();
  rmSync(work, { recursive: true, force: true });
});

test("steps: the same result in one go or in slices; in slices, the event loop runs between them", async () => {
  function* numbered(order: string[]): Steps<string> {
    for (let i = 0; i < 3; i++) {
      order.push(`step ${i}`);
      yield;
    }
    return "done";
  }
  const once: string[] = [];
  setImmediate(() => once.push("event loop"));
  assert.equal(runSteps(numbered(once)), "done");
  assert.deepEqual(once, ["step 0", "step 1", "step 2"]);

  const sliced: string[] = [];
  setImmediate(() => sliced.push("event loop"));
  assert.equal(await runStepsSliced(numbered(sliced), 0), "done");
  assert.deepEqual(sliced, ["step 0", "event loop", "step 1", "step 2"]);
});

/** GET /healthz, pushing "healthz" to `order` when the answer has arrived. */
function probe(order: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    http
      .get(`${server.url}/healthz`, (res) => {
        res.resume();
        res.on("end", () => {
          order.push(`healthz ${res.statusCode}`);
          resolve();
        });
      })
      .on("error", reject);
  });
}

test("/healthz is answered while a validation runs in slices (the daemon's way), not until one run in one go ends", async () => {
  assert.ok(snapshot.files.length > 50, `a repository of ${snapshot.files.length} files`);

  const inOneGo: string[] = [];
  const first = probe(inOneGo);
  const expected = validateSnapshot(snapshot, new AnalysisCache());
  inOneGo.push("validated");
  await first;
  assert.deepEqual(inOneGo, ["validated", "healthz 200"], "the probe waits for the whole validation");

  const inSlices: string[] = [];
  const second = probe(inSlices);
  const result = await runStepsSliced(validateSnapshotSteps(snapshot, new AnalysisCache()), 0);
  inSlices.push("validated");
  await second;
  assert.deepEqual(inSlices, ["healthz 200", "validated"], "the probe is answered between two files");
  assert.ok(result.valid, JSON.stringify(result.diagnostics.slice(0, 3)));
  assert.deepEqual(result, expected, "slices change when the work is done, not what it finds");
});

test("the repository-wide checks take a step per mesh they check (a thousand meshes of fifty resources were one long step)", () => {
  const cache = new AnalysisCache();
  validateSnapshot(snapshot, cache);
  const config = cache.parsedConfig(snapshot.config, snapshot.root).config;
  const analyses = snapshot.files.map((file) => cache.get(file, analysisKey(config))).filter((a) => a !== undefined);
  const meshes = new Set(analyses.flatMap((a) => a.resources.map((r) => r.mesh)));
  assert.ok(meshes.size >= 20 && analyses.flatMap((a) => a.resources).length < 512 * 2, `${meshes.size} meshes`);
  const texts = new Map(snapshot.files.map((f) => [f.path, f.text]));
  const checking = checkRepositorySteps(analyses, config, new Locator((file) => texts.get(file)), new RepositoryChecks());
  let steps = 0;
  for (let next = checking.next(); !next.done; next = checking.next()) steps++;
  assert.ok(steps >= meshes.size, `${steps} steps for ${meshes.size} meshes`);
});

test("Kubernetes objects that collide across meshes are told file by file, in steps: a commit with thousands of collisions was one step that re-read every file once per collision", () => {
  // 40 meshes, each a file of 10 policies with the same Kubernetes names in kuma-system: 390 colliding documents.
  const files: Record<string, string> = {};
  for (let m = 0; m < 40; m++) {
    const mesh = `mesh-${m}`;
    const docs = [`type: Mesh\nname: ${mesh}\n`];
    for (let p = 0; p < 10; p++) {
      docs.push(
        `apiVersion: kuma.io/v1alpha1\nkind: MeshTimeout\nmetadata:\n  name: timeout-${p}\n  namespace: kuma-system\n  labels:\n    kuma.io/mesh: ${mesh}\nspec:\n  targetRef:\n    kind: Mesh\n  to:\n    - targetRef:\n        kind: Mesh\n      default:\n        idleTimeout: ${p + 1}s\n`,
      );
    }
    files[`meshes/${mesh}.yaml`] = docs.join("---\n");
  }
  const collidingSnapshot = snapshotOfTexts(files);
  const cache = new AnalysisCache();
  const validated = validateSnapshot(collidingSnapshot, cache);
  assert.equal(validated.diagnostics.filter((d) => d.rule === "kubernetes-manifest").length, 39 * 10, "every document after the first mesh's collides");
  const config = cache.parsedConfig(collidingSnapshot.config, collidingSnapshot.root).config;
  const analyses = collidingSnapshot.files.map((file) => cache.get(file, analysisKey(config))).filter((a) => a !== undefined);

  const texts = new Map(collidingSnapshot.files.map((f) => [f.path, f.text]));
  let reads = 0;
  let allReads = 0;
  const checking = checkRepositorySteps(analyses, config, new Locator((file) => (reads++, allReads++, texts.get(file))), new RepositoryChecks());
  let mostReadsInOneStep = 0;
  let next = checking.next();
  for (; !next.done; next = checking.next()) {
    mostReadsInOneStep = Math.max(mostReadsInOneStep, reads);
    reads = 0;
  }
  mostReadsInOneStep = Math.max(mostReadsInOneStep, reads);
  const told = next.value.diagnostics.flat().filter((d) => d.rule === "kubernetes-manifest");
  const where = (d: { file?: string; line?: number; message: string }) => `${d.file}:${d.line} ${d.message}`;
  assert.deepEqual(told.map(where).sort(), validated.diagnostics.filter((d) => d.rule === "kubernetes-manifest").map(where).sort(), "the same diagnostics");
  assert.ok(mostReadsInOneStep <= 2, `a step read ${mostReadsInOneStep} files to locate what it told`);
  assert.ok(allReads <= 2 * analyses.length, `${allReads} reads of ${analyses.length} files`);
});
