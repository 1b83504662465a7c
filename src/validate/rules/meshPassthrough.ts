/**
 * MeshPassthrough (`pkg/plugins/policies/meshpassthrough/api/v1alpha1/validator.go`). Paths are rooted at `spec`;
 * messages are the control plane's, its spelling included ("already defiend").
 */
import type { JsonObject, Violation } from "../../model/resource.js";
import { field, index, isSet, itemsOf, numberOf, objectOf, prop, text, violation } from "./json.js";
import { isDNSName, isGoCIDR, isGoIP, mustBeOneOf } from "./values.js";
import { DATAPLANE, MESH, MESH_SUBSET, validateTopLevel } from "./targetRef.js";

const TOP_LEVEL_KINDS = [MESH, MESH_SUBSET, DATAPLANE];
const PROTOCOLS = ["tcp", "tls", "grpc", "http", "http2", "mysql"];
/** Protocols Envoy routes by host on a shared listener: one port cannot mix them. */
const ONE_PROTOCOL_PER_PORT = ["grpc", "http", "http2"];
/** The schema default of `appendMatch[].protocol`, filled in by the server before validation. */
const DEFAULT_PROTOCOL = "tcp";
const PARTIAL_WILDCARD = /^\*[^.]+/;

export function meshPassthroughViolations(spec: JsonObject): Violation[] {
  const out = validateTopLevel(spec, { supportedKinds: TOP_LEVEL_KINDS });
  const protocolOfPort = new Map<number, string>();
  const valuesOfPortAndProtocol = new Map<string, Set<string>>();
  itemsOf(prop(objectOf(prop(spec, "default")), "appendMatch")).forEach((item, i) => {
    const path = index("spec.default.appendMatch", i);
    const match = objectOf(item);
    const protocolValue = prop(match, "protocol");
    const protocol = isSet(protocolValue) ? text(protocolValue) : DEFAULT_PROTOCOL;
    const value = text(prop(match, "value"));
    const portSet = isSet(prop(match, "port"));
    const port = numberOf(prop(match, "port"));
    if (protocol === "mysql" && !portSet) out.push(violation(field(path, "port"), "port must be defined for Mysql protocol"));
    if (port !== undefined && (port === 0 || port > 65535)) out.push(violation(field(path, "port"), "port must be a valid (1-65535)"));
    if (port !== undefined) {
      const known = protocolOfPort.get(port);
      if (known !== undefined && known !== protocol && ONE_PROTOCOL_PER_PORT.includes(protocol)) {
        out.push(
          violation(
            field(path, "port"),
            `using the same port in multiple matches requires the same protocol for the following protocols: [${ONE_PROTOCOL_PER_PORT.join(" ")}]`,
          ),
        );
      } else {
        protocolOfPort.set(port, protocol);
      }
      const key = `${port}/${protocol}`;
      const values = valuesOfPortAndProtocol.get(key) ?? new Set<string>();
      if (values.has(value)) out.push(violation(field(path, "value"), `value ${value} is already defiend for this port and protocol`));
      values.add(value);
      valuesOfPortAndProtocol.set(key, values);
    }
    if (!PROTOCOLS.includes(protocol)) out.push(violation(field(path, "protocol"), mustBeOneOf("protocol", PROTOCOLS)));
    const type = text(prop(match, "type"));
    switch (type) {
      case "CIDR":
        if (!isGoCIDR(value)) out.push(violation(field(path, "value"), "provided CIDR has incorrect value"));
        break;
      case "IP":
        if (!isGoIP(value)) out.push(violation(field(path, "value"), "provided IP has incorrect value"));
        break;
      case "Domain": {
        if (protocol === "tcp" || protocol === "mysql") out.push(violation(field(path, "protocol"), `protocol ${protocol} is not supported for a domain`));
        if (PARTIAL_WILDCARD.test(value)) {
          out.push(violation(field(path, "value"), "provided DNS has incorrect value, partial wildcard is currently not supported"));
        }
        if (!portSet && value.startsWith("*") && ONE_PROTOCOL_PER_PORT.includes(protocol)) {
          out.push(violation(field(path, "port"), "wildcard domains doesn't work for all ports and layer 7 protocol"));
        }
        const domain = value.startsWith("*.") ? value.slice(2) : value;
        if (!domain.startsWith("*") && !isDNSName(domain)) out.push(violation(field(path, "value"), "provided DNS has incorrect value"));
        break;
      }
      default:
        out.push(violation(field(path, "type"), `provided type ${type} is not supported, one of Domain, IP, or CIDR is supported`));
    }
  });
  return out;
}
