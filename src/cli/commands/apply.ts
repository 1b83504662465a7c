import { createInterface } from "node:readline/promises";
import { Command, Option } from "commander";
import { subjectOf } from "../../model/key.js";
import { renderChangeSetText, renderPlanJson, renderPlanText } from "../../report/plan.js";
import { applyPlan } from "../../sync/apply.js";
import { checkPruneLimits } from "../../sync/limits.js";
import { compare, planFor } from "../../sync/reconcile.js";
import { addControlPlaneOptions, openBackend, type ControlPlaneOptions } from "../controlPlane.js";
import { styleFor, type CliIo } from "../io.js";
import { addRepositoryOptions, loadValidRepository, type RepositoryOptions } from "../repository.js";

type ApplyOptions = RepositoryOptions &
  ControlPlaneOptions & {
    format: "text" | "json";
    prune?: boolean;
    dryRun?: boolean;
    yes?: boolean;
    maxDeletes?: number;
    maxDeletePercent?: number;
  };

const nonNegative = (flag: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${flag} must be a non-negative number, got ${value}`);
  return n;
};

export function applyCommand(io: CliIo, setExit: (code: number) => void): Command {
  const command = new Command("apply")
    .description("push the plan: creates and updates; deletes only with --prune")
    .addOption(new Option("--format <format>", "output format of --dry-run").choices(["text", "json"]).default("text"))
    .option("--prune", "delete owned resources that are no longer desired (within the prune limits)")
    .option("--dry-run", "print the plan only; change nothing")
    .option("--yes", "do not ask before deleting")
    .addOption(new Option("--max-deletes <n>", "refuse a plan deleting more than this (default: meshops.yaml prune.maxDeletes, 10)").argParser(nonNegative("--max-deletes")))
    .addOption(
      new Option("--max-delete-percent <p>", "refuse a plan deleting more than this share of owned resources (default: prune.maxDeletePercent, 25)").argParser(
        nonNegative("--max-delete-percent"),
      ),
    );
  addControlPlaneOptions(addRepositoryOptions(command));
  return command.action(async (options: ApplyOptions) => {
    const result = await loadValidRepository(options, io);
    if (!result) return setExit(1);
    const style = styleFor(io.stdout, io.env);
    const backend = await openBackend(options, io, result.config.controlPlane.version);
    try {
      const comparison = await compare(backend, result, { needWrite: !options.dryRun });
      const plan = planFor(comparison, result.config.instance, options.prune === true);
      if (options.dryRun) {
        io.stdout.write(options.format === "json" ? renderPlanJson(plan) : renderPlanText(plan, style));
        return setExit(0);
      }
      // Limits are checked before the first write: a refused plan changes nothing.
      checkPruneLimits(plan, comparison.ownedCount, {
        maxDeletes: options.maxDeletes ?? result.config.prune.maxDeletes,
        maxDeletePercent: options.maxDeletePercent ?? result.config.prune.maxDeletePercent,
      });
      const deletes = plan.summary.delete;
      if (deletes > 0 && !options.yes && !(await confirm(io, `Delete ${deletes} resource${deletes === 1 ? "" : "s"}?`))) {
        io.stderr.write(`meshops: not applied: ${deletes} deletes need confirmation (answer y, or pass --yes)\n`);
        return setExit(1);
      }
      if (plan.summary.create + plan.summary.update + deletes === 0) {
        io.stdout.write(renderPlanText(plan, style));
        return setExit(0);
      }
      const changes = await applyPlan(backend, plan);
      const sources = new Map(comparison.desired.resources.map((r) => [subjectOf(r), r.source]));
      const whereDefined = (subject: string) => {
        const source = sources.get(subject);
        return source ? `${source.file}:${source.line}` : sources.has(subject) ? "default policy" : undefined;
      };
      io.stdout.write(renderChangeSetText(changes, style, whereDefined));
      setExit(changes.summary.failed > 0 ? 1 : 0);
    } finally {
      await backend.close();
    }
  });
}

/** Asks on a terminal; without one (CI), a delete is never confirmed implicitly. */
async function confirm(io: CliIo, question: string): Promise<boolean> {
  if (!process.stdin.isTTY || !io.stdout.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}
