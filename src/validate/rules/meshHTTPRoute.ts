/**
 * MeshHTTPRoute (`pkg/plugins/policies/meshhttproute/api/v1alpha1/validation.go`, FACTS §4.3). Paths are rooted at
 * `spec`.
 */
import type { JsonObject, Violation } from "../../model/resource.js";
import type { Json } from "./json.js";
import { field, index, isSet, itemsOf, objectOf, prop, stringOf, text, violation } from "./json.js";
import { MUST_BE_DEFINED, MUST_NOT_BE_DEFINED, MUST_NOT_BE_EMPTY, dns1123SubdomainProblems, isSloppyIP, mustHaveAtLeastOne } from "./common.js";
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
  topLevelKind,
  validateBackendRefPort,
  validateTargetRef,
} from "./targetRef.js";

const TOP_LEVEL_KINDS = [MESH, MESH_GATEWAY, MESH_SUBSET, MESH_SERVICE, MESH_SERVICE_SUBSET, DATAPLANE];
const MIRROR_BACKEND_KINDS = [MESH_SERVICE, MESH_SERVICE_SUBSET];
/** The name the Gateway API converter gives a backend it could not resolve; it is exempt from the name charset. */
const UNRESOLVED_BACKEND = "kuma.io/unresolved-backend";

export function meshHTTPRouteViolations(spec: JsonObject): Violation[] {
  const out: Violation[] = [];
  const targetRef = prop(spec, "targetRef");
  if (isSet(targetRef)) {
    out.push(...validateTargetRef("spec.targetRef", targetRef, { supportedKinds: TOP_LEVEL_KINDS, gatewayListenerTagsAllowed: true }));
  }
  const topKind = topLevelKind(spec);
  itemsOf(prop(spec, "to")).forEach((item, i) => out.push(...validateTo(index("spec.to", i), objectOf(item), topKind)));
  return out;
}

function validateTo(path: string, to: JsonObject | undefined, topKind: string): Violation[] {
  // A gateway route selects traffic by listener, so its `to` can only be the whole mesh; sidecar routes name a destination.
  const supportedKinds = topKind === MESH_GATEWAY ? [MESH] : [MESH_SERVICE, MESH_EXTERNAL_SERVICE, MESH_MULTI_ZONE_SERVICE];
  const out = validateTargetRef(field(path, "targetRef"), prop(to, "targetRef"), { supportedKinds });
  // Only a gateway listener has host names to match on.
  if (topKind !== MESH_GATEWAY && itemsOf(prop(to, "hostnames")).length > 0) out.push(violation(field(path, "hostnames"), MUST_NOT_BE_DEFINED));
  itemsOf(prop(to, "rules")).forEach((rule, i) => out.push(...validateRule(index(field(path, "rules"), i), objectOf(rule), topKind)));
  return out;
}

function validateRule(path: string, rule: JsonObject | undefined, topKind: string): Violation[] {
  const matches = itemsOf(prop(rule, "matches"));
  const conf = objectOf(prop(rule, "default"));
  const filters = prop(conf, "filters");
  return [
    ...matches.flatMap((match, i) => validateMatch(index(field(path, "matches"), i), objectOf(match))),
    ...itemsOf(filters).flatMap((filter, i) => validateFilter(index(field(path, "default.filters"), i), objectOf(filter), matches, topKind)),
    ...validateBackendRefs(field(path, "default.backendRefs"), itemsOf(prop(conf, "backendRefs")), itemsOf(filters), topKind),
  ];
}

function validateMatch(path: string, match: JsonObject | undefined): Violation[] {
  return [
    ...validatePathMatch(field(path, "path.value"), objectOf(prop(match, "path"))),
    ...validateQueryParams(field(path, "queryParams"), itemsOf(prop(match, "queryParams"))),
    ...validateHeaders(field(path, "headers"), itemsOf(prop(match, "headers"))),
  ];
}

function validatePathMatch(valuePath: string, pathMatch: JsonObject | undefined): Violation[] {
  if (pathMatch === undefined) return [];
  const value = text(prop(pathMatch, "value"));
  const out: Violation[] = [];
  switch (text(prop(pathMatch, "type"))) {
    case "PathPrefix":
      if (value === "/") break;
      if (value.endsWith("/")) {
        out.push(violation(valuePath, "does not need a trailing slash because only a `/`-separated prefix or an entire path is matched"));
      }
      if (!value.startsWith("/")) out.push(violation(valuePath, "must be an absolute path"));
      break;
    case "Exact":
      if (!value.startsWith("/")) out.push(violation(valuePath, "must be an absolute path"));
      break;
    // RegularExpression: any pattern.
  }
  return out;
}

function validateQueryParams(path: string, params: readonly Json[]): Violation[] {
  const out: Violation[] = [];
  const seen = new Set<string>();
  params.forEach((param, i) => {
    const name = text(prop(objectOf(param), "name"));
    if (seen.has(name)) out.push(violation(field(index(path, i), "name"), `multiple entries for name ${name}`));
    seen.add(name);
  });
  return out;
}

function validateHeaders(path: string, headers: readonly Json[]): Violation[] {
  const out: Violation[] = [];
  headers.forEach((header, i) => {
    const object = objectOf(header);
    const type = stringOf(prop(object, "type")) ?? "Exact";
    // Present/Absent test for the header itself; a value would be silently ignored.
    if ((type === "Present" || type === "Absent") && text(prop(object, "value")) !== "") {
      out.push(violation(field(index(path, i), "value"), MUST_NOT_BE_DEFINED));
    }
  });
  return out;
}

function validateFilter(path: string, filter: JsonObject | undefined, matches: readonly Json[], topKind: string): Violation[] {
  switch (text(prop(filter, "type"))) {
    case "RequestHeaderModifier":
      return validateHeaderModifierFilter(field(path, "requestHeaderModifier"), prop(filter, "requestHeaderModifier"));
    case "ResponseHeaderModifier":
      return validateHeaderModifierFilter(field(path, "responseHeaderModifier"), prop(filter, "responseHeaderModifier"));
    case "RequestRedirect":
      return validateRedirectOrRewrite(field(path, "requestRedirect"), prop(filter, "requestRedirect"), matches);
    case "URLRewrite": {
      const rewritePath = field(path, "urlRewrite");
      const rewrite = prop(filter, "urlRewrite");
      const out = validateRedirectOrRewrite(rewritePath, rewrite, matches);
      if (isSet(rewrite)) out.push(...validateHostToBackendHostname(rewritePath, objectOf(rewrite), topKind));
      return out;
    }
    case "RequestMirror": {
      const mirrorPath = field(path, "requestMirror");
      const mirror = prop(filter, "requestMirror");
      if (!isSet(mirror)) return [violation(mirrorPath, MUST_BE_DEFINED)];
      return validateTargetRef(field(mirrorPath, "backendRef"), prop(objectOf(mirror), "backendRef"), { supportedKinds: MIRROR_BACKEND_KINDS });
    }
    default:
      return [];
  }
}

function validateHeaderModifierFilter(path: string, modifier: Json): Violation[] {
  if (!isSet(modifier)) return [violation(path, MUST_BE_DEFINED)];
  const object = objectOf(modifier);
  const set = prop(object, "set");
  const add = prop(object, "add");
  const remove = prop(object, "remove");
  if (!isSet(set) && !isSet(add) && !isSet(remove)) return [violation(path, mustHaveAtLeastOne("set", "add", "remove"))];
  // One header name may appear once across set, add and remove: the order Envoy applies them in is not what users expect.
  const out: Violation[] = [];
  const seen = new Set<string>();
  const claim = (itemPath: string, name: string): void => {
    if (seen.has(name)) out.push(violation(field(itemPath, "name"), "duplicate header name"));
    seen.add(name);
  };
  itemsOf(set).forEach((header, i) => claim(index(field(path, "set"), i), text(prop(objectOf(header), "name"))));
  itemsOf(add).forEach((header, i) => claim(index(field(path, "add"), i), text(prop(objectOf(header), "name"))));
  itemsOf(remove).forEach((name, i) => claim(index(field(path, "remove"), i), text(name)));
  return out;
}

/** RequestRedirect and URLRewrite share the path-prefix and hostname rules. */
function validateRedirectOrRewrite(path: string, value: Json, matches: readonly Json[]): Violation[] {
  if (!isSet(value)) return [violation(path, MUST_BE_DEFINED)];
  const object = objectOf(value);
  const out: Violation[] = [];
  if (isSet(prop(objectOf(prop(object, "path")), "replacePrefixMatch")) && hasAnyMatchWithoutPrefix(matches)) {
    out.push(violation(field(path, "path.replacePrefixMatch"), "can only appear if all matches match a path prefix"));
  }
  const hostname = prop(object, "hostname");
  if (isSet(hostname)) out.push(...validatePreciseHostname(field(path, "hostname"), text(hostname)));
  return out;
}

/** No matches means the default `/` prefix. */
function hasAnyMatchWithoutPrefix(matches: readonly Json[]): boolean {
  return matches.some((match) => text(prop(objectOf(prop(objectOf(match), "path")), "type")) !== "PathPrefix");
}

/** A fully qualified host name: RFC 1123, and never an IP address. */
function validatePreciseHostname(path: string, hostname: string): Violation[] {
  if (isSloppyIP(hostname)) return [violation(path, "cannot be an IP address")];
  return dns1123SubdomainProblems(hostname).map((problem) => violation(path, problem));
}

function validateHostToBackendHostname(path: string, rewrite: JsonObject | undefined, topKind: string): Violation[] {
  if (prop(rewrite, "hostToBackendHostname") !== true) return [];
  const at = field(path, "hostToBackendHostname");
  const out: Violation[] = [];
  // Only a gateway forwards to a backend whose host name differs from the one the client asked for.
  if (topKind !== MESH_GATEWAY) out.push(violation(at, "can only be set with MeshGateway"));
  if (isSet(prop(rewrite, "hostname"))) out.push(violation(at, "cannot be set together with hostname"));
  return out;
}

function validateBackendRefs(path: string, backendRefs: readonly Json[], filters: readonly Json[], topKind: string): Violation[] {
  const out: Violation[] = [];
  // A gateway rule must send traffic somewhere, unless it only redirects.
  const redirects = filters.some((filter) => text(prop(objectOf(filter), "type")) === "RequestRedirect");
  if (backendRefs.length === 0 && topKind === MESH_GATEWAY && !redirects) out.push(violation(path, MUST_NOT_BE_EMPTY));
  backendRefs.forEach((backendRef, i) => {
    const refPath = index(path, i);
    out.push(...validateTargetRef(refPath, backendRef, { supportedKinds: ROUTE_BACKEND_KINDS, allowedInvalidNames: [UNRESOLVED_BACKEND] }));
    out.push(...validateBackendRefPort(refPath, backendRef));
  });
  return out;
}
