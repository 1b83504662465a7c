import { readFile } from "node:fs/promises";
import path from "node:path";
import { Option, type Command } from "commander";
import { KumaHttpBackend, type KumaHttpBackendOptions } from "../backend/kumaHttp.js";
import { LocalBackend } from "../backend/store.js";
import type { Backend } from "../backend/types.js";
import { durationMs, UsageError, type CliIo } from "./io.js";
import type { Product } from "../config/repoConfig.js";

export interface ControlPlaneOptions {
  readonly cpUrl?: string;
  readonly tokenFile?: string;
  readonly caFile?: string;
  readonly stateDir: string;
  /** Per try of each request to a --cp-url, in ms. */
  readonly requestTimeout?: number;
}

/** PRODUCT.md: --cp-url, --token-file or MESHOPS_CP_TOKEN, --ca-file; without --cp-url the embedded control plane. */
export function addControlPlaneOptions(command: Command): Command {
  return command
    .option("--cp-url <url>", "Kuma / Kong Mesh control plane API (e.g. http://127.0.0.1:5681); default: the embedded control plane")
    .option("--token-file <file>", "file holding the API token, sent as Authorization: Bearer (or set MESHOPS_CP_TOKEN)")
    .option("--ca-file <file>", "PEM CA bundle to trust for an https --cp-url")
    .addOption(new Option("--state-dir <dir>", "state of the embedded control plane").default(".meshops/cp"))
    .addOption(
      new Option("--request-timeout <duration>", "how long one try of a request to --cp-url may take (a request that times out twice fails)")
        .default(10_000, "10s")
        .argParser(durationMs("--request-timeout")),
    );
}

/** `http`: extra settings of the HTTP client (the daemon's request metrics and retry count). */
export async function openBackend(
  options: ControlPlaneOptions,
  io: CliIo,
  target: { readonly version?: string; readonly product?: Product } = {},
  http: Pick<KumaHttpBackendOptions, "onRequest" | "retries"> = {},
): Promise<Backend> {
  if (!options.cpUrl) {
    return LocalBackend.open({
      stateDir: path.resolve(io.cwd, options.stateDir),
      ...(target.version ? { version: target.version } : {}),
      ...(target.product ? { product: target.product } : {}),
      onWarning: (message) => io.stderr.write(`meshops: ${message}\n`),
    });
  }
  let url: URL;
  try {
    url = new URL(options.cpUrl);
  } catch {
    throw new UsageError(`--cp-url is not a URL: ${options.cpUrl}`);
  }
  const token = options.tokenFile ? (await readSecret(path.resolve(io.cwd, options.tokenFile))).trim() : io.env.MESHOPS_CP_TOKEN?.trim();
  return new KumaHttpBackend({
    baseUrl: url.toString(),
    ...(token ? { token } : {}),
    ...(options.caFile ? { caFile: path.resolve(io.cwd, options.caFile) } : {}),
    ...(options.requestTimeout ? { timeoutMs: options.requestTimeout } : {}),
    ...http,
  });
}

async function readSecret(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (cause) {
    // The path is named, never the content.
    throw new UsageError(`cannot read --token-file ${file}`, { cause });
  }
}
