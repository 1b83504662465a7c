/**
 * A Namespace labelled (or annotated) `kuma.io/mesh` puts the Pods in it into that mesh (Kuma's
 * MeshOfByLabelOrAnnotation), not its policies: a namespaced policy's mesh is its own `kuma.io/mesh` label, or
 * `default` without one (the mutating webhook computes the label from `GetMesh()`, go-v2.14.3
 * pkg/plugins/runtime/k8s/webhooks/defaulter.go). A policy without the label in such a namespace is almost surely
 * meant for the namespace's mesh, and lands in `default`: a warning at its labels.
 *
 * Namespaces and policies may be in different files: each file's analysis keeps what it has of either (pure, cached
 * with it), and the warnings are worked out across files, again only when one of those lists changed.
 */
import type { Diagnostic } from "../model/diagnostic.js";
import { boundedMessage } from "../model/diagnostic.js";
import { subjectOf } from "../model/key.js";
import { isJsonObject as isObject, type JsonObject, type JsonValue, type Resource, type SourceRef } from "../model/resource.js";
import { DEFAULT_MESH, MESH_LABEL, isClusterScoped, isGlobalType, isPolicyType, isSecretType } from "../kuma/types.js";
import { NAMESPACE_LABEL } from "../kuma/naming.js";
import type { Locator } from "../parse/locate.js";

export const NAMESPACE_MESH_RULE = "namespace-mesh";

/** A Namespace document that names a mesh other than `default`. */
export interface NamespaceMesh {
  readonly namespace: string;
  readonly mesh: string;
  readonly how: "labelled" | "annotated";
}

/**
 * A resource whose mesh Kuma reads from a `kuma.io/mesh` label it lacks, and its document: its labels are located only
 * for a warning (most such resources are meant for mesh default, in namespaces that name none).
 */
export interface UnlabelledResource {
  readonly namespace: string;
  readonly what: string;
  readonly subject: string;
  readonly source: SourceRef;
}

/** What a Namespace document `value` (kind Namespace of core/v1) says of its mesh, as Kuma reads it: the label first. */
export function namespaceMeshOf(value: JsonObject): NamespaceMesh | undefined {
  if (value.apiVersion !== "v1" || value.kind !== "Namespace" || !isObject(value.metadata)) return undefined;
  const { name, labels, annotations } = value.metadata;
  if (typeof name !== "string" || name === "") return undefined;
  const labelled = meshIn(labels);
  const mesh = labelled ?? meshIn(annotations);
  if (mesh === undefined || mesh === DEFAULT_MESH) return undefined;
  return { namespace: name, mesh, how: labelled !== undefined ? "labelled" : "annotated" };
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
  if (typeof namespace !== "string") return undefined;
  const what = isPolicyType(resource.type) ? "policy" : resource.type;
  return { namespace, what, subject: subjectOf(resource), source };
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
  #warnings: readonly Diagnostic[] = NONE;

  update(analyses: readonly NamespaceMeshInputs[], locator: Locator): readonly Diagnostic[] {
    const inputs: (readonly unknown[])[] = [];
    for (const a of analyses) {
      if (a.namespaceMeshes) inputs.push(a.namespaceMeshes);
      if (a.unlabelled) inputs.push(a.unlabelled);
    }
    if (inputs.length === this.#inputs.length && inputs.every((list, i) => list === this.#inputs[i])) return this.#warnings;
    this.#inputs = inputs;
    this.#warnings = namespaceMeshWarnings(analyses, locator);
    return this.#warnings;
  }
}

/** One warning per resource without the label in a namespace that names another mesh, at its labels. */
export function namespaceMeshWarnings(analyses: readonly NamespaceMeshInputs[], locator: Locator): readonly Diagnostic[] {
  const meshes = new Map<string, NamespaceMesh>();
  for (const a of analyses) for (const n of a.namespaceMeshes ?? []) if (!meshes.has(n.namespace)) meshes.set(n.namespace, n);
  if (meshes.size === 0) return NONE;
  const warnings: Diagnostic[] = [];
  for (const a of analyses) {
    for (const r of a.unlabelled ?? []) {
      const ns = meshes.get(r.namespace);
      if (!ns) continue;
      const message = `namespace ${ns.namespace} is ${ns.how} ${MESH_LABEL}: ${ns.mesh}, but this ${r.what} has no ${MESH_LABEL} label: Kuma puts it in mesh ${DEFAULT_MESH}; add the label ${MESH_LABEL}: ${ns.mesh}`;
      const { file, docIndex } = r.source;
      const at = locator.locate(file, docIndex, ["metadata", "labels"]) ?? locator.locate(file, docIndex, ["metadata"]) ?? r.source;
      warnings.push({ severity: "warning", file, line: at.line, column: at.column, resource: r.subject, path: "metadata.labels", message: boundedMessage(message), rule: NAMESPACE_MESH_RULE });
    }
  }
  return warnings.length > 0 ? warnings : NONE;
}

function meshIn(map: JsonValue | undefined): string | undefined {
  const mesh = isObject(map) ? map[MESH_LABEL] : undefined;
  return typeof mesh === "string" && mesh !== "" ? mesh : undefined;
}
