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
