/**
 * One queue for every reason to reconcile (a new commit, a poll, a webhook, a manual request, the drift timer, a
 * retry). Pure: no timers, no I/O, so the coalescing rules are tested by calling methods in order.
 *
 * The rules: at most one run at a time; whatever arrives while a run is in flight is merged into a single pending
 * run, however many triggers arrive (a `git commit` alone fires three or four file events, a rebase dozens). A trigger
 * never waits for a run that started before it: the pending run begins after the current one, and so sees every
 * change made up to its own start.
 */

/** Why a reconcile was asked for. A closed vocabulary: it shows in logs, the status page and metrics. */
export type TriggerKind = "startup" | "commit" | "poll" | "webhook" | "api" | "drift-timer" | "retry" | "recheck";

export interface Trigger {
  readonly kind: TriggerKind;
  /** A short note for the log (the ref that moved, the pusher of a webhook). Never a secret. */
  readonly detail?: string;
}

/** What one run has to do: the union of the triggers merged into it. */
export interface Work {
  /** Bring the local copy of a remote repository up to date first (a no-op for a local repository). */
  readonly fetch: boolean;
  /** Compare and apply even when the tracked revision has not moved since the last attempt. */
  readonly force: boolean;
  /** Compare the control plane with the last applied revision, even when no new revision came. */
  readonly drift: boolean;
  /** The distinct trigger kinds merged into this run, in the order they first arrived. */
  readonly reasons: readonly TriggerKind[];
  /** How many triggers were merged into this run. */
  readonly triggers: number;
}

/** What each kind of trigger asks for. */
export function workFor(trigger: Trigger): Work {
  const kind = trigger.kind;
  return {
    // A local repository's watcher already saw the new ref; the others may be about a commit not fetched yet.
    fetch: kind === "startup" || kind === "poll" || kind === "webhook" || kind === "api" || kind === "retry",
    // After a start, a failure or on request, the last attempt is no proof of anything: compare again. A write of
    // unknown outcome may have landed since (daemon/recheck.ts): compare again too.
    force: kind === "startup" || kind === "api" || kind === "retry" || kind === "recheck",
    drift: kind === "drift-timer",
    reasons: [kind],
    triggers: 1,
  };
}

/** Whether a retry is what makes the work forced: no other trigger merged into it asks for a full run. */
export function onlyForcedByRetry(work: Work): boolean {
  return work.force && work.reasons.every((kind) => kind === "retry" || !workFor({ kind }).force);
}

export function mergeWork(a: Work, b: Work): Work {
  return {
    fetch: a.fetch || b.fetch,
    force: a.force || b.force,
    drift: a.drift || b.drift,
    reasons: [...a.reasons, ...b.reasons.filter((r) => !a.reasons.includes(r))],
    triggers: a.triggers + b.triggers,
  };
}

export class CoalescingQueue {
  #pending: Work | undefined;
  #running: Work | undefined;

  /** Records a trigger. True when no run is in flight, i.e. the caller should start one now. */
  offer(trigger: Trigger): boolean {
    const work = workFor(trigger);
    this.#pending = this.#pending ? mergeWork(this.#pending, work) : work;
    return this.#running === undefined;
  }

  /** Starts the pending run: returns its work, or undefined when nothing waits or a run is already in flight. */
  start(): Work | undefined {
    if (this.#running || !this.#pending) return undefined;
    this.#running = this.#pending;
    this.#pending = undefined;
    return this.#running;
  }

  /** The run in flight finished (whatever its outcome). */
  finish(): void {
    this.#running = undefined;
  }

  get running(): Work | undefined {
    return this.#running;
  }

  get pending(): Work | undefined {
    return this.#pending;
  }
}
