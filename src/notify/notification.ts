/**
 * What is worth telling people after a reconcile, as one Notification: the meshes whose state changed (applied,
 * invalid, failed, blocked, awaiting approval, drift found or corrected), repository-wide problems, and the verdict on the
 * commit for a commit status. Pure: built from the mesh states before and after a run (as the status reports them)
 * and the run's own facts; the sinks (requests.ts) shape it for each API, sender.ts delivers it.
 */
import type { CommitInfo } from "../daemon/statusTypes.js";
import { GLOBAL_SCOPE, GLOBAL_UNIT_LABEL } from "../model/key.js";
import { shortRevision } from "../model/revision.js";
import { namesUpTo } from "../util/namesUpTo.js";

export type NotificationKind = "applied" | "invalid" | "failed" | "blocked" | "awaiting-approval" | "removed" | "drift-found" | "drift-corrected";

/** One mesh's state as the status reports it; `reason` is empty when there is none to give. */
export interface MeshView {
  readonly state: string;
  readonly appliedRevision: string | null;
  readonly reason: string;
  /** The repository defines something in it: a mesh only the control plane has is never "applied". */
  readonly inRepository: boolean;
}

export interface Notice {
  /**
   * The mesh, or "" for the whole repository (a commit that does not validate, a control plane that is down) or, with
   * `global`, for the resources of no mesh (GLOBAL_SCOPE), which the daemon applies as a unit of their own.
   */
  readonly mesh: string;
  readonly global?: true;
  readonly kind: NotificationKind;
  readonly reason: string;
}

/** The verdict on a commit, as a commit status: success, failure, or pending (waiting for approval). */
export type CommitState = "success" | "failure" | "pending";

export interface Notification {
  /** The commit the run was about (null when it could not be resolved). */
  readonly revision: string | null;
  readonly commit: CommitInfo | null;
  readonly notices: readonly Notice[];
  /** Absent when nothing in the run says anything about the commit itself (drift only). */
  readonly commitState?: CommitState;
  /** One line for a commit status (at most 140 characters, GitHub's limit). */
  readonly description: string;
  /** A few lines for people (a chat message): what changed, by kind. */
  readonly text: string;
}

/** A run's own facts, besides the mesh states: a repository-wide problem, or why it stopped. */
export interface RunFacts {
  readonly revision: string | null;
  readonly commit: CommitInfo | null;
  /** Problems that concern no single mesh, as notices with mesh "". */
  readonly repository: readonly Notice[];
  /** Meshes whose every resource left the repository (`meshes.removed`): only the run's events say it, not a state. */
  readonly removed?: readonly Notice[];
}

const MAX_DESCRIPTION = 140;
/** Meshes named per kind in the text; beyond, a count (1,000 meshes applied is one line, not 1,000). */
const NAMED_PER_KIND = 10;

/** What a change of one mesh's state means, if anything worth a notification. */
export function noticeOf(mesh: string, before: MeshView | undefined, after: MeshView): Notice | undefined {
  if (before && before.state === after.state && before.appliedRevision === after.appliedRevision && before.reason === after.reason) return undefined;
  const notice = (kind: NotificationKind): Notice => ({ mesh, ...(mesh === GLOBAL_SCOPE ? { global: true as const } : {}), kind, reason: after.reason });
  switch (after.state) {
    case "in-sync":
      // Nothing of any commit is in it, only what was made outside meshops: no revision was applied there.
      if (!after.inRepository) return undefined;
      if (before?.state === "drifted" && before.appliedRevision === after.appliedRevision) return notice("drift-corrected");
      return before?.state === "in-sync" && before.inRepository && before.appliedRevision === after.appliedRevision ? undefined : notice("applied");
    case "drifted":
      return before?.state === "drifted" ? undefined : notice("drift-found");
    case "invalid":
      return notice("invalid");
    case "failed":
    case "unknown":
      return notice("failed");
    case "blocked":
      return notice("blocked");
    case "awaiting-approval":
      return notice("awaiting-approval");
    default:
      return undefined; // applying, pending, behind, suspended: on the way somewhere, or asked for
  }
}

/** The notification for a run, or undefined when nothing changed that is worth one. */
export function buildNotification(before: ReadonlyMap<string, MeshView>, after: ReadonlyMap<string, MeshView>, facts: RunFacts): Notification | undefined {
  const byMesh = new Map<string, Notice>();
  for (const [mesh, view] of after) {
    const notice = noticeOf(mesh, before.get(mesh), view);
    if (notice) byMesh.set(mesh, notice);
  }
  // A mesh whose state changed as it left (its deletes failed, say) is told by that state.
  for (const notice of facts.removed ?? []) if (!byMesh.has(notice.mesh)) byMesh.set(notice.mesh, notice);
  // Meshes found invalid say where; the repository-wide line would only repeat them.
  const meshInvalid = [...byMesh.values()].some((n) => n.kind === "invalid");
  const repository = facts.repository.filter((n) => !(meshInvalid && n.kind === "invalid"));
  const notices = [...repository, ...[...byMesh.values()].sort((a, b) => (a.mesh < b.mesh ? -1 : a.mesh > b.mesh ? 1 : 0))];
  if (notices.length === 0) return undefined;
  const commitState = commitStateOf(notices);
  return {
    revision: facts.revision,
    commit: facts.commit,
    notices,
    ...(commitState ? { commitState } : {}),
    description: clip(describe(notices), MAX_DESCRIPTION),
    text: textOf(notices, facts),
  };
}

function commitStateOf(notices: readonly Notice[]): CommitState | undefined {
  const kinds = new Set(notices.map((n) => n.kind));
  // A blocked commit cannot be applied where it is to go (the control plane lacks what it writes): a failure, as Argo
  // CD's sync fails when its dry run is refused.
  if (kinds.has("invalid") || kinds.has("failed") || kinds.has("blocked")) return "failure";
  if (kinds.has("awaiting-approval")) return "pending";
  if (kinds.has("applied")) return "success";
  return undefined; // drift is the control plane's doing, not the commit's
}

const ORDER: readonly NotificationKind[] = ["invalid", "failed", "blocked", "awaiting-approval", "applied", "removed", "drift-found", "drift-corrected"];
const LABEL: Record<NotificationKind, string> = {
  invalid: "invalid",
  failed: "failed",
  blocked: "blocked",
  "awaiting-approval": "awaiting approval",
  applied: "applied",
  removed: "removed",
  "drift-found": "drift found",
  "drift-corrected": "drift corrected",
};

function where(notices: readonly Notice[]): string {
  const meshes = notices.filter((n) => n.mesh !== "" || n.global).map(unitOf);
  if (meshes.length === 0) return "";
  if (meshes.length === 1) return ` in ${meshes[0]}`;
  return ` in ${meshes.length} meshes`;
}

/** The most serious kind first, with its first reason: "invalid: shop/a.yaml:3: …", "applied in 12 meshes". */
function describe(notices: readonly Notice[]): string {
  const parts: string[] = [];
  for (const kind of ORDER) {
    const of = notices.filter((n) => n.kind === kind);
    if (of.length === 0) continue;
    const reason = of.find((n) => n.reason !== "")?.reason;
    parts.push(`${LABEL[kind]}${where(of)}${reason && parts.length === 0 && kind !== "applied" ? `: ${firstLine(reason)}` : ""}`);
  }
  return parts.join("; ");
}

function textOf(notices: readonly Notice[], facts: RunFacts): string {
  const at = facts.revision ? ` ${shortRevision(facts.revision)}${facts.commit?.message ? ` (${firstLine(facts.commit.message)})` : ""}` : "";
  const lines = [`meshops:${at}`];
  for (const kind of ORDER) {
    const of = notices.filter((n) => n.kind === kind);
    const named = namesUpTo(of, NAMED_PER_KIND, (n) => `${n.global ? GLOBAL_UNIT_LABEL : n.mesh === "" ? "repository" : n.mesh}${n.reason && kind !== "applied" ? ` (${clip(firstLine(n.reason), 200)})` : ""}`);
    if (of.length > 0) lines.push(`${LABEL[kind]}: ${named}`);
  }
  return lines.join("\n");
}

/** A notice's mesh as the text names it. */
function unitOf(notice: Notice): string {
  return notice.global ? GLOBAL_UNIT_LABEL : notice.mesh;
}

function firstLine(text: string): string {
  return text.split("\n")[0] ?? "";
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
