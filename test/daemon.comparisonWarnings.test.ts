/**
 * What a full comparison warns about the control plane (sync/reconcile.ts compare()'s warnings: a version line or
 * product other than meshops.yaml's, a kind it does not serve, ...) is on the status, as `meshops plan` prints it:
 * before, the daemon only logged each message once, so `/api/status` and the page said nothing while `plan` warned.
 * The daemon as a child process, a real Git repository, the embedded control plane (Kuma 2.14.3) over HTTP.
 */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { stringify } from "yaml";
import { runCli } from "./helpers/cli.js";
import { startWatch, type DaemonProcess } from "./helpers/daemon.js";
import { daemonTestBed, untilApplied } from "./helpers/daemonBed.js";
import { commitFiles, git } from "./helpers/git.js";

const bed = daemonTestBed("meshops-daemon-warnings");
let daemon: DaemonProcess;

const config = (version: string) => stringify({ controlPlane: { version, skipDefaultMeshCreation: true }, defaults: { materialize: false } });
const mesh = stringify({ type: "Mesh", name: "shop", skipCreatingInitialPolicies: ["*"] });

/** The warnings `meshops plan` prints on stderr for the repository's HEAD, one `meshops: warning: ` line each. */
async function planWarnings(): Promise<string[]> {
  const planned = await runCli(["plan", "--cp-url", bed.server.url], bed.repo.dir);
  assert.ok(planned.code === 0 || planned.code === 2, planned.stderr);
  return planned.stderr
    .split("\n")
    .filter((line) => line.startsWith("meshops: warning: "))
    .map((line) => line.slice("meshops: warning: ".length));
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
