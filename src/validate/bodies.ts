import type { JsonObject, Resource } from "../model/resource.js";
import type { FileAnalysis } from "./index.js";

/**
 * A validation that only reports (`meshops validate` with no cache to fill) keeps no resource bodies: at 51,000
 * resources their parsed trees are a third of the live heap and most of what survives the young generation. Once a file
 * is checked, the repository-wide rules and the reports read of a resource only its identity, labels (the Kubernetes
 * name a document stands for) and source. Kept whole: a Mesh, whose `mtls` and `skipCreatingInitialPolicies` those rules
 * read, and a sealed resource, which is decrypted and checked again after validation (secrets/unseal.ts).
 */
export function withoutBodies(analysis: FileAnalysis): FileAnalysis {
  if (!analysis.resources.some(hasBody)) return analysis;
  return { ...analysis, resources: analysis.resources.map((r) => (hasBody(r) ? { ...r, object: identityOf(r.object) } : r)) };
}

function hasBody(resource: Resource): boolean {
  return resource.type !== "Mesh" && resource.sealed !== true;
}

function identityOf(object: JsonObject): JsonObject {
  const { type, mesh, name, labels } = object;
  const identity: JsonObject = {};
  if (type !== undefined) identity.type = type;
  if (mesh !== undefined) identity.mesh = mesh;
  if (name !== undefined) identity.name = name;
  if (labels !== undefined) identity.labels = labels;
  return identity;
}
