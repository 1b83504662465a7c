/**
 * kustomize beside the mesh YAML. Argo CD and Flux build a folder with a `kustomization.yaml` through kustomize, whose
 * `namespace:` moves every namespaced object it reaches (through `resources:`, `bases:` and `components:`, folders
 * with a kustomization of their own included) into that namespace, over what the document says; the outermost
 * kustomization that sets one wins. meshops reads documents as written, so a namespace only kustomize gives would make
 * meshops see another resource than the control plane gets (`ledger-retries`, not `ledger-retries.payments`):
 * worked out here, said by kustomizeWarnings.ts. A Flux Kustomization in the repository builds its `spec.path` the
 * same way (that folder's kustomization, or every file below it) and its `targetNamespace`, `namePrefix` and
 * `nameSuffix` act as an outermost kustomization's. Patches and replacements are read for what they target; their
 * files are kustomize's input, which select.ts leaves out of the configuration. Pure.
 */
import { posix } from "node:path";
import { isJsonObject, type JsonObject, type JsonValue } from "../model/resource.js";
import { parseYaml } from "../parse/documents.js";
import type { PathSegments } from "../model/fieldPath.js";
import { isUnder, type SourceFile } from "../source/types.js";

/** The file names kustomize looks for in a folder (meshops reads only the YAML ones). */
const KUSTOMIZATION_FILE = /(^|\/)kustomization\.ya?ml$/;

/** kustomize's own file: never mesh configuration, whatever its apiVersion (which it may leave out). */
export function isKustomizationPath(path: string): boolean {
  return KUSTOMIZATION_FILE.test(path);
}

interface Kustomization {
  /** Where its entries are relative to. */
  readonly folder: string;
  /** How a message names it: its file, or the Flux Kustomization and its file. */
  readonly name: string;
  readonly namespace: string | undefined;
  /** What it builds, relative to its folder: files, folders, and remote bases (never found here). */
  readonly entries: readonly string[];
  /** Of `entries`, its `components`: their transformers apply to all it builds. */
  readonly components?: readonly string[];
  /** Its `namePrefix` and `nameSuffix`, as they read in a message (`namePrefix prod- (apps/prod/kustomization.yaml)`). */
  readonly renames: readonly string[];
  /** Its patches, of every kind kustomize has. */
  readonly patches: readonly Patch[];
  /** The labels it adds to everything it builds (`commonLabels`, `labels`; Flux's `commonMetadata.labels`). */
  readonly labels: readonly AddedLabel[];
  /** A Flux Kustomization's `postBuild`: the variables put into everything it builds. */
  readonly substitute?: FluxSubstitute;
  /** Every file and folder it names, where it names them (a kustomization.yaml's; a Flux Kustomization's are its own). */
  readonly listed?: readonly ListedEntry[];
}

/** A file or folder a kustomization names: kustomize build fails when a local one is not there. */
export interface ListedEntry {
  /** Where the kustomization names it: `["resources", 2]`, `["patches", 0, "path"]`. */
  readonly field: PathSegments;
  readonly entry: string;
  /** What kustomize loads there: a file or a folder with a kustomization (`resources`, `bases`), a component's folder, or a file. */
  readonly wants: "resource" | "component" | "file";
}

/** A Flux Kustomization's `postBuild`: its `substitute` values, and whether `substituteFrom` adds the cluster's. */
export interface FluxSubstitute {
  readonly values: Readonly<Record<string, string>>;
  /** `substituteFrom` names ConfigMaps or Secrets of the cluster: a variable without a value here may have one there. */
  readonly fromCluster: boolean;
  readonly by: string;
}

/** A label a kustomization adds, and how a message names where. */
export interface AddedLabel {
  readonly key: string;
  readonly value: string;
  readonly by: string;
}

/** One patch of a kustomization: where it is written and what it targets (a selector, else the patch's own kind and name). */
interface Patch {
  /** How a message names it: `patches[0] breaker-limits.yaml`. */
  readonly label: string;
  /** The kustomization's file (or the Flux Kustomization). */
  readonly of: string;
  /** The patch file, relative to the repository: kustomize's input, not a resource. */
  readonly file?: string;
  /** An inline strategic-merge patch. */
  readonly text?: string;
  readonly target?: { readonly kind?: string; readonly name?: string };
}

/** By file object: a long-running process's snapshots share the files a commit did not change, so each is read once. */
const read = new WeakMap<Pick<SourceFile, "path" | "text">, Kustomization>();

function readKustomization(file: Pick<SourceFile, "path" | "text">): Kustomization {
  let kustomization = read.get(file);
  if (!kustomization) {
    kustomization = parseKustomization(file);
    read.set(file, kustomization);
  }
  return kustomization;
}

function parseKustomization(file: Pick<SourceFile, "path" | "text">): Kustomization {
  const value = parseYaml(file.text).documents[0]?.value;
  const fields = isJsonObject(value) ? value : {};
  const namespace = typeof fields.namespace === "string" && fields.namespace !== "" ? fields.namespace : undefined;
  const entries = ["resources", "bases", "components"].flatMap((key) => {
    const list = fields[key];
    return Array.isArray(list) ? list.filter((e): e is string => typeof e === "string") : [];
  });
  const folder = posix.dirname(file.path);
  const components = Array.isArray(fields.components) ? fields.components.filter((e): e is string => typeof e === "string") : [];
  return { folder, name: file.path, namespace, entries, ...(components.length > 0 ? { components } : {}), renames: renamesOf(fields, file.path), patches: patchesOf(fields, folder, file.path), labels: labelsOf(fields, file.path), listed: listedOf(fields) };
}

/** The files and folders a kustomization names, by field: what `kustomize build` loads. */
function listedOf(fields: Readonly<Record<string, unknown>>): ListedEntry[] {
  const listed: ListedEntry[] = [];
  const each = (key: string, wants: ListedEntry["wants"], entryOf: (item: unknown) => { entry: string; at?: string } | undefined) => {
    const list = fields[key];
    if (!Array.isArray(list)) return;
    list.forEach((item: unknown, i) => {
      const found = entryOf(item);
      if (found && found.entry !== "") listed.push({ field: found.at !== undefined ? [key, i, found.at] : [key, i], entry: found.entry, wants });
    });
  };
  const plain = (item: unknown) => (typeof item === "string" ? { entry: item } : undefined);
  const pathField = (item: unknown) => (isJsonObject(item as JsonValue) && typeof (item as JsonObject).path === "string" ? { entry: (item as JsonObject).path as string, at: "path" } : undefined);
  // `bases` is kustomize's deprecated spelling of `resources`, built the same way.
  each("resources", "resource", plain);
  each("bases", "resource", plain);
  each("components", "component", plain);
  each("patches", "file", pathField);
  // patchesStrategicMerge lists file names or inline patches (a URL is a file).
  each("patchesStrategicMerge", "file", (item) => (typeof item === "string" && (isRemoteFile(item) || !/[\n:]/.test(item)) ? { entry: item } : undefined));
  each("patchesJson6902", "file", pathField);
  each("replacements", "file", pathField);
  return listed;
}

/** What kustomize fetches over HTTP as a file (its loader's IsRemoteFile). */
function isRemoteFile(entry: string): boolean {
  return /^https?:\/\//i.test(entry);
}

/**
 * What kustomize clones as a Git repository (api/internal/git/repospec.go NewRepoSpecFromURL): an `ssh://`, `https://`,
 * `http://` or `file://` URL, go-getter's `git::`, an scp-like `user@host:path`, or `github.com/` and `github.com:`
 * without a scheme. Anything else is a path of the repository (`gitlab.com/org/repo` too).
 */
function isRemoteRepository(entry: string): boolean {
  return /^(git::|ssh:\/\/|https?:\/\/|file:\/\/|[a-z][a-z0-9-]*@|github\.com[/:])/i.test(entry);
}


/** `commonLabels`, and each `labels` entry's `pairs` (kustomize's newer form), in the order kustomize applies them. */
function labelsOf(fields: Readonly<Record<string, unknown>>, of: string): AddedLabel[] {
  const entries = Array.isArray(fields.labels) ? fields.labels : [];
  return [
    ...labelPairs(fields.commonLabels, `commonLabels (${of})`),
    ...entries.flatMap((entry: unknown, i) => (isJsonObject(entry as JsonValue) ? labelPairs((entry as JsonObject).pairs, `labels[${i}] (${of})`) : [])),
  ];
}

/** A map of labels, as added by `by` (string values only, as Kubernetes has them). */
function labelPairs(map: unknown, by: string): AddedLabel[] {
  return isJsonObject(map as JsonValue) ? Object.entries(map as JsonObject).flatMap(([key, value]) => (typeof value === "string" ? [{ key, value, by }] : [])) : [];
}

/** `patches`, `patchesStrategicMerge` and `patchesJson6902`, each entry a patch. */
function patchesOf(fields: Readonly<Record<string, unknown>>, folder: string, of: string): Patch[] {
  const patches: Patch[] = [];
  for (const key of ["patches", "patchesStrategicMerge", "patchesJson6902"] as const) {
    const list = fields[key];
    if (!Array.isArray(list)) continue;
    list.forEach((entry: unknown, i) => {
      // patchesStrategicMerge lists file names or inline patches; the others are objects.
      const spec = typeof entry === "string" ? (/[\n:]/.test(entry) ? { patch: entry } : { path: entry }) : isJsonObject(entry as JsonValue) ? (entry as JsonObject) : {};
      const path = typeof spec.path === "string" ? spec.path : undefined;
      const target = isJsonObject(spec.target) ? spec.target : undefined;
      patches.push({
        label: `${key}[${i}]${path !== undefined ? ` ${path}` : ""}`,
        of,
        ...(path !== undefined ? { file: posix.normalize(posix.join(folder, path)) } : {}),
        ...(typeof spec.patch === "string" ? { text: spec.patch } : {}),
        ...(target ? { target: { ...(typeof target.kind === "string" ? { kind: target.kind } : {}), ...(typeof target.name === "string" ? { name: target.name } : {}) } } : {}),
      });
    });
  }
  // replacements copy a field of one resource into others: each target's `select` is a patch's target; a file of them is
  // kustomize's input like a patch file (what it selects is read from it).
  const replacements = Array.isArray(fields.replacements) ? fields.replacements : [];
  replacements.forEach((entry: unknown, i) => {
    if (!isJsonObject(entry as JsonValue)) return;
    const spec = entry as JsonObject;
    if (typeof spec.path === "string") patches.push({ label: `replacements[${i}] ${spec.path}`, of, file: posix.normalize(posix.join(folder, spec.path)) });
    for (const target of replacementTargets(spec)) patches.push({ label: `replacements[${i}]`, of, target });
  });
  return patches;
}

/** The `select` of each target of one replacement, as a patch target. */
function replacementTargets(replacement: JsonObject): { kind?: string; name?: string }[] {
  const targets = Array.isArray(replacement.targets) ? replacement.targets : [];
  return targets.flatMap((t) => {
    const select = isJsonObject(t) && isJsonObject(t.select) ? t.select : undefined;
    return select ? [{ ...(typeof select.kind === "string" ? { kind: select.kind } : {}), ...(typeof select.name === "string" ? { name: select.name } : {}) }] : [];
  });
}

/**
 * The files kustomizations name as patches: kustomize's input, never resources (a strategic-merge patch looks like
 * the resource it patches, and would be read as a second definition of it).
 */
export function kustomizePatchFiles(files: readonly Pick<SourceFile, "path" | "text">[]): ReadonlySet<string> {
  const patchFiles = new Set<string>();
  for (const file of files) if (isKustomizationPath(file.path)) for (const patch of readKustomization(file).patches) if (patch.file) patchFiles.add(patch.file);
  return patchFiles;
}

/** `namePrefix` and `nameSuffix`, as a message names them. */
function renamesOf(fields: Readonly<Record<string, unknown>>, by: string): string[] {
  return (["namePrefix", "nameSuffix"] as const).flatMap((key) => {
    const affix = fields[key];
    return typeof affix === "string" && affix !== "" ? [`${key} ${affix} (${by})`] : [];
  });
}

/** A Flux Kustomization (kustomize.toolkit.fluxcd.io) as written: what it builds, and what it gives what it builds. */
interface FluxKustomization {
  /** `spec.path`, relative to the repository's root (Flux's, for a Kustomization whose source is this repository). */
  readonly path: string;
  readonly namespace: string | undefined;
  readonly renames: readonly string[];
  readonly name: string;
  readonly patches: readonly Patch[];
  readonly labels: readonly AddedLabel[];
  readonly substitute: FluxSubstitute | undefined;
  /** Where it is written, and `spec.path` as written (absent: the source's root). */
  readonly file: string;
  readonly docIndex: number;
  readonly writtenPath: string | undefined;
  /** `spec.sourceRef`, as `GitRepository flux-system/flux-system`: the source whose files `spec.path` names. */
  readonly source: string;
}

const FLUX_API = "kustomize.toolkit.fluxcd.io/";
const fluxRead = new WeakMap<Pick<SourceFile, "path" | "text">, readonly FluxKustomization[]>();

/**
 * The Flux Kustomizations a file holds (most files: none, found without parsing). By file object, as kustomizations
 * are: a daemon's commit searches only the files it changed.
 */
function fluxKustomizationsIn(file: Pick<SourceFile, "path" | "text">): readonly FluxKustomization[] {
  let found = fluxRead.get(file);
  if (!found) {
    found = !file.text.includes(FLUX_API) ? [] : parseYaml(file.text).documents.flatMap(({ value }, docIndex) => {
      if (!isJsonObject(value) || typeof value.apiVersion !== "string" || !value.apiVersion.startsWith(FLUX_API) || value.kind !== "Kustomization") return [];
      const spec = isJsonObject(value.spec) ? value.spec : {};
      const metadata = isJsonObject(value.metadata) ? value.metadata : {};
      const name = `Flux Kustomization ${typeof metadata.name === "string" ? metadata.name : "(no name)"}, ${file.path}`;
      const path = posix.normalize(typeof spec.path === "string" ? spec.path : ".").replace(/^\/+|\/+$/g, "") || ".";
      const namespace = typeof spec.targetNamespace === "string" && spec.targetNamespace !== "" ? spec.targetNamespace : undefined;
      const commonMetadata = isJsonObject(spec.commonMetadata) ? spec.commonMetadata : {};
      const labels = labelPairs(commonMetadata.labels, `commonMetadata.labels (${name})`);
      const writtenPath = typeof spec.path === "string" ? spec.path : undefined;
      const sourceRef = isJsonObject(spec.sourceRef) ? spec.sourceRef : {};
      const namespaceOfRef = typeof sourceRef.namespace === "string" ? sourceRef.namespace : typeof metadata.namespace === "string" ? metadata.namespace : "";
      const source = `${typeof sourceRef.kind === "string" ? sourceRef.kind : "GitRepository"} ${namespaceOfRef === "" ? "" : `${namespaceOfRef}/`}${typeof sourceRef.name === "string" ? sourceRef.name : ""}`;
      const fields = { path, namespace, renames: renamesOf(spec, name), name, patches: patchesOf(spec, ".", name), labels, substitute: substituteOf(spec.postBuild, name) };
      return [{ ...fields, file: file.path, docIndex, writtenPath, source }];
    });
    fluxRead.set(file, found);
  }
  return found;
}

/** `postBuild`'s `substitute` (string values, as Flux's schema has them) and whether it has a `substituteFrom`. */
function substituteOf(postBuild: JsonValue | undefined, by: string): FluxSubstitute | undefined {
  if (!isJsonObject(postBuild)) return undefined;
  const given = isJsonObject(postBuild.substitute) ? postBuild.substitute : {};
  const values = Object.fromEntries(Object.entries(given).filter((e): e is [string, string] => typeof e[1] === "string"));
  const fromCluster = Array.isArray(postBuild.substituteFrom) && postBuild.substituteFrom.length > 0;
  return Object.keys(values).length > 0 || fromCluster ? { values, fromCluster, by } : undefined;
}

/**
 * What a Flux Kustomization builds, as a kustomization at the root: the kustomization of its folder, else what Flux
 * generates, every file below it (a folder below with a kustomization of its own by that kustomization).
 */
function asKustomization(flux: FluxKustomization, paths: ReadonlySet<string>, byFolder: ReadonlyMap<string, Kustomization>): Kustomization {
  const under = (path: string) => flux.path === "." || path.startsWith(`${flux.path}/`);
  let entries: string[];
  if (byFolder.has(flux.path)) entries = [flux.path];
  else {
    const folders = [...byFolder.keys()].filter((folder) => under(folder));
    const outermost = folders.filter((folder) => !folders.some((other) => other !== folder && folder.startsWith(`${other}/`)));
    const inFolder = (path: string) => outermost.some((folder) => path.startsWith(`${folder}/`));
    entries = [...outermost, ...[...paths].filter((path) => under(path) && !isKustomizationPath(path) && !inFolder(path))];
  }
  return { folder: ".", name: flux.name, namespace: flux.namespace, entries, renames: flux.renames, patches: flux.patches, labels: flux.labels, ...(flux.substitute ? { substitute: flux.substitute } : {}) };
}

/** Per file: the namespaces kustomize gives its documents, each with the kustomization that gives it. */
export type GivenNamespaces = ReadonlyMap<string, ReadonlyMap<string, string>>;

/** What kustomize does to the files it builds: per file, the namespaces it gives and the renames that reach it. */
export interface KustomizeEffects {
  readonly namespaces: GivenNamespaces;
  /** Per file: each chain of namePrefix/nameSuffix that reaches it, as a message names it. */
  readonly renames: ReadonlyMap<string, ReadonlySet<string>>;
  /** Per file: the patches of every kustomization that builds it, each with the kind and name it targets. */
  readonly patches: ReadonlyMap<string, readonly TargetedPatch[]>;
  /** Per file: the labels kustomizations that build it add. */
  readonly labels: ReadonlyMap<string, readonly AddedLabel[]>;
  /** Per file: the Flux `postBuild` that substitutes into it; null when two Flux Kustomizations build it differently. */
  readonly substitutes: ReadonlyMap<string, FluxSubstitute | null>;
  /**
   * Per file no kustomization builds, in a folder with a kustomization of its own: that kustomization (what kubectl
   * apply -k, Argo CD and Flux build there, without the file).
   */
  readonly unbuilt: ReadonlyMap<string, string>;
}

/** A patch with what it targets: kustomize's selector (anchored regular expressions), or the patch's own kind and name. */
export interface TargetedPatch {
  readonly label: string;
  readonly of: string;
  readonly kind?: string;
  readonly name?: string;
}

/**
 * What kustomize does to the files of `files`, walked from every kustomization no other one builds (the roots: what
 * Argo CD and Flux are pointed at). A file two roots reach with different namespaces has both.
 */
export function kustomizeEffects(files: readonly Pick<SourceFile, "path" | "text">[]): KustomizeEffects {
  const byFolder = new Map<string, Kustomization>();
  for (const file of files) if (isKustomizationPath(file.path)) byFolder.set(posix.dirname(file.path), readKustomization(file));
  const flux = files.flatMap(fluxKustomizationsIn);
  if (byFolder.size === 0 && flux.length === 0) return NO_EFFECTS;
  const paths = new Set(files.map((f) => f.path));
  const texts = new Map(files.map((f) => [f.path, f.text]));
  const targeted = (patch: Patch): TargetedPatch[] => {
    const named = { label: patch.label, of: patch.of };
    if (patch.target) return [{ ...named, ...patch.target }];
    // A strategic-merge patch names what it patches as a resource would.
    const text = patch.text ?? (patch.file !== undefined ? texts.get(patch.file) : undefined);
    return (text === undefined ? [] : parseYaml(text).documents).flatMap(({ value }) => {
      // A file of replacements: what their targets select.
      if (Array.isArray(value)) return value.flatMap((r) => (isJsonObject(r) ? replacementTargets(r).map((target) => ({ ...named, ...target })) : []));
      const metadata = isJsonObject(value) && isJsonObject(value.metadata) ? value.metadata : undefined;
      if (!isJsonObject(value) || typeof value.kind !== "string" || typeof metadata?.name !== "string") return [];
      return [{ ...named, kind: escapeRegExp(value.kind), name: escapeRegExp(metadata.name) }];
    });
  };
  /** An entry's file or folder kustomization; undefined for what is not here (remote bases, files outside --path). */
  const resolve = (from: Kustomization, entry: string): { file: string } | { kustomization: Kustomization } | undefined => {
    const target = posix.normalize(posix.join(from.folder, entry)).replace(/\/$/, "");
    if (paths.has(target)) return { file: target };
    const kustomization = byFolder.get(target);
    return kustomization ? { kustomization } : undefined;
  };
  const built = new Set<Kustomization>();
  for (const k of byFolder.values()) for (const entry of k.entries) {
    const found = resolve(k, entry);
    if (found && "kustomization" in found) built.add(found.kustomization);
  }
  const given = new Map<string, Map<string, string>>();
  const renamed = new Map<string, Set<string>>();
  const patched = new Map<string, TargetedPatch[]>();
  const labelled = new Map<string, AddedLabel[]>();
  const substituted = new Map<string, FluxSubstitute | null>();
  const reached = new Set<string>();
  const addTo = <T>(map: Map<string, T[]>, file: string, items: readonly T[]): void => {
    const forFile = map.get(file) ?? [];
    map.set(file, forFile);
    for (const item of items) if (!forFile.includes(item)) forFile.push(item);
  };
  /** What `k`'s own transformers add to `outer`. */
  const within = (k: Kustomization, outer: Around): Around => ({
    // The outer namespace wins: kustomize applies the inner one first, then the outer over it.
    namespace: outer.namespace ?? (k.namespace !== undefined ? { name: k.namespace, by: k.name } : undefined),
    // Prefixes, suffixes, patches and labels add up, the inner ones applied first.
    renames: k.renames.length > 0 ? [...k.renames, ...outer.renames] : outer.renames,
    patches: k.patches.length > 0 ? [...k.patches.flatMap(targeted), ...outer.patches] : outer.patches,
    labels: k.labels.length > 0 ? [...k.labels, ...outer.labels] : outer.labels,
    // Only a Flux Kustomization has one, and it is always the outermost.
    substitute: outer.substitute ?? k.substitute,
  });
  /** `transformed`: `k` is a component whose transformers `outer` already holds (they reach all its parent builds). */
  const walk = (k: Kustomization, outer: Around, seen: Set<Kustomization>, transformed = false): void => {
    if (seen.has(k)) return; // kustomize refuses a cycle; here it only ends the walk
    seen.add(k);
    // kustomize runs each component, in order, over all that `k` has built so far, before `k`'s own transformers.
    const components = (k.components ?? []).flatMap((entry) => {
      const found = resolve(k, entry);
      return found && "kustomization" in found ? [found.kustomization] : [];
    });
    const around = components.reduceRight((inner, c) => within(c, inner), transformed ? outer : within(k, outer));
    for (const entry of k.entries) {
      const found = resolve(k, entry);
      if (!found) continue;
      if ("kustomization" in found) {
        walk(found.kustomization, around, seen, components.includes(found.kustomization));
        continue;
      }
      reached.add(found.file);
      if (around.namespace) {
        const forFile = given.get(found.file) ?? new Map<string, string>();
        given.set(found.file, forFile);
        if (!forFile.has(around.namespace.name)) forFile.set(around.namespace.name, around.namespace.by);
      }
      if (around.renames.length > 0) {
        const forFile = renamed.get(found.file) ?? new Set<string>();
        renamed.set(found.file, forFile);
        forFile.add(around.renames.join(", "));
      }
      if (around.patches.length > 0) addTo(patched, found.file, around.patches);
      if (around.labels.length > 0) addTo(labelled, found.file, around.labels);
      if (around.substitute) {
        const before = substituted.get(found.file);
        substituted.set(found.file, before === undefined || before === around.substitute ? around.substitute : null);
      }
    }
    seen.delete(k);
  };
  // A folder a Flux Kustomization builds is what Flux applies: its kustomization is no root of its own.
  const fluxRoots = flux.map((f) => asKustomization(f, paths, byFolder));
  for (const root of fluxRoots) for (const entry of root.entries) {
    const found = resolve(root, entry);
    if (found && "kustomization" in found) built.add(found.kustomization);
  }
  for (const k of [...fluxRoots, ...byFolder.values()]) if (!built.has(k)) walk(k, NOTHING_AROUND, new Set());
  // Only beside a kustomization: a folder without one may be applied as it is (an Argo CD application or a Flux
  // Kustomization of its own path), whatever a kustomization elsewhere takes from it (`../common/a.yaml`).
  const unbuilt = new Map<string, string>();
  for (const { path } of files) {
    if (reached.has(path) || isKustomizationPath(path)) continue;
    const beside = byFolder.get(posix.dirname(path));
    if (beside) unbuilt.set(path, beside.name);
  }
  return { namespaces: given, renames: renamed, patches: patched, labels: labelled, substitutes: substituted, unbuilt };
}

/** What the kustomizations around a file (those that build it) do to it. */
interface Around {
  readonly namespace: { readonly name: string; readonly by: string } | undefined;
  readonly renames: readonly string[];
  readonly patches: readonly TargetedPatch[];
  readonly labels: readonly AddedLabel[];
  readonly substitute: FluxSubstitute | undefined;
}

const NOTHING_AROUND: Around = { namespace: undefined, renames: [], patches: [], labels: [], substitute: undefined };
const NO_EFFECTS: KustomizeEffects = { namespaces: new Map(), renames: new Map(), patches: new Map(), labels: new Map(), substitutes: new Map(), unbuilt: new Map() };

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Why `kustomize build` (or Flux) cannot use an entry as it is here, or why meshops cannot read what it names. */
export interface EntryFinding {
  /** The kustomization's file, and the document in it (a Flux Kustomization's). */
  readonly file: string;
  readonly docIndex: number;
  readonly field: PathSegments;
  readonly entry: string;
  /** The entry, repository-relative (as written for a remote one). */
  readonly target: string;
  readonly problem:
    | "remote" // a Git repository or URL: never read here
    | "outside-read" // in the repository, outside the folder meshops reads
    | "outside-repository"
    | "absolute"
    | "missing"
    | "no-kustomization" // a folder kustomize would build, without a kustomization
    | "not-a-folder" // a component that is a file
    | "not-a-file" // a patch or replacement file that is a folder
    | "flux-missing" // a Flux Kustomization's spec.path, its source this repository
    | "flux-unknown" // the same, from a source not known to be this repository
    | "cycle"; // a base at or above a folder kustomize is building (`visited`)
  /** A Flux Kustomization's source (`GitRepository flux-system/flux-system`). */
  readonly source?: string;
  /** For a cycle: the folder being built that the base is, or contains. */
  readonly visited?: string;
}

/**
 * Whether `target`, which no listed path is at or below, is below one that is listed as a file: only a symbolic link
 * (to a folder) or a submodule has paths below it, which Git does not list, so what is there is not known here.
 */
function belowLinkOrSubmodule(target: string, paths: ReadonlySet<string>): boolean {
  for (let at = target.lastIndexOf("/"); at > 0; at = target.lastIndexOf("/", at - 1)) if (paths.has(target.slice(0, at))) return true;
  return false;
}

/** The file names kustomize takes for a folder's kustomization. */
const KUSTOMIZATION_NAMES = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/** The folders holding `paths`, by set: a daemon's commits mostly share the previous one's. */
const foldersRead = new WeakMap<ReadonlySet<string>, ReadonlySet<string>>();

function foldersOf(paths: ReadonlySet<string>): ReadonlySet<string> {
  let folders = foldersRead.get(paths);
  if (!folders) {
    const found = new Set<string>(["."]);
    for (const path of paths) for (let at = path.lastIndexOf("/"); at > 0; at = path.lastIndexOf("/", at - 1)) {
      const folder = path.slice(0, at);
      if (found.has(folder)) break;
      found.add(folder);
    }
    folders = found;
    foldersRead.set(paths, folders);
  }
  return folders;
}

/**
 * Every entry of the kustomizations among `files` that kustomize build cannot load from a clone of this repository,
 * or that meshops does not read (a remote base, a folder outside `root`), and each Flux Kustomization whose
 * `spec.path` is not a folder here. `paths`: every path below `root` (Snapshot.paths). Pure.
 */
export function kustomizeEntryFindings(files: readonly Pick<SourceFile, "path" | "text">[], root: string, paths: ReadonlySet<string>): EntryFinding[] {
  const findings: EntryFinding[] = [];
  const kustomizations = files.filter((f) => isKustomizationPath(f.path));
  const flux = files.flatMap(fluxKustomizationsIn);
  if (kustomizations.length === 0 && flux.length === 0) return findings;
  const folders = foldersOf(paths);
  const underRoot = (path: string) => isUnder(root, path);
  const hasKustomization = (folder: string) => KUSTOMIZATION_NAMES.some((name) => paths.has(folder === "." ? name : `${folder}/${name}`));
  for (const file of kustomizations) {
    const kustomization = readKustomization(file);
    for (const { field, entry, wants } of kustomization.listed ?? []) {
      const at = { file: file.path, docIndex: 0, field, entry };
      if (isRemoteFile(entry) || (wants !== "file" && isRemoteRepository(entry))) {
        findings.push({ ...at, target: entry, problem: "remote" });
        continue;
      }
      if (entry.startsWith("/")) {
        findings.push({ ...at, target: entry, problem: "absolute" });
        continue;
      }
      const target = posix.normalize(posix.join(kustomization.folder, entry)).replace(/\/+$/, "") || ".";
      const problem =
        target === ".." || target.startsWith("../")
          ? "outside-repository"
          : !underRoot(target)
            ? "outside-read"
            : paths.has(target)
              ? wants === "component" ? "not-a-folder" : undefined
              : !folders.has(target)
                ? belowLinkOrSubmodule(target, paths) ? undefined : "missing"
                : wants === "file" ? "not-a-file" : hasKustomization(target) ? undefined : "no-kustomization";
      if (problem) findings.push({ ...at, target, problem });
    }
  }
  findings.push(...cycleFindings(kustomizations));
  // A Flux Kustomization's path is in its source's files: a source that has another's path here is this repository.
  const present = (k: FluxKustomization) => !underRoot(k.path) || folders.has(k.path) || belowLinkOrSubmodule(k.path, paths);
  const thisRepository = new Set(flux.filter((k) => underRoot(k.path) && folders.has(k.path)).map((k) => k.source));
  for (const k of flux) {
    if (present(k) || k.path === ".." || k.path.startsWith("../")) continue;
    const problem = thisRepository.has(k.source) ? "flux-missing" : "flux-unknown";
    findings.push({ file: k.file, docIndex: k.docIndex, field: ["spec", "path"], entry: k.writtenPath ?? "", target: k.path, problem, source: k.source });
  }
  return findings;
}

/** Kustomizations visited per search for cycles at most: a pathological graph ends the search, never validation. */
const MAX_CYCLE_STEPS = 100_000;

/**
 * The bases kustomize refuses as cycles (fileloader.go's errIfArgEqualOrHigher): a folder entry of `resources`, `bases`
 * or `components` at or above any folder on the way from where the build started. Every kustomization is taken as a
 * place a build may start (what Argo CD or Flux is pointed at is not known here); each entry is said once.
 */
function cycleFindings(kustomizations: readonly Pick<SourceFile, "path" | "text">[]): EntryFinding[] {
  const byFolder = new Map(kustomizations.map((file) => [posix.dirname(file.path), { file: file.path, kustomization: readKustomization(file) }]));
  const found = new Map<string, EntryFinding>();
  let steps = 0;
  const visit = (at: { file: string; kustomization: Kustomization }, building: readonly string[]): void => {
    if (++steps > MAX_CYCLE_STEPS) return;
    for (const { field, entry, wants } of at.kustomization.listed ?? []) {
      if (wants === "file" || entry.startsWith("/") || isRemoteFile(entry)) continue;
      const target = posix.normalize(posix.join(at.kustomization.folder, entry)).replace(/\/+$/, "") || ".";
      const base = byFolder.get(target);
      if (!base) continue; // a file, a remote base, or what kustomizeEntryFindings reports as missing
      const visited = building.find((folder) => folder === target || target === "." || folder.startsWith(`${target}/`));
      if (visited !== undefined) {
        const key = `${at.file}\0${field.join("\0")}`;
        if (!found.has(key)) found.set(key, { file: at.file, docIndex: 0, field, entry, target, problem: "cycle", visited });
        continue;
      }
      visit(base, [...building, target]);
    }
  };
  for (const start of byFolder.values()) visit(start, [start.kustomization.folder]);
  return [...found.values()];
}
