/**
 * MeshFaultInjection (`pkg/plugins/policies/meshfaultinjection/api/v1alpha1/validator.go`). Paths are rooted at
 * `spec`; each fault is reported as `default.http.<kind>[i]`, the index placed after the fault kind as the control
 * plane does.
 */
import type { JsonObject, Violation } from "../../model/resource.js";
import type { Json } from "./json.js";
import { field, index, itemsOf, objectOf, prop, violation } from "./json.js";
import { MUST_NOT_BE_DEFINED, bandwidth, checkDuration, percentage, statusCode, validateMatch } from "./common.js";
import {
  DATAPLANE,
  GATEWAY_SCOPE_FROM_MESSAGE,
  MESH,
  MESH_GATEWAY,
  MESH_SERVICE,
  MESH_SERVICE_SUBSET,
  MESH_SUBSET,
  affectsInbounds,
  includesGateways,
  isSystemPolicy,
  validateTargetRef,
  validateTopLevel,
} from "./targetRef.js";

const SYSTEM_TOP_LEVEL_KINDS = [MESH, MESH_SUBSET, MESH_GATEWAY, MESH_SERVICE, MESH_SERVICE_SUBSET, DATAPLANE];
const WORKLOAD_TOP_LEVEL_KINDS = [MESH, MESH_SUBSET, MESH_SERVICE, MESH_SERVICE_SUBSET, DATAPLANE];
const FROM_KINDS = [MESH, MESH_SUBSET, MESH_SERVICE_SUBSET, MESH_SERVICE];

export function meshFaultInjectionViolations(spec: JsonObject, _context: unknown, resource: JsonObject): Violation[] {
  const system = isSystemPolicy(resource);
  const out = validateTopLevel(spec, {
    supportedKinds: system ? SYSTEM_TOP_LEVEL_KINDS : WORKLOAD_TOP_LEVEL_KINDS,
    gatewayListenerTagsAllowed: system,
    isInboundPolicy: affectsInbounds(spec),
  });
  const from = itemsOf(prop(spec, "from"));
  const to = itemsOf(prop(spec, "to"));
  const rules = itemsOf(prop(spec, "rules"));
  if (from.length > 0 && rules.length > 0) out.push(violation("spec", "field 'from' must be empty when 'rules' is defined"));
  rules.forEach((item, i) => {
    const path = index("spec.rules", i);
    const rule = objectOf(item);
    itemsOf(prop(rule, "matches")).forEach((match, j) => out.push(...validateMatch(index(field(path, "matches"), j), match)));
    out.push(...validateDefault(field(path, "default"), prop(rule, "default")));
  });
  const gateways = includesGateways(spec);
  // Faults on a gateway are injected on its way out (`to`); on a sidecar, on its way in (`from`).
  if (gateways && from.length > 0) {
    out.push(violation("spec.from", GATEWAY_SCOPE_FROM_MESSAGE));
  } else {
    out.push(...validateEntries("spec.from", from, FROM_KINDS));
  }
  if (!gateways && to.length > 0) out.push(violation("spec.to", MUST_NOT_BE_DEFINED));
  else out.push(...validateEntries("spec.to", to, [MESH]));
  return out;
}

function validateEntries(listPath: string, entries: readonly Json[], supportedKinds: readonly string[]): Violation[] {
  return entries.flatMap((item, i) => {
    const path = index(listPath, i);
    const entry = objectOf(item);
    return [
      ...validateTargetRef(field(path, "targetRef"), prop(entry, "targetRef"), { supportedKinds }),
      ...validateDefault(field(path, "default"), prop(entry, "default")),
    ];
  });
}

function validateDefault(defaultPath: string, conf: Json): Violation[] {
  const path = field(defaultPath, "http");
  const out: Violation[] = [];
  itemsOf(prop(objectOf(conf), "http")).forEach((item, i) => {
    const fault = objectOf(item);
    const abort = objectOf(prop(fault, "abort"));
    if (abort !== undefined) {
      const at = index(field(path, "abort"), i);
      out.push(...statusCode(field(at, "httpStatus"), prop(abort, "httpStatus")));
      out.push(...percentage(field(at, "percentage"), prop(abort, "percentage"), true));
    }
    const delay = objectOf(prop(fault, "delay"));
    if (delay !== undefined) {
      const at = index(field(path, "delay"), i);
      out.push(...checkDuration(field(at, "value"), prop(delay, "value"), "notNegative"));
      out.push(...percentage(field(at, "percentage"), prop(delay, "percentage"), true));
    }
    const responseBandwidth = objectOf(prop(fault, "responseBandwidth"));
    if (responseBandwidth !== undefined) {
      const at = index(field(path, "responseBandwidth"), i);
      out.push(...bandwidth(field(at, "limit"), prop(responseBandwidth, "limit")));
      out.push(...percentage(field(at, "percentage"), prop(responseBandwidth, "percentage"), true));
    }
  });
  return out;
}
