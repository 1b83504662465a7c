import { statSync } from "node:fs";
import path from "node:path";
import { Option, type Command } from "commander";
import { configFilesAbove, configuredFolder, WORKTREE } from "../source/index.js";
import { AnalysisCache, DATAPLANE_SKIPPED_RULE, type ValidateOptions, type ValidationResult } from "../validate/index.js";
import { readAndValidate } from "./parallelValidation.js";
import type { Snapshot } from "../source/types.js";
import { GitObjects } from "../source/gitBatch.js";
import { analyzedFiles, cacheResult, cacheSlot, hasEntry, nearestEntry, readCachedResult, rememberFileResources, seedAnalyses, type FileResources, type ReadEntries } from "./validationCache.js";
import { renderDiagnosticsText, type ValidationSummary } from "../report/diagnostics.js";
import { numberFlag, styleFor, UsageError, type CliIo } from "./io.js";
import { sopsKeys } from "./secrets.js";
import { unsealResources } from "../secrets/unseal.js";
import type { Resource } from "../model/resource.js";
import { subjectOf } from "../model/key.js";
import type { ValidateReport } from "../report/common.js";
import { writeReports, type ReportOptions, type ReportOutput } from "./report.js";
import { errorMessage, urlForMessage } from "../util/errorMessage.js";
import { beyondNewestLine } from "../kuma/versions.js";
import { SCHEMA_ONLY_RULE } from "../validate/kongMesh.js";
import { PATTERN_RULES } from "../validate/unmatchedPatterns.js";
import { renderDiagnosticLine } from "../report/diagnostics.js";
import { printable } from "../report/style.js";

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
  /** The PGP key file (armored private keys; else MESHOPS_SOPS_PGP_KEY_FILE). */
  readonly sopsPgpKeyFile?: string;
}

/**
 * The options every command shares for finding the configuration (PRODUCT.md: --repo, --path, --ref). `refHelp` is for
 * a command that reads only commits (hydrate), whose help must not offer WORKTREE.
 */
export function addRepositoryOptions(command: Command, io: CliIo, refHelp = "revision to read; WORKTREE for uncommitted files"): Command {
  command
    .addOption(
      new Option("--repo <dir>", "a directory inside the Git working copy holding the configuration").default(
        ".",
        "the current one, or with neither --repo nor --path the nearest above it holding meshops.yaml",
      ),
    )
    .option("--path <subdir>", "sub-folder of the repository to read (default: the repository root)")
    .option("--ref <rev>", refHelp, "HEAD")
    .addOption(maxFileSizeOption())
    .hook("preAction", configuredFolderHook(io, (action) => String(action.getOptionValue("ref"))));
  return addValidationOptions(command)
    .option("--sops-age-key-file <file>", "age key file to decrypt SOPS-encrypted files with (default: $SOPS_AGE_KEY_FILE; without a key, encrypted values are not compared and apply refuses)")
    .option("--sops-pgp-key-file <file>", "PGP private keys (armored, no passphrase) to decrypt SOPS files encrypted for PGP recipients (default: $MESHOPS_SOPS_PGP_KEY_FILE)");
}

/**
 * Run from a folder inside the repository, with neither --repo nor --path given: --repo becomes the folder whose
 * meshops.yaml configures it (source/index.ts configuredFolder), as the revision `refOf` names has it. Every command
 * that reads a local repository, `watch` too, finds its folder this one way.
 */
export function configuredFolderHook(io: CliIo, refOf: (action: Command) => string): (command: Command, action: Command) => Promise<void> {
  return async (_command, action) => {
    if (action.getOptionValueSource("repo") !== "default" || action.getOptionValue("path") !== undefined) return;
    const folder = await configuredFolder(io.cwd, refOf(action));
    if (folder !== undefined) action.setOptionValue("repo", folder);
  };
}

/** How the files read are validated: `watch` validates each revision the same way, and takes the same options. */
export function addValidationOptions(command: Command): Command {
  return command
    .option("--exclude <glob>", "leave out files matching this glob, relative to --path (repeatable; adds to meshops.yaml's exclude)", collect, [])
    .option("--allow-empty", "a --path with no configuration files is valid (by default it is an error, so a mistyped path fails)")
    .option("--deprecations-as-errors", "what the control plane would accept but warn about on PUT (rule deprecation) is an error");
}

/** The validation options a command was given, as validateSnapshot takes them. */
export function validateOptionsOf(options: { readonly exclude?: readonly string[]; readonly allowEmpty?: boolean; readonly deprecationsAsErrors?: boolean }): ValidateOptions {
  return {
    ...(options.exclude && options.exclude.length > 0 ? { exclude: options.exclude } : {}),
    ...(options.allowEmpty ? { allowEmpty: true } : {}),
    ...(options.deprecationsAsErrors ? { deprecationsAsErrors: true } : {}),
  };
}

/** `--max-file-size`: `watch` reads the repository too, and takes the same option. */
export function maxFileSizeOption(): Option {
  return new Option("--max-file-size <bytes>", "refuse YAML files larger than this").default(1024 * 1024).argParser(numberFlag("a positive whole number of bytes", (n) => Number.isInteger(n) && n > 0));
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

/** How GitHub's tokens (classic, OAuth, user-to-server, server-to-server, refresh, fine-grained) and GitLab's begin. */
const TOKEN_PREFIX = /^(gh[pousr]_|github_pat_|glpat-)/;

/** How `hydrate` (also the daemon's) gets a remote's credentials: git's own way, never meshops'. */
export const GIT_OWN_CREDENTIALS = "use git's own credentials: a credential helper, GIT_ASKPASS or an SSH key";

/**
 * A Git remote given as a URL (`--repo`, `--remote`, `--hydrate-remote`) may name a user, not carry a password or
 * token: git would keep it in a clone's .git/config and get it as an argument, and messages would quote it. `instead`
 * says how to give it. A token may stand where the user name does (GitHub takes `https://TOKEN@github.com/...`): the
 * prefixes GitHub and GitLab give their tokens say so.
 */
export function refuseTokenInUrl(flag: string, remote: string, instead: string): void {
  const user = /^[a-z][a-z0-9+.-]*:\/\/([^/@\s]*)@/i.exec(remote)?.[1];
  const password = user !== undefined && (user.includes(":") || TOKEN_PREFIX.test(user));
  if (password) throw new UsageError(`${flag} ${urlForMessage(remote)}: a password or token in the URL would be kept in .git/config, passed to git as an argument and shown in messages; ${instead}`);
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
  /** Resources by file version, shared by revisions read from the validation cache (validationCache.ts). */
  readonly fileResources: FileResources = new Map();
  /** The validation cache's entries read so far (the base's is read as the ref's nearest, then as its own). */
  readonly entries: ReadEntries = new Map();
  /**
   * The reads after the first one go through one git process started here, before the first read grows the heap: a
   * spawn from a process holding a parsed repository (300 MB at 51,000 resources) costs hundreds of ms of CPU, and
   * the second revision's read spawned git four times.
   */
  readonly objects: GitObjects;

  constructor(repoDir: string) {
    this.objects = new GitObjects(repoDir);
    this.objects.start();
  }

  /** Ends the git process. */
  close(): void {
    this.objects.close();
  }
}

/** Where `plan`, `drift` and `apply --format json` report an invalid repository: their own --format / --output, in their own name. */
export interface InvalidReport extends Omit<ReportOptions, "format" | "output"> {
  readonly command: "plan" | "drift" | "apply";
  readonly outputs: readonly ReportOutput[];
}

export interface LoadOptions {
  /** Every encrypted file must be decrypted (apply): one that cannot be is an error naming the file and its recipients. */
  readonly requireKey?: boolean;
  readonly shared?: SharedReads | undefined;
  /** Report an invalid repository in these formats (default: text on stderr). */
  readonly invalidReport?: InvalidReport;
  /** The validation cache's directory (validationCache.ts): a valid result is read from it, or kept in it. */
  readonly cacheDir?: string | undefined;
  /** False: validate (and keep the result) even when the cache has it. */
  readonly cacheRead?: boolean;
  /** Other work of this process goes on meanwhile (a control plane's state read ahead): validate in slices. */
  readonly sliced?: boolean;
  /**
   * The result is only reported (`validate`): resources keep no bodies (validate/bodies.ts). Ignored when the result
   * is cached or shared with another read, which plan takes over.
   */
  readonly reportOnly?: boolean;
  /** What the command needs a commit for (ReadOptions.commitFor): its errors then suggest no WORKTREE. */
  readonly commitFor?: string;
  /**
   * False: meshops.yaml's patterns that match nothing are not said on stderr, because the command reports every
   * diagnostic itself (validate) or the revision is not the one worked on (plan's base).
   */
  readonly patternWarnings?: boolean;
}

/** Whether the validation cache in `cacheDir` has a result for the options' revision. */
export async function isCached(options: RepositoryOptions, cacheDir: string, io: CliIo): Promise<boolean> {
  const slot = options.ref === WORKTREE ? undefined : await cacheSlot(cacheDir, localRepositoryDir(options.repo, io), options.ref, cacheInputs(options));
  return slot !== undefined && (await hasEntry(slot));
}

/** `--validation-cache`: plan, apply and drift read valid results from it; validate only takes analyses over. */
export function addValidationCacheOption(
  command: Command,
  description = "keep valid results here, keyed by the commit's tree and meshops's build, and skip validating a revision already validated (or set MESHOPS_VALIDATION_CACHE)",
): Command {
  return command.option("--validation-cache <dir>", description);
}

/** The cache directory a command was given: the flag, else MESHOPS_VALIDATION_CACHE, resolved against the cwd. */
export function validationCacheDir(options: { readonly validationCache?: string }, io: CliIo): string | undefined {
  const dir = options.validationCache ?? (io.env.MESHOPS_VALIDATION_CACHE || undefined);
  return dir === undefined ? undefined : path.resolve(io.cwd, dir);
}

/**
 * Reads and validates the repository at the revision; with an age key, SOPS-encrypted resources are decrypted in
 * memory and checked in full (src/secrets/unseal.ts). `stillSealed`: encrypted resources no key was given for.
 */
export async function loadRepository(
  options: RepositoryOptions,
  io: CliIo,
  load: LoadOptions = {},
): Promise<{ result: ValidationResult; stillSealed: readonly Resource[] }> {
  const { shared } = load;
  const repo = localRepositoryDir(options.repo, io);
  const slot = load.cacheDir !== undefined && options.ref !== WORKTREE ? await cacheSlot(load.cacheDir, repo, options.ref, cacheInputs(options)) : undefined;
  const cached = slot && load.cacheRead !== false ? await readCachedResult(slot, shared?.fileResources, shared?.entries) : undefined;
  // A cached result has no encrypted resources (validationCache.ts keeps none): nothing to decrypt.
  if (cached) {
    noteInfoOfSettings(cached, io);
    if (load.patternWarnings !== false) warnOfUnmatchedPatterns(cached, io);
    return { result: cached, stillSealed: [] };
  }
  // Not cached: the files the nearest entry has analyzed are not analyzed again.
  let nearest = slot ? await nearestEntry(slot, shared?.entries) : undefined;
  const ownTree = nearest?.own === true;
  const cache = shared?.cache ?? new AnalysisCache();
  const validateOptions = { ...validateOptionsOf(options), ...(load.reportOnly && !slot && !shared ? { reportOnly: true } : {}) };
  const read = {
    repo,
    ref: options.ref,
    ...(options.path !== undefined ? { path: options.path } : {}),
    maxFileBytes: options.maxFileSize,
    ...(load.commitFor !== undefined ? { commitFor: load.commitFor } : {}),
    ...(shared ? { blobCache: shared.blobCache, ...(shared.previous ? { previous: shared.previous, objects: shared.objects } : {}) } : {}),
  };
  const seed = (snapshot: Snapshot): void => {
    if (nearest) seedAnalyses(cache, snapshot, nearest.entry, shared?.fileResources, validateOptions);
    nearest = undefined; // not held while the tree is validated: it is as large as the repository's resources
  };
  const { snapshot, result } = await readAndValidate(read, cache, validateOptions, load.sliced ? { sliced: true } : {}, seed);
  if (shared) shared.previous = snapshot;
  // Not when --path names no folder at all: the empty-repository error says what is wrong.
  const folderRead = snapshot.paths ? snapshot.paths.size > 0 : snapshot.files.length + snapshot.problems.length > 0;
  if (!snapshot.config && snapshot.root !== "" && folderRead) await warnOfSettingsAbove(repo, options.ref, snapshot.root, io);
  noteInfoOfSettings(result, io);
  if (!result.valid) return { result, stillSealed: [] };
  if (load.patternWarnings !== false) warnOfUnmatchedPatterns(result, io);
  // Only a revision read from the validation cache takes the resources over: without one, nothing would read them.
  const remember = shared !== undefined && load.cacheDir !== undefined;
  const analyzed = remember || slot ? analyzedFiles(snapshot, cache, validateOptions) : undefined;
  if (remember && analyzed) rememberFileResources(shared.fileResources, snapshot.config, analyzed);
  // An entry of this very tree (read on purpose: cacheRead false) holds this result already.
  if (slot && !ownTree && analyzed) {
    const notKept = await cacheResult(slot, result, snapshot, analyzed).catch((error: unknown) => void io.stderr.write(`meshops: note: the validation cache was not written: ${errorMessage(error)}\n`));
    if (notKept) io.stderr.write(`meshops: note: the validation cache keeps nothing for this revision: ${notKept}\n`);
  }
  // By path only when a resource is sealed: a map of 51,000 files for nothing otherwise.
  let texts: Map<string, string> | undefined;
  const textOf = (file: string): string | undefined => (texts ??= new Map(snapshot.files.map((f) => [f.path, f.text]))).get(file);
  const keys = sopsKeys(options, io) ?? (load.requireKey ? [] : undefined);
  return unsealResources(result, textOf, keys);
}

/**
 * A 3.x controlPlane.version, checked with the newest line's schemas: said in the result as an info item, which text
 * reports do not show (and a cached result does not keep), yet it concerns every result. On stderr, once per command
 * (`plan --base` reads twice).
 */
function noteInfoOfSettings(result: ValidationResult, io: CliIo): void {
  const message = beyondNewestLine(result.config.controlPlane.version, "meshops.yaml's controlPlane.version");
  if (message === undefined) return;
  const warned = warnedSettings.get(io) ?? new Set<string>();
  warnedSettings.set(io, warned);
  if (!warned.has(message)) io.stderr.write(`meshops: note: ${message}\n`);
  warned.add(message);
}

/**
 * Path settings that match nothing (an exclude that leaves nothing out, a tenancy rule that binds nothing): warnings
 * of a valid result that commands other than validate would never show (an invalid one is reported whole), though
 * they change what the command does.
 */
function warnOfUnmatchedPatterns(result: ValidationResult, io: CliIo): void {
  const warned = warnedSettings.get(io) ?? new Set<string>();
  warnedSettings.set(io, warned);
  const style = styleFor(io.stderr, io.env);
  for (const d of result.diagnostics) {
    if (!PATTERN_RULES.has(d.rule)) continue;
    // A flag's (no file) is said as the command's own warning, not as a place in the repository.
    const line = d.file ? renderDiagnosticLine(d, style) : `meshops: warning: ${printable(d.message)}`;
    if (!warned.has(line)) io.stderr.write(`${line}\n`);
    warned.add(line);
  }
}

/** Settings that would be lost without a word: a meshops.yaml above --path, which has none of its own. */
async function warnOfSettingsAbove(repo: string, ref: string, root: string, io: CliIo): Promise<void> {
  const message = await settingsAboveWarning(repo, ref, root);
  if (message === undefined) return;
  const warned = warnedSettings.get(io) ?? new Set<string>();
  warnedSettings.set(io, warned);
  if (!warned.has(message)) io.stderr.write(`meshops: warning: ${message}\n`);
  warned.add(message);
}

/**
 * The warning for meshops.yaml files above `root` at `ref`, when `<root>/meshops.yaml` does not exist (the caller
 * knows): every command and `watch` say the same. Undefined when there are none, or Git cannot tell.
 */
export async function settingsAboveWarning(repo: string, ref: string, root: string): Promise<string | undefined> {
  const above = await configFilesAbove(repo, ref, root).catch(() => []);
  if (above.length === 0) return undefined;
  return `${above.join(", ")} ${above.length === 1 ? "is" : "are"} not read: settings come only from meshops.yaml at the root of --path (${root}/meshops.yaml, which does not exist); move it there`;
}

/** What a command says, after the diagnostics, of a repository it did not compare or apply. */
const INVALID_REPOSITORY = "the repository is invalid; nothing was compared or applied";

/** What was said per command (plan --base reads two revisions): once is enough. */
const warnedSettings = new WeakMap<CliIo, Set<string>>();

function cacheInputs(options: RepositoryOptions): Parameters<typeof cacheSlot>[3] {
  return {
    path: options.path ?? "",
    maxFileSize: options.maxFileSize,
    exclude: options.exclude ?? [],
    allowEmpty: options.allowEmpty === true,
    deprecationsAsErrors: options.deprecationsAsErrors === true,
  };
}

/**
 * Loads and validates; an invalid repository is reported (on stderr, or in the formats `load.invalidReport` asks for)
 * and gives undefined. A commit with any validation error is never planned or applied, not even in part. A valid
 * result comes without its info items: nothing after validation reads them, they are tens of MB at 51,000 resources
 * (one per reference to a service a zone provides), and so a result read from the validation cache, which does not
 * keep them, is the same.
 */
export async function loadValidRepository(options: RepositoryOptions, io: CliIo, load: LoadOptions = {}): Promise<ValidationResult | undefined> {
  const { result } = await loadRepository(options, io, load);
  if (result.valid) return result.diagnostics.some((d) => d.severity === "info") ? { ...result, diagnostics: result.diagnostics.filter((d) => d.severity !== "info") } : result;
  const wanted = load.invalidReport;
  // Text on stdout would mix with the plan or drift report a script expects there: text goes to stderr, as it always did.
  const outputs = wanted?.outputs.filter((o) => !(o.format === "text" && o.file === undefined)) ?? [];
  if (outputs.length < (wanted?.outputs.length ?? 1)) io.stderr.write(renderDiagnosticsText(result.diagnostics, summaryOf(result), styleFor(io.stderr, io.env)));
  if (wanted && outputs.length > 0) {
    const report = { ...validateReportOf(result, false), command: wanted.command, summary: summaryOf(result) };
    await writeReports(io, "validate", outputs, report, { ...wanted, repo: options.repo, ...(options.path !== undefined ? { path: options.path } : {}) });
  }
  io.stderr.write(`meshops: ${INVALID_REPOSITORY}\n`);
  return undefined;
}

/** What `validate`'s reports are rendered from. */
export function validateReportOf(result: ValidationResult, warningsAsErrors: boolean): ValidateReport {
  return {
    valid: result.valid,
    diagnostics: result.diagnostics,
    revision: result.revision,
    files: result.files,
    resources: result.resources.map((r) =>
      r.source ? { subject: subjectOf(r), location: { file: r.source.file, line: r.source.line, column: r.source.column } } : { subject: subjectOf(r) },
    ),
    warningsAsErrors,
  };
}

/** The counts a text report ends with. */
export function summaryOf(result: ValidationResult): ValidationSummary {
  const skippedDataplanes = result.diagnostics.filter((d) => d.rule === DATAPLANE_SKIPPED_RULE).length;
  const schemaOnly = result.diagnostics.filter((d) => d.rule === SCHEMA_ONLY_RULE).map((d) => d.resource.split("/")[0] ?? "");
  return { files: result.files, resources: result.resources.length, revision: result.revision, otherDocuments: result.otherDocuments, skippedDataplanes, schemaOnly };
}
