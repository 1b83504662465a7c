import type { DriftReport } from "../diff/drift.js";
import type { Plan } from "../diff/plan.js";
import type { ChangeSet } from "../sync/apply.js";
import type { Style } from "./style.js";
import { PLAIN } from "./style.js";

/** The contract's JSON shape for `plan --format json`: unchanged resources are counted, not listed. */
export function renderPlanJson(plan: Plan): string {
  const changes = plan.changes
    .filter((c) => c.action !== "unchanged")
    .map((c) => ({ action: c.action, resource: c.resource, type: c.type, mesh: c.mesh, name: c.name, diff: c.diff }));
  return JSON.stringify({ summary: plan.summary, changes }, null, 2) + "\n";
}

const SIGN = { create: "+", update: "~", delete: "-", unchanged: " " } as const;

/** Terraform-like: one line per change with its diff, then the totals. */
export function renderPlanText(plan: Plan, style: Style = PLAIN, options: { diffs?: boolean } = {}): string {
  const out: string[] = [];
  for (const change of plan.changes) {
    if (change.action === "unchanged") continue;
    const paint = change.action === "create" ? style.green : change.action === "delete" ? style.red : style.yellow;
    const from = change.origin === "default" ? style.dim(" (default policy)") : "";
    out.push(paint(`${SIGN[change.action]} ${change.action} ${change.resource}`) + from);
    if (options.diffs !== false && change.diff) out.push(indent(colorDiff(stripHeader(change.diff), style)));
  }
  const s = plan.summary;
  const total = s.create + s.update + s.delete;
  out.push(
    total === 0
      ? style.green(`No changes: ${s.unchanged} resources in sync.`)
      : style.bold(`Plan: ${s.create} to create, ${s.update} to update, ${s.delete} to delete, ${s.unchanged} unchanged.`),
  );
  return out.join("\n") + "\n";
}

/**
 * What `apply` did, in plan order, ending with the totals; failures carry the control plane's reason and, through
 * `whereDefined`, the file and line of the resource that was refused.
 */
export function renderChangeSetText(changes: ChangeSet, style: Style = PLAIN, whereDefined: (resource: string) => string | undefined = () => undefined): string {
  const out: string[] = [];
  for (const r of changes.results) {
    const label = `${r.change.action} ${r.change.resource}`;
    if (r.outcome === "applied") out.push(style.green(`✓ ${label}`) + (r.warnings?.length ? style.yellow(` (warning: ${r.warnings.join("; ")})`) : ""));
    else if (r.outcome === "failed") {
      const where = whereDefined(r.change.resource);
      out.push(style.red(`✗ ${label}${where ? ` (${where})` : ""}: ${r.error ?? "failed"}`));
    }
    else out.push(style.dim(`- ${label}: skipped (${r.error ?? "not attempted"})`));
  }
  const s = changes.summary;
  out.push(
    s.failed > 0
      ? style.red(`Apply failed: ${s.applied} applied, ${s.failed} failed, ${s.skipped} skipped (meshes stopped: ${changes.failedMeshes.join(", ")}).`)
      : style.green(`Apply complete: ${s.applied} applied.`),
  );
  return out.join("\n") + "\n";
}

/** The contract's JSON shape for `drift --format json`. */
export function renderDriftJson(report: DriftReport): string {
  return JSON.stringify({ summary: report.summary, items: report.items }, null, 2) + "\n";
}

const DRIFT_SIGN = { missing: "+", modified: "~", orphaned: "-", unmanaged: "?" } as const;

export function renderDriftText(report: DriftReport, style: Style = PLAIN): string {
  const out: string[] = [];
  for (const item of report.items) {
    const paint = item.kind === "unmanaged" ? style.dim : item.kind === "missing" ? style.green : item.kind === "orphaned" ? style.red : style.yellow;
    out.push(paint(`${DRIFT_SIGN[item.kind]} ${item.kind} ${item.resource}`));
    if (item.diff && item.kind !== "unmanaged") out.push(indent(colorDiff(stripHeader(item.diff), style)));
  }
  const s = report.summary;
  const drifted = s.missing + s.modified + s.orphaned;
  out.push(
    drifted === 0
      ? style.green(`In sync${s.unmanaged ? ` (${s.unmanaged} unmanaged resources not in the repository, left alone)` : ""}.`)
      : style.bold(`Drift: ${s.missing} missing, ${s.modified} modified, ${s.orphaned} orphaned, ${s.unmanaged} unmanaged.`),
  );
  return out.join("\n") + "\n";
}

/** The `===`/`---`/`+++` lines name the resource again; the change line above already does. */
function stripHeader(diff: string): string {
  return diff
    .split("\n")
    .filter((l) => !l.startsWith("===") && !l.startsWith("--- ") && !l.startsWith("+++ ") && !l.startsWith("Index: "))
    .join("\n")
    .trimEnd();
}

function colorDiff(diff: string, style: Style): string {
  return diff
    .split("\n")
    .map((l) => (l.startsWith("+") ? style.green(l) : l.startsWith("-") ? style.red(l) : l.startsWith("@@") ? style.dim(l) : l))
    .join("\n");
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((l) => `    ${l}`)
    .join("\n");
}
