/**
 * Kong Mesh-only kinds in a repository: MeshOPA and MeshGlobalRateLimit are managed like every policy once meshops.yaml
 * says `controlPlane.product: kong-mesh`; AccessRole, AccessRoleBinding and AccessAudit (global RBAC and audit
 * resources) are checked against their partial schema only and never applied. On Kuma each is one error: the control
 * plane would not know the kind at all.
 */
import type { Product } from "../config/repoConfig.js";
import { KONG_MESH_SCHEMA_ONLY_KINDS, KUBERNETES_API_VERSION, requiresKongMesh } from "../kuma/types.js";
import { boundedMessage, type Diagnostic } from "../model/diagnostic.js";
import { isJsonObject, type JsonObject } from "../model/resource.js";
import { kubernetesFieldPath } from "../parse/convert.js";
import type { YamlDocument } from "../parse/documents.js";
import { fieldOf, type PathSegments } from "../model/fieldPath.js";
import type { Locator } from "../parse/locate.js";
import { validateSchema } from "./schema.js";

const NEEDS_KONG_MESH_RULE = "kong-mesh-kind";

/** The one-line error for a Kong Mesh kind in a repository that targets Kuma. */
export function needsKongMeshMessage(kind: string): string {
  return `${kind} is a Kong Mesh kind: a Kuma control plane does not know it (set controlPlane.product: kong-mesh in meshops.yaml if the target is Kong Mesh)`;
}

/** Whether a Kong Mesh kind is refused for this product. */
export function refusedByProduct(typeName: string, product: Product): boolean {
  return product !== "kong-mesh" && requiresKongMesh(typeName);
}

export { NEEDS_KONG_MESH_RULE };

/** The info item of each schema-only Kong Mesh document: checked, never applied. */
export const SCHEMA_ONLY_RULE = "schema-only";

/** The kind a document declares, in either shape, if it is one of the schema-only Kong Mesh kinds. */
function schemaOnlyKind(value: JsonObject): { kind: string; format: "universal" | "kubernetes" } | undefined {
  if (typeof value.kind === "string" && KONG_MESH_SCHEMA_ONLY_KINDS.includes(value.kind) && (value.apiVersion === undefined || value.apiVersion === KUBERNETES_API_VERSION)) {
    return { kind: value.kind, format: "kubernetes" };
  }
  if (typeof value.type === "string" && KONG_MESH_SCHEMA_ONLY_KINDS.includes(value.type)) return { kind: value.type, format: "universal" };
  return undefined;
}

/**
 * The diagnostics of a schema-only Kong Mesh document (undefined: the document is not one of them). These kinds are
 * global and flat (like Mesh): the Kubernetes shape holds the Universal body under `spec`, with no namespace.
 */
export function checkSchemaOnlyDocument(file: string, doc: YamlDocument, product: Product, locator: Locator): Diagnostic[] | undefined {
  const value = doc.value;
  if (!isJsonObject(value)) return undefined;
  const found = schemaOnlyKind(value);
  if (!found) return undefined;
  const { kind, format } = found;
  const metadata = format === "kubernetes" && isJsonObject(value.metadata) ? value.metadata : {};
  const name = String((format === "kubernetes" ? metadata.name : value.name) ?? "");
  const resource = `${kind}/${name}`;
  const at = (path: string, message: string, rule: string, severity: Diagnostic["severity"] = "error"): Diagnostic => {
    const position = locator.locate(file, doc.index, sourcePath(format, path)) ?? doc;
    const reported = format === "kubernetes" ? kubernetesFieldPath(path, true) : path;
    return { severity, file, line: position.line, column: position.column, resource, path: reported, message: boundedMessage(message), rule };
  };
  if (product !== "kong-mesh") return [at("type", needsKongMeshMessage(kind), NEEDS_KONG_MESH_RULE)];

  let object: JsonObject = value;
  if (format === "kubernetes") {
    const spec = isJsonObject(value.spec) ? value.spec : {};
    object = { type: kind, name, ...(isJsonObject(metadata.labels) ? { labels: metadata.labels } : {}), ...spec };
  }
  return [
    ...validateSchema(kind, object).map((v) => at(v.path, v.message, "schema")),
    at("type", `${kind} is checked against Kong Mesh's partial schema only and is not applied by meshops`, SCHEMA_ONLY_RULE, "info"),
  ];
}

function sourcePath(format: "universal" | "kubernetes", path: string): PathSegments {
  const segments = fieldOf(path);
  if (format === "universal") return segments;
  const [head, ...rest] = segments;
  if (head === "type") return ["kind"];
  if (head === "name") return ["metadata", "name", ...rest];
  if (head === "labels") return ["metadata", "labels", ...rest];
  return head === undefined ? [] : ["spec", head, ...rest];
}
