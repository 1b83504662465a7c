/**
 * The CI side of the CLI, end to end on real Git repositories: `plan --base` across a history of commits, the report
 * formats and exit-code flags of validate, plan and drift, GitHub's job summary, and scripts/pr-check.sh (the one
 * command that reproduces a pull-request run locally).
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { runCli } from "./helpers/cli.js";
import { withControlPlaneServer } from "./helpers/controlPlane.js";
import { commitFiles, git, projectRoot, tempRepo } from "./helpers/git.js";
import { parseWorkflowOutput } from "./helpers/workflowCommands.js";
import { childrenNamed, parseXml } from "./helpers/xml.js";
import { meshTimeoutYaml } from "./helpers/policies.js";
import { openStore } from "../src/backend/store.js";
import { startControlPlaneServer } from "../src/cp/server.js";

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((c) => c()));
function repo(): string {
  const r = tempRepo();
  cleanups.push(r.cleanup);
  return r.dir;
}

interface PlanJson {
  summary: { create: number; update: number; delete: number; unchanged: number };
  changes: { action: string; resource: string; file?: string; line?: number; defaultOf?: string; diff: string }[];
  risks: { rule: string; resource: string }[];
}

const payments = "type: Mesh\nname: payments\nskipCreatingInitialPolicies: ['*']\n";
const timeout = (idle: string) => meshTimeoutYaml("web-timeouts", "payments", idle);

// ---------------------------------------------------------------------------------------------------------------------
// plan --base on a real history

test("plan --base across a Git history: mesh added with its defaults, policy changed, skip list changed, policy removed", async () => {
  const dir = repo();
  const c1 = commitFiles(dir, { "meshes/payments/mesh.yaml": payments, "meshes/payments/timeouts.yaml": timeout("1h") }, "payments");
  const c2 = commitFiles(dir, { "meshes/staging/mesh.yaml": "# staging\ntype: Mesh\nname: staging\n" }, "mesh added");
  const c3 = commitFiles(dir, { "meshes/payments/timeouts.yaml": timeout("2h") }, "policy changed");
  const c4 = commitFiles(dir, { "meshes/staging/mesh.yaml": "# staging\ntype: Mesh\nname: staging\nskipCreatingInitialPolicies: [MeshRetry]\n" }, "skip list changed");
  git(dir, "rm", "-q", "meshes/payments/timeouts.yaml");
  git(dir, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "policy removed");
  const c5 = git(dir, "rev-parse", "HEAD");

  const plan = async (base: string, ref: string, ...more: string[]) => {
    const run = await runCli(["plan", "--base", base, "--ref", ref, "--format", "json", ...more], dir);
    return { code: run.code, stderr: run.stderr, json: JSON.parse(run.stdout) as PlanJson };
  };
  const changes = (p: PlanJson) => p.changes.map((c) => `${c.action} ${c.resource} ${c.file ?? "-"}:${c.line ?? "-"}${c.defaultOf ? ` (${c.defaultOf})` : ""}`);

  // Mesh added: the Mesh and its four default policies, all pointing at the new file.
  const added = await plan(c1, c2);
  assert.equal(added.code, 2, added.stderr);
  assert.deepEqual(changes(added.json), [
    "create Mesh/staging meshes/staging/mesh.yaml:2",
    "create MeshCircuitBreaker/staging/mesh-circuit-breaker-all-staging meshes/staging/mesh.yaml:2 (Mesh/staging)",
    "create MeshRetry/staging/mesh-retry-all-staging meshes/staging/mesh.yaml:2 (Mesh/staging)",
    "create MeshTimeout/staging/mesh-gateways-timeout-all-staging meshes/staging/mesh.yaml:2 (Mesh/staging)",
    "create MeshTimeout/staging/mesh-timeout-all-staging meshes/staging/mesh.yaml:2 (Mesh/staging)",
  ]);
  assert.deepEqual(added.json.summary, { create: 5, update: 0, delete: 0, unchanged: 2 });
  assert.deepEqual(added.json.risks, []);

  // Policy changed: one update, diffed between the revisions.
  const changed = await plan(c2, c3);
  assert.deepEqual(changes(changed.json), ["update MeshTimeout/payments/web-timeouts meshes/payments/timeouts.yaml:1"]);
  assert.match(changed.json.changes[0]?.diff ?? "", /^--- base\/MeshTimeout\/payments\/web-timeouts\n\+\+\+ ref\/MeshTimeout\/payments\/web-timeouts\n[\s\S]*^-\s+idleTimeout: 1h0m0s\n\+\s+idleTimeout: 2h0m0s$/m);

  // Skip list changed: the Mesh is updated and the default it now skips is deleted (it comes from the Mesh's file).
  const skipped = await plan(c3, c4);
  assert.deepEqual(changes(skipped.json), [
    "update Mesh/staging meshes/staging/mesh.yaml:2",
    "delete MeshRetry/staging/mesh-retry-all-staging meshes/staging/mesh.yaml:2 (Mesh/staging)",
  ]);

  // Policy removed: a delete pointing at the file it was in; it was the mesh's last policy, so the guard fires.
  const removed = await plan(c4, c5);
  assert.equal(removed.code, 2);
  assert.deepEqual(changes(removed.json), ["delete MeshTimeout/payments/web-timeouts meshes/payments/timeouts.yaml:1"]);
  assert.deepEqual(removed.json.risks.map((r) => `${r.rule} ${r.resource}`), ["mass-change/all-policies-removed Mesh/payments"]);

  // The whole range at once, by branch-like revision names.
  const range = await plan(`${c5}~4`, "HEAD");
  assert.deepEqual(range.json.summary, { create: 4, update: 0, delete: 1, unchanged: 1 });

  // Exit-code flags: --fail-on risky fails only the flagged plan, none never fails; no changes is 0.
  assert.equal((await plan(c1, c2, "--fail-on", "risky")).code, 0);
  assert.equal((await plan(c4, c5, "--fail-on", "risky")).code, 2);
  assert.equal((await plan(c4, c5, "--fail-on", "none")).code, 0);
  assert.equal((await plan(c5, c5)).code, 0);

  // Text: grouped by mesh, each change with its file.
  const text = await runCli(["plan", "--base", c1, "--ref", c4], dir);
  assert.match(text.stdout, /^Mesh staging:\n {2}\+ create Mesh\/staging {2}\(meshes\/staging\/mesh\.yaml:2\)$/m);
  assert.match(text.stdout, /^ {2}\+ create MeshTimeout\/staging\/mesh-timeout-all-staging {2}\(default policy of Mesh\/staging: meshes\/staging\/mesh\.yaml:2\)$/m);
  assert.match(text.stdout, /^Plan: 4 to create, 1 to update, 0 to delete, 1 unchanged\. \([0-9a-f]{12} → [0-9a-f]{12}\)$/m);
});

test("plan --base: no control plane is contacted or accepted; an invalid ref fails, an invalid base is compared anyway", async () => {
  const dir = repo();
  const good = commitFiles(dir, { "mesh.yaml": payments, "t.yaml": timeout("1h") });
  const usage = await runCli(["plan", "--base", good, "--cp-url", "http://127.0.0.1:9"], dir);
  assert.equal(usage.code, 1);
  assert.match(usage.stderr, /--base compares two revisions offline; it takes no --cp-url/);

  const broken = commitFiles(dir, { "t.yaml": timeout("1h").replace("idleTimeout", "idleTimout") });
  const invalidRef = await runCli(["plan", "--base", good, "--ref", broken], dir);
  assert.equal(invalidRef.code, 1);
  assert.equal(invalidRef.stdout, "");
  assert.match(invalidRef.stderr, /idleTimout/);

  const fixed = commitFiles(dir, { "t.yaml": timeout("3h") });
  const fromBroken = await runCli(["plan", "--base", broken, "--ref", fixed, "--format", "json"], dir);
  assert.equal(fromBroken.code, 2, fromBroken.stderr);
  assert.match(fromBroken.stderr, /the base revision [0-9a-f]{12} is invalid \(2 errors\); comparing with the resources it defines/);
  assert.ok(!existsSync(path.join(dir, ".meshops")), "no embedded control plane was opened");
});

// ---------------------------------------------------------------------------------------------------------------------
// Formats and flags through the CLI

test("validate: every format from the CLI; --warnings-as-errors; the job summary gets the markdown", async () => {
  const dir = repo();
  commitFiles(dir, { "mesh.yaml": "type: Mesh\nname: edge\nskipCreatingInitialPolicies: [MeshTimeouts]\n" });
  const summary = path.join(mkdtempSync(path.join(tmpdir(), "meshops-summary-")), "summary.md");
  cleanups.push(() => rmSync(path.dirname(summary), { recursive: true, force: true }));

  const lenient = await runCli(["validate", "--format", "github"], dir, { GITHUB_STEP_SUMMARY: summary });
  assert.equal(lenient.code, 0);
  const log = parseWorkflowOutput(lenient.stdout);
  assert.deepEqual(log.commands.filter((c) => c.name === "warning").map((c) => [c.properties.file, c.properties.line, c.properties.col]), [["mesh.yaml", "3", "31"]]);
  assert.match(readFileSync(summary, "utf8"), /^<!-- meshops:validate -->\n### ✅ meshops validate: valid, 0 errors, 1 warning\n/);

  const strict = await runCli(["validate", "--format", "github", "--warnings-as-errors"], dir, { GITHUB_STEP_SUMMARY: summary });
  assert.equal(strict.code, 1);
  assert.match(strict.stderr, /failing on 1 warning \(--warnings-as-errors\)/);
  assert.equal(parseWorkflowOutput(strict.stdout).commands.filter((c) => c.name === "error").length, 1);
  // Appended, not overwritten: GitHub collects every step's summary in one file.
  assert.equal(readFileSync(summary, "utf8").split("<!-- meshops:validate -->").length, 3);
  assert.match(readFileSync(summary, "utf8"), /### ❌ meshops validate: failed \(warnings are errors\), 0 errors, 1 warning/);

  for (const format of ["markdown", "junit", "sarif", "json", "text"]) {
    const run = await runCli(["validate", "--format", format, "--warnings-as-errors"], dir);
    assert.equal(run.code, 1, format);
  }
  // JSON's verdict agrees with the exit code: a warning that fails makes it not valid.
  const json = (args: string[]) => runCli(["validate", "--format", "json", ...args], dir).then((run) => (JSON.parse(run.stdout) as { valid: boolean }).valid);
  assert.deepEqual([await json([]), await json(["--warnings-as-errors"])], [true, false]);
  const junit = parseXml((await runCli(["validate", "--format", "junit"], dir)).stdout);
  assert.equal(junit.attributes.tests, "1");
  const sarif = JSON.parse((await runCli(["validate", "--format", "sarif"], dir)).stdout) as { runs: { tool: { driver: { version: string } }; results: { ruleId: string }[] }[] };
  assert.deepEqual(sarif.runs[0]?.results.map((r) => r.ruleId), ["skip-list"]);
  const manifest = JSON.parse(readFileSync(path.join(projectRoot, "package.json"), "utf8")) as { version: string };
  assert.equal(sarif.runs[0]?.tool.driver.version, manifest.version);
});

test("--format github: a GITHUB_STEP_SUMMARY that cannot be written is one warning naming it; the check's verdict and exit code stand", async () => {
  const dir = repo();
  commitFiles(dir, { "mesh.yaml": "type: Mesh\nname: edge\n" });
  const parent = mkdtempSync(path.join(tmpdir(), "meshops-summary-"));
  cleanups.push(() => rmSync(parent, { recursive: true, force: true }));
  for (const summary of [path.join(parent, "missing", "summary.md"), parent]) {
    const run = await runCli(["validate", "--format", "github"], dir, { GITHUB_STEP_SUMMARY: summary });
    assert.equal(run.code, 0, run.stderr);
    // The report itself is whole on stdout.
    assert.match(run.stdout, /✓ valid: 0 errors, 0 warnings; 1 resource in 1 file at \w+\n[^]*::endgroup::\nmeshops validate at \w+: valid, 0 errors, 0 warnings\n/);
    const lines = run.stderr.trimEnd().split("\n");
    assert.equal(lines.length, 1, run.stderr);
    assert.match(lines[0] ?? "", new RegExp(`^meshops: warning: cannot append the markdown report to GITHUB_STEP_SUMMARY \\(${summary.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}\\): .+$`));
  }
});

test("validate --format github and markdown: the log group ends as the text report does, the head line says what was skipped and why", async () => {
  const dir = repo();
  const dataplane = "type: Dataplane\nname: web-1\nmesh: edge\nnetworking:\n  address: 10.0.0.1\n  inbound:\n    - port: 8080\n      tags:\n        kuma.io/service: web\n";
  const deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers: []\n";
  commitFiles(dir, { "mesh.yaml": "type: Mesh\nname: edge\n", "dataplane.yaml": dataplane, "deployment.yaml": deployment });
  const text = await runCli(["validate", "--format", "text"], dir);
  assert.equal(text.code, 0, text.stderr);
  const verdict = text.stdout.trimEnd().split("\n").at(-1) ?? "";
  // Both said, so a reader does not take the Dataplane or the Deployment for resources meshops applies.
  assert.match(verdict, /1 document of other kinds skipped; 1 Dataplane skipped \(resources\.dataplanes is off\)$/);
  const github = await runCli(["validate", "--format", "github"], dir, { GITHUB_STEP_SUMMARY: "" });
  assert.equal(github.code, 0, github.stderr);
  assert.equal(parseWorkflowOutput(github.stdout).inert.at(-1), verdict);
  // The job summary and the pull-request comment say it too.
  const markdown = await runCli(["validate", "--format", "markdown"], dir);
  assert.equal(markdown.code, 0, markdown.stderr);
  assert.match(markdown.stdout, /: 1 resource in 3 files; 1 document of other kinds skipped; 1 Dataplane skipped \(resources\.dataplanes is off\), no problems found\.\n/);
});

const failureOutputs = ["junit=r.xml", "sarif=r.sarif", "markdown=r.md", "json=r.json", "text=r.txt", "github=r.github"].flatMap((o) => ["--output", o]);

/** The --output files (failureOutputs) of a run that failed with an error each say it failed, and why in stderr's one line. */
function assertFailureReports(dir: string, command: string, run: Awaited<ReturnType<typeof runCli>>, secret?: string): void {
  const read = (file: string) => readFileSync(path.join(dir, file), "utf8");
  assert.equal(run.code, 1, run.stdout + run.stderr);
  const line = run.stderr.trimEnd().replace(/^meshops: /, "");
  assert.ok(line.length > 0 && !line.includes("\n"), run.stderr);
  // GitLab and Jenkins show an <error> of a test case; a JUnit file of no case would read as nothing tested.
  const testcase = childrenNamed(parseXml(read("r.xml")), "testsuite").flatMap((s) => childrenNamed(s, "testcase"));
  assert.deepEqual(testcase.map((c) => [c.attributes.classname, childrenNamed(c, "error")[0]?.attributes.message]), [[`meshops.${command}`, line]]);
  const sarif = JSON.parse(read("r.sarif")) as { runs: { invocations?: { executionSuccessful: boolean; toolExecutionNotifications: { level: string; message: { text: string } }[] }[]; results: unknown[] }[] };
  assert.deepEqual(sarif.runs[0]?.invocations, [{ executionSuccessful: false, toolExecutionNotifications: [{ level: "error", message: { text: line } }] }]);
  assert.deepEqual(sarif.runs[0]?.results, []);
  assert.match(read("r.md"), new RegExp(`^<!-- meshops:${command} -->\n### ❌ meshops ${command}: failed\n`));
  // Markdown's escapes (a backslash before punctuation) taken off, it says the line.
  assert.ok(read("r.md").replace(/\\(.)/g, "$1").includes(line), read("r.md"));
  assert.deepEqual(JSON.parse(read("r.json")), { error: line });
  assert.equal(read("r.txt"), `meshops ${command} failed: ${line}\n`);
  assert.deepEqual(parseWorkflowOutput(read("r.github")).commands.map((c) => [c.name, c.message]), [["error", line]]);
  if (secret !== undefined) for (const file of ["r.xml", "r.sarif", "r.md", "r.json", "r.txt", "r.github"]) assert.ok(!read(file).includes(secret), `${file} shows the token`);
}

test("drift and plan failing with an error (a refused token, nothing listening) still write every --output file, saying why in one line", async () => {
  const dir = repo();
  commitFiles(dir, { "mesh.yaml": payments });
  const stateDir = mkdtempSync(path.join(tmpdir(), "meshops-cp-"));
  cleanups.push(() => rmSync(stateDir, { recursive: true, force: true }));
  const store = await openStore({ stateDir });
  const server = await startControlPlaneServer({ store, port: 0, token: "the-right-token" });
  const wrongToken = "wrong-t0ken-s3cr3t";
  try {
    const refused = await runCli(["drift", "--cp-url", server.url, ...failureOutputs], dir, { MESHOPS_CP_TOKEN: wrongToken });
    assert.match(refused.stderr, /401|token|authenticat/i);
    assertFailureReports(dir, "drift", refused, wrongToken);
    assertFailureReports(dir, "plan", await runCli(["plan", "--cp-url", server.url, ...failureOutputs], dir, { MESHOPS_CP_TOKEN: wrongToken }), wrongToken);
  } finally {
    await server.close();
    await store.close();
  }
  // Nothing listens there now.
  const unreachable = await runCli(["drift", "--cp-url", server.url, ...failureOutputs], dir);
  assert.match(unreachable.stderr, /ECONNREFUSED|refused|reach/i);
  assertFailureReports(dir, "drift", unreachable);
});

test("validate failing with an error (a --repo that is no repository, an unknown --ref) writes every --output file as plan and drift do, not leaving an earlier run's", async () => {
  const dir = repo();
  commitFiles(dir, { "mesh.yaml": payments });
  // An earlier run's reports, which a CI would otherwise upload for this one.
  assert.equal((await runCli(["validate", ...failureOutputs], dir)).code, 0);
  const notARepo = mkdtempSync(path.join(tmpdir(), "meshops-not-a-repo-"));
  cleanups.push(() => rmSync(notARepo, { recursive: true, force: true }));
  const elsewhere = await runCli(["validate", "--repo", path.join(notARepo, "missing"), ...failureOutputs], dir);
  assertFailureReports(dir, "validate", elsewhere);
  const unknownRef = await runCli(["validate", "--ref", "no-such-ref", ...failureOutputs], dir);
  assert.match(unknownRef.stderr, /no-such-ref/);
  assertFailureReports(dir, "validate", unknownRef);
});

test("a run failing with an error prints its failure report on stdout in the machine-read formats (json, junit, sarif, github), as `--format junit > drift.xml` writes it; text and markdown leave stdout to stderr's line", async () => {
  const dir = repo();
  commitFiles(dir, { "mesh.yaml": payments });
  // Nothing listens at this address once the server is closed.
  let cpUrl = "";
  await withControlPlaneServer({}, async (url) => void (cpUrl = url));
  const failing: Record<string, readonly string[]> = { validate: ["validate", "--ref", "no-such-ref"], plan: ["plan", "--cp-url", cpUrl], drift: ["drift", "--cp-url", cpUrl] };
  for (const [command, args] of Object.entries(failing)) {
    for (const stdout of [["--format"], ["--output"]]) {
      const run = async (format: string) => {
        const r = await runCli([...args, ...stdout, format], dir, { GITHUB_STEP_SUMMARY: "" });
        assert.equal(r.code, 1, `${command} ${format}: ${r.stdout}${r.stderr}`);
        const line = r.stderr.trimEnd().replace(/^meshops: /, "");
        assert.ok(line.length > 0 && !line.includes("\n"), r.stderr);
        return { stdout: r.stdout, line };
      };
      const junit = await run("junit");
      const cases = childrenNamed(parseXml(junit.stdout), "testsuite").flatMap((s) => childrenNamed(s, "testcase"));
      assert.deepEqual(cases.map((c) => childrenNamed(c, "error")[0]?.attributes.message), [junit.line], `${command}: ${junit.stdout}`);
      const json = await run("json");
      assert.deepEqual(JSON.parse(json.stdout), { error: json.line });
      const sarif = await run("sarif");
      assert.equal((JSON.parse(sarif.stdout) as { runs: { invocations: { executionSuccessful: boolean }[] }[] }).runs[0]?.invocations[0]?.executionSuccessful, false);
      const github = await run("github");
      assert.deepEqual(parseWorkflowOutput(github.stdout).commands.map((c) => [c.name, c.properties.title, c.message]), [["error", `meshops ${command}`, github.line]]);
      for (const format of ["text", "markdown"]) assert.equal((await run(format)).stdout, "", `${command} ${format}: stderr says it`);
    }
  }
});

test("plan with nothing to do says one resource in the singular, in text and in the github report", async () => {
  const dir = repo();
  const stateDir = mkdtempSync(path.join(tmpdir(), "meshops-cp-"));
  cleanups.push(() => rmSync(stateDir, { recursive: true, force: true }));
  commitFiles(dir, { "mesh.yaml": payments });
  assert.equal((await runCli(["apply", "--yes", "--state-dir", stateDir], dir)).code, 0);
  const text = await runCli(["plan", "--state-dir", stateDir], dir);
  assert.equal(text.stdout, "No changes: 1 resource in sync.\n", text.stderr);
  const github = await runCli(["plan", "--state-dir", stateDir, "--format", "github"], dir, { GITHUB_STEP_SUMMARY: "" });
  assert.match(github.stdout, /: No changes: 1 resource unchanged\.$/m);
});

test("drift against the embedded control plane: every format, --fail-on, and the files each item comes from", async () => {
  const dir = repo();
  const stateDir = mkdtempSync(path.join(tmpdir(), "meshops-cp-"));
  cleanups.push(() => rmSync(stateDir, { recursive: true, force: true }));
  commitFiles(dir, { "meshes/mesh.yaml": payments, "meshes/timeouts.yaml": timeout("1h"), "meshes/retry.yaml": timeout("5h").replace("web-timeouts", "old") });
  const cp = ["--state-dir", stateDir];
  const apply = await runCli(["apply", "--prune", "--yes", ...cp], dir);
  assert.equal(apply.code, 0, apply.stdout + apply.stderr);
  assert.equal((await runCli(["drift", ...cp], dir)).code, 0);

  // The repository moves on without applying: one modified, one missing, one orphaned.
  git(dir, "rm", "-q", "meshes/retry.yaml");
  commitFiles(dir, { "meshes/timeouts.yaml": timeout("2h"), "meshes/new.yaml": timeout("1h").replace("web-timeouts", "new") });

  const junit = await runCli(["drift", "--format", "junit", ...cp], dir);
  assert.equal(junit.code, 2, junit.stderr);
  const cases = childrenNamed(parseXml(junit.stdout), "testsuite").flatMap((s) => childrenNamed(s, "testcase"));
  const failures = Object.fromEntries(cases.filter((c) => childrenNamed(c, "failure").length).map((c) => [c.attributes.name, childrenNamed(c, "failure")[0]?.attributes.type]));
  assert.ok(
    Object.entries({ "MeshTimeout/payments/web-timeouts": "drift/modified", "MeshTimeout/payments/new": "drift/missing", "MeshTimeout/payments/old": "drift/orphaned" }).every(
      ([k, v]) => failures[k] === v,
    ),
    JSON.stringify(failures),
  );

  const github = await runCli(["drift", "--format", "github", ...cp], dir, {});
  const modified = parseWorkflowOutput(github.stdout).commands.find((c) => c.properties.title === "meshops drift: modified MeshTimeout/payments/web-timeouts");
  assert.deepEqual([modified?.name, modified?.properties.file, modified?.properties.line], ["error", "meshes/timeouts.yaml", "1"]);

  assert.equal((await runCli(["drift", "--fail-on", "none", "--format", "markdown", ...cp], dir)).code, 0);
  const sarif = await runCli(["drift", "--format", "sarif", ...cp], dir);
  assert.equal(sarif.code, 2);
  assert.ok((JSON.parse(sarif.stdout) as { runs: { results: unknown[] }[] }).runs[0]?.results.length);
});

/**
 * GitHub code scanning refuses a whole SARIF file when one result has no physical location with a relative URI
 * ("locationFromSarifResult: expected at least one location" / "expected artifact location"). Returns each result's
 * rule and URI.
 */
function codeScanningLocations(sarif: string): [string, string][] {
  const results = (JSON.parse(sarif) as { runs: { results: { ruleId: string; locations?: { physicalLocation?: { artifactLocation?: { uri?: string } } }[] }[] }[] }).runs.flatMap((r) => r.results);
  return results.map((r) => {
    const uri = r.locations?.[0]?.physicalLocation?.artifactLocation?.uri;
    assert.ok(uri !== undefined && uri !== "" && !/^[a-z]+:/i.test(uri), `${r.ruleId}: no relative artifact location, code scanning refuses the file: ${JSON.stringify(r.locations)}`);
    return [r.ruleId, uri];
  });
}

test("sarif: every result has a location GitHub code scanning accepts, a problem of no file anchored at --path's folder (validate of an emptied folder, drift of a resource the repository no longer has)", async () => {
  const dir = repo();
  const stateDir = mkdtempSync(path.join(tmpdir(), "meshops-cp-"));
  cleanups.push(() => rmSync(stateDir, { recursive: true, force: true }));
  commitFiles(dir, { "README.md": "# mesh\n", "mesh-config/mesh.yaml": payments, "mesh-config/old.yaml": timeout("1h") });
  const cp = ["--state-dir", stateDir];
  assert.equal((await runCli(["apply", "--path", "mesh-config", "--prune", "--yes", ...cp], dir)).code, 0);
  git(dir, "rm", "-q", "mesh-config/old.yaml");
  commitFiles(dir, {});
  const drift = await runCli(["drift", "--path", "mesh-config", "--fail-on", "any", "--format", "sarif", ...cp], dir);
  assert.equal(drift.code, 2, drift.stderr);
  assert.deepEqual(codeScanningLocations(drift.stdout), [["drift/orphaned", "mesh-config"]]);

  // The pull request that deletes the whole folder: validate's one problem is the folder's.
  git(dir, "rm", "-q", "-r", "mesh-config");
  commitFiles(dir, {});
  const validate = await runCli(["validate", "--path", "./mesh-config/", "--format", "sarif"], dir);
  assert.equal(validate.code, 1);
  assert.deepEqual(codeScanningLocations(validate.stdout), [["empty-repository", "mesh-config"]]);
  const root = await runCli(["validate", "--path", ".", "--format", "sarif"], dir);
  assert.deepEqual(codeScanningLocations(root.stdout), [["empty-repository", "."]]);
});

test("sarif from a sub-folder of the checkout (--repo, or run inside it, with --path): every location relative to the repository's root (git rev-parse --show-toplevel), where code scanning resolves %SRCROOT%", async () => {
  const dir = repo();
  const stateDir = mkdtempSync(path.join(tmpdir(), "meshops-cp-"));
  cleanups.push(() => rmSync(stateDir, { recursive: true, force: true }));
  commitFiles(dir, { "infra/mesh-config/mesh.yaml": payments, "infra/mesh-config/old.yaml": timeout("1h"), "infra/empty/README.md": "# nothing yet\n" });
  const infra = path.join(dir, "infra");
  const topLevel = git(infra, "rev-parse", "--show-toplevel");
  // Each location names a file or folder the repository's root has.
  const locations = (sarif: string): [string, string][] => {
    const found = codeScanningLocations(sarif);
    for (const [rule, uri] of found) assert.ok(existsSync(path.join(topLevel, decodeURIComponent(uri))), `${rule}: ${uri} is not in the repository's root ${topLevel}`);
    return found;
  };
  const cp = ["--state-dir", stateDir];
  assert.equal((await runCli(["apply", "--repo", "infra", "--path", "mesh-config", "--prune", "--yes", ...cp], dir)).code, 0);
  commitFiles(dir, { "infra/mesh-config/mesh.yaml": `${payments}bogus: 1\n` });

  // A problem in a file: the file's path from the root, whether meshops runs at the root with --repo or inside the folder.
  const atRoot = await runCli(["validate", "--repo", "infra", "--path", "mesh-config", "--format", "sarif"], dir);
  assert.equal(atRoot.code, 1, atRoot.stderr);
  assert.deepEqual(locations(atRoot.stdout), [["schema", "infra/mesh-config/mesh.yaml"]]);
  const inside = await runCli(["validate", "--path", "mesh-config", "--format", "sarif"], infra);
  assert.deepEqual(locations(inside.stdout), [["schema", "infra/mesh-config/mesh.yaml"]]);

  // A problem of no file: anchored at the folder read, named from the root (not from --repo).
  const empty = await runCli(["validate", "--repo", "infra", "--path", "empty", "--format", "sarif"], dir);
  assert.equal(empty.code, 1, empty.stderr);
  assert.deepEqual(locations(empty.stdout), [["empty-repository", "infra/empty"]]);
  const emptyInside = await runCli(["validate", "--path", "empty", "--format", "sarif"], infra);
  assert.deepEqual(locations(emptyInside.stdout), [["empty-repository", "infra/empty"]]);
  const wholeSubFolder = await runCli(["validate", "--repo", "infra/empty", "--format", "sarif"], dir);
  assert.deepEqual(locations(wholeSubFolder.stdout), [["empty-repository", "infra/empty"]]);

  // drift of a resource the repository no longer has.
  commitFiles(dir, { "infra/mesh-config/mesh.yaml": payments });
  git(dir, "rm", "-q", "infra/mesh-config/old.yaml");
  commitFiles(dir, {});
  const drift = await runCli(["drift", "--repo", "infra", "--path", "mesh-config", "--fail-on", "any", "--format", "sarif", ...cp], dir);
  assert.equal(drift.code, 2, drift.stderr);
  assert.deepEqual(locations(drift.stdout), [["drift/orphaned", "infra/mesh-config"]]);
});

test("plan and drift: an invalid repository is reported in the requested format, exit 1, and no control plane is opened", async () => {
  const dir = repo();
  commitFiles(dir, { "mesh.yaml": payments, "t.yaml": timeout("1h").replace("idleTimeout", "idleTimout") });
  const stateDir = path.join(mkdtempSync(path.join(tmpdir(), "meshops-invalid-")), "cp");
  cleanups.push(() => rmSync(path.dirname(stateDir), { recursive: true, force: true }));
  for (const command of ["plan", "drift"]) {
    const run = async (format: string) => {
      const result = await runCli([command, "--state-dir", stateDir, "--format", format], dir);
      assert.equal(result.code, 1, `${command} --format ${format}: ${result.stderr}`);
      assert.match(result.stderr, /the repository is invalid; nothing was compared or applied/);
      return result.stdout;
    };
    const json = JSON.parse(await run("json")) as { valid: boolean; diagnostics: { file: string; line: number; resource: string; path: string }[] };
    assert.equal(json.valid, false);
    // The misspelt field, and the `default` left with no field it knows.
    assert.deepEqual(json.diagnostics.map((d) => [d.file, d.line, d.resource, d.path]), [
      ["t.yaml", 10, "MeshTimeout/payments/web-timeouts", "spec.to[0].default"],
      ["t.yaml", 11, "MeshTimeout/payments/web-timeouts", "spec.to[0].default.idleTimout"],
    ]);

    const github = parseWorkflowOutput(await run("github")).commands.filter((c) => c.name === "error");
    assert.deepEqual(github.map((c) => [c.properties.file, c.properties.line, c.properties.title?.startsWith(`meshops ${command}: `)]), [["t.yaml", "10", true], ["t.yaml", "11", true]]);

    const sarif = JSON.parse(await run("sarif")) as { runs: { automationDetails: { id: string }; results: { level: string }[] }[] };
    // Its own category: code scanning must not take a plan's findings for validate's.
    assert.equal(sarif.runs[0]?.automationDetails.id, `meshops/${command}/`);
    assert.deepEqual(sarif.runs[0]?.results.map((r) => r.level), ["error", "error"]);

    const junit = parseXml(await run("junit"));
    const failures = childrenNamed(junit, "testsuite").flatMap((s) => childrenNamed(s, "testcase")).filter((c) => childrenNamed(c, "failure").length > 0);
    assert.deepEqual(failures.map((c) => c.attributes.name), ["MeshTimeout/payments/web-timeouts"]);
    assert.match(junit.attributes.name ?? "", new RegExp(`^meshops ${command} `));

    // The pull-request comment keeps one comment per command (its marker), so an invalid plan does not replace validate's.
    assert.match(await run("markdown"), new RegExp(`^<!-- meshops:${command} -->\n### ❌ meshops ${command}: invalid, 2 errors, 0 warnings\n`));

    // Text stays on stderr, as before: stdout is for the plan or drift report only.
    const text = await runCli([command, "--state-dir", stateDir], dir);
    assert.deepEqual([text.code, text.stdout], [1, ""]);
    assert.match(text.stderr, /t\.yaml:11:\d+: error: .*idleTimout/);
  }
  assert.ok(!existsSync(stateDir), "no control plane was opened");
});

test("--output: one run writes several formats to several files and at most one to stdout, as separate runs would (validate, plan, drift)", async () => {
  const dir = repo();
  const base = commitFiles(dir, { "meshes/mesh.yaml": payments, "meshes/timeouts.yaml": timeout("1h") });
  const head = commitFiles(dir, { "meshes/timeouts.yaml": timeout("2h"), "meshes/warn.yaml": "type: Mesh\nname: edge\nskipCreatingInitialPolicies: [MeshTimeouts]\n" });
  const out = mkdtempSync(path.join(tmpdir(), "meshops-outputs-"));
  cleanups.push(() => rmSync(out, { recursive: true, force: true }));
  const summary = path.join(out, "summary.md");
  const alone = async (args: string[], format: string) => (await runCli([...args, "--format", format], dir)).stdout;

  const cases: [string, string[]][] = [
    ["validate", ["validate"]],
    ["plan", ["plan", "--base", base, "--ref", head]],
  ];
  for (const [kind, args] of cases) {
    const run = await runCli(
      [...args, "--output", `markdown=${out}/${kind}.md`, "--output", `sarif=${out}/${kind}.sarif`, "--output", "github", "--output", `junit=${kind}.junit.xml`],
      dir,
      { GITHUB_STEP_SUMMARY: summary },
    );
    assert.equal(run.code, kind === "plan" ? 2 : 0, run.stderr);
    assert.equal(run.stdout, await alone(args, "github"), `${kind}: stdout is the github report`);
    assert.equal(readFileSync(path.join(out, `${kind}.md`), "utf8"), await alone(args, "markdown"));
    assert.equal(readFileSync(path.join(out, `${kind}.sarif`), "utf8"), await alone(args, "sarif"));
    // A relative file is relative to the working directory.
    assert.equal(readFileSync(path.join(dir, `${kind}.junit.xml`), "utf8"), await alone(args, "junit"));
    // The job summary gets the markdown report once per run.
    assert.equal(readFileSync(summary, "utf8").split(`<!-- meshops:${kind} -->`).length, 2, kind);
  }
  // --format is the one on stdout; --output adds files.
  const both = await runCli(["validate", "--format", "json", "--output", `text=${out}/validate.txt`], dir);
  assert.equal(both.stdout, await alone(["validate"], "json"));
  assert.equal(readFileSync(path.join(out, "validate.txt"), "utf8"), await alone(["validate"], "text"));

  const stateDir = path.join(out, "cp");
  assert.equal((await runCli(["apply", "--ref", base, "--state-dir", stateDir], dir)).code, 0);
  const drift = await runCli(["drift", "--state-dir", stateDir, "--output", `json=${out}/drift.json`, "--output", `junit=${out}/drift.junit.xml`], dir);
  assert.equal(drift.code, 2, drift.stderr);
  assert.equal(drift.stdout, "", "every report went to a file");
  assert.equal(readFileSync(path.join(out, "drift.json"), "utf8"), await alone(["drift", "--state-dir", stateDir], "json"));
  assert.equal(readFileSync(path.join(out, "drift.junit.xml"), "utf8"), await alone(["drift", "--state-dir", stateDir], "junit"));

  // Refused before any work, in one line.
  const twoOnStdout = await runCli(["validate", "--format", "github", "--output", "markdown"], dir);
  assert.equal(twoOnStdout.code, 1);
  assert.match(twoOnStdout.stderr, /^meshops: only one report can go to stdout, not github and markdown: give the others a file/);
  const sameFile = await runCli(["plan", "--base", base, "--output", "json=r.out", "--output", "sarif=r.out"], dir);
  assert.match(sameFile.stderr, /^meshops: --output names .*r\.out twice/);
  const unknown = await runCli(["validate", "--output", "pdf=r.pdf"], dir);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /the format must be one of text, json, markdown, github, junit, sarif: got pdf/);
  const unwritable = await runCli(["validate", "--output", `json=${out}/no-such-dir/v.json`], dir);
  assert.equal(unwritable.code, 1);
  assert.match(unwritable.stderr, /^meshops: cannot write --output json=.*no-such-dir\/v\.json/);
});

test("help documents the formats and the exit-code flags", async () => {
  const dir = repo();
  const help = async (command: string) => (await runCli([command, "--help"], dir)).stdout;
  const validate = await help("validate");
  assert.match(validate, /--warnings-as-errors/);
  assert.match(validate, /"text",\s+"json",\s+"markdown",\s+"github",\s+"junit",\s+"sarif"/);
  const plan = await help("plan");
  for (const flag of ["--base <rev>", "--fail-on <what>", "--markdown-limit <chars>", "risky"]) assert.ok(plan.includes(flag), flag);
  const drift = await help("drift");
  assert.match(drift, /--fail-on <what>[\s\S]*"drift",\s+"any",\s+"none"/);
});

// ---------------------------------------------------------------------------------------------------------------------
// scripts/pr-check.sh: the pull-request run, reproduced locally

test("scripts/pr-check.sh BASE HEAD runs validate and plan --base like the Action, writes the comment, and exits like CI", () => {
  const dir = repo();
  const base = commitFiles(dir, { "config/mesh.yaml": payments, "config/t.yaml": timeout("1h"), "config/mtp.yaml": mtp });
  git(dir, "rm", "-q", "config/mtp.yaml");
  const head = commitFiles(dir, { "config/t.yaml": timeout("2h") });
  const out = mkdtempSync(path.join(tmpdir(), "meshops-pr-"));
  cleanups.push(() => rmSync(out, { recursive: true, force: true }));
  const script = path.join(projectRoot, "scripts/pr-check.sh");
  const env = { ...process.env, GITHUB_STEP_SUMMARY: "", GITHUB_ACTIONS: "" };
  const run = (...args: string[]) => spawnSync("bash", [script, ...args], { cwd: dir, encoding: "utf8", env });

  const flagged = run("--path", "config", "--out", out, base, head);
  assert.equal(flagged.status, 2, flagged.stdout + flagged.stderr);
  const log = parseWorkflowOutput(flagged.stdout);
  assert.ok(log.commands.some((c) => c.name === "error" && c.properties.title === "meshops plan: mass change: delete MeshTrafficPermission/payments/allow-all"));
  const comment = readFileSync(path.join(out, "comment.md"), "utf8");
  assert.match(comment, /^<!-- meshops:pr-check -->\n/);
  assert.match(comment, /<!-- meshops:validate -->[\s\S]*<!-- meshops:plan -->/);
  assert.match(comment, /> \[!CAUTION\]/);
  assert.ok(comment.length <= 65_000);
  for (const file of ["validate.sarif", "validate.junit.xml", "plan.json", "plan.junit.xml"]) assert.ok(existsSync(path.join(out, file)), file);

  // Only annotating: the guard still shows, the check passes.
  assert.equal(run("--path", "config", "--out", out, "--plan-fail-on", "none", base, head).status, 0);

  // An invalid head fails with 1, and the comment says why.
  const broken = commitFiles(dir, { "config/t.yaml": timeout("2h").replace("idleTimeout", "idleTimout") });
  const invalid = run("--path", "config", "--out", out, head, broken);
  assert.equal(invalid.status, 1, invalid.stdout + invalid.stderr);
  assert.match(readFileSync(path.join(out, "comment.md"), "utf8"), /### ❌ meshops validate: invalid/);
  for (const file of ["plan.md", "plan.json", "plan.junit.xml"]) assert.ok(!existsSync(path.join(out, file)), `${file}: not planned, no earlier run's report left`);

  // A run that fails before it validates (an unknown revision) leaves no report of an earlier run behind: validate's
  // say it failed, and there is no comment (an invalid head's) and no plan.
  const failed = run("--path", "config", "--out", out, head, "no-such-ref");
  assert.equal(failed.status, 1);
  assert.match(failed.stderr, /^pr-check: HEAD: cannot resolve revision "no-such-ref" to a commit$/m);
  for (const file of ["comment.md", "plan.md", "plan.json", "plan.junit.xml"]) assert.ok(!existsSync(path.join(out, file)), `${file}: left from an earlier run`);
  assert.match(readFileSync(path.join(out, "validate.md"), "utf8"), /^<!-- meshops:validate -->\n### ❌ meshops validate: failed\n[\s\S]*no-such-ref/);
  assert.match(readFileSync(path.join(out, "validate.junit.xml"), "utf8"), /<error [^>]*no-such-ref/);

  // Usage errors: one line naming the option, before anything runs.
  assert.notEqual(run().status, 0);
  const failOn = run("--path", "config", "--out", out, "--plan-fail-on", "riksy", base, head);
  assert.deepEqual([failOn.status, failOn.stdout, failOn.stderr], [1, "", 'pr-check: --plan-fail-on must be changes, risky or none, not "riksy"\n']);
  const file = path.join(out, "comment.md");
  writeFileSync(file, "");
  const notFolder = run("--path", "config", "--out", file, base, head);
  assert.deepEqual([notFolder.status, notFolder.stdout, notFolder.stderr], [1, "", `pr-check: --out ${file}: ${file} exists and is not a directory\n`]);
  assert.match(execFileSync("bash", [script, "--help"], { encoding: "utf8" }), /Usage: scripts\/pr-check\.sh/);
});

test("scripts/pr-check.sh with a BASE or a HEAD that names no commit: one line saying which; validate's reports kept (of the failure, for HEAD)", () => {
  const dir = repo();
  commitFiles(dir, { "config/mesh.yaml": payments });
  const out = mkdtempSync(path.join(tmpdir(), "meshops-pr-"));
  cleanups.push(() => rmSync(out, { recursive: true, force: true }));
  const env = { ...process.env, GITHUB_STEP_SUMMARY: "", GITHUB_ACTIONS: "" };
  for (const [named, revisions] of [["BASE", ["nosuch", "HEAD"]], ["HEAD", ["HEAD", "nosuch"]]] as const) {
    for (const format of ["text", "github"]) {
      const run = spawnSync("bash", [path.join(projectRoot, "scripts/pr-check.sh"), "--format", format, "--path", "config", "--out", out, ...revisions], { cwd: dir, encoding: "utf8", env });
      assert.equal(run.status, 1, run.stdout + run.stderr);
      const said = `${run.stdout}${run.stderr}`.split("\n").filter((line) => line.includes("nosuch"));
      assert.deepEqual(said, [`pr-check: ${named}: cannot resolve revision "nosuch" to a commit`], `${named}, --format ${format}`);
      assert.doesNotMatch(run.stderr, /meshops failed/, "the problem is said once");
      const validateReport = readFileSync(path.join(out, "validate.md"), "utf8");
      if (named === "BASE") assert.match(validateReport, /### ✅ meshops validate/, "HEAD was validated first");
      else assert.match(validateReport, /### ❌ meshops validate: failed\n[\s\S]*nosuch/);
      if (named === "HEAD") assert.match(readFileSync(path.join(out, "validate.junit.xml"), "utf8"), /<error [^>]*nosuch/);
      assert.ok(!existsSync(path.join(out, "comment.md")), "no comment without a plan");
    }
  }
});

test("scripts/pr-check.sh --allow-empty: a configuration folder with no files yet passes, as the Action's allow-empty input; without it, exit 1", () => {
  const dir = repo();
  const base = commitFiles(dir, { "config/README.md": "# to come\n" });
  const head = commitFiles(dir, { "config/README.md": "# soon\n" });
  const out = mkdtempSync(path.join(tmpdir(), "meshops-pr-"));
  cleanups.push(() => rmSync(out, { recursive: true, force: true }));
  const env = { ...process.env, GITHUB_STEP_SUMMARY: "", GITHUB_ACTIONS: "" };
  const run = (...args: string[]) => spawnSync("bash", [path.join(projectRoot, "scripts/pr-check.sh"), "--format", "text", "--path", "config", "--out", out, ...args], { cwd: dir, encoding: "utf8", env });
  const strict = run(base, head);
  assert.equal(strict.status, 1, strict.stdout + strict.stderr);
  assert.match(strict.stdout, /no YAML configuration files in "config".*--allow-empty/);
  const allowed = run("--allow-empty", base, head);
  assert.equal(allowed.status, 0, allowed.stdout + allowed.stderr);
  assert.ok(existsSync(path.join(out, "plan.md")));
});

test("scripts/pr-check.sh: validate and plan share the step's 10 annotations of each level, so what the plan cannot show is counted, not dropped by GitHub unsaid", () => {
  const dir = repo();
  // Twelve permissions with the deprecated `from`: twelve validation warnings, more than one step shows.
  const permissions = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`config/mtp-${i}.yaml`, mtp.replace("allow-all", `allow-${i}`)]));
  const base = commitFiles(dir, { "config/mesh.yaml": payments, ...permissions });
  git(dir, "rm", "-q", "config/mtp-0.yaml");
  git(dir, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "one permission less");
  const head = git(dir, "rev-parse", "HEAD");
  const out = mkdtempSync(path.join(tmpdir(), "meshops-pr-"));
  cleanups.push(() => rmSync(out, { recursive: true, force: true }));
  const env = { ...process.env, GITHUB_STEP_SUMMARY: "", GITHUB_ACTIONS: "" };
  // --plan-fail-on none: the guard's flag is a warning, the level validation's warnings have used up.
  const run = spawnSync("bash", [path.join(projectRoot, "scripts/pr-check.sh"), "--path", "config", "--out", out, "--plan-fail-on", "none", base, head], { cwd: dir, encoding: "utf8", env });
  assert.equal(run.status, 0, run.stdout + run.stderr);
  const log = parseWorkflowOutput(run.stdout);
  const warnings = log.commands.filter((c) => c.name === "warning");
  assert.equal(warnings.length, 10, "GitHub keeps the step's first 10 warnings and drops the rest without a word");
  assert.ok(warnings.every((c) => c.properties.title?.startsWith("meshops validate")));
  // Before the fix the plan printed the guard's warning as the step's eleventh, which GitHub dropped, and counted nothing.
  assert.ok(
    log.plain.some((l) => /^meshops plan: 1 more annotation not shown \(GitHub shows 10 of each level per step, some already printed by this step\): 1 warning; /.test(l)),
    log.plain.join("\n"),
  );
});

const mtp = "type: MeshTrafficPermission\nname: allow-all\nmesh: payments\nspec:\n  targetRef:\n    kind: Mesh\n  from:\n    - targetRef:\n        kind: Mesh\n      default:\n        action: Allow\n";

test("markdown shortened in a sub-folder's report: the command it says to run to see everything names --path, and runs", async () => {
  const dir = repo();
  // Permissions with `from`, each a deprecation warning, so that validate's report is shortened too.
  const policies = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`mesh-config/mtp-${i}.yaml`, mtp.replace("allow-all", `mtp-${i}`)]));
  // A monorepo: a Helm chart beside the mesh configuration, which is not configuration.
  const base = commitFiles(dir, { "mesh-config/mesh.yaml": payments, "charts/app/templates/cm.yaml": "kind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n" });
  const head = commitFiles(dir, policies);
  for (const [command, args] of [
    ["plan", ["--base", base, "--ref", head]],
    ["validate", ["--ref", head]],
  ] as const) {
    const shortened = await runCli([command, "--path", "mesh-config", ...args, "--format", "markdown", "--markdown-limit", "1000"], dir);
    assert.equal(shortened.code, command === "plan" ? 2 : 0, shortened.stderr);
    const rerun = /Run `(meshops [^`]+)` to see everything/.exec(shortened.stdout)?.[1];
    assert.ok(rerun, shortened.stdout);
    assert.match(rerun, /--path mesh-config/);
    const again = await runCli(rerun.split(" ").slice(1), dir);
    // Read at the repository's root, the chart would make it invalid (exit 1).
    assert.equal(again.code, shortened.code, `${rerun}: ${again.stdout}${again.stderr}`);
  }
});

test("scripts/pr-check.sh in a GitLab merge-request clone (GIT_DEPTH=20, detached HEAD) whose CI_MERGE_REQUEST_DIFF_BASE_SHA is deeper: one error saying what to set on GitLab", () => {
  const source = repo();
  const diffBase = commitFiles(source, { "mesh-config/mesh.yaml": payments, "mesh-config/t.yaml": timeout("1h") });
  git(source, "checkout", "-q", "-b", "feature");
  for (let i = 0; i < 25; i++) commitFiles(source, { "mesh-config/t.yaml": timeout(`${i + 2}h`) }, `push ${i}`);
  const head = git(source, "rev-parse", "HEAD");
  // What the GitLab runner does with GIT_DEPTH: 20: a fetch of that depth, then the commit checked out detached.
  const clone = repo();
  git(clone, "remote", "add", "origin", `file://${source}`);
  git(clone, "fetch", "-q", "--depth=20", "origin", "+refs/heads/feature:refs/remotes/origin/feature");
  git(clone, "checkout", "-q", "--detach", head);
  const out = mkdtempSync(path.join(tmpdir(), "meshops-pr-"));
  cleanups.push(() => rmSync(out, { recursive: true, force: true }));
  const env = { ...process.env, GITHUB_STEP_SUMMARY: "", GITHUB_ACTIONS: "", CI_MERGE_REQUEST_DIFF_BASE_SHA: diffBase };
  const run = spawnSync("bash", [path.join(projectRoot, "scripts/pr-check.sh"), "--format", "text", "--path", "mesh-config", "--out", out, diffBase, "HEAD"], { cwd: clone, encoding: "utf8", env });
  assert.equal(run.status, 1, run.stdout + run.stderr);
  const errors = run.stderr.split("\n").filter((l) => l.includes(diffBase));
  assert.equal(errors.length, 1, run.stderr);
  assert.match(errors[0] ?? "", /GIT_DEPTH: "0"/);
  assert.doesNotMatch(run.stderr, /before it could report/, "validate did report: its files are in --out");
  assert.ok(existsSync(path.join(out, "validate.junit.xml")));
});
