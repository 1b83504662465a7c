/**
 * How Kuma keeps Secrets on Kubernetes (Kuma docs, security/secrets): a core/v1 Secret of type
 * `system.kuma.io/secret` in the control plane's system namespace, its mesh in the `kuma.io/mesh` label (absent:
 * `default`), its bytes in `data.value`. A GlobalSecret is the same with type `system.kuma.io/global-secret` and no mesh. The API name is the plain Kubernetes name (no `.namespace` suffix): a Secret's
 * name is unique across meshes, because they all live in the one system namespace.
 *
 * Knowledge only: both directions (read a Kubernetes Secret, write one) so that the reader and `render` agree.
 */
import { isJsonObject, kindOfValue, type JsonObject, type JsonValue } from "../model/resource.js";
import { GLOBAL_SCOPE, subjectOf } from "../model/key.js";
import { isEncryptedValue } from "../model/sealed.js";
import { base64OfByteList } from "./base64.js";
import { DEFAULT_MESH, MESH_LABEL, globalScopeMessage } from "./types.js";
import { kubernetesLabelsProblems, kubernetesMetadataFindings, LAST_APPLIED_ANNOTATION, type MetadataFinding } from "./server.js";

/** The Kubernetes Secret `type` Kuma reads, per Kuma kind: Secret and GlobalSecret. */
export const KUBERNETES_SECRET_TYPE = "system.kuma.io/secret";
export const KUBERNETES_GLOBAL_SECRET_TYPE = "system.kuma.io/global-secret";
const KUBERNETES_SECRET_TYPES: ReadonlySet<string> = new Set([KUBERNETES_SECRET_TYPE, KUBERNETES_GLOBAL_SECRET_TYPE]);

/**
 * The Kuma kind of a Kubernetes document that is a Secret of one of Kuma's types (`apiVersion: v1`, `kind: Secret`,
 * `type: system.kuma.io/secret` or `system.kuma.io/global-secret`); undefined for any other document, another tool's
 * Secret included. Its `type` is Kubernetes' Secret type, never a Kuma kind.
 */
export function kumaSecretKindOf(apiVersion: unknown, kind: unknown, type: unknown): "Secret" | "GlobalSecret" | undefined {
  if (apiVersion !== "v1" || kind !== "Secret" || typeof type !== "string" || !KUBERNETES_SECRET_TYPES.has(type)) return undefined;
  return type === KUBERNETES_GLOBAL_SECRET_TYPE ? "GlobalSecret" : "Secret";
}

/** The one key of `data` Kuma reads. */
const VALUE_KEY = "value";
const TOP_LEVEL_FIELDS = new Set(["apiVersion", "kind", "type", "metadata", "data", "stringData", "immutable"]);

export interface SecretShapeProblem {
  readonly path: readonly (string | number)[];
  readonly message: string;
  readonly rule: "kubernetes-shape" | "kubernetes-namespace" | "global-scope";
}

/** Where the control plane reads a Secret of `typeName` (Secret or GlobalSecret) from: its system namespace only. */
export function secretNamespaceRule(typeName: string, systemNamespaces: readonly string[]): string {
  return `reads Secrets of type ${typeName === "GlobalSecret" ? KUBERNETES_GLOBAL_SECRET_TYPE : KUBERNETES_SECRET_TYPE} only in its system namespace (${systemNamespaces.join(" or ")})`;
}

/**
 * The Universal object (`{type: Secret, mesh, name, labels?, data}`) of a Kubernetes Secret of Kuma's type. `stringData`
 * (which Kubernetes encodes into `data`) is accepted as Kubernetes accepts it; a value still encrypted (`ENC[...]`) is
 * carried as it is, for src/secrets/ to decrypt.
 */
export function secretFromKubernetes(
  value: JsonObject,
  systemNamespaces: readonly string[],
  /** The namespace it gets when it states none (meshops.yaml `namespaces`: an Argo CD Application's, `kubectl -n`). */
  givenNamespace?: string,
): { object?: JsonObject; subject: string; problems: SecretShapeProblem[]; exported: (readonly (string | number)[])[]; serverSet: readonly MetadataFinding[] } {
  const metadata = isJsonObject(value.metadata) ? value.metadata : {};
  const name = typeof metadata.name === "string" ? metadata.name : "";
  const labels = isJsonObject(metadata.labels) ? metadata.labels : {};
  const global = value.type === KUBERNETES_GLOBAL_SECRET_TYPE;
  const type = global ? "GlobalSecret" : "Secret";
  const mesh = global ? GLOBAL_SCOPE : typeof labels[MESH_LABEL] === "string" ? labels[MESH_LABEL] : DEFAULT_MESH;
  const subject = subjectOf({ type, mesh, name });
  const problems: SecretShapeProblem[] = [];
  // What `kubectl get -o yaml` adds: the API server's metadata, and the last applied configuration.
  const exported: (readonly (string | number)[])[] = [];
  for (const found of kubernetesLabelsProblems(metadata)) {
    if (found.path.length === 2 || !global) problems.push({ path: found.path, rule: "kubernetes-shape", message: found.message });
  }
  if (global && labels[MESH_LABEL] !== undefined) {
    problems.push({ path: ["metadata", "labels", MESH_LABEL], rule: "global-scope", message: globalScopeMessage(type, `the ${MESH_LABEL} label`) });
  }
  for (const key of Object.keys(value)) {
    if (!TOP_LEVEL_FIELDS.has(key)) problems.push({ path: [key], rule: "kubernetes-shape", message: `unknown field "${key}": a Kuma Secret has apiVersion, kind, type, metadata and data (or stringData)` });
  }
  const { serverSet, refused } = kubernetesMetadataFindings(metadata);
  for (const { key, message } of refused) problems.push({ path: ["metadata", key], rule: "kubernetes-shape", message });
  if (name === "") problems.push({ path: ["metadata", "name"], rule: "kubernetes-shape", message: "name is required" });
  const given = metadata.namespace === undefined ? givenNamespace : undefined;
  const namespace = given ?? metadata.namespace;
  if (typeof namespace === "string" && !systemNamespaces.includes(namespace)) {
    const from = given === undefined ? "" : " (the namespace meshops.yaml's namespaces gives this document)";
    problems.push({
      path: ["metadata", "namespace"],
      rule: "kubernetes-namespace",
      message: `the control plane ${secretNamespaceRule(type, systemNamespaces)}, not ${JSON.stringify(namespace)}${from}`,
    });
  }
  if (isJsonObject(metadata.annotations) && LAST_APPLIED_ANNOTATION in metadata.annotations) exported.push(["metadata", "annotations", LAST_APPLIED_ANNOTATION]);
  const data = secretValue(value, problems);
  // The webhook's SecretValidator (validateSecretData) refuses either type of Secret whose data.value is empty.
  if (problems.length === 0 && (data === undefined || data === null || data === "")) {
    const written = isJsonObject(value.stringData) && VALUE_KEY in value.stringData ? "stringData" : "data";
    problems.push({ path: [written, VALUE_KEY], rule: "kubernetes-shape", message: `cannot be empty: the admission webhook refuses a Kuma Secret without a value in data.${VALUE_KEY} (or stringData.${VALUE_KEY})` });
  }
  if (problems.length > 0) return { subject, problems, exported, serverSet };
  const object: JsonObject = global ? { type, name } : { type, mesh, name };
  const userLabels = Object.fromEntries(Object.entries(labels).filter(([key]) => key !== MESH_LABEL));
  if (Object.keys(userLabels).length > 0) object.labels = userLabels;
  if (data !== undefined) object.data = data;
  return { object, subject, problems, exported, serverSet };
}

/** `data.value`, or `stringData.value` encoded as Kubernetes would; every other key is reported (Kuma ignores it). */
function secretValue(value: JsonObject, problems: SecretShapeProblem[]): JsonValue | undefined {
  let found: JsonValue | undefined;
  for (const field of ["data", "stringData"] as const) {
    const map = value[field];
    if (map === undefined) continue;
    if (!isJsonObject(map)) {
      problems.push({ path: [field], rule: "kubernetes-shape", message: `${field} must be a mapping with the one key "${VALUE_KEY}"` });
      continue;
    }
    for (const key of Object.keys(map)) {
      if (key !== VALUE_KEY) problems.push({ path: [field, key], rule: "kubernetes-shape", message: `the control plane reads only ${field}.${VALUE_KEY} of a Kuma Secret; "${key}" would be ignored` });
    }
    const entry = map[VALUE_KEY];
    if (entry === undefined) continue;
    if (found !== undefined) {
      problems.push({ path: [field, VALUE_KEY], rule: "kubernetes-shape", message: "set the value once, in data or in stringData" });
      continue;
    }
    // The API server decodes stringData as map[string]string: any other type refuses the Secret (json: cannot
    // unmarshal number into Go struct field Secret.stringData of type string), and data's type is the schema's.
    if (field === "stringData" && typeof entry !== "string") {
      problems.push({ path: [field, VALUE_KEY], rule: "kubernetes-shape", message: `must be a string, found ${kindOfValue(entry)}: the API server refuses a Secret whose stringData holds another type` });
      continue;
    }
    // stringData is plaintext that Kubernetes base64-encodes into data; an encrypted one stays sealed until decrypted.
    // What is ciphertext is model/sealed.ts's to say: a plaintext that merely starts with `ENC[` is encoded like any other.
    found = field === "stringData" && typeof entry === "string" && !isEncryptedValue(entry) ? Buffer.from(entry, "utf8").toString("base64") : entry;
  }
  return found;
}

/** The Kubernetes Secret of a Universal Secret object, as `render --format kubernetes` writes it. */
export function secretToKubernetes(object: JsonObject, systemNamespace: string): JsonObject {
  const global = object.type === "GlobalSecret";
  const own: JsonObject = isJsonObject(object.labels) ? object.labels : {};
  const labels: JsonObject = global ? own : { ...own, [MESH_LABEL]: (object.mesh as string | undefined) ?? DEFAULT_MESH };
  const metadata: JsonObject = { name: object.name as string, namespace: systemNamespace };
  if (Object.keys(labels).length > 0) metadata.labels = labels;
  const out: JsonObject = { apiVersion: "v1", kind: "Secret", type: global ? KUBERNETES_GLOBAL_SECRET_TYPE : KUBERNETES_SECRET_TYPE, metadata };
  if (object.data !== undefined) out.data = { [VALUE_KEY]: object.data };
  return out;
}

/**
 * A Universal Secret's or GlobalSecret's object with its `data` written as an array of bytes read as the control plane
 * reads it (a BytesValue: jsonpb through encoding/json's []byte), as base64; `object` itself otherwise, an array that
 * is not all bytes included (the schema check refuses it).
 */
export function withSecretBytesRead(object: JsonObject): JsonObject {
  const data = object.data;
  const read = Array.isArray(data) ? base64OfByteList(data) : undefined;
  return read === undefined ? object : { ...object, data: read };
}

/**
 * Bytes as the control plane prints them back: it decodes a Secret's base64 `data` (line breaks ignored) and encodes
 * it again, padded. Anything that is not base64 (a sealed ENC[...] value) stays as it is.
 */
export function canonicalBase64(data: string): string {
  const compact = data.replace(/[\r\n]/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) return data;
  return Buffer.from(compact, "base64").toString("base64");
}

/**
 * GlobalSecrets the control plane makes for itself: the admin user token it bootstraps (FACTS §2.7 `admin-user-token`)
 * and the signing keys of user and zone tokens (`user-token-signing-key-<serial>`, `zone-token-signing-key-<serial>`,
 * and the public half a zone keeps, `zone-token-signing-public-key-<serial>`).
 */
const SERVER_GLOBAL_SECRET = /^(admin-user-token|(user-token-signing-key|zone-token-signing-key|zone-token-signing-public-key)-\d+)$/;

/**
 * Secrets the control plane makes for itself (FACTS §1): each mesh's dataplane token signing key
 * (`dataplane-token-signing-key-...`) and a builtin CA's certificate and key (`<mesh>.ca-builtin-cert-<backend>`,
 * `<mesh>.ca-builtin-key-<backend>`), and the GlobalSecrets above. Nobody writes them in a repository; drift does not
 * report them, export leaves them out.
 */
export function isServerCreatedSecret(object: JsonObject): boolean {
  if (object.type === "GlobalSecret") return typeof object.name === "string" && SERVER_GLOBAL_SECRET.test(object.name);
  if (object.type !== "Secret" || typeof object.name !== "string") return false;
  const name = object.name;
  return name.startsWith("dataplane-token-signing-key") || name.startsWith(`${String(object.mesh)}.ca-builtin-cert-`) || name.startsWith(`${String(object.mesh)}.ca-builtin-key-`);
}
