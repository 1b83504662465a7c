/**
 * `--format junit`: JUnit XML, the test-report format GitLab, Jenkins, Azure DevOps and most CI systems display. One
 * test suite per mesh, one test case per resource (named `Type/mesh/name`, with its file), and a `<failure>` per
 * problem, per change the `--fail-on` flag fails on, or per drift item. What does not fail (a warning, a change under
 * `--fail-on risky`, an unmanaged resource, values not compared for want of a SOPS key) goes to the case's
 * `<system-out>`, so the report still shows it: GitLab and Jenkins show a case's output, GitLab drops a suite's.
 * `plan` adds a "mass-change guard" suite with one case per flagged change; `drift` a "left alone" suite of one case that
 * says what it counted but did not list (generated and synced resources), the counts in the suite's `<properties>`.
 *
 * No timestamps or durations: the same input gives the same bytes. Pure.
 */
import { leftAloneSummary } from "../diff/drift.js";
import type { Location } from "../diff/revisions.js";
import { GLOBAL_UNIT_NAME, nameOfUnit, subjectOf } from "../model/key.js";
import { isShownToPeople, locationOf, saidOf, shownField, type Diagnostic } from "../model/diagnostic.js";
import {
  isFailingChange,
  isFailingDiagnostic,
  isFailingDrift,
  leftAloneLine,
  meshOfSubject,
  planExitCode,
  planScope,
  stripDiffHeader,
  inHeadFiles,
  leftAloneByPruneNote,
  type DriftReportInput,
  type PlanReport,
  type ValidateReport,
} from "./common.js";
import { compareText } from "../model/order.js";
import { shortRevision } from "../model/revision.js";
import { unknownValuesNote } from "./plan.js";

interface Failure {
  readonly type: string;
  readonly message: string;
  readonly body: string;
}

interface Case {
  readonly name: string;
  readonly classname: string;
  readonly file?: string;
  readonly line?: number;
  readonly failures: Failure[];
  /** What kept the case from running (a run that failed with an error): JUnit's `<error>`, not a `<failure>`. */
  readonly errors?: readonly Failure[];
  readonly out: string[];
}

interface Suite {
  readonly name: string;
  /** Counts for machines (`<properties>`): what the run counted but did not list, as JSON's and SARIF's properties. */
  readonly properties?: Readonly<Record<string, number>>;
  readonly cases: Case[];
}

// ---------------------------------------------------------------------------------------------------------------------

export function renderValidateJunit(report: ValidateReport): string {
  const command = report.command ?? "validate";
  const cases: Case[] = [];
  const byResourceAndFile = new Map<string, Case>();
  const byResource = new Map<string, Case>();
  const byFile = new Map<string, Case>();
  const newCase = (name: string, mesh: string | undefined, location: { file?: string; line?: number }): Case => {
    const c: Case = { name, classname: classname(command, mesh), ...location, failures: [], out: [] };
    cases.push(c);
    return c;
  };
  for (const r of report.resources) {
    const c = newCase(r.subject, meshOfSubject(r.subject), r.location ? { file: r.location.file, line: r.location.line } : {});
    byResourceAndFile.set(`${r.subject}\0${r.location?.file ?? ""}`, c);
    if (!byResource.has(r.subject)) byResource.set(r.subject, c);
  }
  for (const d of report.diagnostics.filter(isShownToPeople)) {
    let c = d.resource ? (byResourceAndFile.get(`${d.resource}\0${d.file}`) ?? byResource.get(d.resource)) : byFile.get(d.file);
    if (!c) {
      // A document that never became a resource (a syntax error, a missing name): its file is the test case.
      c = d.resource ? newCase(d.resource, meshOfSubject(d.resource), { file: d.file, line: d.line }) : newCase(d.file || "(repository)", undefined, d.file ? { file: d.file } : {});
      if (d.resource) byResource.set(d.resource, c);
      else byFile.set(d.file, c);
    }
    const line = diagnosticLine(d);
    if (isFailingDiagnostic(d, report.warningsAsErrors)) c.failures.push({ type: d.rule, message: `${d.severity}: ${d.message}`, body: line });
    else c.out.push(line);
  }
  return document(`meshops ${command} ${shortRevision(report.revision)}`, suitesByMesh(cases, command));
}

function diagnosticLine(d: Diagnostic): string {
  const where = d.file ? locationOf(d) : "(repository)";
  return `${where}: ${d.severity}: ${saidOf(d)} [${d.rule}]`;
}

export function renderPlanJunit(report: PlanReport): string {
  const { plan, risks } = report;
  const cases: Case[] = plan.changes.map((change) => {
    const c = caseFor("plan", change.resource, change.mesh, report.locations.get(change.resource));
    if (change.unknownValues) noteUnknownValues(c);
    if (change.action === "unchanged") return c;
    const diff = stripDiffHeader(change.diff);
    if (isFailingChange(change, risks, report.failOn)) c.failures.push({ type: `plan/${change.action}`, message: `${change.action} ${change.resource}`, body: diff });
    else c.out.push(`${change.action} ${change.resource}\n${diff}`);
    return c;
  });
  const suites = suitesByMesh(cases, "plan");
  if (risks.length > 0) {
    const failing = planExitCode(plan, risks, report.failOn) !== 0;
    const guard: Suite = {
      name: "mass-change guard",
      cases: risks.map((risk) => {
        const c = caseFor("plan.mass-change", `${risk.rule} ${risk.resource}`, risk.mesh, report.locations.get(risk.resource));
        const body = `${risk.message}\n\n${risk.deletes.map((d) => `delete ${d}`).join("\n")}`;
        if (failing) c.failures.push({ type: risk.rule, message: risk.message, body });
        else c.out.push(body);
        return c;
      }),
    };
    suites.unshift(guard);
  }
  const leftAlone = leftAloneByPruneNote(plan);
  if (leftAlone && plan.leftAlone) suites.push(leftAloneSuite("plan", leftAlone, plan.leftAlone));
  return document(`meshops plan ${planScope(report)}`, suites);
}

export function renderDriftJunit(input: DriftReportInput): string {
  const items = new Map(input.report.items.map((i) => [i.resource, i]));
  const unknown = new Set(input.report.unknownValues);
  const cases: Case[] = [];
  const seen = new Set<string>();
  for (const subject of input.resources ?? []) {
    if (seen.has(subject)) continue;
    seen.add(subject);
    const c = caseFor("drift", subject, meshOfSubject(subject), input.locations.get(subject));
    cases.push(c);
    if (unknown.has(subject)) noteUnknownValues(c);
    const item = items.get(subject);
    if (item) attachDrift(c, item, input);
  }
  for (const item of input.report.items) {
    if (seen.has(item.resource)) continue;
    seen.add(item.resource);
    const c = caseFor("drift", item.resource, item.mesh, input.locations.get(item.resource));
    cases.push(c);
    if (unknown.has(item.resource)) noteUnknownValues(c);
    attachDrift(c, item, input);
  }
  const suites = suitesByMesh(cases, "drift");
  const leftAlone = leftAloneLine(input.report.leftAlone);
  if (leftAlone) suites.push(leftAloneSuite("drift", leftAlone, leftAloneSummary(input.report.leftAlone)));
  return document(`meshops drift ${shortRevision(input.ref)}`, suites);
}

/**
 * What the run left alone (generated or synced resources), counted, never listed: a passing case whose output says it
 * (GitLab shows a case's output, drops a suite's), and the counts as its suite's properties.
 */
function leftAloneSuite(command: string, note: string, counts: Readonly<Record<string, number>>): Suite {
  const properties = Object.fromEntries(Object.entries(counts).map(([source, n]) => [`meshops.leftAlone.${source}`, n]));
  return { name: "left alone", properties, cases: [{ name: "left alone", classname: `meshops.${command}.left-alone`, failures: [], out: [note] }] };
}

function attachDrift(c: Case, item: DriftReportInput["report"]["items"][number], input: DriftReportInput): void {
  const diff = stripDiffHeader(item.diff);
  if (isFailingDrift(item, input.failOn)) c.failures.push({ type: `drift/${item.kind}`, message: `${item.kind} ${item.resource}`, body: diff });
  else c.out.push(`${item.kind} ${item.resource}\n${diff}`);
}

/** A resource still SOPS-encrypted: it passes (nothing is known to differ), saying its values were not compared. */
function noteUnknownValues(c: Case): void {
  const note = unknownValuesNote([c.name]);
  if (note) c.out.push(note);
}

/**
 * A run that failed with an error (a refused token, nothing listening at --cp-url): one case with an `<error>` saying
 * why, so GitLab and Jenkins show the failure rather than a report of no tests.
 */
export function renderFailedJunit(command: string, message: string): string {
  const failed: Case = { name: `meshops ${command}`, classname: `meshops.${command}`, failures: [], errors: [{ type: "error", message, body: message }], out: [] };
  return document(`meshops ${command}`, [{ name: `meshops.${command}`, cases: [failed] }]);
}

// ---------------------------------------------------------------------------------------------------------------------

function caseFor(command: string, name: string, mesh: string, location: Location | undefined): Case {
  const head = inHeadFiles(location);
  const where = !head ? {} : head.line === undefined ? { file: head.file } : { file: head.file, line: head.line };
  return { name, classname: classname(command, mesh), ...where, failures: [], out: [] };
}

/**
 * `meshops.<command>.<mesh>`: Jenkins splits class names on dots into package and class. What is tied to no resource
 * (a file, meshops.yaml) is `repository`; the global resources are `_global`, as people name them elsewhere.
 */
function classname(command: string, mesh: string | undefined): string {
  return `meshops.${command}.${mesh === undefined ? "repository" : nameOfUnit(mesh)}`;
}

/**
 * One suite per mesh, in mesh order; cases keep their order. Cases not tied to a mesh go to "repository", the global
 * resources to "_global".
 */
function suitesByMesh(cases: readonly Case[], command: string): Suite[] {
  const prefix = `meshops.${command}.`;
  const byMesh = new Map<string, Case[]>();
  for (const c of cases) {
    const mesh = c.classname.slice(prefix.length);
    const list = byMesh.get(mesh) ?? [];
    list.push(c);
    byMesh.set(mesh, list);
  }
  return [...byMesh.entries()]
    .sort(([a], [b]) => compareText(a, b))
    .map(([mesh, list]) => ({ name: mesh === "repository" || mesh === GLOBAL_UNIT_NAME ? mesh : subjectOf({ type: "Mesh", mesh, name: mesh }), cases: list }));
}

/** The XML; names of cases and suites (resources, meshes) bounded as a diagnostic's resource is shown (shownField). */
function document(name: string, suites: readonly Suite[]): string {
  const count = (list: readonly Case[]) => ({
    tests: list.length,
    failures: list.reduce((n, c) => n + (c.failures.length > 0 ? 1 : 0), 0),
    errors: list.reduce((n, c) => n + (c.errors?.length ? 1 : 0), 0),
  });
  const all = suites.flatMap((s) => s.cases);
  const total = count(all);
  const out = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="${attr(name)}" tests="${total.tests}" failures="${total.failures}" errors="${total.errors}">`];
  for (const suite of suites) {
    const n = count(suite.cases);
    out.push(`  <testsuite name="${attr(shownField(suite.name))}" tests="${n.tests}" failures="${n.failures}" errors="${n.errors}" skipped="0">`);
    if (suite.properties) {
      out.push("    <properties>");
      for (const [name, value] of Object.entries(suite.properties)) out.push(`      <property name="${attr(name)}" value="${value}"/>`);
      out.push("    </properties>");
    }
    for (const c of suite.cases) {
      const location = `${c.file ? ` file="${attr(c.file)}"` : ""}${c.file && c.line ? ` line="${c.line}"` : ""}`;
      const open = `    <testcase name="${attr(shownField(c.name))}" classname="${attr(shownField(c.classname))}"${location}`;
      if (c.failures.length === 0 && !c.errors?.length && c.out.length === 0) {
        out.push(`${open}/>`);
        continue;
      }
      out.push(`${open}>`);
      for (const f of c.failures) out.push(`      <failure type="${attr(f.type)}" message="${attr(f.message)}">${text(f.body)}</failure>`);
      for (const e of c.errors ?? []) out.push(`      <error type="${attr(e.type)}" message="${attr(e.message)}">${text(e.body)}</error>`);
      if (c.out.length > 0) out.push(`      <system-out>${text(c.out.join("\n\n"))}</system-out>`);
      out.push("    </testcase>");
    }
    out.push("  </testsuite>");
  }
  out.push("</testsuites>");
  return out.join("\n") + "\n";
}

/** Characters XML 1.0 cannot carry at all, escaped or not (control characters, lone surrogates): shown as U+FFFD. */
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

function text(value: string): string {
  return value.replace(NOT_XML, "\uFFFD").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Attribute values: also quotes, and line breaks as references (a parser would turn a literal one into a space). */
function attr(value: string): string {
  return text(value).replace(/"/g, "&quot;").replace(/'/g, "&apos;").replace(/\n/g, "&#10;").replace(/\r/g, "&#13;").replace(/\t/g, "&#9;");
}
