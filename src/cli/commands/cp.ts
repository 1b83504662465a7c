import { readFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { Command, Option } from "commander";
import { startControlPlaneServer } from "../../cp/server.js";
import { parseListen, UsageError, type CliIo } from "../io.js";
import type { Product } from "../../config/repoConfig.js";
import type { ControlPlaneEnvironment } from "../../backend/types.js";
import { openStateDirectory } from "../controlPlane.js";
import { schemaLine } from "../../kuma/versions.js";
import { DEFAULT_KUMA_VERSION, PRODUCT_NAMES } from "../../kuma/version.js";

interface CpOptions {
  listen: string;
  stateDir: string;
  kumaVersion?: string;
  product?: Product;
  tokenFile?: string;
  skipMeshCreation?: boolean;
  recover?: boolean;
  insecure?: boolean;
  mode?: ControlPlaneEnvironment;
  systemNamespace?: string;
}

export function cpCommand(io: CliIo, setExit: (code: number) => void, untilSignal: () => Promise<string>): Command {
  return new Command("cp")
    .description("serve the embedded control plane over the Kuma REST API until signalled")
    .addOption(new Option("--listen <host:port>", "address to listen on").default("127.0.0.1:5681"))
    .addOption(new Option("--state-dir <dir>", "where the control plane's state is kept").default(".meshops/cp"))
    .addOption(new Option("--kuma-version <version>", `the Kuma version to behave as (3.x creates no default policies). Default: what --state-dir was created as, else ${DEFAULT_KUMA_VERSION}`))
    .addOption(
      new Option("--product <product>", "the product to emulate: kong-mesh also serves MeshOPA and MeshGlobalRateLimit. Default: what --state-dir was created as, else kuma").choices([
        "kuma",
        "kong-mesh",
      ]),
    )
    .option("--token-file <file>", "require this bearer token on every request but GET /")
    .addOption(
      new Option("--mode <mode>", "kubernetes: serve the API as a Kubernetes zone does (read-only; names name.namespace; writes as Kubernetes documents on POST /_meshops/kubernetes, a stand-in for kubectl apply). Default: what --state-dir was created as, else universal")
        .choices(["universal", "kubernetes"]),
    )
    .option("--system-namespace <namespace>", "with --mode kubernetes: the control plane's system namespace (default kuma-system; kong-mesh-system with --product kong-mesh)")
    .option("--skip-mesh-creation", "do not create Mesh default at start (KUMA_DEFAULTS_SKIP_MESH_CREATION)")
    .option("--recover", "repair a damaged journal: keep its valid records, copy the rest aside, report what was dropped, and exit")
    .option("--insecure", "allow listening on a non-loopback address without --token-file (anyone who reaches it can write)")
    .action(async (options: CpOptions) => {
      const { host, port } = parseListen(options.listen, "--listen");
      // The store emulates the lines meshops has schemas for: any other version would be served as 2.14 under its name.
      if (options.kumaVersion !== undefined) {
        const line = schemaLine(options.kumaVersion, "--kuma-version");
        if ("error" in line) throw new UsageError(line.error);
      }
      const token = options.tokenFile
        ? (
            await readFile(path.resolve(io.cwd, options.tokenFile), "utf8").catch((cause: unknown) => {
              throw new UsageError(`cannot read --token-file ${options.tokenFile}`, { cause });
            })
          ).trim()
        : undefined;
      if (!token && !options.insecure && !options.recover && !isLoopback(host)) {
        throw new UsageError(`refusing to serve the control plane on ${options.listen} without --token-file: anyone who reaches it could write. Add --token-file, or --insecure to accept that`);
      }
      const warn = (message: string) => io.stderr.write(`meshops cp: ${message}\n`);
      if (!options.recover) {
        // Before the state directory is opened: a busy address must not leave a new one behind, made as Universal
        // (which would refuse a retry with --mode kubernetes).
        await tryListening(host, port).catch((cause: unknown) => {
          throw new UsageError(`cannot serve on --listen ${options.listen}`, { cause });
        });
      }
      const store = await openStateDirectory(options.stateDir, {
        stateDir: path.resolve(io.cwd, options.stateDir),
        // Unless given, what the state directory was created as (a real control plane runs its own version).
        ...(options.kumaVersion !== undefined ? { version: options.kumaVersion } : {}),
        ...(options.product !== undefined ? { product: options.product } : {}),
        // A repair writes nothing but the repair.
        skipMeshCreation: options.skipMeshCreation === true || options.recover === true,
        recover: options.recover === true,
        ...(options.mode ? { environment: options.mode } : {}),
        ...(options.systemNamespace ? { systemNamespace: options.systemNamespace } : {}),
        onWarning: warn,
        health: {
          onUnhealthy: (error) => warn(`${error.message}: answering 503 and refusing writes until a write succeeds again`),
          onHealthy: () => warn("the state can be written again: healthy"),
        },
      });
      if (options.recover) {
        if (store.loadWarnings.length === 0) warn(`nothing to recover in ${options.stateDir}: the journal is intact`);
        await store.close();
        return setExit(0);
      }
      const server = await startControlPlaneServer({ store, host, port, ...(token ? { token } : {}) }).catch(async (cause: unknown) => {
        await store.close(); // unlocks the state directory
        throw new UsageError(`cannot serve on --listen ${options.listen}`, { cause });
      });
      io.stderr.write(`meshops cp: ${PRODUCT_NAMES[store.product]} ${store.version} API on ${server.url} (state in ${options.stateDir})\n`);
      if (store.kubernetes) {
        warn(`Kubernetes mode (system namespace ${store.systemNamespace}): the API is read-only; POST Kubernetes documents to ${server.url}/_meshops/kubernetes to stand in for kubectl apply`);
      }
      if (!token && !isLoopback(host)) warn(`--insecure: no token on ${server.url}; anyone who reaches it can write`);
      const signal = await untilSignal();
      io.stderr.write(`meshops cp: ${signal}, shutting down\n`);
      await server.close();
      await store.close();
      setExit(0);
    });
}

/** Loopback addresses and localhost: only this machine can connect. */
function isLoopback(host: string): boolean {
  return host === "localhost" || /^127\./.test(host) || host === "::1";
}

/** Listens on the address and closes again at once: whether the server will be able to (the address is free). */
async function tryListening(host: string, port: number): Promise<void> {
  const probe = net.createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once("error", reject);
    probe.listen(port, host, resolve);
  });
  await new Promise<void>((resolve) => probe.close(() => resolve()));
}
