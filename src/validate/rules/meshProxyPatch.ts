/**
 * MeshProxyPatch (`pkg/plugins/policies/meshproxypatch/api/v1alpha1/validator.go`, with the JSON patch checks of
 * `pkg/plugins/policies/core/jsonpatch/validators`). Paths are rooted at `spec`.
 *
 * Not decidable offline: the control plane decodes each `value` into the Envoy proto (Cluster, Listener, VirtualHost,
 * Filter, HttpFilter) with protojson and runs its generated `Validate()`. Without Envoy's descriptors only the shape
 * is checked here: a value must be a YAML or JSON mapping. The message starts as the control plane's does, but the
 * detail after it is ours, not protojson's.
 */
import { parse } from "yaml";
import { YAML_OPTIONS } from "../../parse/documents.js";
import type { JsonObject, Violation } from "../../model/resource.js";
import type { Json } from "./json.js";
import { field, index, isObject, isSet, itemsOf, objectOf, prop, text, violation } from "./json.js";
import { MUST_BE_DEFINED, MUST_NOT_BE_DEFINED, MUST_NOT_BE_EMPTY } from "./common.js";
import { goQuote } from "../../kuma/duration.js";
import { mustBeOneOf, oneOf } from "./values.js";
import {
  DATAPLANE,
  MESH,
  MESH_GATEWAY,
  MESH_SERVICE,
  MESH_SERVICE_SUBSET,
  MESH_SUBSET,
  validateTopLevelByRole,
} from "./targetRef.js";

const TOP_LEVEL_KINDS = [MESH, MESH_SUBSET, MESH_SERVICE, MESH_SERVICE_SUBSET, MESH_GATEWAY, DATAPLANE];
const MODIFICATIONS = ["cluster", "listener", "virtualHost", "networkFilter", "httpFilter"] as const;
const RESOURCE_OPERATIONS = ["Add", "Patch", "Remove"];
const FILTER_OPERATIONS = ["AddFirst", "AddLast", "AddBefore", "AddAfter", "Patch", "Remove"];
const FILTER_BEFORE = "must be defined. You need to pick a filter before which this one will be added";
const FILTER_AFTER = "must be defined. You need to pick a filter after which this one will be added";
const JSON_PATCH_OPS = ["add", "remove", "replace", "move", "copy"];

export function meshProxyPatchViolations(spec: JsonObject, _context: unknown, resource: JsonObject): Violation[] {
  const out = validateTopLevelByRole(spec, resource, { supportedKinds: TOP_LEVEL_KINDS });
  const listPath = "spec.default.appendModifications";
  const modifications = itemsOf(prop(objectOf(prop(spec, "default")), "appendModifications"));
  if (modifications.length === 0) out.push(violation(listPath, MUST_NOT_BE_EMPTY));
  modifications.forEach((item, i) => {
    const path = index(listPath, i);
    const modification = objectOf(item);
    const present = MODIFICATIONS.filter((name) => isSet(prop(modification, name)));
    const [kind] = present;
    if (present.length !== 1 || kind === undefined) {
      out.push(violation(path, `exactly one modification can be defined at a time. Currently, ${present.length} modifications are defined`));
      return;
    }
    const mod = objectOf(prop(modification, kind));
    const modPath = field(path, kind);
    out.push(...(kind === "networkFilter" || kind === "httpFilter" ? validateFilterMod(modPath, kind, mod) : validateResourceMod(modPath, kind, mod)));
  });
  return out;
}

/** Cluster, listener and virtual host modifications. */
function validateResourceMod(path: string, kind: string, mod: JsonObject | undefined): Violation[] {
  const out: Violation[] = [];
  switch (text(prop(mod, "operation"))) {
    case "Add": {
      const match = prop(mod, "match");
      // A new virtual host may still be placed by route configuration; it just cannot be matched by its own name.
      if (kind === "virtualHost") {
        if (isSet(prop(objectOf(match), "name"))) out.push(violation(field(path, "match.name"), MUST_NOT_BE_DEFINED));
      } else if (isSet(match)) {
        out.push(violation(field(path, "match"), MUST_NOT_BE_DEFINED));
      }
      out.push(...validateResourceValue(field(path, "value"), prop(mod, "value")));
      break;
    }
    case "Patch":
      out.push(...validatePatch(path, kind, mod));
      break;
    case "Remove":
      out.push(...valueMustBeAbsent(path, mod));
      break;
    default:
      out.push(violation(field(path, "operation"), availableOperations(RESOURCE_OPERATIONS)));
  }
  return out;
}

function validateFilterMod(path: string, kind: string, mod: JsonObject | undefined): Violation[] {
  const out: Violation[] = [];
  const hasMatchName = isSet(prop(objectOf(prop(mod, "match")), "name"));
  const operation = text(prop(mod, "operation"));
  switch (operation) {
    case "AddFirst":
    case "AddLast":
    case "AddBefore":
    case "AddAfter":
      if (operation === "AddBefore" && !hasMatchName) out.push(violation(field(path, "match.name"), FILTER_BEFORE));
      if (operation === "AddAfter" && !hasMatchName) out.push(violation(field(path, "match.name"), FILTER_AFTER));
      out.push(...validateResourceValue(field(path, "value"), prop(mod, "value")));
      break;
    case "Patch":
      if (!hasMatchName) out.push(violation(field(path, "match.name"), MUST_BE_DEFINED));
      out.push(...validatePatch(path, kind, mod));
      break;
    case "Remove":
      out.push(...valueMustBeAbsent(path, mod));
      break;
    default:
      out.push(violation(field(path, "operation"), availableOperations(FILTER_OPERATIONS)));
  }
  return out;
}

function valueMustBeAbsent(path: string, mod: JsonObject | undefined): Violation[] {
  return isSet(prop(mod, "value")) ? [violation(field(path, "value"), MUST_NOT_BE_DEFINED)] : [];
}

function validateResourceValue(path: string, value: Json): Violation[] {
  if (!isSet(value)) return [violation(path, MUST_BE_DEFINED)];
  return envoyResourceViolations(path, value);
}

/** A patch is either a partial Envoy resource (`value`) merged in, or a list of JSON patches; never both. */
function validatePatch(path: string, kind: string, mod: JsonObject | undefined): Violation[] {
  const value = prop(mod, "value");
  const jsonPatches = itemsOf(prop(mod, "jsonPatches"));
  // The control plane names the modification in the message by its relative path, e.g. "cluster".
  if (isSet(value)) {
    if (jsonPatches.length > 0) return [violation(path, `${kind} must have only one type defined: value, jsonPatches`)];
    return envoyResourceViolations(field(path, "value"), value);
  }
  if (jsonPatches.length > 0) return validateJsonPatchBlock(field(path, "jsonPatches"), jsonPatches);
  return [violation(path, `${kind} must have exactly one defined: value, jsonPatches`)];
}

/** What can be known offline about an Envoy resource in YAML: it must decode to an object. */
function envoyResourceViolations(path: string, value: Json): Violation[] {
  if (typeof value !== "string") return []; // another JSON type fails decoding; the schema reports it
  let decoded: unknown;
  try {
    decoded = parse(value, YAML_OPTIONS);
  } catch {
    decoded = undefined;
  }
  return isObject(decoded as Json) ? [] : [violation(path, "native Envoy resource is not valid: the value must be a YAML or JSON object")];
}

/** `jsonpatch_validators.ValidateJsonPatchBlock`. */
function validateJsonPatchBlock(path: string, patches: readonly Json[]): Violation[] {
  const out: Violation[] = [];
  patches.forEach((item, i) => {
    const patchPath = index(path, i);
    const patch = objectOf(item);
    const op = text(prop(patch, "op"));
    if (!JSON_PATCH_OPS.includes(op)) out.push(violation(field(patchPath, "op"), mustBeOneOf("op", JSON_PATCH_OPS)));
    const moveOrCopy = op === "move" || op === "copy";
    const hasFrom = isSet(prop(patch, "from"));
    if (moveOrCopy && !hasFrom) out.push(violation(field(patchPath, "from"), oneOf("from", "op", MUST_NOT_BE_EMPTY, ["move", "copy"])));
    if (!moveOrCopy && hasFrom) out.push(violation(field(patchPath, "from"), oneOf("from", "op", "is allowed only", ["move", "copy"])));
    // `value` is a json.RawMessage: an explicit null is a value too.
    const addOrReplace = op === "add" || op === "replace";
    const hasValue = prop(patch, "value") !== undefined;
    if (addOrReplace && !hasValue) out.push(violation(field(patchPath, "value"), oneOf("value", "op", MUST_NOT_BE_EMPTY, ["add", "replace"])));
    if (!addOrReplace && hasValue) out.push(violation(field(patchPath, "value"), oneOf("value", "op", "is allowed only", ["add", "replace"])));
    const jsonPath = prop(patch, "path");
    if (!isSet(jsonPath)) out.push(violation(field(patchPath, "path"), MUST_BE_DEFINED));
    else if ((jsonPath === "" || jsonPath === "/") && op === "remove") out.push(violation(field(patchPath, "path"), "root path cannot be removed"));
  });
  return out;
}

function availableOperations(operations: readonly string[]): string {
  return `invalid operation. Available operations: ${operations.map(goQuote).join(", ")}`;
}
