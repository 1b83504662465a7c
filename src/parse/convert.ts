import { DEFAULT_MESH, KUBERNETES_API_VERSION, MESH_LABEL, RESOURCE_TYPES, resourceType } from "../kuma/types.js";
import { didYouMean } from "../model/suggest.js";
import type { JsonObject, JsonValue, Resource, ResourceFormat, SourceRef } from "../model/resource.js";
import { subjectOf } from "../model/key.js";
import type { YamlDocument } from "./documents.js";
import type { PathSegments } from "./fieldPath.js";
import { isJsonObject as isObject } from "../model/resource.js";

/** A document that cannot become a resource, or a resource field that breaks a rule of the shape. */
export interface ShapeProblem {
  /** Path in the document as written (`metadata.namespace`, `kind`). */
  readonly sourcePath: PathSegments;
  readonly message: string;
  readonly rule: "not-a-mapping" | "unknown-type" | "kubernetes-namespace" | "kubernetes-shape" | "missing-name";
  readonly resource: string;
}

export interface Conversion {
  readonly resource?: Resource;
  readonly problems: readonly ShapeProblem[];
  /** Set for a document of another API (a Deployment, a Namespace): not a mesh resource, so not converted. */
  readonly other?: { readonly apiVersion: string; readonly kind: string };
}

export interface ConvertOptions {
  /** The namespaces a Kubernetes-shaped resource may live in. */
  readonly systemNamespaces: readonly string[];
}

export const DEFAULT_SYSTEM_NAMESPACES = ["kuma-system", "kong-mesh-system"] as const;

const KUBERNETES_METADATA_FIELDS = new Set(["name", "namespace", "labels", "annotations"]);

/** Converts one YAML document, in either shape, to the Universal model. */
export function toResource(file: string, doc: YamlDocument, options: ConvertOptions): Conversion {
  const value = doc.value;
  if (!isObject(value)) {
    return fail([], "not-a-mapping", `a resource must be a YAML mapping, found ${describe(value)}`, "");
  }
  if (typeof value.apiVersion === "string" && !isKumaApiVersion(value.apiVersion)) {
    return { problems: [], other: { apiVersion: value.apiVersion, kind: typeof value.kind === "string" ? value.kind : "" } };
  }
  if ("apiVersion" in value || "kind" in value) return fromKubernetes(file, doc, value, options);
  return fromUniversal(file, doc, value);
}

function fromUniversal(file: string, doc: YamlDocument, value: JsonObject): Conversion {
  const typeName = value.type;
  if (typeof typeName !== "string") {
    return fail(["type"], "unknown-type", "missing `type` (Universal shape) or `apiVersion`/`kind` (Kubernetes shape); if this file is not mesh configuration, list it under `exclude:` in meshops.yaml", "");
  }
  const type = resourceType(typeName);
  if (!type) return fail(["type"], "unknown-type", unknownTypeMessage(typeName), "");
  const name = typeof value.name === "string" ? value.name : "";
  if (type.name === "Mesh") {
    return built(file, doc, "universal", { ...value, type: "Mesh", name }, name, name, value.name);
  }
  const mesh = typeof value.mesh === "string" ? value.mesh : DEFAULT_MESH;
  // `mesh` first after type so rendered objects read like the control plane's own (type, mesh, name, labels, spec).
  const object: JsonObject = { type: type.name, mesh, name, ...withoutKeys(value, ["type", "mesh", "name"]) };
  return built(file, doc, "universal", object, mesh, name, value.name);
}

function fromKubernetes(file: string, doc: YamlDocument, value: JsonObject, options: ConvertOptions): Conversion {
  const kind = value.kind;
  if (typeof kind !== "string") return fail(["kind"], "unknown-type", "missing `kind`", "");
  const type = resourceType(kind);
  if (!type) return fail(["kind"], "unknown-type", unknownTypeMessage(kind), "");
  const metadata = isObject(value.metadata) ? value.metadata : {};
  const name = typeof metadata.name === "string" ? metadata.name : "";
  const labels = isObject(metadata.labels) ? metadata.labels : undefined;
  const meshLabel = labels?.[MESH_LABEL];
  const mesh = type.name === "Mesh" ? name : typeof meshLabel === "string" ? meshLabel : DEFAULT_MESH;
  const subject = subjectOf({ type: type.name, mesh, name });
  const problems: ShapeProblem[] = [];
  const problem = (sourcePath: PathSegments, rule: ShapeProblem["rule"], message: string) =>
    problems.push({ sourcePath, rule, message, resource: subject });

  if (value.apiVersion !== KUBERNETES_API_VERSION) {
    problem(["apiVersion"], "kubernetes-shape", `apiVersion must be ${KUBERNETES_API_VERSION}, found ${describe(value.apiVersion ?? null)}`);
  }
  if (!isObject(value.metadata)) problem(["metadata"], "kubernetes-shape", "metadata must be a mapping with at least `name`");
  for (const key of Object.keys(value)) {
    if (!["apiVersion", "kind", "metadata", "spec"].includes(key)) {
      problem([key], "kubernetes-shape", `unknown field "${key}": a Kubernetes resource has apiVersion, kind, metadata and spec`);
    }
  }
  for (const key of Object.keys(metadata)) {
    if (!KUBERNETES_METADATA_FIELDS.has(key)) {
      problem(["metadata", key], "kubernetes-shape", `metadata.${key} is set by the cluster, not by configuration; remove it`);
    }
  }
  const namespace = metadata.namespace;
  if (type.name === "Mesh") {
    if (namespace !== undefined) problem(["metadata", "namespace"], "kubernetes-namespace", "Mesh is cluster-scoped: remove metadata.namespace");
  } else if (namespace !== undefined && (typeof namespace !== "string" || !options.systemNamespaces.includes(namespace))) {
    problem(
      ["metadata", "namespace"],
      "kubernetes-namespace",
      `namespace ${describe(namespace)} is not the system namespace (${options.systemNamespaces.join(" or ")}); ` +
        "meshops manages policies in the system namespace (set systemNamespace in meshops.yaml for another)",
    );
  }
  if (problems.length > 0) return { problems };

  const spec = value.spec;
  const userLabels = labels ? withoutKeys(labels, [MESH_LABEL]) : undefined;
  if (type.name === "Mesh") {
    const fields = isObject(spec) ? spec : {};
    const object: JsonObject = { type: "Mesh", name, ...fields };
    if (userLabels && Object.keys(userLabels).length > 0) object.labels = userLabels;
    return built(file, doc, "kubernetes", object, name, name, metadata.name);
  }
  const object: JsonObject = { type: type.name, mesh, name };
  if (userLabels && Object.keys(userLabels).length > 0) object.labels = userLabels;
  if (spec !== undefined) object.spec = spec;
  return built(file, doc, "kubernetes", object, mesh, name, metadata.name);
}

function built(file: string, doc: YamlDocument, format: ResourceFormat, object: JsonObject, mesh: string, name: string, written?: JsonValue): Conversion {
  const type = object.type as string;
  const source: SourceRef = { file, docIndex: doc.index, line: doc.line, column: doc.column, format };
  const resource: Resource = { type, mesh, name, object, source, origin: "repository" };
  if (name === "") {
    return {
      resource,
      problems: [
        {
          sourcePath: format === "kubernetes" ? ["metadata", "name"] : ["name"],
          rule: "missing-name",
          message: written === undefined || written === null ? "name is required" : `name must be a string, found ${describe(written)}`,
          resource: subjectOf(resource),
        },
      ],
    };
  }
  return { resource, problems: [] };
}

function fail(sourcePath: PathSegments, rule: ShapeProblem["rule"], message: string, resource: string): Conversion {
  return { problems: [{ sourcePath, rule, message, resource }] };
}

/** Kuma's API group (`kuma.io/v1alpha1`); any other apiVersion is another tool's document. */
function isKumaApiVersion(apiVersion: string): boolean {
  return apiVersion === "kuma.io" || apiVersion.startsWith("kuma.io/");
}

function unknownTypeMessage(name: string): string {
  const known = RESOURCE_TYPES.map((t) => t.name);
  const suggestion = didYouMean(name, known);
  return suggestion
    ? `unknown resource type "${name}"${suggestion}`
    : `unknown resource type "${name}": meshops manages Mesh, the Mesh* policies, MeshService, MeshExternalService and MeshMultiZoneService`;
}

function withoutKeys(value: JsonObject, keys: readonly string[]): JsonObject {
  const out: JsonObject = {};
  // Defined, not assigned: `out["__proto__"] = v` would set the prototype and the key would vanish unreported.
  for (const [k, v] of Object.entries(value)) if (!keys.includes(k)) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  return out;
}

function describe(value: JsonValue): string {
  if (value === null) return "nothing";
  if (Array.isArray(value)) return "a sequence";
  if (typeof value === "object") return "a mapping";
  return JSON.stringify(value);
}

/**
 * Maps a field path of the Universal model back to where it is written in the document: Kubernetes documents keep
 * the name under metadata, the mesh in a label, and a Mesh's fields under spec.
 */
export function toSourcePath(format: ResourceFormat, typeName: string, path: PathSegments): PathSegments {
  if (format === "universal") return path;
  const [head, ...rest] = path;
  if (head === "type") return ["kind", ...rest];
  if (head === "name") return ["metadata", "name", ...rest];
  if (head === "labels") return ["metadata", "labels", ...rest];
  if (typeName === "Mesh") return head === undefined ? [] : ["spec", head, ...rest];
  if (head === "mesh") return ["metadata", "labels", MESH_LABEL];
  return path;
}

/**
 * A field path of the Universal model as the control plane reports it for a document of `format`: the Kubernetes
 * admission webhook reports a Mesh's fields under `spec.` (`spec.mtls.enabledBackend`); everything else is unchanged.
 */
export function reportedPath(format: ResourceFormat, typeName: string, path: string): string {
  if (format !== "kubernetes" || typeName !== "Mesh" || path === "") return path;
  const head = /^[^.[]*/.exec(path)?.[0] ?? "";
  return head === "type" || head === "name" || head === "labels" ? path : `spec.${path}`;
}
