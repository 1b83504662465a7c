/**
 * MeshHealthCheck (`pkg/plugins/policies/meshhealthcheck/api/v1alpha1/validator.go`). Paths are rooted at `spec`.
 */
import type { JsonObject, Violation } from "../../model/resource.js";
import type { Json } from "./json.js";
import { field, index, isSet, itemsOf, objectOf, prop, violation } from "./json.js";
import {
  MUST_BE_DEFINED,
  checkDuration,
  intPercentageOrNil,
  mustHaveAtLeastOne,
  pathOrNil,
  percentageOrNil,
  statusCode,
  valueGreaterThanZeroOrNil,
} from "./common.js";
import {
  DATAPLANE,
  MESH,
  MESH_EXTERNAL_SERVICE,
  MESH_GATEWAY,
  MESH_MULTI_ZONE_SERVICE,
  MESH_SERVICE,
  MESH_SERVICE_SUBSET,
  MESH_SUBSET,
  validateTargetRef,
  validateTopLevel,
} from "./targetRef.js";

const TOP_LEVEL_KINDS = [MESH, MESH_SUBSET, MESH_GATEWAY, MESH_SERVICE, MESH_SERVICE_SUBSET, DATAPLANE];
const TO_KINDS = [MESH, MESH_SERVICE, MESH_EXTERNAL_SERVICE, MESH_MULTI_ZONE_SERVICE];
const POSITIVE_DURATIONS = ["interval", "timeout", "initialJitter", "intervalJitter", "noTrafficInterval"];

export function meshHealthCheckViolations(spec: JsonObject): Violation[] {
  const out = validateTopLevel(spec, { supportedKinds: TOP_LEVEL_KINDS, gatewayListenerTagsAllowed: true });
  itemsOf(prop(spec, "to")).forEach((item, i) => {
    const path = index("spec.to", i);
    const entry = objectOf(item);
    out.push(...validateTargetRef(field(path, "targetRef"), prop(entry, "targetRef"), { supportedKinds: TO_KINDS }));
    out.push(...validateDefault(field(path, "default"), prop(entry, "default")));
  });
  return out;
}

function validateDefault(path: string, conf: Json): Violation[] {
  const object = objectOf(conf);
  const out: Violation[] = [];
  for (const name of POSITIVE_DURATIONS) out.push(...checkDuration(field(path, name), prop(object, name), "greaterThanZero"));
  out.push(...valueGreaterThanZeroOrNil(field(path, "unhealthyThreshold"), prop(object, "unhealthyThreshold")));
  out.push(...valueGreaterThanZeroOrNil(field(path, "healthyThreshold"), prop(object, "healthyThreshold")));
  out.push(...intPercentageOrNil(field(path, "intervalJitterPercent"), prop(object, "intervalJitterPercent")));
  out.push(...percentageOrNil(field(path, "healthyPanicThreshold"), prop(object, "healthyPanicThreshold")));
  out.push(...pathOrNil(field(path, "eventLogPath"), prop(object, "eventLogPath")));
  const http = objectOf(prop(object, "http"));
  if (http !== undefined) {
    const httpPath = field(path, "http");
    if (prop(http, "path") === "") out.push(violation(field(httpPath, "path"), MUST_BE_DEFINED));
    itemsOf(prop(http, "expectedStatuses")).forEach((status, i) => out.push(...statusCode(index(field(httpPath, "expectedStatuses"), i), status)));
  }
  // TCP and gRPC checks have only optional fields; one of the three must be there all the same.
  if (!isSet(prop(object, "http")) && !isSet(prop(object, "tcp")) && !isSet(prop(object, "grpc"))) {
    out.push(violation(path, mustHaveAtLeastOne("http", "tcp", "grpc")));
  }
  return out;
}
