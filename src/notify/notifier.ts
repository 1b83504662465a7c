/**
 * Notifications as one more subscriber of the reconciler's events (daemon/events.ts): during a run it collects what
 * only the events say (a commit that does not validate, a run that failed); when the run finishes it
 * compares every mesh's state with the state after the previous run (`views`, the status's mesh conditions, which have
 * already folded the run in), builds one Notification (notification.ts) and hands each sink's request to the sender.
 *
 * A problem that lasts is told once: a control plane that stays down through twenty retries is one notification.
 */
import { removedMeshFate, type DaemonEvent } from "../daemon/events.js";
import type { DaemonStatus } from "../daemon/status.js";
import { buildNotification, type MeshView, type Notice } from "./notification.js";
import { requestFor, type Sink } from "./requests.js";
import { placedSaidOf } from "../model/diagnostic.js";

export interface NotifierOptions {
  readonly sinks: readonly Sink[];
  readonly send: (sink: Sink, request: NonNullable<ReturnType<typeof requestFor>>) => void;
  /** Every mesh's state now (the status, after it folded in the run). */
  readonly views: () => ReadonlyMap<string, MeshView>;
}

/** Diagnostics quoted in a notice about an invalid commit, at most. */
const QUOTED_ERRORS = 3;

export function notifier(options: NotifierOptions): (event: DaemonEvent) => void {
  let before: ReadonlyMap<string, MeshView> = new Map();
  let repository: Notice[] = [];
  let removed: Notice[] = [];
  /** The repository-wide notices last sent, as a key: the same again is not sent again. */
  let lastRepository = "";

  return (event) => {
    switch (event.type) {
      case "run.started":
        repository = [];
        removed = [];
        return;
      case "revision.validated": {
        if (event.valid) return;
        const errors = event.diagnostics.filter((d) => d.severity === "error");
        const quoted = errors.slice(0, QUOTED_ERRORS).map((d) => placedSaidOf(d));
        if (errors.length > QUOTED_ERRORS) quoted.push(`and ${errors.length - QUOTED_ERRORS} more errors`);
        repository.push({ mesh: "", kind: "invalid", reason: quoted.join("\n") });
        return;
      }
      case "meshes.removed":
        for (const mesh of event.meshes) removed.push({ mesh, kind: "removed", reason: `no resource left in the repository: ${removedMeshFate({ ...event, suspended: event.suspended.get(mesh) })}` });
        return;
      case "run.failed":
        repository.push({ mesh: "", kind: "failed", reason: event.message });
        return;
      case "run.finished": {
        const after = options.views();
        const key = repository.map((n) => `${n.kind}\0${n.reason}`).join("\0");
        const told = key !== "" && key === lastRepository;
        if (event.end) lastRepository = key;
        const notification = buildNotification(before, after, {
          revision: event.end?.revision ?? event.revision,
          commit: event.end?.commit ?? null,
          repository: told ? [] : repository,
          removed,
        });
        before = after;
        if (!notification) return;
        for (const sink of options.sinks) {
          const request = requestFor(sink, notification);
          if (request) options.send(sink, request);
        }
        return;
      }
      default:
        return;
    }
  };
}

/** Every mesh's state as the status has it, as the notifier compares them (`meshConditions`: not the whole status). */
export function meshViews(status: Pick<DaemonStatus, "meshConditions">): ReadonlyMap<string, MeshView> {
  return new Map(status.meshConditions().map((m) => [m.mesh, { state: m.state, appliedRevision: m.appliedRevision, reason: m.reason, inRepository: m.inRepository }]));
}
