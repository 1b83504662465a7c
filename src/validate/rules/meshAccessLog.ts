/**
 * MeshAccessLog (`pkg/plugins/policies/meshaccesslog/api/v1alpha1/validator.go`). Paths are rooted at `spec`.
 */
import type { JsonObject, Violation } from "../../model/resource.js";
import type { Json } from "./json.js";
import { field, index, isSet, itemsOf, objectOf, prop, text, violation } from "./json.js";
import { checkTopLevelAndSections } from "./sections.js";
import { MUST_BE_DEFINED, MUST_NOT_BE_EMPTY, otelAttributeName, otelBackendRefOrEndpoint, validateMatch } from "./common.js";
import { isFilePath, isJSON, isURL } from "./values.js";
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

const TOP_LEVEL_KINDS = [MESH, MESH_SUBSET, MESH_GATEWAY, MESH_SERVICE, MESH_SERVICE_SUBSET, DATAPLANE];

export function meshAccessLogViolations(spec: JsonObject): Violation[] {
  const out: Violation[] = [];
  const { from, to, rules } = checkTopLevelAndSections(spec, TOP_LEVEL_KINDS, out);
  // A gateway's outbound logs are per listener, not per destination.
  const toKinds =
    topLevelKind(spec) === MESH_GATEWAY ? [MESH] : [MESH, MESH_SERVICE, MESH_EXTERNAL_SERVICE, MESH_MULTI_ZONE_SERVICE, MESH_HTTP_ROUTE];
  out.push(...validateEntries("spec.to", to, toKinds), ...validateEntries("spec.from", from, [MESH]));
  rules.forEach((item, i) => {
    const path = index("spec.rules", i);
    const rule = objectOf(item);
    itemsOf(prop(rule, "matches")).forEach((match, j) => out.push(...validateMatch(index(field(path, "matches"), j), match)));
    out.push(...validateDefault(field(path, "default"), prop(rule, "default")));
  });
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

function validateDefault(path: string, conf: Json): Violation[] {
  const backends = prop(objectOf(conf), "backends");
  if (!isSet(backends)) return [violation(field(path, "backends"), MUST_BE_DEFINED)];
  return itemsOf(backends).flatMap((backend, i) => validateBackend(index(field(path, "backends"), i), objectOf(backend)));
}

function validateBackend(path: string, backend: JsonObject | undefined): Violation[] {
  const out: Violation[] = [];
  // Another type is an enum violation the schema reports (the Go code would panic on it).
  switch (text(prop(backend, "type"))) {
    case "File": {
      const file = objectOf(prop(backend, "file"));
      if (file === undefined) return [violation(field(path, "file"), MUST_BE_DEFINED)];
      out.push(...validateFormat(field(path, "file.format"), prop(file, "format")));
      if (!isFilePath(text(prop(file, "path")))) out.push(violation(field(path, "file.path"), "file backend requires a valid path"));
      break;
    }
    case "Tcp": {
      const tcp = objectOf(prop(backend, "tcp"));
      if (tcp === undefined) return [violation(field(path, "tcp"), MUST_BE_DEFINED)];
      out.push(...validateFormat(field(path, "tcp.format"), prop(tcp, "format")));
      if (!isURL(text(prop(tcp, "address")))) out.push(violation(field(path, "tcp.address"), "tcp backend requires valid address"));
      break;
    }
    case "OpenTelemetry": {
      const otelPath = field(path, "openTelemetry");
      const otel = objectOf(prop(backend, "openTelemetry"));
      if (otel === undefined) return [violation(otelPath, MUST_BE_DEFINED)];
      out.push(...otelBackendRefOrEndpoint(otelPath, otel));
      itemsOf(prop(otel, "attributes")).forEach((attribute, i) => {
        out.push(...otelAttributeName(field(index(field(otelPath, "attributes"), i), "key"), prop(objectOf(attribute), "key")));
      });
      break;
    }
  }
  return out;
}

function validateFormat(path: string, format: Json): Violation[] {
  const object = objectOf(format);
  if (object === undefined) return [];
  switch (text(prop(object, "type"))) {
    case "Plain": {
      const plain = prop(object, "plain");
      if (!isSet(plain)) return [violation(field(path, "plain"), MUST_BE_DEFINED)];
      return plain === "" ? [violation(field(path, "plain"), MUST_NOT_BE_EMPTY)] : [];
    }
    case "Json": {
      const json = prop(object, "json");
      if (!isSet(json)) return [violation(field(path, "json"), MUST_BE_DEFINED)];
      const entries = itemsOf(json);
      const out: Violation[] = entries.length === 0 ? [violation(field(path, "json"), MUST_NOT_BE_EMPTY)] : [];
      entries.forEach((item, i) => {
        const entryPath = index(field(path, "json"), i);
        const key = text(prop(objectOf(item), "key"));
        const value = text(prop(objectOf(item), "value"));
        if (key === "") out.push(violation(field(entryPath, "key"), "key cannot be empty"));
        if (value === "") out.push(violation(field(entryPath, "value"), "value cannot be empty"));
        // The control plane pastes both, unescaped, into `{"key": "value"}` and asks whether that is JSON.
        if (!isJSON(`{"${key}": "${value}"}`)) out.push(violation(entryPath, "is not a valid JSON object"));
      });
      return out;
    }
    default:
      return [];
  }
}
