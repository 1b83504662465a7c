/** The one short form of a long list in messages (src/util/namesUpTo.ts): `a, b and 3 more`. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { namesUpTo } from "../src/util/namesUpTo.js";

test("a list no longer than the bound is named whole, joined by commas", () => {
  assert.equal(namesUpTo([], 3), "");
  assert.equal(namesUpTo(["a"], 3), "a");
  assert.equal(namesUpTo(["a", "b", "c"], 3), "a, b, c");
});

test("beyond the bound: the first ones, then how many more, with no comma before 'and'", () => {
  assert.equal(namesUpTo(["a", "b", "c", "d"], 3), "a, b, c and 1 more");
  assert.equal(namesUpTo(["a", "b", "c", "d", "e"], 1), "a and 4 more");
  assert.equal(namesUpTo(["a", "b"], 0), "2 more");
});

test("nameOf names only the items shown, however long the list", () => {
  const items = Array.from({ length: 100_000 }, (_, i) => ({ id: i }));
  const named: number[] = [];
  const text = namesUpTo(items, 2, (item) => {
    named.push(item.id);
    return `#${item.id}`;
  });
  assert.equal(text, "#0, #1 and 99998 more");
  assert.deepEqual(named, [0, 1]);
});
