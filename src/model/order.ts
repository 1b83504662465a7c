/** Code-unit order of two strings (not locale order): the same result on every machine, so output is deterministic. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The same items (by identity) in the same order: what a long-running process asks to reuse an earlier result. */
export function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * `items` (sorted by `compare`) put into `sorted` (sorted too), each after the items it compares equal to: a merge
 * that costs a binary search per item and one copy, for keeping a long list sorted as a few items change. Written
 * into one array of the final length: fresh memory for a list of 50,000 costs more than the copy (a list grown by
 * push is allocated several times over).
 */
export function insertSorted<T>(sorted: readonly T[], items: readonly T[], compare: (a: T, b: T) => number): T[] {
  const out = new Array<T>(sorted.length + items.length);
  let w = 0;
  let from = 0;
  for (const item of items) {
    let lo = from;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(sorted[mid] as T, item) <= 0) lo = mid + 1;
      else hi = mid;
    }
    for (let i = from; i < lo; i++) out[w++] = sorted[i] as T;
    out[w++] = item;
    from = lo;
  }
  for (let i = from; i < sorted.length; i++) out[w++] = sorted[i] as T;
  return out;
}

/**
 * Where `item` is in `sorted` (sorted by `compare`), by identity: the first of its equals by binary search, then the
 * equals in turn. -1 when it is not there.
 */
export function indexOfSorted<T>(sorted: readonly T[], item: T, compare: (a: T, b: T) => number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compare(sorted[mid] as T, item) < 0) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < sorted.length && compare(sorted[i] as T, item) === 0; i++) if (sorted[i] === item) return i;
  return -1;
}

/**
 * `items` without the entries at `indexes` (ascending). Written into one array of the final length: on a busy machine,
 * fresh memory for a list of 50,000 costs more than copying it, so no slices in between.
 */
export function withoutIndexes<T>(items: readonly T[], indexes: readonly number[]): T[] {
  const out = new Array<T>(items.length - indexes.length);
  let w = 0;
  let from = 0;
  for (const index of indexes) {
    for (let i = from; i < index; i++) out[w++] = items[i] as T;
    from = index + 1;
  }
  for (let i = from; i < items.length; i++) out[w++] = items[i] as T;
  return out;
}

/** What `listChanges` found: the unchanged head and tail (`head`; `beforeEnd`, `afterEnd`), and in between the changes. */
export interface ListChanges<T> {
  readonly head: number;
  readonly beforeEnd: number;
  readonly afterEnd: number;
  /** Items of `before` that `after` does not have (in `before`'s order), and the other way round. */
  readonly removed: readonly T[];
  readonly added: readonly T[];
}

/**
 * How `after` differs from `before`, by identity, for lists that a commit changes in a few places: the longest common
 * head and tail are skipped, and between them an item counts as removed or added when the other list does not have it
 * there (a commit may change items far apart). Undefined when that stretch is longer than `limit` items in all.
 */
export function listChanges<T>(before: readonly T[], after: readonly T[], limit = Infinity): ListChanges<T> | undefined {
  let head = 0;
  while (head < before.length && head < after.length && before[head] === after[head]) head++;
  let beforeEnd = before.length;
  let afterEnd = after.length;
  while (beforeEnd > head && afterEnd > head && before[beforeEnd - 1] === after[afterEnd - 1]) {
    beforeEnd--;
    afterEnd--;
  }
  if (beforeEnd - head + (afterEnd - head) > limit) return undefined;
  const middleBefore = before.slice(head, beforeEnd);
  const middleAfter = after.slice(head, afterEnd);
  const stillThere = new Set(middleAfter);
  const wasThere = new Set(middleBefore);
  return { head, beforeEnd, afterEnd, removed: middleBefore.filter((r) => !stillThere.has(r)), added: middleAfter.filter((r) => !wasThere.has(r)) };
}
