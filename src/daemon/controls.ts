/**
 * What people decide for a mesh through the API or the status page: approving a held plan, suspending and resuming.
 * Suspensions are handed to `persist` (the daemon keeps them in --controls-file, so a restart keeps them); approvals
 * live in memory. The reconciler reads them when it gates a plan (gate.ts) and tells them which meshes it holds.
 *
 * An approval names a revision and binds to the plan held for it when it is given (its fingerprint, gate.ts
 * planFingerprint): what the person was shown. The same revision planning other changes by the time it runs is not
 * what was approved; the gate holds it again.
 */
import { describeUnit } from "../model/key.js";
import { shortPlan } from "./gate.js";

export type ControlAnswer = { readonly ok: true; readonly message: string } | { readonly ok: false; readonly status: 404 | 409 | 500; readonly error: string };

export interface MeshControlsOptions {
  /** Meshes suspended through the API before a restart. */
  readonly suspended?: readonly string[];
  /** Keeps the API suspensions (throws when it cannot: the change is then undone and refused). */
  readonly persist?: (suspended: ReadonlySet<string>) => void;
}

/** Shortest revision prefix an approval may name (git's own default abbreviation). */
const MIN_REVISION_PREFIX = 7;
/** Shortest plan prefix an approval may name: as logs and messages show it (gate.ts shortPlan). */
const MIN_PLAN_PREFIX = 12;

/** A revision of a mesh and the plan (fingerprint) held or approved for it. */
export interface RevisionPlan {
  readonly revision: string;
  readonly plan: string;
}

export class MeshControls {
  /** Mesh -> the plan held for approval, as the last gate left it. */
  #awaiting = new Map<string, RevisionPlan>();
  /** Mesh -> the plan a person approved (used once, by the run that applies it). */
  readonly #approved = new Map<string, RevisionPlan>();
  /** Meshes suspended through the API. */
  readonly #suspended: Set<string>;
  /** Meshes suspended by meshops.yaml, as the last target says. */
  #configSuspended: ReadonlySet<string> = new Set();
  readonly #persist: ((suspended: ReadonlySet<string>) => void) | undefined;

  constructor(options: MeshControlsOptions = {}) {
    this.#suspended = new Set(options.suspended);
    this.#persist = options.persist;
  }

  /** Approves the plan held for `revision` of `mesh`; `plan`, when given, must be that plan's fingerprint (or a prefix). */
  approve(mesh: string, revision: string, plan?: string): ControlAnswer {
    const awaiting = this.#awaiting.get(mesh);
    if (awaiting === undefined) return { ok: false, status: 409, error: `${describeUnit(mesh)} is not awaiting approval` };
    if (!named(awaiting.revision, revision, MIN_REVISION_PREFIX)) {
      return { ok: false, status: 409, error: `${describeUnit(mesh)} awaits approval of revision ${awaiting.revision}, not ${revision || "(none)"}: a newer commit may have superseded it` };
    }
    if (plan !== undefined && !named(awaiting.plan, plan, MIN_PLAN_PREFIX)) {
      return {
        ok: false,
        status: 409,
        error: `${describeUnit(mesh)} awaits approval of plan ${awaiting.plan} of revision ${awaiting.revision}, not plan ${plan || "(none)"}: the plan changed since it was shown; review the changes held now and approve those`,
      };
    }
    this.#approved.set(mesh, awaiting);
    return { ok: true, message: `revision ${awaiting.revision} of mesh ${mesh} approved, plan ${shortPlan(awaiting.plan)}: applying it` };
  }

  suspend(mesh: string): ControlAnswer {
    if (this.#suspended.has(mesh) || this.#configSuspended.has(mesh)) return { ok: true, message: `${describeUnit(mesh)} is suspended already` };
    this.#suspended.add(mesh);
    const unsaved = this.#saved(() => this.#suspended.delete(mesh));
    if (unsaved) return { ok: false, status: 500, error: `${describeUnit(mesh)} not suspended: ${unsaved}` };
    return { ok: true, message: `${describeUnit(mesh)} suspended: neither applied nor corrected until resumed` };
  }

  resume(mesh: string): ControlAnswer {
    if (this.#configSuspended.has(mesh)) {
      return { ok: false, status: 409, error: `${describeUnit(mesh)} is suspended by meshops.yaml: remove it from \`suspend:\` to resume it` };
    }
    if (!this.#suspended.delete(mesh)) return { ok: true, message: `${describeUnit(mesh)} is not suspended` };
    const unsaved = this.#saved(() => this.#suspended.add(mesh));
    if (unsaved) return { ok: false, status: 500, error: `${describeUnit(mesh)} not resumed: ${unsaved}` };
    return { ok: true, message: `${describeUnit(mesh)} resumed` };
  }

  /** Persists the suspensions; when that fails, `undo`es the change and says why. */
  #saved(undo: () => void): string | undefined {
    try {
      this.#persist?.(this.#suspended);
      return undefined;
    } catch (error) {
      undo();
      return error instanceof Error ? error.message : String(error);
    }
  }

  /** Why a mesh is suspended, if it is. */
  suspendedBy(mesh: string): "config" | "api" | undefined {
    return this.#configSuspended.has(mesh) ? "config" : this.#suspended.has(mesh) ? "api" : undefined;
  }

  /** Every suspended mesh, and by what. */
  suspensions(): Map<string, "config" | "api"> {
    const out = new Map<string, "config" | "api">();
    for (const mesh of this.#suspended) out.set(mesh, "api");
    for (const mesh of this.#configSuspended) out.set(mesh, "config");
    return out;
  }

  setConfigSuspended(meshes: readonly string[]): void {
    this.#configSuspended = new Set(meshes);
  }

  /** The plan a person approved of `revision` of `mesh`, if one did. */
  approvedPlan(mesh: string, revision: string): string | undefined {
    const approved = this.#approved.get(mesh);
    return approved?.revision === revision ? approved.plan : undefined;
  }

  /**
   * What the gate of a run planning `revision` holds. An approval stands only for the revision it names: one for
   * another revision (a newer commit superseded it) is dropped; one for this revision stays until it is used (or
   * another approval replaces it), applying only the plan it names.
   */
  setAwaiting(revision: string, awaiting: ReadonlyMap<string, RevisionPlan>): void {
    this.#awaiting = new Map([...awaiting].map(([mesh, { revision, plan }]) => [mesh, { revision, plan }]));
    for (const [mesh, approved] of this.#approved) if (approved.revision !== revision) this.#approved.delete(mesh);
  }

  /** An approved revision was applied (or is no longer needed): the approval is used up. */
  used(mesh: string): void {
    this.#approved.delete(mesh);
  }
}

/** Whether `given` names `full`: all of it, or a prefix of at least `min` characters (any case). */
function named(full: string, given: string, min: number): boolean {
  return given.length >= min && full.startsWith(given.toLowerCase());
}
