/**
 * The CI report formats (markdown, github, junit, sarif; plus the plan's text and json) as pure renderers, on three
 * fixtures under test/fixtures/report:
 *
 * - validate/repo: errors (yaml-syntax, not-a-mapping, schema, semantic, tenancy) and warnings (skip-list,
 *   dangling-reference) over two meshes, next to inline private keys;
 * - plan/base → plan/ref: creates (a new Mesh and its four default policies, a policy, a default policy a skip-list
 *   change brings back), updates (a spec, a rotated inline CA key), deletes (a whole Mesh, every policy of a mesh, a
 *   MeshTrafficPermission, a MeshTLS): every mass-change rule fires;
 * - drift: desired.yaml against live.json: missing, modified (a spec and a rotated key), orphaned, unmanaged.
 *
 * Goldens pin every format (UPDATE_GOLDEN=1 rewrites them); the github output is read back with the runner's command
 * syntax, junit with a strict XML parser, sarif against the vendored SARIF 2.1.0 schema; no format shows a secret.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { DEFAULT_CONFIG } from "../src/config/repoConfig.js";
import { buildDesired } from "../src/desired/index.js";
import { classifyDrift } from "../src/diff/drift.js";
import { planChanges, type Change, type Plan } from "../src/diff/plan.js";
import { locationsOf, planRevisions } from "../src/diff/revisions.js";
import { classifyPlanRisks } from "../src/diff/risk.js";
import { isShownToPeople, type Diagnostic } from "../src/model/diagnostic.js";
import { subjectOf } from "../src/model/key.js";
import type { JsonObject, Resource } from "../src/model/resource.js";
import { toResource } from "../src/parse/convert.js";
import { DEFAULT_SYSTEM_NAMESPACES } from "../src/kuma/naming.js";
import { parseYaml } from "../src/parse/documents.js";
import {
  driftExitCodeFor,
  planExitCode,
  validateExitCode,
  whereDefinedIn,
  type DriftFailOn,
  type DriftReportInput,
  type PlanFailOn,
  type PlanReport,
  type ValidateReport,
} from "../src/report/common.js";
import { annotation, escapeData, escapeProperty, inertGroup, renderDriftGithub, renderPlanGithub, renderValidateGithub } from "../src/report/github.js";
import { renderDriftJunit, renderPlanJunit, renderValidateJunit } from "../src/report/junit.js";
import { MARKDOWN_LIMIT, renderDriftMarkdown, renderPlanMarkdown, renderValidateMarkdown } from "../src/report/markdown.js";
import { renderPlanJson, renderPlanReportText } from "../src/report/plan.js";
import { renderDriftSarif, renderPlanSarif, renderValidateSarif } from "../src/report/sarif.js";
import { validateSnapshot } from "../src/validate/index.js";
import { projectRoot } from "./helpers/git.js";
import { assertGolden } from "./helpers/golden.js";
import { snapshotOf } from "./helpers/snapshot.js";
import { parseWorkflowOutput } from "./helpers/workflowCommands.js";
import { childrenNamed, parseXml, textOf, type XmlElement } from "./helpers/xml.js";

const fixtures = path.join(projectRoot, "test/fixtures/report");
const BASE_REV = "4b4c65c2cba9d1e0f00d4e1a6b0c2f3e5d6a7b8c";
const REF_REV = "42c7ac2d04e3a1b2c3d4e5f60718293a4b5c6d7e";
const TOOL = { name: "meshops", version: "0.0.0-test" };

/** Text of the inline secrets in the fixtures: none may appear in any report. */
const SECRETS = ["PRIVATE KEY", "-----BEGIN CERTIFICATE", "REPORTCA", "REPORTCLIENT", "UkVQT1JU", "DRIFTCA", "MIIE", "MIIB"];

// ---------------------------------------------------------------------------------------------------------------------
// Fixture data

function validateReport(warningsAsErrors = false): ValidateReport {
  const snapshot = snapshotOf(path.join(fixtures, "validate/repo"), REF_REV);
  const result = validateSnapshot(snapshot);
  return {
    valid: result.valid,
    diagnostics: result.diagnostics,
    revision: result.revision,
    files: snapshot.files.length,
    resources: result.resources.map((r) => ({ subject: subjectOf(r), ...(r.source ? { location: { file: r.source.file, line: r.source.line, column: r.source.column } } : {}) })),
    warningsAsErrors,
  };
}

function desiredAt(folder: string, revision: string): readonly Resource[] {
  const result = validateSnapshot(snapshotOf(path.join(fixtures, folder), revision));
  assert.ok(result.valid, `${folder} is a valid repository: ${JSON.stringify(result.diagnostics)}`);
  return buildDesired(result.resources, result.config, { major: 2 }).resources;
}

function planReport(failOn: PlanFailOn = "changes"): PlanReport {
  const base = desiredAt("plan/base", BASE_REV);
  const ref = desiredAt("plan/ref", REF_REV);
  const plan = planRevisions(base, ref);
  return { plan, risks: classifyPlanRisks(plan), locations: locationsOf(ref, base), base: BASE_REV, ref: REF_REV, failOn };
}

function driftInput(failOn: DriftFailOn = "drift"): DriftReportInput {
  const parsed = parseYaml(readFileSync(path.join(fixtures, "drift/desired.yaml"), "utf8"));
  const resources = parsed.documents.map((doc) => {
    const conversion = toResource("meshes/payments/desired.yaml", doc, { systemNamespaces: DEFAULT_SYSTEM_NAMESPACES });
    assert.ok(conversion.resource);
    return conversion.resource;
  });
  const desired = buildDesired(resources, DEFAULT_CONFIG, { major: 2 }).resources;
  const live = JSON.parse(readFileSync(path.join(fixtures, "drift/live.json"), "utf8")) as JsonObject[];
  const report = classifyDrift(desired, live, { instance: DEFAULT_CONFIG.instance });
  return { report, resources: desired.map((r) => subjectOf(r)), locations: locationsOf(desired), ref: REF_REV, failOn };
}

// ---------------------------------------------------------------------------------------------------------------------
// The fixtures say what they are meant to

test("fixtures: validate has errors and warnings, plan creates, updates, deletes and trips every guard, drift has every kind", () => {
  const v = validateReport();
  const rules = new Set(v.diagnostics.map((d) => d.rule));
  for (const rule of ["yaml-syntax", "not-a-mapping", "schema", "semantic", "tenancy/tenant-folders", "skip-list", "dangling-reference"]) assert.ok(rules.has(rule), rule);
  assert.ok(v.diagnostics.some((d) => d.severity === "warning") && v.diagnostics.some((d) => d.severity === "error"));
  assert.ok(v.diagnostics.some((d) => d.resource === ""), "a problem not tied to a resource");

  const p = planReport();
  assert.deepEqual(p.plan.summary, { create: 7, update: 3, delete: 6, unchanged: 3 });
  assert.deepEqual(p.risks.map((r) => `${r.rule} ${r.resource}`), [
    "mass-change/mesh-deleted Mesh/legacy",
    "mass-change/all-policies-removed Mesh/analytics",
    "mass-change/traffic-permission-removed MeshTrafficPermission/payments/allow-web",
    "mass-change/mesh-tls-removed MeshTLS/payments/payments-tls",
  ]);

  assert.deepEqual(driftInput().report.summary, { missing: 1, modified: 2, orphaned: 1, unmanaged: 1 });
});

// ---------------------------------------------------------------------------------------------------------------------
// Goldens

const renderers: Record<string, () => string> = {
  "validate/expected.md": () => renderValidateMarkdown(validateReport()),
  "validate/expected.github.txt": () => renderValidateGithub(validateReport()),
  "validate/expected.junit.xml": () => renderValidateJunit(validateReport()),
  "validate/expected.sarif.json": () => renderValidateSarif(validateReport(), TOOL),
  "plan/expected.txt": () => renderPlanReportText(planReport()),
  "plan/expected.json": () => renderPlanJson(planReport().plan, planReport()),
  "plan/expected.md": () => renderPlanMarkdown(planReport()),
  "plan/expected.truncated.md": () => renderPlanMarkdown(planReport(), { maxLength: 4000 }),
  "plan/expected.github.txt": () => renderPlanGithub(planReport("risky")),
  "plan/expected.junit.xml": () => renderPlanJunit(planReport("risky")),
  "plan/expected.sarif.json": () => renderPlanSarif(planReport("risky"), TOOL),
  "drift/expected.md": () => renderDriftMarkdown(driftInput()),
  "drift/expected.github.txt": () => renderDriftGithub(driftInput()),
  "drift/expected.junit.xml": () => renderDriftJunit(driftInput()),
  "drift/expected.sarif.json": () => renderDriftSarif(driftInput(), TOOL),
};

for (const [golden, render] of Object.entries(renderers)) {
  test(`golden ${golden}`, () => {
    const output = render();
    assertGolden(path.join(fixtures, golden), output);
    assert.equal(render(), output, "deterministic");
  });
}

// ---------------------------------------------------------------------------------------------------------------------
// Secrets

test("no format of validate, plan or drift shows secret data, whatever the flags", () => {
  const outputs: [string, string][] = [];
  for (const warningsAsErrors of [false, true]) {
    const v = validateReport(warningsAsErrors);
    outputs.push(["validate markdown", renderValidateMarkdown(v)], ["validate github", renderValidateGithub(v)], ["validate junit", renderValidateJunit(v)], [
      "validate sarif",
      renderValidateSarif(v, TOOL),
    ]);
  }
  for (const failOn of ["changes", "risky", "none"] as const) {
    const p = planReport(failOn);
    outputs.push(
      ["plan text", renderPlanReportText(p)],
      ["plan json", renderPlanJson(p.plan, p)],
      ["plan markdown", renderPlanMarkdown(p)],
      ["plan github", renderPlanGithub(p)],
      ["plan junit", renderPlanJunit(p)],
      ["plan sarif", renderPlanSarif(p, TOOL)],
    );
  }
  for (const failOn of ["drift", "any", "none"] as const) {
    const d = driftInput(failOn);
    outputs.push(["drift markdown", renderDriftMarkdown(d)], ["drift github", renderDriftGithub(d)], ["drift junit", renderDriftJunit(d)], [
      "drift sarif",
      renderDriftSarif(d, TOOL),
    ]);
  }
  for (const [name, output] of outputs) {
    for (const secret of SECRETS) assert.ok(!output.includes(secret), `${name} shows "${secret}"`);
  }
  // The rotation is still visible, as a change and nothing more.
  const md = renderPlanMarkdown(planReport());
  const mesh = md.slice(md.indexOf("🔄 update <code>Mesh/payments</code>"));
  assert.match(mesh, /^-\s+inlineString: \(redacted\)$/m);
  assert.match(mesh, /^\+\s+inlineString: \(redacted, changed\)$/m);
});

// ---------------------------------------------------------------------------------------------------------------------
// github: the runner's command syntax

test("github: every line is a well-formed workflow command or inert text, and the annotations point at the problems", () => {
  const v = validateReport();
  const log = parseWorkflowOutput(renderValidateGithub(v));
  const annotations = log.commands.filter((c) => ["error", "warning", "notice"].includes(c.name));
  // Info items (the references behind a zone-provided-services warning) are json/sarif detail, never annotations.
  // Errors rank first (GitHub shows only so many of each level), each level in report order.
  const rank = { error: 0, warning: 1, info: 2 } as const;
  const shown = v.diagnostics.filter(isShownToPeople).sort((a, b) => rank[a.severity] - rank[b.severity]);
  assert.ok(v.diagnostics.some((d) => !isShownToPeople(d)), "the fixture has info items");
  assert.equal(annotations.length, shown.length);
  shown.forEach((d, i) => {
    const a = annotations[i];
    assert.ok(a);
    assert.equal(a.name, d.severity);
    assert.deepEqual(a.properties, { file: d.file, line: String(d.line), col: String(d.column), title: `meshops validate: ${d.rule}` });
    assert.ok(a.message.endsWith(d.message));
  });
  // With --warnings-as-errors every warning is an error annotation.
  const strict = parseWorkflowOutput(renderValidateGithub(validateReport(true), shown.length));
  assert.ok(strict.commands.filter((c) => c.name === "warning").length === 0);
  assert.equal(strict.commands.filter((c) => c.name === "error").length, shown.length);
});

test("github: plan annotations are notices, risky ones errors under --fail-on risky and changes, warnings under none", () => {
  for (const [failOn, riskyLevel, plainLevel] of [
    ["changes", "error", "error"],
    ["risky", "error", "notice"],
    ["none", "warning", "notice"],
  ] as const) {
    const p = planReport(failOn);
    // No cap here: every change's annotation is looked at (the cap has its own tests, report.annotations).
    const log = parseWorkflowOutput(renderPlanGithub(p, p.plan.changes.length));
    const byTitle = new Map(log.commands.filter((c) => c.properties.title).map((c) => [c.properties.title ?? "", c]));
    const del = byTitle.get("meshops plan: mass change: delete MeshTrafficPermission/payments/allow-web");
    assert.equal(del?.name, riskyLevel, failOn);
    assert.equal(del?.properties.file, "meshes/payments/policies.yaml", "a delete points at the file it is deleted from");
    assert.match(del?.message ?? "", /what it allowed or denied/);
    assert.equal(byTitle.get("meshops plan: update MeshTimeout/payments/web-timeouts")?.name, plainLevel, failOn);
    // A Mesh that stays but loses its policies gets its own annotation on the Mesh's file.
    const analytics = byTitle.get("meshops plan: mass change (all-policies-removed)");
    assert.equal(analytics?.properties.file, "meshes/analytics/mesh.yaml");
    // A default policy points at the Mesh that makes it.
    const retry = byTitle.get("meshops plan: create MeshRetry/staging/mesh-retry-all-staging");
    assert.deepEqual([retry?.properties.file, retry?.properties.line], ["meshes/staging/mesh.yaml", "2"]);
    assert.match(retry?.message ?? "", /default policy of Mesh\/staging/);
    assert.ok(log.inert.some((l) => l.includes("+ create Mesh/staging")), "the text plan is in the log, inert");
    // With --base, as in text: by mesh, each change with the file it comes from.
    assert.ok(log.inert.includes("Mesh staging:"), log.inert.join("\n"));
    assert.ok(log.inert.some((l) => l.includes("+ create Mesh/staging") && l.includes("(meshes/staging/mesh.yaml:")), log.inert.join("\n"));
  }
  const drift = parseWorkflowOutput(renderDriftGithub(driftInput()));
  const levels = Object.fromEntries(drift.commands.filter((c) => c.properties.title).map((c) => [c.properties.title, c.name]));
  assert.deepEqual(levels, {
    "meshops drift: modified Mesh/payments": "error",
    "meshops drift: missing MeshRetry/payments/web-retries": "error",
    "meshops drift: modified MeshTimeout/payments/web-timeouts": "error",
    "meshops drift: orphaned MeshTimeout/payments/old-timeouts": "error",
    "meshops drift: unmanaged MeshRetry/payments/hand-made": "warning",
  });
});

test("github: escaping per the runner: %, CR, LF in data; also : and , in properties; values round-trip", () => {
  assert.equal(escapeData("100% done\r\nnext: a,b"), "100%25 done%0D%0Anext: a,b");
  assert.equal(escapeProperty("dir/a,b:c%.yaml\n"), "dir/a%2Cb%3Ac%25.yaml%0A");
  const file = "meshes/odd,name:50%.yaml";
  const message = "line one: 100%\nline two, with ::error:: inside\r\nend";
  const line = annotation("error", { file, line: 3, col: 7, title: "t: a, b" }, message);
  assert.equal(line.split("\n").length, 1, "one command, one line");
  const [command] = parseWorkflowOutput(line + "\n").commands;
  assert.deepEqual(command?.properties, { file, line: "3", col: "7", title: "t: a, b" });
  assert.equal(command?.message, message);
  // line and col only with a file; nothing but the title without one.
  assert.equal(annotation("warning", { line: 3, title: "x" }, "m"), "::warning title=x::m");
});

test("github: repository text that looks like a command stays inert in the log", () => {
  const hostile = ["::error::injected", "    ::add-mask::x", "::stop-commands::abc", "##[error]old style", "::endgroup::"].join("\n");
  const log = parseWorkflowOutput(inertGroup("title", hostile) + "\n");
  assert.deepEqual(log.commands.map((c) => c.name), ["group", "stop-commands", "endgroup"]);
  assert.deepEqual(log.inert, hostile.split("\n"));
});

// ---------------------------------------------------------------------------------------------------------------------
// junit: parsed back as XML

const cases = (root: XmlElement) => childrenNamed(root, "testsuite").flatMap((s) => childrenNamed(s, "testcase"));
const failed = (c: XmlElement) => childrenNamed(c, "failure").length > 0;

test("junit validate: one test case per resource, a failure per error; warnings fail only as errors", () => {
  const v = validateReport();
  const root = parseXml(renderValidateJunit(v));
  assert.equal(root.name, "testsuites");
  const all = cases(root);
  for (const r of v.resources) assert.ok(all.some((c) => c.attributes.name === r.subject && c.attributes.file === r.location?.file), r.subject);
  const failures = all.flatMap((c) => childrenNamed(c, "failure"));
  assert.equal(failures.length, v.diagnostics.filter((d) => d.severity === "error").length);
  for (const d of v.diagnostics.filter((x) => x.severity === "error")) {
    assert.ok(failures.some((f) => f.attributes.type === d.rule && textOf(f).includes(d.message)), `${d.rule}: ${d.message}`);
  }
  const notes = all.flatMap((c) => childrenNamed(c, "system-out")).map(textOf).join("\n");
  for (const d of v.diagnostics.filter((x) => x.severity === "warning")) assert.ok(notes.includes(d.message));
  assert.equal(root.attributes.failures, String(all.filter(failed).length));
  assert.equal(root.attributes.tests, String(all.length));

  const strict = parseXml(renderValidateJunit(validateReport(true)));
  // With --warnings-as-errors warnings fail too; info items never do.
  assert.equal(cases(strict).flatMap((c) => childrenNamed(c, "failure")).length, v.diagnostics.filter(isShownToPeople).length);
});

test("junit plan and drift: a case per resource; failures follow --fail-on; the guard has its own suite", () => {
  for (const failOn of ["changes", "risky", "none"] as const) {
    const p = planReport(failOn);
    const root = parseXml(renderPlanJunit(p));
    const suites = childrenNamed(root, "testsuite");
    assert.equal(suites[0]?.attributes.name, "mass-change guard");
    const resources = suites.slice(1).flatMap((s) => childrenNamed(s, "testcase"));
    assert.deepEqual(resources.map((c) => c.attributes.name).sort(), p.plan.changes.map((c) => c.resource).sort());
    const failing = resources.filter(failed).map((c) => c.attributes.name).sort();
    const expected = p.plan.changes.filter((c) => (failOn === "changes" ? c.action !== "unchanged" : failOn === "risky" ? isRisky(c, p) : false)).map((c) => c.resource);
    assert.deepEqual(failing, expected.sort(), failOn);
    assert.equal(childrenNamed(suites[0] as XmlElement, "testcase").filter(failed).length, failOn === "none" ? 0 : p.risks.length);
  }
  for (const failOn of ["drift", "any", "none"] as const) {
    const d = driftInput(failOn);
    const all = cases(parseXml(renderDriftJunit(d)));
    const subjects = new Set([...(d.resources ?? []), ...d.report.items.map((i) => i.resource)]);
    assert.equal(all.length, subjects.size);
    const failing = all.filter(failed).map((c) => c.attributes.name).sort();
    const expected = d.report.items.filter((i) => (failOn === "any" ? true : failOn === "drift" ? i.kind !== "unmanaged" : false)).map((i) => i.resource);
    assert.deepEqual(failing, expected.sort(), failOn);
  }
});

function isRisky(change: Change, report: PlanReport): boolean {
  return change.action !== "unchanged" && report.risks.some((r) => r.resource === change.resource || r.deletes.includes(change.resource));
}

test("junit: the global resources are a suite of their own (`_global`), apart from what is tied to no resource", () => {
  const report: ValidateReport = {
    valid: false,
    diagnostics: [
      { severity: "error", file: "global/generators.yaml", line: 6, column: 5, resource: "HostnameGenerator/internal", path: "spec.template", rule: "schema", message: "template is invalid" },
      { severity: "error", file: "meshops.yaml", line: 1, column: 1, resource: "", path: "", rule: "config", message: "meshops.yaml is invalid" },
    ],
    revision: REF_REV,
    files: 2,
    resources: [{ subject: "HostnameGenerator/internal", location: { file: "global/generators.yaml", line: 1, column: 1 } }],
    warningsAsErrors: false,
  };
  const suites = childrenNamed(parseXml(renderValidateJunit(report)), "testsuite");
  const bySuite = Object.fromEntries(suites.map((s) => [s.attributes.name, childrenNamed(s, "testcase").map((c) => [c.attributes.name, c.attributes.classname])]));
  assert.deepEqual(bySuite, {
    _global: [["HostnameGenerator/internal", "meshops.validate._global"]],
    repository: [["meshops.yaml", "meshops.validate.repository"]],
  });
});

test("junit: markup, quotes and characters XML cannot hold are escaped or replaced", () => {
  const nasty: Diagnostic = {
    severity: "error",
    file: 'a&b/"q".yaml',
    line: 1,
    column: 1,
    resource: "MeshTimeout/default/x",
    path: "spec",
    message: "bad <value> & 'quotes' \"double\" ]]> ctrl:\u0001\u001b end\nnext line",
    rule: "schema",
  };
  const xml = renderValidateJunit({ valid: false, diagnostics: [nasty], revision: "WORKTREE", files: 1, resources: [], warningsAsErrors: false });
  const root = parseXml(xml);
  const failure = cases(root).flatMap((c) => childrenNamed(c, "failure"))[0];
  assert.ok(failure);
  assert.equal(failure.attributes.message, "error: bad <value> & 'quotes' \"double\" ]]> ctrl:\uFFFD\uFFFD end\nnext line");
  assert.match(textOf(failure), /^a&b\/"q"\.yaml:1:1: error: MeshTimeout\/default\/x spec: bad <value>/);
});

test("the XML parser refuses what is not well-formed", () => {
  for (const bad of ["<a><b></a></b>", "<a>&nope;</a>", "<a>x & y</a>", '<a x="1" x="2"/>', "<a/><b/>", "<a>\u0001</a>", "<!DOCTYPE a><a/>", "<a x=1/>", "text<a/>"]) {
    assert.throws(() => parseXml(bad), /./, bad);
  }
  assert.deepEqual(parseXml('<?xml version="1.0" encoding="UTF-8"?>\n<a k="&lt;&#x41;&#66;">t<![CDATA[<x>]]></a>\n'), { name: "a", attributes: { k: "<AB" }, children: ["t", "<x>"] });
});

// ---------------------------------------------------------------------------------------------------------------------
// sarif: the vendored SARIF 2.1.0 schema

let sarifValidator: ValidateFunction | undefined;
function validateSarif(text: string): void {
  if (!sarifValidator) {
    // Draft-04 (`id`) → what ajv 8 reads (`$id`); the definitions use nothing else draft-specific.
    const { $schema: _draft, id, ...schema } = JSON.parse(readFileSync(path.join(fixtures, "sarif-schema/sarif-2.1.0-rtm.5.json"), "utf8")) as Record<string, unknown>;
    // The schema's language-tag pattern is not valid with the `u` flag; ajv's default flag set has it.
    const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false });
    (addFormatsModule as unknown as (a: Ajv) => void)(ajv);
    sarifValidator = ajv.compile({ ...schema, $id: String(id) });
  }
  const log: unknown = JSON.parse(text);
  assert.ok(sarifValidator(log), JSON.stringify(sarifValidator.errors, null, 2));
}

interface SarifLog {
  runs: {
    tool: { driver: { rules: { id: string }[] } };
    results: {
      ruleId: string;
      ruleIndex: number;
      level: string;
      locations: { physicalLocation?: { artifactLocation: { uri: string }; region?: { startLine: number; startColumn?: number } } }[];
    }[];
  }[];
}

test("sarif: every report validates against SARIF 2.1.0; rule ids and locations come from the diagnostics", () => {
  for (const warningsAsErrors of [false, true]) validateSarif(renderValidateSarif(validateReport(warningsAsErrors), TOOL));
  for (const failOn of ["changes", "risky", "none"] as const) validateSarif(renderPlanSarif(planReport(failOn), TOOL));
  for (const failOn of ["drift", "any", "none"] as const) validateSarif(renderDriftSarif(driftInput(failOn), TOOL));

  const v = validateReport();
  const log = JSON.parse(renderValidateSarif(v, TOOL)) as SarifLog;
  const run = log.runs[0];
  assert.ok(run);
  assert.deepEqual(run.tool.driver.rules.map((r) => r.id), [...new Set(v.diagnostics.map((d) => d.rule))].sort());
  run.results.forEach((r, i) => {
    const d = v.diagnostics[i];
    assert.ok(d);
    assert.equal(r.ruleId, d.rule);
    assert.equal(run.tool.driver.rules[r.ruleIndex]?.id, d.rule);
    assert.equal(r.level, d.severity === "info" ? "note" : d.severity);
    assert.deepEqual(r.locations[0]?.physicalLocation, { artifactLocation: { uri: d.file, uriBaseId: "%SRCROOT%" }, region: { startLine: d.line, startColumn: d.column } });
  });

  const plan = JSON.parse(renderPlanSarif(planReport("risky"), TOOL)) as SarifLog;
  const guard = plan.runs[0]?.results.filter((r) => r.ruleId.startsWith("mass-change/")) ?? [];
  assert.equal(guard.length, 4);
  assert.ok(guard.every((r) => r.level === "error"));
});

test("sarif: at most 25,000 results a run (GitHub code scanning refuses more), the errors and warnings first, and a notification counts the rest", () => {
  const diagnostics: Diagnostic[] = [];
  for (let i = 0; i < 30_000; i++) {
    const mesh = `mesh-${i % 1000}`;
    diagnostics.push({ severity: "info", file: `meshes/${mesh}/p.yaml`, line: 1, column: 1, resource: `MeshTimeout/${mesh}/t-${i}`, path: "spec.to[0].targetRef.name", message: "MeshService/x is not defined in this repository; expected from a zone", rule: "dangling-reference" });
  }
  diagnostics.push({ severity: "warning", file: "z.yaml", line: 2, column: 3, resource: "MeshTrafficPermission/m/p", path: "spec.from", message: "'from' field is deprecated", rule: "deprecation" });
  diagnostics.push({ severity: "error", file: "z.yaml", line: 9, column: 3, resource: "MeshTimeout/m/bad", path: "spec.to", message: "must be set", rule: "semantic" });
  const text = renderValidateSarif({ valid: false, diagnostics, revision: REF_REV, files: 1001, resources: [], warningsAsErrors: false }, TOOL);
  validateSarif(text);
  const run = (JSON.parse(text) as SarifLog & { runs: { invocations?: { executionSuccessful: boolean; toolExecutionNotifications: { level: string; message: { text: string } }[] }[] }[] }).runs[0];
  assert.ok(run);
  assert.equal(run.results.length, 25_000);
  assert.deepEqual(run.results.slice(0, 2).map((r) => [r.level, r.ruleId]), [["error", "semantic"], ["warning", "deprecation"]]);
  assert.equal(run.results.filter((r) => r.level === "note").length, 24_998);
  assert.deepEqual(run.invocations?.[0]?.toolExecutionNotifications.map((n) => [n.level, n.message.text]), [
    ["note", "5002 of 30002 results left out: GitHub code scanning takes at most 25,000 a run (the errors and warnings are kept first); --format json lists every one"],
  ]);
  assert.equal(run.invocations?.[0]?.executionSuccessful, true);
});

test("sarif: file names become URI references", () => {
  const d: Diagnostic = { severity: "error", file: "meshes/a b/#1%.yaml", line: 2, column: 3, resource: "", path: "", message: "m", rule: "yaml-syntax" };
  const text = renderValidateSarif({ valid: false, diagnostics: [d], revision: "WORKTREE", files: 1, resources: [], warningsAsErrors: false }, TOOL);
  validateSarif(text);
  assert.equal((JSON.parse(text) as SarifLog).runs[0]?.results[0]?.locations[0]?.physicalLocation?.artifactLocation.uri, "meshes/a%20b/%231%25.yaml");
});

// ---------------------------------------------------------------------------------------------------------------------
// markdown: limits and escaping

function bigPlan(count: number): PlanReport {
  const ref: Resource[] = [];
  for (let i = 0; i < count; i++) {
    const name = `timeout-${String(i).padStart(5, "0")}`;
    const mesh = `tenant-${i % 7}`;
    ref.push({
      type: "MeshTimeout",
      mesh,
      name,
      origin: "repository",
      source: { file: `meshes/${mesh}/${name}.yaml`, docIndex: 0, line: 1, column: 1, format: "universal" },
      object: { type: "MeshTimeout", mesh, name, spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: `${i + 1}s` } }] } },
    });
  }
  const plan = planRevisions([], ref);
  return { plan, risks: classifyPlanRisks(plan), locations: locationsOf(ref), base: BASE_REV, ref: REF_REV, failOn: "changes" };
}

test("text: a plan of thousands of creates shows the first 50 creates' bodies, then one line each and where to see the rest", () => {
  const bodies = (text: string) => (text.match(/^\s+\+\s*idleTimeout: /gm) ?? []).length;
  for (const report of [bigPlan(60), { ...bigPlan(60), base: undefined }]) {
    const text = renderPlanReportText(report);
    const against = report.base === undefined ? "against a control plane" : "with --base";
    assert.equal((text.match(/^\s*\+ create MeshTimeout\//gm) ?? []).length, 60, `${against}: every create has its line`);
    assert.equal(bodies(text), 50, `${against}: the first 50 creates' bodies`);
    assert.match(text, /^… 10 more creates' bodies not shown \(--verbose or --format json shows every one\)$/m, against);
  }
  // Up to 50, every body and no note.
  const fifty = renderPlanReportText({ ...bigPlan(50), base: undefined });
  assert.equal(bodies(fifty), 50);
  assert.ok(!fifty.includes("not shown"), fifty.slice(-300));
});

test("text: the creates past the first 50 are not diffed (a plan's diffs are worked out when read: 51,000 YAML bodies)", () => {
  for (const base of [BASE_REV, undefined]) {
    const report = { ...bigPlan(60), base };
    // Each change's diff as the plan gives it (worked out at the first read), with the reads counted.
    const read = new Set<string>();
    for (const change of report.plan.changes) {
      const own = Object.getOwnPropertyDescriptor(change, "diff");
      const compute = own?.get ?? (() => own?.value as string);
      Object.defineProperty(change, "diff", {
        enumerable: true,
        get: () => {
          read.add(change.resource);
          return compute();
        },
      });
    }
    renderPlanReportText(report);
    assert.equal(read.size, 50, `${base === undefined ? "against a control plane" : "with --base"}: only the bodies shown are worked out`);
  }
});

test("markdown: a large plan stays under the limit, leaving out diffs first, then rows, and says what it left out", () => {
  const report = bigPlan(300);
  const full = renderPlanMarkdown(report, { maxLength: 10_000_000 });
  assert.ok(full.length > MARKDOWN_LIMIT, "the fixture is large enough to need cutting");
  assert.ok(!full.includes("Shortened"));

  const md = renderPlanMarkdown(report);
  assert.ok(md.length <= MARKDOWN_LIMIT, `${md.length} characters`);
  const note = /> \[!NOTE\]\n> Shortened to stay under 65,000 characters: (\d+) of 300 diffs left out\. Run `meshops plan --base 4b4c65c2cba9 --ref 42c7ac2d04e3` to see everything\./.exec(md);
  assert.ok(note, md.slice(-400));
  const kept = (md.match(/<details>/g) ?? []).length;
  assert.ok(kept > 0 && kept === 300 - Number(note[1]), `${kept} diffs kept`);
  assert.equal((md.match(/^\| ➕ create \|/gm) ?? []).length, 300, "every row is kept while diffs can go");
  // <details> blocks are balanced: nothing is cut in the middle.
  assert.equal(md.split("<details>").length, md.split("</details>").length);
  assert.equal((md.match(/^```/gm) ?? []).length % 2, 0);

  // Too many rows for the limit: rows go too, each cut table says so, and every mesh keeps its summary row.
  const huge = renderPlanMarkdown(bigPlan(3000));
  assert.ok(huge.length <= MARKDOWN_LIMIT, `${huge.length}`);
  assert.match(huge, /: 3000 of 3000 diffs and \d+ of 3000 rows left out\./);
  assert.match(huge, /_… and \d+ more in this mesh, left out to fit the comment\._/);
  for (let m = 0; m < 7; m++) assert.match(huge, new RegExp(`\\| \`tenant-${m}\` \\| 4\\d\\d \\| 0 \\| 0 \\| 0 \\|`));

  const tiny = renderPlanMarkdown(report, { maxLength: 3000 });
  assert.ok(tiny.length <= 3000, `${tiny.length}`);
});

test("markdown: the command a shortened report says to run names --path as a shell reads it", () => {
  const shortened = (root: string) => renderPlanMarkdown(planReport(), { maxLength: 4000, root });
  assert.match(shortened("mesh-config/prod"), /`meshops plan --path mesh-config\/prod[ `]/);
  assert.match(shortened("mesh config"), /`meshops plan --path 'mesh config'[ `]/);
  assert.match(shortened("it's"), /`meshops plan --path 'it'\\''s'[ `]/);
});

test("markdown: a one-change plan over 3,000 meshes keeps its change and diff; the per-mesh table lists the meshes that change, and counts the rest", () => {
  const base: Resource[] = [];
  for (let m = 0; m < 3000; m++) {
    const mesh = `tenant-${String(m).padStart(4, "0")}`;
    for (const name of ["a", "b"]) {
      base.push({
        type: "MeshTimeout",
        mesh,
        name,
        origin: "repository",
        source: { file: `meshes/${mesh}/${name}.yaml`, docIndex: 0, line: 1, column: 1, format: "universal" },
        object: { type: "MeshTimeout", mesh, name, spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: "10s" } }] } },
      });
    }
  }
  const ref = base.map((r) => (r.mesh === "tenant-1234" && r.name === "a" ? { ...r, object: { ...r.object, spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: "20s" } }] } } } : r));
  const plan = planRevisions(base, ref);
  const md = renderPlanMarkdown({ plan, risks: classifyPlanRisks(plan), locations: locationsOf(ref), base: BASE_REV, ref: REF_REV, failOn: "changes" });
  assert.ok(md.length <= MARKDOWN_LIMIT, `${md.length} characters`);
  assert.ok(!md.includes("Shortened"), "nothing left out: one change fits");
  assert.match(md, /^\| `tenant-1234` \| 0 \| 1 \| 0 \| 1 \|$/m);
  assert.match(md, /^\| 2999 other meshes \| 0 \| 0 \| 0 \| 5998 \|$/m);
  assert.equal((md.match(/^\| `tenant-/gm) ?? []).length, 1, "no row per mesh without changes");
  assert.match(md, /<details><summary>🔄 update <code>MeshTimeout\/tenant-1234\/a<\/code><\/summary>/);
  assert.match(md, /-\s+idleTimeout: 10s\n\+\s+idleTimeout: 20s/);
});

test("markdown: a per-mesh table too long for the limit is cut with a count, and the rest still fits", () => {
  const diagnostics: Diagnostic[] = [];
  for (let m = 0; m < 1000; m++) {
    const mesh = `mesh-${String(m).padStart(4, "0")}`;
    diagnostics.push({ severity: "warning", file: `meshes/${mesh}/p.yaml`, line: 3, column: 3, resource: `MeshTrafficPermission/${mesh}/allow`, path: "spec.from", message: "'from' field is deprecated", rule: "deprecation" });
  }
  const report: ValidateReport = { valid: true, diagnostics, revision: REF_REV, files: 1000, resources: [], warningsAsErrors: false };
  const md = renderValidateMarkdown(report, { maxLength: 16_000 });
  assert.ok(md.length <= 16_000, `${md.length} characters`);
  const listed = (md.match(/^\| `mesh-\d{4}` \| 0 \| 1 \|$/gm) ?? []).length;
  assert.ok(listed > 10 && listed < 1000, `${listed} meshes listed`);
  assert.ok(md.includes(`| ${1000 - listed} more meshes | 0 | ${1000 - listed} |`), md.slice(0, 600));
  assert.match(md, /> Shortened to stay under 16,000 characters: \d+ of 1000 rows left out\./);
});

test("markdown: repository text cannot break the table, open HTML or ping people", () => {
  const d: Diagnostic = {
    severity: "error",
    file: "a|b.yaml",
    line: 1,
    column: 1,
    resource: "MeshTimeout/default/x",
    path: "spec.`to`",
    message: "value | <script>alert(1)</script> @team *bold* [link](http://x) & more",
    rule: "schema",
  };
  const md = renderValidateMarkdown({ valid: false, diagnostics: [d], revision: "WORKTREE", files: 1, resources: [], warningsAsErrors: false });
  const row = md.split("\n").find((l) => l.startsWith("| ❌ error"));
  assert.ok(row);
  assert.equal(row.split(/(?<!\\)\|/).length - 2, 6, `six cells: ${row}`);
  assert.ok(!row.includes("<script>") && row.includes("&lt;script&gt;"));
  assert.ok(row.includes("\\@team") && row.includes("\\*bold\\*") && row.includes("\\[link\\]"));
  assert.ok(row.includes("``spec.`to```") || row.includes("`` spec.`to` ``"), row);
});

test("markdown: the guard is on top and names every flagged change; a clean plan says so", () => {
  const md = renderPlanMarkdown(planReport());
  const caution = md.indexOf("> [!CAUTION]");
  assert.ok(caution > 0 && caution < md.indexOf("| mesh |"));
  for (const rule of ["mesh-deleted", "all-policies-removed", "traffic-permission-removed", "mesh-tls-removed"]) assert.ok(md.includes(`\`mass-change/${rule}\``));
  const none = planRevisions([], []);
  const clean = renderPlanMarkdown({ plan: none, risks: [], locations: new Map(), base: BASE_REV, ref: REF_REV, failOn: "changes" });
  assert.match(clean, /### ✅ meshops plan: no changes/);
});

// ---------------------------------------------------------------------------------------------------------------------
// The mass-change guard

const policy = (type: string, mesh: string, name: string, source?: string): Resource => ({
  type,
  mesh,
  name,
  origin: "repository",
  ...(source ? { source: { file: source, docIndex: 0, line: 1, column: 1, format: "universal" as const } } : {}),
  object: { type, mesh, name, spec: { targetRef: { kind: "Mesh" } } },
});
const mesh = (name: string): Resource => ({ type: "Mesh", mesh: name, name, origin: "repository", object: { type: "Mesh", name } });
const risksBetween = (base: Resource[], ref: Resource[]) => classifyPlanRisks(planRevisions(base, ref)).map((r) => `${r.kind} ${r.resource} [${r.deletes.join(" ")}]`);

test("guard: deleting a Mesh, every policy of a mesh, a MeshTrafficPermission or a MeshTLS is flagged", () => {
  assert.deepEqual(risksBetween([mesh("m"), policy("MeshRetry", "m", "r")], []), ["mesh-deleted Mesh/m [Mesh/m MeshRetry/m/r]"]);
  assert.deepEqual(risksBetween([mesh("m"), policy("MeshRetry", "m", "r"), policy("MeshTimeout", "m", "t")], [mesh("m")]), [
    "all-policies-removed Mesh/m [MeshTimeout/m/t MeshRetry/m/r]",
  ]);
  assert.deepEqual(risksBetween([mesh("m"), policy("MeshTrafficPermission", "m", "p"), policy("MeshTimeout", "m", "t")], [mesh("m"), policy("MeshTimeout", "m", "t")]), [
    "traffic-permission-removed MeshTrafficPermission/m/p [MeshTrafficPermission/m/p]",
  ]);
  assert.deepEqual(risksBetween([mesh("m"), policy("MeshTLS", "m", "tls"), policy("MeshTimeout", "m", "t")], [mesh("m"), policy("MeshTimeout", "m", "t")]), [
    "mesh-tls-removed MeshTLS/m/tls [MeshTLS/m/tls]",
  ]);
  // Replacing every policy with new ones is not "all removed"; neither is removing some.
  assert.deepEqual(risksBetween([mesh("m"), policy("MeshRetry", "m", "a")], [mesh("m"), policy("MeshRetry", "m", "b")]), []);
  assert.deepEqual(risksBetween([mesh("m"), policy("MeshRetry", "m", "a"), policy("MeshRetry", "m", "b")], [mesh("m"), policy("MeshRetry", "m", "b")]), []);
  // A mesh with no policies before loses none; services are not policies.
  assert.deepEqual(risksBetween([mesh("m"), policy("MeshService", "m", "s")], [mesh("m")]), []);
  // Creates and updates alone are never flagged.
  assert.deepEqual(risksBetween([], [mesh("m"), policy("MeshTrafficPermission", "m", "p")]), []);
});

test("guard: a scoped plan that removes every policy it sees does not empty a mesh that keeps one outside the scope", () => {
  const plan = planRevisions([mesh("m"), policy("MeshRetry", "m", "r"), mesh("n"), policy("MeshRetry", "n", "r")], [mesh("m"), mesh("n")]);
  assert.deepEqual(classifyPlanRisks(plan).map((r) => `${r.kind} ${r.resource}`), ["all-policies-removed Mesh/m", "all-policies-removed Mesh/n"]);
  assert.deepEqual(classifyPlanRisks(plan, new Set(["m"])).map((r) => `${r.kind} ${r.resource}`), ["all-policies-removed Mesh/n"]);
});

test("guard: against a control plane without --prune nothing is deleted, so nothing is flagged", () => {
  const live: JsonObject[] = [
    { type: "Mesh", name: "m", labels: { "meshops.io/managed-by": "meshops" } },
    { type: "MeshTrafficPermission", mesh: "m", name: "p", labels: { "meshops.io/managed-by": "meshops" }, spec: { targetRef: { kind: "Mesh" } } },
  ];
  assert.deepEqual(classifyPlanRisks(planChanges([], live, { instance: "meshops", prune: false })), []);
  const pruned = classifyPlanRisks(planChanges([], live, { instance: "meshops", prune: true }));
  assert.deepEqual(pruned.map((r) => r.rule), ["mass-change/mesh-deleted"]);
});

// ---------------------------------------------------------------------------------------------------------------------
// plan --base: the pure part

test("planRevisions: every delete is shown whoever owns it, diffs read base → ref, unchanged resources are counted", () => {
  const foreign = { ...policy("MeshRetry", "m", "theirs", "b.yaml"), object: { type: "MeshRetry", mesh: "m", name: "theirs", labels: { "meshops.io/managed-by": "other" }, spec: {} } };
  const before = [mesh("m"), policy("MeshTimeout", "m", "t", "a.yaml"), foreign];
  const after = [mesh("m"), { ...policy("MeshTimeout", "m", "t", "c.yaml"), object: { type: "MeshTimeout", mesh: "m", name: "t", spec: { targetRef: { kind: "MeshService", name: "x" } } } }];
  const plan: Plan = planRevisions(before, after);
  assert.deepEqual(plan.summary, { create: 0, update: 1, delete: 1, unchanged: 1 });
  const update = plan.changes.find((c) => c.action === "update");
  assert.match(update?.diff ?? "", /^--- base\/MeshTimeout\/m\/t\n\+\+\+ ref\/MeshTimeout\/m\/t\n/);
  const locations = locationsOf(after, before);
  assert.equal(locations.get("MeshTimeout/m/t")?.file, "c.yaml", "a change points at the ref side");
  assert.equal(locations.get("MeshRetry/m/theirs")?.file, "b.yaml", "a delete at the base side");
});

test("exit codes follow the flags", () => {
  const warn: Diagnostic = { severity: "warning", file: "a.yaml", line: 1, column: 1, resource: "", path: "", message: "w", rule: "skip-list" };
  assert.equal(validateExitCode({ diagnostics: [warn], warningsAsErrors: false }), 0);
  assert.equal(validateExitCode({ diagnostics: [warn], warningsAsErrors: true }), 1);
  assert.equal(validateExitCode({ diagnostics: [{ ...warn, severity: "error" }], warningsAsErrors: false }), 1);

  const p = planReport();
  assert.equal(planExitCode(p.plan, p.risks, "changes"), 2);
  assert.equal(planExitCode(p.plan, p.risks, "risky"), 2);
  assert.equal(planExitCode(p.plan, [], "risky"), 0);
  assert.equal(planExitCode(p.plan, p.risks, "none"), 0);
  assert.equal(planExitCode(planRevisions([], []), [], "changes"), 0);

  const zero = { missing: 0, modified: 0, orphaned: 0, unmanaged: 0 };
  assert.equal(driftExitCodeFor({ ...zero, unmanaged: 1 }, "drift"), 0);
  assert.equal(driftExitCodeFor({ ...zero, unmanaged: 1 }, "any"), 2);
  assert.equal(driftExitCodeFor({ ...zero, orphaned: 1 }, "drift"), 2);
  assert.equal(driftExitCodeFor({ ...zero, orphaned: 1 }, "none"), 0);
});

test("plan text with --base: a file name with a line break or a terminal escape is shown escaped, on the change's one line", () => {
  const report = planReport();
  const changed = report.plan.changes.filter((c) => c.action !== "unchanged");
  assert.ok(changed.length > 0);
  const text = renderPlanReportText({ ...report, locations: { get: () => ({ file: "meshes/a\u001b[2J\nb.yaml", line: 3, column: 1 }) } });
  // eslint-disable-next-line no-control-regex -- control characters are what it looks for
  assert.doesNotMatch(text, /[\u0000-\u0008\u000b-\u001f\u007f]/);
  for (const change of changed) {
    const line = text.split("\n").find((l) => l.includes(`${change.action} ${change.resource}`));
    assert.ok(line?.endsWith("  (meshes/a\\u001b[2J\\nb.yaml:3)"), `${change.resource}: ${line}`);
  }
});

test("apply's failures name where the refused resource is written: file:line (escaped as a text line shows it), or the default policy", () => {
  const [first, second] = desiredAt("plan/ref", REF_REV).filter((r) => r.source);
  assert.ok(first?.source && second?.source);
  const odd = { ...second, source: { ...second.source, file: "meshes/a\u001b[2J\nb.yaml" } };
  const materialized = { ...first, name: "made-from-its-mesh", source: undefined };
  const where = whereDefinedIn([first, odd, materialized]);
  assert.equal(where(subjectOf(first)), `${first.source.file}:${first.source.line}`);
  assert.equal(where(subjectOf(odd)), `meshes/a\\u001b[2J\\nb.yaml:${second.source.line}`);
  assert.equal(where(subjectOf(materialized)), "default policy");
  assert.equal(where("MeshTimeout/nowhere/none"), undefined);
});

test("markdown: more values not compared than a comment names: the first 20 as code, how many more and where all are", () => {
  const input = driftInput();
  const unknownValues = Array.from({ length: 23 }, (_, i) => `Secret/payments/s${String(i).padStart(2, "0")}`);
  const md = renderDriftMarkdown({ ...input, report: { ...input.report, unknownValues } });
  const note = md.split("\n").find((line) => line.startsWith("> ") && line.includes("SOPS-encrypted"));
  assert.ok(note, md);
  assert.match(note, /^> 23 resources are SOPS-encrypted and no age key was given: whether their values changed is unknown \(`Secret\/payments\/s00`, /);
  assert.ok(note.includes("`Secret/payments/s19` and 3 more; `--format json` lists them)"), note);
  assert.ok(!note.includes("s20"), "only the first 20 named");
});
