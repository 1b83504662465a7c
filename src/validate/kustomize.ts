/**
 * kustomize beside the mesh YAML. Argo CD and Flux build a folder with a `kustomization.yaml` through kustomize, whose
 * `namespace:` moves every namespaced object it reaches (through `resources:`, `bases:` and `components:`, folders
 * with a kustomization of their own included) into that namespace, over what the document says; the outermost
 * kustomization that sets one wins. meshops reads documents as written, so a namespace only kustomize gives would make
 * meshops see another resource than the control plane gets (`ledger-retries`, not `ledger-retries.payments`): said
 * here, one warning per document, at the document. Pure.
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
  readonly path: string;
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
  const renames = (["namePrefix", "nameSuffix"] as const).flatMap((key) => {
    const affix = fields[key];
    return typeof affix === "string" && affix !== "" ? [`${key} ${affix} (${file.path})`] : [];
  });
  return { path: file.path, namespace, entries, renames };
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
  if (byFolder.size === 0) return { namespaces: new Map(), renames: new Map() };
  const paths = new Set(files.map((f) => f.path));
  /** An entry's file or folder kustomization; undefined for what is not here (remote bases, files outside --path). */
  const resolve = (from: Kustomization, entry: string): { file: string } | { kustomization: Kustomization } | undefined => {
    const target = posix.normalize(posix.join(posix.dirname(from.path), entry)).replace(/\/$/, "");
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
    const [ns, by] = namespace !== undefined ? [namespace, giver] : [k.namespace, k.namespace !== undefined ? k.path : undefined];
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
  for (const k of byFolder.values()) if (!built.has(k)) walk(k, undefined, undefined, [], new Set());
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
