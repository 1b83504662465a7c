/**
 * Writes whose outcome is unknown, and when to look at the control plane again because of them. A write sent and
 * never answered (timed out, connection reset: sync/apply.ts `outcomeUnknown`) may still land later, even after a
 * newer commit's write of the same resource: Kuma's PUT has no version check to refuse the older one. So after such a
 * write the daemon compares the control plane with the target again, soon and then a few more times (the way a
 * Kubernetes controller requeues an object it is not sure of), and writes back what an old write replaced. Bounded:
 * the checks stop after the last delay; the drift timer goes on as ever. Pure: times are given, the daemon keeps the timer.
 */

/** The checks after a write of unknown outcome, in multiples of the request timeout: soon, and again later. */
export const RECHECK_TIMEOUTS = [2, 6, 20, 60] as const;

/** The delays of the checks for a request timeout of `timeoutMs`. */
export function recheckDelays(timeoutMs: number): number[] {
  return RECHECK_TIMEOUTS.map((n) => n * timeoutMs);
}

export class UnsureWrites {
  readonly #delaysMs: readonly number[];
  /** The resources (`Type/mesh/name`) written with an unknown outcome since the checks began. */
  readonly #resources = new Set<string>();
  /** When the checks left are due (ms since the epoch), soonest first. */
  #due: number[] = [];

  constructor(delaysMs: readonly number[]) {
    this.#delaysMs = delaysMs;
  }

  /** Writes of unknown outcome at `now`: the checks begin again from now, for them and the ones not checked out yet. */
  add(resources: Iterable<string>, now: number): void {
    for (const resource of resources) this.#resources.add(resource);
    if (this.#resources.size > 0) this.#due = this.#delaysMs.map((d) => now + d);
  }

  /** The resources the checks are for (empty when none is due). */
  get resources(): ReadonlySet<string> {
    return this.#resources;
  }

  /** How long until the next check; undefined when none is due. */
  nextInMs(now: number): number | undefined {
    const next = this.#due[0];
    return next === undefined ? undefined : Math.max(0, next - now);
  }

  /** A check ran at `now`: the checks due by then are done; after the last, the resources are forgotten. */
  checked(now: number): { readonly left: number } {
    this.#due = this.#due.filter((at) => at > now);
    if (this.#due.length === 0) this.#resources.clear();
    return { left: this.#due.length };
  }
}
