/**
 * MeshGlobalRateLimit (Kong Mesh only, beta). Kong Mesh's validator is closed source; these rules are what Kong
 * documents (kuma-reference/kong-mesh/README.md, the MeshGlobalRateLimit docs page and CRD): the targetRef support
 * matrix, a non-empty `from` (CHANGELOG 2.7.0), and the intervals the rate limit service counts in. Paths are rooted
 * at `spec`.
 *
 * The matrix: sidecars `Mesh`, `MeshSubset`, `MeshService` at the top, `from[]` of `Mesh`; built-in gateways `Mesh`,
 * `MeshGateway` at the top, `to[]` of `Mesh`. Kong Mesh 2.11 removed the top-level targetRef deprecations for this
 * policy, so it has none (rules/deprecations.ts).
 */
import type { JsonObject, Violation } from "../../model/resource.js";
import type { Json } from "./json.js";
import { field, index, itemsOf, objectOf, prop, text, violation } from "./json.js";
import { MUST_NOT_BE_DEFINED, MUST_NOT_BE_EMPTY } from "./common.js";
import { parseGoDuration } from "../../kuma/duration.js";
import { validateTargetRefEntries } from "./sections.js";
import { MESH, MESH_GATEWAY, MESH_SERVICE, MESH_SUBSET, topLevelKind, validateTopLevel } from "./targetRef.js";

const TOP_LEVEL_KINDS = [MESH, MESH_SUBSET, MESH_SERVICE, MESH_GATEWAY];
/**
 * "Only 1s, 1m, 1h or 24h can be configured" (the CRD's description of `interval`): durations, compared by value, as
 * the control plane stores and returns them in Go's form (`1m0s`).
 */
const INTERVALS = ["1s", "1m", "1h", "24h"];
const INTERVAL_NANOSECONDS = new Set(INTERVALS.map(parseGoDuration));

export function meshGlobalRateLimitViolations(spec: JsonObject): Violation[] {
  const out = validateTopLevel(spec, { supportedKinds: TOP_LEVEL_KINDS, gatewayListenerTagsAllowed: true });
  const from = itemsOf(prop(spec, "from"));
  const to = itemsOf(prop(spec, "to"));
  // Gateways limit on the way out (`to`), sidecars what comes in (`from`); a scope with both may have both.
  const scope = proxyScope(spec);
  if (scope === "gateways" && from.length > 0) out.push(violation("spec.from", "must not be defined when the policy selects only gateways: use spec.to"));
  if (scope === "sidecars" && to.length > 0) out.push(violation("spec.to", `${MUST_NOT_BE_DEFINED} when the policy selects only sidecars: use spec.from`));
  if (scope === "gateways" && to.length === 0) out.push(violation("spec.to", MUST_NOT_BE_EMPTY));
  if (scope !== "gateways" && from.length === 0 && to.length === 0) out.push(violation("spec.from", MUST_NOT_BE_EMPTY));
  out.push(...validateTargetRefEntries("spec.from", from, [MESH], validateDefault));
  out.push(...validateTargetRefEntries("spec.to", to, [MESH], validateDefault));
  return out;
}

/** Which proxies the top-level ref selects: only gateways, only sidecars, or both (Mesh or MeshSubset without proxyTypes). */
function proxyScope(spec: JsonObject): "gateways" | "sidecars" | "both" {
  const kind = topLevelKind(spec);
  if (kind === MESH_GATEWAY) return "gateways";
  if (kind !== MESH && kind !== MESH_SUBSET) return "sidecars";
  const proxyTypes = itemsOf(prop(objectOf(prop(spec, "targetRef")), "proxyTypes"));
  if (proxyTypes.length === 0 || (proxyTypes.includes("Gateway") && proxyTypes.includes("Sidecar"))) return "both";
  return proxyTypes.includes("Gateway") ? "gateways" : "sidecars";
}

function validateDefault(path: string, conf: Json): Violation[] {
  const http = objectOf(prop(objectOf(conf), "http"));
  const out = interval(field(path, "http.requestRate.interval"), prop(objectOf(prop(http, "requestRate")), "interval"));
  itemsOf(prop(http, "ratelimitOnRequest")).forEach((onRequest, i) => {
    itemsOf(prop(objectOf(onRequest), "limits")).forEach((limit, j) => {
      const limitPath = index(field(index(field(path, "http.ratelimitOnRequest"), i), "limits"), j);
      out.push(...interval(field(limitPath, "requestRate.interval"), prop(objectOf(prop(objectOf(limit), "requestRate")), "interval")));
    });
  });
  return out;
}

function interval(path: string, value: Json): Violation[] {
  const given = text(value);
  // An unparsable one is the schema check's to report.
  const nanoseconds = parseGoDuration(given);
  return given === "" || nanoseconds === undefined || INTERVAL_NANOSECONDS.has(nanoseconds) ? [] : [violation(path, `must be one of ${INTERVALS.join(", ")}: the rate limit service counts in these intervals only`)];
}
