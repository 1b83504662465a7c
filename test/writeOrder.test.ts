/**
 * sortForWrite compares one precomputed string per item; compareWriteOrder compares the key's parts one by one. They
 * must give the same order, including where one part is a prefix of another (`m` and `m1`, `a` and `a-b`), where types
 * of different ranks meet, and for global kinds (no mesh) and unknown types.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { compareWriteOrder, sortForWrite } from "../src/kuma/order.js";
import type { ResourceKey } from "../src/model/key.js";
import { isSorted, isSortedSteps } from "../src/diff/plan.js";

const TYPES = ["Mesh", "Secret", "MeshService", "MeshHTTPRoute", "MeshTimeout", "MeshTrafficPermission", "HostnameGenerator", "Dataplane", "SomethingUnknown"];
const MESHES = ["", "m", "m1", "m-1", "default", "payments", "payments.prod"];
const NAMES = ["", "a", "a-b", "a.b", "a0", "ab", "web.kuma-system", "web", "Z", "ü"];

test("sortForWrite orders exactly as compareWriteOrder, prefixes and ranks included", () => {
  const keys: ResourceKey[] = [];
  for (const type of TYPES) for (const mesh of MESHES) for (const name of NAMES) keys.push({ type, mesh, name });
  // A fixed shuffle, so the input order is neither sorted nor reversed.
  let seed = 7;
  const shuffled = keys.map((key) => ({ key, r: (seed = (seed * 1103515245 + 12345) % 2 ** 31) })).sort((a, b) => a.r - b.r).map((x) => x.key);
  const expected = [...shuffled].sort(compareWriteOrder);
  assert.deepEqual(sortForWrite(shuffled), expected);
  assert.equal(expected[0]?.type, "HostnameGenerator", "global kinds first");
  assert.equal(expected.at(-1)?.type, "SomethingUnknown", "unknown types last");
});

test("sortForWrite with a key accessor sorts the items and keeps equal keys in their order", () => {
  const items = [
    { id: 1, key: { type: "MeshTimeout", mesh: "m", name: "b" } },
    { id: 2, key: { type: "Mesh", mesh: "m", name: "m" } },
    { id: 3, key: { type: "MeshTimeout", mesh: "m", name: "a" } },
    { id: 4, key: { type: "MeshTimeout", mesh: "m", name: "a" } },
  ];
  assert.deepEqual(
    sortForWrite(items, (item) => item.key).map((item) => item.id),
    [2, 3, 4, 1],
  );
});

test("isSorted in steps: the answer of a plain loop, and a long list checked over many steps (a daemon's turn each)", () => {
  const keys: ResourceKey[] = Array.from({ length: 3_000 }, (_, i) => ({ type: "MeshTimeout", mesh: `m-${String(i).padStart(5, "0")}`, name: "t" }));
  const count = (steps: Generator<void, boolean, void>): { value: boolean; yields: number } => {
    let yields = 0;
    let next = steps.next();
    for (; !next.done; next = steps.next()) yields++;
    return { value: next.value, yields };
  };
  const sorted = count(isSortedSteps(keys, compareWriteOrder));
  assert.deepEqual([sorted.value, isSorted(keys, compareWriteOrder)], [true, true]);
  assert.ok(sorted.yields >= 10, `${sorted.yields} steps`);
  const swapped = [...keys];
  [swapped[2_000], swapped[2_001]] = [swapped[2_001] as ResourceKey, swapped[2_000] as ResourceKey];
  assert.deepEqual([count(isSortedSteps(swapped, compareWriteOrder)).value, isSorted(swapped, compareWriteOrder)], [false, false]);
});
