/**
 * `meshops watch --heap-growth` (src/daemon/heap.ts): V8's heap-growing factor set at run time. The daemon's RSS
 * figures come from the benchmark (bench/watchLatency.ts); this checks that setting the flag after start-up takes
 * effect at all (a V8 that froze its flags would make the option silently do nothing), and who sets it.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { tmpdir } from "node:os";
import { test } from "node:test";
import { promisify } from "node:util";
import { limitHeapGrowth } from "../src/daemon/heap.js";
import { runCli } from "./helpers/cli.js";

test("node's own --heap-growing-percent wins over the option, and 0 leaves the choice to V8", () => {
  assert.deepEqual(limitHeapGrowth(30, ["--max-old-space-size=512", "--heap-growing-percent=50"]), { percent: 50, setBy: "node-flag" });
  assert.deepEqual(limitHeapGrowth(0, []), { percent: 0, setBy: "none" });
});

/**
 * A process that keeps 200,000 objects and makes garbage that lives long enough to reach the old generation (as a
 * daemon's commit does), reporting the largest heap it saw.
 */
const WORKLOAD = `
const { limitHeapGrowth } = await import(process.argv[1]);
const heap = limitHeapGrowth(Number(process.argv[2]), []);
const live = [];
for (let i = 0; i < 2e5; i++) live.push({ a: i, b: "x" + i, c: [i] });
const ring = new Array(8).fill(null);
let maxHeap = 0;
for (let r = 0; r < 200; r++) {
  const batch = [];
  for (let i = 0; i < 8000; i++) batch.push({ a: i, b: [i, i], c: { d: i } });
  ring[r % ring.length] = batch;
  maxHeap = Math.max(maxHeap, process.memoryUsage().heapTotal);
}
console.log(JSON.stringify({ heap, maxHeapMb: maxHeap / 1048576, live: live.length }));
`;

async function peakHeap(percent: number): Promise<{ heap: unknown; maxHeapMb: number }> {
  const module = new URL("../src/daemon/heap.js", import.meta.url).href;
  const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", WORKLOAD, module, String(percent)], { timeout: 60_000 });
  return JSON.parse(stdout) as { heap: unknown; maxHeapMb: number };
}

test("set after start-up, the bound takes effect: the same allocations peak at a much smaller heap", async () => {
  const unbounded = await peakHeap(0);
  const bounded = await peakHeap(20);
  assert.deepEqual(bounded.heap, { percent: 20, setBy: "option" });
  assert.ok(bounded.maxHeapMb < unbounded.maxHeapMb * 0.75, `bounded ${bounded.maxHeapMb.toFixed(0)} MB, V8's own ${unbounded.maxHeapMb.toFixed(0)} MB`);
});

test("--heap-growth and --max-connections take whole numbers: anything else is a one-line usage error", async () => {
  const cases = [
    ...["-5", "abc", "12.5", "5000"].map((bad) => [`--heap-growth=${bad}`, `--heap-growth must be a whole percentage from 0 to 1000, got ${bad}`]),
    ...["0", "x"].map((bad) => [`--max-connections=${bad}`, `option '--max-connections <n>' argument '${bad}' is invalid. expected a positive whole number`]),
  ];
  for (const [arg, message] of cases) {
    const result = await runCli(["watch", arg as string], tmpdir());
    assert.equal(result.code, 1, arg);
    assert.ok(result.stderr.includes(message as string) && !result.stderr.includes("unexpected error"), result.stderr);
    assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
  }
});
