import { Command, CommanderError } from "commander";
import { describeFailure } from "./failure.js";
import { processIo, type CliIo } from "./io.js";
import { versionText } from "./version.js";

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

type CommandFactory = (io: CliIo, setExit: (code: number) => void) => Command;

/**
 * Every command's module, in the order help lists them, loaded only when needed: `validate` and `plan` need not load
 * the daemon, the control plane's server and their logging and metrics (a third of a small repository's CPU time).
 */
const COMMANDS: Readonly<Record<string, () => Promise<CommandFactory>>> = {
  validate: async () => (await import("./commands/validate.js")).validateCommand,
  render: async () => (await import("./commands/render.js")).renderCommand,
  plan: async () => (await import("./commands/plan.js")).planCommand,
  apply: async () => (await import("./commands/apply.js")).applyCommand,
  drift: async () => (await import("./commands/drift.js")).driftCommand,
  export: async () => (await import("./commands/export.js")).exportCommand,
  hydrate: async () => (await import("./commands/hydrate.js")).hydrateCommand,
  cp: async () => {
    const { cpCommand } = await import("./commands/cp.js");
    return (io, setExit) => cpCommand(io, setExit, untilSignal);
  },
  watch: async () => {
    const { watchCommand } = await import("./commands/watch.js");
    return (io, setExit) => watchCommand(io, setExit, untilSignal);
  },
};

/**
 * The command named on the command line (the first argument that is not an option); none for `--version`, which
 * needs none of them; else every one (help, a typo).
 */
async function commandsFor(argv: readonly string[]): Promise<CommandFactory[]> {
  const named = argv.find((arg) => !arg.startsWith("-"));
  const asks = (...flags: string[]) => argv.some((arg) => flags.includes(arg));
  if (named === undefined && asks("-V", "--version") && !asks("-h", "--help")) return [];
  const load = named !== undefined && Object.hasOwn(COMMANDS, named) ? [COMMANDS[named]] : Object.values(COMMANDS);
  return Promise.all(load.map((factory) => (factory as () => Promise<CommandFactory>)()));
}

export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  // --debug is accepted anywhere on the command line (before or after the command's name).
  const debug = argv.includes("--debug") || io.env.MESHOPS_DEBUG === "1";
  argv = argv.filter((arg) => arg !== "--debug");
  let exitCode = 0;
  const setExit = (code: number) => (exitCode = code);
  const program = new Command("meshops")
    .description("GitOps for Kuma and Kong Mesh: a Git repository of mesh YAML is the source of truth")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError()
    .version(versionText(), "-V, --version", "print the version of meshops, the Kuma versions it supports and Node.js")
    .option("--debug", "print the stack trace of an error (anywhere on the command line; or MESHOPS_DEBUG=1)");
  for (const command of await commandsFor(argv)) program.addCommand(command(io, setExit));
  for (const sub of program.commands) sub.exitOverride().configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });

  try {
    await program.parseAsync([...argv], { from: "user" });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 1; // help/version exit 0; usage errors 1
    io.stderr.write(await describeFailure(error, debug));
    return 1;
  }
}
