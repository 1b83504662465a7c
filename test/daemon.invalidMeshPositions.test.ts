/**
 * In `meshops watch`, a revision invalid in one mesh is applied in the others, the invalid mesh keeping the last
 * revision's resources (daemon/gate.ts composeTarget). A file both meshes write to is then read at the head for the
 * valid mesh's resources and at an earlier revision for the kept ones: the valid mesh's warnings keep their field's
 * line and column, and a kept resource's warning stays at its document (the head's text is not the one it came from).
 * The daemon as a child process, a real Git repository, the embedded control plane over HTTP.
 */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { startWatch, type DaemonProcess, type LogEntry } from "./helpers/daemon.js";
import { daemonTestBed, untilApplied } from "./helpers/daemonBed.js";
import { commitFiles, git } from "./helpers/git.js";

const bed = daemonTestBed("meshops-daemon-positions");
let daemon: DaemonProcess;

const mesh = (name: string) => `type: Mesh\nname: ${name}\nskipCreatingInitialPolicies: ['*']\n`;
/** A timeout of `mesh` for the MeshService `service`; `extra` lines go before its `to:`, `idleTimeout` as given. */
const timeout = (mesh: string, service: string, { extra = "", idleTimeout = "1m" } = {}) =>
  `type: MeshTimeout\nname: to-${service}\nmesh: ${mesh}\nspec:\n  targetRef:\n    kind: Mesh\n${extra}  to:\n    - targetRef:\n        kind: MeshService\n        name: ${service}\n      default:\n        idleTimeout: ${idleTimeout}\n`;

/** The file both meshes write to: shop's timeout (to phantom), then blog's (to ghost). */
const shared = (shop: string) => `${shop}---\n${timeout("blog", "ghost")}`;

before(async () => {
  await bed.open();
  commitFiles(bed.repo.dir, {
    "meshops.yaml": "controlPlane:\n  skipDefaultMeshCreation: true\n",
    "meshes/shop.yaml": mesh("shop"),
    "meshes/blog.yaml": mesh("blog"),
    "meshes/shared.yaml": shared(timeout("shop", "phantom")),
  });
  daemon = await startWatch(["--repo", bed.repo.dir, "--branch", "main", "--cp-url", bed.server.url, "--drift-interval", "1h"], { cwd: bed.work });
});

/** The daemon's unknown-reference warning about `resource` at `revision`, as logged (`file:line:column: ...`). */
async function unknownReference(revision: string, resource: string): Promise<string> {
  const entry: LogEntry = await daemon.untilLog(`the unknown reference of ${resource} at ${revision.slice(0, 12)}`, (e) => e.event === "reference.unknown" && e.revision === revision && e.resource === resource, 15_000);
  return String(entry.msg).split(": ")[0] ?? "";
}

test("a file shared by an invalid mesh and a valid one: the valid mesh's warnings keep their field's position, the kept resource's stay at its document", async () => {
  const revision = git(bed.repo.dir, "rev-parse", "HEAD");
  await untilApplied(daemon, revision);
  // All valid: each warning at the `name:` of its reference (line 10 of shop's document, of blog's, which starts at 14).
  assert.equal(await unknownReference(revision, "MeshTimeout/shop/to-phantom"), "meshes/shared.yaml:10:9");
  assert.equal(await unknownReference(revision, "MeshTimeout/blog/to-ghost"), "meshes/shared.yaml:23:9");

  // shop's timeout made invalid, two lines longer: shop keeps the last revision's, blog gets the head's.
  const invalid = commitFiles(bed.repo.dir, { "meshes/shared.yaml": shared(timeout("shop", "phantom", { extra: "  # two more lines\n  #\n", idleTimeout: "soon" })) }, "shop invalid");
  // blog's reference is now two lines further down, and said there: the head wrote it.
  assert.equal(await unknownReference(invalid, "MeshTimeout/blog/to-ghost"), "meshes/shared.yaml:25:9");
  // shop's kept timeout came from the last revision's text, not the head's: at its document, not at a field of another text.
  assert.equal(await unknownReference(invalid, "MeshTimeout/shop/to-phantom"), "meshes/shared.yaml:1:1");
});
