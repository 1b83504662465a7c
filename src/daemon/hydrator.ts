/**
 * `watch --hydrate-branch NAME`: every valid revision the daemon reads is hydrated onto that branch (`meshops
 * hydrate`), for Flux or Argo CD to apply where the control plane runs on Kubernetes. One more subscriber of the
 * reconciler's events. The work runs in a child process of the same meshops, one at a time: rendering and checking
 * tens of thousands of manifests would otherwise hold up the probes, and it is exactly the command an operator runs.
 * Revisions that arrive while one is hydrated are coalesced to the newest, as the daemon's own runs are. Each hydrate
 * is told as events (`hydrate.started`, `hydrate.finished`): the status shows it, the log writes it.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { DaemonEvent, DaemonEvents } from "./events.js";
import { errorMessage } from "../util/errorMessage.js";

/** This file compiles to dist/src/daemon/hydrator.js: the CLI is bin/meshops.js at the repository root. */
const MESHOPS_BIN = fileURLToPath(new URL("../../../bin/meshops.js", import.meta.url));

export interface HydratorOptions {
  /** The Git working copy (or clone) the daemon reads revisions from. */
  readonly dir: string;
  readonly path: string | undefined;
  readonly branch: string;
  /** A remote name or URL to push to; absent: the local branch. */
  readonly remote: string | undefined;
  readonly maxFileBytes?: number;
}

export interface Hydrator {
  /** Resolves once nothing is being hydrated or waiting to be. */
  idle(): Promise<void>;
}

/** Lines of a failed hydrate's stderr kept in its log line: its problems, never a secret (meshops prints none). */
const STDERR_LINES = 20;

export function hydrateEachRevision(events: DaemonEvents, o: HydratorOptions): Hydrator {
  let pending: string | undefined;
  let running: Promise<void> | undefined;
  let lastDone: string | undefined;

  const drain = async (): Promise<void> => {
    while (pending !== undefined) {
      const revision = pending;
      pending = undefined;
      if (revision === lastDone) continue;
      events.emit({ type: "hydrate.started", revision, branch: o.branch });
      events.emit(await hydrateOnce(revision, o));
      lastDone = revision;
    }
  };
  events.on((event) => {
    if (event.type !== "revision.validated" || !event.valid) return;
    pending = event.commit.commit;
    running ??= drain().finally(() => (running = undefined));
  });
  return {
    async idle() {
      while (running) await running;
    },
  };
}

async function hydrateOnce(revision: string, o: HydratorOptions): Promise<DaemonEvent & { type: "hydrate.finished" }> {
  const args = [MESHOPS_BIN, "hydrate", "--repo", o.dir, "--ref", revision, "--branch", o.branch];
  if (o.remote !== undefined) args.push("--remote", o.remote);
  if (o.path !== undefined) args.push("--path", o.path);
  if (o.maxFileBytes !== undefined) args.push("--max-file-size", String(o.maxFileBytes));
  const started = performance.now();
  const finished = (ok: boolean, message: string, problems: readonly string[] = []) =>
    ({ type: "hydrate.finished", revision, branch: o.branch, ok, durationMs: performance.now() - started, message, problems }) as const;
  try {
    const { code, stdout, stderr } = await run(args);
    if (code === 0) return finished(true, stdout.trim());
    const problems = stderr.trim().split("\n").slice(-STDERR_LINES);
    return finished(false, problems.at(-1) ?? `meshops hydrate exited with ${code}`, problems);
  } catch (error) {
    return finished(false, `cannot run meshops hydrate: ${errorMessage(error)}`);
  }
}

function run(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}
