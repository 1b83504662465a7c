/**
 * A one-shot `apply` whose write got no answer (a timeout, a reset after sending, a proxy's 504 or 502) cannot know
 * whether the control plane applied it: it may land later. The report says so, naming the resources, in text (one
 * line, with what to do) and in JSON (`outcomeUnknown`), rather than a plain ✓ the next `drift` contradicts.
 * The CLI as a child process, a real Git repository, the embedded control plane over HTTP behind a 504 for one write.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { openStore } from "../src/backend/store.js";
import { startControlPlaneServer } from "../src/cp/server.js";
import { runCli } from "./helpers/cli.js";
import { commitFiles, tempRepo } from "./helpers/git.js";
import { meshTimeoutFlowYaml } from "./helpers/policies.js";

const repo = tempRepo("meshops-apply-unknown-");
const stateDir = mkdtempSync(path.join(tmpdir(), "meshops-apply-unknown-cp-"));
after(() => {
  repo.cleanup();
  rmSync(stateDir, { recursive: true, force: true });
});

const TIMEOUT = (name: string, idle: string) => meshTimeoutFlowYaml(name, "edge", idle);

test("a write answered 504 by a proxy, then applied by a retry, is said to be of unknown outcome in text and JSON", async () => {
  commitFiles(repo.dir, {
    "meshops.yaml": "controlPlane:\n  skipDefaultMeshCreation: true\ndefaults:\n  materialize: false\n",
    "mesh.yaml": "type: Mesh\nname: edge\nskipCreatingInitialPolicies: ['*']\n",
    "timeouts.yaml": `${TIMEOUT("a", "10s")}---\n${TIMEOUT("b", "10s")}`,
  });
  const store = await openStore({ stateDir, skipMeshCreation: true });
  // The first PUT of each write of MeshTimeout/edge/a gets a gateway timeout, as a proxy gives when the control plane is slow.
  let gateway = true;
  const server = await startControlPlaneServer({
    store,
    port: 0,
    faults: (req) => {
      if (req.method !== "PUT" || !req.url?.startsWith("/meshes/edge/meshtimeouts/a") || !gateway) return undefined;
      gateway = false;
      return 504;
    },
  });
  try {
    const text = await runCli(["apply", "--cp-url", server.url], repo.dir);
    assert.equal(text.code, 0, text.stdout + text.stderr);
    assert.ok(
      text.stdout.split("\n").includes("! 1 write got no answer and may still land: run meshops drift or plan again in a minute: MeshTimeout/edge/a"),
      text.stdout,
    );

    commitFiles(repo.dir, { "timeouts.yaml": `${TIMEOUT("a", "20s")}---\n${TIMEOUT("b", "20s")}` }, "longer");
    gateway = true;
    const json = await runCli(["apply", "--cp-url", server.url, "--format", "json"], repo.dir);
    assert.equal(json.code, 0, json.stdout + json.stderr);
    const report = JSON.parse(json.stdout) as { outcomeUnknown: string[]; results: { resource: string; outcomeUnknown?: boolean }[] };
    assert.deepEqual(report.outcomeUnknown, ["MeshTimeout/edge/a"]);
    assert.equal(report.results.find((r) => r.resource === "MeshTimeout/edge/a")?.outcomeUnknown, true);
    assert.equal(report.results.find((r) => r.resource === "MeshTimeout/edge/b")?.outcomeUnknown, undefined);
  } finally {
    await server.close();
    await store.close();
  }
});
