/**
 * What `meshops plan` warns about online is on the daemon's status, not only in its log: what a full comparison warns
 * about the control plane (sync/reconcile.ts compare()'s warnings: a version line or product other than meshops.yaml's,
 * a kind it does not serve, ...), and references to MeshServices neither the repository nor the control plane has.
 * Before, the daemon only logged them, so `/api/status` and the page said nothing while `plan` warned.
 * The daemon as a child process, a real Git repository, the embedded control plane (Kuma 2.14.3) over HTTP.
 */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { stringify } from "yaml";
import { runCli } from "./helpers/cli.js";
import { startWatch, type DaemonProcess } from "./helpers/daemon.js";
import { daemonTestBed, untilApplied, untilStatus } from "./helpers/daemonBed.js";
import type { StatusJson } from "../src/daemon/statusTypes.js";
import { commitFiles, git } from "./helpers/git.js";

const bed = daemonTestBed("meshops-daemon-warnings");
let daemon: DaemonProcess;

const config = (version: string) => stringify({ controlPlane: { version, skipDefaultMeshCreation: true }, defaults: { materialize: false } });
const mesh = stringify({ type: "Mesh", name: "shop", skipCreatingInitialPolicies: ["*"] });

/**
 * The warnings `meshops plan` prints on stderr for the repository's HEAD: the control plane's as `meshops: warning: `
 * lines (given without that prefix), a resource's as `file:line:column: warning: ...` lines (given whole).
 */
async function planWarnings(): Promise<string[]> {
  const planned = await runCli(["plan", "--cp-url", bed.server.url], bed.repo.dir);
  assert.ok(planned.code === 0 || planned.code === 2, planned.stderr);
  return planned.stderr
    .split("\n")
    .filter((line) => line.startsWith("meshops: warning: ") || / warning: /.test(line))
    .map((line) => line.replace(/^meshops: warning: /, ""));
}

before(async () => {
  await bed.open();
  commitFiles(bed.repo.dir, { "meshops.yaml": config("2.12.14"), "meshes/shop.yaml": mesh }, "meshops.yaml names 2.12");
  daemon = await startWatch(["--repo", bed.repo.dir, "--branch", "main", "--cp-url", bed.server.url, "--drift-interval", "1h"], { cwd: bed.work });
});

test("the control plane's warnings of the last full comparison are on /api/status, as plan prints them, and go when meshops.yaml is fixed", async () => {
  const first = await untilApplied(daemon, git(bed.repo.dir, "rev-parse", "HEAD"));
  const expected = await planWarnings();
  assert.equal(expected.length, 1, expected.join("\n"));
  assert.match(expected[0] ?? "", /^the control plane runs Kuma 2\.14\.3, but meshops\.yaml says controlPlane\.version 2\.12\.14/);
  assert.deepEqual(first.controlPlane.warnings, expected);

  // meshops.yaml fixed: a full comparison without warnings, and the status says none.
  const fixed = commitFiles(bed.repo.dir, { "meshops.yaml": config("2.14.3") }, "meshops.yaml names 2.14");
  const after = await untilApplied(daemon, fixed);
  assert.deepEqual(await planWarnings(), []);
  assert.deepEqual(after.controlPlane.warnings, []);
});

test("a reference to a MeshService neither the repository nor the control plane has is a warning of the revision's validation on the status, as plan prints it", async () => {
  const route = stringify({
    type: "MeshTimeout",
    mesh: "shop",
    name: "to-backend",
    spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "MeshService", name: "backend" }, default: { connectionTimeout: "3s" } }] },
  });
  const referring = commitFiles(bed.repo.dir, { "meshes/to-backend.yaml": route }, "refer to backend");
  await untilApplied(daemon, referring);
  const printed = (await planWarnings()).filter((line) => line.includes("[unknown-service]"));
  assert.deepEqual(printed, [
    "meshes/to-backend.yaml:10:9: warning: MeshTimeout/shop/to-backend spec.to[0].targetRef.name: MeshService/shop/backend is defined neither in the repository nor in the control plane [unknown-service]",
  ]);
  const unknownOf = (status: StatusJson) =>
    (status.validation?.diagnostics ?? []).filter((d) => d.rule === "unknown-service").map((d) => `${d.file}:${d.line}:${d.column}: ${d.severity}: ${d.resource} ${d.path}: ${d.message} [${d.rule}]`);
  const status = await untilStatus(daemon, "the unknown reference on the status", (s) => (s.validation?.revision === referring && unknownOf(s).length > 0 ? s : undefined), 5_000);
  assert.deepEqual(unknownOf(status), printed);

  // The repository defines the MeshService: the next revision has no such warning, on the status or from plan.
  const backend = stringify({ type: "MeshService", mesh: "shop", name: "backend", spec: { selector: { dataplaneTags: { app: "backend" } }, ports: [{ port: 80, appProtocol: "http" }] } });
  const defined = commitFiles(bed.repo.dir, { "meshes/backend.yaml": backend }, "define backend");
  const after = await untilApplied(daemon, defined);
  assert.deepEqual((await planWarnings()).filter((line) => line.includes("[unknown-service]")), []);
  assert.equal(after.validation?.revision, defined);
  assert.deepEqual(unknownOf(after), []);
});
