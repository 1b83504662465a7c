/**
 * kustomize beside the mesh YAML. Argo CD and Flux build a folder with a `kustomization.yaml` through kustomize, whose
 * `namespace:` moves every namespaced object it reaches (through `resources:`, `bases:` and `components:`, folders
 * with a kustomization of their own included) into that namespace, over what the document says; the outermost
 * kustomization that sets one wins. meshops reads documents as written, so a namespace only kustomize gives would make
 * meshops see another resource than the control plane gets (`ledger-retries`, not `ledger-retries.payments`): said
 * here, one warning per document, at the document. A Flux Kustomization in the repository builds its `spec.path` the
 * same way (that folder's kustomization, or every file below it) and its `targetNamespace`, `namePrefix` and
 * `nameSuffix` act as an outermost kustomization's. Pure.
 */
import { posix } from "node:path";
import type { Diagnostic } from "../model/diagnostic.js";
import { subjectOf } from "../model/key.js";
import { isJsonObject, type Resource } from "../model/resource.js";
import { NAMESPACE_LABEL } from "../kuma/naming.js";
import { isClusterScoped, isSecretType } from "../kuma/types.js";
import { parseYaml } from "../parse/documents.js";
import type { Locator } from "../parse/locate.js";
import type { SourceFile } from "../source/types.js";

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
  /** Its `namePrefix` and `nameSuffix`, as they read in a message (`namePrefix prod- (apps/prod/kustomization.yaml)`). */
  readonly renames: readonly string[];
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
  return { folder: posix.dirname(file.path), name: file.path, namespace, entries, renames: renamesOf(fields, file.path) };
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
    found = !file.text.includes(FLUX_API) ? [] : parseYaml(file.text).documents.flatMap(({ value }) => {
      if (!isJsonObject(value) || typeof value.apiVersion !== "string" || !value.apiVersion.startsWith(FLUX_API) || value.kind !== "Kustomization") return [];
      const spec = isJsonObject(value.spec) ? value.spec : {};
      const metadata = isJsonObject(value.metadata) ? value.metadata : {};
      const name = `Flux Kustomization ${typeof metadata.name === "string" ? metadata.name : "(no name)"}, ${file.path}`;
      const path = posix.normalize(typeof spec.path === "string" ? spec.path : ".").replace(/^\/+|\/+$/g, "") || ".";
      const namespace = typeof spec.targetNamespace === "string" && spec.targetNamespace !== "" ? spec.targetNamespace : undefined;
      return [{ path, namespace, renames: renamesOf(spec, name), name }];
    });
    fluxRead.set(file, found);
  }
  return found;
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
  return { folder: ".", name: flux.name, namespace: flux.namespace, entries, renames: flux.renames };
}

/** Per file: the namespaces kustomize gives its documents, each with the kustomization that gives it. */
export type GivenNamespaces = ReadonlyMap<string, ReadonlyMap<string, string>>;

/** What kustomize does to the files it builds: per file, the namespaces it gives and the renames that reach it. */
export interface KustomizeEffects {
  readonly namespaces: GivenNamespaces;
  /** Per file: each chain of namePrefix/nameSuffix that reaches it, as a message names it. */
  readonly renames: ReadonlyMap<string, ReadonlySet<string>>;
}

/**
 * What kustomize does to the files of `files`, walked from every kustomization no other one builds (the roots: what
 * Argo CD and Flux are pointed at). A file two roots reach with different namespaces has both.
 */
export function kustomizeEffects(files: readonly Pick<SourceFile, "path" | "text">[]): KustomizeEffects {
  const byFolder = new Map<string, Kustomization>();
  for (const file of files) if (isKustomizationPath(file.path)) byFolder.set(posix.dirname(file.path), readKustomization(file));
  const flux = files.flatMap(fluxKustomizationsIn);
  if (byFolder.size === 0 && flux.length === 0) return { namespaces: new Map(), renames: new Map() };
  const paths = new Set(files.map((f) => f.path));
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
  const walk = (k: Kustomization, namespace: string | undefined, giver: string | undefined, renames: readonly string[], seen: Set<Kustomization>): void => {
    if (seen.has(k)) return; // kustomize refuses a cycle; here it only ends the walk
    seen.add(k);
    // The outer namespace wins: kustomize applies the inner one first, then the outer over it.
    const [ns, by] = namespace !== undefined ? [namespace, giver] : [k.namespace, k.namespace !== undefined ? k.name : undefined];
    // Prefixes and suffixes add up, the inner ones applied first.
    const affixes = k.renames.length > 0 ? [...k.renames, ...renames] : renames;
    for (const entry of k.entries) {
      const found = resolve(k, entry);
      if (!found) continue;
      if ("kustomization" in found) {
        walk(found.kustomization, ns, by, affixes, seen);
        continue;
      }
      if (ns !== undefined && by !== undefined) {
        const forFile = given.get(found.file) ?? new Map<string, string>();
        given.set(found.file, forFile);
        if (!forFile.has(ns)) forFile.set(ns, by);
      }
      if (affixes.length > 0) {
        const forFile = renamed.get(found.file) ?? new Set<string>();
        renamed.set(found.file, forFile);
        forFile.add(affixes.join(", "));
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
  for (const k of [...fluxRoots, ...byFolder.values()]) if (!built.has(k)) walk(k, undefined, undefined, [], new Set());
  return { namespaces: given, renames: renamed };
}

/**
 * One warning per Kubernetes document a kustomization renames (namePrefix, nameSuffix): meshops sees another name
 * than the control plane gets, and a renamed Mesh leaves every `kuma.io/mesh` label pointing at the old one.
 */
export function kustomizeRenameWarnings(renames: KustomizeEffects["renames"], resourcesOf: (path: string) => readonly Resource[], locator: Locator): Diagnostic[] {
  const warnings: Diagnostic[] = [];
  for (const [file, chains] of renames) {
    const by = [...chains].sort().join("; or ");
    for (const resource of resourcesOf(file)) {
      const source = resource.source;
      if (!source || source.format !== "kubernetes") continue;
      const subject = subjectOf(resource);
      const message = `kustomize renames this document (${by}), which meshops does not apply: it reads documents as written, so this is ${subject}; render the overlay (kustomize build) into a folder of its own for meshops`;
      const at = locator.locate(source.file, source.docIndex, ["metadata", "name"]) ?? source;
      warnings.push({ severity: "warning", file: source.file, line: at.line, column: at.column, resource: subject, path: "metadata.name", message, rule: "kustomize-name" });
    }
  }
  return warnings;
}

/**
 * One warning per Kubernetes document of a namespaced Kuma kind whose namespace, as written, is not the one kustomize
 * gives it. `resourcesOf(path)`: the resources read from that file.
 */
export function kustomizeNamespaceWarnings(given: GivenNamespaces, resourcesOf: (path: string) => readonly Resource[], locator: Locator): Diagnostic[] {
  const warnings: Diagnostic[] = [];
  for (const [file, namespaces] of given) {
    for (const resource of resourcesOf(file)) {
      const source = resource.source;
      if (!source || source.format !== "kubernetes" || isClusterScoped(resource.type) || isSecretType(resource.type)) continue;
      const labels = isJsonObject(resource.object.labels) ? resource.object.labels : {};
      const written = typeof labels[NAMESPACE_LABEL] === "string" ? (labels[NAMESPACE_LABEL] as string) : undefined;
      if (namespaces.size === 1 && namespaces.has(written ?? "")) continue;
      const subject = subjectOf(resource);
      const plainName = written === undefined ? resource.name : resource.name.slice(0, -(written.length + 1));
      const givers = [...namespaces].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([ns, by]) => `${ns} (${by})`);
      let message: string;
      if (namespaces.size > 1) {
        message =
          `kustomize gives this document namespace ${givers.join(" and ")}, which meshops does not apply: it reads documents as written, so this is ${subject}; ` +
          "a base shared by overlays is one resource here: render each overlay (kustomize build) into a folder of its own for meshops";
      } else {
        const [namespace] = namespaces.keys() as IterableIterator<string>;
        message =
          written === undefined
            ? `kustomize gives this document namespace ${givers[0]}, which meshops does not apply: it reads documents as written, so this is ${subject}, not ${plainName}.${namespace}; write metadata.namespace: ${namespace}, or give the folder its namespace in meshops.yaml (namespaces)`
            : `kustomize gives this document namespace ${givers[0]} over its namespace ${written}, which meshops keeps: this is ${subject}, not ${plainName}.${namespace}; write metadata.namespace: ${namespace}`;
      }
      const at = (written !== undefined ? locator.locate(source.file, source.docIndex, ["metadata", "namespace"]) : undefined) ?? source;
      warnings.push({ severity: "warning", file: source.file, line: at.line, column: at.column, resource: subject, path: "metadata.namespace", message, rule: "kustomize-namespace" });
    }
  }
  return warnings;
}
