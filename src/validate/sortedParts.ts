/**
 * The diagnostics of a repository in report order, kept up to date from run to run in a long-running process. A
 * validation's diagnostics come in parts (one list per file analysis, one per mesh of the repository-wide rules,
 * and a few small ones), and after a one-file commit all but two or three parts are the very same lists as in the
 * last run. Sorting 50,000 diagnostics again for every commit costs more than the rest of the re-validation, so the
 * last sorted list is kept: the items of parts that went away are filtered out and the new parts' items are inserted
 * by binary search. The result is exactly the plain stable sort of all the parts' items in the order given: items
 * that compare equal are ordered by their parts' positions, and a run whose kept parts changed order sorts afresh.
 */
import { compareDiagnostics, type Diagnostic } from "../model/diagnostic.js";
import { insertSorted } from "../model/order.js";

type Part = readonly Diagnostic[];

/** Beyond this many items changed, a full sort is as cheap as the insertion. */
const MAX_INSERTED = 4096;

export class SortedDiagnostics {
  /** The last run's parts and their positions. */
  #position = new Map<Part, number>();
  /** The part each item of the last run came from. */
  #owner = new Map<Diagnostic, Part>();
  #sorted: readonly Diagnostic[] = [];

  /** Every item of `parts`, sorted by compareDiagnostics (stable: equal items in the order of `parts`). */
  sort(parts: readonly Part[]): Diagnostic[] {
    const position = new Map<Part, number>();
    for (const [i, part] of parts.entries()) position.set(part, i);
    let changed = 0;
    let lastKept = -1;
    let reordered = position.size !== parts.length; // a part listed twice: its items count twice
    for (const part of parts) {
      const before = this.#position.get(part);
      if (before === undefined) changed += part.length;
      else if (before < lastKept) reordered = true;
      else lastKept = before;
    }
    for (const [part] of this.#position) if (!position.has(part)) changed += part.length;

    const sorted = reordered || changed > MAX_INSERTED ? this.#sortAll(parts) : this.#update(parts, position);
    this.#position = position;
    this.#sorted = sorted;
    return [...sorted];
  }

  #sortAll(parts: readonly Part[]): Diagnostic[] {
    this.#owner = new Map();
    const all: Diagnostic[] = [];
    for (const part of parts) {
      for (const d of part) {
        all.push(d);
        this.#owner.set(d, part);
      }
    }
    return all.sort(compareDiagnostics);
  }

  #update(parts: readonly Part[], position: ReadonlyMap<Part, number>): Diagnostic[] {
    const removed = new Set<Diagnostic>();
    for (const [part] of this.#position) {
      if (position.has(part)) continue;
      for (const d of part) {
        removed.add(d);
        this.#owner.delete(d);
      }
    }
    const added: Diagnostic[] = [];
    for (const part of parts) {
      if (this.#position.has(part)) continue;
      for (const d of part) {
        added.push(d);
        this.#owner.set(d, part);
      }
    }
    const kept = removed.size > 0 ? this.#sorted.filter((d) => !removed.has(d)) : [...this.#sorted];
    if (added.length === 0) return kept;
    const order = (a: Diagnostic, b: Diagnostic): number =>
      compareDiagnostics(a, b) || (position.get(this.#owner.get(a) as Part) ?? 0) - (position.get(this.#owner.get(b) as Part) ?? 0);
    return insertSorted(kept, added.sort(compareDiagnostics), order);
  }
}
