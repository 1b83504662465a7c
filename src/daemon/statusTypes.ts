/**
 * The one type of `/api/status` (and of each server-sent `status` event): what DaemonStatus.toJSON() returns, what
 * the status page's script reads (ui/app.js imports these through JSDoc, checked by `npm run typecheck`), and what the
 * tests parse. Types, and one constant list (MESH_STATES): the browser's script imports the types for checking.
 *
 * Vocabulary (closed):
 * - a mesh's `state`: see MeshState (one state per mesh, with a reason and a since-time);
 * - a reconcile's `kind`: "sync" (a revision validated and applied) or "drift" (the control plane compared with the
 *   last applied revision, and in `correct` mode re-applied);
 * - a reconcile's `result`: see RunResult.
 */
import type { DriftMode } from "../config/repoConfig.js";
import type { DriftItem, DriftSummary, LeftAloneSummary } from "../diff/drift.js";
import type { Diagnostic } from "../model/diagnostic.js";
import type { TriggerKind } from "./queue.js";

export type { DriftItem, DriftSummary, LeftAloneSummary, Diagnostic, DriftMode, TriggerKind };

export interface CommitInfo {
  readonly commit: string;
  /** The subject line. */
  readonly message: string;
  readonly author: string;
  /** Author date, ISO 8601. */
  readonly date: string;
}

/**
 * A mesh's one state (issue 15), most urgent first in MESH_STATES:
 * - "unknown": the control plane is unreachable (or has not been reached yet): what it holds is not known;
 * - "invalid": the branch head has validation errors in this mesh: nothing of it applied, the mesh keeps its last
 *   applied revision (a repository-wide problem, such as an invalid meshops.yaml, makes every mesh invalid);
 * - "failed": its last apply stopped at an error (a change the control plane refused, a shutdown mid-way);
 * - "blocked": its plan writes what the control plane lacks (a kind it does not serve, a field of a newer line, a Mesh
 *   it does not have), so nothing of it was written, until the control plane has it or a commit no longer writes it;
 *   `blocked` (MeshBlock) says why, with a code for machines;
 * - "awaiting-approval": the plan of the head holds a change the guard flags (mass change, prune limits): nothing of
 *   it applied until someone approves that plan of that revision;
 * - "suspended": meshops.yaml or the API suspended it: neither applied nor corrected, drift still reported;
 * - "applying": writes to it are in flight;
 * - "behind": its applied revision is not the branch head, and nothing above explains why (not applied yet, or a
 *   run is on its way);
 * - "drifted": the head is applied, but the control plane differs from it (report mode, or not corrected yet);
 * - "in-sync": the head is applied and the control plane holds it.
 */
export type MeshState = "unknown" | "invalid" | "failed" | "blocked" | "awaiting-approval" | "suspended" | "applying" | "behind" | "drifted" | "in-sync";

/** Every MeshState, problems first (the order the page sorts by; `?state=` accepts these). */
export const MESH_STATES: readonly MeshState[] = ["unknown", "invalid", "failed", "blocked", "awaiting-approval", "suspended", "applying", "behind", "drifted", "in-sync"];

/** A mesh's state, why, and since when: what `/api/status`, the page, the metrics and notifications all show. */
export interface MeshCondition {
  readonly state: MeshState;
  /** One line for a person: why the mesh is in this state ("3 validation errors in mesh shop", "control plane unreachable: …"). */
  readonly reason: string;
  /** When the mesh entered this state (ISO 8601); unchanged while it stays in it. */
  readonly since: string;
  /** The revision last applied to this mesh completely; null when none has been. */
  readonly appliedRevision: string | null;
}

/** One change a held plan would make, for the page's diff. */
export interface HeldChange {
  readonly action: "create" | "update" | "delete";
  /** `Type/mesh/name`, or `Mesh/name`. */
  readonly resource: string;
  /** Unified diff of the normalized, redacted objects (as in `meshops plan`). */
  readonly diff: string;
}

/** A mesh's plan held for approval (state "awaiting-approval"). */
export interface PendingApproval {
  /** The revision an approval applies: `POST /api/meshes/{mesh}/approve` with `{"revision": …}`. */
  readonly revision: string;
  /**
   * The fingerprint of the held changes (sha256, hex): an approval applies this plan only. The same revision planning
   * other changes later (the control plane changed) is held again. Optional in the approval's body (`"plan": …`).
   */
  readonly plan: string;
  /** Since when it waits (ISO 8601). */
  readonly since: string;
  /** Why the guard held it, one sentence each (the mass-change risks, the prune limit). */
  readonly reasons: readonly string[];
  readonly summary: { readonly create: number; readonly update: number; readonly delete: number };
  /** The changes in the mesh, a bounded number (`truncated` says how many were left out). */
  readonly changes: readonly HeldChange[];
  readonly truncated: number;
}

/**
 * Why a mesh is blocked, for machines (alerts, dashboards), as a Flux condition's `reason`: "control-plane-lacks", the
 * rule of the diagnostics behind it (sync/live.ts CONTROL_PLANE_LACKS_RULE), which `apply` refuses a plan for.
 */
export type BlockReason = "control-plane-lacks";

/** A mesh's block (state "blocked"): the reason code, and the line for people (the state's `reason`). */
export interface MeshBlock {
  readonly reason: BlockReason;
  readonly message: string;
}

/** Why a mesh is suspended: meshops.yaml's `suspend:` list, or the API (undone by resume). */
export interface Suspension {
  readonly by: "config" | "api";
  readonly since: string;
}
export type RunKind = "sync" | "drift";
/**
 * sync: "applied" (changes written), "unchanged" (nothing to write), "invalid" (validation errors: nothing written to
 * the meshes they are in, or anywhere when no mesh can be named for one), "refused" (a mesh's plan is held for
 * approval, or blocked; the other meshes went on), "failed" (some change failed; other meshes went on), "stopped" (shutdown came
 * first); drift: "in-sync", "drifted" (reported), "corrected" (re-applied), "refused" (a correction held for
 * approval); either: "error" (the run could not finish: repository or control plane unreachable).
 * Only applied, unchanged, in-sync, drifted and corrected are successes.
 */
export type RunResult = "applied" | "unchanged" | "invalid" | "refused" | "failed" | "stopped" | "in-sync" | "drifted" | "corrected" | "error";

/** What a sync did to one mesh's changes. */
export type ApplyOutcome = "applied" | "unchanged" | "failed" | "stopped";

/** Changes written, failed and skipped; drift items found. */
export interface RunSummary {
  readonly applied: number;
  readonly failed: number;
  readonly skipped: number;
  readonly drift: number;
}

export interface ReconcileRecord {
  readonly id: number;
  readonly kind: RunKind;
  readonly reasons: readonly TriggerKind[];
  readonly revision: string | null;
  readonly commit: { readonly message: string; readonly author: string } | null;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly result: RunResult;
  readonly summary: RunSummary;
  readonly error?: string;
  /** What the run warns about: a force-pushed branch, a failed fetch (the last fetched revision was used). */
  readonly warnings?: readonly string[];
}

/**
 * The last run that touched a mesh (applied to it, compared it, or failed on it), with what it meant for that mesh:
 * sync "applied" | "unchanged" | "failed" | "stopped"; drift "in-sync" | "drifted" | "corrected" | "failed"; either
 * "error" | "refused" when the run stopped on this mesh. A run that refused an invalid commit touches no mesh.
 */
export interface MeshRun {
  readonly id: number;
  readonly kind: RunKind;
  readonly result: RunResult;
  readonly startedAt: string;
  readonly durationMs: number;
}

export interface MeshError {
  readonly at: string;
  readonly revision: string | null;
  /** `Type/mesh/name`, or "" when the error is not about one resource. */
  readonly resource: string;
  readonly message: string;
}

export type DefaultPolicyState = "materialized" | "overridden" | "skipped" | "off";

/** One of the four default policies of a Mesh defined in the repository, and what became of it. */
export interface DefaultPolicyStatus {
  readonly type: string;
  readonly name: string;
  readonly state: DefaultPolicyState;
}

export interface MeshApplyStatus {
  readonly outcome: ApplyOutcome;
  readonly revision: string;
  readonly at: string;
  readonly applied: number;
  readonly failed: number;
  readonly skipped: number;
}

export interface MeshDriftStatus {
  readonly checkedAt: string;
  readonly revision: string;
  readonly summary: DriftSummary;
  readonly items: readonly DriftItem[];
  /** Resources the control plane generated or another control plane synced here: not drift, counted (diff/drift.ts). */
  readonly leftAlone: LeftAloneSummary;
}

/**
 * The resources of a mesh meshops owns that the repository no longer has, and that stay because prune is off
 * (meshops.yaml `prune.enabled`): what the last plan named (`meshops plan`'s `prunable`). Never one carrying the prune
 * opt-out, nor a Mesh that holds what stays (drift calls those orphaned too).
 */
export interface MeshPrunable {
  readonly count: number;
  /** The first 50, `Type/mesh/name` in delete order. */
  readonly resources: readonly string[];
}

export interface MeshStatus extends MeshCondition {
  readonly name: string;
  readonly driftMode: DriftMode;
  /** The revision applied last to this mesh is the branch head (false for a mesh the repository defines nothing in). */
  readonly headApplied: boolean;
  readonly approval: PendingApproval | null;
  /** Set while the state is "blocked". */
  readonly blocked: MeshBlock | null;
  readonly suspended: Suspension | null;
  readonly attemptedRevision: string | null;
  readonly lastResult: MeshApplyStatus | null;
  readonly lastRun: MeshRun | null;
  /** What the last applied revision wants in the mesh (default policies included), by type. */
  readonly resources: { readonly total: number; readonly byType: Readonly<Record<string, number>> };
  readonly defaultPolicies: readonly DefaultPolicyStatus[];
  readonly drift: MeshDriftStatus | null;
  /** With prune off, what prune on would delete here (Argo CD's "requires pruning"); count 0 with prune on. */
  readonly prunable: MeshPrunable;
  /** Newest first, a few at most. */
  readonly lastErrors: readonly MeshError[];
}

export interface RepositorySettings {
  readonly url: string;
  readonly kind: "local" | "remote";
  /** The followed branch (pinned at start for a local repository): nothing off it is applied. */
  readonly branch: string | null;
  /** The remote followed (`origin`), null for a local repository. */
  readonly remote: string | null;
  readonly path: string;
}

export interface ControlPlaneSettings {
  readonly url: string;
  readonly embedded: boolean;
}

/** The control plane on the status: its settings, and what the last full comparison warned about it. */
export interface ControlPlaneStatus extends ControlPlaneSettings {
  /**
   * What the last full comparison (startup, meshops.yaml changed, a drift check, a retry) warned about, as `plan`
   * prints it: a version line or product other than meshops.yaml's, a kind it does not serve, names that collide on
   * Kubernetes, default policies in another namespace than systemNamespace. Empty when nothing.
   */
  readonly warnings: readonly string[];
  /**
   * The control plane's API is read-only (it runs on Kubernetes, where Argo CD or Flux writes): each commit is compared,
   * drift reported, nothing written. False until the first sync asked it.
   */
  readonly readOnly: boolean;
}

export interface RunningReconcile {
  readonly id: number;
  readonly reasons: readonly TriggerKind[];
  readonly startedAt: string;
}

export interface ValidationStatus {
  readonly revision: string;
  readonly valid: boolean;
  /** What people are shown (errors and warnings), every one of them. */
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * The followed branch could not be read at the last try (a fetch that failed, a branch deleted or renamed): the daemon
 * goes on with `kept`, the last revision it read, checks drift against what it applied, and retries with backoff. A
 * problem of the source, not of any mesh.
 */
export interface SourceProblem {
  /** What failed, one line ("fetch failed: …", "branch main cannot be read: …"). */
  readonly message: string;
  readonly kept: string;
  /** Since when the branch cannot be read (ISO 8601). */
  readonly since: string;
  /** Tries to read it that failed since then (fetches: the retries with backoff, the polls and webhooks between them). */
  readonly attempts: number;
  /** When the next retry with backoff tries again (ISO 8601); null until it is scheduled. */
  readonly nextAttemptAt: string | null;
}

/**
 * `--controls-file` could not be written at the last try: it may still hold an approval the daemon let go of
 * (superseded, dropped), and an approved plan waits (held, saying why) until its approval can be recorded as used.
 * Every run writes again; null once a write succeeds.
 */
/** A mesh whose every resource left the repository (the `mesh.removed` log line). */
export interface RemovedMesh {
  readonly mesh: string;
  /** The revision that has none of its resources. */
  readonly revision: string;
  /** When the sync found it (ISO 8601). */
  readonly at: string;
  /** meshops.yaml's prune.enabled then: what meshops owns there was deleted, or stays. */
  readonly prune: boolean;
  /** By what the mesh is suspended now, if it is: what meshops owns there stays until it is resumed. */
  readonly suspended: "config" | "api" | null;
  /** What becomes of what meshops owns there, in the words of the `mesh.removed` log line (events.ts removedMeshFate). */
  readonly fate: string;
}

export interface ControlsFileProblem {
  /** Why, one line ("<file>: cannot write it (ENOSPC)"). */
  readonly message: string;
  /** Since when writes fail (ISO 8601). */
  readonly since: string;
}

/** `GET /api/status`. */
export interface StatusJson {
  readonly repository: RepositorySettings;
  readonly controlPlane: ControlPlaneStatus;
  /** True once a full reconcile ran against a reachable control plane (/readyz answers 200 from then on). */
  readonly ready: boolean;
  readonly startedAt: string;
  readonly state: "reconciling" | "idle";
  readonly running: RunningReconcile | null;
  readonly revision: {
    /** The commit the followed branch points at, as last read (null before the first read). */
    readonly head: string | null;
    /** The last revision every mesh has completely. */
    readonly applied: CommitInfo | null;
    readonly attempted: (CommitInfo & { readonly valid: boolean }) | null;
  };
  readonly validation: ValidationStatus | null;
  readonly lastSuccessAt: string | null;
  readonly lastError: { readonly at: string; readonly message: string } | null;
  /** The followed branch cannot be read now; null once it is read again. */
  readonly sourceProblem: SourceProblem | null;
  /** The controls file cannot be written now; null once it is (and without --controls-file). */
  readonly controlsFile: ControlsFileProblem | null;
  /** The last meshes whose every resource left the repository, newest first (at most 10): their cards may be gone. */
  readonly removedMeshes: readonly RemovedMesh[];
  readonly writes: WritesStatus;
  readonly drift: { readonly intervalMs: number; readonly nextCheckAt: string | null; readonly summary: DriftSummary; readonly leftAlone: LeftAloneSummary };
  readonly pollIntervalMs: number | null;
  readonly endpoints: { readonly webhook: boolean; readonly reconcile: boolean };
  /** `--hydrate-branch`: where each valid revision is hydrated, and how the last one went (null without it). */
  readonly hydration: HydrationStatus | null;
  /** Sorted by name. */
  readonly meshes: readonly MeshStatus[];
  /** Newest first. */
  readonly reconciles: readonly ReconcileRecord[];
  /** Present when `/api/status` was asked to filter or page the meshes (`?mesh=&q=&state=&order=&offset=&limit=`). */
  readonly page?: StatusPage;
}

/** Writes whose outcome is unknown (sent, never answered), since the start, and the checks after them (daemon/recheck.ts). */
export interface WritesStatus {
  /** Writes sent and never answered: they may land later, over a newer write. */
  readonly outcomeUnknown: number;
  /** Resources a check after such a write found changed and wrote again. */
  readonly rewritten: number;
  /**
   * Resources whose last check failed (the control plane unreachable, a 5xx, or a write back refused), and its tries
   * again too: the checks gave up, their outcome stayed unknown (the status's warnings name them).
   */
  readonly stayedUnknown: number;
  /**
   * How many resources the checks still to come are for, including those whose write back waits for their mesh
   * (suspended, blocked, held) to open; 0 when none is due or waiting.
   */
  readonly recheckingCount: number;
  /** The first 50 of them by name (`Type/mesh/name`), as the log lines name them: a control plane that stops answering mid-apply leaves thousands. */
  readonly rechecking: readonly string[];
  /**
   * How many of those a check could not write back because their mesh is shut (suspended, blocked, held for approval):
   * they wait for it to open (the last check's `waiting`); 0 when none does.
   */
  readonly waitingCount: number;
  /** The first 50 of them by name. */
  readonly waiting: readonly string[];
}

export interface HydrationStatus {
  readonly branch: string;
  /** The remote it is pushed to; null: the local branch. */
  readonly remote: string | null;
  /** The revision being hydrated now. */
  readonly running: string | null;
  /** The last hydrate that ended (null before the first). */
  readonly last: {
    readonly revision: string;
    readonly ok: boolean;
    readonly at: string;
    readonly durationMs: number;
    /** Its output's last line: what was committed, or why nothing was. */
    readonly message: string;
    /** A failure's lines (the end of its error output). */
    readonly problems: readonly string[];
  } | null;
}

/** Which meshes a filtered or paged `/api/status` holds, out of how many. */
export interface StatusPage {
  /** Meshes in all. */
  readonly total: number;
  /** Meshes that pass the filters (before offset and limit). */
  readonly matched: number;
  readonly offset: number;
  readonly limit: number | null;
  /** Meshes in each state, over all meshes (for a state filter's labels). */
  readonly counts: Readonly<Record<MeshState, number>>;
}

/**
 * A server-sent `delta` event: the status with only the meshes that changed since the stream's previous event, and the
 * names of those gone. A stream starts with a whole `status` event, and gets one again after it fell behind.
 */
export type StatusDelta = Omit<StatusJson, "meshes"> & { readonly meshes: readonly MeshStatus[]; readonly removed: readonly string[] };
