/** The one concurrency bound (src/util/limit.ts): never more than the limit at once, started in order, nothing lost. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { forEachLimited, Limiter } from "../src/util/limit.js";

test("forEachLimited runs every item, at most `limit` at once, starting them in order (past the queue's compaction)", async () => {
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
