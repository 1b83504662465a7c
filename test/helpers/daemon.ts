/**
 * `meshops watch` as a child process, the way it runs in production: `node bin/meshops.js watch ...` from the build.
 * Every wait is bounded by a deadline, and every process started here is killed by `killAll` (call it in `after`).
 */
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import path from "node:path";
import type { StatusJson } from "../../src/daemon/statusTypes.js";
import { projectRoot } from "./git.js";

const BIN = path.join(projectRoot, "bin", "meshops.js");
const started = new Set<ChildProcess>();

/** A port the OS says is free now. A child process cannot be handed port 0 and tell us which one it got. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

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

/** Starts `meshops watch <args> --listen 127.0.0.1:<free port>` in `cwd` and waits until its status server answers. */
export async function startWatch(args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv; maxOpenFiles?: number }): Promise<DaemonProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const command = [process.execPath, BIN, "watch", ...args, "--listen", `127.0.0.1:${port}`, "--log-format", "json"];
  // A lower descriptor limit goes through the shell's ulimit: lowering one's own soft limit needs no privilege.
  const [file, ...argv] = options.maxOpenFiles === undefined ? command : ["bash", "-c", `ulimit -n ${options.maxOpenFiles} && exec "$0" "$@"`, ...command];
  const child = spawn(file as string, argv, {
    cwd: options.cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env },
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

  const daemon: DaemonProcess = {
    child,
    url,
    lines,
    stderr: () => stderr,
    exited,
    status: async () => (await (await fetch(`${url}/api/status`)).json()) as StatusJson,
    untilLog: (what, match, timeoutMs = 10_000) =>
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
      }),
  };
  const healthy = waitFor(`the daemon's status server on ${url}`, async () => ((await fetch(`${url}/healthz`)).ok ? true : undefined), 15_000);
  const died = exited.then(({ code, signal }) => {
    throw new Error(`the daemon exited (${code ?? signal}) before serving: ${stderr}\n${lines.join("\n")}`);
  });
  await Promise.race([healthy, died]);
  died.catch(() => undefined); // a later exit is the test's business, through `exited`
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
