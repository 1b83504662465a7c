/**
 * `npm run bench`: generates the synthetic repository (1,000 meshes x 50 policies by default; override with
 * BENCH_MESHES / BENCH_POLICIES) in a temporary Git repository, then measures each phase in a fresh process: validate,
 * sync, and last the daemon's commit-to-applied latency (BENCH_COMMITS commits, default 50).
 *
 * Then the shapes real repositories have (issue 12), each measured as whole `meshops` processes (module loading
 * included) with their peak RSS: validate, a no-op `plan` against a control plane (validation included), `plan --base`
 * after a one-file commit, and the daemon's commit-to-applied latency (BENCH_SHAPE_COMMITS commits, default 20):
 *   no-services      MeshServices not in the repository (as on a Kubernetes zone, where the control plane makes them)
 *   one-mesh         one mesh of 80,000 policies (BENCH_ONE_MESH_POLICIES)
 *   kubernetes-apps  Kubernetes documents in application namespaces
 * BENCH_SHAPES picks (comma-separated, default: services,no-services,one-mesh,kubernetes-apps; "services" is the
 * repository above).
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import net from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { commitOneChange, generateRepo, type GenerateOptions } from "./generate.js";

const meshes = Number(process.env.BENCH_MESHES ?? 1000);
const policies = Number(process.env.BENCH_POLICIES ?? 50);
const here = path.dirname(new URL(import.meta.url).pathname);
const dir = mkdtempSync(path.join(tmpdir(), "meshops-bench-"));
const shapes = new Set((process.env.BENCH_SHAPES ?? "services,no-services,one-mesh,kubernetes-apps").split(","));
const shapeCommits = process.env.BENCH_SHAPE_COMMITS ?? "20";
/** The repository shapes of issue 12, beyond the benchmark's own (where every referenced MeshService is defined). */
const REAL_SHAPES: Record<string, { readonly label: string; readonly options: GenerateOptions }> = {
  "no-services": {
    label: `${meshes} meshes x ${policies} policies, MeshServices not in the repository`,
    options: { meshes, policiesPerMesh: policies, shape: "mixed", servicesInRepository: false },
  },
  "one-mesh": {
    label: "one mesh",
    options: { meshes: 1, policiesPerMesh: Number(process.env.BENCH_ONE_MESH_POLICIES ?? 80_000), shape: "mixed" },
  },
  "kubernetes-apps": {
    label: `${meshes} meshes x ${policies} policies, Kubernetes documents in application namespaces`,
    options: { meshes, policiesPerMesh: policies, shape: "kubernetes-apps" },
  },
};

function measure(script: string, ...args: string[]): Record<string, unknown> {
  return measureWith(process.env, script, ...args);
}

function measureWith(env: NodeJS.ProcessEnv, script: string, ...args: string[]): Record<string, unknown> {
  const out = execFileSync(process.execPath, [path.join(here, script), ...args], { encoding: "utf8", maxBuffer: 64 << 20, env });
  return JSON.parse(out.trim().split("\n").at(-1) ?? "{}") as Record<string, unknown>;
}


function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

async function waitFor(url: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`meshops cp did not answer on ${url}`);
}


/** How late bench/slowControlPlane.ts answers each request in `npm run bench`. */
const SLOW_CP_DELAY_MS = 250;

interface ProcessFigures {
  readonly exitCode: number;
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly maxRssMb: number;
  readonly pageFaults: number;
}

/** Cold validation in a fresh process (read + validate). */
function coldValidation(repo: string): string {
  const figures = (run: Record<string, unknown>) => `${run.totalMs} ms, ${run.cpuMs} ms CPU (+${run.childCpuMs} ms in the child), peak RSS ${run.maxRssMb} MB`;
  return `with the checking child ${figures(measure("validateRepo.js", "cold", repo))}; in one process ${figures(measure("validateRepo.js", "cold-serial", repo))}`;
}

/** One whole `meshops` process (bench/cli.ts), its output discarded; fails unless it exits with `expectedExit`. */
function meshops(args: readonly string[], expectedExit: number): ProcessFigures {
  const run = spawnSync(process.execPath, [path.join(here, "cli.js"), ...args], { encoding: "utf8", stdio: ["ignore", "ignore", "pipe"], maxBuffer: 64 << 20 });
  const last = run.stderr.trim().split("\n").at(-1) ?? "";
  const figures = (last.startsWith("{") ? JSON.parse(last) : undefined) as ProcessFigures | undefined;
  if (!figures || figures.exitCode !== expectedExit) {
    throw new Error(`meshops ${args.join(" ")}: exit ${figures?.exitCode ?? run.status}, expected ${expectedExit}: ${run.stderr.trim().split("\n").slice(-5).join(" | ")}`);
  }
  return figures;
}

/** Three runs; the median by wall time, with the range of wall and CPU times. */
function threeRuns(args: readonly string[], expectedExit: number): string {
  const runs = [1, 2, 3].map(() => meshops(args, expectedExit)).sort((a, b) => a.wallMs - b.wallMs);
  const median = runs[1] as ProcessFigures;
  const range = (pick: (f: ProcessFigures) => number) => `${Math.min(...runs.map(pick))}-${Math.max(...runs.map(pick))}`;
  return (
    `${median.wallMs} ms wall [${range((f) => f.wallMs)}], CPU ${median.cpuMs} ms [${range((f) => f.cpuMs)}], peak RSS ${median.maxRssMb} MB [${range((f) => f.maxRssMb)}], ` +
    `${median.pageFaults} page faults${pagingShare(median.pageFaults)}`
  );
}

/** Microseconds a first touch of a page costs on this machine (bench/pageCost.ts), measured once at the start. */
let microsPerPage: number | undefined;

/** What `faults` first touches cost here, as a share of the figure they belong to. */
function pagingShare(faults: number): string {
  return microsPerPage === undefined ? "" : ` (about ${Math.round((faults * microsPerPage) / 1000)} ms of paging)`;
}

async function measureShape(name: string, spec: { readonly label: string; readonly options: GenerateOptions }): Promise<void> {
  const repo = path.join(dir, name);
  const t0 = performance.now();
  const generated = await generateRepo(repo, spec.options);
  execFileSync("git", ["gc", "--quiet"], { cwd: repo });
  console.log(`\n[${name}] ${spec.label}: ${generated.resources} resources in ${generated.files} files (generated in ${Math.round(performance.now() - t0)} ms)`);
  console.log(`  validate (whole process, median of 3): ${threeRuns(["validate", "--repo", repo], 0)}`);
  console.log(`  validate in process (read + validate): ${coldValidation(repo)}`);

  const port = await freePort();
  const cpUrl = `http://127.0.0.1:${port}`;
  const cp = spawn(process.execPath, [path.join(here, "../../bin/meshops.js"), "cp", "--listen", `127.0.0.1:${port}`, "--state-dir", path.join(dir, `${name}.cp`), "--skip-mesh-creation"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  try {
    await waitFor(`${cpUrl}/`);
    const apply = meshops(["apply", "--repo", repo, "--cp-url", cpUrl], 0);
    console.log(`  initial apply (whole process): ${apply.wallMs} ms wall, CPU ${apply.cpuMs} ms, peak RSS ${apply.maxRssMb} MB`);
    console.log(`  no-op plan against meshops cp, validation included (whole process, median of 3): ${threeRuns(["plan", "--repo", repo, "--cp-url", cpUrl], 0)}`);
  } finally {
    cp.kill("SIGTERM");
    await once(cp, "exit");
  }
  // The same control plane answering each request 250 ms late (across a network, or busy): what plan's read ahead hides.
  const slowPort = await freePort();
  const slow = spawn(process.execPath, [path.join(here, "slowControlPlane.js"), path.join(dir, `${name}.cp`), String(slowPort), String(SLOW_CP_DELAY_MS)], { stdio: ["ignore", "ignore", "pipe"] });
  try {
    await waitFor(`http://127.0.0.1:${slowPort}/`);
    const args = ["plan", "--repo", repo, "--cp-url", `http://127.0.0.1:${slowPort}`];
    console.log(`  the same against a control plane answering ${SLOW_CP_DELAY_MS} ms late (median of 3): ${threeRuns(args, 0)}`);
  } finally {
    slow.kill("SIGTERM");
    await once(slow, "exit");
  }
  // The embedded control plane (--state-dir, its journal loaded in-process), cold and then warm: with
  // --validation-cache, whose entry the first run writes and the next ones read.
  const stateDir = path.join(dir, `${name}.state`);
  const cache = path.join(dir, `${name}.validation-cache`);
  meshops(["apply", "--repo", repo, "--state-dir", stateDir, "--yes"], 0);
  const embedded = ["plan", "--repo", repo, "--state-dir", stateDir, "--format", "json"];
  console.log(`  no-op plan, embedded control plane, validation included (whole process, median of 3): ${threeRuns(embedded, 0)}`);
  const written = meshops([...embedded, "--validation-cache", cache], 0);
  console.log(`  the same, writing the validation cache: ${written.wallMs} ms wall, CPU ${written.cpuMs} ms, peak RSS ${written.maxRssMb} MB`);
  console.log(`  the same, reading it (warm, median of 3): ${threeRuns([...embedded, "--validation-cache", cache], 0)}`);
  await commitOneChange(repo);
  console.log(`  plan --base HEAD~1 after a one-file commit (whole process, median of 3): ${threeRuns(["plan", "--repo", repo, "--base", "HEAD~1"], 2)}`);
  meshops(["plan", "--repo", repo, "--base", "HEAD~1", "--validation-cache", cache], 2);
  console.log(`  the same, both revisions in the validation cache (median of 3): ${threeRuns(["plan", "--repo", repo, "--base", "HEAD~1", "--validation-cache", cache], 2)}`);

  const watch = measureWith({ ...process.env, BENCH_COMMITS: shapeCommits }, "watchLatency.js", repo);
  console.log(
    `  daemon, commit to applied over ${watch.commits} commits: median ${watch.medianMs} ms, p95 ${watch.p95Ms} ms, max ${watch.maxMs} ms; ` +
      `RSS ${watch.idleRssMb} MB idle, ${watch.rssAfterMb} MB after the commits (initial apply ${watch.initialApplyMs} ms)`,
  );
  rmSync(repo, { recursive: true, force: true });
}

/** The whole run, called last: every constant of this module is set by then (a top-level run above one read SLOW_CP_DELAY_MS too early). */
async function main(): Promise<void> {
  try {
    const paging = measure("pageCost.js");
    microsPerPage = paging.microsPerPage as number;
    console.log(`this machine: a first touch of a 4 KiB page costs ${microsPerPage} µs (${paging.megabytes} MB newly mapped, best of 3)`);
    if (shapes.has("services")) {
      const t0 = performance.now();
      const generated = await generateRepo(dir, { meshes, policiesPerMesh: policies, shape: "mixed" });
      // A repository meshops reads is a clone, whose objects are packed; a fresh commit of 12,000 files is 12,000 loose
      // zlib files instead, which measures the file system more than meshops.
      execFileSync("git", ["gc", "--quiet"], { cwd: dir });
      console.log(`generated ${generated.resources} resources in ${generated.files} files in ${Math.round(performance.now() - t0)} ms (${dir}, packed)`);

      const cold = [1, 2, 3].map(() => measure("validateRepo.js", "cold", dir));
      const sorted = [...cold].sort((a, b) => (a.totalMs as number) - (b.totalMs as number));
      const median = sorted[1] as Record<string, unknown>;
      const perSecond = Math.round(((median.resources as number) / (median.totalMs as number)) * 1000);
      console.log(
        `validate (cold, median of 3): ${median.totalMs} ms read and validated (this process ${median.cpuMs} ms CPU, the checking child ` +
          `${median.childCpuMs} ms CPU for ${median.childFiles} of ${median.files} files), ` +
          `${perSecond} resources/s, peak RSS ${median.maxRssMb} MB, ${median.pageFaults} page faults${pagingShare(median.pageFaults as number)}, valid=${median.valid}`,
      );
      if (!median.valid) console.log("  errors:", JSON.stringify(median.errors));

      console.log(`validate in process (read + validate), one run each: ${coldValidation(dir)}`);
      const whole = measure("validateRepo.js", "cold-whole", dir);
      console.log(`validate as plan does (bodies kept), then the desired state: ${whole.totalMs} ms, peak RSS ${whole.maxRssMb} MB; desired state ${whole.desired} resources in ${whole.desiredMs} ms`);
      const parse = measure("parseRepo.js", dir);
      console.log(
        `parse only (read, YAML, conversion; fresh process): read ${parse.readCpuMs} ms CPU, parse ${parse.parseCpuMs} ms CPU, ` +
          `${parse.retainedBytesPerResource} bytes kept per resource (+${parse.textMb} MB of file texts), ${parse.pageFaults} page faults, peak RSS ${parse.maxRssMb} MB`,
      );
      const incremental = measure("validateRepo.js", "incremental", dir);
      console.log(
        `re-validate after a one-file commit (warm process, median of ${incremental.runs}): ${incremental.medianMs} ms (max ${incremental.maxMs} ms), peak RSS ${incremental.maxRssMb} MB`,
      );
      const revalidate = measure("validateRepo.js", "revalidate", dir);
      console.log(`  of which validation alone (one file changed in memory, median of ${revalidate.runs}): ${revalidate.medianCpuMs} ms CPU (max ${revalidate.maxCpuMs} ms)`);

      // Sync against `meshops cp` in its own process, over loopback HTTP, on a fresh state directory.
      const stateDir = path.join(dir, ".cp-state");
      const port = await freePort();
      const cp = spawn(process.execPath, [path.join(here, "../../bin/meshops.js"), "cp", "--listen", `127.0.0.1:${port}`, "--state-dir", stateDir, "--skip-mesh-creation"], {
        stdio: ["ignore", "ignore", "pipe"],
      });
      try {
        await waitFor(`http://127.0.0.1:${port}/`);
        const sync = measure("syncRepo.js", dir, `http://127.0.0.1:${port}`);
        const cpRssMb = Math.round(Number(execFileSync("ps", ["-o", "rss=", "-p", String(cp.pid)], { encoding: "utf8" }).trim()) / 1024);
        const phases = sync.noopPhasesMs as Record<string, number>;
        console.log(
          `initial apply over HTTP: ${sync.writes} writes in ${sync.applyMs} ms = ${sync.writesPerSecond} writes/s (${sync.requestsPerSecond} requests/s; planning it took ${sync.initialPlanMs} ms)`,
        );
        console.log(
          `no-op plan: ${sync.noopPlanMs} ms in all: re-read and validate ${phases.readAndValidate} ms, list ${sync.noopListRequests} pages and build the desired state ${phases.listAndDesired} ms, compare ${phases.diff} ms; ${sync.noopChanges} changes`,
        );
        console.log(`one-policy commit: ${sync.oneChangePuts} PUT (${JSON.stringify(sync.oneChangeSummary)})`);
        const fresh = [1, 2, 3].map(() => measure("noopPlan.js", dir, `http://127.0.0.1:${port}`)).sort((a, b) => (a.planMs as number) - (b.planMs as number))[1] as Record<string, unknown>;
        console.log(
          `no-op plan as \`meshops plan\` runs it (fresh process, median of 3): list ${fresh.listed} resources and build the desired state ${fresh.listAndDesiredMs} ms + compare ${fresh.diffMs} ms = ${fresh.planMs} ms, ${fresh.changes} changes (validation before it: ${fresh.validateMs} ms; peak RSS ${fresh.maxRssMb} MB)`,
        );
        console.log(`peak RSS: sync client ${sync.maxRssMb} MB, meshops cp ${cpRssMb} MB`);
      } finally {
        cp.kill("SIGTERM");
      }

      // The daemon (issue 4): `meshops cp` and `meshops watch` in processes of their own, one-policy commits timed from
      // the commit until the control plane has the change, and what the daemon costs while it waits.
      const watch = measure("watchLatency.js", dir);
      console.log(
        `daemon, commit to applied over ${watch.commits} commits: median ${watch.medianMs} ms, p95 ${watch.p95Ms} ms, max ${watch.maxMs} ms ` +
          `(targets: median 200 ms, p95 500 ms, issue 12; initial apply of the repository ${watch.initialApplyMs} ms)`,
      );
      console.log(`daemon idle: ${watch.idleCpuPercent}% CPU (target: below 1%), RSS ${watch.idleRssMb} MB idle, ${watch.rssAfterMb} MB after the commits`);
    }
    for (const [name, spec] of Object.entries(REAL_SHAPES)) if (shapes.has(name)) await measureShape(name, spec);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
