/**
 * `watch --hydrate-branch NAME`: every valid revision the daemon reads is hydrated onto that branch (`meshops
 * hydrate`), for Flux or Argo CD to apply where the control plane runs on Kubernetes. One more subscriber of the
 * reconciler's events. The work runs in a child process of the same meshops, one at a time: rendering and checking
 * tens of thousands of manifests would otherwise hold up the probes, and it is exactly the command an operator runs.
 * Revisions that arrive while one is hydrated are coalesced to the newest, as the daemon's own runs are.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { DaemonEvents } from "./events.js";
import { errorMessage, type Logger } from "./logger.js";

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
  readonly log: Logger;
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
      await hydrateOnce(revision, o);
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

async function hydrateOnce(revision: string, o: HydratorOptions): Promise<void> {
  const args = [MESHOPS_BIN, "hydrate", "--repo", o.dir, "--ref", revision, "--branch", o.branch];
  if (o.remote !== undefined) args.push("--remote", o.remote);
  if (o.path !== undefined) args.push("--path", o.path);
  if (o.maxFileBytes !== undefined) args.push("--max-file-size", String(o.maxFileBytes));
  const started = performance.now();
  const fields = { event: "hydrate.done", revision, branch: o.branch };
  try {
    const { code, stdout, stderr } = await run(args);
    const durationMs = Math.round(performance.now() - started);
    if (code === 0) o.log.info({ ...fields, durationMs }, stdout.trim());
    else {
      const problems = stderr.trim().split("\n").slice(-STDERR_LINES);
      o.log.error({ ...fields, event: "hydrate.failed", durationMs, problems }, problems.at(-1) ?? `meshops hydrate exited with ${code}`);
    }
  } catch (error) {
    o.log.error({ ...fields, event: "hydrate.failed" }, `cannot run meshops hydrate: ${errorMessage(error)}`);
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
