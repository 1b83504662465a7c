/**
 * How Kuma names a namespaced Kubernetes resource in its own API (FACTS §5, pkg/util/k8s/name_converter.go):
 * `mt-1` in namespace `ns` is `mt-1.ns`, labelled `kuma.io/display-name: mt-1` and `k8s.kuma.io/namespace: ns`.
 * meshops keys every resource by that API name, so both shapes of one resource are one identity.
 */
import type { JsonObject, JsonValue } from "../model/resource.js";
import { nameOfUnit, subjectOf } from "../model/key.js";
import { DEFAULT_POLICIES, defaultPolicyName, type DefaultPolicy } from "./defaultPolicies.js";
import { LABEL_DISPLAY_NAME as DISPLAY_NAME_LABEL, LABEL_NAMESPACE as NAMESPACE_LABEL, LABEL_POLICY_ROLE } from "./server.js";
import { DEFAULT_MESH, SYSTEM_NAMESPACE_ONLY_TYPES, isClusterScoped, isSecretType } from "./types.js";
import { goQuote } from "./duration.js";

export { DISPLAY_NAME_LABEL, NAMESPACE_LABEL };

/**
 * Where a control plane stores its resources. On Kubernetes its HTTP API is read-only (the Helm chart sets
 * KUMA_API_SERVER_READ_ONLY) and resources are custom resources in namespaces, named `name.namespace` in the API.
 */
export type ControlPlaneEnvironment = "universal" | "kubernetes";

/**
 * Where Kuma's chart installs the control plane, and where Kong Mesh's does: the namespaces a live control plane's own
 * default policies may be in (plan recognizes them in either).
 */
export const DEFAULT_SYSTEM_NAMESPACES = ["kuma-system", "kong-mesh-system"] as const;

/**
 * The system namespace assumed when meshops.yaml names none: the product's (one; a control plane has one, and the
 * admission webhook treats every other namespace as an application's). Where `render` puts what names no namespace,
 * and where meshops expects the default policies.
 */
export function defaultSystemNamespace(product: string | undefined): string {
  return product === "kong-mesh" ? DEFAULT_SYSTEM_NAMESPACES[1] : DEFAULT_SYSTEM_NAMESPACES[0];
}

/**
 * The system namespace of a Kubernetes zone, as its own objects show it: the namespace it created a Mesh's default
 * policies in (`<prefix>-<mesh>.<namespace>`), of a policy with the system role (`kuma.io/policy-role: system`,
 * which Kuma gives a policy in its system namespace), or of a kind its webhook admits there only (a
 * MeshExternalService: a zone whose meshes skip the defaults may show nothing else), with the object that shows it.
 * Undefined on Universal, or when nothing shows it.
 */
export function systemNamespaceShown(live: Iterable<JsonObject>): { readonly namespace: string; readonly object: JsonObject } | undefined {
  for (const object of live) {
    const named = kubernetesNameOf(object);
    if (!named) continue;
    if (labelsOf(object)[LABEL_POLICY_ROLE] === "system" || SYSTEM_NAMESPACE_ONLY_TYPES.has(String(object.type))) return { namespace: named.namespace, object };
    const mesh = typeof object.mesh === "string" ? object.mesh : DEFAULT_MESH;
    if (DEFAULT_POLICIES.some((p) => p.type === object.type && defaultPolicyName(p.prefix, mesh) === named.name)) return { namespace: named.namespace, object };
  }
  return undefined;
}

/**
 * The admission webhook's refusal of a namespaced resource of `typeName` in `namespace`, in Kuma's words
 * (resourceadmissionchecker.go `isNamespaceAllowed`), or undefined where it takes it: a global control plane takes
 * Kubernetes resources only in its system namespace; a zone (`mode` zone, or standalone, its pre-2.0 name) takes them
 * anywhere except the types that belong in the system namespace.
 */
export function webhookNamespaceRefusal(typeName: string, namespace: string, systemNamespaces: readonly string[], mode = "zone"): string | undefined {
  if (systemNamespaces.includes(namespace)) return undefined;
  const system = systemNamespaces.join(" or ");
  if (mode === "global") return `on Global CP the policy can be created only in the system namespace:${system}`;
  if (SYSTEM_NAMESPACE_ONLY_TYPES.has(typeName)) return `resource type ${typeName} can be created only in the system namespace:${system}`;
  return undefined;
}

/**
 * A warning when a Kubernetes zone's system namespace, as its objects show it, is not the one meshops names the
 * default policies in (meshops.yaml `systemNamespace`): each would be planned as a create beside the live one, which
 * drift calls unmanaged.
 */
export function systemNamespaceMismatch(live: Iterable<JsonObject>, expected: string): string | undefined {
  const shown = systemNamespaceShown(live);
  if (!shown || shown.namespace === expected) return undefined;
  const { type, mesh, name } = shown.object;
  const subject = subjectOf({ type: String(type), mesh: typeof mesh === "string" ? mesh : DEFAULT_MESH, name: String(name) });
  const held = SYSTEM_NAMESPACE_ONLY_TYPES.has(String(type))
    ? `keeps ${subject}, a kind it admits only in its system namespace, in namespace ${shown.namespace}, but meshops expects that namespace to be ${expected}`
    : `keeps its default policies in namespace ${shown.namespace} (${subject}), but meshops expects them in ${expected}`;
  return `the control plane ${held}: set systemNamespace: ${shown.namespace} in meshops.yaml`;
}

/**
 * Labels a GitOps engine stamps on every object it applies through Kubernetes (Flux's kustomize-controller and
 * helm-controller, for garbage collection): the control plane shows them, the repository never has them, and they say
 * nothing about the mesh. Argo CD tracks with an annotation by default (3.x), which the Kuma API does not show.
 */
export const GITOPS_ENGINE_LABELS: readonly string[] = [
  "kustomize.toolkit.fluxcd.io/name",
  "kustomize.toolkit.fluxcd.io/namespace",
  "helm.toolkit.fluxcd.io/name",
  "helm.toolkit.fluxcd.io/namespace",
];

/** A KRI's parts (go-v2.14.3 pkg/core/kri/kri.go Identifier): the type still by its short name. */
export interface KriParts {
  readonly shortName: string;
  readonly mesh: string;
  readonly zone: string;
  readonly namespace: string;
  readonly name: string;
  /** Everything after the name part, joined without the underscores (kri.FromString). */
  readonly sectionName: string;
}

/**
 * kri.FromString up to the type look-up: `kri_<shortName>_<mesh>_<zone>_<namespace>_<name>_<section...>`, split on
 * `_`; fewer than seven parts, or a first part other than `kri`, is the error text the control plane reports.
 */
export function parseKri(text: string): { ok: true; parts: KriParts } | { ok: false; error: string } {
  const parts = text.split("_");
  if (parts.length < 7) return { ok: false, error: `invalid identifier string: ${goQuote(text)}` };
  if (parts[0] !== "kri") return { ok: false, error: `identifier must start with 'kri': ${goQuote(text)}` };
  const [, shortName = "", mesh = "", zone = "", namespace = "", name = ""] = parts;
  return { ok: true, parts: { shortName, mesh, zone, namespace, name, sectionName: parts.slice(6).join("") } };
}

const FNV64_OFFSET = 0xcbf29ce484222325n;
const FNV64_PRIME = 0x100000001b3n;
const UINT64 = (1n << 64n) - 1n;
/** k8s.io/apimachinery rand.SafeEncodeString's alphabet (no vowels, no look-alikes). */
const SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/**
 * The name KDS gives a resource synced from another control plane (go-v2.14.3 pkg/kds/hash HashedName): the name cut
 * to 236 characters, a dash and 16 characters of FNV-1a 64 over mesh, name and each of `values` (the non-empty zone
 * and namespace, in that order), hex-encoded and then mapped byte by byte onto rand.SafeEncodeString's alphabet.
 */
export function kdsHashedName(mesh: string, name: string, values: readonly string[]): string {
  let hash = FNV64_OFFSET;
  for (const byte of Buffer.from([mesh, name, ...values].join(""), "utf8")) hash = ((hash ^ BigInt(byte)) * FNV64_PRIME) & UINT64;
  const hex = hash.toString(16).padStart(16, "0");
  let safe = "";
  for (let i = 0; i < hex.length; i++) safe += SAFE_ALPHABET[hex.charCodeAt(i) % SAFE_ALPHABET.length];
  // k8s.io/utils/strings ShortenString: bytes, as Go slices a string.
  const bytes = Buffer.from(name, "utf8");
  const short = bytes.length <= 253 - 17 ? name : bytes.subarray(0, 253 - 17).toString("utf8");
  return `${short}-${safe}`;
}

/** `K8sNamespacedNameToCoreName`: the API name of `name` in `namespace`. */
export function coreName(name: string, namespace: string): string {
  return `${name}.${namespace}`;
}

/** The Kubernetes namespace an object (Universal REST shape) was written in, from its `k8s.kuma.io/namespace` label. */
export function namespaceOf(object: JsonObject): string | undefined {
  const value = labelsOf(object)[NAMESPACE_LABEL];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/**
 * The Kubernetes name and namespace of an object whose API name came from a namespaced Kubernetes resource
 * (`name.ns` with both identity labels); undefined for a resource named the Universal way.
 */
export function kubernetesNameOf(object: JsonObject): { name: string; namespace: string } | undefined {
  const labels = labelsOf(object);
  const namespace = labels[NAMESPACE_LABEL];
  const display = labels[DISPLAY_NAME_LABEL];
  if (typeof namespace !== "string" || typeof display !== "string" || namespace === "" || display === "") return undefined;
  return object.name === coreName(display, namespace) ? { name: display, namespace } : undefined;
}

/**
 * The API names a reference `{name, namespace?}` written in `referrer` may mean, most specific first. The control
 * plane resolves an omitted namespace to the referrer's own; a Universal resource has none, so the plain name.
 */
export function referencedNames(referrer: JsonObject, name: string, namespace: JsonValue | undefined): string[] {
  if (typeof namespace === "string" && namespace !== "") return [coreName(name, namespace)];
  const own = namespaceOf(referrer);
  // The plain name too: a repository may mix shapes, and a Universal resource it means has no namespace.
  return own === undefined ? [name] : [coreName(name, own), name];
}

function labelsOf(object: JsonObject): JsonObject {
  const labels = object.labels;
  return typeof labels === "object" && labels !== null && !Array.isArray(labels) ? labels : {};
}

/**
 * The object as a Kubernetes-mode control plane's API shows a resource meshops rendered for it: a namespaced resource
 * written in the Universal shape (and every default policy) is rendered into the system namespace, so the control
 * plane names it `name.<systemNamespace>` with both identity labels, as Kuma names its own defaults on Kubernetes
 * (`mesh-timeout-all-default.kuma-system`, FACTS §1.2). Cluster-scoped kinds (Mesh, MeshGateway), Secrets (the
 * control plane reads them from its system namespace under their own name) and resources already named after a
 * namespace keep their names. `object` itself when nothing changes.
 */
export function onKubernetes(typeName: string, object: JsonObject, systemNamespace: string): JsonObject {
  if (typeName === "Mesh" || isSecretType(typeName) || typeof object.name !== "string" || object.name === "") return object;
  if (isClusterScoped(typeName) || kubernetesNameOf(object) !== undefined) return object;
  const { type, mesh, name, labels: _labels, ...rest } = object;
  const labels = { ...labelsOf(object), [DISPLAY_NAME_LABEL]: name, [NAMESPACE_LABEL]: systemNamespace };
  // The envelope first, as the control plane prints it.
  return { ...(type !== undefined ? { type } : {}), ...(mesh !== undefined ? { mesh } : {}), name: coreName(name, systemNamespace), labels, ...rest };
}

/**
 * Why a Universal-shaped resource labelled `k8s.kuma.io/namespace` but not `kuma.io/display-name` is not what it looks
 * like: `onKubernetes` renders it into the system namespace under its whole name (`x.web` becomes `x.web.kuma-system`),
 * since only both labels make a name Kubernetes-shaped (kubernetesNameOf), as Kuma's own objects carry both (its
 * display name is the whole name without the label: model.GetDisplayName). Undefined when nothing is amiss.
 */
export function namespaceLabelWithoutDisplayName(typeName: string, object: JsonObject, systemNamespace: string): string | undefined {
  const labels = labelsOf(object);
  const namespace = labels[NAMESPACE_LABEL];
  if (typeof namespace !== "string" || namespace === "" || labels[DISPLAY_NAME_LABEL] !== undefined) return undefined;
  const rendered = onKubernetes(typeName, object, systemNamespace);
  if (rendered === object) return undefined;
  const name = String(object.name);
  const suffix = `.${namespace}`;
  const display = name.endsWith(suffix) && name.length > suffix.length ? name.slice(0, -suffix.length) : name;
  const apiName = coreName(display, namespace);
  const fix = apiName === name ? `add the label ${DISPLAY_NAME_LABEL}: ${display}` : `name it ${apiName} and add the label ${DISPLAY_NAME_LABEL}: ${display}`;
  return (
    `name ${JSON.stringify(name)} with label ${NAMESPACE_LABEL}: ${namespace} but no ${DISPLAY_NAME_LABEL} is not namespace ${namespace}'s ${display}: ` +
    `on a Kubernetes control plane it becomes ${String(rendered.name)} in namespace ${systemNamespace}; ${fix} (as Kuma labels what it names ${apiName}), ` +
    `or write a Kubernetes document named ${display} in namespace ${namespace}`
  );
}

/**
 * A default policy as the control plane names it when it creates a Mesh: `<prefix>-<mesh>`, of the prefix's type, or
 * on Kubernetes that object in a system namespace (`mesh-timeout-all-default.kuma-system`).
 */
export function isControlPlaneDefault(key: { readonly type: string; readonly mesh: string; readonly name: string }, systemNamespaces: readonly string[]): boolean {
  return controlPlaneDefaultOf(key, systemNamespaces) !== undefined;
}

/** The default policy `key` names as the control plane names it (isControlPlaneDefault), if any. */
export function controlPlaneDefaultOf(key: { readonly type: string; readonly mesh: string; readonly name: string }, systemNamespaces: readonly string[]): DefaultPolicy | undefined {
  return DEFAULT_POLICIES.find((p) => {
    const name = defaultPolicyName(p.prefix, key.mesh);
    return p.type === key.type && (key.name === name || systemNamespaces.some((namespace) => key.name === coreName(name, namespace)));
  });
}

/** One Kubernetes object: its kind, its namespace (none for a cluster-scoped kind) and its name. */
export interface KubernetesObjectName {
  readonly kind: string;
  readonly namespace?: string | undefined;
  readonly name: string;
}

/**
 * The Kubernetes object a resource is, where `render --format kubernetes` and `hydrate` put it (report/render.ts
 * `toKubernetes`): a Mesh or MeshGateway by its name alone (cluster-scoped); a Secret or GlobalSecret as a core/v1
 * Secret of the system namespace under its own name; a resource read from a namespaced document in its namespace
 * under its own name; any other in the system namespace (none without one: `meshops export` of a Universal control
 * plane).
 */
export function kubernetesObjectOf(typeName: string, object: JsonObject, systemNamespace: string | undefined): KubernetesObjectName {
  const name = typeof object.name === "string" ? object.name : "";
  if (isSecretType(typeName)) return { kind: "Secret", namespace: systemNamespace, name };
  if (isClusterScoped(typeName)) return { kind: typeName, name };
  const named = kubernetesNameOf(object);
  return named ? { kind: typeName, namespace: named.namespace, name: named.name } : { kind: typeName, namespace: systemNamespace, name };
}

/**
 * What makes two objects one in Kubernetes: kind, namespace and name, whatever the mesh label says (names are per mesh
 * in Kuma's API). The key the render check, validation and plan's warning compare.
 */
export function kubernetesObjectKey(object: KubernetesObjectName): string {
  return `${object.kind}/${object.namespace ?? ""}/${object.name}`;
}

/** The rule of what Kubernetes would refuse in a manifest, or hold as one object (render's check, and validation's). */
export const MANIFEST_RULE = "kubernetes-manifest";

/**
 * What a second resource that is the same Kubernetes object as `other` is told (render's check and validation's):
 * names are unique per kind and namespace, not per mesh, so each apply would replace the other.
 */
export function sameObjectMessage(object: KubernetesObjectName, other: { readonly type: string; readonly mesh: string; readonly name: string; readonly source?: { readonly file: string; readonly line: number } | undefined }): string {
  const where = object.namespace === undefined ? "" : ` in namespace ${object.namespace}`;
  const at = other.source ? ` (${other.source.file}:${other.source.line})` : "";
  return `${object.kind} ${object.name}${where} is also ${subjectOf(other)}${at}: one Kubernetes object cannot be both; rename one`;
}

/** Collisions shown at most; beyond, a count. */
const COLLISIONS_SHOWN = 10;

/**
 * Desired resources that Kubernetes would hold as one object: the same kind and API name in several meshes (names are
 * per mesh in Kuma's API, but one per namespace, or per cluster, in Kubernetes, whatever the mesh label says). Typical
 * of a Universal-shaped repository reusing names across meshes, all rendered into the system namespace. One message
 * per collision, for a warning: only the last one applied would exist.
 */
export function kubernetesCollisions(resources: readonly { readonly type: string; readonly mesh: string; readonly name: string; readonly object: JsonObject }[]): string[] {
  const meshesByObject = new Map<string, { readonly type: string; readonly object: JsonObject; readonly meshes: string[] }>();
  for (const r of resources) {
    if (r.type === "Mesh") continue;
    // Secrets and GlobalSecrets are all core/v1 Secrets of the system namespace, named as in Kuma's API (kuma/secrets.ts).
    const placed = kubernetesObjectOf(r.type, r.object, undefined);
    const key = kubernetesObjectKey(placed);
    const mesh = nameOfUnit(r.mesh);
    const entry = meshesByObject.get(key);
    if (entry) entry.meshes.push(mesh);
    else meshesByObject.set(key, { type: placed.kind, object: r.object, meshes: [mesh] });
  }
  const messages: string[] = [];
  let more = 0;
  for (const { type, object, meshes } of meshesByObject.values()) {
    if (meshes.length < 2) continue;
    if (messages.length >= COLLISIONS_SHOWN) {
      more++;
      continue;
    }
    const k8s = kubernetesNameOf(object);
    const where = k8s ? `${type} ${k8s.name} in namespace ${k8s.namespace}` : `${type} ${String(object.name)}`;
    messages.push(`${where} is one Kubernetes object, but meshes ${meshes.join(", ")} each define it: only the one applied last would exist; give each its own name`);
  }
  if (more > 0) messages.push(`and ${more} more names defined in several meshes that Kubernetes would hold as one object each`);
  return messages;
}

/**
 * The plural of a kind or of its display name, as Kuma's GET /_resources spells `pluralDisplayName` (Mesh Retries,
 * Mesh TLSes, Zone Ingresses): what meshops writes of many resources of a kind (TrafficPermissions, OPAPolicies).
 */
export function pluralOfKind(singular: string): string {
  if (/[^aeiou]y$/.test(singular)) return `${singular.slice(0, -1)}ies`;
  return /(sh|ch|ss|S|x)$/.test(singular) ? `${singular}es` : `${singular}s`;
}
