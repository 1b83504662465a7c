/**
 * Long computations as steps, so one implementation serves both a command that wants the answer now and a daemon
 * that must keep answering its probes meanwhile (issue 14, M3: a reconcile of 50,000 resources is seconds of CPU, and
 * a Kubernetes probe gives up after 1 s).
 *
 * A pure function that loops over many items is written as a generator that `yield`s between items (or every few
 * hundred cheap ones): `runSteps` drives it to the end in one go, exactly like the plain loop; `runStepsSliced` drives
 * it in slices of a few milliseconds and gives the event loop a turn between slices. The result is the same either
 * way: the yields carry no value and nothing else runs inside the computation.
 */

/** A computation that yields between steps and returns its result. */
export type Steps<T> = Generator<void, T, void>;

/** Runs every step at once. */
export function runSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

/** How long a slice runs before the event loop gets a turn: well under the 100 ms a probe may wait. */
export const DEFAULT_SLICE_MS = 10;

/**
 * Runs the steps in slices of about `sliceMs`, letting the event loop run between slices (timers, sockets). The last
 * slice is followed by a turn of the event loop too: what the caller does with the result starts a slice of its own,
 * instead of lengthening the last one.
 */
export async function runStepsSliced<T>(steps: Steps<T>, sliceMs = DEFAULT_SLICE_MS): Promise<T> {
  let started = performance.now();
  for (;;) {
    const next = steps.next();
    if (next.done) {
      await yieldToEventLoop();
      return next.value;
    }
    if (performance.now() - started >= sliceMs) {
      await yieldToEventLoop();
      started = performance.now();
    }
  }
}

/** Resolves after the event loop has run once (I/O callbacks included, unlike a microtask). */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A step every `every` items of a loop: `if (stepDue(i, 256)) yield;` keeps the yields of a cheap loop rare. */
export function stepDue(index: number, every: number): boolean {
  return index % every === every - 1;
}
