/**
 * A liveness prober in a process of its own, for watchLatency.ts: GETs a URL back to back (5 ms apart), each on a new
 * connection as a kubelet's probe is, and times the answers. Apart from the benchmark, so that what the benchmark
 * itself does meanwhile (a synchronous `git commit`, parsing a file) does not delay the probes and count against the
 * daemon. Each line `cut` on stdin is answered with one JSON line on stdout: the latencies (ms) since the last cut;
 * `pause` stops probing until `resume` (the benchmark's idle window: probes back to back cost the daemon CPU).
 *   node dist/bench/probe.js URL
 */
import http from "node:http";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";

const url = process.argv[2];
if (!url) {
  console.error("usage: node dist/bench/probe.js URL");
  process.exit(2);
}

/** One GET; resolves when the answer has been read (or failed: a failure counts as slow as it was). */
function probe(): Promise<void> {
  return new Promise((resolve) => {
    const req = http.get(url as string, { agent: false, timeout: 30_000 }, (res) => {
      res.resume();
      res.on("end", resolve);
      res.on("error", () => resolve());
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve());
  });
}

let latencies: number[] = [];
let stopped = false;
let paused = false;
createInterface({ input: process.stdin })
  .on("line", (line) => {
    const command = line.trim();
    if (command === "pause" || command === "resume") paused = command === "pause";
    if (command !== "cut") return;
    process.stdout.write(`${JSON.stringify(latencies.map((ms) => Math.round(ms * 10) / 10))}\n`);
    latencies = [];
  })
  .on("close", () => {
    stopped = true;
  });

while (!stopped) {
  if (paused) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    continue;
  }
  const t0 = performance.now();
  await probe();
  latencies.push(performance.now() - t0);
  await new Promise((resolve) => setTimeout(resolve, 5));
}
