import { Command, CommanderError } from "commander";
import { SourceError } from "../source/types.js";
import { BackendError } from "../backend/types.js";
import { PruneLimitError } from "../sync/limits.js";
import { applyCommand } from "./commands/apply.js";
import { cpCommand } from "./commands/cp.js";
import { driftCommand } from "./commands/drift.js";
import { planCommand } from "./commands/plan.js";
import { renderCommand } from "./commands/render.js";
import { validateCommand } from "./commands/validate.js";
import { watchCommand } from "./commands/watch.js";
import { processIo, UsageError, type CliIo } from "./io.js";

/** Known failures are one clear line; anything else is a bug and keeps its stack. Exit code 1 either way. */
function describeFailure(error: unknown): string {
  if (error instanceof SourceError || error instanceof UsageError || error instanceof BackendError || error instanceof PruneLimitError) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message.trim().split("\n")[0]}` : "";
    return `meshops: ${error.message}${cause}\n`;
  }
  return `meshops: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`;
}

/** argv → command → exit code, in one place. */
/**
 * Resolves with the signal's name at the first SIGINT or SIGTERM: long-running commands stop gracefully on it. Later
 * signals are absorbed rather than killing the process mid-shutdown: Ctrl-C under `npm start` delivers SIGINT twice
 * (from the terminal to the whole process group, and forwarded by npm), and the state directory must still be unlocked.
 */
export function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string) => resolve(signal);
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let exitCode = 0;
  const setExit = (code: number) => (exitCode = code);
  const program = new Command("meshops")
    .description("GitOps for Kuma and Kong Mesh: a Git repository of mesh YAML is the source of truth")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError()
    .addCommand(validateCommand(io, setExit))
    .addCommand(renderCommand(io, setExit))
    .addCommand(planCommand(io, setExit))
    .addCommand(applyCommand(io, setExit))
    .addCommand(driftCommand(io, setExit))
    .addCommand(cpCommand(io, setExit, untilSignal))
    .addCommand(watchCommand(io, setExit, untilSignal));
  for (const sub of program.commands) sub.exitOverride().configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });

  try {
    await program.parseAsync([...argv], { from: "user" });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 1; // help/version exit 0; usage errors 1
    io.stderr.write(describeFailure(error));
    return 1;
  }
}
