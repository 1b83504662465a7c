/**
 * MeshRateLimit (`pkg/plugins/policies/meshratelimit/api/v1alpha1/validator.go`). Paths are rooted at `spec`.
 */
import type { JsonObject, Violation } from "../../model/resource.js";
import type { Json } from "./json.js";
import { field, index, isSet, itemsOf, objectOf, prop, violation } from "./json.js";
import {
  MUST_BE_DEFINED,
  MUST_NOT_BE_DEFINED,
  SOURCE_CONDITIONED_MESSAGE,
  durationGreaterThan,
  integerGreaterThan,
  integerGreaterThanZeroOrNil,
  mustHaveAtLeastOne,
  validateSourceMatches,
} from "./common.js";
import {
  DATAPLANE,
  GATEWAY_SCOPE_FROM_MESSAGE,
  MESH,
  MESH_GATEWAY,
  MESH_HTTP_ROUTE,
  MESH_SERVICE,
  MESH_SERVICE_SUBSET,
  MESH_SUBSET,
  affectsInbounds,
  includesGateways,
  isSystemPolicy,
  validateTargetRef,
  validateTopLevel,
} from "./targetRef.js";

const SYSTEM_TOP_LEVEL_KINDS = [MESH, MESH_SUBSET, MESH_GATEWAY, MESH_SERVICE, MESH_SERVICE_SUBSET, MESH_HTTP_ROUTE, DATAPLANE];
const WORKLOAD_TOP_LEVEL_KINDS = [MESH, MESH_SUBSET, MESH_SERVICE, MESH_SERVICE_SUBSET, DATAPLANE];
/** Envoy's token buckets refill no faster than this. */
const MIN_INTERVAL_NS = 50_000_000n;

export function meshRateLimitViolations(spec: JsonObject, _context: unknown, resource: JsonObject): Violation[] {
  const out: Violation[] = [];
  const from = itemsOf(prop(spec, "from"));
  const to = itemsOf(prop(spec, "to"));
  const rules = itemsOf(prop(spec, "rules"));
  if (rules.length > 0 && (to.length > 0 || from.length > 0)) out.push(violation("spec", "fields 'to' and 'from' must be empty when 'rules' is defined"));
  const system = isSystemPolicy(resource);
  out.push(
    ...validateTopLevel(spec, {
      supportedKinds: system ? SYSTEM_TOP_LEVEL_KINDS : WORKLOAD_TOP_LEVEL_KINDS,
      gatewayListenerTagsAllowed: system,
      isInboundPolicy: affectsInbounds(spec),
    }),
  );
  // Gateways (and routes) limit on the way out; sidecars limit what comes in.
  const gateways = includesGateways(spec);
  if (gateways && rules.length > 0) out.push(violation("spec.rules", MUST_NOT_BE_DEFINED));
  else rules.forEach((item, i) => out.push(...validateRule(index("spec.rules", i), objectOf(item))));
  if (gateways && from.length > 0) out.push(violation("spec.from", GATEWAY_SCOPE_FROM_MESSAGE));
  else out.push(...validateEntries("spec.from", from));
  if (!gateways && to.length > 0) out.push(violation("spec.to", MUST_NOT_BE_DEFINED));
  else out.push(...validateEntries("spec.to", to));
  return out;
}

function validateRule(path: string, rule: JsonObject | undefined): Violation[] {
  const conf = prop(rule, "default");
  const { violations, hasSpiffeID } = validateSourceMatches(field(path, "matches"), itemsOf(prop(rule, "matches")));
  // A TCP connection is limited before the peer's identity is known.
  if (hasSpiffeID && isSet(prop(objectOf(prop(objectOf(conf), "local")), "tcp"))) {
    violations.push(violation(field(path, "default.local.tcp"), SOURCE_CONDITIONED_MESSAGE));
  }
  return [...violations, ...validateDefault(field(path, "default"), conf)];
}

function validateEntries(listPath: string, entries: readonly Json[]): Violation[] {
  return entries.flatMap((item, i) => {
    const path = index(listPath, i);
    const entry = objectOf(item);
    return [
      ...validateTargetRef(field(path, "targetRef"), prop(entry, "targetRef"), { supportedKinds: [MESH] }),
      ...validateDefault(field(path, "default"), prop(entry, "default")),
    ];
  });
}

function validateDefault(defaultPath: string, conf: Json): Violation[] {
  const path = field(defaultPath, "local");
  const local = objectOf(prop(objectOf(conf), "local"));
  if (local === undefined) return [violation(path, MUST_BE_DEFINED)];
  const out: Violation[] = [];
  const http = objectOf(prop(local, "http"));
  const tcp = objectOf(prop(local, "tcp"));
  if (http === undefined && tcp === undefined) out.push(violation(path, mustHaveAtLeastOne("tcp", "http")));
  if (http !== undefined) out.push(...validateHttp(field(path, "http"), http));
  if (tcp !== undefined) out.push(...validateTcp(field(path, "tcp"), tcp));
  return out;
}

function validateHttp(path: string, http: JsonObject): Violation[] {
  if (!isSet(prop(http, "disabled")) && !isSet(prop(http, "requestRate")) && !isSet(prop(http, "onRateLimit"))) {
    return [violation(path, mustHaveAtLeastOne("disabled", "requestRate", "onRateLimit"))];
  }
  const out: Violation[] = [];
  const requestRate = objectOf(prop(http, "requestRate"));
  if (requestRate !== undefined) out.push(...validateRate(field(path, "requestRate"), requestRate));
  const onRateLimit = objectOf(prop(http, "onRateLimit"));
  if (onRateLimit !== undefined) out.push(...integerGreaterThanZeroOrNil(field(path, "onRateLimit.status"), prop(onRateLimit, "status")));
  return out;
}

function validateTcp(path: string, tcp: JsonObject): Violation[] {
  if (!isSet(prop(tcp, "disabled")) && !isSet(prop(tcp, "connectionRate"))) return [violation(path, mustHaveAtLeastOne("disabled", "connectionRate"))];
  const connectionRate = objectOf(prop(tcp, "connectionRate"));
  return connectionRate === undefined ? [] : validateRate(field(path, "connectionRate"), connectionRate);
}

function validateRate(path: string, rate: JsonObject): Violation[] {
  return [
    ...integerGreaterThan(field(path, "num"), prop(rate, "num"), 0),
    ...durationGreaterThan(field(path, "interval"), prop(rate, "interval"), MIN_INTERVAL_NS, "50ms"),
  ];
}
