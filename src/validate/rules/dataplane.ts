/**
 * Dataplane (`pkg/core/resources/apis/mesh/dataplane_validator.go`), for the Universal Dataplanes meshops applies when
 * meshops.yaml sets `resources.dataplanes`. A protobuf kind: paths start at `networking`, `probes`, `metrics`.
 *
 * The admin port's collision with the inbound and outbound interfaces follows dataplane_helpers.go
 * (`UsesInboundInterface`, `UsesOutboundInterface`) and the interface model of api/mesh/v1alpha1 (`ToInboundInterface`).
 */
import type { JsonObject, Violation } from "../../model/resource.js";
import { parseGoDuration } from "../../kuma/duration.js";
import { SERVICE_TAG, protoEnumName, protoPortViolations, protoUint32, validateTags } from "./common.js";
import { field, index, isSet, itemsOf, key, objectOf, prop, text, violation } from "./json.js";
import { validateIdentifierName } from "./meta.js";
import { validatePrometheusConfig } from "./mesh.js";
import { SUPPORTED_PROTOCOLS } from "./services.js";
import { isDNSName, isGoIP } from "./values.js";

const PROTOCOL_TAG = "kuma.io/protocol";
/** `core_meta.ParseProtocol`: case-insensitive; these are known (SUPPORTED_PROTOCOLS is what messages list). */
const KNOWN_PROTOCOLS = new Set(["http", "http2", "tcp", "tls", "grpc", "kafka", "mysql"]);
const BACKEND_KINDS = ["MeshExternalService", "MeshMultiZoneService", "MeshService"];
const ALLOWED_VALUES_HINT = `Allowed values: ${SUPPORTED_PROTOCOLS.join(", ")}`;

const GATEWAY_TYPES: Readonly<Record<number, string>> = { 0: "DELEGATED", 1: "BUILTIN" };
const LISTENER_TYPES: Readonly<Record<number, string>> = { 0: "Unspecified", 1: "ZoneIngress", 2: "ZoneEgress" };

export function dataplaneViolations(resource: JsonObject): Violation[] {
  const networking = objectOf(prop(resource, "networking"));
  if (!networking) return [violation("networking", "must be defined")];
  const out: Violation[] = adminPortViolations(networking);
  const gateway = objectOf(prop(networking, "gateway"));
  const probes = objectOf(prop(resource, "probes"));
  const hasItems = (name: string): boolean => itemsOf(prop(networking, name)).length > 0;
  // IsDelegatedGateway, IsBuiltinGateway: a gateway type without a name (any int32) is neither, and validated as no gateway.
  const gatewayType = gateway ? protoEnumName(prop(gateway, "type"), GATEWAY_TYPES) : undefined;
  if (gateway && gatewayType === "DELEGATED") {
    if (hasItems("inbound")) out.push(violation("networking.inbound", "inbound cannot be defined for delegated gateways"));
    if (hasItems("listeners")) out.push(violation("networking.listeners", "listeners cannot be defined for delegated gateways"));
    out.push(...gatewayViolations(gateway), ...networkingViolations(networking), ...probesViolations(probes));
  } else if (gateway && gatewayType === "BUILTIN") {
    if (hasItems("inbound")) out.push(violation("networking.inbound", "inbound cannot be defined for builtin gateways"));
    if (hasItems("outbound")) out.push(violation("networking.outbound", "outbound cannot be defined for builtin gateways"));
    if (hasItems("listeners")) out.push(violation("networking.listeners", "listeners cannot be defined for builtin gateways"));
    if (probes) out.push(violation("networking.probes", "probes cannot be defined for builtin gateways"));
    out.push(...gatewayViolations(gateway), ...networkingViolations(networking));
  } else {
    out.push(...networkingViolations(networking), ...probesViolations(probes));
    const metrics = objectOf(prop(resource, "metrics"));
    if (metrics && text(prop(metrics, "type")) !== "prometheus") out.push(violation("metrics.type", 'unknown backend type. Available backends: "prometheus"'));
    else if (metrics) out.push(...validatePrometheusConfig("metrics.conf", objectOf(prop(metrics, "conf"))));
    out.push(...listenersViolations(networking));
  }
  return out;
}

/** Envoy binds its admin API to 127.0.0.1 (core_meta.LoopbackIPv4): no inbound or outbound may listen there on its port. */
function adminPortViolations(networking: JsonObject): Violation[] {
  const admin = objectOf(prop(networking, "admin"));
  if (!admin) return [];
  const port = protoUint32(prop(admin, "port"));
  const address = text(prop(networking, "address"));
  const out: Violation[] = [];
  const usesInbound = itemsOf(prop(networking, "inbound")).some((item) => {
    const inbound = objectOf(item) ?? {};
    // ToInboundInterface: the inbound's address (else the Dataplane's); the workload's (serviceAddress, else that one).
    const dataplaneIP = text(prop(inbound, "address")) || address;
    const workloadIP = text(prop(inbound, "serviceAddress")) || dataplaneIP;
    const dataplanePort = protoUint32(prop(inbound, "port"));
    const workloadPort = protoUint32(prop(inbound, "servicePort")) || dataplanePort;
    return (port === dataplanePort && overlapsLoopback(dataplaneIP)) || (port === workloadPort && overlapsLoopback(workloadIP));
  });
  if (usesInbound) out.push(violation("networking.admin.port", "must differ from inbound"));
  const usesOutbound = itemsOf(prop(networking, "outbound")).some((item) => {
    const outbound = objectOf(item) ?? {};
    return port === protoUint32(prop(outbound, "port")) && overlapsLoopback(text(prop(outbound, "address")) || LOOPBACK);
  });
  if (usesOutbound) out.push(violation("networking.admin.port", "must differ from outbound"));
  return out;
}

const LOOPBACK = "127.0.0.1";
/** net.IP.IsUnspecified: 0.0.0.0 or ::, however spelled (isGoIP has checked the syntax). */
const UNSPECIFIED = /^(0+\.0+\.0+\.0+|[0:]+|::ffff:0+\.0+\.0+\.0+)$/i;

/** dataplane_helpers.go `overlap(127.0.0.1, ip)`: a wildcard address overlaps everything; otherwise the same IP. */
function overlapsLoopback(ip: string): boolean {
  return isGoIP(ip) && (UNSPECIFIED.test(ip) || ip === LOOPBACK || ip.toLowerCase() === `::ffff:${LOOPBACK}`);
}

function gatewayViolations(gateway: JsonObject): Violation[] {
  const tags = objectOf(prop(gateway, "tags")) ?? {};
  const out = validateTags("networking.gateway.tags", tags, { requireService: Object.keys(tags).length > 0 });
  const protocol = prop(tags, PROTOCOL_TAG);
  if (typeof protocol === "string" && protocol.toLowerCase() !== "tcp") {
    out.push(violation(key("networking.gateway.tags", PROTOCOL_TAG), `other values than tcp are not allowed, provided value "${protocol}"`));
  }
  return out;
}

function addressViolations(path: string, address: string): Violation[] {
  if (address === "") return [violation(path, "address can't be empty")];
  const out: Violation[] = [];
  if (address === "0.0.0.0" || address === "::") out.push(violation(path, "must not be 0.0.0.0 or ::"));
  if (!isGoIP(address) && !isDNSName(address)) out.push(violation(path, "address has to be valid IP address or domain name"));
  return out;
}

function networkingViolations(networking: JsonObject): Violation[] {
  const address = text(prop(networking, "address"));
  const out = addressViolations("networking.address", address);
  itemsOf(prop(networking, "inbound")).forEach((item, i) => {
    const inbound = objectOf(item) ?? {};
    const path = index("networking.inbound", i);
    out.push(...inboundViolations(path, inbound, address));
    const tags = objectOf(prop(inbound, "tags"));
    if (tags && Object.keys(tags).length > 0 && !Object.hasOwn(tags, SERVICE_TAG)) out.push(violation(key(`${path}.tags`, SERVICE_TAG), "tag has to exist"));
  });
  itemsOf(prop(networking, "outbound")).forEach((item, i) => out.push(...outboundViolations(index("networking.outbound", i), objectOf(item) ?? {})));
  out.push(...transparentProxyingViolations(objectOf(prop(networking, "transparentProxying"))));
  return out;
}

function inboundViolations(path: string, inbound: JsonObject, dataplaneAddress: string): Violation[] {
  const out = protoPortViolations(field(path, "port"), prop(inbound, "port"));
  const port = protoUint32(prop(inbound, "port"));
  const servicePort = protoUint32(prop(inbound, "servicePort"));
  if (servicePort !== 0) out.push(...protoPortViolations(field(path, "servicePort"), servicePort));
  const serviceAddress = text(prop(inbound, "serviceAddress"));
  const samePort = servicePort === 0 || servicePort === port;
  const differ = "serviceAddress and servicePort has to differ from address and port";
  if (serviceAddress !== "") {
    if (!isGoIP(serviceAddress)) out.push(violation(field(path, "serviceAddress"), "serviceAddress has to be valid IP address"));
    if (serviceAddress === dataplaneAddress && samePort) out.push(violation(field(path, "serviceAddress"), differ));
  }
  const address = text(prop(inbound, "address"));
  if (address !== "") {
    if (!isGoIP(address)) out.push(violation(field(path, "address"), "address has to be valid IP address"));
    if (address === serviceAddress && samePort) out.push(violation(field(path, "serviceAddress"), differ));
  }
  const tags = prop(inbound, "tags");
  out.push(...validateTags(field(path, "tags"), tags));
  const tagProtocol = prop(objectOf(tags), PROTOCOL_TAG);
  if (typeof tagProtocol === "string" && !KNOWN_PROTOCOLS.has(tagProtocol.toLowerCase())) {
    out.push(violation(key(field(path, "tags"), PROTOCOL_TAG), `tag "${PROTOCOL_TAG}" has an invalid value "${tagProtocol}". ${ALLOWED_VALUES_HINT}`));
  }
  const protocol = text(prop(inbound, "protocol"));
  if (protocol !== "" && !KNOWN_PROTOCOLS.has(protocol.toLowerCase())) {
    out.push(violation(field(path, "protocol"), `has an invalid value "${protocol}". ${ALLOWED_VALUES_HINT}`));
  }
  const probe = objectOf(prop(inbound, "serviceProbe"));
  if (probe) {
    for (const name of ["interval", "timeout"]) {
      const value = prop(probe, name);
      // ValidateDuration: AsDuration() == 0. jsonpb parses a Duration with time.ParseDuration (`0s`, `0m`, `0`).
      if (isSet(value) && parseGoDuration(text(value)) === 0) out.push(violation(field(path, `serviceProbe.${name}`), "must have a positive value"));
    }
    for (const name of ["unhealthyThreshold", "healthyThreshold"]) {
      const value = prop(probe, name);
      if (isSet(value) && protoUint32(value) === 0) out.push(violation(field(path, `serviceProbe.${name}`), "must have a positive value"));
    }
  }
  return out;
}

function outboundViolations(path: string, outbound: JsonObject): Violation[] {
  const out = protoPortViolations(field(path, "port"), prop(outbound, "port"));
  const address = text(prop(outbound, "address"));
  if (address !== "" && !isGoIP(address)) out.push(violation(field(path, "address"), "address has to be valid IP address"));
  const backendRef = objectOf(prop(outbound, "backendRef"));
  const tags = objectOf(prop(outbound, "tags")) ?? {};
  const service = text(prop(outbound, "service"));
  if (backendRef) {
    const kind = text(prop(backendRef, "kind"));
    if (!BACKEND_KINDS.includes(kind)) out.push(violation(field(path, "backendRef.kind"), `invalid value. Available values are: ${BACKEND_KINDS.join(",")}`));
    const labels = objectOf(prop(backendRef, "labels")) ?? {};
    if (text(prop(backendRef, "name")) === "" && Object.keys(labels).length === 0) out.push(violation(field(path, "backendRef"), "either 'name' or 'labels' should be specified"));
    if (kind !== "MeshExternalService") out.push(...protoPortViolations(field(path, "backendRef.port"), prop(backendRef, "port")));
  } else if (Object.keys(tags).length === 0) {
    if (service === "") out.push(violation(field(path, "tags"), `mandatory tag "${SERVICE_TAG}" is missing`));
  } else {
    out.push(...validateTags(field(path, "tags"), tags, { requireService: true }));
  }
  if (backendRef && (Object.keys(tags).length > 0 || service !== "")) out.push(violation(field(path, "backendRef"), "both backendRef and tags/service cannot be defined"));
  return out;
}

/** Kuma reports these under `transparentProxing` (sic). */
function transparentProxyingViolations(transparentProxying: JsonObject | undefined): Violation[] {
  const refs = itemsOf(prop(objectOf(prop(transparentProxying, "reachableBackends")), "refs"));
  const out: Violation[] = [];
  refs.forEach((item, i) => {
    const ref = objectOf(item) ?? {};
    const path = index("networking.transparentProxing.reachableBackends.refs", i);
    const name = text(prop(ref, "name"));
    const namespace = text(prop(ref, "namespace"));
    const labels = Object.keys(objectOf(prop(ref, "labels")) ?? {});
    if (!BACKEND_KINDS.includes(text(prop(ref, "kind")))) out.push(violation(field(path, "kind"), `invalid value. Available values are: ${BACKEND_KINDS.join(",")}`));
    if (name !== "") out.push(...validateIdentifierName(field(path, "name"), name));
    if (name === "" && namespace === "" && labels.length === 0) out.push(violation(field(path, "name"), "name or labels are required"));
    if (name === "" && namespace !== "") out.push(violation(field(path, "name"), "name is required, when namespace is defined"));
    if ((name !== "" || namespace !== "") && labels.length > 0) out.push(violation(field(path, "labels"), "labels cannot be defined when name is specified"));
  });
  return out;
}

function probesViolations(probes: JsonObject | undefined): Violation[] {
  if (!probes) return [];
  const out = protoPortViolations("probes.port", prop(probes, "port"));
  itemsOf(prop(probes, "endpoints")).forEach((item, i) => {
    const endpoint = objectOf(item) ?? {};
    const path = index("probes.endpoints", i);
    out.push(...protoPortViolations(field(path, "inboundPort"), prop(endpoint, "inboundPort")));
    // url.ParseRequestURI: an absolute path (or an absolute URL).
    for (const name of ["inboundPath", "path"]) {
      const value = text(prop(endpoint, name));
      if (!value.startsWith("/") && !/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(value)) out.push(violation(field(path, name), "should be a valid URL Path"));
    }
  });
  return out;
}

/** Zone ingress/egress listeners: typed, addressed, unique names and address:port pairs, clear of the inbounds. */
function listenersViolations(networking: JsonObject): Violation[] {
  const out: Violation[] = [];
  const names = new Set<string>();
  const inbounds = itemsOf(prop(networking, "inbound")).map((i) => objectOf(i) ?? {});
  for (const inbound of inbounds) if (text(prop(inbound, "sectionName")) !== "") names.add(text(prop(inbound, "sectionName")));
  const typeByAddress = new Map<string, string>();
  itemsOf(prop(networking, "listeners")).forEach((item, i) => {
    const listener = objectOf(item) ?? {};
    const path = index("networking.listeners", i);
    const type = protoEnumName(prop(listener, "type"), LISTENER_TYPES);
    if (type === "Unspecified") out.push(violation(field(path, "type"), "type must be ZoneIngress or ZoneEgress"));
    const address = text(prop(listener, "address"));
    out.push(...addressViolations(field(path, "address"), address));
    out.push(...protoPortViolations(field(path, "port"), prop(listener, "port")));
    const name = text(prop(listener, "name"));
    if (name !== "") {
      if (names.has(name)) out.push(violation(field(path, "name"), `name "${name}" must be unique across inbounds and listeners`));
      names.add(name);
    }
    const at = `${address}:${protoUint32(prop(listener, "port"))}`;
    const existing = typeByAddress.get(at);
    if (existing === undefined) typeByAddress.set(at, type);
    else out.push(violation(path, existing === type ? `address:port ${at} is already used by another listener` : `address:port ${at} is used by listeners of different types`));
    const collides = inbounds.some((inbound) => `${text(prop(inbound, "address")) || text(prop(networking, "address"))}:${protoUint32(prop(inbound, "port"))}` === at);
    if (collides) out.push(violation(path, `address:port ${at} collides with an inbound listener`));
  });
  return out;
}
