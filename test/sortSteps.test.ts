/**
 * The sort as steps (src/util/sortSteps.ts): the same order as Array.prototype.sort (stable) whatever the input's
 * runs, and a large list sorted in many short steps, not in one (issue 14: a daemon's probes wait for one step only).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { stableSortSteps } from "../src/util/sortSteps.js";
import { runSteps } from "../src/util/steps.js";

/** A deterministic pseudo-random sequence (the test must fail the same way every time). */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

interface Item {
  readonly key: number;
  readonly id: number;
}
const byKey = (a: Item, b: Item) => a.key - b.key;

test("sort steps: the very order of the stable built-in sort, on random, sorted, reversed and run-shaped lists", () => {
  const next = random(11);
  const shapes: Record<string, (n: number) => number[]> = {
    random: (n) => Array.from({ length: n }, () => Math.floor(next() * 50)),
    sorted: (n) => Array.from({ length: n }, (_, i) => Math.floor(i / 3)),
    reversed: (n) => Array.from({ length: n }, (_, i) => n - Math.floor(i / 2)),
    runs: (n) => Array.from({ length: n }, (_, i) => (i % 37) + Math.floor(next() * 3)),
    equal: (n) => Array.from({ length: n }, () => 7),
  };
  for (const [shape, keys] of Object.entries(shapes)) {
    for (const n of [0, 1, 2, 3, 10, 257, 5_000]) {
      const items: Item[] = keys(n).map((key, id) => ({ key, id }));
      const before = [...items];
      const expected = [...items].sort(byKey);
      const got = runSteps(stableSortSteps(items, byKey));
      assert.ok(got.length === expected.length && got.every((item, i) => item === expected[i]), `${shape}, ${n} items`);
      assert.ok(items.every((item, i) => item === before[i]), `${shape}, ${n} items: the input is left as it was`);
    }
  }
});

test("sort steps: 50,000 items take many steps, none of them more than a few thousand comparisons", () => {
  const next = random(5);
  const items: Item[] = Array.from({ length: 50_000 }, (_, id) => ({ key: Math.floor(next() * 1e6), id }));
  let comparisons = 0;
  let most = 0;
  let steps = 0;
  const counted = (a: Item, b: Item) => (comparisons++, byKey(a, b));
  const sorting = stableSortSteps(items, counted);
  for (;;) {
    comparisons = 0;
    const step = sorting.next();
    most = Math.max(most, comparisons);
    if (step.done) {
      assert.deepEqual(step.value, [...items].sort(byKey));
      break;
    }
    steps++;
  }
  assert.ok(steps > 100, `${steps} steps`);
  assert.ok(most <= 4096, `at most ${most} comparisons in one step`);
});
