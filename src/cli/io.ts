import { parseGoDuration } from "../kuma/duration.js";
import { COLOR, PLAIN, type Style } from "../report/style.js";

/** Where a command writes, and what it may read of its environment: injected so tests run the CLI in-process. */
export interface CliIo {
  readonly stdout: { write(s: string): unknown; isTTY?: boolean };
  readonly stderr: { write(s: string): unknown; isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

export const processIo = (): CliIo => ({ stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() });

/** Colour on a TTY only, and never when NO_COLOR is set (no-color.org). */
export function styleFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): Style {
  return stream.isTTY && !env.NO_COLOR ? COLOR : PLAIN;
}

/** A failure the CLI reports as one clear line and exit code 1 (as opposed to a bug, which keeps its stack). */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** A commander argParser for a positive duration flag (`30s`, `5m`, `500ms`), in milliseconds. */
export const durationMs = (flag: string) => (value: string) => {
  const ns = parseGoDuration(value.trim());
  if (ns === undefined || ns <= 0) throw new Error(`${flag} must be a positive duration such as 30s, 5m or 1h, got ${value}`);
  return Math.max(1, Math.round(ns / 1e6));
};

/** Milliseconds as the shortest duration flag that means them: `1s`, `2m`, `1500ms`. */
export function formatDuration(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1_000 === 0) return `${ms / 1_000}s`;
  return `${ms}ms`;
}
