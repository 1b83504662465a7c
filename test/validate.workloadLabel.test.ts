/**
 * A Universal Dataplane's `kuma.io/workload` label, as Kuma 2.14's API server checks it (go-v2.14.3
 * pkg/api-server/resource_endpoints.go `createResource`): on a Global control plane any non-empty value is refused
 * ("not allowed on Global control plane"); elsewhere it must be a DNS-1035 label (`NameIsDNS1035Label`), else 400
 * "Bad Request" (goldens workload_label_validation_01/02). Only on create: `updateResource` does not look at it, and
 * no other kind is checked; a Kubernetes document never passes the API server's PUT.
 *
 * Why `validate` says it as an error, not a warning: what Kuma does to a new object is what decides, and a
 * repository is what gets created: on a control plane that never had it, or rebuilt from the repository after a loss,
 * the Dataplane is refused. An existing Dataplane that got its label some other way (kuma-dp's own registration
 * does not go through this check) still cannot be recreated from the repository, which is the repository's point.
 * So plan and apply stop at it as at any validation error, before anything is written.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { openStore } from "../src/backend/store.js";
import { startControlPlaneServer } from "../src/cp/server.js";
import { validateSnapshot } from "../src/validate/index.js";
import { runCli } from "./helpers/cli.js";
import { commitFiles, tempRepo } from "./helpers/git.js";
import { snapshotOfTexts } from "./helpers/snapshot.js";

const work = mkdtempSync(path.join(tmpdir(), "meshops-workload-label-"));
after(() => rmSync(work, { recursive: true, force: true }));

const PATH = 'labels["kuma.io/workload"]';
const DNS1035 =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and " +
  "end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const MUST_BE = "must be a valid DNS-1035 label (at most 63 characters, matching regex [a-z]([-a-z0-9]*[a-z0-9])?)";
const ON_CREATE = "; the control plane checks it when it creates the Dataplane";

const dataplane = (name: string, workload: string, type = "Dataplane") =>
  [
    `type: ${type}`,
    "mesh: default",
    `name: ${name}`,
    "labels:",
    `  kuma.io/workload: "${workload}"`,
    ...(type === "Dataplane"
      ? ["networking:", "  address: 10.1.2.1", "  inbound:", "    - port: 1234", "      tags: { kuma.io/service: my-svc }"]
      : ["spec:", "  targetRef: { kind: Mesh }", "  to:", "    - targetRef: { kind: Mesh }", "      default: { idleTimeout: 20s }"]),
  ].join("\n") + "\n";

const CONFIG = (mode: string) => `controlPlane:\n  mode: ${mode}\nresources:\n  dataplanes: true\n`;

function workloadDiagnostics(files: Record<string, string>, mode = "zone"): string[] {
  const result = validateSnapshot(snapshotOfTexts({ "mesh.yaml": "type: Mesh\nname: default\n", ...files }, CONFIG(mode)));
  return result.diagnostics.filter((d) => d.path === PATH).map((d) => `${d.severity} ${d.file}:${d.line} ${d.resource} ${d.rule}: ${d.message}`);
}

test("validate: an invalid kuma.io/workload on a Universal Dataplane is an error with Kuma's words; a valid one is not", () => {
  assert.deepEqual(
    workloadDiagnostics({
      "upper.yaml": dataplane("dp-invalid", "MyWorkload"),
      "digit.yaml": dataplane("dp-invalid2", "1workload"),
      "long.yaml": dataplane("dp-long", `w${"x".repeat(63)}`),
      "valid.yaml": dataplane("dp-valid", "my-workload"),
      "underscore.yaml": dataplane("dp-underscore", "my_workload"),
    }),
    [
      `error digit.yaml:5 Dataplane/default/dp-invalid2 labels: ${MUST_BE}: ${DNS1035}${ON_CREATE}`,
      // Too long for any label value: validateLabels refuses it first, and the request stops there.
      "error long.yaml:5 Dataplane/default/dp-long labels: must be no more than 63 characters",
      `error underscore.yaml:5 Dataplane/default/dp-underscore labels: ${MUST_BE}: ${DNS1035}${ON_CREATE}`,
      `error upper.yaml:5 Dataplane/default/dp-invalid labels: ${MUST_BE}: ${DNS1035}${ON_CREATE}`,
    ],
  );
});

test("validate: on a Global control plane a Dataplane is refused whole (zones provide them), before its kuma.io/workload is looked at; other kinds are not checked", () => {
  // The API answers 405 for a kind it does not provide before it reads the labels (test/validate.globalReadOnly.test.ts).
  const result = validateSnapshot(snapshotOfTexts({ "mesh.yaml": "type: Mesh\nname: default\n", "dp.yaml": dataplane("dp-1", "my-workload") }, CONFIG("global")));
  assert.deepEqual(
    result.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.file}:${d.line} ${d.resource} ${d.rule}`),
    ["dp.yaml:1 Dataplane/default/dp-1 global-read-only"],
  );
  assert.deepEqual(workloadDiagnostics({ "dp.yaml": dataplane("dp-1", "my-workload") }, "global"), []);
  assert.deepEqual(workloadDiagnostics({ "timeout.yaml": dataplane("t-1", "MyWorkload", "MeshTimeout") }), [], "only a Dataplane's label is checked");
});

test("apply: a repository with such a Dataplane writes nothing to the control plane", async () => {
  const store = await openStore({ stateDir: path.join(work, "cp"), skipMeshCreation: true });
  const server = await startControlPlaneServer({ store, host: "127.0.0.1", port: 0 });
  const repo = tempRepo();
  try {
    commitFiles(repo.dir, {
      "meshops.yaml": CONFIG("zone"),
      "mesh.yaml": "type: Mesh\nname: default\nskipCreatingInitialPolicies: ['*']\n",
      "dp.yaml": dataplane("dp-invalid", "MyWorkload"),
    });
    const apply = await runCli(["apply", "--cp-url", server.url], repo.dir);
    assert.equal(apply.code, 1, apply.stdout + apply.stderr);
    assert.match(apply.stdout + apply.stderr, /dp\.yaml:5.*Dataplane\/default\/dp-invalid.*labels\["kuma\.io\/workload"\]: must be a valid DNS-1035 label/);
    const meshes = await fetch(`${server.url}/meshes`).then((r) => r.json() as Promise<{ total: number }>);
    assert.equal(meshes.total, 0, "not even the Mesh was written");
  } finally {
    repo.cleanup();
    await server.close();
    await store.close();
  }
});
