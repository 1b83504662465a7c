/** The I/O of saved plans (`plan --out FILE`, `apply FILE`): what a plan was computed from, and the file itself. */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { desiredDigest, fingerprintOf, liveDigests, parseSavedPlan, savePlan, SavedPlanError, type PlanBasis, type SavedPlan } from "../diff/savedPlan.js";
import type { Plan } from "../diff/plan.js";
import type { Comparison } from "../sync/reconcile.js";
import type { ValidationResult } from "../validate/index.js";
import type { ControlPlaneOptions } from "./controlPlane.js";
import { UsageError, type CliIo } from "./io.js";
import { meshopsVersion } from "./version.js";
import { urlForMessage } from "../util/errorMessage.js";

/** What a plan against this control plane and this repository is computed from, and each live object's digest. */
export function basisOf(comparison: Comparison, result: ValidationResult, options: ControlPlaneOptions, io: CliIo): { basis: PlanBasis; live: Map<string, string> } {
  const live = liveDigests(comparison.live);
  const controlPlane = options.cpUrl ? `url ${urlForMessage(options.cpUrl)}` : `embedded ${path.resolve(io.cwd, options.stateDir)}`;
  return {
    basis: {
      meshops: meshopsVersion(),
      revision: result.revision,
      controlPlane,
      instance: result.config.instance,
      desired: desiredDigest(comparison.desired.resources),
      live: fingerprintOf(live),
    },
    live,
  };
}

export async function writeSavedPlan(file: string, plan: Plan, basis: PlanBasis, live: ReadonlyMap<string, string>, prune: boolean, io: CliIo): Promise<void> {
  await writeFile(path.resolve(io.cwd, file), savePlan(plan, basis, live, prune), { encoding: "utf8", mode: 0o600 }).catch((cause: unknown) => {
    throw new UsageError(`cannot write --out ${file}`, { cause });
  });
}

export async function readSavedPlan(file: string, io: CliIo): Promise<SavedPlan> {
  let text: string;
  try {
    text = await readFile(path.resolve(io.cwd, file), "utf8");
  } catch (cause) {
    throw new SavedPlanError(`cannot read the saved plan ${file}`, { cause });
  }
  return parseSavedPlan(text, file);
}
