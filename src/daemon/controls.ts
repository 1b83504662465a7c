/**
 * What people decide for a mesh through the API or the status page: approving a held plan, suspending and resuming.
 * Suspensions and approvals not used yet are handed to `persist` (the daemon keeps them in --controls-file, so a
 * restart keeps them). The reconciler reads them when it gates a plan (gate.ts) and tells them which meshes it holds.
 *
 * An approval names a revision and binds to the plan held for it when it is given (its fingerprint, gate.ts
 * planFingerprint): what the person was shown. It is used up once applied, superseded by a newer revision, and
 * dropped when the revision plans other changes by the time it runs (what was approved is not what would be applied):
 * the gate holds the mesh again and says why, and the person approves again or not.
 *
 * Where they are kept can fail to be written (disk full, a read-only volume). An approval is taken out of it before
 * its plan is written (`spend`), not after: one a restart finds was never applied, whatever failed since. When that
 * cannot be written the plan is not applied (the mesh is held, saying why); when removing a superseded or dropped
 * approval cannot be, the file stays stale (it holds an approval that was never applied, binding to its revision's
 * plan). Either way `unsaved` is told, every later run writes again, and `resaved` is told once a write succeeds.
 * A change asked through the API that cannot be written is undone and refused: the file holds what memory holds, so
 * that alone is not told (the API's answer says why).
 */
import { describeUnit } from "../model/key.js";
import { shortPlan } from "./gate.js";

export type ControlAnswer = { readonly ok: true; readonly message: string } | { readonly ok: false; readonly status: 404 | 409 | 500; readonly error: string };

/** A revision of a mesh and the plan (fingerprint) held or approved for it. */
export interface RevisionPlan {
  readonly revision: string;
  readonly plan: string;
}

/** What the controls keep across restarts (controlsFile.ts): the API's suspensions, the approvals not used yet by mesh. */
export interface SavedControls {
  readonly suspended: readonly string[];
  readonly approved: ReadonlyMap<string, RevisionPlan>;
}

export interface MeshControlsOptions {
  /** What the API decided before a restart. */
  readonly restored?: SavedControls;
  /** Keeps the API's decisions (throws when it cannot: a change made through the API is then undone and refused). */
  readonly persist?: (saved: SavedControls) => void;
  /** Told why the controls could not be kept (once per reason, until a write succeeds again). */
  readonly unsaved?: (message: string) => void;
  /** Told when they are kept again after `unsaved`. */
  readonly resaved?: () => void;
}

/** Shortest revision prefix an approval may name (git's own default abbreviation). */
const MIN_REVISION_PREFIX = 7;
/** Shortest plan prefix an approval may name: as logs and messages show it (gate.ts shortPlan). */
const MIN_PLAN_PREFIX = 12;

export class MeshControls {
  /** Mesh -> the plan held for approval, as the last gate left it. */
  #awaiting = new Map<string, RevisionPlan>();
  /** Mesh -> the plan a person approved (used once, by the run that applies it). */
  readonly #approved: Map<string, RevisionPlan>;
  /**
   * Mesh -> an approval taken out of what is kept because a run is applying it: it still applies in this process
   * (a failed apply is retried), never after a restart.
   */
  readonly #spent = new Map<string, RevisionPlan>();
  /** Why the last write failed, until one succeeds. */
  #unsavedBecause: string | undefined;
  /**
   * Mesh -> an approval dropped because its revision planned another plan, while that revision's plan is held: the
   * gate keeps saying why the approval no longer applies.
   */
  readonly #dropped = new Map<string, RevisionPlan>();
  /** Meshes suspended through the API. */
  readonly #suspended: Set<string>;
  /** Meshes suspended by meshops.yaml, as the last target says. */
  #configSuspended: ReadonlySet<string> = new Set();
  readonly #persist: ((saved: SavedControls) => void) | undefined;
  readonly #unsaved: ((message: string) => void) | undefined;
  readonly #resaved: (() => void) | undefined;

  constructor(options: MeshControlsOptions = {}) {
    this.#suspended = new Set(options.restored?.suspended);
    this.#approved = new Map(options.restored?.approved);
    this.#persist = options.persist;
    this.#unsaved = options.unsaved;
    this.#resaved = options.resaved;
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
    const before = this.#approved.get(mesh);
    this.#approved.set(mesh, awaiting);
    const unsaved = this.#savedOrRefused(() => (before ? this.#approved.set(mesh, before) : this.#approved.delete(mesh)));
    if (unsaved) return { ok: false, status: 500, error: `${describeUnit(mesh)} not approved: ${unsaved}` };
    this.#dropped.delete(mesh);
    this.#spent.delete(mesh);
    return { ok: true, message: `revision ${awaiting.revision} of mesh ${mesh} approved, plan ${shortPlan(awaiting.plan)}: applying it` };
  }

  suspend(mesh: string): ControlAnswer {
    if (this.#suspended.has(mesh) || this.#configSuspended.has(mesh)) return { ok: true, message: `${describeUnit(mesh)} is suspended already` };
    this.#suspended.add(mesh);
    const unsaved = this.#savedOrRefused(() => this.#suspended.delete(mesh));
    if (unsaved) return { ok: false, status: 500, error: `${describeUnit(mesh)} not suspended: ${unsaved}` };
    return { ok: true, message: `${describeUnit(mesh)} suspended: neither applied nor corrected until resumed` };
  }

  resume(mesh: string): ControlAnswer {
    if (this.#configSuspended.has(mesh)) {
      return { ok: false, status: 409, error: `${describeUnit(mesh)} is suspended by meshops.yaml: remove it from \`suspend:\` to resume it` };
    }
    if (!this.#suspended.delete(mesh)) return { ok: true, message: `${describeUnit(mesh)} is not suspended` };
    const unsaved = this.#savedOrRefused(() => this.#suspended.add(mesh));
    if (unsaved) return { ok: false, status: 500, error: `${describeUnit(mesh)} not resumed: ${unsaved}` };
    return { ok: true, message: `${describeUnit(mesh)} resumed` };
  }

  /**
   * Persists a change a person asked for through the API; when that fails, `undo`es it and says why (the API refuses
   * it). Undone, the file holds what memory holds again: that failure alone leaves nothing stale to tell (an earlier
   * one may still stand, and is kept).
   */
  #savedOrRefused(undo: () => void): string | undefined {
    if (this.#unsavedBecause !== undefined) return this.#saved(undo);
    const unsaved = this.#write();
    if (unsaved) undo();
    return unsaved;
  }

  /** Persists a change; when that fails, `undo`es it and says why (told, and tried again by every later run). */
  #saved(undo: () => void): string | undefined {
    const unsaved = this.#save();
    if (unsaved) undo();
    return unsaved;
  }

  /** Writes the controls; says why it could not (told once per reason), and tells when it can again. */
  #save(): string | undefined {
    const message = this.#write();
    if (message !== undefined) {
      if (message !== this.#unsavedBecause) this.#unsaved?.(message);
      this.#unsavedBecause = message;
      return message;
    }
    if (this.#unsavedBecause !== undefined) {
      this.#unsavedBecause = undefined;
      this.#resaved?.();
    }
    return undefined;
  }

  /** Writes the controls; says why it could not. */
  #write(): string | undefined {
    if (!this.#persist) return undefined;
    try {
      this.#persist({ suspended: [...this.#suspended], approved: new Map(this.#approved) });
      return undefined;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }

  /**
   * Takes the approvals of `meshes` out of what is kept before their plans are written, so that a restart never
   * finds one it already applied. Says why it could not (the approvals are kept, not applied).
   */
  spend(meshes: Iterable<string>): string | undefined {
    const taken = [...meshes].filter((mesh) => this.#approved.has(mesh));
    if (taken.length === 0) return undefined;
    for (const mesh of taken) {
      this.#spent.set(mesh, this.#approved.get(mesh) as RevisionPlan);
      this.#approved.delete(mesh);
    }
    return this.#saved(() => {
      for (const mesh of taken) {
        this.#approved.set(mesh, this.#spent.get(mesh) as RevisionPlan);
        this.#spent.delete(mesh);
      }
    });
  }

  /**
   * Drops the API's suspensions of meshes a comparison no longer finds (`found` false: neither in the repository nor
   * holding anything meshops owns on the control plane): nothing is left to suspend, and a mesh gone for good would
   * otherwise stay suspended in what is kept forever. One of the same name made later starts unsuspended. Returns
   * them, sorted. A write that fails is told and tried again by every later run, as for approvals.
   */
  forgetGone(found: (mesh: string) => boolean): string[] {
    const gone = [...this.#suspended].filter((mesh) => !found(mesh)).sort();
    for (const mesh of gone) this.#suspended.delete(mesh);
    if (gone.length > 0) this.#save();
    return gone;
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

  /** The plan a person approved of `revision` of `mesh`, if one did (and the approval was not dropped). */
  approvedPlan(mesh: string, revision: string): string | undefined {
    const approved = this.#approved.get(mesh) ?? this.#spent.get(mesh);
    return approved?.revision === revision ? approved.plan : undefined;
  }

  /** The plan of the approval of `revision` of `mesh` dropped because the revision planned another, if one was. */
  droppedPlan(mesh: string, revision: string): string | undefined {
    const dropped = this.#dropped.get(mesh);
    return dropped?.revision === revision ? dropped.plan : undefined;
  }

  /**
   * What the gate of a run planning `revision` holds. An approval stands only for the revision it names: one for
   * another revision (a newer commit superseded it) is removed; one for this revision stays until it is used, dropped
   * or replaced by another approval, applying only the plan it names. A dropped approval is remembered (for the
   * reason the gate gives) while its revision is held.
   */
  setAwaiting(revision: string, awaiting: ReadonlyMap<string, RevisionPlan>): void {
    this.#awaiting = new Map([...awaiting].map(([mesh, { revision, plan }]) => [mesh, { revision, plan }]));
    for (const [mesh, dropped] of this.#dropped) if (awaiting.get(mesh)?.revision !== dropped.revision) this.#dropped.delete(mesh);
    for (const [mesh, spent] of this.#spent) if (spent.revision !== revision) this.#spent.delete(mesh);
    const superseded = [...this.#approved].filter(([, approved]) => approved.revision !== revision);
    for (const [mesh] of superseded) this.#approved.delete(mesh);
    // While the last write failed, every run writes again: the first that can brings the file in line.
    if (superseded.length > 0 || this.#unsavedBecause !== undefined) this.#save();
  }

  /**
   * The approval of `mesh` the gate judged (`judged`) names another plan than its revision plans now (gate.ts): it no
   * longer applies. Only that one: the gate runs in slices, and an approval given meanwhile was not judged.
   */
  drop(mesh: string, judged: RevisionPlan): void {
    const kept = this.#approved.get(mesh);
    const approved = kept ?? this.#spent.get(mesh);
    if (!approved || approved.revision !== judged.revision || approved.plan !== judged.plan) return;
    this.#approved.delete(mesh);
    this.#spent.delete(mesh);
    this.#dropped.set(mesh, approved);
    if (kept) this.#save();
  }

  /** An approved revision was applied (or is no longer needed): the approval is used up. */
  used(mesh: string): void {
    this.#dropped.delete(mesh);
    this.#spent.delete(mesh);
    if (this.#approved.delete(mesh)) this.#save();
  }
}

/** Whether `given` names `full`: all of it, or a prefix of at least `min` characters (any case). */
function named(full: string, given: string, min: number): boolean {
  return given.length >= min && full.startsWith(given.toLowerCase());
}
