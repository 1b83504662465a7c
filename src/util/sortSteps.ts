/**
 * A stable sort as steps (steps.ts): Array.prototype.sort of 50,000 diagnostics is half a second in one turn of a
 * loaded daemon's event loop (issue 14). A natural merge sort: the runs already in order (a file's diagnostics, a
 * mesh's) are found first, then merged pairwise, yielding every few thousand items moved. Stable, like
 * Array.prototype.sort, so for a consistent `compare` the result is the very same order.
 */
import type { Steps } from "./steps.js";

/** Items moved (or compared) between two yields. */
const ITEMS_PER_STEP = 4096;

/** A sorted copy of `items` (which is left as it is). */
export function* stableSortSteps<T>(items: readonly T[], compare: (a: T, b: T) => number): Steps<T[]> {
  const n = items.length;
  let from: T[] = items.slice();
  if (n < 2) return from;
  // Run boundaries: each run [bounds[k], bounds[k + 1]) is in order already.
  let bounds: number[] = [0];
  let budget = ITEMS_PER_STEP;
  for (let i = 1; i < n; i++) {
    if (compare(from[i - 1] as T, from[i] as T) > 0) bounds.push(i);
    if (--budget === 0) {
      budget = ITEMS_PER_STEP;
      yield;
    }
  }
  bounds.push(n);
  let to: T[] = new Array<T>(n);
  while (bounds.length > 2) {
    const next: number[] = [0];
    for (let k = 0; k + 1 < bounds.length; k += 2) {
      const lo = bounds[k] as number;
      const mid = bounds[k + 1] as number;
      const hi = bounds[k + 2] ?? mid;
      // Left before right when equal: that is the stability.
      let i = lo;
      let j = mid;
      let w = lo;
      while (i < mid && j < hi) {
        to[w++] = compare(from[i] as T, from[j] as T) <= 0 ? (from[i++] as T) : (from[j++] as T);
        if (--budget === 0) {
          budget = ITEMS_PER_STEP;
          yield;
        }
      }
      while (i < mid) to[w++] = from[i++] as T;
      while (j < hi) to[w++] = from[j++] as T;
      next.push(hi);
    }
    bounds = next;
    [from, to] = [to, from];
    yield;
  }
  return from;
}
