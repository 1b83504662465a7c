import { statSync } from "node:fs";
import path from "node:path";
import { Option, type Command } from "commander";
import { readSnapshot } from "../source/index.js";
import { AnalysisCache, DATAPLANE_SKIPPED_RULE, type ValidationResult } from "../validate/index.js";
import { validateSnapshotParallel } from "../validate/parallel.js";
import type { Snapshot } from "../source/types.js";
import { renderDiagnosticsText, type ValidationSummary } from "../report/diagnostics.js";
import { styleFor, UsageError, type CliIo } from "./io.js";
import { ageIdentities } from "./secrets.js";
import { unsealResources } from "../secrets/unseal.js";
import type { Resource } from "../model/resource.js";

export interface RepositoryOptions {
  readonly repo: string;
  readonly path?: string;
  readonly ref: string;
  readonly maxFileSize: number;
  readonly exclude?: readonly string[];
  readonly allowEmpty?: boolean;
  readonly deprecationsAsErrors?: boolean;
  /** The age key file for SOPS-encrypted files (else SOPS_AGE_KEY_FILE; else encrypted values stay encrypted). */
  readonly sopsAgeKeyFile?: string;
}

/** The options every command shares for finding the configuration (PRODUCT.md: --repo, --path, --ref). */
export function addRepositoryOptions(command: Command): Command {
  return command
    .option("--repo <dir>", "a directory inside the Git working copy holding the configuration", ".")
    .option("--path <subdir>", "sub-folder of the repository to read (default: the repository root)")
    .option("--ref <rev>", "revision to read; WORKTREE for uncommitted files", "HEAD")
    .addOption(maxFileSizeOption())
    .option("--exclude <glob>", "leave out files matching this glob, relative to --path (repeatable; adds to meshops.yaml's exclude)", collect, [])
    .option("--allow-empty", "a --path with no configuration files is valid (by default it is an error, so a mistyped path fails)")
    .option("--deprecations-as-errors", "what the control plane would accept but warn about on PUT (rule deprecation) is an error")
    .option("--sops-age-key-file <file>", "age key file to decrypt SOPS-encrypted files with (default: $SOPS_AGE_KEY_FILE; without a key, encrypted values are not compared and apply refuses)");
}

/** `--max-file-size`: `watch` reads the repository too, and takes the same option. */
export function maxFileSizeOption(): Option {
  return new Option("--max-file-size <bytes>", "refuse YAML files larger than this").default(1024 * 1024).argParser((v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--max-file-size must be a positive integer, got ${v}`);
    return n;
  });
}

/** A commander parser for a repeatable option. */
export function collect(value: string, previous: readonly string[]): string[] {
  return [...previous, value];
}

/** A local --repo, resolved; one clear line when it is not a directory (rather than Git's or simple-git's words). */
export function localRepositoryDir(repo: string, io: CliIo): string {
  const dir = path.resolve(io.cwd, repo);
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
    throw new UsageError(`--repo ${repo}: no such directory; give a directory inside a Git working copy (default: the current directory)`);
  }
  return dir;
}

/**
 * What several reads of one repository in one command share (`plan --base` reads two revisions): Git blobs read
 * once, only the files that differ from the previous revision read again, and each file version parsed and checked
 * once (the per-file analysis is keyed by blob id).
 */
export class SharedReads {
  readonly cache = new AnalysisCache();
  readonly blobCache = new Map<string, string>();
  previous: Snapshot | undefined;
}

export interface LoadOptions {
  /** Every encrypted file must be decrypted (apply): one that cannot be is an error naming the file and its recipients. */
  readonly requireKey?: boolean;
  readonly shared?: SharedReads | undefined;
}

/**
 * Reads and validates the repository at the revision; with an age key, SOPS-encrypted resources are decrypted in
 * memory and checked in full (src/secrets/unseal.ts). `stillSealed`: encrypted resources no key was given for.
 */
export async function loadRepository(
  options: RepositoryOptions,
  io: CliIo,
  load: LoadOptions = {},
): Promise<{ snapshot: Snapshot; result: ValidationResult; stillSealed: readonly Resource[] }> {
  const { shared } = load;
  const snapshot = await readSnapshot({
    repo: localRepositoryDir(options.repo, io),
    ref: options.ref,
    ...(options.path !== undefined ? { path: options.path } : {}),
    maxFileBytes: options.maxFileSize,
    ...(shared ? { blobCache: shared.blobCache, ...(shared.previous ? { previous: shared.previous } : {}) } : {}),
  });
  if (shared) shared.previous = snapshot;
  const result = await validateSnapshotParallel(snapshot, shared?.cache, {
    ...(options.exclude ? { exclude: options.exclude } : {}),
    ...(options.allowEmpty ? { allowEmpty: true } : {}),
    ...(options.deprecationsAsErrors ? { deprecationsAsErrors: true } : {}),
  });
  if (!result.valid) return { snapshot, result, stillSealed: [] };
  const texts = new Map(snapshot.files.map((f) => [f.path, f.text]));
  const identities = ageIdentities(options.sopsAgeKeyFile, io) ?? (load.requireKey ? [] : undefined);
  const unsealed = await unsealResources(result, (file) => texts.get(file), identities);
  return { snapshot, ...unsealed };
}

/**
 * Loads and validates; an invalid repository is reported on stderr and gives undefined. A commit with any
 * validation error is never planned or applied, not even in part.
 */
export async function loadValidRepository(options: RepositoryOptions, io: CliIo, load: LoadOptions = {}): Promise<ValidationResult | undefined> {
  const { result } = await loadRepository(options, io, load);
  if (result.valid) return result;
  const summary = summaryOf(result);
  io.stderr.write(renderDiagnosticsText(result.diagnostics, summary, styleFor(io.stderr, io.env)));
  io.stderr.write("meshops: the repository is invalid; nothing was compared or applied\n");
  return undefined;
}

/** The counts a text report ends with. */
export function summaryOf(result: ValidationResult): ValidationSummary {
  const skippedDataplanes = result.diagnostics.filter((d) => d.rule === DATAPLANE_SKIPPED_RULE).length;
  return { files: result.files, resources: result.resources.length, revision: result.revision, otherDocuments: result.otherDocuments, skippedDataplanes };
}
