/**
 * One benchmark measurement in a fresh process, so peak RSS belongs to validation alone:
 *   node dist/bench/validateRepo.js cold <repo>           → cold read + validate as `meshops validate` does it (report-only:
 *                                                           no resource bodies kept); a large repository's per-file checks
 *                                                           shared with a child process (no child unless a core is idle:
 *                                                           BENCH_ANY_LOAD=1 forks it anyway); cpuMs is this process's,
 *                                                           childFiles the child's part
 *   node dist/bench/validateRepo.js cold-serial <repo>    → the same in this process alone
 *   node dist/bench/validateRepo.js cold-whole <repo>     → cold read + validate as plan does it (bodies kept), then, timed
 *                                                           apart, the desired state
 *   node dist/bench/validateRepo.js incremental <repo>  → warm process; one-file commits re-read (incrementally) and re-validated
 *   node dist/bench/validateRepo.js revalidate <repo>   → warm process; validation alone (no Git) after one file changed in
 *                                                           memory, alternating two versions: CPU ms per re-validation
 * Prints one JSON line.
 */
import { performance } from "node:perf_hooks";
import { readSnapshot } from "../src/source/index.js";
import { buildDesired, targetOf } from "../src/desired/index.js";
import { AnalysisCache, validateSnapshot } from "../src/validate/index.js";
import { commitOneChange } from "./generate.js";
import { readAndValidate } from "../src/cli/parallelValidation.js";

const [mode, repo] = process.argv.slice(2);
if (!repo || (mode !== "cold" && mode !== "cold-serial" && mode !== "cold-whole" && mode !== "incremental" && mode !== "revalidate")) {
  console.error("usage: validateRepo.js cold|cold-serial|cold-whole|incremental|revalidate <repo>");
  process.exit(2);
}

const maxRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

if (mode === "cold" || mode === "cold-serial" || mode === "cold-whole") {
  const start = performance.now();
  const stats = { byChild: 0, byParent: 0, childCpuMs: 0 };
  const reportOnly = mode !== "cold-whole";
  const { snapshot, result } = await readAndValidate({ repo, ref: "HEAD" }, new AnalysisCache(), { reportOnly }, { stats, ...(mode === "cold-serial" ? { minBytes: Number.POSITIVE_INFINITY } : {}), ...(process.env.BENCH_ANY_LOAD === "1" ? { idleCore: true } : {}) });
  const end = performance.now();
  const cpu = process.cpuUsage();
  const desired = result.valid && !reportOnly ? buildDesired(result.resources, result.config, targetOf(result.config)) : undefined;
  const desiredMs = performance.now() - end;
  console.log(
    JSON.stringify({
      files: snapshot.files.length,
      resources: result.resources.length,
      desired: desired?.resources.length ?? 0,
      desiredMs: Math.round(desiredMs),
      valid: result.valid,
      errors: result.diagnostics.filter((d) => d.severity === "error").slice(0, 3),
      totalMs: Math.round(end - start),
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
      childFiles: stats.byChild,
      childCpuMs: stats.childCpuMs,
      maxRssMb: maxRssMb(),
      pageFaults: process.resourceUsage().minorPageFault,
    }),
  );
} else if (mode === "revalidate") {
  // The daemon's validation share of a commit, without Git: the snapshot with one MeshTimeout file edited.
  const base = await readSnapshot({ repo, ref: "HEAD" });
  const cache = new AnalysisCache();
  const first = validateSnapshot(base, cache);
  const index = base.files.findIndex((f) => /requestTimeout: \d+s/.test(f.text));
  const edited = base.files[index];
  if (!edited) throw new Error("no file with a requestTimeout to edit");
  const versions = [1, 2].map((k) => {
    const file = { ...edited, blobId: `${edited.blobId}-${k}`, text: edited.text.replace(/requestTimeout: (\d+)s/, (_, n: string) => `requestTimeout: ${Number(n) + k}s`) };
    return { ...base, files: base.files.map((f, i) => (i === index ? file : f)) };
  });
  const cpuMs: number[] = [];
  for (let run = 0; run < 21; run++) {
    const before = process.cpuUsage();
    const result = validateSnapshot(versions[run % 2] as typeof base, cache);
    const used = process.cpuUsage(before);
    cpuMs.push((used.user + used.system) / 1000);
    if (!result.valid || result.diagnostics.length !== first.diagnostics.length) throw new Error("re-validation differs from the cold one");
  }
  cpuMs.sort((a, b) => a - b);
  console.log(JSON.stringify({ runs: cpuMs.length, medianCpuMs: Math.round(cpuMs[10] ?? 0), maxCpuMs: Math.round(cpuMs.at(-1) ?? 0), maxRssMb: maxRssMb() }));
} else {
  const blobCache = new Map<string, string>();
  const cache = new AnalysisCache();
  // As the daemon does: each read names the previous snapshot, so only the files the commit changed are read.
  let snapshot = await readSnapshot({ repo, ref: "HEAD", blobCache });
  const first = validateSnapshot(snapshot, cache);
  const timings: number[] = [];
  for (let i = 0; i < 7; i++) {
    await commitOneChange(repo);
    const start = performance.now();
    snapshot = await readSnapshot({ repo, ref: "HEAD", blobCache, previous: snapshot });
    const result = validateSnapshot(snapshot, cache);
    timings.push(performance.now() - start);
    if (!result.valid || result.resources.length !== first.resources.length) throw new Error("incremental result differs from the cold one");
  }
  timings.sort((a, b) => a - b);
  console.log(JSON.stringify({ runs: timings.length, medianMs: Math.round(timings[3] ?? 0), maxMs: Math.round(timings.at(-1) ?? 0), maxRssMb: maxRssMb() }));
}
