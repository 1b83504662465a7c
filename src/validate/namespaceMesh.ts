/**
 * A Namespace labelled (or annotated) `kuma.io/mesh` puts the Pods in it into that mesh (Kuma's
 * MeshOfByLabelOrAnnotation), not its policies: a namespaced policy's mesh is its own `kuma.io/mesh` label, or
 * `default` without one (the mutating webhook computes the label from `GetMesh()`, go-v2.14.3
 * pkg/plugins/runtime/k8s/webhooks/defaulter.go). A policy without the label in such a namespace is almost surely
 * meant for the namespace's mesh, and lands in `default`: a warning at its labels.
 *
 * A policy's namespace is the one kustomize's `namespace:` or a Flux Kustomization's `targetNamespace` gives its file
 * (kustomize.ts works them out), over what it writes; a Namespace document's name too, as kustomize sets it. Two Namespace documents of one name that name different meshes
 * are a warning too: applied to one cluster, the last applied wins, so the Pods' mesh depends on the order; a policy's
 * warning in such a namespace names every mesh and suggests none.
 *
 * Namespaces and policies may be in different files: each file's analysis keeps what it has of either (pure, cached
 * with it), and the warnings are worked out across files, again only when one of those lists (or the namespaces
 * kustomize gives) changed.
 */
import type { Diagnostic } from "../model/diagnostic.js";
import { boundedMessage } from "../model/diagnostic.js";
import { subjectOf } from "../model/key.js";
import { isJsonObject as isObject, type JsonObject, type JsonValue, type Resource, type SourceRef } from "../model/resource.js";
import { DEFAULT_MESH, MESH_LABEL, isClusterScoped, isGlobalType, isPolicyType, isSecretType } from "../kuma/types.js";
import { NAMESPACE_LABEL } from "../kuma/naming.js";
import type { Locator } from "../parse/locate.js";
import { formatPath, type PathSegments } from "../model/fieldPath.js";
import type { GivenNamespaces } from "./kustomize.js";

export const NAMESPACE_MESH_RULE = "namespace-mesh";
export const NAMESPACE_MESH_CONFLICT_RULE = "namespace-mesh-conflict";
/** Kuma reads it as enabled when `enabled` or `true` (metadata.Annotations.GetEnabled). */
const SIDECAR_INJECTION_LABEL = "kuma.io/sidecar-injection";

/** A Namespace document and the mesh it puts its Pods in (`default` when it names none), where it is written. */
export interface NamespaceMesh {
  readonly namespace: string;
  readonly mesh: string;
  /** Absent when neither its labels nor its annotations name a mesh. */
  readonly how: "labelled" | "annotated" | undefined;
  /** Whether its `kuma.io/sidecar-injection` label is on: what makes its Services' MeshServices (kubernetesServices.ts). */
  readonly injected: boolean;
  readonly file: string;
  readonly docIndex: number;
}

/**
 * A resource whose mesh Kuma reads from a `kuma.io/mesh` label it lacks, and its document: its labels are located only
 * for a warning (most such resources are meant for mesh default, in namespaces that name none).
 */
export interface UnlabelledResource {
  /** As written (or given by meshops.yaml's `namespaces`); absent when none is. */
  readonly namespace: string | undefined;
  readonly what: string;
  readonly subject: string;
  readonly source: SourceRef;
}

/**
 * What a Namespace document `value` (kind Namespace of core/v1), document `docIndex` of `file`, says of its mesh, as
 * Kuma reads it: the label first, then the annotation, else `default`.
 */
export function namespaceMeshOf(value: JsonObject, file: string, docIndex: number): NamespaceMesh | undefined {
  if (value.apiVersion !== "v1" || value.kind !== "Namespace" || !isObject(value.metadata)) return undefined;
  const { name, labels, annotations } = value.metadata;
  if (typeof name !== "string" || name === "") return undefined;
  const labelled = meshIn(labels);
  const mesh = labelled ?? meshIn(annotations);
  const how = labelled !== undefined ? "labelled" : mesh !== undefined ? "annotated" : undefined;
  const injection = isObject(labels) ? labels[SIDECAR_INJECTION_LABEL] : undefined;
  return { namespace: name, mesh: mesh ?? DEFAULT_MESH, how, injected: injection === "enabled" || injection === "true", file, docIndex };
}

/** `resource`, read from the Kubernetes document `value`, when its mesh is `default` for want of the label. */
export function unlabelledResourceOf(resource: Resource, value: JsonObject): UnlabelledResource | undefined {
  const source = resource.source;
  if (source?.format !== "kubernetes" || resource.mesh !== DEFAULT_MESH) return undefined;
  if (resource.type === "Mesh" || isClusterScoped(resource.type) || isGlobalType(resource.type) || isSecretType(resource.type)) return undefined;
  const metadata = isObject(value.metadata) ? value.metadata : undefined;
  if (isObject(metadata?.labels) && MESH_LABEL in metadata.labels) return undefined;
  const labels = isObject(resource.object.labels) ? resource.object.labels : undefined;
  const namespace = labels?.[NAMESPACE_LABEL];
  const what = isPolicyType(resource.type) ? "policy" : resource.type;
  return { namespace: typeof namespace === "string" ? namespace : undefined, what, subject: subjectOf(resource), source };
}

/** What the warnings are worked out from: per file, the lists its analysis keeps (absent when empty). */
export interface NamespaceMeshInputs {
  readonly namespaceMeshes?: readonly NamespaceMesh[];
  readonly unlabelled?: readonly UnlabelledResource[];
}

const NONE: readonly Diagnostic[] = [];

/** The warnings of the last run, kept (the very list) while no file's Namespaces or unlabelled resources change. */
export class NamespaceMeshWarnings {
  #inputs: readonly (readonly unknown[])[] = [];
  #given: GivenNamespaces = new Map();
  #warnings: readonly Diagnostic[] = NONE;

  update(analyses: readonly NamespaceMeshInputs[], given: GivenNamespaces, locator: Locator): readonly Diagnostic[] {
    const inputs: (readonly unknown[])[] = [];
    for (const a of analyses) {
      if (a.namespaceMeshes) inputs.push(a.namespaceMeshes);
      if (a.unlabelled) inputs.push(a.unlabelled);
    }
    if (inputs.length === this.#inputs.length && inputs.every((list, i) => list === this.#inputs[i]) && sameGiven(given, this.#given)) return this.#warnings;
    this.#inputs = inputs;
    this.#given = given;
    this.#warnings = namespaceMeshWarnings(analyses, given, locator);
    return this.#warnings;
  }
}

/** Whether kustomize gives the same namespaces to the same files (a daemon's commits mostly leave them be). */
function sameGiven(a: GivenNamespaces, b: GivenNamespaces): boolean {
  if (a === b) return true;
  if (a.size !== b.size) return false;
  for (const [file, namespaces] of a) {
    const other = b.get(file);
    if (!other || other.size !== namespaces.size) return false;
    for (const [ns, by] of namespaces) if (other.get(ns) !== by) return false;
  }
  return true;
}

/**
 * One warning per resource without the label in a namespace that names another mesh, at its labels; its namespace is
 * the one kustomize gives its file (`given`), else its own. One per Namespace document that names another mesh than
 * the first of its name.
 */
export function namespaceMeshWarnings(analyses: readonly NamespaceMeshInputs[], given: GivenNamespaces, locator: Locator): readonly Diagnostic[] {
  const named = namedNamespaces(analyses, given);
  const first = new Map<string, NamespaceMesh>();
  const warnings: Diagnostic[] = [];
  for (const n of named) {
    const before = first.get(n.namespace);
    if (!before) first.set(n.namespace, n);
    else if (before.mesh !== n.mesh) warnings.push(conflictWarning(n, before, locator));
  }
  // The meshes of each namespace that names another than default, in file order: its Namespace documents' first such,
  // and every mesh they name (more than one: the cluster keeps whichever is applied last).
  const meshes = new Map<string, { first: NamespaceMesh; all: string[] }>();
  for (const n of named) {
    const seen = meshes.get(n.namespace);
    if (seen) {
      if (!seen.all.includes(n.mesh)) seen.all.push(n.mesh);
    } else if (n.mesh !== DEFAULT_MESH) {
      const before = first.get(n.namespace);
      meshes.set(n.namespace, { first: n, all: before && before.mesh !== n.mesh ? [before.mesh, n.mesh] : [n.mesh] });
    }
  }
  if (meshes.size > 0) {
    for (const a of analyses) {
      for (const r of a.unlabelled ?? []) {
        const givers = given.get(r.source.file);
        const namespaces: [string, string | undefined][] = givers ? [...givers] : r.namespace !== undefined ? [[r.namespace, undefined]] : [];
        for (const [namespace, by] of namespaces) {
          const ns = meshes.get(namespace);
          if (!ns) continue;
          const which = by !== undefined ? `namespace ${namespace} (given by ${by})` : `namespace ${namespace}`;
          const message = ns.all.length > 1 ? ambiguousMessage(which, ns.all, r.what) : `${which} is ${ns.first.how} ${MESH_LABEL}: ${ns.first.mesh}, but this ${r.what} has no ${MESH_LABEL} label: Kuma puts it in mesh ${DEFAULT_MESH}; add the label ${MESH_LABEL}: ${ns.first.mesh}`;
          const { file, docIndex } = r.source;
          const at = locator.locate(file, docIndex, ["metadata", "labels"]) ?? locator.locate(file, docIndex, ["metadata"]) ?? r.source;
          warnings.push({ severity: "warning", file, line: at.line, column: at.column, resource: r.subject, path: "metadata.labels", message: boundedMessage(message), rule: NAMESPACE_MESH_RULE });
        }
      }
    }
  }
  return warnings.length > 0 ? warnings : NONE;
}

/**
 * Each Namespace document under the name the cluster gets it by, in file order: kustomize's namespace transformer sets
 * a v1 Namespace's name too (api/filters/namespace), so a file it gives namespaces holds Namespaces of those names.
 */
export function namedNamespaces(analyses: readonly NamespaceMeshInputs[], given: GivenNamespaces): NamespaceMesh[] {
  const named: NamespaceMesh[] = [];
  for (const a of analyses) {
    for (const n of a.namespaceMeshes ?? []) {
      const givers = given.get(n.file);
      if (!givers) named.push(n);
      else for (const namespace of givers.keys()) named.push(namespace === n.namespace ? n : { ...n, namespace });
    }
  }
  return named;
}

/**
 * The warning of a resource without the label in a namespace whose documents name several meshes (a
 * namespace-mesh-conflict): which one the cluster keeps depends on the order they are applied in, so no label is
 * suggested; the resource is in mesh default whichever it is.
 */
function ambiguousMessage(which: string, meshes: readonly string[], what: string): string {
  return (
    `${which} is written with different meshes (${MESH_LABEL}: ${meshes.join(", ")}) and the cluster keeps the Namespace applied last, ` +
    `but this ${what} has no ${MESH_LABEL} label: Kuma puts it in mesh ${DEFAULT_MESH} whichever that is; add the label ${MESH_LABEL} with the mesh it is meant for`
  );
}

/** Where a Namespace document names its mesh: the label or annotation, else its name. */
function meshPath(n: NamespaceMesh): PathSegments {
  return n.how === undefined ? ["metadata", "name"] : ["metadata", n.how === "labelled" ? "labels" : "annotations", MESH_LABEL];
}

/** How a message names a Namespace document's mesh. */
function describeMesh(n: NamespaceMesh): string {
  return n.how === undefined ? `${MESH_LABEL}: ${n.mesh}, no label` : `${n.how} ${MESH_LABEL}: ${n.mesh}`;
}

/** A warning at `n`, a Namespace document that names another mesh than `before`, the first of its name. */
function conflictWarning(n: NamespaceMesh, before: NamespaceMesh, locator: Locator): Diagnostic {
  const path = meshPath(n);
  const at = locator.locate(n.file, n.docIndex, path) ?? locator.locate(n.file, n.docIndex, []) ?? { line: 1, column: 1 };
  const other = locator.locate(before.file, before.docIndex, meshPath(before)) ?? locator.locate(before.file, before.docIndex, []) ?? { line: 1 };
  const message =
    `Namespace ${n.namespace} is written twice with different meshes: ${n.file}:${at.line} (${describeMesh(n)}) and ${before.file}:${other.line} (${describeMesh(before)}); ` +
    "kubectl apply and Argo CD apply both, and the cluster keeps the one applied last, so which mesh its Pods join depends on the order: write it once";
  return { severity: "warning", file: n.file, line: at.line, column: at.column, resource: "", path: formatPath(path), message: boundedMessage(message), rule: NAMESPACE_MESH_CONFLICT_RULE };
}

/** The mesh a `kuma.io/mesh` entry of labels or annotations names, if any. */
export function meshIn(map: JsonValue | undefined): string | undefined {
  const mesh = isObject(map) ? map[MESH_LABEL] : undefined;
  return typeof mesh === "string" && mesh !== "" ? mesh : undefined;
}
