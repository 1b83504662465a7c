/**
 * How a command's failure is said: one line on stderr (main), and the same line in the report files of a run that
 * failed (report.ts).
 */
import { UsageError } from "./io.js";

/**
 * Errors an operator can fix: one line, no stack. Their modules are loaded only when a command failed (a command that
 * threw one has loaded its module already): at start they cost `--version` and every command the diff library, the
 * embedded control plane's journal and Git's hydration.
 */
async function operatorErrors(): Promise<readonly (abstract new (...args: never[]) => Error)[]> {
  const [source, backend, limits, savedPlan, lock, journal, hydrate] = await Promise.all([
    import("../source/types.js"),
    import("../backend/types.js"),
    import("../sync/limits.js"),
    import("../diff/savedPlan.js"),
    import("../backend/local/lock.js"),
    import("../backend/local/journal.js"),
    import("../hydrate/branch.js"),
  ]);
  return [source.SourceError, UsageError, backend.BackendError, limits.PruneLimitError, lock.StateDirectoryInUseError, journal.JournalDamagedError, savedPlan.SavedPlanError, hydrate.HydrateError];
}

/** System errors of the environment (a port in use, a missing file): one line with the fix. */
function describeSystemError(error: NodeJS.ErrnoException & { address?: string; port?: number }): string | undefined {
  switch (error.code) {
    case "EADDRINUSE":
      return `${error.address ?? "the address"}:${error.port ?? "?"} is in use; stop what listens there or choose another address`;
    case "EADDRNOTAVAIL":
      return `${error.address ?? "the address"} is no address of this machine; use 127.0.0.1, or 0.0.0.0 for every interface`;
    case "ENOENT":
      return error.path ? `${error.path} does not exist` : undefined;
    case "EACCES":
    case "EPERM":
      return error.path ? `permission denied: ${error.path}` : `permission denied (${error.syscall ?? "?"}): ${error.message}`;
    default:
      return undefined;
  }
}

/**
 * Known failures are one clear line; anything else is a bug: one line too, with the stack under --debug. Exit code 1
 * either way.
 */
export async function describeFailure(error: unknown, debug: boolean): Promise<string> {
  const stack = debug && error instanceof Error && error.stack ? `\n${error.stack}` : "";
  const { line, unexpected } = await lineOf(error);
  return `meshops: ${line}${stack || (unexpected ? "\n(run again with --debug for the stack trace, and please report it)" : "")}\n`;
}

/** The failure in the one line stderr says after `meshops: `: what a report file says of a run that failed. */
export async function failureLine(error: unknown): Promise<string> {
  return (await lineOf(error)).line.replace(/\s*\n\s*/g, " ");
}

async function lineOf(error: unknown): Promise<{ readonly line: string; readonly unexpected: boolean }> {
  if ((await operatorErrors()).some((type) => error instanceof type)) {
    const root = error as Error;
    // The cause's words, unless the message says them already (an HTTP failure describes its network error, and
    // names its code where it said it in fewer words: OpenSSL's own line is a file path and an alert number, a reset
    // of the TLS handshake "socket hang up").
    const because = root.cause instanceof Error ? (describeSystemError(root.cause) ?? root.cause.message).trim().split("\n")[0] : undefined;
    const code = (root.cause as { code?: unknown } | undefined)?.code;
    const said = because === undefined || root.message.includes(because) || (typeof code === "string" && root.message.includes(`(${code})`));
    return { line: `${root.message}${said ? "" : `: ${because}`}`, unexpected: false };
  }
  const system = error instanceof Error ? describeSystemError(error) : undefined;
  if (system) return { line: system, unexpected: false };
  const message = error instanceof Error ? error.message.trim().split("\n")[0] : String(error);
  return { line: `unexpected error: ${message}`, unexpected: true };
}
