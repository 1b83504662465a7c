/**
 * `meshops watch` as a child process, the way it runs in production: `node bin/meshops.js watch ...` from the build.
 * Every wait is bounded by a deadline, and every process started here is killed by `killAll` (call it in `after`).
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import type { StatusJson } from "../../src/daemon/statusTypes.js";
import { projectRoot } from "./git.js";
import { TEST_AGE_KEY_FILE } from "./cli.js";

const BIN = path.join(projectRoot, "bin", "meshops.js");
const started = new Set<ChildProcess>();

/** Polls `probe` until it returns a value (not undefined), or fails after `timeoutMs` with `what` and the last value seen. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

export interface DaemonProcess {
  readonly child: ChildProcess;
  readonly url: string;
  /** stdout lines so far (the JSON log). */
  readonly lines: string[];
  readonly stderr: () => string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** GET /api/status. */
  status(): Promise<StatusJson>;
  /** Resolves when a log line satisfies `match` (checked on every new line), or fails after the timeout. */
  untilLog(what: string, match: (entry: LogEntry) => boolean, timeoutMs?: number): Promise<LogEntry>;
}

export type LogEntry = Record<string, unknown> & { event?: string; msg?: string };

/**
 * Starts `meshops watch <args> --listen 127.0.0.1:0` in `cwd`: the daemon binds a port the OS picks and names it in
 * its `daemon.started` log line, which gives `url`. Resolves once the status server answers.
 */
export async function startWatch(args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv; maxOpenFiles?: number }): Promise<DaemonProcess> {
  const command = [process.execPath, BIN, "watch", ...args, "--listen", "127.0.0.1:0", "--log-format", "json"];
  // A lower descriptor limit goes through the shell's ulimit: lowering one's own soft limit needs no privilege.
  const [file, ...argv] = options.maxOpenFiles === undefined ? command : ["bash", "-c", `ulimit -n ${options.maxOpenFiles} && exec "$0" "$@"`, ...command];
  const child = spawn(file as string, argv, {
    cwd: options.cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, SOPS_AGE_KEY_FILE: TEST_AGE_KEY_FILE, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  started.add(child);
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let partial = "";
  child.stdout?.setEncoding("utf8");
  child.stdout?.on("data", (chunk: string) => {
    partial += chunk;
    const parts = partial.split("\n");
    partial = parts.pop() ?? "";
    lines.push(...parts.filter((l) => l !== ""));
    for (const wake of [...waiters]) wake();
  });
  let stderr = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    // "close", not "exit": by then every line the daemon wrote has been read.
    child.on("close", (code, signal) => {
      started.delete(child);
      resolve({ code, signal });
    }),
  );

  const untilLog = (what: string, match: (entry: LogEntry) => boolean, timeoutMs = 10_000) =>
    new Promise<LogEntry>((resolve, reject) => {
      let seen = 0;
      const check = () => {
        for (; seen < lines.length; seen++) {
          let entry: LogEntry;
          try {
            entry = JSON.parse(lines[seen] ?? "") as LogEntry;
          } catch {
            continue;
          }
          if (match(entry)) {
            finish();
            resolve(entry);
            return;
          }
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for a log line: ${what}\nstderr: ${stderr}`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });

  const died = exited.then(({ code, signal }) => {
    throw new Error(`the daemon exited (${code ?? signal}) before serving: ${stderr}\n${lines.join("\n")}`);
  });
  died.catch(() => undefined); // a later exit is the test's business, through `exited`
  const startedLog = untilLog("daemon.started, naming the status address", (e) => e.event === "daemon.started", 15_000);
  startedLog.catch(() => undefined); // when the daemon dies first, `died` says so
  const startedLine = await Promise.race([startedLog, died]);
  const url = String(startedLine.status);
  const daemon: DaemonProcess = {
    child,
    url,
    lines,
    stderr: () => stderr,
    exited,
    status: async () => (await (await fetch(`${url}/api/status`)).json()) as StatusJson,
    untilLog,
  };
  const healthy = waitFor(`the daemon's status server on ${url}`, async () => ((await fetch(`${url}/healthz`)).ok ? true : undefined), 15_000);
  await Promise.race([healthy, died]);
  return daemon;
}

/** Kills (SIGKILL) every daemon still running: for `after` hooks, so a failed test leaves no process behind. */
export function killAll(): void {
  for (const child of started) child.kill("SIGKILL");
}

/** The daemon's exit, or a failure if it has not exited within `timeoutMs`. */
export async function exitWithin(daemon: DaemonProcess, timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the daemon did not exit within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([daemon.exited, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
