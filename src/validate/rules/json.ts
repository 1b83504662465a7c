/**
 * Defensive reading of the JSON the rules are given. Rules may run on objects that failed schema checks, so every
 * accessor accepts any JSON value and answers "absent" when the type is not the one the control plane would unmarshal.
 */
import { isJsonObject as isObject, type JsonObject, type JsonValue, type Violation } from "../../model/resource.js";
import { goQuote } from "../../kuma/duration.js";

export type Json = JsonValue | undefined;

export { isObject };

export function objectOf(value: Json): JsonObject | undefined {
  return isObject(value) ? value : undefined;
}

/** Array items, or none when the value is absent or not an array. */
export function itemsOf(value: Json): readonly JsonValue[] {
  return Array.isArray(value) ? value : [];
}

export function stringOf(value: Json): string | undefined {
  return typeof value === "string" ? value : undefined;
}

export function numberOf(value: Json): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** A Go pointer field is non-nil when the key is there with a non-null value (Go's JSON decoding leaves null as nil). */
export function isSet(value: Json): boolean {
  return value !== undefined && value !== null;
}

/** Go's `len(x) > 0` for a slice or map field; anything else counts as empty. */
export function isNonEmpty(value: Json): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (isObject(value)) return Object.keys(value).length > 0;
  return false;
}

/** A string field as Go sees it after decoding: absent, null or another type reads as "". */
export function text(value: Json): string {
  return typeof value === "string" ? value : "";
}

/** Reads a property without trusting the prototype chain (`constructor`, `__proto__` are plain keys here). */
export function prop(object: JsonObject | undefined, key: string): Json {
  if (object === undefined || !Object.prototype.hasOwnProperty.call(object, key)) return undefined;
  return object[key];
}

// Field paths, built the way the control plane's PathBuilder prints them.

export function field(path: string, name: string): string {
  return path === "" ? name : `${path}.${name}`;
}

export function index(path: string, i: number): string {
  return `${path}[${i}]`;
}

/** A map key: `tags["kuma.io/zone"]` (Go's `%q`). */
export function key(path: string, k: string): string {
  return `${path}[${goQuote(k)}]`;
}

export function violation(path: string, message: string): Violation {
  return { path, message };
}
