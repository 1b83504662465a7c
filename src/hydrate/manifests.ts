/**
 * The desired state as the Kubernetes manifests Argo CD or Flux apply (`render --format kubernetes`, `--out DIR`,
 * `hydrate`): one pure step from the desired state (defaults materialized, ownership label stamped) to objects, their
 * file layout and their CRD check. Deterministic: the same desired state gives the same bytes.
 */
import { stringifyYaml } from "../parse/yaml11.js";
import { boundedMessage, type Diagnostic } from "../model/diagnostic.js";
import { GLOBAL_SCOPE, isGlobalKey, subjectOf } from "../model/key.js";
import { isJsonObject, type JsonObject, type Resource } from "../model/resource.js";
import type { ControlPlaneMode } from "../config/repoConfig.js";
import { LABEL_ORIGIN } from "../kuma/server.js";
import { MANIFEST_RULE, kubernetesObjectKey, sameObjectMessage, type KubernetesObjectName } from "../kuma/naming.js";
import { isPluginOriginated, isSecretType, resourceType, typeRank } from "../kuma/types.js";
import { toKubernetes } from "../report/render.js";
import { manifestProblems } from "../validate/crds.js";

/**
 * A plugin kind in a zone's system namespace with `kuma.io/origin: zone`: the admission webhook of a zone connected
 * to a global control plane refuses it there without the label ("Applying policies on Zone CP on a system namespace
 * requires 'kuma.io/origin' label to be set to 'zone'", resourceadmissionchecker.go), and any other zone computes the
 * same label itself. A global control plane refuses that value, so nothing is added for it; an origin written in the
 * repository is kept.
 */
function withZoneOrigin(object: JsonObject, systemNamespace: string, mode: ControlPlaneMode): JsonObject {
  const metadata = object.metadata as JsonObject;
  if (mode === "global" || metadata.namespace !== systemNamespace || !isPluginOriginated(String(object.kind))) return object;
  const labels = isJsonObject(metadata.labels) ? metadata.labels : {};
  if (LABEL_ORIGIN in labels) return object;
  return { ...object, metadata: { ...metadata, labels: { ...labels, [LABEL_ORIGIN]: "zone" } } };
}

/** Argo CD applies lower waves first and prunes in the reverse order: meshops's write order, as waves. */
export const SYNC_WAVE_ANNOTATION = "argocd.argoproj.io/sync-wave";

export interface Manifest {
  readonly resource: Resource;
  readonly object: JsonObject;
  /** Where `--out` and `hydrate` write it, `/` separated. */
  readonly file: string;
}

export interface Manifests {
  readonly manifests: readonly Manifest[];
  /** What has no place in the output, one line each (for stderr). */
  readonly notes: readonly string[];
}

/**
 * The desired resources (in write order) as manifests. Dataplanes are left out (Kubernetes makes them from Pods), and
 * so are Secrets: render never holds their values, and a placeholder applied by Argo CD or Flux would replace the real
 * one. Keep them in Kubernetes as Secrets of type system.kuma.io/secret (SOPS with Flux, Sealed Secrets, External
 * Secrets).
 */
export function kubernetesManifests(resources: readonly Resource[], systemNamespace: string, mode: ControlPlaneMode): Manifests {
  const manifests: Manifest[] = [];
  let dataplanes = 0;
  let secrets = 0;
  let globalSecrets = 0;
  for (const resource of resources) {
    if (resourceType(resource.type)?.universalOnly) dataplanes++;
    else if (isSecretType(resource.type)) {
      secrets++;
      if (isGlobalKey(resource)) globalSecrets++;
    }
    else {
      const object = withSyncWave(withZoneOrigin(toKubernetes(resource, systemNamespace), systemNamespace, mode), typeRank(resource.type));
      manifests.push({ resource, object, file: layoutPath(object, resource.mesh) });
    }
  }
  const notes: string[] = [];
  // A repository that overrides a default policy under its Kubernetes name (in the system namespace) wins over the
  // default, as it does on a Kubernetes zone (desired/index.ts on a Kubernetes target): one object, not two.
  const fromRepository = new Set(manifests.filter((m) => m.resource.origin !== "default").map(identity));
  const kept = manifests.filter((m) => m.resource.origin !== "default" || !fromRepository.has(identity(m)));
  if (dataplanes > 0) notes.push(`${count(dataplanes, "Dataplane")} left out: Kubernetes makes Dataplanes from Pods`);
  const secretTypes = `system.kuma.io/secret${globalSecrets > 0 ? " (system.kuma.io/global-secret for a GlobalSecret)" : ""}`;
  if (secrets > 0) notes.push(`${count(secrets, "Secret")} left out: their values never leave meshops; keep them in Kubernetes as Secrets of type ${secretTypes}`);
  return { manifests: kept, notes };
}

function count(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function withSyncWave(object: JsonObject, wave: number): JsonObject {
  const metadata = object.metadata as JsonObject;
  const annotations = (metadata.annotations ?? {}) as JsonObject;
  return { ...object, metadata: { ...metadata, annotations: { ...annotations, [SYNC_WAVE_ANNOTATION]: String(wave) } } };
}

/**
 * A stable place per object: `<mesh>/mesh.yaml` for the Mesh, `<mesh>/<plural>/<name>.yaml` for the other
 * cluster-scoped kinds, `<mesh>/<plural>/<namespace>/<name>.yaml` for the namespaced ones. Names are DNS subdomains
 * (the CRD check refuses anything else before a file is written), so no segment can climb out of the folder.
 */
function layoutPath(object: JsonObject, mesh: string): string {
  const metadata = object.metadata as JsonObject;
  const kind = String(object.kind);
  if (kind === "Mesh") return `${String(metadata.name)}/mesh.yaml`;
  const plural = resourceType(kind)?.path ?? kind.toLowerCase();
  const namespace = typeof metadata.namespace === "string" ? `${metadata.namespace}/` : "";
  // Resources of no mesh under global/ (a Mesh named `global` holds no HostnameGenerators, so no file is shared).
  return `${mesh === GLOBAL_SCOPE ? "global" : mesh}/${plural}/${namespace}${String(metadata.name)}.yaml`;
}

/** One YAML document per manifest, `---` between them. */
export function manifestStream(manifests: readonly Manifest[]): string {
  return manifests.map((m) => yamlOf(m.object)).join("---\n");
}

function yamlOf(object: JsonObject): string {
  return stringifyYaml(object, { lineWidth: 0 });
}

/** The files `--out` and `hydrate` write: layout path → one YAML document. */
export function manifestFiles(manifests: readonly Manifest[]): Map<string, string> {
  return new Map(manifests.map((m) => [m.file, yamlOf(m.object)]));
}

export { MANIFEST_RULE };

/** The Kubernetes object a manifest is (kind, namespace, name), as kuma/naming.ts `kubernetesObjectKey` compares them. */
function objectNameOf(object: JsonObject): KubernetesObjectName {
  const metadata = object.metadata as JsonObject;
  return { kind: String(object.kind), namespace: typeof metadata.namespace === "string" ? metadata.namespace : undefined, name: String(metadata.name) };
}

function identity(manifest: Manifest): string {
  return kubernetesObjectKey(objectNameOf(manifest.object));
}

/**
 * What the API server would reject, as diagnostics at the document each manifest comes from (a materialized default
 * policy has none: it is named by its resource alone). Nothing may be printed, written or committed while one exists.
 */
export function checkManifests(manifests: readonly Manifest[]): Diagnostic[] {
  const seen = new Map<string, Manifest>();
  const diagnostics: Diagnostic[] = [];
  for (const manifest of manifests) {
    const { resource, object } = manifest;
    const at = { file: resource.source?.file ?? "", line: resource.source?.line ?? 0, column: resource.source?.column ?? 0, resource: subjectOf(resource) };
    for (const problem of manifestProblems(object)) {
      diagnostics.push({ severity: "error", ...at, path: problem.path, message: boundedMessage(`${problem.message} (the ${String(object.kind)} CRD would reject it)`), rule: MANIFEST_RULE });
    }
    // Kubernetes names are unique per kind and namespace, not per mesh: two meshes' resources written in the
    // Universal shape under one name would be one object, each apply overwriting the other.
    const key = identity(manifest);
    const other = seen.get(key);
    if (other) diagnostics.push({ severity: "error", ...at, path: "metadata.name", message: boundedMessage(sameObjectMessage(objectNameOf(object), other.resource)), rule: MANIFEST_RULE });
    else seen.set(key, manifest);
  }
  return diagnostics;
}
