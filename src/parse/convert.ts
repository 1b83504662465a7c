import type { ControlPlaneMode } from "../config/repoConfig.js";
import { DISPLAY_NAME_LABEL, NAMESPACE_LABEL, coreName, webhookNamespaceRefusal } from "../kuma/naming.js";
import { KUBERNETES_LABEL_VALUE_MAX, LABEL_ORIGIN, LAST_APPLIED_ANNOTATION, SERVER_OWNED_FIELDS, kubernetesLabelsProblems, kubernetesMetadataFindings, recomputedLabels, type MetadataFinding } from "../kuma/server.js";
import { KONG_MESH_LEGACY_KIND_REPLACEMENTS, KUBERNETES_API_VERSION, LEGACY_KIND_REPLACEMENTS, MESH_LABEL, SERVER_RECORDED_KINDS, RESOURCE_TYPE_NAMES, globalScopeMessage, isClusterScoped, isKindOrMisspeltKind, isKnownKind, isKumaApiVersion, isPluginOriginated, isSecretType, meshOfWritten, resourceType } from "../kuma/types.js";
import { kumaSecretKindOf, secretFromKubernetes, withSecretBytesRead } from "../kuma/secrets.js";
import { withProtoJsonNames } from "../kuma/protoForm.js";
import { isUniversalTopLevelField } from "../kuma/schemas.js";
import { resourceMetaAsRead, resourceMetaTypeError, type FoldedKey } from "../kuma/goJson.js";
import { isEncryptedValue } from "../model/sealed.js";
import { SOPS_KEY, isSopsDocument } from "../secrets/sops.js";

/** Where a document says what it is; encrypted there, it cannot be identified without the key. */
const IDENTITY_PATHS: readonly PathSegments[] = [["type"], ["name"], ["mesh"], ["apiVersion"], ["kind"], ["metadata", "name"], ["metadata", "namespace"], ["metadata", "labels", MESH_LABEL]];

function valueAt(value: JsonValue, path: PathSegments): JsonValue | undefined {
  let at: JsonValue | undefined = value;
  for (const key of path) at = isObject(at) && typeof key === "string" ? at[key] : undefined;
  return at;
}
import { didYouMean } from "../model/suggest.js";
import type { JsonObject, JsonValue, Resource, ResourceFormat, SourceRef } from "../model/resource.js";
import { subjectOf } from "../model/key.js";
import type { YamlDocument } from "./documents.js";
import { ansibleFileOf } from "./ansible.js";
import { otherToolOf } from "./otherTools.js";
import { formatPath, type PathSegments } from "../model/fieldPath.js";
import { isJsonObject as isObject, kindOfValue } from "../model/resource.js";

/** A document that cannot become a resource, or a resource field that breaks a rule of the shape. */
export interface ShapeProblem {
  /** Path in the document as written (`metadata.namespace`, `kind`). */
  readonly sourcePath: PathSegments;
  readonly message: string;
  readonly rule: "not-a-mapping" | "unknown-type" | "kubernetes-namespace" | "kubernetes-shape" | "missing-name" | "server-field" | "sops-identity" | "global-scope" | "labels" | "schema";
  readonly resource: string;
  /** Errors by default; a warning does not stop the resource from being checked further. */
  readonly severity?: "warning";
}

export interface Conversion {
  readonly resource?: Resource;
  readonly problems: readonly ShapeProblem[];
  /** Set for a document of another API (a Deployment, a Namespace): not a mesh resource, so not converted. */
  readonly other?: {
    readonly apiVersion: string;
    readonly kind: string;
    /** None of a mesh resource's keys in either shape (a Helm values file, a Compose file): said, since a mesh resource written wholly wrong looks the same. */
    readonly untyped?: true;
    /** What the document is, when its tool is known (`an Ansible playbook`, `a Grafana provisioning file`). */
    readonly tool?: string;
  };
}

export interface ConvertOptions {
  /** The control plane's system namespace(s): where every Kubernetes resource may live. */
  readonly systemNamespaces: readonly string[];
  /** Decides which other namespaces accept which types (the admission webhook's rules). Default: zone, Kuma's. */
  readonly mode?: ControlPlaneMode;
  /**
   * The namespace of a namespaced Kubernetes document that states none (meshops.yaml `namespaces`: what an Argo CD
   * Application's destination namespace or `kubectl apply -n` gives it). None: it keeps its name as written.
   */
  readonly defaultNamespace?: string;
}

const KUBERNETES_TOP_LEVEL_FIELDS = new Set(["apiVersion", "kind", "metadata", "spec"]);
/** Of the labels a Kubernetes document writes, what the resource does not keep as its own: its mesh is the resource's. */
const NOT_USER_LABELS: readonly string[] = [MESH_LABEL];
/** What the store and the webhook set from a namespaced document's name and namespace, in the order they are checked. */
const IDENTITY_LABELS = [DISPLAY_NAME_LABEL, NAMESPACE_LABEL] as const;

const SERVER_FIELD_MESSAGE = "set by the control plane; ignored";

/** A file named like meshops' settings; the one at the root of --path is read as settings and never gets here. */
const SETTINGS_FILE_NAME = /(^|\/)meshops\.ya?ml$/i;
const MISPLACED_SETTINGS_MESSAGE =
  "meshops reads its settings only from meshops.yaml at the root of --path: rename or move this file, or list it under `exclude:` in meshops.yaml";

/**
 * Converts one YAML document, in either shape, to the Universal model. A SOPS-encrypted document converts like any
 * other without its `sops:` block (its ENC[...] values stand in for the plaintext) and is marked `sealed`.
 */
export function toResource(file: string, doc: YamlDocument, options: ConvertOptions): Conversion {
  if (!isSopsDocument(doc.value)) return toPlainResource(file, doc, options);
  const hidden = IDENTITY_PATHS.find((path) => isEncryptedValue(valueAt(doc.value, path)));
  if (hidden) {
    const message = `${formatPath(hidden)} is encrypted: meshops reads a resource's kind, name and mesh without the key; encrypt only the values (encrypted_regex: ^(data|stringData)$ in .sops.yaml)`;
    return fail(hidden, "sops-identity", message, "");
  }
  const conversion = toPlainResource(file, { ...doc, value: withoutKeys(doc.value, [SOPS_KEY]) }, options);
  return conversion.resource ? { ...conversion, resource: { ...conversion.resource, sealed: true } } : conversion;
}

function toPlainResource(file: string, doc: YamlDocument, options: ConvertOptions): Conversion {
  const value = doc.value;
  if (!isObject(value)) {
    const tool = ansibleFileOf(file, value) ?? (isAnotherToolsList(value) ? "a YAML list whose items have none of a mesh resource's fields" : undefined);
    if (tool) return { problems: [], other: { apiVersion: "", kind: "", untyped: true, tool } };
    return fail([], "not-a-mapping", `a resource must be a YAML mapping, found ${describe(value)}`, "");
  }
  // Kuma keeps its secrets in core/v1 Secrets of its own types; any other Secret belongs to someone else.
  if (kumaSecretKindOf(value.apiVersion, value.kind, value.type)) {
    return fromKubernetesSecret(file, doc, value, options);
  }
  if (value.apiVersion === "v1" && value.kind === "List") {
    const listed = kumaListItems(value.items);
    if (listed.length > 0) {
      const message = `a List of ${listed.length} Kuma resource${listed.length === 1 ? "" : "s"} (what kubectl get -o yaml writes) would be applied by kubectl and Argo CD, but meshops reads one resource per document: write each item as a document of its own (yq '.items[]' splits them)`;
      const first = toPlainResource(file, { ...doc, value: (value.items as JsonValue[])[listed[0] as number] ?? null }, options).resource;
      return fail(["items", listed[0] as number], "kubernetes-shape", message, first ? subjectOf(first) : "");
    }
  }
  if (isAnotherApi(value)) {
    // A number for apiVersion is no Kubernetes object's: the tool's keys may say whose it is (Grafana's provisioning).
    const tool = typeof value.apiVersion === "string" ? undefined : otherToolOf(file, value);
    return { problems: [], other: { apiVersion: String(value.apiVersion), kind: typeof value.kind === "string" ? value.kind : "", ...(tool !== undefined ? { tool } : {}) } };
  }
  // Ansible's variables may have any key, `kind` and `type` included, but one naming a kind meshops knows.
  const variables = ansibleFileOf(file, value);
  if (variables) return { problems: [], other: { apiVersion: "", kind: "", untyped: true, tool: variables } };
  // A kind of another tool's, without the apiVersion every Kubernetes object has (Zarf's zarf.yaml).
  if (!("apiVersion" in value) && typeof value.kind === "string" && namesNoKind(value.kind)) {
    return { problems: [], other: { apiVersion: "", kind: "", untyped: true, tool: `a document of kind ${JSON.stringify(value.kind)}, which is no kind meshops knows, without an apiVersion` } };
  }
  if ("apiVersion" in value || "kind" in value) return fromKubernetes(file, doc, value, options);
  // A protobuf kind's or Secret's envelope is encoding/json's to decode, which reads `Name` or `MESH` as its field; a
  // policy's is checked against its schema first, which requires the lower-case keys.
  // A policy's `Labels` passes its schema (no additionalProperties) and is decoded into its labels too; its other
  // fields' spellings change nothing (the schema requires `type` and `name` and defaults `mesh`, each read after them),
  // so they stay unknown fields.
  const readType = resourceMetaAsRead(value)?.object.type;
  const namesKind = typeof readType === "string" && resourceType(readType) !== undefined;
  const read = namesKind ? resourceMetaAsRead(value, "sorted", isPluginOriginated(readType) ? "labels" : "all") : undefined;
  if (read) {
    const conversion = fromUniversal(file, doc, read.object, options);
    const subject = conversion.resource ? subjectOf(conversion.resource) : "";
    return withWarnings(conversion, read.folded.map((f) => ({ sourcePath: [f.key], rule: "schema", severity: "warning", message: foldedKeyMessage(f), resource: subject })));
  }
  // Nothing a mesh resource has in either shape: another tool's file (a Helm values file, a Compose file, a CI include,
  // a JSON Schema whose `type` is `object`). A kind named under `Type` is a resource written wrong, whatever else it has.
  if (!namesKind && isAnotherToolsMapping(value) && !SETTINGS_FILE_NAME.test(file)) {
    const tool = otherToolOf(file, value) ?? ("type" in value ? `a document whose type ${JSON.stringify(value.type)} is no kind meshops knows, with none of a mesh resource's fields` : undefined);
    return { problems: [], other: { apiVersion: "", kind: "", untyped: true, ...(tool !== undefined ? { tool } : {}) } };
  }
  return fromUniversal(file, doc, value, options);
}

function foldedKeyMessage({ key, field, kept }: FoldedKey): string {
  const read = `the control plane reads ${key} as ${field} (encoding/json matches a field's name in any case)`;
  return kept === key ? `${read}; write ${field}` : `${read} and keeps ${kept}, which comes after it in its order; remove ${key}`;
}

interface RequiredKeyInAnotherCase {
  /** As written (`Name`), the field it is read as (`name`), and the kind and name read from the envelope in any case. */
  readonly key: string;
  readonly field: "type" | "name";
  readonly type: string;
  readonly name: JsonValue | undefined;
}

/**
 * A plugin kind's `type` or `name` written in another case (`Type: MeshTimeout`, `Name: t1`): encoding/json finds the
 * field in it, but the kind's schema is checked first on the document as written (go-v2.14.3 rest/unmarshaller.go
 * Unmarshal), and it requires both (rest.yaml `required: [type, name, spec]`): kumactl apply and the API refuse it.
 * Other kinds read them (toPlainResource's warning). Asked only of a document without `field`.
 */
function requiredKeyInAnotherCase(value: JsonObject, field: "type" | "name"): RequiredKeyInAnotherCase | undefined {
  const read = resourceMetaAsRead(value);
  const type = read?.object.type;
  const key = read?.folded.find((f) => f.field === field)?.kept;
  return typeof type === "string" && key !== undefined && isPluginOriginated(type) ? { key, field, type, name: read?.object.name } : undefined;
}

/** The error at the key, naming the resource meant: in the mesh its schema defaults when none is written. */
function requiredKeyCaseProblem({ key, field, type, name }: RequiredKeyInAnotherCase, mesh: JsonValue | undefined): Conversion {
  const message = `a ${type} is checked against its schema before the control plane reads ${key} as ${field}, and the schema requires ${field} in lower case; write ${field}`;
  const named = typeof name === "string" && name !== "" && (mesh === undefined || mesh === null || typeof mesh === "string");
  return fail([key], "schema", message, named ? subjectOf({ type, mesh: meshOfWritten(type, name, mesh), name }) : "");
}

/**
 * A document of another API: an apiVersion not Kuma's, or a number or boolean (Grafana's provisioning files write
 * `apiVersion: 1`), which no Kubernetes object has, unless its kind is one meshops knows (a mesh resource written wrong).
 */
function isAnotherApi(value: JsonObject): boolean {
  const { apiVersion, kind } = value;
  if (typeof apiVersion === "string") return !isKumaApiVersion(apiVersion);
  return (typeof apiVersion === "number" || typeof apiVersion === "boolean") && !(typeof kind === "string" && isKnownKind(kind));
}

/** The top-level keys of a mesh resource in the Universal or Kubernetes shape: a document with none is no resource. */
const MESH_RESOURCE_KEYS: readonly string[] = ["type", "name", "mesh", "spec", "metadata", "apiVersion", "kind"];

/**
 * A mapping without a kind (no apiVersion or kind, and no type or one that names no kind) that is no mesh resource: it
 * has none of a mesh resource's other keys, or only `name` (which too many tools write at the top to tell: a GitHub
 * Action or workflow, a Compose file) beside keys that no Kuma kind has there. A `name` beside a kind's field (`mtls`)
 * stays a resource written without its type, and a type close to a kind's name (`MeshTimout`) a misspelt resource.
 */
function isAnotherToolsMapping(value: JsonObject): boolean {
  // Every Universal resource is asked this: `in` and a Map lookup (isKnownKind) until a key says otherwise, no key list.
  const typeNamesNoKind = namesNoKind(value.type);
  const has = (key: string) => key in value && !(key === "type" && typeNamesNoKind);
  if (MESH_RESOURCE_KEYS.some((key) => key !== "name" && has(key))) return false;
  if (!has("name")) return true;
  const others = Object.keys(value).filter((key) => key !== "name" && key !== "type");
  return others.length > 0 && !others.some(isUniversalTopLevelField);
}

/**
 * A list of mappings each of which is another tool's (Prometheus's file_sd targets, an owners or labels file): mesh
 * resources written as a list would name a kind or have a kind's fields, and stay an error.
 */
function isAnotherToolsList(value: JsonValue): boolean {
  return Array.isArray(value) && value.length > 0 && value.every((item) => isObject(item) && Object.keys(item).length > 0 && isAnotherToolsMapping(item));
}

/** A `type` or `kind` that is not a kind meshops knows nor a misspelling of one (a JSON Schema's `object`, a variable's `production`). */
function namesNoKind(type: JsonValue | undefined): boolean {
  if (type === undefined || type === null) return false;
  return typeof type !== "string" || !isKindOrMisspeltKind(type);
}

function fromUniversal(file: string, doc: YamlDocument, value: JsonObject, options: ConvertOptions): Conversion {
  const typeName = value.type;
  if (typeof typeName !== "string") {
    // meshops.yml, or a meshops.yaml below --path: settings meshops never reads, which would otherwise be ignored.
    if (SETTINGS_FILE_NAME.test(file)) return fail([], "unknown-type", MISPLACED_SETTINGS_MESSAGE, "");
    const schemaRefused = typeName === undefined ? requiredKeyInAnotherCase(value, "type") : undefined;
    if (schemaRefused) return requiredKeyCaseProblem(schemaRefused, value.mesh);
    return fail(["type"], "unknown-type", "missing `type` (Universal shape) or `apiVersion`/`kind` (Kubernetes shape); if this file is not mesh configuration, list it under `exclude:` in meshops.yaml", "");
  }
  const type = resourceType(typeName);
  if (!type) return fail(["type"], "unknown-type", unknownTypeMessage(typeName), unknownTypeSubject(typeName, value.mesh, value.name));
  const undecodable = nameNotString(type.name, "universal", value.name, value.mesh);
  if (undecodable) return undecodable;
  const nameRefused = value.name === undefined ? requiredKeyInAnotherCase(value, "name") : undefined;
  if (nameRefused) return requiredKeyCaseProblem(nameRefused, value.mesh);
  const name = typeof value.name === "string" ? value.name : "";
  // `kuma.io/origin: zone` stays, and is sent: a federated zone refuses a policy's PUT without it in the body
  // (resource_endpoints.go validateOriginForWrite), any other zone takes it, and on Global it is refused by the label rules.
  const exported = serverFieldsOfUniversal(value, options.mode === "global").filter((p) => !(p[0] === "labels" && p[1] === LABEL_ORIGIN));
  const own = withoutServerFields(value, exported);
  const mesh = meshOfWritten(type.name, name, value.mesh);
  const subject = subjectOf({ type: type.name, mesh, name });
  // Times the control plane would not decode are its refusal, not a field it ignores.
  const badTimes: readonly string[] = SERVER_TIME_FIELDS.filter((key) => isWrittenNotString(value[key]));
  const warnings = [
    ...serverFieldWarning(badTimes.length === 0 ? exported : exported.filter((p) => !(p.length === 1 && badTimes.includes(String(p[0])))), subject),
    ...badTimes.map((key) => ({ sourcePath: [key], rule: "schema" as const, message: `${key} is the control plane's to set, and it decodes it as a time, an RFC 3339 string: found ${describe(value[key] ?? null)}`, resource: subject })),
  ];
  if (type.name === "Mesh") {
    return withWarnings(built(file, doc, "universal", { ...own, type: "Mesh", name }, name, name, value.name), warnings);
  }
  if (type.global) {
    if ("mesh" in value) return withWarnings(fail(["mesh"], "global-scope", globalScopeMessage(type.name, '"mesh"'), subject), warnings);
    const object = { type: type.name, name, ...withoutKeys(own, ["type", "name"]) };
    return withWarnings(built(file, doc, "universal", isSecretType(type.name) ? withSecretBytesRead(object) : object, mesh, name, value.name), warnings);
  }
  // `mesh` first after type so rendered objects read like the control plane's own (type, mesh, name, labels, spec).
  const written = copyEntries({ type: type.name, mesh, name }, own, ["type", "mesh", "name"]);
  const { fields: object, problems: nameProblems } = type.flat ? protoNamed(type.name, written, [], subject) : { fields: written, problems: [] };
  // A `mesh: on` is a boolean to the control plane, which refuses it, as it does a list or a mapping (ResourceMeta's
  // `Mesh string`): none may quietly mean mesh `default` here.
  // A null `mesh:` is no mesh: encoding/json leaves the envelope's string empty, and only a schema's default fills it.
  const meshProblems = isWrittenNotString(value.mesh)
    ? [{ sourcePath: ["mesh"], rule: "schema" as const, message: `mesh must be a mesh name, found ${describe(value.mesh)}`, resource: subject }]
    : (value.mesh === undefined || value.mesh === null) && type.meshRequired
      ? [{ sourcePath: ["mesh"], rule: "schema" as const, message: `Required value: a ${type.name} names its mesh, which the control plane does not default ("mesh: cannot be empty"); write mesh: default for mesh default`, resource: subject }]
      : [];
  const read = isSecretType(type.name) ? withSecretBytesRead(object) : object;
  return withWarnings(built(file, doc, "universal", read, mesh, name, value.name), [...warnings, ...meshProblems, ...nameProblems]);
}

/**
 * A protobuf kind's fields as the control plane's decoder reads them (jsonpb): a field written by its proto name
 * (`connection_limit`) is the field of that JSON name (`connectionLimit`), which the desired state carries, so that
 * plan and drift compare it with what the control plane prints. Written by both names, jsonpb keeps the JSON name's
 * value and loses the other without a word: an error here, at the proto name. `at`: where the fields are written.
 */
function protoNamed(typeName: string, fields: JsonObject, at: PathSegments, resource: string): { fields: JsonObject; problems: ShapeProblem[] } {
  const { object, conflicts } = withProtoJsonNames(typeName, fields);
  const problems = conflicts.map(({ path, protoName, jsonName }): ShapeProblem => ({
    sourcePath: [...at, ...path],
    rule: "schema",
    message: `"${protoName}" is the protobuf name of "${jsonName}", which is written too: the control plane takes ${jsonName}'s value and drops this one; write the field once`,
    resource,
  }));
  return { fields: object, problems };
}

/**
 * The envelope's times: ResourceMeta's `time.Time` fields (go-v2.14.3 pkg/core/resources/model/rest/v1alpha1/meta.go),
 * which decode only from a string (or null); a policy's schema types them `string`, `date-time`.
 */
const SERVER_TIME_FIELDS = ["creationTime", "modificationTime"] as const;

/** Where an exported Universal document carries what the control plane set: envelope fields and recomputed labels. */
function serverFieldsOfUniversal(value: JsonObject, onGlobal = false): PathSegments[] {
  const paths: PathSegments[] = SERVER_OWNED_FIELDS.filter((key) => key in value).map((key) => [key]);
  if (isObject(value.labels)) for (const key of recomputedLabels(value.labels, onGlobal, value.name)) paths.push(["labels", key]);
  return paths;
}

/**
 * A Universal object as the control plane returned it, without what the control plane set (the fields and labels an
 * import warns about and drops): what `meshops export` writes.
 */
export function withoutServerSetFields(value: JsonObject): JsonObject {
  return withoutServerFields(value, serverFieldsOfUniversal(value));
}

/** `value` without the server fields at `paths` (top-level keys and `labels` entries); an emptied `labels` goes too. */
function withoutServerFields(value: JsonObject, paths: readonly PathSegments[]): JsonObject {
  if (paths.length === 0) return value;
  const top = new Set(paths.filter((p) => p.length === 1).map((p) => p[0] as string));
  const labelKeys = paths.filter((p) => p[0] === "labels" && p.length === 2).map((p) => p[1] as string);
  const out = withoutKeys(value, [...top]);
  if (labelKeys.length > 0 && isObject(value.labels)) {
    const labels = withoutKeys(value.labels, labelKeys);
    if (Object.keys(labels).length > 0) out.labels = labels;
    else delete out.labels;
  }
  return out;
}

/** The API server's metadata fields: a warning each, at the field (kuma/server.ts says why each goes). */
function serverSetMetadata(findings: readonly MetadataFinding[], resource: string): ShapeProblem[] {
  return findings.map(({ key, message }) => ({ sourcePath: ["metadata", key], rule: "server-field", severity: "warning", message, resource }));
}

/** One warning per document, at the first server field, naming them all. */
function serverFieldWarning(paths: readonly PathSegments[], resource: string): ShapeProblem[] {
  const first = paths[0];
  if (!first) return [];
  const names = paths.map((p) => formatPath(p)).join(", ");
  return [{ sourcePath: first, rule: "server-field", severity: "warning", message: `${SERVER_FIELD_MESSAGE}: ${names}`, resource }];
}

function withWarnings(conversion: Conversion, warnings: readonly ShapeProblem[]): Conversion {
  return warnings.length === 0 ? conversion : { ...conversion, problems: [...warnings, ...conversion.problems] };
}

function fromKubernetes(file: string, doc: YamlDocument, value: JsonObject, options: ConvertOptions): Conversion {
  const kind = value.kind;
  if (typeof kind !== "string") return fail(["kind"], "unknown-type", "missing `kind`", "");
  const type = resourceType(kind);
  if (!type) {
    const metadata = isObject(value.metadata) ? value.metadata : {};
    const labels = isObject(metadata.labels) ? metadata.labels : {};
    const name = typeof metadata.name === "string" && typeof metadata.namespace === "string" ? `${metadata.name}.${metadata.namespace}` : metadata.name;
    return fail(["kind"], "unknown-type", unknownTypeMessage(kind), unknownTypeSubject(kind, labels[MESH_LABEL], name));
  }
  if (type.universalOnly) {
    return fail(["kind"], "kubernetes-shape", `${type.name} is Universal only: on Kubernetes the control plane creates it from the Pod; write it in the Universal shape (type: ${type.name})`, "");
  }
  const metadata = isObject(value.metadata) ? value.metadata : {};
  const labels = isObject(metadata.labels) ? metadata.labels : undefined;
  const meshLabel = labels?.[MESH_LABEL];
  // A cluster-scoped mesh resource (MeshGateway) names its mesh in a top-level `mesh:` field, the others in a label:
  // `GetMesh()` is the field alone (no default), the label or `default` (zz_generated.mesh.go, zz_generated.types.go).
  const meshField = type.kubernetesMeshField ? (value.mesh ?? "") : meshLabel;
  const undecodable = nameNotString(type.name, "kubernetes", metadata.name, meshField);
  if (undecodable) return undecodable;
  const plainName = typeof metadata.name === "string" ? metadata.name : "";
  const written = typeof metadata.namespace === "string" && metadata.namespace !== "" ? metadata.namespace : undefined;
  const namespace = written ?? (metadata.namespace === undefined && !isClusterScoped(type.name) ? options.defaultNamespace : undefined);
  const mesh = meshOfWritten(type.name, plainName, meshField);
  // The name the control plane's API knows it by: a namespaced resource's name carries its namespace.
  const name = !isClusterScoped(type.name) && namespace !== undefined && plainName !== "" ? coreName(plainName, namespace) : plainName;
  const subject = subjectOf({ type: type.name, mesh, name });
  const problems: ShapeProblem[] = [];
  const problem = (sourcePath: PathSegments, rule: ShapeProblem["rule"], message: string) =>
    problems.push({ sourcePath, rule, message, resource: subject });
  const exported: PathSegments[] = [];

  if (value.apiVersion !== KUBERNETES_API_VERSION) {
    problem(["apiVersion"], "kubernetes-shape", `apiVersion must be ${KUBERNETES_API_VERSION}, found ${describe(value.apiVersion ?? null)}`);
  }
  if (!isObject(value.metadata)) problem(["metadata"], "kubernetes-shape", "metadata must be a mapping with at least `name`");
  if (type.flat) for (const found of flatSpecProblems(type.name, value.spec)) problem(found.sourcePath, found.rule, found.message);
  if (type.kubernetesMeshField && (value.mesh === undefined || value.mesh === "")) {
    // The owner-reference and validating webhooks' `ValidateMesh` (meta_validator.go) refuse it.
    problem(["mesh"], "kubernetes-shape", `a ${type.name} names its mesh in its top-level \`mesh:\` field (not a ${MESH_LABEL} label), and the admission webhook refuses one without it ("mesh: cannot be empty"); write mesh: <the mesh>`);
  }
  for (const key of Object.keys(value)) {
    if (key === "status") exported.push([key]);
    else if (key === "mesh" && type.kubernetesMeshField) {
      if (typeof value.mesh !== "string") problem([key], "kubernetes-shape", `mesh must be a mesh name, found ${describe(value.mesh ?? null)}`);
    } else if (!KUBERNETES_TOP_LEVEL_FIELDS.has(key)) {
      const fields = type.kubernetesMeshField ? "apiVersion, kind, mesh, metadata and spec" : "apiVersion, kind, metadata and spec";
      problem([key], "kubernetes-shape", `unknown field "${key}": a Kubernetes ${type.name} has ${fields}`);
    }
  }
  const metadataFindings = kubernetesMetadataFindings(metadata);
  for (const { key, message } of metadataFindings.refused) problem(["metadata", key], "kubernetes-shape", message);
  if (isObject(metadata.annotations)) {
    // The API server decodes them into a map of strings (and render writes them back): `sync-wave: -1` is refused.
    for (const [key, value] of Object.entries(metadata.annotations)) {
      if (typeof value !== "string") problem(["metadata", "annotations", key], "kubernetes-shape", `an annotation's value is a string, found ${describe(value)}: quote it`);
    }
  }
  if (isObject(metadata.annotations) && LAST_APPLIED_ANNOTATION in metadata.annotations) {
    exported.push(["metadata", "annotations", LAST_APPLIED_ANNOTATION]);
  }
  // In a zone's system namespace, `kuma.io/origin: zone` is what a federated zone's webhook requires (render writes it
  // there): dropped like the other computed labels, but not called a field to remove.
  const originRequired = namespace !== undefined && options.systemNamespaces.includes(namespace) && options.mode !== "global" && isPluginOriginated(type.name);
  const quietlyDropped: string[] = [];
  if (labels) {
    for (const key of recomputedLabels(labels, options.mode === "global")) {
      if (originRequired && key === LABEL_ORIGIN) quietlyDropped.push(key);
      else exported.push(["metadata", "labels", key]);
    }
  }

  // A global kind's mesh label, and a MeshGateway's (its mesh is its `mesh:` field), are said of below.
  const ownMeshLabel = !type.global && !type.kubernetesMeshField;
  for (const found of kubernetesLabelsProblems(metadata)) if (found.path.length === 2 || ownMeshLabel) problem([...found.path], "labels", found.message);
  // The admission webhook checks a mesh only for mesh-scoped kinds (webhooks/validation.go, meta_validator.go
  // ValidateMesh): a global kind's label is accepted, and means nothing. (The REST API refuses a Universal one's `mesh`.)
  const globalMeshLabel: ShapeProblem[] = [];
  if (type.global && meshLabel !== undefined) {
    const message = `${type.name} is global: it belongs to no mesh, and the control plane ignores the ${MESH_LABEL} label: remove it`;
    globalMeshLabel.push({ sourcePath: ["metadata", "labels", MESH_LABEL], rule: "global-scope", severity: "warning", message, resource: subject });
  }
  // The API server clears a cluster-scoped object's namespace instead of refusing it (and kustomize's `namespace:`
  // gives one to every kind it has no schema for): said, not refused.
  const clusterScopedNamespace: ShapeProblem[] = [];
  if (isClusterScoped(type.name)) {
    if (metadata.namespace !== undefined) {
      const message = clusterScopedNamespaceMessage(type.name, metadata.namespace);
      clusterScopedNamespace.push({ sourcePath: ["metadata", "namespace"], rule: "kubernetes-namespace", severity: "warning", message, resource: subject });
    }
    // Its mesh is the `mesh:` field; a label saying otherwise would be overwritten, and mislead whoever reads it.
    if (type.kubernetesMeshField && mesh !== "" && meshLabel !== undefined && meshLabel !== mesh) {
      problem(["metadata", "labels", MESH_LABEL], "kubernetes-shape", `${type.name} belongs to the mesh of its top-level \`mesh:\` field (${JSON.stringify(mesh)}), not to this label's ${describe(meshLabel)}`);
    }
  } else if (metadata.namespace !== undefined && namespace === undefined) {
    problem(["metadata", "namespace"], "kubernetes-shape", `metadata.namespace must be a namespace name, found ${describe(metadata.namespace)}`);
  } else if (namespace !== undefined) {
    const refused = namespaceRefusal(type.name, namespace, options);
    if (refused) problem(["metadata", "namespace"], "kubernetes-namespace", refused);
    // What the store and the webhook would set: stating it is fine, contradicting it is not.
    if (labels) {
      for (const key of IDENTITY_LABELS) {
        const written = labels[key];
        const expected = key === NAMESPACE_LABEL ? namespace : plainName;
        if (written !== undefined && written !== expected) {
          problem(["metadata", "labels", key], "kubernetes-shape", `must be ${JSON.stringify(expected)}, the resource's ${key === NAMESPACE_LABEL ? "namespace" : "name"}, found ${describe(written)}`);
        }
        // Written, it is a Kubernetes label, whose value the API server limits as every label's; the name the store
        // shows unwritten is none (test/kubernetes.longName.test.ts).
        else if (typeof written === "string" && written.length > KUBERNETES_LABEL_VALUE_MAX) {
          problem(["metadata", "labels", key], "labels", `must be no more than ${KUBERNETES_LABEL_VALUE_MAX} characters`);
        }
      }
    }
  }
  if (options.mode === "global" && labels?.[LABEL_ORIGIN] === "zone" && isPluginOriginated(type.name)) {
    const message = "Operation not allowed. 'kuma.io/origin' label should have 'global' value, got 'zone' (controlPlane.mode global: the admission webhook refuses it)";
    problem(["metadata", "labels", LABEL_ORIGIN], "labels", message);
  }
  // A federated zone's admission webhook refuses an origin other than zone there (resourceadmissionchecker.go
  // validateLabels); render keeps a written one, so `global` is said, as of a Universal document (validate/rules/labels.ts).
  const federatedOrigin: ShapeProblem[] = [];
  if (originRequired && options.mode === "zone" && labels?.[LABEL_ORIGIN] === "global") {
    const message =
      "Operation not allowed. Applying policies on Zone CP on a system namespace requires 'kuma.io/origin' label to be set to 'zone'. (the admission " +
      "webhook of a zone connected to a global control plane; meshops cannot tell offline whether this zone is federated: controlPlane.mode: standalone says it is not)";
    federatedOrigin.push({ sourcePath: ["metadata", "labels", LABEL_ORIGIN], rule: "labels", severity: "warning", message, resource: subject });
  }
  const warnings = [...globalMeshLabel, ...clusterScopedNamespace, ...federatedOrigin, ...serverSetMetadata(metadataFindings.serverSet, subject), ...serverFieldWarning(exported, subject)];
  if (problems.length > 0) return { problems: [...warnings, ...problems] };

  const spec = value.spec;
  const dropped = [...exported.filter((p) => p[1] === "labels").map((p) => p[2] as string), ...quietlyDropped];
  const userLabels: JsonObject = labels ? withoutKeys(labels, dropped.length === 0 ? NOT_USER_LABELS : [MESH_LABEL, ...new Set(dropped)]) : {};
  const named = type.flat && isObject(spec) ? protoNamed(type.name, spec, ["spec"], subject) : { fields: spec, problems: [] };
  if (type.name === "Mesh") {
    const fields = isObject(named.fields) ? named.fields : {};
    const object: JsonObject = { type: "Mesh", name, ...fields };
    if (Object.keys(userLabels).length > 0) object.labels = userLabels;
    return withWarnings(withAnnotations(built(file, doc, "kubernetes", object, name, name, metadata.name), metadata.annotations), [...warnings, ...named.problems]);
  }
  if (namespace !== undefined && plainName !== "") {
    userLabels[DISPLAY_NAME_LABEL] = plainName;
    userLabels[NAMESPACE_LABEL] = namespace;
  }
  const object: JsonObject = type.global ? { type: type.name, name } : { type: type.name, mesh, name };
  if (Object.keys(userLabels).length > 0) object.labels = userLabels;
  // A protobuf kind's fields sit beside the envelope in the Universal object.
  if (type.flat && isObject(named.fields)) copyEntries(object, named.fields, FLAT_ENVELOPE_KEYS);
  else if (spec !== undefined) object.spec = spec;
  return withWarnings(withAnnotations(built(file, doc, "kubernetes", object, mesh, name, metadata.name), metadata.annotations), [...warnings, ...named.problems]);
}

/** The Universal object's envelope, beside which a protobuf kind's fields sit. */
const FLAT_ENVELOPE_KEYS = ["type", "mesh", "name", "labels"] as const;

/** Where a Kubernetes document says what a protobuf kind's Universal envelope holds. */
function kubernetesEnvelopePlace(typeName: string, key: (typeof FLAT_ENVELOPE_KEYS)[number]): string {
  if (key === "type") return "its kind says what it is";
  if (key === "name") return "metadata.name names it";
  if (key === "labels") return "metadata.labels label it";
  return typeName === "Mesh" ? "a Mesh is its own mesh" : "its top-level `mesh:` field names its mesh";
}

/**
 * A Kubernetes Mesh's or MeshGateway's spec is its protobuf message (api/mesh/v1alpha1/mesh.pb.go, gateway.pb.go),
 * which has no type, mesh, name or labels: the control plane drops such a field, as any other the message lacks, so
 * it is the unknown field the schema check says of those, never the object's name, kind or labels. A spec that is no
 * mapping is no message at all.
 */
function flatSpecProblems(typeName: string, spec: JsonValue | undefined): { sourcePath: PathSegments; rule: ShapeProblem["rule"]; message: string }[] {
  if (spec === undefined || spec === null) return [];
  if (!isObject(spec)) return [{ sourcePath: ["spec"], rule: "kubernetes-shape", message: `spec must be a mapping of the ${typeName}'s fields, found ${describe(spec)}` }];
  return FLAT_ENVELOPE_KEYS.filter((key) => Object.hasOwn(spec, key)).map((key) => ({
    sourcePath: ["spec", key],
    rule: "schema",
    message: `unknown field "${key}": the spec of a Kubernetes ${typeName} holds its fields only (${kubernetesEnvelopePlace(typeName, key)}); the control plane ignores this one`,
  }));
}

/** The warning for a cluster-scoped Kubernetes document that states a namespace. */
export function clusterScopedNamespaceMessage(kind: string, namespace: JsonValue): string {
  return `${kind} is cluster-scoped: the API server drops its metadata.namespace (${typeof namespace === "string" ? namespace : describe(namespace)}); remove it`;
}

/** The document's annotations, but the one `kubectl apply` keeps, on the converted resource (render writes them back). */
function withAnnotations(conversion: Conversion, annotations: JsonValue | undefined): Conversion {
  if (!conversion.resource || !isObject(annotations)) return conversion;
  const own = withoutKeys(annotations, [LAST_APPLIED_ANNOTATION]);
  return Object.keys(own).length === 0 ? conversion : { ...conversion, resource: { ...conversion.resource, annotations: own } };
}

/** A Kubernetes Secret of Kuma's type (src/kuma/secrets.ts says how the control plane reads one). */
function fromKubernetesSecret(file: string, doc: YamlDocument, value: JsonObject, options: ConvertOptions): Conversion {
  const kind = kumaSecretKindOf(value.apiVersion, value.kind, value.type) ?? "Secret";
  const metadata = isObject(value.metadata) ? value.metadata : {};
  const undecodable = nameNotString(kind, "kubernetes", metadata.name, isObject(metadata.labels) ? metadata.labels[MESH_LABEL] : undefined);
  if (undecodable) return undecodable;
  const read = secretFromKubernetes(value, options.systemNamespaces, options.defaultNamespace);
  const problems: ShapeProblem[] = read.problems.map((p) => ({ sourcePath: p.path, rule: p.rule, message: p.message, resource: read.subject }));
  const warnings = [...serverSetMetadata(read.serverSet, read.subject), ...serverFieldWarning(read.exported, read.subject)];
  if (problems.length > 0 || !read.object) return { problems: [...warnings, ...problems] };
  const object = read.object;
  const mesh = meshOfWritten(object.type as string, object.name as string, object.mesh);
  return withWarnings(built(file, doc, "kubernetes", object, mesh, object.name as string, (value.metadata as JsonObject | undefined)?.name), warnings);
}

/** The admission webhook's refusal of a namespaced resource (kuma/naming.ts), with which rule of meshops.yaml it follows. */
function namespaceRefusal(typeName: string, namespace: string, options: ConvertOptions): string | undefined {
  const mode = options.mode ?? "zone";
  const refusal = webhookNamespaceRefusal(typeName, namespace, options.systemNamespaces, mode);
  if (!refusal) return undefined;
  const hint = "systemNamespace in meshops.yaml names another";
  return mode === "global"
    ? `${refusal} (controlPlane.mode global: the admission webhook refuses namespace ${JSON.stringify(namespace)}; ${hint})`
    : `${refusal} (controlPlane.mode ${mode}: the admission webhook keeps this type out of namespace ${JSON.stringify(namespace)}; ${hint})`;
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
          // A name of another type never gets here (nameNotString): the document is no resource.
          message: written === "" ? "name cannot be empty" : "name is required",
          resource: subjectOf(resource),
        },
      ],
    };
  }
  return { resource, problems: [] };
}

/**
 * A name written but not a string (a number, a boolean, a list, a mapping; null is none, said by missing-name as an
 * absent one): kumactl reads a Universal document's envelope into ResourceMeta (`Name string`, go-v2.14.3
 * pkg/core/resources/model/rest/v1alpha1/meta.go) through sigs.k8s.io/yaml, YAML to JSON then encoding/json, which
 * cannot fill it and refuses the whole document (rest/unmarshaller.go UnmarshalCore: "invalid meta type"); the API
 * server refuses a Kubernetes object whose metadata.name is not a string. So the document is no resource: one error
 * at its name naming its kind, and no later rule says anything else of it. Its subject is `Type/mesh/`, as a missing
 * name's is, so that `watch` holds the mesh it names and no other; none when the mesh cannot be read either (`mesh`,
 * the field or label as written, not a string) or the document is a Mesh, whose name is its mesh.
 */
function nameNotString(typeName: string, format: ResourceFormat, written: JsonValue | undefined, mesh: JsonValue | undefined): Conversion | undefined {
  if (!isWrittenNotString(written)) return undefined;
  const meshKnown = typeName !== "Mesh" && (mesh === undefined || mesh === null || typeof mesh === "string");
  const subject = meshKnown ? subjectOf({ type: typeName, mesh: meshOfWritten(typeName, "", mesh), name: "" }) : "";
  if (format === "kubernetes") {
    return fail(["metadata", "name"], "missing-name", `a ${typeName}'s metadata.name must be a string, found ${describe(written)}: the API server refuses the object, whose ObjectMeta.name is a string`, subject);
  }
  const decoding = resourceMetaTypeError("name", written);
  return fail(["name"], "missing-name", `a ${typeName}'s name must be a string, found ${describe(written)}: kumactl refuses the document (invalid meta type: ${JSON.stringify(decoding)})`, subject);
}

/**
 * Anything but a string where a name belongs, null (the field left empty) aside: a list, a mapping, or a boolean or
 * number (a plain scalar YAML 1.1 typed, `on`, `0755`, or one written so).
 */
function isWrittenNotString(value: JsonValue | undefined): value is Exclude<JsonValue, string | null> {
  return value !== undefined && value !== null && typeof value !== "string";
}

function fail(sourcePath: PathSegments, rule: ShapeProblem["rule"], message: string, resource: string): Conversion {
  return { problems: [{ sourcePath, rule, message, resource }] };
}

/** Indexes of a List's items that are Kuma's: its API group, or a Secret of Kuma's types. */
function kumaListItems(items: JsonValue | undefined): number[] {
  if (!Array.isArray(items)) return [];
  const out: number[] = [];
  items.forEach((item, i) => {
    if (!isObject(item)) return;
    const kumaSecret = kumaSecretKindOf(item.apiVersion, item.kind, item.type) !== undefined;
    if (kumaSecret || (typeof item.apiVersion === "string" && isKumaApiVersion(item.apiVersion))) out.push(i);
  });
  return out;
}

/** The resource a document of an unknown type would be (`MeshTimeouts/default/t1`), for a report to name it; "" without a name. */
function unknownTypeSubject(typeName: string, mesh: JsonValue | undefined, name: JsonValue | undefined): string {
  if (typeof name !== "string" || name === "") return "";
  return typeof mesh === "string" && mesh !== "" ? `${typeName}/${mesh}/${name}` : `${typeName}/${name}`;
}

function unknownTypeMessage(name: string): string {
  const replacement = Object.hasOwn(LEGACY_KIND_REPLACEMENTS, name) ? LEGACY_KIND_REPLACEMENTS[name] : undefined;
  if (replacement) return `${name} is a legacy kind (removed in Kuma 3), which meshops does not manage: rewrite it as ${replacement}`;
  const kongReplacement = Object.hasOwn(KONG_MESH_LEGACY_KIND_REPLACEMENTS, name) ? KONG_MESH_LEGACY_KIND_REPLACEMENTS[name] : undefined;
  if (kongReplacement) return `${name} is a legacy Kong Mesh kind (removed in Kong Mesh 3), which meshops does not manage: rewrite it as ${kongReplacement}`;
  const recorded = Object.hasOwn(SERVER_RECORDED_KINDS, name) ? SERVER_RECORDED_KINDS[name] : undefined;
  if (recorded) return `${name} is ${recorded}, which meshops does not manage: leave it out of the repository (or exclude the file)`;
  const suggestion = didYouMean(name, RESOURCE_TYPE_NAMES);
  return suggestion
    ? `unknown resource type "${name}"${suggestion}`
    : `unknown resource type "${name}": meshops manages Mesh, the Mesh* policies and resources (services, MeshGateway, identity), Workload and Dataplane`;
}

function withoutKeys(value: JsonObject, keys: readonly string[]): JsonObject {
  return copyEntries({}, value, keys);
}

/** Copies the entries of `source` but `skip` onto `target`, and returns it. */
function copyEntries(target: JsonObject, source: JsonObject, skip: readonly string[]): JsonObject {
  for (const k of Object.keys(source)) {
    if (skip.includes(k)) continue;
    // Defined, not assigned: `target["__proto__"] = v` would set the prototype and the key would vanish unreported.
    if (k === "__proto__") Object.defineProperty(target, k, { value: source[k], enumerable: true, writable: true, configurable: true });
    else target[k] = source[k] as JsonValue;
  }
  return target;
}

function describe(value: JsonValue): string {
  if (value === null) return "nothing";
  return typeof value === "object" ? kindOfValue(value) : JSON.stringify(value);
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
  // A Kubernetes Secret holds its bytes in data.value (src/kuma/secrets.ts).
  if (head === "data" && isSecretType(typeName)) return ["data", "value", ...rest];
  if (typeName === "Mesh") return head === undefined ? [] : ["spec", head, ...rest];
  if (head === "mesh") return resourceType(typeName)?.kubernetesMeshField ? ["mesh"] : ["metadata", "labels", MESH_LABEL];
  if (resourceType(typeName)?.flat && head !== undefined && head !== "spec") return ["spec", head, ...rest];
  return path;
}

/**
 * A field path of the Universal model as the control plane reports it for a document of `format`, which is the path in
 * that document: a Kubernetes document's `type`, `name` and `labels` are its `kind`, `metadata.name` and
 * `metadata.labels`, its mesh the `kuma.io/mesh` label (a top-level `mesh` for MeshGateway), a flat kind's fields are
 * under `spec.` (the admission webhook reports a Mesh's as `spec.mtls.enabledBackend`), a Secret's bytes are its
 * `data.value`; a Universal document's paths are unchanged.
 */
export function reportedPath(format: ResourceFormat, typeName: string, path: string): string {
  if (format !== "kubernetes" || path === "") return path;
  const head = /^[^.[]*/.exec(path)?.[0] ?? "";
  const rest = path.slice(head.length);
  if (head === "data" && isSecretType(typeName)) return `data.value${rest}`;
  if (head === "mesh" && typeName !== "Mesh") return resourceType(typeName)?.kubernetesMeshField ? path : `${MESH_LABEL_PATH}${rest}`;
  return kubernetesFieldPath(path, resourceType(typeName)?.flat === true);
}

const MESH_LABEL_PATH = formatPath(["metadata", "labels", MESH_LABEL]);

/** A Universal path in a Kubernetes document: `type`, `name` and `labels` as its kind and metadata, a `flat` kind's fields under `spec.`. */
export function kubernetesFieldPath(path: string, flat: boolean): string {
  const head = /^[^.[]*/.exec(path)?.[0] ?? "";
  const rest = path.slice(head.length);
  if (head === "type") return `kind${rest}`;
  if (head === "name") return `metadata.name${rest}`;
  if (head === "labels") return `metadata.labels${rest}`;
  return flat && path !== "" ? `spec.${path}` : path;
}
