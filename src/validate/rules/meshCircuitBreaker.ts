/**
 * MeshCircuitBreaker (`pkg/plugins/policies/meshcircuitbreaker/api/v1alpha1/validator.go`, FACTS §4.3). Paths are
 * rooted at `spec`.
 */
import type { JsonObject, Violation } from "../../model/resource.js";
import type { Json } from "./json.js";
import { checkTopLevelAndSections, validateTargetRefEntries } from "./sections.js";
import { field, index, isSet, objectOf, prop, violation } from "./json.js";
import {
  MUST_BE_DEFINED,
  MUST_BE_GREATER_THAN_ZERO,
  checkDuration,
  decimalOf,
  integerGreaterThanZeroOrNil,
  mustHaveAtLeastOne,
  percentageOrNil,
  uint32PercentageOrNil,
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
} from "./targetRef.js";

const TOP_LEVEL_KINDS = [MESH, MESH_SUBSET, MESH_SERVICE, MESH_GATEWAY, MESH_SERVICE_SUBSET, DATAPLANE];
const TO_KINDS = [MESH, MESH_SERVICE, MESH_EXTERNAL_SERVICE, MESH_MULTI_ZONE_SERVICE];

export function meshCircuitBreakerViolations(spec: JsonObject): Violation[] {
  const out: Violation[] = [];
  const { from, to, rules } = checkTopLevelAndSections(spec, TOP_LEVEL_KINDS, out);
  out.push(
    ...validateTargetRefEntries("spec.from", from, [MESH], validateDefault),
    ...validateTargetRefEntries("spec.to", to, TO_KINDS, validateDefault),
    ...validateRules(rules),
  );
  return out;
}

function validateRules(rules: readonly Json[]): Violation[] {
  // Control-plane quirk (FACTS §4.3): v2.14's validateRules roots its paths at `from`, so a problem in
  // `rules[i].default` is reported as `spec.from[i].default…`. Kept so our paths match what the server returns.
  return rules.flatMap((item, i) => validateDefault(field(index("spec.from", i), "default"), prop(objectOf(item), "default")));
}

function validateDefault(path: string, conf: Json): Violation[] {
  const object = objectOf(conf);
  const connectionLimits = prop(object, "connectionLimits");
  const outlierDetection = prop(object, "outlierDetection");
  if (!isSet(connectionLimits) && !isSet(outlierDetection)) {
    return [violation(path, "at least one of: 'connectionLimits' or 'outlierDetection' should be configured")];
  }
  return [
    ...validateConnectionLimits(field(path, "connectionLimits"), objectOf(connectionLimits)),
    ...validateOutlierDetection(field(path, "outlierDetection"), objectOf(outlierDetection)),
  ];
}

const CONNECTION_LIMITS = ["maxConnections", "maxConnectionPools", "maxPendingRequests", "maxRetries", "maxRequests"];

function validateConnectionLimits(path: string, limits: JsonObject | undefined): Violation[] {
  if (limits === undefined) return [];
  return CONNECTION_LIMITS.flatMap((name) => integerGreaterThanZeroOrNil(field(path, name), prop(limits, name)));
}

function validateOutlierDetection(path: string, detection: JsonObject | undefined): Violation[] {
  if (detection === undefined) return [];
  return [
    ...checkDuration(field(path, "interval"), prop(detection, "interval"), "greaterThanZero"),
    ...checkDuration(field(path, "baseEjectionTime"), prop(detection, "baseEjectionTime"), "greaterThanZero"),
    ...uint32PercentageOrNil(field(path, "maxEjectionPercent"), prop(detection, "maxEjectionPercent")),
    ...percentageOrNil(field(path, "healthyPanicThreshold"), prop(detection, "healthyPanicThreshold")),
    ...validateDetectors(field(path, "detectors"), prop(detection, "detectors")),
  ];
}

const DETECTORS = ["totalFailures", "gatewayFailures", "localOriginFailures", "successRate", "failurePercentage"];

function validateDetectors(path: string, detectors: Json): Violation[] {
  // Outlier detection without a detector would never eject anything.
  if (!isSet(detectors)) return [violation(path, MUST_BE_DEFINED)];
  const object = objectOf(detectors);
  if (DETECTORS.every((name) => !isSet(prop(object, name)))) return [violation(path, mustHaveAtLeastOne(...DETECTORS))];
  const detector = (name: string): JsonObject | undefined => objectOf(prop(object, name));
  const positive = (name: string, key: string): Violation[] =>
    integerGreaterThanZeroOrNil(field(field(path, name), key), prop(detector(name), key));
  return [
    ...positive("totalFailures", "consecutive"),
    ...positive("gatewayFailures", "consecutive"),
    ...positive("localOriginFailures", "consecutive"),
    ...positive("successRate", "minimumHosts"),
    ...positive("successRate", "requestVolume"),
    ...standardDeviationFactor(field(path, "successRate.standardDeviationFactor"), prop(detector("successRate"), "standardDeviationFactor")),
    ...positive("failurePercentage", "minimumHosts"),
    ...positive("failurePercentage", "requestVolume"),
    ...uint32PercentageOrNil(field(path, "failurePercentage.threshold"), prop(detector("failurePercentage"), "threshold")),
  ];
}

/** An int-or-string decimal that must be positive. */
function standardDeviationFactor(path: string, value: Json): Violation[] {
  if (!isSet(value)) return [];
  const n = decimalOf(value);
  if (n === undefined) return [violation(path, "invalid number")];
  return n <= 0 ? [violation(path, MUST_BE_GREATER_THAN_ZERO)] : [];
}
