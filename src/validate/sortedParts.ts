/**
 * The diagnostics of a repository in report order, kept up to date from run to run in a long-running process. A
 * validation's diagnostics come in parts (one list per file analysis, one per mesh of the repository-wide rules,
 * and a few small ones), and after a one-file commit all but two or three parts are the very same lists as in the
 * last run. Sorting 50,000 diagnostics again for every commit costs more than the rest of the re-validation, so the
 * last sorted list is kept: the items of parts that went away are found by binary search and cut out, the new parts'
 * items are inserted by binary search, and the list is copied from the last one with those changes. The result is
 * exactly the plain stable sort of all the parts' items in the order given: items that compare equal are ordered by
 * their parts' positions, and a run whose kept parts changed order sorts afresh.
 */
import { compareDiagnostics, type Diagnostic } from "../model/diagnostic.js";
import { indexOfSorted, insertSorted, withoutIndexes } from "../model/order.js";
import { stableSortSteps } from "../util/sortSteps.js";
import { runSteps, stepDue, type Steps } from "../util/steps.js";

type Part = readonly Diagnostic[];

/** Beyond this many items changed, a full sort is as cheap as the insertion. */
const MAX_INSERTED = 4096;

/** Parts gathered between two yields of a full sort (a part is one file's list, a few items). */
const PARTS_PER_STEP = 1024;

export class SortedDiagnostics {
  /** The last run's parts, and their positions. */
  #parts: readonly Part[] = [];
  #position = new Map<Part, number>();
  /**
   * The part each item of the last run came from: made when a later run first updates the list (a one-shot
   * validation never does, and 50,000 entries are a Map it would build for nothing).
   */
  #owner: Map<Diagnostic, Part> | undefined;
  #sorted: readonly Diagnostic[] = [];

  /**
   * Every item of `parts`, sorted by compareDiagnostics (stable: equal items in the order of `parts`). The list is
   * kept for the next run: callers must not change it.
   */
  sort(parts: readonly Part[]): readonly Diagnostic[] {
    return runSteps(this.sortSteps(parts));
  }

  /** `sort` as steps (util/steps.ts): a full sort of a large repository's diagnostics yields as it goes. */
  *sortSteps(parts: readonly Part[]): Steps<readonly Diagnostic[]> {
    const change = this.#inPlace(parts) ?? this.#anywhere(parts);
    let sorted: readonly Diagnostic[] | undefined;
    if (change) sorted = this.#update(change.removed, change.added);
    if (!sorted) sorted = yield* this.#sortAllSteps(parts);
    this.#parts = parts;
    this.#sorted = sorted;
    return sorted;
  }

  /**
   * The usual commit: as many parts as before, a few replaced where they were. The positions are updated for those
   * alone. Undefined when the parts are not lined up so (the general comparison decides).
   */
  #inPlace(parts: readonly Part[]): { removed: Part[]; added: Part[] } | undefined {
    // Unless the last run listed a part twice (its positions are then not one per part).
    if (parts.length !== this.#parts.length || this.#position.size !== this.#parts.length) return undefined;
    const removed: Part[] = [];
    const added: Part[] = [];
    const at: number[] = [];
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i] as Part;
      if (part === this.#parts[i]) continue;
      // A part that moved, or is listed twice: the general comparison.
      if (this.#position.has(part) || added.includes(part)) return undefined;
      removed.push(this.#parts[i] as Part);
      added.push(part);
      at.push(i);
      if (added.length > 64) return undefined;
    }
    for (const part of removed) this.#position.delete(part);
    for (const [k, part] of added.entries()) this.#position.set(part, at[k] as number);
    return { removed, added };
  }

  /** Any other run: parts compared by identity; undefined when kept parts changed order (a full sort). */
  #anywhere(parts: readonly Part[]): { removed: Part[]; added: Part[] } | undefined {
    const position = new Map<Part, number>();
    for (const [i, part] of parts.entries()) position.set(part, i);
    const before = this.#position;
    this.#position = position;
    // A part listed twice (in this run or the last): its items count twice, so a full sort.
    if (position.size !== parts.length || before.size !== this.#parts.length) return undefined;
    const added: Part[] = [];
    let lastKept = -1;
    for (const part of parts) {
      const was = before.get(part);
      if (was === undefined) added.push(part);
      else if (was < lastKept) return undefined;
      else lastKept = was;
    }
    const removed: Part[] = [];
    for (const [part] of before) if (!position.has(part)) removed.push(part);
    return { removed, added };
  }

  *#sortAllSteps(parts: readonly Part[]): Steps<Diagnostic[]> {
    this.#owner = undefined;
    this.#position = new Map();
    const all: Diagnostic[] = [];
    for (const [i, part] of parts.entries()) {
      this.#position.set(part, i);
      for (const d of part) all.push(d);
      if (stepDue(i, PARTS_PER_STEP)) yield;
    }
    return yield* stableSortSteps(all, compareDiagnostics);
  }

  /** #owner, made from the last run's parts if no run has needed it yet. */
  #owners(): Map<Diagnostic, Part> {
    if (!this.#owner) {
      this.#owner = new Map();
      for (const part of this.#parts) for (const d of part) this.#owner.set(d, part);
    }
    return this.#owner;
  }

  /** The last list without the removed parts' items, with the added parts' items; undefined to sort afresh. */
  #update(removedParts: readonly Part[], addedParts: readonly Part[]): readonly Diagnostic[] | undefined {
    let changed = 0;
    for (const part of removedParts) changed += part.length;
    for (const part of addedParts) changed += part.length;
    if (changed > MAX_INSERTED) return undefined;
    if (changed === 0) return this.#sorted;

    const owner = this.#owners();
    // Equal items are ordered by their parts' positions (this run's, for the kept and the added alike).
    const order = (a: Diagnostic, b: Diagnostic): number =>
      compareDiagnostics(a, b) || (this.#position.get(owner.get(a) as Part) ?? 0) - (this.#position.get(owner.get(b) as Part) ?? 0);

    const cut: number[] = [];
    for (const part of removedParts) {
      for (const d of part) {
        const index = indexOfSorted(this.#sorted, d, compareDiagnostics);
        if (index < 0) return undefined;
        cut.push(index);
        owner.delete(d);
      }
    }
    const kept = cut.length === 0 ? this.#sorted : withoutIndexes(this.#sorted, cut.sort((a, b) => a - b));

    const added: Diagnostic[] = [];
    for (const part of addedParts) {
      for (const d of part) {
        added.push(d);
        owner.set(d, part);
      }
    }
    return added.length === 0 ? kept : insertSorted(kept, added.sort(order), order);
  }
}
