/**
 * The one type of `/api/status` (and of each server-sent `status` event): what DaemonStatus.toJSON() returns, what
 * the status page's script reads (ui/app.js imports these through JSDoc, checked by `npm run typecheck`), and what the
 * tests parse. Types only: nothing here runs, so the browser's script can import it for checking.
 *
 * Vocabulary (closed):
 * - a mesh's `state`: "pending" (nothing applied yet), "applying", "in-sync", "drifted" (the control plane differs
 *   from the last applied revision), "failed" (its last apply stopped at an error);
 * - a reconcile's `kind`: "sync" (a revision validated and applied) or "drift" (the control plane compared with the
 *   last applied revision, and in `correct` mode re-applied);
 * - a reconcile's `result`: see RunResult.
 */
import type { DriftMode } from "../config/repoConfig.js";
import type { DriftItem, DriftSummary } from "../diff/drift.js";
import type { Diagnostic } from "../model/diagnostic.js";
import type { TriggerKind } from "./queue.js";

export type { DriftItem, DriftSummary, Diagnostic, DriftMode, TriggerKind };

export interface CommitInfo {
  readonly commit: string;
  /** The subject line. */
  readonly message: string;
  readonly author: string;
  /** Author date, ISO 8601. */
  readonly date: string;
}

export type MeshState = "pending" | "applying" | "in-sync" | "drifted" | "failed";
export type RunKind = "sync" | "drift";
/**
 * sync: "applied" (changes written), "unchanged" (nothing to write), "invalid" (refused by validation, nothing
 * written), "refused" (the prune limit refused the plan, nothing written), "failed" (some change failed; other meshes
 * went on), "stopped" (shutdown came first); drift: "in-sync", "drifted" (reported), "corrected" (re-applied);
 * either: "error" (the run could not finish: repository or control plane unreachable).
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
}

export interface MeshStatus {
  readonly name: string;
  readonly state: MeshState;
  readonly driftMode: DriftMode;
  readonly appliedRevision: string | null;
  readonly attemptedRevision: string | null;
  readonly lastResult: MeshApplyStatus | null;
  readonly lastRun: MeshRun | null;
  /** What the last applied revision wants in the mesh (default policies included), by type. */
  readonly resources: { readonly total: number; readonly byType: Readonly<Record<string, number>> };
  readonly defaultPolicies: readonly DefaultPolicyStatus[];
  readonly drift: MeshDriftStatus | null;
  /** Newest first, a few at most. */
  readonly lastErrors: readonly MeshError[];
}

export interface RepositorySettings {
  readonly url: string;
  readonly kind: "local" | "remote";
  readonly branch: string | null;
  readonly path: string;
}

export interface ControlPlaneSettings {
  readonly url: string;
  readonly embedded: boolean;
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

/** `GET /api/status`. */
export interface StatusJson {
  readonly repository: RepositorySettings;
  readonly controlPlane: ControlPlaneSettings;
  /** True once the first reconcile finished, whatever its result. */
  readonly ready: boolean;
  readonly startedAt: string;
  readonly state: "reconciling" | "idle";
  readonly running: RunningReconcile | null;
  readonly revision: {
    /** The last revision every mesh has completely. */
    readonly applied: CommitInfo | null;
    readonly attempted: (CommitInfo & { readonly valid: boolean }) | null;
  };
  readonly validation: ValidationStatus | null;
  readonly lastSuccessAt: string | null;
  readonly lastError: { readonly at: string; readonly message: string } | null;
  readonly drift: { readonly intervalMs: number; readonly nextCheckAt: string | null; readonly summary: DriftSummary };
  readonly pollIntervalMs: number | null;
  readonly endpoints: { readonly webhook: boolean; readonly reconcile: boolean };
  /** Sorted by name. */
  readonly meshes: readonly MeshStatus[];
  /** Newest first. */
  readonly reconciles: readonly ReconcileRecord[];
}
