/**
 * `validate`'s text report on a large repository: a warning said the same way of thousands of resources (a deprecated
 * field every MeshTrafficPermission uses) is shown a few times and counted, as Terraform consolidates its warnings.
 * At 51,000 resources the report was 8,115 lines of four messages. A report of a few warnings lists each, errors are
 * always listed each, and `--verbose` lists every warning.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import type { Diagnostic } from "../src/model/diagnostic.js";
import { renderDiagnosticsText, SIMILAR_LISTED, WARNINGS_LISTED, type ValidationSummary } from "../src/report/diagnostics.js";
import { renderValidateGithub } from "../src/report/github.js";
import { runCli } from "./helpers/cli.js";
import { committedRepo } from "./helpers/git.js";

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((cleanup) => cleanup()));

const DEPRECATED = "'from' field is deprecated and will be removed in 3.0, use 'rules' with MeshIdentity (spiffeId) instead";
const SUMMARY: ValidationSummary = { files: 1, resources: 10, revision: "0123456789abcdef0123456789abcdef01234567" };

/** WARNINGS_LISTED warnings, each said once, at the end of the file: the report is large enough to consolidate. */
const distinct = Array.from({ length: WARNINGS_LISTED }, (_, i) => warning(1000 + i, `d${i}`, `distinct ${i}`));

const reported = (diagnostics: Diagnostic[], options?: { verbose: boolean }): string[] =>
  renderDiagnosticsText([...diagnostics, ...distinct], SUMMARY, undefined, options)
    .trimEnd()
    .split("\n")
    .filter((line) => !line.includes("distinct "));

function warning(line: number, name: string, message = DEPRECATED, path = "spec.from"): Diagnostic {
  return { severity: "warning", file: "meshes/a.yaml", line, column: 3, resource: `MeshTrafficPermission/a/${name}`, path, message, rule: "deprecation" };
}

test(`a warning said of more than ${SIMILAR_LISTED} resources is shown ${SIMILAR_LISTED} times, then counted; errors and other warnings are listed each`, () => {
  const error: Diagnostic = { severity: "error", file: "meshes/a.yaml", line: 40, column: 1, resource: "MeshTimeout/a/t", path: "spec", message: "broken", rule: "schema" };
  const diagnostics = [
    ...Array.from({ length: 5 }, (_, i) => warning(10 + i, `p${i}`)),
    warning(20, "other", "something else"),
    error,
    ...Array.from({ length: 4 }, (_, i) => warning(50 + i, `q${i}`)),
  ];
  assert.deepEqual(reported(diagnostics), [
    `meshes/a.yaml:10:3: warning: MeshTrafficPermission/a/p0 spec.from: ${DEPRECATED} [deprecation]`,
    `meshes/a.yaml:11:3: warning: MeshTrafficPermission/a/p1 spec.from: ${DEPRECATED} [deprecation]`,
    `meshes/a.yaml:12:3: warning: MeshTrafficPermission/a/p2 spec.from: ${DEPRECATED} [deprecation]`,
    "  … and 6 more warnings like this one, not listed (meshops validate --verbose lists every one)",
    "meshes/a.yaml:20:3: warning: MeshTrafficPermission/a/other spec.from: something else [deprecation]",
    "meshes/a.yaml:40:1: error: MeshTimeout/a/t spec: broken [schema]",
    "✗ invalid: 1 error, 60 warnings (6 like others, not listed); 10 resources in 1 file at 0123456789ab",
  ]);
});

test("the same message at another field is another warning", () => {
  const diagnostics = Array.from({ length: 8 }, (_, i) => warning(10 + i, `p${i}`, "deprecated", `spec.to[${i % 2}]`));
  const lines = reported(diagnostics);
  assert.equal(lines.filter((l) => l.includes("warning: ")).length, 2 * SIMILAR_LISTED);
  assert.equal(lines.filter((l) => l === "  … and 1 more warning like this one, not listed (meshops validate --verbose lists every one)").length, 2);
});

test(`verbose lists every warning, and so does a report of ${WARNINGS_LISTED} warnings or fewer`, () => {
  const diagnostics = Array.from({ length: 5 }, (_, i) => warning(10 + i, `p${i}`));
  assert.deepEqual(reported(diagnostics, { verbose: true }), [
    ...diagnostics.map((d) => `meshes/a.yaml:${d.line}:3: warning: ${d.resource} spec.from: ${DEPRECATED} [deprecation]`),
    "✓ valid: 0 errors, 55 warnings; 10 resources in 1 file at 0123456789ab",
  ]);
  const few = renderDiagnosticsText([...diagnostics, ...distinct.slice(5)], SUMMARY).trimEnd().split("\n");
  assert.equal(few.length, WARNINGS_LISTED + 1);
  assert.equal(few.at(-1), `✓ valid: 0 errors, ${WARNINGS_LISTED} warnings; 10 resources in 1 file at 0123456789ab`);
});

test("meshops validate consolidates repeated warnings in text, lists them with --verbose, and keeps every one in json", async () => {
  const policies = Array.from({ length: WARNINGS_LISTED + 1 }, (_, i) =>
    [`type: MeshTrafficPermission`, `name: allow-${i}`, `mesh: default`, `spec:`, `  targetRef: {kind: Mesh}`, `  from:`, `    - targetRef: {kind: Mesh}`, `      default: {action: Allow}`].join("\n"),
  );
  const repo = committedRepo({ "mesh.yaml": "type: Mesh\nname: default\n", "policies.yaml": policies.join("\n---\n") + "\n" }, cleanups);
  const text = await runCli(["validate"], repo);
  assert.equal(text.code, 0);
  assert.equal(text.stdout.split("\n").filter((l) => l.includes("[deprecation]")).length, SIMILAR_LISTED, text.stdout);
  assert.match(text.stdout, new RegExp(`… and ${WARNINGS_LISTED + 1 - SIMILAR_LISTED} more warnings like this one, not listed \\(meshops validate --verbose lists every one\\)\n`));
  const verbose = await runCli(["validate", "--verbose"], repo);
  assert.equal(verbose.stdout.split("\n").filter((l) => l.includes("[deprecation]")).length, WARNINGS_LISTED + 1, verbose.stdout);
  const json = await runCli(["validate", "--format", "json"], repo);
  assert.equal((JSON.parse(json.stdout) as { diagnostics: Diagnostic[] }).diagnostics.filter((d) => d.rule === "deprecation").length, WARNINGS_LISTED + 1);
});

test(`only warnings count toward the ${WARNINGS_LISTED} a report lists each: errors are listed whatever their number`, () => {
  const manyErrors: Diagnostic[] = Array.from({ length: WARNINGS_LISTED }, (_, i) => ({ ...warning(2000 + i, `e${i}`, `broken ${i}`), severity: "error" as const, rule: "schema" }));
  const similar = Array.from({ length: 5 }, (_, i) => warning(10 + i, `p${i}`));
  const lines = renderDiagnosticsText([...similar, ...manyErrors], SUMMARY).trimEnd().split("\n");
  assert.equal(lines.filter((l) => l.includes("[deprecation]")).length, 5, "five warnings are few: each is listed");
});

test("github: the log group lists every warning, as the annotations' note says it does", () => {
  const diagnostics = [...Array.from({ length: 5 }, (_, i) => warning(10 + i, `p${i}`)), ...distinct];
  const report = { valid: true, diagnostics, revision: SUMMARY.revision, files: 1, resources: [], warningsAsErrors: false };
  const output = renderValidateGithub(report);
  assert.doesNotMatch(output, /more warnings like this one/);
  assert.equal(output.split("\n").filter((l) => l.startsWith("meshes/a.yaml:") && l.includes(DEPRECATED)).length, 5);
});
