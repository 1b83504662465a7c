import { accessSync, constants, statSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline/promises";
import { InvalidArgumentError } from "commander";
import { parseGoDuration } from "../kuma/duration.js";
import { COLOR, PLAIN, type Style } from "../report/style.js";

/** Where a command writes, and what it may read of its environment: injected so tests run the CLI in-process. */
export interface CliIo {
  readonly stdout: { write(s: string): unknown; isTTY?: boolean };
  readonly stderr: { write(s: string): unknown; isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Asks a person and resolves with the answer; absent, or undefined, when nobody can answer (no terminal: CI). */
  readonly ask?: (question: string) => Promise<string | undefined>;
}

export const processIo = (): CliIo => {
  dropOutputOnClosedPipe(process.stdout);
  dropOutputOnClosedPipe(process.stderr);
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), ask: askOnTerminal };
};

const quieted = new WeakSet<NodeJS.WriteStream>();

/**
 * A reader that leaves early (`meshops render | head`) closes the pipe: what is left to print has nowhere to go and is
 * dropped, as by any Unix tool, instead of the process dying on an unhandled EPIPE with a stack trace. The command
 * runs to its end and exits with its own code. Any other write error is thrown as before.
 */
function dropOutputOnClosedPipe(stream: NodeJS.WriteStream): void {
  if (quieted.has(stream)) return;
  quieted.add(stream);
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
  });
}

/** Asks on the terminal (the question on stderr, so stdout stays the command's output); nobody to ask without one. */
async function askOnTerminal(question: string): Promise<string | undefined> {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return undefined;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}

/** A yes/no question; only an explicit yes confirms (never implicitly, and never without a person to answer). */
export async function confirm(io: CliIo, question: string): Promise<boolean> {
  const answer = await io.ask?.(`${question} [y/N] `);
  return answer !== undefined && /^y(es)?$/i.test(answer.trim());
}

/** Colour on a TTY only, and never when NO_COLOR is set (no-color.org). */
export function styleFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): Style {
  return stream.isTTY && !env.NO_COLOR ? COLOR : PLAIN;
}

/** A failure the CLI reports as one clear line and exit code 1 (as opposed to a bug, which keeps its stack). */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/**
 * A file a flag names for writing (`--out plan.json`, `--output sarif=r.sarif`), checked before any work: not a
 * folder, and in a folder that exists and can be written. `said` is how the error names it; the cause carries the
 * file system's code, as a failed write's does.
 */
export function checkWritableFile(said: string, file: string, cwd: string): void {
  const target = path.resolve(cwd, file);
  try {
    if (statSync(target, { throwIfNoEntry: false })?.isDirectory()) throw Object.assign(new Error(`EISDIR: illegal operation on a directory, open '${target}'`), { code: "EISDIR" });
    // Node 22 and later answer a path below a file with no entry (Node 20 threw ENOTDIR), and a file passes access().
    const folder = path.dirname(target);
    if (!statSync(folder).isDirectory()) throw Object.assign(new Error(`ENOTDIR: not a directory, open '${target}'`), { code: "ENOTDIR" });
    accessSync(folder, constants.W_OK);
  } catch (cause) {
    throw new UsageError(`cannot write ${said}`, { cause });
  }
}

/**
 * A commander argParser for a positive duration flag (`30s`, `5m`, `500ms`), in milliseconds. Its error is commander's
 * usage error, one line naming the flag and the value: `error: option '--timeout <duration>' argument '5x' is invalid. …`.
 */
export function durationMs(value: string): number {
  const ns = parseGoDuration(value.trim());
  if (ns === undefined || ns <= 0) throw new InvalidArgumentError("expected a positive duration such as 30s, 5m or 1h");
  return Math.max(1, Math.round(ns / 1e6));
}

/** A commander argParser for a numeric flag: `expected` completes "expected …" in the usage error a value `accepts` refuses gets. */
export const numberFlag =
  (expected: string, accepts: (n: number) => boolean) =>
  (value: string): number => {
    const n = Number(value);
    if (value.trim() === "" || !accepts(n)) throw new InvalidArgumentError(`expected ${expected}`);
    return n;
  };

/** `--listen host:port` (an empty host: 127.0.0.1; `[::1]:5681` for IPv6), `flag` naming the option in the error. */
export function parseListen(value: string, flag: string): { host: string; port: number } {
  const match = /^\[?([^\]]*)\]?:(\d+)$/.exec(value.trim());
  const port = Number(match?.[2]);
  if (!match || !Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`${flag} must be host:port (a port from 0 to 65535), got ${value}`);
  return { host: match[1] || "127.0.0.1", port };
}

/** Milliseconds as the shortest duration flag that means them: `1s`, `2m`, `1500ms`. */
export function formatDuration(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1_000 === 0) return `${ms / 1_000}s`;
  return `${ms}ms`;
}
