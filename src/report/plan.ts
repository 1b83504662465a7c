import { leftAloneSummary, type DriftReport } from "../diff/drift.js";
import type { Change, Plan } from "../diff/plan.js";
import { risksOf, type PlanRisk } from "../diff/risk.js";
import type { ChangeResult, ChangeSet } from "../sync/apply.js";
import { ADOPTS_MARK, describeLocation, driftAdoptionMark, driftSummaryLine, groupByMesh, leftAloneByPruneNote, leftAloneLine, planSummaryLine, plural, stripDiffHeader, type PlanReport } from "./common.js";
import type { Style } from "./style.js";
import { PLAIN } from "./style.js";
import { shortRevision } from "../model/revision.js";
import { namesUpTo } from "../util/namesUpTo.js";
import type { Location, Locations } from "../diff/revisions.js";

/**
 * The contract's JSON shape for `plan --format json`: unchanged resources are counted, not listed. Given the report
 * (the `plan` command does), each change also says where it is defined (`file`, `line`, and `defaultOf` for a default
 * policy) and the mass-change guard's findings come as `risks`.
 */
export function renderPlanJson(plan: Plan, report?: Pick<PlanReport, "risks" | "locations">): string {
  const changes = plan.changes
    .filter((c) => c.action !== "unchanged")
    .map((c) => {
      const where = whereJson(report?.locations.get(c.resource));
      return { action: c.action, resource: c.resource, type: c.type, mesh: c.mesh, name: c.name, ...where, ...(c.adopts ? { adopts: true } : {}), diff: c.diff };
    });
  const risks = report ? { risks: report.risks.map((r) => ({ rule: r.rule, kind: r.kind, mesh: r.mesh, resource: r.resource, message: r.message, deletes: r.deletes })) } : {};
  const unknown = unknownValues(plan);
  const kept = plan.kept.length > 0 ? { kept: plan.kept } : {};
  const prunable = plan.prunable?.length ? { prunable: plan.prunable } : {};
  const leftAlone = plan.leftAlone ? { leftAlone: plan.leftAlone } : {};
  return JSON.stringify({ summary: plan.summary, changes, ...kept, ...prunable, ...leftAlone, ...risks, ...(unknown.length > 0 ? { unknownValues: unknown } : {}) }, null, 2) + "\n";
}

/** Resources a note of what --prune would delete names; past these, a count (`--format json` lists every one). */
const PRUNABLE_NAMED = 5;

/**
 * What a plan without prune leaves that prune would delete (owned, no longer in the repository), for a person: the
 * text report's, the pull-request comment's (names and flags as `code` writes them) and apply's note.
 */
export function prunableNote(plan: Plan, code: (text: string) => string = (text) => text): string | undefined {
  return prunableSentence((plan.prunable ?? []).map((p) => p.resource), code("--prune"), code);
}

/**
 * The sentence for owned resources no longer in the repository (`Type/mesh/name`, in delete order), ending with what
 * deletes them (`remedy`: `--prune` for the commands, meshops.yaml's setting for the daemon); undefined for none.
 */
export function prunableSentence(resources: readonly string[], remedy: string, code: (text: string) => string = (text) => text): string | undefined {
  if (resources.length === 0) return undefined;
  const named = namesUpTo(resources, PRUNABLE_NAMED, code);
  const one = resources.length === 1;
  return `${one ? "1 resource meshops owns is" : `${resources.length} resources meshops owns are`} no longer in the repository: ${named}; ${remedy} deletes ${one ? "it" : "them"}`;
}

/** Resources still SOPS-encrypted (no key given): whether their values changed is not known. */
export function unknownValues(plan: Plan): string[] {
  return plan.changes.filter((c) => c.unknownValues).map((c) => c.resource);
}

/** Names a note of values not compared lists; past these, a count and where to see them all (thousands of Secrets). */
const UNKNOWN_VALUES_NAMED = 20;

/**
 * The note a person reads about values that were not compared (a plan's, or drift's `unknownValues`): in a text report
 * after a `?`, in a pull request's comment with names and flags as `code` writes them (code spans).
 */
export function unknownValuesNote(unknown: readonly string[], code: (text: string) => string = (text) => text): string | undefined {
  if (unknown.length === 0) return undefined;
  const named = namesUpTo(unknown, UNKNOWN_VALUES_NAMED, code) + (unknown.length > UNKNOWN_VALUES_NAMED ? `; ${code("--format json")} lists them` : "");
  return `${unknown.length === 1 ? "1 resource is" : `${unknown.length} resources are`} SOPS-encrypted and no age key was given: whether their values changed is unknown (${named}); set SOPS_AGE_KEY_FILE or pass --sops-age-key-file to compare them`;
}

/**
 * `plan` for a person: the mass-change guard's findings first, where nobody can miss them. Against a control plane the
 * changes follow in write order; with `--base` they are grouped by mesh, each with the file it comes from.
 */
export function renderPlanReportText(report: PlanReport, style: Style = PLAIN, options: { readonly verbose?: boolean } = {}): string {
  const out = riskLines(report.risks, style);
  if (report.base === undefined) return out.join("\n") + (out.length > 0 ? "\n" : "") + renderPlanText(report.plan, style, options);

  const changed = report.plan.changes.filter((c) => c.action !== "unchanged");
  const bodies = createBodies(options.verbose === true);
  for (const [mesh, changes] of groupByMesh(changed, (c) => c.mesh)) {
    out.push(style.bold(`Mesh ${mesh}:`));
    for (const change of changes) {
      const paint = change.action === "create" ? style.green : change.action === "delete" ? style.red : style.yellow;
      const where = describeLocation(report.locations.get(change.resource));
      const flag = risksOf(change.resource, report.risks).length > 0 ? style.red(" [mass change]") : "";
      out.push(`  ${paint(`${SIGN[change.action]} ${change.action} ${change.resource}`)}${flag}${where ? style.dim(`  (${where})`) : ""}`);
      // shows() first: a diff is worked out when read (diff/plan.ts withLazyDiff), and a create's not shown is never needed.
      if (bodies.shows(change) && change.diff) out.push(indent(colorDiff(stripDiffHeader(change.diff), style), "      "));
    }
  }
  out.push(...bodies.notShownLines(style));
  const total = report.plan.summary.create + report.plan.summary.update + report.plan.summary.delete;
  const line = `${planSummaryLine(report.plan)} (${shortRevision(report.base)} → ${shortRevision(report.ref)})`;
  out.push(total === 0 ? style.green(line) : style.bold(line));
  return out.join("\n") + "\n";
}

/**
 * The mass-change guard's findings, where nobody can miss them; nothing when there are none. The first
 * CHANGES_LISTED of them, then a count: a prune of everything flags every mesh.
 */
function riskLines(risks: readonly PlanRisk[], style: Style): string[] {
  if (risks.length === 0) return [];
  const more = risks.length - CHANGES_LISTED;
  return [
    style.red(style.bold(`!! Mass change: ${risks.length} flagged; review before applying.`)),
    ...risks.slice(0, CHANGES_LISTED).map((r) => style.red(`!!   ${r.rule}: ${r.message}`)),
    ...(more > 0 ? [style.red(`!!   … and ${more} more (plan --format json lists every one)`)] : []),
    "",
  ];
}

/**
 * What `apply` shows before asking to confirm: the risks, the changes it will make (up to CHANGES_LISTED, one line
 * each, without diffs: `plan` shows those; more, counted by action and type), and the totals.
 */
export function renderApplyReview(plan: Plan, risks: readonly PlanRisk[], style: Style = PLAIN): string {
  const out = riskLines(risks, style);
  const changed = plan.changes.filter((c) => c.action !== "unchanged");
  if (changed.length <= CHANGES_LISTED) return out.join("\n") + (out.length > 0 ? "\n" : "") + renderPlanText(plan, style, { diffs: false });
  for (const action of ["create", "update", "delete"] as const) {
    const of = changed.filter((c) => c.action === action);
    if (of.length === 0) continue;
    const byType = new Map<string, number>();
    for (const c of of) byType.set(c.type, (byType.get(c.type) ?? 0) + 1);
    const types = [...byType].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([type, n]) => `${type} ${n}`);
    const meshes = new Set(of.map((c) => c.mesh)).size;
    out.push(PAINT[action](style)(`${SIGN[action]} ${action} ${of.length}: ${types.join(", ")} (in ${plural(meshes, "mesh", "meshes")})`));
  }
  return [...out, ...planFooter(plan, style)].join("\n") + "\n";
}

const PAINT = { create: (s: Style) => s.green, update: (s: Style) => s.yellow, delete: (s: Style) => s.red } as const;

/** One line for each owned resource prune keeps by the opt-out label, where a delete would otherwise have been. */
export function keptLines(plan: Plan, style: Style = PLAIN): string[] {
  return plan.kept.map((k) => style.dim(`= kept ${k.resource} (${k.reason})`));
}

const SIGN = { create: "+", update: "~", delete: "-", unchanged: " " } as const;

/** Terraform-like: one line per change with its diff, then the totals. */
export function renderPlanText(plan: Plan, style: Style = PLAIN, options: { readonly diffs?: boolean; readonly verbose?: boolean } = {}): string {
  const out: string[] = [];
  const bodies = createBodies(options.verbose === true);
  for (const change of plan.changes) {
    if (change.action === "unchanged") continue;
    const paint = change.action === "create" ? style.green : change.action === "delete" ? style.red : style.yellow;
    const from = change.origin === "default" ? style.dim(" (default policy)") : "";
    const adopts = change.adopts ? style.yellow(` (${ADOPTS_MARK})`) : "";
    out.push(paint(`${SIGN[change.action]} ${change.action} ${change.resource}`) + from + adopts);
    if (options.diffs !== false && bodies.shows(change) && change.diff) out.push(indent(colorDiff(stripDiffHeader(change.diff), style)));
  }
  return [...out, ...bodies.notShownLines(style), ...planFooter(plan, style)].join("\n") + "\n";
}

/**
 * Which creates' bodies a text plan shows: the first CHANGES_LISTED, in the order shown; past them a create is its one
 * line (a first apply of 51,000 resources would be hundreds of thousands of lines, as decK found). A create's body is
 * what its file (or its Mesh, for a default policy) says, and `--verbose` and `--format json` show every one; updates
 * and deletes always show their diffs.
 */
function createBodies(every: boolean): { shows(change: Change): boolean; notShownLines(style: Style): string[] } {
  let shown = 0;
  let notShown = 0;
  return {
    shows(change) {
      if (every || change.action !== "create") return true;
      if (shown < CHANGES_LISTED) {
        shown++;
        return true;
      }
      notShown++;
      return false;
    },
    notShownLines: (style) => (notShown > 0 ? [style.dim(`… ${plural(notShown, "more create's body", "more creates' bodies")} not shown (--verbose or --format json shows every one)`)] : []),
  };
}

/** What kept resources, values not compared, and the totals: the end of a plan however its changes are shown. */
function planFooter(plan: Plan, style: Style): string[] {
  const out = keptLines(plan, style);
  const note = unknownValuesNote(unknownValues(plan));
  if (note) out.push(style.yellow(`? ${note}`));
  const prunable = prunableNote(plan);
  if (prunable) out.push(style.yellow(`! ${prunable}`));
  const leftAlone = leftAloneByPruneNote(plan);
  if (leftAlone) out.push(style.dim(leftAlone));
  const s = plan.summary;
  const total = s.create + s.update + s.delete;
  out.push(
    total === 0
      ? style.green(`No changes: ${plural(s.unchanged, "resource")} in sync.`)
      : style.bold(`Plan: ${s.create} to create, ${s.update} to update, ${s.delete} to delete, ${s.unchanged} unchanged.`),
  );
  return out;
}

/**
 * What an apply did, change by change in plan order, then the counts. Failures carry the control plane's reason and,
 * through `whereDefined`, where the refused resource is written. `interrupted` (a signal's name, or "timeout") says
 * why the changes not attempted were not: they are counted as such, never as failures.
 */
export function renderChangeSetText(
  changes: ChangeSet,
  style: Style = PLAIN,
  whereDefined: (resource: string) => string | undefined = () => undefined,
  interrupted?: string,
  options: { readonly verbose?: boolean } = {},
): string {
  const listed = options.verbose === true || changes.results.length <= CHANGES_LISTED;
  const out = listed ? everyChange(changes, style, whereDefined) : changeSetSummary(changes, style, whereDefined);
  const s = changes.summary;
  // Meshes whose failure kept later changes from being attempted; none when the failure was the mesh's last change.
  const withSkipped = new Set(changes.results.flatMap((r) => (r.outcome === "skipped" ? [r.change.mesh] : [])));
  const stopped = changes.failedMeshes.filter((m) => withSkipped.has(m));
  const stoppedNote = stopped.length > 0 ? ` (meshes stopped: ${stopped.join(", ")})` : "";
  const unknown = outcomeUnknownOf(changes);
  if (unknown.length > 0) {
    const named = namesUpTo(unknown, UNKNOWN_NAMED);
    out.push(style.yellow(`! ${unknown.length} write${unknown.length === 1 ? "" : "s"} got no answer and may still land: run meshops drift or plan again in a minute: ${named}`));
  }
  if (interrupted) {
    out.push(style.yellow(`Apply interrupted (${interrupted}): ${s.applied} applied, ${s.failed} failed, ${s.skipped} not attempted.${stoppedNote ? ` Failures${stoppedNote}.` : ""}`));
  } else if (s.failed > 0) {
    out.push(style.red(`Apply failed: ${s.applied} applied, ${s.failed} failed, ${s.skipped} not attempted${stoppedNote}.`));
  } else {
    out.push(style.green(`Apply complete: ${s.applied} applied.`));
  }
  return out.join("\n") + "\n";
}

/** Writes of unknown outcome named in apply's text report; beyond, a count (JSON names all). */
const UNKNOWN_NAMED = 20;

/**
 * The writes sent and never answered, which may still land (sync/apply.ts `outcomeUnknown`: timed out, reset after
 * sending, a proxy's 504 or 502), applied or failed, in plan order.
 */
function outcomeUnknownOf(changes: ChangeSet): string[] {
  return changes.results.flatMap((r) => (r.outcomeUnknown ? [r.change.resource] : []));
}

/**
 * Up to this many changes, apply's text report lists each; above, it lists this many failures and counts the rest
 * (`--verbose` and `--format json` list every change): a 53,000-write apply is not 53,000 lines. A text plan shows
 * this many creates' bodies (createBodies).
 */
export const CHANGES_LISTED = 50;

/** Kinds of warning, or reasons a change was not attempted, shown one line each in a summary. */
const GROUPS_LISTED = 10;

function failedLine(r: ChangeResult, style: Style, whereDefined: (resource: string) => string | undefined): string {
  const where = whereDefined(r.change.resource);
  return style.red(`✗ ${r.change.action} ${r.change.resource}${where ? ` (${where})` : ""}: ${r.error ?? "failed"}`);
}

function everyChange(changes: ChangeSet, style: Style, whereDefined: (resource: string) => string | undefined): string[] {
  return changes.results.map((r) => {
    const label = `${r.change.action} ${r.change.resource}`;
    const adopted = r.change.adopts && r.outcome === "applied" ? style.dim(" (adopted)") : "";
    if (r.outcome === "applied") return style.green(`✓ ${label}`) + adopted + (r.warnings?.length ? style.yellow(` (warning: ${r.warnings.join("; ")})`) : "");
    if (r.outcome === "failed") return failedLine(r, style, whereDefined);
    return style.dim(`- ${label}: not attempted (${r.error ?? "stopped"})`);
  });
}

/** The failures (bounded), why the rest were not attempted, the control plane's warnings by text, the counts. */
function changeSetSummary(changes: ChangeSet, style: Style, whereDefined: (resource: string) => string | undefined): string[] {
  const failed = changes.results.filter((r) => r.outcome === "failed");
  const out = failed.slice(0, CHANGES_LISTED).map((r) => failedLine(r, style, whereDefined));
  if (failed.length > CHANGES_LISTED) out.push(style.red(`✗ … and ${failed.length - CHANGES_LISTED} more failed`));

  const reasons = groupsOf(changes.results.filter((r) => r.outcome === "skipped").map((r) => [r.error ?? "stopped", r.change.resource]));
  for (const g of reasons.slice(0, GROUPS_LISTED)) out.push(style.dim(`- ${g.count} not attempted (${g.text})`));
  if (reasons.length > GROUPS_LISTED) out.push(style.dim(`- … and ${countOf(reasons.slice(GROUPS_LISTED))} more not attempted, for ${reasons.length - GROUPS_LISTED} other reasons`));

  const warnings = groupsOf(changes.results.flatMap((r) => (r.outcome === "applied" ? (r.warnings ?? []).map((w): [string, string] => [w, r.change.resource]) : [])));
  for (const g of warnings.slice(0, GROUPS_LISTED)) out.push(style.yellow(`! ${g.count} change${g.count === 1 ? "" : "s"} with the control plane's warning: ${g.text} (${g.first}${g.count > 1 ? ", …" : ""})`));
  if (warnings.length > GROUPS_LISTED) {
    out.push(style.yellow(`! … and ${warnings.length - GROUPS_LISTED} more kinds of warning from the control plane (${countOf(warnings.slice(GROUPS_LISTED))} changes)`));
  }

  const applied = { create: 0, update: 0, delete: 0 };
  for (const r of changes.results) if (r.outcome === "applied" && r.change.action !== "unchanged") applied[r.change.action]++;
  const total = applied.create + applied.update + applied.delete;
  out.push(style.green(`✓ ${total} applied: ${applied.create} created, ${applied.update} updated, ${applied.delete} deleted (every change: --verbose, or --format json)`));
  return out;
}

interface Group {
  readonly text: string;
  count: number;
  /** The first resource it was said of. */
  readonly first: string;
}

/** [text, resource] pairs grouped by text: the most frequent first, ties in order of appearance. */
function groupsOf(pairs: readonly (readonly [string, string])[]): Group[] {
  const groups = new Map<string, Group>();
  for (const [text, resource] of pairs) {
    const group = groups.get(text);
    if (group) group.count++;
    else groups.set(text, { text, count: 1, first: resource });
  }
  return [...groups.values()].sort((a, b) => b.count - a.count);
}

const countOf = (groups: readonly Group[]) => groups.reduce((sum, g) => sum + g.count, 0);

/**
 * `apply --format json`: the counts, why it stopped early (`interrupted`: a signal or "timeout") or did not start
 * (`refused`: deletes nobody confirmed) if so, and every change's outcome.
 */
export function renderChangeSetJson(changes: ChangeSet, interrupted?: string, refused?: string): string {
  const s = changes.summary;
  return (
    JSON.stringify(
      {
        interrupted: interrupted ?? null,
        ...(refused !== undefined ? { refused } : {}),
        summary: { applied: s.applied, failed: s.failed, notAttempted: s.skipped },
        failedMeshes: changes.failedMeshes,
        // Writes that got no answer, which may still land: drift or plan again in a minute.
        outcomeUnknown: outcomeUnknownOf(changes),
        results: changes.results.map((r) => ({
          action: r.change.action,
          resource: r.change.resource,
          type: r.change.type,
          mesh: r.change.mesh,
          name: r.change.name,
          outcome: r.outcome === "skipped" ? "not-attempted" : r.outcome,
          ...(r.error ? { error: r.error } : {}),
          ...(r.warnings?.length ? { warnings: r.warnings } : {}),
          ...(r.outcomeUnknown ? { outcomeUnknown: true } : {}),
        })),
      },
      null,
      2,
    ) + "\n"
  );
}

/**
 * The contract's JSON shape for `drift --format json`. Given where the repository's resources are written (the `drift`
 * command gives them), each item of one says so as plan's changes do; one only on the control plane is nowhere.
 */
export function renderDriftJson(report: DriftReport, locations?: Locations): string {
  const unknown = report.unknownValues?.length ? { unknownValues: report.unknownValues } : {};
  const items = locations ? report.items.map(({ diff, ...item }) => ({ ...item, ...whereJson(locations.get(item.resource)), diff })) : report.items;
  return JSON.stringify({ summary: report.summary, leftAlone: leftAloneSummary(report.leftAlone), items, ...unknown }, null, 2) + "\n";
}

/**
 * Where a resource is written, as `--format json` says it: `file`, `line`, and `defaultOf` for a default policy; for a
 * delete of `plan --base`, `inBase` (file and line are the base revision's) and `fileDeleted` (the head lacks the file).
 */
function whereJson(at: Location | undefined): { file?: string; line?: number; defaultOf?: string; inBase?: true; fileDeleted?: true } {
  if (!at) return {};
  return { file: at.file, line: at.line, ...(at.defaultOf ? { defaultOf: at.defaultOf } : {}), ...(at.inBase ? { inBase: true } : {}), ...(at.fileDeleted ? { fileDeleted: true } : {}) };
}

const DRIFT_SIGN = { missing: "+", modified: "~", orphaned: "-", unmanaged: "?" } as const;

export function renderDriftText(report: DriftReport, style: Style = PLAIN): string {
  const out: string[] = [];
  for (const item of report.items) {
    const paint = item.kind === "unmanaged" ? style.dim : item.kind === "missing" ? style.green : item.kind === "orphaned" ? style.red : style.yellow;
    const adoption = driftAdoptionMark(item);
    out.push(paint(`${DRIFT_SIGN[item.kind]} ${item.kind} ${item.resource}`) + (adoption ? style.yellow(adoption) : ""));
    // One line an item; a modified one's diff under it. A missing or orphaned one's diff is its whole body: that is
    // for --format json, `render` and the control plane to show (a mass drift would be a line per field).
    if (item.diff && item.kind === "modified") out.push(indent(colorDiff(stripDiffHeader(item.diff), style)));
  }
  const note = unknownValuesNote(report.unknownValues ?? []);
  if (note) out.push(style.yellow(`? ${note}`));
  const s = report.summary;
  const drifted = s.missing + s.modified + s.orphaned;
  if (drifted === 0) out.push(style.green(driftSummaryLine(s, report.leftAlone)));
  else {
    // The left-alone sentence on a line of its own, dimmed, under the counts in bold.
    const leftAlone = leftAloneLine(report.leftAlone);
    out.push(style.bold(driftSummaryLine(s)));
    if (leftAlone) out.push(style.dim(leftAlone));
  }
  return out.join("\n") + "\n";
}

function colorDiff(diff: string, style: Style): string {
  return diff
    .split("\n")
    .map((l) => (l.startsWith("+") ? style.green(l) : l.startsWith("-") ? style.red(l) : l.startsWith("@@") ? style.dim(l) : l))
    .join("\n");
}

function indent(text: string, by = "    "): string {
  return text
    .split("\n")
    .map((l) => `${by}${l}`)
    .join("\n");
}
