/**
 * The JSON schema of every resource type (schemas/<Type>.schema.json, generated from Kuma's rest.yaml by
 * scripts/generate-schemas.mjs and owned here). Validation compiles them; normalization and the embedded control
 * plane read their defaults and `format: duration` fields, which is how both reproduce what the server stores.
 */
import { readFileSync } from "node:fs";
import { isJsonObject, type JsonObject } from "../model/resource.js";
import { resourceType } from "./types.js";

/** This file compiles to dist/src/kuma/schemas.js: the repository root is three directories up. */
const SCHEMAS_DIR = new URL("../../../schemas/", import.meta.url);

const schemaCache = new Map<string, JsonObject>();

/**
 * The parsed schemas/<Type>.schema.json (deeply frozen: shared by every caller), or undefined for a type meshops does
 * not manage.
 */
export function schemaFor(typeName: string): JsonObject | undefined {
  if (!resourceType(typeName)) return undefined;
  let schema = schemaCache.get(typeName);
  if (!schema) {
    const file = new URL(`${typeName}.schema.json`, SCHEMAS_DIR);
    schema = deepFreeze(JSON.parse(readFileSync(file, "utf8")) as JsonObject);
    schemaCache.set(typeName, schema);
  }
  return schema;
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
