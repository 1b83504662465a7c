/**
 * A whole `meshops` process as a user runs it, measured from the inside: module loading included.
 *   node dist/bench/cli.js <meshops arguments...>
 * Runs the CLI (the caller discards its standard output), then prints one JSON line, last on stderr: the exit code,
 * wall time since the process started, CPU time (user + system, garbage-collector threads included) and peak RSS.
 */
import { performance } from "node:perf_hooks";

// Imported here, not above: loading the CLI's modules is part of what a user waits for.
const { main } = await import("../src/cli/main.js");
const exitCode = await main(process.argv.slice(2));
const usage = process.resourceUsage();
process.stderr.write(
  JSON.stringify({
    exitCode,
    wallMs: Math.round(performance.now()),
    cpuMs: Math.round((usage.userCPUTime + usage.systemCPUTime) / 1000),
    maxRssMb: Math.round(usage.maxRSS / 1024),
  }) + "\n",
);
process.exit(exitCode);
