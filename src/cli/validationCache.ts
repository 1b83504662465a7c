/**
 * The validation cache (`--validation-cache DIR`, or MESHOPS_VALIDATION_CACHE): a valid repository's validation
 * result kept on disk, so that `plan`, `apply` and `drift` at a revision already validated skip reading, parsing and
 * checking 50,000 resources. Like Argo CD's repo-server manifest cache, an entry is keyed by everything the result
 * is a function of, so it is never stale and is never invalidated by hand:
 *
 * - the commit's tree id (content, not commit: a rebase that keeps the files hits), the repository directory and
 *   `--path`, `--max-file-size`, `--exclude`, `--allow-empty`, `--deprecations-as-errors`;
 * - meshops itself: its version and the build id `npm run build` writes (dist/src/build-id.json, a digest of the compiled
 *   code, validators and schemas; the Action's bundle has its own, action/lib/build-id.json). Without one nothing is cached.
 *
 * Only what these commands use is kept: valid results without SOPS-encrypted resources (those need the file text to
 * decrypt), their resources, the references to services not in the repository, and warnings (the repository-wide info
 * items are for `validate`'s reports, so `validate` never reads a result: it takes analyses over, below). One file an entry, written atomically (mode 0600), the
 * MAX_ENTRIES most recently used kept. An entry that cannot be read is a miss. `WORKTREE` is never cached: it has no tree id.
 *
 * A tree not cached (a pull request's head, its base cached by an earlier run) takes over the per-file analysis of
 * the nearest entry: the most recently used one of the same inputs but the tree (its family, in its file name), for
 * every file whose path and blob as analyzed (a file Flux substitutes into has an id of its own: substitutedFile), and
 * meshops.yaml's blob, are the same (`seedAnalyses`). The tree is then read and
 * validated as usual, changed files analyzed and the repository's checks run over all, so the result is a cold
 * validation's. For that an entry keeps, per file read, what analyzeFile found on its own: its diagnostics of every
 * severity (info items too: an invalid head reports them, and counts skipped Dataplanes), its count of other documents
 * and its run of resources; their facts for the repository's checks are worked out again (checkResource).
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { promises as fsp, readFileSync, realpathSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { parseRepoConfig } from "../config/repoConfig.js";
import type { Diagnostic } from "../model/diagnostic.js";
import type { JsonObject, JsonValue, Resource } from "../model/resource.js";
import type { Snapshot, SourceFile } from "../source/types.js";
import { analysisInputs, type AnalysisCache, type FileAnalysis, type ValidateOptions, type ValidationResult } from "../validate/index.js";
import { checkResource } from "../validate/repository.js";
import type { FileTexts } from "../validate/services.js";
import { readBlobs } from "../source/git.js";
import { Locator } from "../parse/locate.js";
import { readJsonLinesFile, writeFileAtomic } from "../backend/local/journal.js";
import { jsonLinesText } from "../util/jsonLines.js";
import { meshopsVersion } from "./version.js";
import { makeDirectory } from "../util/directory.js";
import { isObjectId } from "../model/revision.js";
import { substitutedBlobParts, substitutedFile, type SubstitutedFile } from "../validate/substitution.js";
import type { FluxSubstitute } from "../validate/kustomize.js";
import { namesUpTo } from "../util/namesUpTo.js";

const FORMAT = "meshops-validation-cache/v6";
/** Entries kept: the revisions a person or a pull-request job goes back and forth between. */
export const MAX_ENTRIES = 8;
/** `validation-FAMILY-KEY.json` (FAMILY: the first 16 digits of familyKey); entries of v3 had no family, and are dropped in turn. */
const ENTRY = /^validation-(?:[0-9a-f]{16}-)?[0-9a-f]{64}\.json$/;

/** What a validation result is a function of, besides the code: the key's parts. */
export interface ValidationInputs {
  /** The commit's tree id. */
  readonly tree: string;
  /** The repository directory as given (resolved, links followed) and `--path`. */
  readonly repoDir: string;
  readonly path: string;
  readonly maxFileSize: number;
  readonly exclude: readonly string[];
  readonly allowEmpty: boolean;
  readonly deprecationsAsErrors: boolean;
}

/** The entry's key: a digest of the cache format, meshops's version and build, and the inputs. */
export function validationCacheKey(build: string, inputs: ValidationInputs): string {
  return createHash("sha256").update(JSON.stringify([FORMAT, meshopsVersion(), build, inputs])).digest("hex");
}

/** The key of every entry for the same inputs but the tree: the entries a tree not cached may take analyses over from. */
export function familyKey(build: string, inputs: Omit<ValidationInputs, "tree">): string {
  const { repoDir, path: folder, maxFileSize, exclude, allowEmpty, deprecationsAsErrors } = inputs;
  return createHash("sha256").update(JSON.stringify([FORMAT, meshopsVersion(), build, { repoDir, path: folder, maxFileSize, exclude, allowEmpty, deprecationsAsErrors }])).digest("hex");
}

/** A cached result as stored: resources once, references to them by index. */
interface Entry {
  readonly format: typeof FORMAT;
  readonly family: string;
  readonly root: string;
  readonly config?: SourceFile;
  readonly files: number;
  readonly otherDocuments: number;
  /** The files read, in order, referred to by index, and their blob ids (same index). */
  readonly paths: readonly string[];
  readonly blobs: readonly string[];
  /** Per file read (same index): what analyzeFile found in it alone; its resources are the next run of `resources`. */
  readonly analyses: readonly PackedAnalysis[];
  readonly resources: readonly PackedResource[];
  readonly diagnostics: readonly Diagnostic[];
  readonly serviceReferences: readonly { readonly resource: number; readonly targets: readonly string[]; readonly path: string }[];
  /**
   * What Flux put into the files read, by the digest that ends such a file's blob id (validate/substitution.ts): the
   * text of one is made again from its written blob when a warning is located in it. One per Flux Kustomization.
   */
  readonly substitutes: Readonly<Record<string, FluxSubstitute>>;
}

/**
 * A resource in a fifth less text than its JSON (which is most of an entry, and reading it most of a warm run): the
 * object, where it was written (`[path index, document index, line, column, "u" or "k"]`, or 0 for none), 1 for a
 * default policy, and the key only when the object does not spell it.
 */
type PackedResource = readonly [
  JsonObject,
  readonly [number, number, number, number, "u" | "k"] | 0,
  0 | 1,
  (readonly [string, string, string] | 0)?,
  Readonly<Record<string, JsonValue>>?,
];

/**
 * A file's analysis: how many resources, how many documents of other APIs, its own diagnostics (each the index of the
 * same diagnostic in the entry's `diagnostics`, or itself when it is not there: info items).
 */
type PackedAnalysis = readonly [number, number, readonly (number | Diagnostic)[]];

function pack(resource: Resource, pathIndex: (file: string) => number): PackedResource {
  const { object, source } = resource;
  const at = source ? ([pathIndex(source.file), source.docIndex, source.line, source.column, source.format === "kubernetes" ? "k" : "u"] as const) : 0;
  const origin = resource.origin === "default" ? 1 : 0;
  const spelled = keyOf(object);
  const same = spelled.type === resource.type && spelled.mesh === resource.mesh && spelled.name === resource.name;
  const key = same ? 0 : ([resource.type, resource.mesh, resource.name] as const);
  if (resource.annotations) return [object, at, origin, key, resource.annotations];
  return key === 0 ? [object, at, origin] : [object, at, origin, key];
}

function unpack([object, at, origin, key, annotations]: PackedResource, paths: readonly string[]): Resource {
  const { type, mesh, name } = key ? { type: key[0], mesh: key[1], name: key[2] } : keyOf(object);
  const source = at === 0 ? undefined : { file: paths[at[0]] ?? "", docIndex: at[1], line: at[2], column: at[3], format: at[4] === "k" ? ("kubernetes" as const) : ("universal" as const) };
  return { type, mesh, name, object, ...(source ? { source } : {}), origin: origin === 1 ? "default" : "repository", ...(annotations ? { annotations } : {}) };
}

function pathIndexOf(packed: PackedResource): number | undefined {
  return packed[1] === 0 ? undefined : packed[1][0];
}

/** The key an object spells (a Mesh is its own mesh). */
function keyOf(object: JsonObject): { type: string; mesh: string; name: string } {
  const type = typeof object.type === "string" ? object.type : "";
  const name = typeof object.name === "string" ? object.name : "";
  return { type, name, mesh: type === "Mesh" ? name : typeof object.mesh === "string" ? object.mesh : "" };
}

/** A file read and what analyzeFile found in it. */
export interface AnalyzedFile {
  readonly file: Pick<SourceFile, "path" | "blobId"> & Partial<Pick<SubstitutedFile, "substitute">>;
  readonly analysis: FileAnalysis;
}

/**
 * The entry for a result read from `snapshot`, whose files read were analyzed as `analyzed` says (in order), or
 * undefined when it is not kept (invalid, holding encrypted resources, or analyses that are not the result's).
 */
export function entryOf(family: string, result: ValidationResult, snapshot: Pick<Snapshot, "root" | "config">, analyzed: readonly AnalyzedFile[]): Entry | undefined {
  const { root, config } = snapshot;
  if (!result.valid || result.resources.some((r) => r.sealed)) return undefined;
  const index = new Map(result.resources.map((r, i) => [r, i]));
  const serviceReferences = [];
  for (const { resource, targets, path: field } of result.serviceReferences) {
    const at = index.get(resource);
    if (at === undefined) return undefined;
    serviceReferences.push({ resource: at, targets, path: field });
  }
  // The result's resources are the analyses' runs, in file order (validateSnapshotSteps): checked, since each run is
  // taken over as its file's.
  let next = 0;
  for (const { analysis } of analyzed) for (const resource of analysis.resources) if (result.resources[next++] !== resource) return undefined;
  if (next !== result.resources.length) return undefined;
  const diagnostics = result.diagnostics.filter((d) => d.severity !== "info");
  const kept = new Map(diagnostics.map((d, i) => [d, i]));
  const paths = new Map(analyzed.map(({ file }, i) => [file.path, i]));
  const pathIndex = (file: string) => paths.get(file) ?? -1;
  const resources = result.resources.map((r) => pack(r, pathIndex));
  const substitutes: Record<string, FluxSubstitute> = {};
  for (const { file } of analyzed) {
    const digest = file.substitute ? substitutedBlobParts(file.blobId)?.digest : undefined;
    if (file.substitute && digest !== undefined) substitutes[digest] = file.substitute;
  }
  return {
    format: FORMAT,
    family,
    root,
    ...(config ? { config } : {}),
    files: result.files,
    otherDocuments: result.otherDocuments,
    paths: analyzed.map(({ file }) => file.path),
    blobs: analyzed.map(({ file }) => file.blobId),
    analyses: analyzed.map(({ analysis }) => [analysis.resources.length, analysis.otherDocuments, analysis.diagnostics.map((d) => kept.get(d) ?? d)] as const),
    resources,
    diagnostics,
    serviceReferences,
    substitutes,
  };
}

/**
 * The resources of file versions already in memory, by `fileVersionKey`: `plan --base` reads two revisions, and
 * what a file unchanged between them holds is then the very same objects on both sides (as when it validates both),
 * so the desired state of an unchanged mesh is built once and an unchanged resource compares by identity.
 */
export type FileResources = Map<string, readonly Resource[]>;

/**
 * A file version as the resources read from it depend on it: the configuration (conversion reads it), path and blob
 * as analyzed (a file Flux substitutes into: the substituted id, whose digest says with which values).
 */
export function fileVersionKey(config: SourceFile | undefined, file: string, blobId: string): string {
  return `${config?.blobId ?? ""}\0${file}\0${blobId}`;
}

/** The validation result an entry stands for, at `revision` (a commit with the same tree). */
export function resultOf(entry: Entry, revision: string, known: FileResources = new Map()): ValidationResult {
  const config = parseRepoConfig(entry.config, entry.root).config;
  const resources: Resource[] = [];
  // Resources come in file order: one run per file, taken over whole when that file version is known.
  for (let i = 0; i < entry.resources.length; ) {
    const at = pathIndexOf(entry.resources[i] as PackedResource);
    let end = i + 1;
    while (at !== undefined && end < entry.resources.length && pathIndexOf(entry.resources[end] as PackedResource) === at) end++;
    const key = at === undefined || !entry.blobs[at] ? undefined : fileVersionKey(entry.config, entry.paths[at] ?? "", entry.blobs[at] ?? "");
    const same = key === undefined ? undefined : known.get(key);
    const run = same?.length === end - i ? same : entry.resources.slice(i, end).map((p) => unpack(p, entry.paths));
    if (key !== undefined && !same) known.set(key, run);
    resources.push(...run);
    i = end;
  }
  const serviceReferences = entry.serviceReferences.map(({ resource, targets, path: field }) => ({ resource: resources[resource] as Resource, targets, path: field }));
  return { revision, config, resources, diagnostics: entry.diagnostics, valid: true, files: entry.files, otherDocuments: entry.otherDocuments, serviceReferences };
}

/**
 * The analyses of an entry's files, rebuilt: put into `cache` for every file a validation of `snapshot` with `options`
 * analyzes whose path and blob, as analyzed (a file Flux substitutes into: with the same values, by the same Flux
 * Kustomization), the entry has, when meshops.yaml is the same blob (and the folder read the same). `known`: resources
 * by file version already in memory (the same objects are then taken over). Returns how many files were put in.
 */
export function seedAnalyses(cache: AnalysisCache, snapshot: Snapshot, entry: Entry, known: FileResources = new Map(), options: ValidateOptions = {}): number {
  try {
    return seed(cache, snapshot, entry, known, options);
  } catch {
    return 0;
  }
}

function seed(cache: AnalysisCache, snapshot: Snapshot, entry: Entry, known: FileResources, options: ValidateOptions): number {
  if (snapshot.root !== entry.root || (snapshot.config?.blobId ?? "") !== (entry.config?.blobId ?? "")) return 0;
  const { selection, configKey } = analysisInputs(snapshot, cache, options);
  cache.useConfig(configKey);
  const at = new Map(entry.paths.map((file, i) => [file, i]));
  // Where each file's run of resources starts.
  const starts: number[] = [];
  let start = 0;
  for (const [count] of entry.analyses) {
    starts.push(start);
    start += count;
  }
  if (start !== entry.resources.length || entry.analyses.length !== entry.paths.length) return 0;
  // All rebuilt before any is put in: an entry damaged half-way (it threw) is not taken over at all.
  const seeds: { file: SourceFile; analysis: FileAnalysis }[] = [];
  for (const file of selection.files) {
    const i = at.get(file.path);
    if (i === undefined || entry.blobs[i] !== file.blobId || cache.get(file, configKey)) continue;
    const [count, otherDocuments, packed] = entry.analyses[i] as PackedAnalysis;
    const diagnostics = packed.map((d) => (typeof d === "number" ? entry.diagnostics[d] : d));
    if (!Number.isInteger(otherDocuments) || diagnostics.some((d) => typeof d !== "object" || d === null)) return 0;
    const from = starts[i] as number;
    const same = known.get(fileVersionKey(entry.config, file.path, file.blobId));
    const resources = same?.length === count ? same : entry.resources.slice(from, from + count).map((p) => unpack(p, entry.paths));
    const facts = resources.map((resource) => checkResource(resource, NO_TEXTS).facts);
    seeds.push({ file, analysis: { resources, facts, diagnostics: diagnostics as Diagnostic[], otherDocuments } });
  }
  for (const { file, analysis } of seeds) cache.set(file, analysis);
  return seeds.length;
}

/** Facts need no position (only checkResource's diagnostics do, which an entry has already). */
const NO_TEXTS = new Locator(() => undefined);

/** One command's view of the cache: where it is, the key of the revision it reads, and the key of its family. */
export interface CacheSlot {
  readonly dir: string;
  /** The working copy the revision is read from (a cached result's files are read again from it: `entryTexts`). */
  readonly repoDir: string;
  readonly key: string;
  readonly family: string;
  readonly commit: string;
}

/** Entries this process has read, by file: `plan --base` reads its base's entry as the ref's nearest, then as the base's own. */
export type ReadEntries = Map<string, Entry>;

/**
 * The slot for a revision, or undefined when it cannot be cached (no build id, WORKTREE, a revision Git cannot
 * resolve: the ordinary read then reports what is wrong).
 */
export async function cacheSlot(dir: string, repoDir: string, ref: string, inputs: Omit<ValidationInputs, "tree" | "repoDir">): Promise<CacheSlot | undefined> {
  const build = buildId();
  if (build === undefined || ref.startsWith("-")) return undefined;
  let ids: string[];
  try {
    // One process for both ids: `%H %T` of the commit the revision names.
    const { stdout } = await promisify(execFile)("git", ["log", "-1", "--no-walk", "--format=%H %T", `${ref}^{commit}`, "--"], { cwd: repoDir });
    ids = stdout.trim().split(" ");
  } catch {
    return undefined;
  }
  const [commit, tree] = ids;
  if (ids.length !== 2 || !commit || !tree || !isObjectId(commit) || !isObjectId(tree)) return undefined;
  const keyed = { repoDir: realpathSync(repoDir), ...inputs };
  return { dir, repoDir, commit, key: validationCacheKey(build, { tree, ...keyed }), family: familyKey(build, keyed) };
}

/** The cached result, or undefined (a miss, or an entry that cannot be read). */
export async function readCachedResult(slot: CacheSlot, known?: FileResources, read?: ReadEntries): Promise<ValidationResult | undefined> {
  const entry = await readEntry(slot, entryPath(slot), read);
  try {
    return entry ? { ...resultOf(entry, slot.commit, known), texts: new EntryTexts(slot.repoDir, entry) } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The texts of a cached result's files, read again from Git by the blob ids the entry keeps, when a warning is to be
 * located in them (a few files: an entry keeps no text). A file Flux substitutes into has an id of its own, which Git
 * does not know: its written blob is read and the entry's values put in again, as validation did. Only the entry's
 * paths, blob ids and values are kept, not the entry: that is as large as the repository's resources, and the result
 * lives as long as the command.
 */
class EntryTexts implements FileTexts {
  readonly #repoDir: string;
  readonly #paths: readonly string[];
  readonly #blobs: readonly string[];
  readonly #substitutes: ReadonlyMap<string, FluxSubstitute>;

  constructor(repoDir: string, { paths, blobs, substitutes }: Pick<Entry, "paths" | "blobs" | "substitutes">) {
    this.#repoDir = repoDir;
    this.#paths = paths;
    this.#blobs = blobs;
    this.#substitutes = new Map(Object.entries(substitutes));
  }

  async read(files: readonly string[]): Promise<ReadonlyMap<string, string>> {
    const wanted = new Set(files);
    /** By path: the blob to read, and what Flux puts into it (a substituted file's id is `blobs`' entry). */
    const sources = new Map<string, { readonly blob: string; readonly id: string; readonly substitute?: FluxSubstitute }>();
    this.#paths.forEach((file, i) => {
      const id = this.#blobs[i];
      if (!wanted.has(file) || id === undefined) return;
      const parts = isObjectId(id) ? undefined : substitutedBlobParts(id);
      const substitute = parts && isObjectId(parts.written) ? this.#substitutes.get(parts.digest) : undefined;
      if (isObjectId(id)) sources.set(file, { blob: id, id });
      else if (parts && substitute) sources.set(file, { blob: parts.written, id, substitute });
    });
    const read = await readBlobs(this.#repoDir, [...sources.values()].map(({ blob }) => blob));
    const texts = new Map<string, string>();
    for (const [file, { blob, id, substitute }] of sources) {
      const text = read.get(blob);
      if (typeof text !== "string") continue;
      // Made again as validation made it: the same id, or these were not the values it was validated with.
      const applied = substitute ? substitutedFile({ path: file, text, blobId: blob }, substitute) : undefined;
      if (!applied) texts.set(file, text);
      else if (applied.blobId === id) texts.set(file, applied.text);
    }
    return texts;
  }
}

/**
 * The entry a tree not cached takes analyses over from: the slot's own when there is one (a revision validated again
 * on purpose, `plan --base`), else the most recently used of its family; undefined when none can be read.
 */
export async function nearestEntry(slot: CacheSlot, read?: ReadEntries): Promise<{ readonly entry: Entry; readonly own: boolean } | undefined> {
  const prefix = `validation-${slot.family.slice(0, 16)}-`;
  const own = path.basename(entryPath(slot));
  const family = await entriesByUse(slot.dir, (name) => name.startsWith(prefix) && name !== own);
  for (const name of [own, ...family]) {
    const entry = await readEntry(slot, path.join(slot.dir, name), read);
    if (entry) return { entry, own: name === own };
  }
  return undefined;
}

/** An entry of the slot's family, marked as used (its time is what `nearestEntry` and the pruning go by); undefined if it cannot be read. */
async function readEntry(slot: CacheSlot, file: string, read?: ReadEntries): Promise<Entry | undefined> {
  let entry = read?.get(file);
  if (!entry) {
    try {
      // A line at a time (util/jsonLines.ts): the entry's 30 MB of text are never in memory at once.
      const parsed = (await readJsonLinesFile(file))?.value as Partial<Entry> | null | undefined;
      if (parsed?.format !== FORMAT || parsed.family !== slot.family || !Array.isArray(parsed.analyses) || !Array.isArray(parsed.resources)) return undefined;
      entry = parsed as Entry;
    } catch {
      return undefined;
    }
    read?.set(file, entry);
    const now = new Date();
    await fsp.utimes(file, now, now).catch(() => undefined);
  }
  return entry;
}

/** Whether there is an entry for the slot (it may still turn out unreadable). */
export async function hasEntry(slot: CacheSlot): Promise<boolean> {
  return (await fsp.stat(entryPath(slot)).catch(() => undefined))?.isFile() === true;
}

/**
 * The files a validation of `snapshot` read, each as it was analyzed (one Flux substitutes into has an id of its own:
 * substitutedFile), with its analysis in `cache`; undefined when one is not there.
 */
export function analyzedFiles(snapshot: Snapshot, cache: AnalysisCache, options: ValidateOptions): AnalyzedFile[] | undefined {
  const { selection, configKey } = analysisInputs(snapshot, cache, options);
  const analyzed: AnalyzedFile[] = [];
  for (const file of selection.files) {
    const analysis = cache.get(file, configKey);
    if (!analysis) return undefined;
    analyzed.push({ file, analysis });
  }
  return analyzed;
}

/**
 * A validated revision's resources by file version, for a revision read from the cache after it (`resultOf`, `seed`).
 * By the id each file was analyzed under, as an entry keeps it: a file Git has unchanged may be substituted otherwise
 * at the other revision (a Flux Kustomization added, changed or removed), and must not take these resources over.
 */
export function rememberFileResources(known: FileResources, config: SourceFile | undefined, analyzed: readonly AnalyzedFile[]): void {
  for (const { file, analysis } of analyzed) if (analysis.resources.length > 0) known.set(fileVersionKey(config, file.path, file.blobId), analysis.resources);
}

/**
 * Keeps the result (when it is kept at all), with the analyses of the files it read (`analyzedFiles`), and drops the
 * least recently used entries beyond MAX_ENTRIES. Returns why a valid result holding SOPS-encrypted files is not kept,
 * for the command to say: otherwise every run would miss without a word, as if the cache were broken.
 */
export async function cacheResult(slot: CacheSlot, result: ValidationResult, snapshot: Snapshot, analyzed: readonly AnalyzedFile[]): Promise<string | undefined> {
  // A report-only result has no bodies, which a plan taking it over would need.
  if (!result.valid || result.reportOnly) return undefined;
  const sealed = [...new Set(result.resources.flatMap((r) => (r.sealed && r.source ? [r.source.file] : [])))];
  if (sealed.length > 0) {
    const named = namesUpTo(sealed, 3);
    return sealed.length === 1 ? `${named} is SOPS-encrypted, and a result holding encrypted values is never kept` : `${sealed.length} files are SOPS-encrypted (${named}), and a result holding encrypted values is never kept`;
  }
  const entry = entryOf(slot.family, result, snapshot, analyzed);
  if (!entry) return undefined;
  await makeDirectory(slot.dir, 0o700);
  await writeFileAtomic(slot.dir, path.basename(entryPath(slot)), entryText(entry));
  for (const name of (await entriesByUse(slot.dir)).slice(MAX_ENTRIES)) await fsp.rm(path.join(slot.dir, name), { force: true });
  return undefined;
}

/** The entries' file names in `dir` that `accept` takes, the most recently used first (readEntry marks a use). */
async function entriesByUse(dir: string, accept: (name: string) => boolean = () => true): Promise<string[]> {
  const names = (await fsp.readdir(dir).catch(() => [] as string[])).filter((name) => ENTRY.test(name) && accept(name));
  const used = await Promise.all(names.map(async (name) => ({ name, mtime: (await fsp.stat(path.join(dir, name)).catch(() => undefined))?.mtimeMs ?? 0 })));
  return used.sort((a, b) => b.mtime - a.mtime).map((entry) => entry.name);
}

/** The entry's long lists: one item per line of its text (util/jsonLines.ts), written and read a piece at a time. */
const ENTRY_LISTS = ["paths", "blobs", "analyses", "resources", "diagnostics", "serviceReferences"] as const satisfies readonly (keyof Entry)[];

/** The entry's JSON text, in pieces made as they are written: its 30 MB at 51,000 resources are never in memory at once. */
export function entryText(entry: Entry): Generator<string> {
  return jsonLinesText(entry as unknown as Record<string, unknown>, ENTRY_LISTS);
}

function entryPath(slot: CacheSlot): string {
  return path.join(slot.dir, `validation-${slot.family.slice(0, 16)}-${slot.key}.json`);
}

let build: string | null | undefined;

/** The build id `npm run build` wrote beside the compiled code (scripts/build-id.mjs); undefined when there is none. */
export function buildId(): string | undefined {
  if (build === undefined) {
    try {
      // dist/src/cli/validationCache.js → dist/src/build-id.json
      const parsed = JSON.parse(readFileSync(new URL("../build-id.json", import.meta.url), "utf8")) as { id?: unknown };
      build = typeof parsed.id === "string" && parsed.id !== "" ? parsed.id : null;
    } catch {
      build = null;
    }
  }
  return build ?? undefined;
}
