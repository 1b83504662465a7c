/**
 * The diagnostics of a repository in report order, kept up to date from run to run in a long-running process. A
 * validation's diagnostics come in parts (one list per file analysis, one per mesh of the repository-wide rules,
 * and a few small ones), and after a one-file commit all but two or three parts are the very same lists as in the
 * last run. Sorting 50,000 diagnostics again for every commit costs more than the rest of the re-validation, so the
 * last sorted list is kept: the items of parts that went away are filtered out and the new parts' items are inserted
 * by binary search. The result is the full sort's: items that compare equal only ever come from one part, whose
 * order is kept.
 */
import { compareDiagnostics, type Diagnostic } from "../model/diagnostic.js";

/** Beyond this many items changed, a full sort is as cheap as the insertion. */
const MAX_INSERTED = 4096;

export class SortedDiagnostics {
  #parts = new Set<readonly Diagnostic[]>();
  #sorted: readonly Diagnostic[] = [];

  /** Every item of `parts`, sorted by compareDiagnostics (stable: equal items in the order of `parts`). */
  sort(parts: readonly (readonly Diagnostic[])[]): Diagnostic[] {
    const current = new Set(parts);
    const added: Diagnostic[] = [];
    for (const part of current) if (!this.#parts.has(part)) for (const d of part) added.push(d);
    const removed = new Set<Diagnostic>();
    for (const part of this.#parts) if (!current.has(part)) for (const d of part) removed.add(d);
    let sorted: Diagnostic[];
    if (added.length + removed.size > MAX_INSERTED || current.size !== parts.length) {
      // Many changes, or a part listed twice (its items count twice): the plain sort.
      sorted = parts.flat().sort(compareDiagnostics);
    } else {
      const kept = removed.size > 0 ? this.#sorted.filter((d) => !removed.has(d)) : [...this.#sorted];
      sorted = insertSorted(kept, added.sort(compareDiagnostics));
    }
    this.#parts = current;
    this.#sorted = sorted;
    return [...sorted];
  }
}

/** `items` inserted into `sorted` (both sorted), each after the items it compares equal to. */
function insertSorted(sorted: Diagnostic[], items: readonly Diagnostic[]): Diagnostic[] {
  if (items.length === 0) return sorted;
  const out: Diagnostic[] = [];
  let from = 0;
  for (const item of items) {
    let lo = from;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareDiagnostics(sorted[mid] as Diagnostic, item) <= 0) lo = mid + 1;
      else hi = mid;
    }
    for (let i = from; i < lo; i++) out.push(sorted[i] as Diagnostic);
    out.push(item);
    from = lo;
  }
  for (let i = from; i < sorted.length; i++) out.push(sorted[i] as Diagnostic);
  return out;
}
