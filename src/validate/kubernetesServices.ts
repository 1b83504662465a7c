/**
 * The MeshServices a Kubernetes zone will generate from the repository's own Services, so that a reference to one is
 * defined by the repository rather than expected from a zone. Kuma's MeshService controller
 * (pkg/plugins/runtime/k8s/controllers/meshservice_controller.go) makes one per Service with a cluster IP, named as the
 * Service in its namespace (`name.namespace` in the API), when the Service is labelled `kuma.io/mesh` or its Namespace
 * has sidecar injection on; its mesh is the Service's label (or annotation), else its Namespace's, else `default`
 * (MeshOfByLabelOrAnnotation). A headless Service makes one per Pod under a hashed name, an ExternalName one (no
 * cluster IP) and a gateway's none: those are not counted, so their references stay expected from zones. Only a mesh
 * the repository defines with MeshServices on (meshServicesOn) gets any: with them Disabled, the default, none is made.
 */
import { subjectOf } from "../model/key.js";
import { isJsonObject, type JsonObject, type Resource } from "../model/resource.js";
import { coreName } from "../kuma/naming.js";
import type { GivenNamespaces } from "./kustomize.js";
import { meshIn, namedNamespaces, type NamespaceMeshInputs } from "./namespaceMesh.js";

/** A Service document that may make a MeshService: what the check needs of it, kept with its file's analysis. */
export interface KubernetesService {
  readonly name: string;
  /** As written, or given by meshops.yaml's `namespaces`; absent when none is (kustomize may give one). */
  readonly namespace: string | undefined;
  /** Its own `kuma.io/mesh` label (or annotation): it puts the Service in the mesh whatever its Namespace says. */
  readonly mesh: string | undefined;
  readonly file: string;
}

/** The gateway annotation: a Service of a gateway makes no MeshService. */
const GATEWAY_ANNOTATION = "kuma.io/gateway";

/**
 * `value` as a Service that may make a MeshService, or undefined. Called on documents of other APIs only, and the
 * first comparison leaves any but `v1 Service`, so the thousands of other documents cost one string comparison.
 */
export function kubernetesServiceOf(value: JsonObject, file: string, defaultNamespace: string | undefined): KubernetesService | undefined {
  if (value.kind !== "Service" || value.apiVersion !== "v1" || !isJsonObject(value.metadata)) return undefined;
  const { name, namespace, annotations } = value.metadata;
  if (typeof name !== "string" || name === "") return undefined;
  if (isJsonObject(annotations) && GATEWAY_ANNOTATION in annotations) return undefined;
  const spec = isJsonObject(value.spec) ? value.spec : {};
  if (spec.type === "ExternalName" || spec.clusterIP === "None") return undefined;
  const written = typeof namespace === "string" && namespace !== "" ? namespace : undefined;
  return { name, namespace: written ?? defaultNamespace, mesh: meshIn(value.metadata.labels) ?? meshIn(annotations), file };
}

/** What the MeshServices are worked out from: per file, the lists its analysis keeps (absent when empty). */
export interface GeneratedServicesInputs extends NamespaceMeshInputs {
  readonly services?: readonly KubernetesService[];
}

/**
 * The subjects (`MeshService/mesh/name.namespace`) of the MeshServices the repository's Services make, by mesh. A
 * Service's namespace is the one kustomize gives its file (`given`), else its own. Without its own mesh label, it
 * counts only in a namespace whose every Namespace document has sidecar injection on and names one mesh: a Namespace
 * the repository does not hold, or writes two ways, leaves its references expected from zones, as before.
 */
export function generatedMeshServices(analyses: readonly GeneratedServicesInputs[], given: GivenNamespaces): ReadonlyMap<string, ReadonlySet<string>> {
  const byMesh = new Map<string, Set<string>>();
  if (!analyses.some((a) => a.services)) return byMesh;
  // The mesh of each namespace in the mesh: null when one of its documents is not, or they name different meshes.
  const namespaceMesh = new Map<string, string | null>();
  for (const n of namedNamespaces(analyses, given)) {
    const before = namespaceMesh.get(n.namespace);
    namespaceMesh.set(n.namespace, n.injected && (before === undefined || before === n.mesh) ? n.mesh : null);
  }
  for (const a of analyses) {
    for (const service of a.services ?? []) {
      const givers = given.get(service.file);
      const namespaces = givers ? [...givers.keys()] : service.namespace !== undefined ? [service.namespace] : [];
      for (const namespace of namespaces) {
        const inNamespace = namespaceMesh.get(namespace);
        const mesh = service.mesh ?? (inNamespace === null ? undefined : inNamespace);
        if (mesh === undefined) continue;
        const subjects = byMesh.get(mesh) ?? new Set<string>();
        subjects.add(subjectOf({ type: "MeshService", mesh, name: coreName(service.name, namespace) }));
        byMesh.set(mesh, subjects);
      }
    }
  }
  return byMesh;
}

/**
 * Whether a Mesh's zones generate MeshServices from Services: its `meshServices.mode` is set and not Disabled (the
 * default, "MeshServices aren't generated": go-v2.14.3 api/mesh/v1alpha1/mesh.pb.go; the schema takes the name or the
 * number). A mesh the repository does not define (`default`, an external one) is not known to.
 */
export function meshServicesOn(mesh: Resource): boolean {
  const settings = mesh.object.meshServices;
  const mode = isJsonObject(settings) ? settings.mode : undefined;
  return (typeof mode === "string" && mode !== "" && mode !== "Disabled") || (typeof mode === "number" && mode !== 0);
}

/** No generated MeshServices in a mesh. */
export const NO_GENERATED: ReadonlySet<string> = new Set();

/** A key of a mesh's generated MeshServices: the mesh's findings are taken over only while it is the same. */
export function generatedKey(subjects: ReadonlySet<string>): string {
  return subjects.size === 0 ? "" : [...subjects].sort().join("\n");
}
