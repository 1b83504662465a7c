import path from "node:path";
import { Option, type Command } from "commander";
import { readSnapshot } from "../source/index.js";
import { validateSnapshot, type ValidationResult } from "../validate/index.js";
import type { Snapshot } from "../source/types.js";
import type { CliIo } from "./io.js";

export interface RepositoryOptions {
  readonly repo: string;
  readonly path?: string;
  readonly ref: string;
  readonly maxFileSize: number;
}

/** The options every command shares for finding the configuration (PRODUCT.md: --repo, --path, --ref). */
export function addRepositoryOptions(command: Command): Command {
  return command
    .option("--repo <dir>", "a directory inside the Git working copy holding the configuration", ".")
    .option("--path <subdir>", "sub-folder of the repository to read (default: the repository root)")
    .option("--ref <rev>", "revision to read; WORKTREE for uncommitted files", "HEAD")
    .addOption(
      new Option("--max-file-size <bytes>", "refuse YAML files larger than this").default(1024 * 1024).argParser((v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n <= 0) throw new Error(`--max-file-size must be a positive integer, got ${v}`);
        return n;
      }),
    );
}

export async function loadRepository(options: RepositoryOptions, io: CliIo): Promise<{ snapshot: Snapshot; result: ValidationResult }> {
  const snapshot = await readSnapshot({
    repo: path.resolve(io.cwd, options.repo),
    ref: options.ref,
    ...(options.path !== undefined ? { path: options.path } : {}),
    maxFileBytes: options.maxFileSize,
  });
  return { snapshot, result: validateSnapshot(snapshot) };
}
