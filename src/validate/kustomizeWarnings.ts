/**
 * What meshops says of the documents kustomize (or Flux) changes on the way to the control plane and meshops reads as
 * written (kustomize.ts works out which): one warning per document, at the document. Pure.
 */
import { boundedMessage, type Diagnostic } from "../model/diagnostic.js";
import { subjectOf } from "../model/key.js";
import { isJsonObject, type Resource } from "../model/resource.js";
import { kubernetesNameOf, namespaceOf, webhookNamespaceRefusal } from "../kuma/naming.js";
import { secretNamespaceRule } from "../kuma/secrets.js";
import { isClusterScoped, isSecretType } from "../kuma/types.js";
import type { Locator } from "../parse/locate.js";
import type { EntryFinding, GivenNamespaces, KustomizeEffects } from "./kustomize.js";
import { formatPath } from "../model/fieldPath.js";

/** kustomize's selector match: the expression anchored at both ends; one that does not compile is compared as written. */
function selects(pattern: string | undefined, value: string): boolean {
  if (pattern === undefined) return true;
  try {
    return new RegExp(`^(?:${pattern})$`).test(value);
  } catch {
    return pattern === value;
  }
}

/**
 * One warning per Kubernetes document a kustomization's patch targets: the control plane gets the patched values,
 * meshops compares the document as written.
 */
export function kustomizePatchWarnings(patches: KustomizeEffects["patches"], resourcesOf: (path: string) => readonly Resource[]): Diagnostic[] {
  const warnings: Diagnostic[] = [];
  for (const [file, candidates] of patches) {
    for (const resource of resourcesOf(file)) {
      const source = resource.source;
      if (!source || source.format !== "kubernetes") continue;
      const name = writtenName(resource);
      const matching = candidates.filter((p) => selects(p.kind, resource.type) && selects(p.name, name));
      if (matching.length === 0) continue;
      const byKustomization = new Map<string, string[]>();
      for (const p of matching) byKustomization.set(p.of, [...(byKustomization.get(p.of) ?? []), p.label]);
      const by = [...byKustomization].map(([of, labels]) => `${[...new Set(labels)].join(" and ")} of ${of}`).join("; ");
      const message = `kustomize patches this document (${by}), which meshops does not apply: it reads documents as written, so the control plane gets other values than meshops compares; render the overlay (kustomize build) into a folder of its own for meshops`;
      warnings.push({ severity: "warning", file: source.file, line: source.line, column: source.column, resource: subjectOf(resource), path: "", message: boundedMessage(message), rule: "kustomize-patch" });
    }
  }
  return warnings;
}

/**
 * One warning per Kubernetes document a kustomization adds labels to that it does not have with that value: the
 * control plane's copy has them, the document not, so drift would show them.
 */
export function kustomizeLabelWarnings(labels: KustomizeEffects["labels"], resourcesOf: (path: string) => readonly Resource[], locator: Locator): Diagnostic[] {
  const warnings: Diagnostic[] = [];
  for (const [file, added] of labels) {
    for (const resource of resourcesOf(file)) {
      const source = resource.source;
      if (!source || source.format !== "kubernetes") continue;
      const own = isJsonObject(resource.object.labels) ? resource.object.labels : {};
      // The outer kustomization's value wins for a key both set: the last one listed.
      const final = new Map(added.map((label) => [label.key, label]));
      const missing = [...final.values()].filter((label) => own[label.key] !== label.value);
      if (missing.length === 0) continue;
      const listed = missing.map((label) => `${label.key}: ${label.value} by ${label.by}`).join(", ");
      const message = `kustomize adds labels this document does not have (${listed}), which meshops does not apply: it reads documents as written, so drift would show them on the control plane's copy; write them in the document, or render the overlay (kustomize build) into a folder of its own for meshops`;
      const at = locator.locate(source.file, source.docIndex, ["metadata", "labels"]) ?? source;
      warnings.push({ severity: "warning", file: source.file, line: at.line, column: at.column, resource: subjectOf(resource), path: "metadata.labels", message: boundedMessage(message), rule: "kustomize-labels" });
    }
  }
  return warnings;
}

/**
 * One warning per mesh resource in a file no kustomization builds, in a folder kustomize builds (a file left out of
 * `resources:`): the tools that deploy the folder never apply it, while meshops plans it, so it would stay a create.
 */
export function kustomizeUnbuiltWarnings(unbuilt: KustomizeEffects["unbuilt"], resourcesOf: (path: string) => readonly Resource[]): Diagnostic[] {
  const warnings: Diagnostic[] = [];
  for (const [file, kustomization] of unbuilt) {
    for (const resource of resourcesOf(file)) {
      const source = resource.source;
      if (!source) continue;
      const message = `no kustomization builds this file, and kustomize builds its folder from ${kustomization}: kubectl apply -k, Argo CD and Flux never apply it, while meshops plans and applies it; list it in that kustomization's resources, or exclude it in meshops.yaml`;
      warnings.push({ severity: "warning", file: source.file, line: source.line, column: source.column, resource: subjectOf(resource), path: "", message: boundedMessage(message), rule: "kustomize-unbuilt" });
    }
  }
  return warnings;
}

/** `metadata.name` as the document wrote it (a namespaced resource's API name carries its namespace after a dot). */
function writtenName(resource: Resource): string {
  return kubernetesNameOf(resource.object)?.name ?? resource.name;
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
      warnings.push({ severity: "warning", file: source.file, line: at.line, column: at.column, resource: subject, path: "metadata.name", message: boundedMessage(message), rule: "kustomize-name" });
    }
  }
  return warnings;
}

/** Where the control plane takes Kubernetes documents: its system namespace(s), and which others by its mode. */
export interface NamespaceTarget {
  readonly systemNamespaces: readonly string[];
  readonly mode: string;
}

/**
 * One warning per Kubernetes document of a namespaced Kuma kind whose namespace, as written, is not the one kustomize
 * gives it; an error where the namespace given is one the control plane refuses the document in (the admission
 * webhook's rule) or never reads it from (a Kuma Secret outside the system namespace), since kustomize's `namespace:`
 * wins over what the document writes. `resourcesOf(path)`: the resources read from that file.
 */
export function kustomizeNamespaceWarnings(given: GivenNamespaces, resourcesOf: (path: string) => readonly Resource[], locator: Locator, target: NamespaceTarget): Diagnostic[] {
  const warnings: Diagnostic[] = [];
  for (const [file, namespaces] of given) {
    for (const resource of resourcesOf(file)) {
      const source = resource.source;
      if (!source || source.format !== "kubernetes" || isClusterScoped(resource.type)) continue;
      const written = namespaceOf(resource.object);
      const at = (written !== undefined ? locator.locate(source.file, source.docIndex, ["metadata", "namespace"]) : undefined) ?? source;
      const givers = [...namespaces].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([ns, by]) => `${ns} (${by})`);
      const refused = refusedNamespace(resource.type, [...namespaces.keys()].sort(), target);
      if (refused) {
        const given = givers.find((giver) => giver.startsWith(`${refused.namespace} (`)) ?? refused.namespace;
        const message = `kustomize gives this document namespace ${given}, ${refused.why}; move the document to a kustomization that gives it ${target.systemNamespaces.join(" or ")} or no namespace`;
        warnings.push({ severity: "error", file: source.file, line: at.line, column: at.column, resource: subjectOf(resource), path: "metadata.namespace", message: boundedMessage(message), rule: "kustomize-namespace" });
        continue;
      }
      // A Secret's name carries no namespace: meshops' name for it is the control plane's wherever it is written.
      if (isSecretType(resource.type) || (namespaces.size === 1 && namespaces.has(written ?? ""))) continue;
      const subject = subjectOf(resource);
      const plainName = writtenName(resource);
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
      warnings.push({ severity: "warning", file: source.file, line: at.line, column: at.column, resource: subject, path: "metadata.namespace", message: boundedMessage(message), rule: "kustomize-namespace" });
    }
  }
  return warnings;
}

/** The first of `namespaces` where the control plane refuses a document of `typeName`, or never reads it, and why. */
function refusedNamespace(typeName: string, namespaces: readonly string[], target: NamespaceTarget): { namespace: string; why: string } | undefined {
  for (const namespace of namespaces) {
    if (isSecretType(typeName)) {
      if (!target.systemNamespaces.includes(namespace)) return { namespace, why: `where the control plane never reads it: it ${secretNamespaceRule(typeName, target.systemNamespaces)}` };
      continue;
    }
    const refusal = webhookNamespaceRefusal(typeName, namespace, target.systemNamespaces, target.mode);
    if (refusal) return { namespace, why: `where the control plane refuses it: ${refusal}` };
  }
  return undefined;
}

const BUILD_FAILS = "kustomize build fails (kubectl apply -k, Argo CD, Flux)";

/** What meshops says of each entry kustomize cannot load from a clone of the repository, or meshops does not read. */
function entryMessage(finding: EntryFinding, root: string): { severity: "error" | "warning"; rule: string; message: string } {
  const { entry, target } = finding;
  const error = (message: string) => ({ severity: "error" as const, rule: "kustomize-missing", message });
  const notRead = (message: string) => ({ severity: "warning" as const, rule: "kustomize-not-read", message });
  switch (finding.problem) {
    case "remote":
      return notRead(`${entry} is not read: meshops validates this repository only, so what kustomize adds from it is not checked; render the overlay (kustomize build) into a folder of its own for meshops`);
    case "outside-read":
      return notRead(`${entry} (${target}) is not read: it is outside the folder meshops reads (${root}), so what kustomize adds from it is not checked`);
    case "outside-repository":
      return error(`${entry} is outside the repository: ${BUILD_FAILS} from a clone of it`);
    case "absolute":
      return error(`${entry} is an absolute path, which a clone of the repository does not have: ${BUILD_FAILS}`);
    case "missing": {
      // kustomize clones only what has a scheme, a user or github.com: `gitlab.com/org/repo` is a path to it.
      const host = /^[a-z0-9-]+(\.[a-z0-9-]+)+\//i.test(entry) ? "; a remote base needs its scheme (https://...), which kustomize assumes for github.com only" : "";
      return error(`${entry}: the repository has no file or folder ${target}: ${BUILD_FAILS}${host}`);
    }
    case "no-kustomization":
      return error(`${entry}: the folder ${target} has no kustomization.yaml: ${BUILD_FAILS}`);
    case "not-a-folder":
      return error(`${entry}: ${target} is a file, and a component is a folder with a kustomization: ${BUILD_FAILS}`);
    case "not-a-file":
      return error(`${entry}: ${target} is a folder, not a file: ${BUILD_FAILS}`);
    case "cycle":
      return {
        severity: "error",
        rule: "kustomize-cycle",
        message: `${entry}: kustomize refuses a base at or above a folder it is building (${target} contains ${finding.visited ?? target}: "cycle detected"): ${BUILD_FAILS}`,
      };
    case "flux-missing":
      return error(`spec.path ${entry}: the repository has no folder ${target}, so Flux cannot build this Kustomization ("kustomization path not found")`);
    case "flux-unknown":
      return notRead(
        `spec.path ${entry}: this repository has no folder ${target}: not read; if its source (${finding.source ?? ""}) is this repository, Flux cannot build this Kustomization ("kustomization path not found")`,
      );
  }
}

/**
 * One diagnostic per kustomization entry kustomize build cannot load (an error: the overlay does not build, whatever
 * meshops makes of its documents) or that names what meshops does not read (a warning: its documents are not
 * checked), at the entry (`resources[2]`, `patches[0].path`, a Flux Kustomization's `spec.path`).
 */
export function kustomizeEntryDiagnostics(findings: readonly EntryFinding[], root: string, locator: Locator): Diagnostic[] {
  return findings.map((finding) => {
    const { severity, rule, message } = entryMessage(finding, root);
    const at = locator.locate(finding.file, finding.docIndex, finding.field) ?? { line: 1, column: 1 };
    return { severity, file: finding.file, line: at.line, column: at.column, resource: "", path: formatPath(finding.field), message: boundedMessage(message), rule };
  });
}
