import { readFile } from "node:fs/promises";
import path from "node:path";
import { Command, Option } from "commander";
import { openStore } from "../../backend/store.js";
import { startControlPlaneServer } from "../../cp/server.js";
import { UsageError, type CliIo } from "../io.js";

interface CpOptions {
  listen: string;
  stateDir: string;
  kumaVersion: string;
  tokenFile?: string;
  skipMeshCreation?: boolean;
}

export function cpCommand(io: CliIo, setExit: (code: number) => void, untilSignal: () => Promise<string>): Command {
  return new Command("cp")
    .description("serve the embedded control plane over the Kuma REST API until signalled")
    .addOption(new Option("--listen <host:port>", "address to listen on").default("127.0.0.1:5681"))
    .addOption(new Option("--state-dir <dir>", "where the control plane's state is kept").default(".meshops/cp"))
    .addOption(new Option("--kuma-version <version>", "the Kuma version to behave as (3.x creates no default policies)").default("2.14.3"))
    .option("--token-file <file>", "require this bearer token on every request but GET /")
    .option("--skip-mesh-creation", "do not create Mesh default at start (KUMA_DEFAULTS_SKIP_MESH_CREATION)")
    .action(async (options: CpOptions) => {
      const match = /^(.*):(\d+)$/.exec(options.listen);
      if (!match) throw new UsageError(`--listen must be host:port, got ${options.listen}`);
      const token = options.tokenFile
        ? (
            await readFile(path.resolve(io.cwd, options.tokenFile), "utf8").catch((cause: unknown) => {
              throw new UsageError(`cannot read --token-file ${options.tokenFile}`, { cause });
            })
          ).trim()
        : undefined;
      const store = await openStore({
        stateDir: path.resolve(io.cwd, options.stateDir),
        version: options.kumaVersion,
        skipMeshCreation: options.skipMeshCreation === true,
      });
      const server = await startControlPlaneServer({ store, host: match[1] || "127.0.0.1", port: Number(match[2]), ...(token ? { token } : {}) }).catch(
        async (cause: unknown) => {
          await store.close(); // unlocks the state directory
          throw new UsageError(`cannot serve on --listen ${options.listen}`, { cause });
        },
      );
      io.stderr.write(`meshops cp: Kuma ${options.kumaVersion} API on ${server.url} (state in ${options.stateDir})\n`);
      const signal = await untilSignal();
      io.stderr.write(`meshops cp: ${signal}, shutting down\n`);
      await server.close();
      await store.close();
      setExit(0);
    });
}
