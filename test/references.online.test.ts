/**
 * Online reference checks (issue 12 item 2): plan, apply and watch check the references to MeshServices the repository
 * does not define against the MeshServices the control plane has, and warn, one line per reference with file:line,
 * only about those neither knows. Offline, validate sums them up per mesh as before. A real Git repository, the
 * embedded control plane served over HTTP in this process (holding a MeshService a zone would have generated), the
 * CLI in-process and the daemon as a child process.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { openStore, type ControlPlaneStore } from "../src/backend/store.js";
import { startControlPlaneServer, type ControlPlaneServer } from "../src/cp/server.js";
import { runCli } from "./helpers/cli.js";
import { exitWithin, killAll, startWatch } from "./helpers/daemon.js";
import { commitFiles, tempRepo } from "./helpers/git.js";
import { parseWorkflowOutput } from "./helpers/workflowCommands.js";

const repo = tempRepo("meshops-refs-");
const work = mkdtempSync(path.join(tmpdir(), "meshops-refs-work-"));
let store: ControlPlaneStore;
let server: ControlPlaneServer;

const service = (name: string) =>
  `type: MeshService\nname: ${name}\nmesh: payments\nspec:\n  selector:\n    dataplaneTags:\n      kuma.io/service: ${name}\n  ports:\n    - name: http\n      port: 8080\n      targetPort: 8080\n      appProtocol: http\n`;
/** A timeout per service, one document each, so every reference has a line of its own. */
const timeouts = (...services: string[]) =>
  services
    .map(
      (s) =>
        `type: MeshTimeout\nname: to-${s}\nmesh: payments\nspec:\n  targetRef:\n    kind: Mesh\n  to:\n    - targetRef:\n        kind: MeshService\n        name: ${s}\n      default:\n        idleTimeout: 1m\n`,
    )
    .join("---\n");

before(async () => {
  // web is defined here; ledger only live (a zone generated it); billing live under the name a global control plane
  // gives what a zone synced to it (`<name>-<hash>`, the name in kuma.io/display-name); ghost nowhere (a typo, or a
  // service that is gone).
  commitFiles(repo.dir, {
    "meshops.yaml": "controlPlane:\n  skipDefaultMeshCreation: true\n",
    "meshes/payments/mesh.yaml": "type: Mesh\nname: payments\nskipCreatingInitialPolicies: ['*']\n",
    "meshes/payments/services.yaml": service("web"),
    "meshes/payments/timeouts.yaml": timeouts("web", "ledger", "ghost", "billing"),
  });
  store = await openStore({ stateDir: path.join(work, "cp"), skipMeshCreation: true });
  server = await startControlPlaneServer({ store, port: 0 });
  for (const [url, body] of [
    ["/meshes/payments", { type: "Mesh", name: "payments", skipCreatingInitialPolicies: ["*"] }],
    ["/meshes/payments/meshservices/ledger", { type: "MeshService", name: "ledger", mesh: "payments", spec: { ports: [{ port: 8080, targetPort: 8080, appProtocol: "http" }] } }],
    [
      "/meshes/payments/meshservices/billing-5d4c3b2a1f0e9d8c",
      { type: "MeshService", name: "billing-5d4c3b2a1f0e9d8c", mesh: "payments", labels: { "kuma.io/display-name": "billing" }, spec: { ports: [{ port: 8080, targetPort: 8080, appProtocol: "http" }] } },
    ],
  ] as const) {
    const res = await fetch(`${server.url}${url}`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    assert.ok(res.ok, `PUT ${url}: ${res.status} ${await res.text()}`);
  }
});

after(async () => {
  killAll();
  await server.close();
  await store.close();
  repo.cleanup();
  rmSync(work, { recursive: true, force: true });
});

/** The ghost reference's `name:` (column 9): the tenth line of the third document of timeouts.yaml, not the document's first. */
const GHOST_LINE = 1 + 2 * (timeouts("web").split("\n").length - 1 + 1) + 9;
const ghostWarning = new RegExp(
  `^meshes/payments/timeouts\\.yaml:${GHOST_LINE}:9: warning: MeshTimeout/payments/to-ghost spec\\.to\\[0\\]\\.targetRef\\.name: MeshService/payments/ghost is defined neither in the repository nor in the control plane \\[unknown-service\\]$`,
  "m",
);

test("offline, validate sums the references up per mesh, as before: ledger, billing and ghost alike", async () => {
  const run = await runCli(["validate", "--repo", repo.dir], work);
  assert.equal(run.code, 0, run.stdout);
  assert.match(run.stdout, /warning: Mesh\/payments: mesh "payments": 3 references to 3 services not defined here, expected from zones: billing, ghost, ledger \[zone-provided-services\]/);
  assert.doesNotMatch(run.stdout + run.stderr, /unknown-service/);
});

test("plan and apply against the control plane warn about ghost only, at its file and line", async () => {
  const cp = ["--repo", repo.dir, "--cp-url", server.url];
  const plan = await runCli(["plan", ...cp], work);
  assert.equal(plan.code, 2, plan.stderr);
  assert.match(plan.stderr, ghostWarning);
  assert.equal(plan.stderr.match(/\[unknown-service\]/g)?.length, 1, plan.stderr);
  assert.doesNotMatch(plan.stderr, /ledger|billing|MeshService\/payments\/web/);

  const apply = await runCli(["apply", ...cp], work);
  assert.equal(apply.code, 0, apply.stderr);
  assert.match(apply.stderr, ghostWarning);
  assert.equal(apply.stderr.match(/\[unknown-service\]/g)?.length, 1, apply.stderr);

  // plan --base is offline: no control plane, so nothing to check against and nothing said.
  const offline = await runCli(["plan", "--repo", repo.dir, "--base", "HEAD"], work);
  assert.equal(offline.code, 0, offline.stderr);
  assert.doesNotMatch(offline.stderr, /unknown-service/);
});

test("plan --format github: the reference neither knows is a warning annotation at its field, within the cap; other formats keep stderr's line", async () => {
  const cp = ["--repo", repo.dir, "--cp-url", server.url];
  const github = await runCli(["plan", ...cp, "--format", "github"], work);
  assert.notEqual(github.code, 1, github.stderr);
  const log = parseWorkflowOutput(github.stdout);
  const warnings = log.commands.filter((c) => c.name === "warning");
  assert.deepEqual(
    warnings.map((c) => [c.properties.file, c.properties.line, c.properties.col, c.properties.title, c.message]),
    [["meshes/payments/timeouts.yaml", String(GHOST_LINE), "9", "meshops plan: unknown-service", "MeshTimeout/payments/to-ghost spec.to[0].targetRef.name: MeshService/payments/ghost is defined neither in the repository nor in the control plane"]],
  );
  // Said once, by the report: not a plain stderr line beside the annotation, and every one in the log group.
  assert.doesNotMatch(github.stderr, /unknown-service/);
  assert.ok(log.inert.some((line) => ghostWarning.test(line)), log.inert.join("\n"));

  // Within the cap: no warning annotation left (an earlier command of the step printed 10), so it is counted.
  const jobSummary = path.join(work, "step-summary.md");
  const capped = await runCli(["plan", ...cp, "--format", "github", "--annotations-limit", "warning=0"], work, { GITHUB_STEP_SUMMARY: jobSummary });
  const cappedLog = parseWorkflowOutput(capped.stdout);
  assert.deepEqual(cappedLog.commands.filter((c) => c.name === "warning"), []);
  assert.ok(cappedLog.plain.some((line) => /more annotations? not shown .*: 1 warning; every one is in the log group below and in the job summary\.$/.test(line)), capped.stdout);
  assert.ok(cappedLog.inert.some((line) => ghostWarning.test(line)), capped.stdout);
  // The job summary, as the cap line says, lists it too: at its field, as the markdown report lists its other warnings.
  const summary = readFileSync(jobSummary, "utf8");
  assert.ok(
    summary.includes(`| ⚠️ warning | \`meshes/payments/timeouts.yaml:${GHOST_LINE}:9\` | \`MeshTimeout/payments/to-ghost\` | \`spec.to[0].targetRef.name\` | MeshService/payments/ghost is defined neither in the repository nor in the control plane | \`unknown-service\` |`),
    summary,
  );

  // --output github to a file: the file has the annotation, and stderr keeps its line for the text on stdout.
  const file = path.join(work, "plan.github");
  const both = await runCli(["plan", ...cp, "--output", `github=${file}`], work);
  assert.match(both.stderr, ghostWarning);
  assert.equal(parseWorkflowOutput(readFileSync(file, "utf8")).commands.filter((c) => c.name === "warning" && c.properties.title === "meshops plan: unknown-service").length, 1);

  const json = await runCli(["plan", ...cp, "--format", "json"], work);
  assert.match(json.stderr, ghostWarning);
});

test("watch logs one warning per reference neither knows, with file and line", async () => {
  const daemon = await startWatch(["--repo", repo.dir, "--branch", "main", "--cp-url", server.url, "--drift-interval", "1h"], { cwd: work });
  const warning = await daemon.untilLog("the unknown reference", (e) => e.event === "reference.unknown");
  assert.deepEqual([warning.file, warning.line, warning.resource, warning.path], ["meshes/payments/timeouts.yaml", GHOST_LINE, "MeshTimeout/payments/to-ghost", "spec.to[0].targetRef.name"]);
  assert.match(warning.msg ?? "", new RegExp(`^meshes/payments/timeouts\\.yaml:${GHOST_LINE}:9: `), "the column of the field too");
  await daemon.untilLog("the reconcile's end", (e) => e.event === "reconcile.done");
  const unknown = daemon.lines.filter((l) => l.includes('"event":"reference.unknown"'));
  assert.equal(unknown.length, 1, unknown.join("\n"));
  assert.doesNotMatch(unknown.join("\n"), /ledger|billing/);
  daemon.child.kill("SIGTERM");
  assert.equal((await exitWithin(daemon, 10_000)).code, 0);
});
