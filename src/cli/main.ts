import { Command, CommanderError } from "commander";
import { SourceError } from "../source/types.js";
import { renderCommand } from "./commands/render.js";
import { validateCommand } from "./commands/validate.js";
import { processIo, UsageError, type CliIo } from "./io.js";

/** Known failures are one clear line; anything else is a bug and keeps its stack. Exit code 1 either way. */
function describeFailure(error: unknown): string {
  if (error instanceof SourceError || error instanceof UsageError) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message.trim().split("\n")[0]}` : "";
    return `meshops: ${error.message}${cause}\n`;
  }
  return `meshops: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`;
}

/** argv → command → exit code, in one place. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let exitCode = 0;
  const setExit = (code: number) => (exitCode = code);
  const program = new Command("meshops")
    .description("GitOps for Kuma and Kong Mesh: a Git repository of mesh YAML is the source of truth")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError()
    .addCommand(validateCommand(io, setExit))
    .addCommand(renderCommand(io, setExit));
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
