/**
 * Resource names (FACTS §4.1): `pkg/core/resources/apis/mesh/meta_validator.go` for every resource, plus the Mesh
 * manager's 63-character limit on Mesh names (`pkg/core/managers/apis/mesh/mesh_validator.go`, checked on create).
 */
import type { JsonObject, Violation } from "../../model/resource.js";
import { prop, stringOf, text, violation } from "./json.js";

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const NAME_MESSAGE =
  "invalid characters. A lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', " +
  "and must start and end with an alphanumeric character";

// The mesh of a mesh-scoped resource is checked against the old, laxer charset (with `_`): the Mesh itself may predate
// the RFC 1123 rule, and its policies must stay valid.
const MESH_REFERENCE = /^[0-9a-z-_.]*$/;
const MESH_REFERENCE_MESSAGE = "invalid characters. Valid characters are numbers, lowercase latin letters and '-', '_', '.' symbols.";

const MAX_NAME_BYTES = 253;
const MAX_MESH_NAME_BYTES = 63;

/** Name (and mesh) rules for the Universal object of `typeName`. */
export function metaViolations(typeName: string, object: JsonObject): Violation[] {
  const name = text(prop(object, "name"));
  const out = identifierViolations("name", name, NAME, NAME_MESSAGE);
  if (typeName === "Mesh") {
    if (longerThanBytes(name, MAX_MESH_NAME_BYTES)) out.push(violation("name", `cannot be longer than ${MAX_MESH_NAME_BYTES} characters`));
    return out;
  }
  // An absent `mesh` is defaulted to "default" by the server before this check, so only a written value is checked.
  const mesh = stringOf(prop(object, "mesh"));
  if (mesh !== undefined) out.push(...identifierViolations("mesh", mesh, MESH_REFERENCE, MESH_REFERENCE_MESSAGE));
  return out;
}

/** `validateIdentifier` with the resource-name rule, for names other validators check (Dataplane backend refs). */
export function validateIdentifierName(path: string, name: string): Violation[] {
  return identifierViolations(path, name, NAME, NAME_MESSAGE);
}

/** `validateIdentifier`: at most one problem, the first that applies. */
function identifierViolations(path: string, value: string, pattern: RegExp, message: string): Violation[] {
  if (value === "") return [violation(path, "cannot be empty")];
  if (longerThanBytes(value, MAX_NAME_BYTES)) return [violation(path, `value length must less or equal ${MAX_NAME_BYTES}`)];
  if (!pattern.test(value)) return [violation(path, message)];
  return [];
}

/** Whether Go's `len` (UTF-8 bytes) exceeds `max`. At most three bytes per UTF-16 unit: a short name needs no count. */
function longerThanBytes(value: string, max: number): boolean {
  return value.length * 3 > max && Buffer.byteLength(value, "utf8") > max;
}
