import type { Plan } from "../diff/plan.js";

export interface PruneLimits {
  readonly maxDeletes: number;
  readonly maxDeletePercent: number;
  /** The limits a flag set (--max-deletes, --max-delete-percent); the others are meshops.yaml's, said as its settings. */
  readonly flags?: { readonly maxDeletes?: boolean; readonly maxDeletePercent?: boolean };
}

/** Thrown before anything is written: a plan that deletes too much is refused whole. */
export class PruneLimitError extends Error {
  override readonly name = "PruneLimitError";
}

/**
 * A mass delete is almost always a mistake (an empty commit, a wrong --path): refuse a plan that deletes more than
 * the limits allow, and say how to allow it on purpose.
 */
export function checkPruneLimits(plan: Plan, ownedCount: number, limits: PruneLimits): void {
  const deletes = plan.changes.filter((c) => c.action === "delete").length;
  const exceeded = pruneLimitExceeded(deletes, ownedCount, limits);
  if (!exceeded) return;
  throw new PruneLimitError(
    `refusing to prune: ${exceeded}. ` +
      `Review it with \`meshops plan\`; to allow it, pass --max-deletes ${deletes} --max-delete-percent 100 ` +
      `or raise prune.maxDeletes / prune.maxDeletePercent in meshops.yaml`,
  );
}

/** The limit `deletes` goes past, as a clause ("the plan deletes 12 of 40 owned resources (30%), more than …"), or undefined. */
export function pruneLimitExceeded(deletes: number, ownedCount: number, limits: PruneLimits): string | undefined {
  if (deletes === 0) return undefined;
  const percent = ownedCount === 0 ? 100 : (deletes / ownedCount) * 100;
  const overCount = deletes > limits.maxDeletes;
  const overPercent = percent > limits.maxDeletePercent;
  if (!overCount && !overPercent) return undefined;
  // The setting that set the limit: an operator who passed no flag raises meshops.yaml's.
  const why = overCount
    ? `more than ${limits.flags?.maxDeletes ? "--max-deletes" : "meshops.yaml prune.maxDeletes"} ${limits.maxDeletes}`
    : `more than ${limits.flags?.maxDeletePercent ? "--max-delete-percent" : "meshops.yaml prune.maxDeletePercent"} ${limits.maxDeletePercent}%`;
  return `the plan deletes ${deletes} of ${ownedCount} owned resources (${percent.toFixed(0)}%), ${why}`;
}
