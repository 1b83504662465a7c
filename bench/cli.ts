/**
 * A whole `meshops` process as a user runs it, measured from the inside: module loading included.
 *   node dist/bench/cli.js <meshops arguments...>
 * Runs the CLI (the caller discards its standard output), then prints one JSON line, last on stderr: the exit code,
 * wall time since the process started, CPU time (user + system, garbage-collector threads included), the main thread's
 * own CPU time where Linux's /proc tells it (on a shared machine the best guess of the wall time on an idle one, as
 * worker and GC threads could run beside it), peak RSS and the minor page faults (each a first touch of a page: what
 * one costs here, bench/pageCost.ts).
 */
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";

// Imported here, not above: loading the CLI's modules is part of what a user waits for. The launcher itself (it runs
// the CLI's bundle when the build made one, and process.argv's arguments), so that this runs what a user runs.
await import(new URL("../../bin/meshops.js", import.meta.url).href);
const exitCode = Number(process.exitCode ?? 0);
const usage = process.resourceUsage();
process.stderr.write(
  JSON.stringify({
    exitCode,
    wallMs: Math.round(performance.now()),
    cpuMs: Math.round((usage.userCPUTime + usage.systemCPUTime) / 1000),
    ...mainThreadCpu(),
    maxRssMb: Math.round(usage.maxRSS / 1024),
    pageFaults: usage.minorPageFault,
  }) + "\n",
);
process.exit(exitCode);

/** utime + stime of the main thread (fields 14 and 15 of /proc/self/task/<pid>/stat, in clock ticks of 10 ms). */
function mainThreadCpu(): { mainThreadCpuMs?: number } {
  try {
    const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? { mainThreadCpuMs: ticks * 10 } : {};
  } catch {
    return {};
  }
}
