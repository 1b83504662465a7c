/**
 * MeshGateway (`pkg/core/resources/apis/mesh/gateway_validator.go`): selectors that bind it to gateway Dataplanes,
 * gateway tags, and listeners (hostname, port, protocol, TLS, tags) that can share a port only when they collapse into
 * one Envoy listener. A protobuf kind: its fields sit beside the envelope, so paths have no `spec.` prefix.
 */
import type { JsonObject, Violation } from "../../model/resource.js";
import { SERVICE_TAG, protoEnumName, protoPortViolations, protoUint32, validateSelector } from "./common.js";
import { field, index, isSet, itemsOf, objectOf, prop, text, violation } from "./json.js";

/** Tags that are properties of a Dataplane, not of a gateway or its listeners (`SelectorKeyNotInSet`). */
const DATAPLANE_TAGS = ["kuma.io/external-service-name", "kuma.io/protocol", SERVICE_TAG, "kuma.io/zone"];

/** Proto enums, accepted by name or number (jsonpb); the number's name is what the validator switches on. */
const PROTOCOLS: Readonly<Record<number, string>> = { 0: "NONE", 1: "TCP", 3: "TLS", 4: "HTTP", 5: "HTTPS" };
const TLS_MODES: Readonly<Record<number, string>> = { 0: "NONE", 1: "TERMINATE", 2: "PASSTHROUGH" };

const DNS_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DOMAIN = new RegExp(`^${DNS_LABEL}(\\.${DNS_LABEL})*$`);

/** `ValidateHostname`: `*`, `*.domain.name` or `domain.name`. */
function hostnameViolations(path: string, hostname: string): Violation[] {
  if (hostname === "*") return [];
  const out: Violation[] = [];
  if (hostname.length > 253) out.push(violation(path, "must be at most 253 characters"));
  if (hostname.startsWith("*.")) {
    if (!DOMAIN.test(hostname.slice(2))) out.push(violation(path, "invalid wildcard domain"));
    return out;
  }
  if (!DOMAIN.test(hostname)) out.push(violation(path, "invalid hostname"));
  return out;
}

export function meshGatewayViolations(resource: JsonObject): Violation[] {
  const out: Violation[] = [];
  const listeners = itemsOf(prop(objectOf(prop(resource, "conf")), "listeners")).map((l) => objectOf(l) ?? {});
  const crossMesh = listeners.some((l) => prop(l, "crossMesh") === true);

  const selectors = itemsOf(prop(resource, "selectors"));
  if (selectors.length === 0) out.push(violation("selectors", "must have at least one element"));
  selectors.forEach((selector, i) => {
    out.push(...validateSelector(field(index("selectors", i), "match"), prop(objectOf(selector), "match"), { requireAtLeastOneTag: true, requireService: true }));
    if (i > 0 && crossMesh) out.push(violation(index("selectors", i), "there can be at most one selector"));
  });
  out.push(...validateSelector("tags", prop(resource, "tags"), { forbiddenKeys: DATAPLANE_TAGS }));
  out.push(...confViolations(resource, listeners));
  return out;
}

function confViolations(resource: JsonObject, listeners: readonly JsonObject[]): Violation[] {
  if (!isSet(prop(resource, "conf"))) return [violation("conf", "cannot be empty")];
  const out: Violation[] = [];
  const path = "conf.listeners";
  if (listeners.length === 0) out.push(violation(path, "cannot be empty"));
  listeners.forEach((listener, i) => {
    const at = index(path, i);
    const hostname = text(prop(listener, "hostname"));
    if (hostname !== "") out.push(...hostnameViolations(field(at, "hostname"), hostname));
    out.push(...protoPortViolations(field(at, "port"), prop(listener, "port")));
    const crossMesh = prop(listener, "crossMesh") === true;
    const tls = objectOf(prop(listener, "tls"));
    const tlsMode = protoEnumName(prop(tls, "mode"), TLS_MODES);
    const protocol = protoEnumName(prop(listener, "protocol"), PROTOCOLS);
    if (protocol === "NONE") out.push(violation(field(at, "protocol"), "cannot be empty"));
    else if (protocol === "HTTPS") {
      if (crossMesh) out.push(violation(field(at, "protocol"), "protocol is not supported with crossMesh"));
      else if (!tls) out.push(violation(field(at, "tls"), "cannot be empty"));
      else if (tlsMode === "PASSTHROUGH") out.push(violation(field(at, "tls.mode"), "mode is not supported on HTTPS listeners"));
    }
    const certificates = itemsOf(prop(tls, "certificates"));
    if (tls && !crossMesh) {
      if (tlsMode === "NONE") out.push(violation(field(at, "tls.mode"), "cannot be empty"));
      else if (tlsMode === "TERMINATE" && certificates.length === 0) out.push(violation(field(at, "tls.certificates"), "cannot be empty in TLS termination mode"));
      else if (tlsMode === "TERMINATE" && certificates.length > 2) out.push(violation(field(at, "tls.certificates"), "cannot have more than 2 certificates"));
    }
    if (tls && crossMesh && (tlsMode !== "NONE" || certificates.length > 0)) out.push(violation(field(at, "tls"), "must be empty with crossMesh"));
    out.push(...validateSelector(field(at, "tags"), prop(listener, "tags"), { forbiddenKeys: DATAPLANE_TAGS }));
  });
  out.push(...collapsibilityViolations(path, listeners));
  return out;
}

/**
 * `validateListenerCollapsibility`: listeners on one port become one Envoy listener, so they must agree on the
 * protocol, not repeat a hostname (empty is `*`) and not set different connection limits. Go walks its maps in random
 * order; the violations are reported per rule, then by port and first listener, which is one of the orders it can give.
 */
function collapsibilityViolations(path: string, listeners: readonly JsonObject[]): Violation[] {
  const byPort = new Map<number, JsonObject[]>();
  const indexOf = new Map<JsonObject, number>();
  listeners.forEach((listener, i) => {
    const port = protoUint32(prop(listener, "port"));
    byPort.set(port, [...(byPort.get(port) ?? []), listener]);
    indexOf.set(listener, i);
  });
  const ports = [...byPort.entries()].sort(([a], [b]) => a - b);
  const grouped = (items: readonly JsonObject[], keyOf: (l: JsonObject) => string): number[][] => {
    const groups = new Map<string, number[]>();
    for (const l of items) groups.set(keyOf(l), [...(groups.get(keyOf(l)) ?? []), indexOf.get(l) as number]);
    return [...groups.values()];
  };
  const out: Violation[] = [];
  for (const [, items] of ports) {
    const protocols = grouped(items, (l) => protoEnumName(prop(l, "protocol"), PROTOCOLS));
    if (protocols.length > 1) for (const i of protocols.flat()) out.push(violation(index(path, i), "protocol conflicts with other listeners on this port"));
  }
  for (const [, items] of ports) {
    for (const indexes of grouped(items, (l) => text(prop(l, "hostname")) || "*")) {
      if (indexes.length > 1) for (const i of indexes) out.push(violation(index(path, i), "multiple listeners for hostname on this port"));
    }
  }
  for (const [, items] of ports) {
    const limited = items.filter((l) => protoUint32(prop(objectOf(prop(l, "resources")), "connectionLimit")) !== 0);
    const limits = new Set(limited.map((l) => protoUint32(prop(objectOf(prop(l, "resources")), "connectionLimit"))));
    if (limits.size > 1) for (const l of limited) out.push(violation(`${index(path, indexOf.get(l) as number)}.resources.connectionLimit`, "conflicting values for this port"));
  }
  return out;
}

