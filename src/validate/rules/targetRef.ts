/**
 * The shared `ValidateTargetRef` of `pkg/core/resources/apis/mesh/validators.go` (FACTS §4.2), used for top-level
 * refs, `from`/`to` refs and route `backendRefs` alike; each caller says which kinds it supports and how.
 */
import type { JsonObject, Violation } from "../../model/resource.js";
import type { Json } from "./json.js";
import { field, isNonEmpty, isSet, itemsOf, objectOf, prop, text, violation } from "./json.js";
import { MUST_BE_DEFINED, validateSelector, validateTags } from "./common.js";

export const MESH = "Mesh";
export const MESH_SUBSET = "MeshSubset";
export const MESH_GATEWAY = "MeshGateway";
export const MESH_SERVICE = "MeshService";
export const MESH_EXTERNAL_SERVICE = "MeshExternalService";
export const MESH_MULTI_ZONE_SERVICE = "MeshMultiZoneService";
export const MESH_SERVICE_SUBSET = "MeshServiceSubset";
export const MESH_HTTP_ROUTE = "MeshHTTPRoute";
export const DATAPLANE = "Dataplane";

/** Every kind the policy schemas' `targetRef.kind` enum allows (FACTS §3.1). */
export const ALL_KINDS: readonly string[] = [
  MESH,
  MESH_SUBSET,
  MESH_GATEWAY,
  MESH_SERVICE,
  MESH_EXTERNAL_SERVICE,
  MESH_MULTI_ZONE_SERVICE,
  MESH_SERVICE_SUBSET,
  MESH_HTTP_ROUTE,
  DATAPLANE,
];

export interface TargetRefOptions {
  readonly supportedKinds: readonly string[];
  /** Replaces "value '<kind>' is not supported" for a kind outside `supportedKinds`. */
  readonly supportedKindsError?: string;
  /** A `Dataplane` ref may name an inbound (`sectionName`) only in policies that configure inbound traffic. */
  readonly isInboundPolicy?: boolean;
  /** A `MeshGateway` ref may select listeners by `tags` (top-level refs of gateway-capable policies). */
  readonly gatewayListenerTagsAllowed?: boolean;
  /** Names exempt from the name charset (the gateway's `kuma.io/unresolved-backend` placeholder). */
  readonly allowedInvalidNames?: readonly string[];
}

const NAME_CHARACTERS = /^[0-9a-z.\-_]*$/;
const NAME_CHARACTERS_MESSAGE = "invalid characters: must consist of lower case alphanumeric characters, '-', '.' and '_'.";

/** Violations of the ref at `path` (e.g. `spec.to[0].targetRef`); the ref is read defensively. */
export function validateTargetRef(path: string, ref: Json, options: TargetRefOptions): Violation[] {
  const object = objectOf(ref) ?? {};
  const kind = text(prop(object, "kind"));
  const at = (name: string): string => field(path, name);
  if (kind === "") return [violation(at("kind"), MUST_BE_DEFINED)];
  if (!options.supportedKinds.includes(kind)) return [violation(at("kind"), options.supportedKindsError ?? `value '${kind}' is not supported`)];

  const fields = new RefFields(path, object, kind);
  switch (kind) {
    case MESH:
      if (fields.isSet("name")) fields.add("name", `using name with kind ${kind} is not yet supported`);
      fields.disallow("mesh", "tags", "labels", "namespace", "sectionName");
      fields.requireNonEmptyProxyTypes();
      break;
    case DATAPLANE:
      fields.disallow("tags", "mesh", "proxyTypes");
      if (fields.isSet("labels") && (fields.isSet("name") || fields.isSet("namespace"))) {
        fields.add("labels", "either labels or name and namespace must be specified");
      }
      if (!options.isInboundPolicy && fields.isSet("sectionName")) fields.add("sectionName", "can only be used with inbound policies");
      break;
    case MESH_SUBSET:
      fields.disallow("name", "mesh");
      fields.addAll(validateTags(at("tags"), prop(object, "tags")));
      fields.disallow("labels", "namespace", "sectionName");
      fields.requireNonEmptyProxyTypes();
      break;
    case MESH_SERVICE:
    case MESH_HTTP_ROUTE:
      fields.checkNameCharacters(options.allowedInvalidNames);
      fields.disallow("mesh", "tags", "proxyTypes");
      // Reported at the ref itself, not at `name`: the control plane adds it with an empty field.
      if (!fields.isSet("labels") && !fields.isSet("name")) fields.addAtRef(`name or labels must be set when kind is ${kind}`);
      if (fields.isSet("labels") && (fields.isSet("name") || fields.isSet("namespace"))) {
        fields.add("labels", "either labels or name and namespace must be specified");
      }
      // A route has no ports, so unlike a MeshService it has no section to name.
      if (kind === MESH_HTTP_ROUTE) fields.disallow("sectionName");
      break;
    case MESH_SERVICE_SUBSET:
    case MESH_GATEWAY:
      fields.require("name");
      fields.checkNameCharacters(options.allowedInvalidNames);
      fields.disallow("mesh", "proxyTypes");
      fields.addAll(validateSelector(at("tags"), prop(object, "tags")));
      if (kind === MESH_GATEWAY && !options.gatewayListenerTagsAllowed) fields.disallow("tags");
      fields.disallow("labels", "namespace", "sectionName");
      break;
    case MESH_EXTERNAL_SERVICE:
      fields.checkNameCharacters(options.allowedInvalidNames);
      fields.disallow("mesh", "tags", "proxyTypes");
      if (!fields.isSet("labels") && !fields.isSet("name")) fields.addAtRef(`name or labels must be set when kind is ${kind}`);
      if (fields.isSet("labels") && (fields.isSet("name") || fields.isSet("namespace"))) {
        fields.add("labels", "either labels or name must be specified");
      }
      fields.disallow("sectionName");
      break;
    // MeshMultiZoneService refs have no extra rules: name, labels and sectionName (a port) are all meaningful.
  }
  return fields.violations;
}

/** The kinds a route (MeshHTTPRoute, MeshTCPRoute) may send traffic to. */
export const ROUTE_BACKEND_KINDS: readonly string[] = [MESH_SERVICE, MESH_SERVICE_SUBSET, MESH_EXTERNAL_SERVICE, MESH_MULTI_ZONE_SERVICE];

/** `validators.ValidateBackendRef`: a MeshMultiZoneService has no single port to fall back to. */
export function validateBackendRefPort(path: string, backendRef: Json): Violation[] {
  const ref = objectOf(backendRef);
  if (text(prop(ref, "kind")) === MESH_MULTI_ZONE_SERVICE && !isSet(prop(ref, "port"))) {
    return [violation(field(path, "port"), `${MUST_BE_DEFINED} with kind MeshMultiZoneService`)];
  }
  return [];
}

/** The kind a top-level ref stands for: an omitted ref means the whole Mesh. */
export function topLevelKind(spec: JsonObject | undefined): string {
  const ref = prop(spec, "targetRef");
  if (ref === undefined || ref === null) return MESH;
  return text(prop(objectOf(ref), "kind"));
}

/** `inbound.AffectsInbounds`: the policy has `from` or `rules` entries. */
export function affectsInbounds(spec: JsonObject | undefined): boolean {
  return hasItems(prop(spec, "from")) || hasItems(prop(spec, "rules"));
}

function hasItems(value: Json): boolean {
  return Array.isArray(value) && value.length > 0;
}

/** The fields of one ref and the violations found so far, so each rule above reads as one line. */
class RefFields {
  readonly violations: Violation[] = [];

  constructor(
    private readonly path: string,
    private readonly ref: JsonObject,
    private readonly kind: string,
  ) {}

  /** Go's `isSet`: a non-empty string, or a non-empty map/list. */
  isSet(name: string): boolean {
    const value = prop(this.ref, name);
    return typeof value === "string" ? value !== "" : isNonEmpty(value);
  }

  add(name: string, message: string): void {
    this.violations.push(violation(field(this.path, name), message));
  }

  addAtRef(message: string): void {
    this.violations.push(violation(this.path, message));
  }

  addAll(violations: readonly Violation[]): void {
    this.violations.push(...violations);
  }

  disallow(...names: string[]): void {
    for (const name of names) if (this.isSet(name)) this.add(name, `must not be set with kind ${this.kind}`);
  }

  require(name: string): void {
    if (!this.isSet(name)) this.add(name, `must be set when kind is ${this.kind}`);
  }

  checkNameCharacters(allowedInvalidNames: readonly string[] = []): void {
    const name = text(prop(this.ref, "name"));
    if (!allowedInvalidNames.includes(name) && !NAME_CHARACTERS.test(name)) this.add("name", NAME_CHARACTERS_MESSAGE);
  }

  /** `proxyTypes: []` says nothing; omit it or list at least one proxy type. */
  requireNonEmptyProxyTypes(): void {
    const proxyTypes = prop(this.ref, "proxyTypes");
    if (Array.isArray(proxyTypes) && proxyTypes.length === 0) this.add("proxyTypes", "must be undefined or have at least one element");
  }
}

/**
 * `core_model.PolicyRole(meta) == system`: the control plane sets `kuma.io/policy-role` only on policies outside the
 * system namespace (Kubernetes); without it a policy is a system policy, which may target more kinds.
 */
export function isSystemPolicy(resource: JsonObject): boolean {
  const role = text(prop(objectOf(prop(resource, "labels")), "kuma.io/policy-role"));
  return role === "" || role === "system";
}

/** The usual `validateTop`: the top-level ref, checked only when written (an omitted ref is the whole Mesh). */
export function validateTopLevel(spec: JsonObject, options: TargetRefOptions): Violation[] {
  const targetRef = prop(spec, "targetRef");
  return isSet(targetRef) ? validateTargetRef("spec.targetRef", targetRef, options) : [];
}

/** Why `from` is refused when the scope includes gateways (MeshFaultInjection, MeshRateLimit). */
export const GATEWAY_SCOPE_FROM_MESSAGE =
  "must not be defined when the scope includes a Gateway, select only proxyType Sidecar or select only gateways and use spec.to";

/** `common_api.IncludesGateways` of the top-level ref: it selects gateways (alone or with sidecars) or a route. */
export function includesGateways(spec: JsonObject): boolean {
  const ref = objectOf(prop(spec, "targetRef"));
  const kind = topLevelKind(spec);
  if (kind === MESH_GATEWAY || kind === MESH_HTTP_ROUTE) return true;
  if (kind !== MESH && kind !== MESH_SUBSET) return false;
  const proxyTypes = itemsOf(prop(ref, "proxyTypes"));
  return proxyTypes.length === 0 || proxyTypes.includes("Gateway");
}
