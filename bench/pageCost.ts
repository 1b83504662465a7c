/**
 * What a first touch of a fresh page of memory costs on this machine, in a fresh process:
 *   node dist/bench/pageCost.js [MB]
 * Prints one JSON line: microseconds per 4 KiB page over MB (default 128) of newly mapped memory, the best of three
 * rounds. On bare metal a fault is well under a microsecond; on a virtual machine with shadow page tables (this one's
 * kernel runs under PVM) it is 10–15 µs, and a whole process pays it for every page it ever touches: with the faults
 * each figure of `npm run bench` reports, this says how much of a run is the machine's paging rather than meshops.
 */
import { performance } from "node:perf_hooks";

const megabytes = Number(process.argv[2] ?? 128);
const PAGE = 4096;
const rounds = [1, 2, 3].map(() => {
  const faultsBefore = process.resourceUsage().minorPageFault;
  const start = performance.now();
  // Larger than glibc's mmap threshold: a mapping of its own, fresh from the kernel each round (unmapped when freed).
  const memory = Buffer.allocUnsafeSlow(megabytes * 1024 * 1024);
  for (let at = 0; at < memory.length; at += PAGE) memory[at] = 1;
  const ms = performance.now() - start;
  const faults = process.resourceUsage().minorPageFault - faultsBefore;
  return { microsPerPage: (ms * 1000) / Math.max(1, faults), faults };
});
const best = rounds.reduce((a, b) => (b.microsPerPage < a.microsPerPage ? b : a));
console.log(JSON.stringify({ megabytes, faults: best.faults, microsPerPage: Math.round(best.microsPerPage * 100) / 100 }));
