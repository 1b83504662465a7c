/**
 * Writes whose outcome is unknown, and when to look at the control plane again because of them. A write sent and
 * never answered (timed out, connection reset: sync/apply.ts `outcomeUnknown`) may still land later, even after a
 * newer commit's write of the same resource: Kuma's PUT has no version check to refuse the older one. So after such a
 * write the daemon compares the control plane with the target again, soon and then a few more times (the way a
 * Kubernetes controller requeues an object it is not sure of), and writes back what an old write replaced. A check
 * that fails (the control plane unreachable, a 5xx) is not done: the next still comes, and the last is tried again a
 * few times. Bounded: the checks stop after the last delay, or after the last tries of the last check (the outcome
 * then stays unknown, and is said); the drift timer goes on as ever. A check that finds something to write back in a
 * mesh nothing may be written to (suspended, blocked, held for approval) cannot do it: that resource waits, neither
 * forgotten nor given up on, and is checked again once its mesh opens (`reopen`), as a suspended Argo CD application's
 * pending sync waits for it to be resumed. Pure: times are given, the daemon keeps the timer.
 */

import type { Change } from "../diff/plan.js";

/** The checks after a write of unknown outcome, in multiples of the request timeout: soon, and again later. */
export const RECHECK_TIMEOUTS = [2, 6, 20, 60] as const;

/** Tries again of a last check that failed, the first after the first delay, each after twice the wait before it. */
export const LAST_CHECK_RETRIES = 5;

/** The resources a log line or the status names at most (a control plane that stops answering mid-apply leaves thousands). */
export const NAMED_AT_MOST = 50;

/** The delays of the checks for a request timeout of `timeoutMs`. */
export function recheckDelays(timeoutMs: number): number[] {
  return RECHECK_TIMEOUTS.map((n) => n * timeoutMs);
}

/** Resources (`Type/mesh/name`) a check could not write back because their mesh was shut, with that mesh. */
export type WaitingWrites = ReadonlyMap<string, string>;

/**
 * In a recheck run: the resources it is for that its plan would write (`planned`, `Type/mesh/name` and mesh) in a mesh
 * nothing was written to (`shut`), which wait for it to open.
 */
export function waitingWrites(resources: ReadonlySet<string>, planned: Iterable<Pick<Change, "resource" | "mesh" | "action">>, shut: (mesh: string) => boolean): Map<string, string> {
  const waiting = new Map<string, string>();
  for (const c of planned) if (c.action !== "unchanged" && resources.has(c.resource) && shut(c.mesh)) waiting.set(c.resource, c.mesh);
  return waiting;
}

export class UnsureWrites {
  readonly #delaysMs: readonly number[];
  /** The resources (`Type/mesh/name`) written with an unknown outcome since the checks began. */
  readonly #resources = new Set<string>();
  /** When the checks left are due (ms since the epoch), soonest first. */
  #due: number[] = [];
  /** How many times the last check failed and was tried again. */
  #retries = 0;
  /** Resources among #resources whose write back waits for their mesh to open: kept when the checks end. */
  #waiting = new Map<string, string>();

  constructor(delaysMs: readonly number[]) {
    this.#delaysMs = delaysMs;
  }

  /** Writes of unknown outcome at `now`: the checks begin again from now, for them and the ones not checked out yet. */
  add(resources: Iterable<string>, now: number): void {
    for (const resource of resources) this.#resources.add(resource);
    if (this.#resources.size > 0) {
      this.#due = this.#delaysMs.map((d) => now + d);
      this.#retries = 0;
    }
  }

  /** The resources the checks are for, and those waiting for their mesh (empty when neither). */
  get resources(): ReadonlySet<string> {
    return this.#resources;
  }

  /** How long until the next check; undefined when none is due. */
  nextInMs(now: number): number | undefined {
    const next = this.#due[0];
    return next === undefined ? undefined : Math.max(0, next - now);
  }

  /**
   * A check ran at `now`: the checks due by then are done; after the last, the resources are forgotten, except those
   * `waiting` (it could not write them back: their mesh was shut; undefined when the run planned nothing: those
   * waiting before still do).
   */
  checked(now: number, waiting?: WaitingWrites): { readonly left: number } {
    this.#due = this.#due.filter((at) => at > now);
    if (waiting) this.#waiting = new Map(waiting);
    if (this.#due.length === 0) this.#forget();
    return { left: this.#due.length };
  }

  /** Whether `resource` waits for its mesh to open. */
  isWaiting(resource: string): boolean {
    return this.#waiting.has(resource);
  }

  /**
   * Resources that waited, written back by a run that opened their mesh (unblocked by an upgrade, approved): no longer
   * waiting, and forgotten when no check is left to come.
   */
  writtenBack(resources: Iterable<string>): { readonly left: number } {
    for (const resource of resources) {
      this.#waiting.delete(resource);
      if (this.#due.length === 0) this.#resources.delete(resource);
    }
    return { left: this.#due.length };
  }

  /** The resources waiting for their mesh to open, sorted. */
  get waiting(): readonly string[] {
    return [...this.#waiting.keys()].sort();
  }

  /**
   * Meshes open again (resumed, unblocked, approved): what waited there is checked at once (`now`). True when some
   * did: the waiting list changed.
   */
  reopen(shut: (mesh: string) => boolean, now: number): boolean {
    let opened = false;
    for (const [resource, mesh] of this.#waiting) {
      if (shut(mesh)) continue;
      this.#waiting.delete(resource);
      opened = true;
    }
    if (opened && this.#due.length === 0) {
      this.#due = [now];
      this.#retries = 0;
    }
    return opened;
  }

  /**
   * Forgets what waits in meshes a comparison no longer found (`found` false: neither in the repository nor holding
   * anything meshops owns): nothing is left there to write back, and a mesh gone while suspended may never be
   * resumed. Returns them by mesh (empty when none).
   */
  forgetGone(found: (mesh: string) => boolean): Map<string, string[]> {
    const gone = new Map<string, string[]>();
    for (const [resource, mesh] of this.#waiting) {
      if (found(mesh)) continue;
      this.#waiting.delete(resource);
      this.#resources.delete(resource);
      gone.set(mesh, [...(gone.get(mesh) ?? []), resource].sort());
    }
    return gone;
  }

  /**
   * A check ran at `now` and failed (the control plane unreachable, a 5xx): only the check it was for counts as run,
   * the ones after it still come (at once when overdue). The last is tried again LAST_CHECK_RETRIES times; then the
   * resources are forgotten, their outcome unknown (`gaveUp`), except those waiting for their mesh. `waiting`: those
   * the run found so (undefined when it got no plan: those waiting before still do).
   */
  failed(now: number, waiting?: WaitingWrites): { readonly left: number; readonly gaveUp: readonly string[] } {
    if (waiting) this.#waiting = new Map(waiting);
    const first = this.#due[0];
    if (first === undefined || first > now) return { left: this.#due.length, gaveUp: [] };
    this.#due.shift();
    if (this.#due.length === 0 && this.#retries < LAST_CHECK_RETRIES) {
      this.#due = [now + (this.#delaysMs[0] ?? 0) * 2 ** this.#retries];
      this.#retries++;
    }
    if (this.#due.length > 0) return { left: this.#due.length, gaveUp: [] };
    const gaveUp = [...this.#resources].filter((resource) => !this.#waiting.has(resource)).sort();
    this.#forget();
    return { left: 0, gaveUp };
  }

  /** The checks ended: only what waits for its mesh is kept. */
  #forget(): void {
    for (const resource of this.#resources) if (!this.#waiting.has(resource)) this.#resources.delete(resource);
    this.#retries = 0;
  }
}
