/**
 * The daemon's commit-to-applied latency (issue 4): `meshops cp` and `meshops watch` as separate processes over
 * loopback HTTP, a generated repository (BENCH_MESHES x BENCH_POLICIES, default 1,000 x 50: 55,000 resources), then
 * BENCH_COMMITS one-policy commits (default 50), each timed from the end of `git commit` until the control plane
 * answers with the new value. Also the daemon's idle CPU and RSS, and how long `/healthz` takes to answer while the
 * daemon reconciles (issue 14, M3: a Kubernetes probe gives up after 1 s; the target is 100 ms): polled back to back
 * during the initial apply and during the commits. Prints the figures and one JSON line, with the daemon's RSS every
 * 50 commits (BENCH_COMMITS=500: the "no growth over 500 commits" curve). The probes run in a process of their own
 * (probe.ts), so the benchmark's own work does not delay them.
 *   node dist/bench/watchLatency.js [repo-dir]   (a repository made by generate.js; default: a new one in /tmp)
 * BENCH_MESHOPS=path/to/bin/meshops.js runs another build's daemon and control plane (an interleaved comparison with
 * the same probes); BENCH_DAEMON_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" passes node flags to the daemon only.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { parseAllDocuments } from "yaml";
import { formatGoDuration } from "../src/kuma/duration.js";
import { coreName } from "../src/kuma/naming.js";
import { commitOneChange, generateRepo } from "./generate.js";

const meshes = Number(process.env.BENCH_MESHES ?? 1000);
const policies = Number(process.env.BENCH_POLICIES ?? 50);
const commits = Number(process.env.BENCH_COMMITS ?? 50);
const here = path.dirname(new URL(import.meta.url).pathname);
const bin = path.resolve(process.env.BENCH_MESHOPS ?? path.join(here, "../../bin/meshops.js"));
const daemonNodeArgs = process.env.BENCH_DAEMON_NODE_ARGS?.split(" ").filter((a) => a !== "") ?? [];
const work = mkdtempSync(path.join(tmpdir(), "meshops-bench-watch-"));
const children: ChildProcess[] = [];

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function start(args: string[], nodeArgs: readonly string[] = []): ChildProcess {
  const child = spawn(process.execPath, [...nodeArgs, bin, ...args], { cwd: work, stdio: ["ignore", "ignore", "inherit"] });
  children.push(child);
  return child;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, everyMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** CPU seconds (user + system) a process has used, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Math.round(Number(match?.[1] ?? 0) / 1024);
}

/** The resource commitOneChange edits: the first document of the first mesh's first policy file. */
function editedResource(repo: string): { mesh: string; name: string; requestTimeout: string } {
  const meshDir = path.join(repo, "meshes", "mesh-0001");
  // policies-01.yaml, or policies-0001.yaml in a mesh of thousands of files
  const first = readdirSync(meshDir).filter((f) => f.startsWith("policies-")).sort()[0] ?? "policies-01.yaml";
  const text = readFileSync(path.join(meshDir, first), "utf8");
  for (const doc of parseAllDocuments(text)) {
    const o = doc.toJS() as { name?: string; metadata?: { name?: string; namespace?: string } };
    // A Kubernetes document's name in the API carries its namespace.
    const name = o.name ?? (o.metadata?.name && o.metadata.namespace ? coreName(o.metadata.name, o.metadata.namespace) : o.metadata?.name);
    const match = /requestTimeout: ([0-9]+)s\n/.exec(doc.toString());
    // The control plane prints durations as Go does: 60s comes back as 1m0s.
    if (name && match?.[1]) return { mesh: "mesh-0001", name, requestTimeout: formatGoDuration(BigInt(match[1]) * 1_000_000_000n) };
  }
  throw new Error("no MeshTimeout with a requestTimeout in mesh-0001/policies-01.yaml");
}

/**
 * Polls `url` back to back (a few ms apart) from a process of its own (probe.ts), timing each answer: a request that
 * waits on a blocked event loop takes as long as the block. `cut` returns the latencies since the last cut.
 */
async function probeLatency(url: string): Promise<{ cut(): Promise<number[]>; pause(): void; resume(): void; stop(): void }> {
  const child = spawn(process.execPath, [path.join(here, "probe.js"), url], { stdio: ["pipe", "pipe", "inherit"] });
  children.push(child);
  const lines = createInterface({ input: child.stdout as NonNullable<typeof child.stdout> })[Symbol.asyncIterator]();
  await once(child, "spawn");
  return {
    cut: async () => {
      child.stdin?.write("cut\n");
      const line = await lines.next();
      if (line.done) throw new Error("the prober exited");
      return JSON.parse(line.value) as number[];
    },
    pause: () => child.stdin?.write("pause\n"),
    resume: () => child.stdin?.write("resume\n"),
    stop: () => child.stdin?.end(),
  };
}

function latencyFigures(latencies: number[]): { probes: number; p50Ms: number; p99Ms: number; maxMs: number; over100Ms: number } {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    probes: sorted.length,
    p50Ms: Math.round(percentile(sorted, 50)),
    p99Ms: Math.round(percentile(sorted, 99)),
    maxMs: Math.round(sorted.at(-1) ?? 0),
    over100Ms: sorted.filter((ms) => ms > 100).length,
  };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;

try {
  let repo = process.argv[2];
  if (!repo) {
    repo = path.join(work, "repo");
    const t = performance.now();
    const generated = await generateRepo(repo, { meshes, policiesPerMesh: policies, shape: "mixed" });
    console.log(`generated ${generated.resources} resources in ${generated.files} files in ${Math.round(performance.now() - t)} ms`);
  }
  const cpPort = await freePort();
  const statusPort = await freePort();
  const cpUrl = `http://127.0.0.1:${cpPort}`;
  const statusUrl = `http://127.0.0.1:${statusPort}`;
  start(["cp", "--listen", `127.0.0.1:${cpPort}`, "--state-dir", path.join(work, "cp")]);
  await until("the control plane", async () => ((await fetch(cpUrl)).ok ? true : undefined), 30_000, 50);
  const daemon = start(["watch", "--repo", repo, "--cp-url", cpUrl, "--listen", `127.0.0.1:${statusPort}`, "--drift-interval", "1h", "--log-level", "warn"], daemonNodeArgs);

  await until("the status server", async () => ((await fetch(`${statusUrl}/healthz`)).ok ? true : undefined), 60_000, 20);
  let t = performance.now();
  const prober = await probeLatency(`${statusUrl}/healthz`);
  await prober.cut(); // from here
  await until("the first reconcile", async () => ((await fetch(`${statusUrl}/readyz`)).ok ? true : undefined), 900_000, 200);
  const initialMs = Math.round(performance.now() - t);
  const healthzInitial = latencyFigures(await prober.cut());
  // What the daemon applied (its status), default policies included: a repository given on the command line was not counted here.
  const resources = ((await (await fetch(`${statusUrl}/api/status`)).json()) as { meshes: { resources: { total: number } }[] }).meshes.reduce((n, m) => n + m.resources.total, 0);
  console.log(`initial apply of the whole repository (${resources} resources, default policies included): ${initialMs} ms; daemon RSS ${rssMb(daemon.pid ?? 0)} MB`);
  console.log(
    `/healthz during the initial apply: ${healthzInitial.probes} probes, p50 ${healthzInitial.p50Ms} ms, p99 ${healthzInitial.p99Ms} ms, max ${healthzInitial.maxMs} ms, ${healthzInitial.over100Ms} over 100 ms (target: max 100 ms)`,
  );

  // Idle: no commits, no drift check (interval 1 h), no probes: what the daemon costs while it waits, once the
  // garbage of the initial apply is collected.
  prober.pause();
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  const idleSeconds = 10;
  const cpuBefore = cpuSeconds(daemon.pid ?? 0);
  await new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000));
  const idleCpuPercent = ((cpuSeconds(daemon.pid ?? 0) - cpuBefore) / idleSeconds) * 100;
  const idleRssMb = rssMb(daemon.pid ?? 0);
  console.log(`idle: ${idleCpuPercent.toFixed(2)}% CPU over ${idleSeconds} s, RSS ${idleRssMb} MB`);

  const latencies: number[] = [];
  const rssCurve: number[] = [];
  prober.resume();
  await prober.cut(); // the idle time is not counted
  for (let i = 0; i < commits; i++) {
    await commitOneChange(repo);
    t = performance.now();
    const edited = editedResource(repo);
    await until(
      `${edited.name} = ${edited.requestTimeout}`,
      async () => {
        const res = await fetch(`${cpUrl}/meshes/${edited.mesh}/meshtimeouts/${edited.name}`);
        return (await res.text()).includes(`"requestTimeout":"${edited.requestTimeout}"`) ? true : undefined;
      },
      60_000,
      5,
    );
    latencies.push(performance.now() - t);
    if ((i + 1) % 50 === 0) {
      rssCurve.push(rssMb(daemon.pid ?? 0));
      console.log(`after ${i + 1} commits: daemon RSS ${rssCurve.at(-1)} MB`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const healthzCommits = latencyFigures(await prober.cut());
  prober.stop();
  const sorted = [...latencies].sort((a, b) => a - b);
  const figures = {
    resources,
    commits,
    medianMs: Math.round(percentile(sorted, 50)),
    p95Ms: Math.round(percentile(sorted, 95)),
    maxMs: Math.round(sorted.at(-1) ?? 0),
    initialApplyMs: initialMs,
    idleCpuPercent: Number(idleCpuPercent.toFixed(2)),
    idleRssMb,
    rssAfterMb: rssMb(daemon.pid ?? 0),
    rssEvery50CommitsMb: rssCurve,
    healthzInitial,
    healthzCommits,
  };
  console.log(`commit to applied over ${commits} commits: median ${figures.medianMs} ms, p95 ${figures.p95Ms} ms, max ${figures.maxMs} ms (targets: 500 ms, 1 s)`);
  console.log(
    `/healthz during the commits: ${healthzCommits.probes} probes, p50 ${healthzCommits.p50Ms} ms, p99 ${healthzCommits.p99Ms} ms, max ${healthzCommits.maxMs} ms, ${healthzCommits.over100Ms} over 100 ms (target: max 100 ms)`,
  );
  console.log(JSON.stringify(figures));
} finally {
  // A daemon run with --cpu-prof writes its profile as it exits: a few seconds to finish before it is killed.
  const exited = children.map((child) => (child.exitCode === null && child.signalCode === null ? once(child, "exit") : Promise.resolve()));
  for (const child of children) child.kill("SIGTERM");
  await Promise.race([Promise.all(exited), new Promise((resolve) => setTimeout(resolve, 15_000))]);
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  rmSync(work, { recursive: true, force: true });
}
