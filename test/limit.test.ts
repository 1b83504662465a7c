/** The one concurrency bound (src/util/limit.ts): never more than the limit at once, started in order, nothing lost. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { forEachLimited, Limiter } from "../src/util/limit.js";

test("forEachLimited runs every item, at most `limit` at once, starting them in order", async () => {
  const items = Array.from({ length: 5_000 }, (_, i) => i);
  const started: number[] = [];
  let running = 0;
  let peak = 0;
  await forEachLimited(items, 7, async (item) => {
    started.push(item);
    running++;
    peak = Math.max(peak, running);
    await new Promise((resolve) => setImmediate(resolve));
    running--;
  });
  assert.equal(peak, 7);
  assert.deepEqual(started, items);
});

test("a Limiter frees the place of a task that fails", async () => {
  const limiter = new Limiter(1);
  await assert.rejects(limiter.run(() => Promise.reject(new Error("boom"))), /boom/);
  assert.equal(await limiter.run(() => Promise.resolve("next")), "next");
  assert.throws(() => new Limiter(0), /positive integer/);
});

test("forEachLimited: a failing item stops nothing else; the first failure is thrown once every item has settled", async () => {
  const done: number[] = [];
  const items = Array.from({ length: 50 }, (_, i) => i);
  await assert.rejects(
    forEachLimited(items, 4, async (item) => {
      await new Promise((resolve) => setImmediate(resolve));
      if (item === 3 || item === 30) throw new Error(`item ${item}`);
      done.push(item);
    }),
    /item 3$/,
  );
  assert.deepEqual(done, items.filter((i) => i !== 3 && i !== 30));
});

test("a Limiter serves its waiters in order, past the compaction of its queue", async () => {
  const limiter = new Limiter(3);
  const started: number[] = [];
  let running = 0;
  let peak = 0;
  await Promise.all(
    Array.from({ length: 5_000 }, (_, i) =>
      limiter.run(async () => {
        started.push(i);
        peak = Math.max(peak, ++running);
        await new Promise((resolve) => setImmediate(resolve));
        running--;
      }),
    ),
  );
  assert.equal(peak, 3);
  assert.deepEqual(started, Array.from({ length: 5_000 }, (_, i) => i));
});
