/**
 * The JSON schema of every resource type (schemas/<Type>.schema.json, generated from Kuma's rest.yaml by
 * scripts/generate-schemas.mjs and owned here). Validation compiles them; normalization and the embedded control
 * plane read their defaults and `format: duration` fields, which is how both reproduce what the server stores.
 */
import { readFileSync } from "node:fs";
import { isJsonObject, type JsonObject } from "../model/resource.js";
import { KONG_MESH_SCHEMA_ONLY_KINDS, RESOURCE_TYPES, isSecretType, resourceType } from "./types.js";
import { LATEST_MINOR, hasOwnSchema } from "./versions.js";

/** This file compiles to dist/src/kuma/schemas.js: the repository root is three directories up. */
const SCHEMAS_DIR = new URL("../../../schemas/", import.meta.url);

const schemaCache = new Map<string, JsonObject>();

/**
 * The parsed schemas/<Type>.schema.json (deeply frozen: shared by every caller), or undefined for a type meshops does
 * not manage. `minor` selects an older Kuma line (schemas/v<minor>/, where that line differs from the newest).
 */
export function schemaFor(typeName: string, minor = LATEST_MINOR): JsonObject | undefined {
  if (!resourceType(typeName) && !KONG_MESH_SCHEMA_ONLY_KINDS.includes(typeName)) return undefined;
  const file = hasOwnSchema(minor, typeName) ? `v${minor}/${typeName}.schema.json` : `${typeName}.schema.json`;
  let schema = schemaCache.get(file);
  if (!schema) {
    schema = deepFreeze(JSON.parse(readFileSync(new URL(file, SCHEMAS_DIR), "utf8")) as JsonObject);
    schemaCache.set(file, schema);
  }
  return schema;
}

let universalTopLevelFields: ReadonlySet<string> | undefined;

/**
 * Whether some kind's Universal object has `key` at its top: the envelope (type, mesh, name, labels, spec) or a field
 * of a protobuf kind or a Secret, which sit beside it. Read from their schemas when first asked.
 */
export function isUniversalTopLevelField(key: string): boolean {
  if (!universalTopLevelFields) {
    const fields = new Set(["type", "mesh", "name", "labels", "spec"]);
    for (const type of RESOURCE_TYPES.filter((t) => t.flat || isSecretType(t.name))) {
      const properties = schemaFor(type.name)?.properties;
      if (isJsonObject(properties)) for (const field of Object.keys(properties)) fields.add(field);
    }
    universalTopLevelFields = fields;
  }
  return universalTopLevelFields.has(key);
}

let protoOrder: Record<string, Record<string, readonly string[]>> | undefined;

/**
 * A protobuf kind's message fields in .proto declaration order, jsonpb's decoding order (schemas/proto-field-order.json,
 * written by scripts/generate-proto-field-order.mjs): by the message's place (JSON names, `[]` for a list's items, ""
 * for the kind's own fields), its fields' JSON names. The schemas sort properties by name, so they cannot tell it.
 */
export function protoFieldOrder(typeName: string): Readonly<Record<string, readonly string[]>> | undefined {
  protoOrder ??= JSON.parse(readFileSync(new URL("proto-field-order.json", SCHEMAS_DIR), "utf8")) as Record<string, Record<string, readonly string[]>>;
  return Object.hasOwn(protoOrder, typeName) ? protoOrder[typeName] : undefined;
}

/** The schema of a resource's `spec`. */
export function specSchema(typeName: string): JsonObject | undefined {
  const properties = schemaFor(typeName)?.properties;
  return isJsonObject(properties) && isJsonObject(properties.spec) ? properties.spec : undefined;
}

/** The schema of a map entry or field: a declared property wins, otherwise additionalProperties (as in kube-openapi). */
export function propertySchema(schema: JsonObject, key: string): JsonObject | undefined {
  const properties = schema.properties;
  if (isJsonObject(properties) && Object.hasOwn(properties, key)) {
    const property = properties[key];
    return isJsonObject(property) ? property : undefined;
  }
  return isJsonObject(schema.additionalProperties) ? schema.additionalProperties : undefined;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
