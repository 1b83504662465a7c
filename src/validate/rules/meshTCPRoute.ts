/**
 * MeshTCPRoute (`pkg/plugins/policies/meshtcproute/api/v1alpha1/validator.go`). Paths are rooted at `spec`.
 */
import type { JsonObject, Violation } from "../../model/resource.js";
import { field, index, itemsOf, objectOf, prop, violation } from "./json.js";
import { MUST_BE_DEFINED } from "./common.js";
import {
  DATAPLANE,
  MESH,
  MESH_EXTERNAL_SERVICE,
  MESH_GATEWAY,
  MESH_MULTI_ZONE_SERVICE,
  MESH_SERVICE,
  MESH_SERVICE_SUBSET,
  MESH_SUBSET,
  ROUTE_BACKEND_KINDS,
  isSystemPolicy,
  topLevelKind,
  validateBackendRefPort,
  validateTargetRef,
  validateTopLevel,
} from "./targetRef.js";

const SYSTEM_TOP_LEVEL_KINDS = [MESH, MESH_SUBSET, MESH_GATEWAY, MESH_SERVICE, MESH_SERVICE_SUBSET, DATAPLANE];
const WORKLOAD_TOP_LEVEL_KINDS = [MESH, MESH_SUBSET, MESH_SERVICE, MESH_SERVICE_SUBSET, DATAPLANE];

export function meshTCPRouteViolations(spec: JsonObject, _context: unknown, resource: JsonObject): Violation[] {
  const system = isSystemPolicy(resource);
  const out = validateTopLevel(spec, { supportedKinds: system ? SYSTEM_TOP_LEVEL_KINDS : WORKLOAD_TOP_LEVEL_KINDS, gatewayListenerTagsAllowed: system });
  // A gateway route selects traffic by listener, so its `to` can only be the whole mesh; sidecar routes name a destination.
  const toKinds = topLevelKind(spec) === MESH_GATEWAY ? [MESH] : [MESH_SERVICE, MESH_EXTERNAL_SERVICE, MESH_MULTI_ZONE_SERVICE];
  itemsOf(prop(spec, "to")).forEach((item, i) => {
    const path = index("spec.to", i);
    const to = objectOf(item);
    out.push(...validateTargetRef(field(path, "targetRef"), prop(to, "targetRef"), { supportedKinds: toKinds }));
    itemsOf(prop(to, "rules")).forEach((rule, j) => {
      const refsPath = field(index(field(path, "rules"), j), "default.backendRefs");
      const backendRefs = itemsOf(prop(objectOf(prop(objectOf(rule), "default")), "backendRefs"));
      if (backendRefs.length === 0) out.push(violation(refsPath, MUST_BE_DEFINED));
      backendRefs.forEach((backendRef, k) => {
        out.push(...validateTargetRef(index(refsPath, k), backendRef, { supportedKinds: ROUTE_BACKEND_KINDS }));
        out.push(...validateBackendRefPort(index(refsPath, k), backendRef));
      });
    });
  });
  return out;
}
