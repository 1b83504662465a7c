/**
 * MeshTimeout (`pkg/plugins/policies/meshtimeout/api/v1alpha1/validator.go`, FACTS §4.3). Paths are rooted at `spec`.
 */
import type { JsonObject, Violation } from "../../model/resource.js";
import type { Json } from "./json.js";
import { checkTopLevelAndSections } from "./sections.js";
import { field, index, isSet, itemsOf, objectOf, prop, violation } from "./json.js";
import { MUST_NOT_BE_DEFINED, SOURCE_CONDITIONED_MESSAGE, checkDuration, validateSourceMatches } from "./common.js";
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
} from "./targetRef.js";

const TOP_LEVEL_KINDS = [MESH, MESH_SUBSET, DATAPLANE, MESH_GATEWAY, MESH_SERVICE, MESH_SERVICE_SUBSET, MESH_HTTP_ROUTE];
const ROUTE_ONLY_MESSAGE = "can't be specified when top-level TargetRef is referencing MeshHTTPRoute";

export function meshTimeoutViolations(spec: JsonObject): Violation[] {
  const out: Violation[] = [];
  const { from, to, rules } = checkTopLevelAndSections(spec, TOP_LEVEL_KINDS, out);
  const topKind = topLevelKind(spec);
  out.push(...validateFrom(from, topKind), ...validateTo(to, topKind), ...validateRules(rules, topKind));
  return out;
}

function validateFrom(from: readonly Json[], topKind: string): Violation[] {
  // Routes and gateways have no inbound side to configure.
  if (topKind === MESH_HTTP_ROUTE || topKind === MESH_GATEWAY) {
    return from.length > 0 ? [violation("spec.from", MUST_NOT_BE_DEFINED)] : [];
  }
  return from.flatMap((item, i) => {
    const path = index("spec.from", i);
    const entry = objectOf(item);
    return [
      ...validateTargetRef(field(path, "targetRef"), prop(entry, "targetRef"), { supportedKinds: [MESH] }),
      ...validateDefault(field(path, "default"), prop(entry, "default"), topKind),
    ];
  });
}

function validateTo(to: readonly Json[], topKind: string): Violation[] {
  // Under a route or a gateway the destination is already chosen; only the mesh-wide and external ones remain.
  const supportedKinds =
    topKind === MESH_HTTP_ROUTE || topKind === MESH_GATEWAY
      ? [MESH, MESH_EXTERNAL_SERVICE]
      : [MESH, MESH_SERVICE, MESH_EXTERNAL_SERVICE, MESH_MULTI_ZONE_SERVICE, MESH_HTTP_ROUTE];
  return to.flatMap((item, i) => {
    const path = index("spec.to", i);
    const entry = objectOf(item);
    return [
      ...validateTargetRef(field(path, "targetRef"), prop(entry, "targetRef"), { supportedKinds }),
      ...validateDefault(field(path, "default"), prop(entry, "default"), topKind),
    ];
  });
}

function validateRules(rules: readonly Json[], topKind: string): Violation[] {
  return rules.flatMap((item, i) => {
    const path = index("spec.rules", i);
    const rule = objectOf(item);
    const conf = prop(rule, "default");
    return [
      ...validateMatches(field(path, "matches"), field(path, "default"), itemsOf(prop(rule, "matches")), conf),
      ...validateDefault(field(path, "default"), conf, topKind),
    ];
  });
}

function validateMatches(matchesPath: string, defaultPath: string, matches: readonly Json[], conf: Json): Violation[] {
  const { violations, hasSpiffeID } = validateSourceMatches(matchesPath, matches);
  return hasSpiffeID ? [...violations, ...validateSourceConditionedTimeouts(defaultPath, conf)] : violations;
}

/** Timeouts Envoy applies before the peer's identity is known cannot differ per source. */
function validateSourceConditionedTimeouts(path: string, conf: Json): Violation[] {
  const object = objectOf(conf);
  const http = objectOf(prop(object, "http"));
  return [
    ...mustBeAbsent(path, object, ["connectionTimeout", "idleTimeout"], SOURCE_CONDITIONED_MESSAGE),
    ...mustBeAbsent(field(path, "http"), http, ["requestHeadersTimeout", "maxStreamDuration", "maxConnectionDuration"], SOURCE_CONDITIONED_MESSAGE),
  ];
}

function validateDefault(path: string, conf: Json, topKind: string): Violation[] {
  // A missing `default` is an empty one (a Go struct value, not a pointer).
  const object = objectOf(conf);
  const http = prop(object, "http");
  if (!isSet(prop(object, "connectionTimeout")) && !isSet(prop(object, "idleTimeout")) && !isSet(http)) {
    return [violation(path, "at least one timeout should be configured")];
  }
  const out: Violation[] = [];
  if (topKind === MESH_HTTP_ROUTE) {
    // A route only has request-level timeouts; connection-level ones belong to the listener or cluster.
    out.push(...mustBeAbsent(path, object, ["connectionTimeout", "idleTimeout"], ROUTE_ONLY_MESSAGE));
    out.push(...mustBeAbsent(field(path, "http"), objectOf(http), ["maxStreamDuration", "maxConnectionDuration"], ROUTE_ONLY_MESSAGE));
  }
  out.push(...checkDuration(field(path, "connectionTimeout"), prop(object, "connectionTimeout"), "greaterThanZero"));
  out.push(...checkDuration(field(path, "idleTimeout"), prop(object, "idleTimeout"), "notNegative"));
  out.push(...validateHttp(field(path, "http"), http));
  return out;
}

const HTTP_TIMEOUTS = ["requestTimeout", "streamIdleTimeout", "maxStreamDuration", "maxConnectionDuration", "requestHeadersTimeout"];

function validateHttp(path: string, http: Json): Violation[] {
  const object = objectOf(http);
  if (object === undefined) return [];
  const out: Violation[] = [];
  // As in the control plane, requestHeadersTimeout alone does not count as configuring this section.
  if (HTTP_TIMEOUTS.slice(0, 4).every((name) => !isSet(prop(object, name)))) {
    out.push(violation(path, "at least one timeout in this section should be configured"));
  }
  for (const name of HTTP_TIMEOUTS) out.push(...checkDuration(field(path, name), prop(object, name), "notNegative"));
  return out;
}

/** `validators.ValidateNil` for each named field of `object`. */
function mustBeAbsent(path: string, object: JsonObject | undefined, names: readonly string[], message: string): Violation[] {
  return names.filter((name) => isSet(prop(object, name))).map((name) => violation(field(path, name), message));
}
