/**
 * The daemon's per-commit work without HTTP or a second process: the reconciler (with the status, metrics and log
 * subscribed, as `meshops watch` has them) against the embedded control plane in the same process, on a clone of a
 * generated repository. The initial sync, then BENCH_COMMITS one-policy commits (default 20), each timed from the
 * commit to the end of its run, with where the run's CPU time went (between the reconciler's events), the process's RSS
 * after each, and one JSON line at the end. With BENCH_COMMITS=500 it is the "no growth over 500 commits" check.
 * Run with `node --expose-gc` to collect garbage after each commit and print the heap left (leak or lazy collection?).
 * Also the event loop's longest turns (issue 14: /healthz must answer within 100 ms): a 5 ms timer measures the gaps
 * between its ticks, and a gap is counted by the CPU time the process used in it (wall time on a loaded machine is
 * mostly waiting for a core), with the reconciler events emitted in it (or the one before it, if none).
 *   node dist/bench/reconcileInProcess.js <repo made by generate.js>   (cloned to a temporary directory, not changed)
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance, PerformanceObserver } from "node:perf_hooks";
import { LocalBackend } from "../src/backend/store.js";
import { subscribeViews } from "../src/daemon/daemon.js";
import { DaemonEvents } from "../src/daemon/events.js";
import { createLogger } from "../src/daemon/logger.js";
import { MeshControls } from "../src/daemon/controls.js";
import { DaemonMetrics } from "../src/daemon/metrics.js";
import { workFor } from "../src/daemon/queue.js";
import { Reconciler } from "../src/daemon/reconciler.js";
import { DaemonStatus } from "../src/daemon/status.js";
import { LocalRepository } from "../src/daemon/watcher.js";
import { commitOneChange } from "./generate.js";

const source = process.argv[2];
if (!source) {
  console.error("usage: node dist/bench/reconcileInProcess.js <repo>");
  process.exit(2);
}
const commits = Number(process.env.BENCH_COMMITS ?? 20);
const work = mkdtempSync(path.join(tmpdir(), "meshops-bench-reconcile-"));
const rssMb = () => Math.round(process.memoryUsage.rss() / 1024 / 1024);
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;

try {
  const repo = path.join(work, "repo");
  execFileSync("git", ["clone", "-q", source, repo]);
  const log = createLogger({ stream: { write: () => true }, level: "warn", format: "json" });
  const status = new DaemonStatus({
    repository: { url: repo, kind: "local", branch: null, remote: null, path: "" },
    controlPlane: { url: "embedded", embedded: true },
    driftIntervalMs: 3_600_000,
    pollIntervalMs: null,
    webhook: false,
    reconcileEndpoint: false,
  });
  const backend = await LocalBackend.open({ stateDir: path.join(work, "cp"), skipMeshCreation: true });
  const events = new DaemonEvents();
  subscribeViews(events, { status, metrics: new DaemonMetrics({ processMetrics: false }), log });
  // Where a run's CPU time goes: from the previous event to each event, by event type (ms).
  const cpuNow = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  let last = 0;
  let phases: Record<string, number> = {};
  let lastEvent = "idle";
  let inTurn: string[] = [];
  events.on((event) => {
    const now = cpuNow();
    phases[event.type] = Math.round((phases[event.type] ?? 0) + now - last);
    last = now;
    lastEvent = event.type;
    inTurn.push(event.type);
  });
  const turns = longTurns(() => {
    const seen = inTurn.length > 0 ? inTurn.join(">") : `after ${lastEvent}`;
    inTurn = [];
    return seen;
  });
  const reconciler = new Reconciler({ source: await LocalRepository.open({ dir: repo, log }), path: undefined, backend, events, driftMode: undefined, stopRequested: () => false, controls: new MeshControls() });

  let t = performance.now();
  last = cpuNow();
  const first = await reconciler.reconcileOnce(workFor({ kind: "startup" }));
  console.log(`initial sync: ${first.result} in ${Math.round(performance.now() - t)} ms, RSS ${rssMb()} MB; ${JSON.stringify(phases)}`);
  console.log(`  its longest event-loop turns (CPU ms, the event after): ${turns.report()}`);

  // BENCH_CPU_PROFILE=FILE: a CPU profile of the commits only (not of the initial sync), for a profile viewer.
  const profileFile = process.env.BENCH_CPU_PROFILE;
  const session = profileFile ? new Session() : undefined;
  if (session) {
    session.connect();
    await session.post("Profiler.enable");
    await session.post("Profiler.start");
  }
  const latencies: number[] = [];
  /** CPU time of each run (user + system, the whole process: the embedded control plane's one PUT included). */
  const cpu: number[] = [];
  const rss: number[] = [];
  /** With --expose-gc: the heap in use after a full collection, after each commit (MB). */
  const heap: number[] = [];
  const collect = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < commits; i++) {
    await commitOneChange(repo);
    turns.reset(); // the commit above is the benchmark's own work (a synchronous git commit), not the daemon's
    phases = {};
    t = performance.now();
    last = cpuNow();
    const cpuBefore = process.cpuUsage();
    const outcome = await reconciler.reconcileOnce(workFor({ kind: "commit" }));
    const ms = performance.now() - t;
    const used = process.cpuUsage(cpuBefore);
    cpu.push((used.user + used.system) / 1000);
    latencies.push(ms);
    if (collect) {
      collect();
      heap.push(Math.round(process.memoryUsage().heapUsed / 1024 / 1024));
    }
    rss.push(rssMb());
    // A repository invalid from the start (some meshes blocked) stays so; a commit must not change that.
    if (outcome.result !== "applied" && outcome.result !== first.result) throw new Error(`commit ${i + 1}: ${outcome.result}`);
    if (i < 5 || i % 50 === 49 || i === commits - 1) console.log(`commit ${i + 1}: ${Math.round(ms)} ms, ${Math.round(cpu.at(-1) ?? 0)} ms CPU, RSS ${rss.at(-1)} MB${collect ? `, heap after GC ${heap.at(-1)} MB` : ""}; ${JSON.stringify(phases)}`);
  }
  console.log(`commits' longest event-loop turns (CPU ms, the event after): ${turns.report()}`);
  turns.stop();
  if (session && profileFile) writeFileSync(profileFile, JSON.stringify((await session.post("Profiler.stop")).profile));
  const sorted = [...latencies].sort((a, b) => a - b);
  const sortedCpu = [...cpu].sort((a, b) => a - b);
  await backend.close();
  console.log(
    JSON.stringify({
      commits,
      medianMs: Math.round(percentile(sorted, 50)),
      p95Ms: Math.round(percentile(sorted, 95)),
      maxMs: Math.round(sorted.at(-1) ?? 0),
      cpuMedianMs: Math.round(percentile(sortedCpu, 50)),
      cpuP95Ms: Math.round(percentile(sortedCpu, 95)),
      rssFirstMb: rss[0],
      rssLastMb: rss.at(-1),
      rssMaxMb: Math.max(...rss),
      maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      ...(collect ? { heapFirstMb: heap[0], heapLastMb: heap.at(-1) } : {}),
    }),
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}

/**
 * The event loop's turns longer than 50 ms of CPU, from a 5 ms timer: each gap between ticks is counted by the
 * process CPU time used in it, with `where()` (the last reconciler event) at the end of it. `report` lists the five
 * longest since the last report.
 */
function longTurns(where: () => string): { report(): string; reset(): void; stop(): void } {
  let long: { cpuMs: number; wallMs: number; gcMs: number; where: string }[] = [];
  // Garbage collection pauses the thread too: how much of a long turn it was.
  let gcMs = 0;
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcMs += entry.duration;
  });
  gc.observe({ entryTypes: ["gc"] });
  let wall = performance.now();
  let cpu = process.cpuUsage();
  const timer = setInterval(() => {
    const used = process.cpuUsage(cpu);
    const cpuMs = (used.user + used.system) / 1000;
    const at = where();
    if (cpuMs > 50) long.push({ cpuMs: Math.round(cpuMs), wallMs: Math.round(performance.now() - wall), gcMs: Math.round(gcMs), where: at });
    gcMs = 0;
    wall = performance.now();
    cpu = process.cpuUsage();
  }, 5);
  return {
    report() {
      const top = [...long].sort((a, b) => b.cpuMs - a.cpuMs).slice(0, 5);
      const over100 = long.filter((l) => l.cpuMs > 100).length;
      long = [];
      return `${over100} over 100 ms; ${top.map((l) => `${l.cpuMs} (${l.wallMs} wall, ${l.gcMs} GC) ${l.where}`).join(", ") || "none over 50 ms"}`;
    },
    reset() {
      where();
      gcMs = 0;
      wall = performance.now();
      cpu = process.cpuUsage();
    },
    stop: () => {
      clearInterval(timer);
      gc.disconnect();
    },
  };
}
