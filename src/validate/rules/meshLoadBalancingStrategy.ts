/**
 * MeshLoadBalancingStrategy (`pkg/plugins/policies/meshloadbalancingstrategy/api/v1alpha1/validator.go`). Paths are
 * rooted at `spec`.
 */
import type { JsonObject, Violation } from "../../model/resource.js";
import type { Json } from "./json.js";
import { field, index, isNonEmpty, isSet, itemsOf, objectOf, prop, text, violation } from "./json.js";
import { MUST_BE_DEFINED, MUST_NOT_BE_EMPTY, intOrStringAtLeast, integerGreaterThanZeroOrNil, percentage } from "./common.js";
import {
  DATAPLANE,
  MESH,
  MESH_EXTERNAL_SERVICE,
  MESH_GATEWAY,
  MESH_HTTP_ROUTE,
  MESH_MULTI_ZONE_SERVICE,
  MESH_SERVICE,
  MESH_SERVICE_SUBSET,
  MESH_SUBSET,
  topLevelKind,
  validateTargetRef,
  validateTopLevel,
} from "./targetRef.js";

const TOP_LEVEL_KINDS = [MESH, MESH_SUBSET, MESH_GATEWAY, MESH_SERVICE, MESH_SERVICE_SUBSET, DATAPLANE];
const ROUTE_ONLY_HASH_POLICIES = "field is not allowed when targetRef.kind is MeshHTTPRoute, only hashPolicies is supported";
const ALREADY_AT_ROOT = "hashPolicies already specified in the root level";

export function meshLoadBalancingStrategyViolations(spec: JsonObject): Violation[] {
  const out = validateTopLevel(spec, { supportedKinds: TOP_LEVEL_KINDS, gatewayListenerTagsAllowed: true });
  const topKind = topLevelKind(spec);
  itemsOf(prop(spec, "to")).forEach((item, i) => {
    const path = index("spec.to", i);
    const entry = objectOf(item);
    const ref = prop(entry, "targetRef");
    const conf = objectOf(prop(entry, "default"));
    out.push(...validateTargetRef(field(path, "targetRef"), ref, toKinds(topKind, conf)));
    const kind = text(prop(objectOf(ref), "kind"));
    if (kind === MESH_EXTERNAL_SERVICE && topKind !== MESH) {
      out.push(
        violation(
          field(path, "targetRef.kind"),
          "kind MeshExternalService is only allowed with targetRef.kind: Mesh as it is configured on the Zone Egress and shared by all clients in the mesh",
        ),
      );
    }
    out.push(...validateConf(field(path, "default"), conf, objectOf(ref)));
  });
  return out;
}

function toKinds(topKind: string, conf: JsonObject | undefined): { supportedKinds: readonly string[]; supportedKindsError?: string } {
  if (topKind !== MESH_GATEWAY) return { supportedKinds: [MESH, MESH_SERVICE, MESH_MULTI_ZONE_SERVICE, MESH_HTTP_ROUTE] };
  // A gateway balances per listener: a per-destination balancer is not possible there. (The message names the
  // top-level kind, as the control plane's does.)
  if (isSet(prop(conf, "loadBalancer"))) {
    return { supportedKinds: [MESH], supportedKindsError: `value '${topKind}' is not supported, only ${MESH} is allowed if loadBalancer is set` };
  }
  return { supportedKinds: [MESH, MESH_SERVICE, MESH_MULTI_ZONE_SERVICE] };
}

function validateConf(path: string, conf: JsonObject | undefined, ref: JsonObject | undefined): Violation[] {
  const out: Violation[] = [];
  const loadBalancer = prop(conf, "loadBalancer");
  const localityAwareness = prop(conf, "localityAwareness");
  const hashPolicies = prop(conf, "hashPolicies");
  if (text(prop(ref, "kind")) === MESH_HTTP_ROUTE) {
    out.push(...validateHashPolicies(field(path, "hashPolicies"), hashPolicies));
    if (isSet(loadBalancer)) out.push(violation(field(path, "loadBalancer"), ROUTE_ONLY_HASH_POLICIES));
    if (isSet(localityAwareness)) out.push(violation(field(path, "localityAwareness"), ROUTE_ONLY_HASH_POLICIES));
    return out;
  }
  const balancer = objectOf(loadBalancer);
  out.push(...validateLoadBalancer(field(path, "loadBalancer"), balancer));
  out.push(...validateLocalityAwareness(field(path, "localityAwareness"), objectOf(localityAwareness), ref));
  out.push(...validateHashPolicies(field(path, "hashPolicies"), hashPolicies));
  if (isSet(hashPolicies) && balancer !== undefined) {
    for (const type of ["ringHash", "maglev"]) {
      if (isSet(prop(objectOf(prop(balancer, type)), "hashPolicies"))) out.push(violation(field(path, `loadBalancer.${type}.hashPolicies`), ALREADY_AT_ROOT));
    }
  }
  return out;
}

function validateLoadBalancer(path: string, balancer: JsonObject | undefined): Violation[] {
  switch (text(prop(balancer, "type"))) {
    case "RingHash":
      return validateHashPolicies(field(path, "ringHash.hashPolicies"), prop(objectOf(prop(balancer, "ringHash")), "hashPolicies"));
    case "Maglev":
      return validateHashPolicies(field(path, "maglev.hashPolicies"), prop(objectOf(prop(balancer, "maglev")), "hashPolicies"));
    case "LeastRequest":
      return intOrStringAtLeast(field(path, "leastRequest.activeRequestBias"), prop(objectOf(prop(balancer, "leastRequest")), "activeRequestBias"), 0);
    default:
      return [];
  }
}

const HASH_POLICY_SOURCES: Readonly<Record<string, string>> = {
  Header: "header",
  Cookie: "cookie",
  QueryParameter: "queryParameter",
  FilterState: "filterState",
  Connection: "connection",
  SourceIP: "connection",
};

function validateHashPolicies(path: string, policies: Json): Violation[] {
  const out: Violation[] = [];
  itemsOf(policies).forEach((item, i) => {
    const policy = objectOf(item);
    const source = HASH_POLICY_SOURCES[text(prop(policy, "type"))];
    if (source === undefined) return;
    const sourcePath = field(index(path, i), source);
    const value = prop(policy, source);
    if (!isSet(value)) {
      out.push(violation(sourcePath, MUST_BE_DEFINED));
      return;
    }
    const cookiePath = prop(objectOf(value), "path");
    if (source === "cookie" && typeof cookiePath === "string" && !cookiePath.startsWith("/")) {
      out.push(violation(field(sourcePath, "path"), "must be an absolute path"));
    }
  });
  return out;
}

function validateLocalityAwareness(path: string, awareness: JsonObject | undefined, ref: JsonObject | undefined): Violation[] {
  if (awareness === undefined) return [];
  const out: Violation[] = [];
  const localZone = objectOf(prop(awareness, "localZone"));
  if (localZone !== undefined) {
    const tagsPath = field(path, "localZone.affinityTags");
    const tags = itemsOf(prop(localZone, "affinityTags"));
    let weighted = 0;
    tags.forEach((item, i) => {
      const tag = objectOf(item);
      if (text(prop(tag, "key")) === "") out.push(violation(field(index(tagsPath, i), "key"), MUST_NOT_BE_EMPTY));
      if (isSet(prop(tag, "weight"))) {
        out.push(...integerGreaterThanZeroOrNil(field(index(tagsPath, i), "weight"), prop(tag, "weight")));
        weighted++;
      }
    });
    if (weighted > 0 && weighted !== tags.length) out.push(violation(tagsPath, "all or none affinity tags should have weight"));
  }
  const crossZone = objectOf(prop(awareness, "crossZone"));
  if (crossZone !== undefined) out.push(...validateCrossZone(field(path, "crossZone"), crossZone, ref));
  return out;
}

function validateCrossZone(path: string, crossZone: JsonObject, ref: JsonObject | undefined): Violation[] {
  const out: Violation[] = [];
  // A port or a label-selected set of MeshServices is zone-local; there is nothing to fail over to.
  if (text(prop(ref, "kind")) === MESH_SERVICE && (text(prop(ref, "sectionName")) !== "" || isNonEmpty(prop(ref, "labels")))) {
    out.push(violation(path, "must not be set: MeshService traffic is local"));
  }
  itemsOf(prop(crossZone, "failover")).forEach((item, i) => {
    const failoverPath = index(field(path, "failover"), i);
    const failover = objectOf(item);
    const from = objectOf(prop(failover, "from"));
    if (from !== undefined) {
      const zones = itemsOf(prop(from, "zones"));
      if (zones.length === 0) out.push(violation(field(failoverPath, "from.zones"), MUST_NOT_BE_EMPTY));
      zones.forEach((zone, j) => {
        if (text(zone) === "") out.push(violation(index(field(failoverPath, "from.zones"), j), MUST_NOT_BE_EMPTY));
      });
    }
    const to = objectOf(prop(failover, "to"));
    const type = text(prop(to, "type"));
    const hasZones = itemsOf(prop(to, "zones")).length > 0;
    switch (type) {
      case "Any":
      case "None":
        if (hasZones) out.push(violation(field(failoverPath, "to.zones"), `must be empty when type is ${type}`));
        break;
      case "AnyExcept":
      case "Only":
        if (!hasZones) out.push(violation(field(failoverPath, "to.zones"), `must not be empty when type is ${type}`));
        break;
      default:
        out.push(violation(field(failoverPath, "to.type"), "unrecognized type"));
    }
  });
  const threshold = objectOf(prop(crossZone, "failoverThreshold"));
  if (threshold !== undefined) out.push(...percentage(field(path, "failoverThreshold.percentage"), prop(threshold, "percentage"), false));
  return out;
}
