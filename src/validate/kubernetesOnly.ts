/**
 * Kuma's Kubernetes-only kinds in a repository (kuma/types.ts KUBERNETES_ONLY_KINDS): checked as the Kubernetes API
 * server would (their CRD schema and the object metadata rules, validate/crds.ts), one `info` item saying who applies
 * them, and never a resource of meshops'. In the Universal shape, one error: the control plane's API has no such type.
 */
import { KUBERNETES_API_VERSION, KUBERNETES_ONLY_KINDS } from "../kuma/types.js";
import { boundedMessage, type Diagnostic } from "../model/diagnostic.js";
import { isJsonObject } from "../model/resource.js";
import type { YamlDocument } from "../parse/documents.js";
import { parsePath } from "../model/fieldPath.js";
import type { Locator } from "../parse/locate.js";
import { crdEntries, manifestProblems } from "./crds.js";
import { clusterScopedNamespaceMessage } from "../parse/convert.js";

export const KUBERNETES_ONLY_RULE = "kubernetes-only";

const readBy = (kind: string) => `${kind} is read by Kuma's Kubernetes controllers, not served by its API`;

/** The diagnostics of a Kubernetes-only document; undefined when the document is not one. */
export function checkKubernetesOnlyDocument(file: string, doc: YamlDocument, locator: Locator): Diagnostic[] | undefined {
  const value = doc.value;
  if (!isJsonObject(value)) return undefined;
  if (typeof value.type === "string" && value.apiVersion === undefined && KUBERNETES_ONLY_KINDS.includes(value.type)) {
    const kind = value.type;
    const message = `${readBy(kind)}, so it has no Universal shape: write it for Kubernetes (apiVersion: ${KUBERNETES_API_VERSION}, kind: ${kind}) and apply it there`;
    return [{ severity: "error", file, line: doc.line, column: doc.column, resource: "", path: "type", message, rule: KUBERNETES_ONLY_RULE }];
  }
  if (value.apiVersion !== KUBERNETES_API_VERSION || typeof value.kind !== "string" || !KUBERNETES_ONLY_KINDS.includes(value.kind)) return undefined;
  const kind = value.kind;
  const metadata = isJsonObject(value.metadata) ? value.metadata : {};
  const name = typeof metadata.name === "string" ? metadata.name : "";
  const namespaced = crdEntries().get(kind)?.scope !== "Cluster";
  const resource = namespaced && typeof metadata.namespace === "string" ? `${kind}/${metadata.namespace}/${name}` : `${kind}/${name}`;
  const problems: Diagnostic[] = manifestProblems(value).map((problem) => {
    const at = locator.locate(file, doc.index, parsePath(problem.path)) ?? doc;
    return problem.cleared
      ? { severity: "warning", file, line: at.line, column: at.column, resource, path: problem.path, message: boundedMessage(clusterScopedNamespaceMessage(kind, metadata.namespace ?? null)), rule: "kubernetes-namespace" }
      : { severity: "error", file, line: at.line, column: at.column, resource, path: problem.path, message: boundedMessage(problem.message), rule: "kubernetes-crd" };
  });
  const note = `${readBy(kind)}: checked against its CRD; kubectl, Argo CD or Flux applies it, not meshops`;
  return [...problems, { severity: "info", file, line: doc.line, column: doc.column, resource, path: "kind", message: note, rule: KUBERNETES_ONLY_RULE }];
}
