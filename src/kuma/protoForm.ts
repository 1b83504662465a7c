/**
 * What a protobuf kind (Mesh, MeshGateway, Dataplane) looks like after the control plane's jsonpb round trip, read
 * from its schema: proto3 scalars, enums, lists and maps at their zero value are omitted, enums given as numbers come
 * back as names, integers given as numeric strings come back as numbers. Messages stay even when empty,
 * google.protobuf.Struct (`conf`) is kept as sent. The embedded control plane stores through it and normalization
 * compares through it, so the two cannot model jsonpb differently.
 */
import { isJsonObject, type JsonObject, type JsonValue } from "../model/resource.js";
import { propertySchema } from "./schemas.js";

type Schema = JsonObject;

const asObject = (value: JsonValue | undefined): JsonObject | undefined => (isJsonObject(value) ? value : undefined);

function schemaChild(schema: Schema | undefined, key: string): Schema | undefined {
  return schema ? propertySchema(schema, key) : undefined;
}

/** Defined, not assigned: a `__proto__` key stays a key. */
function setOwn(target: JsonObject, key: string, value: JsonValue): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Fields that are protobuf wrapper messages (BoolValue, DoubleValue, UInt32Value): present even when false or 0. The
 * Mesh's, and the Dataplane's (api/mesh/v1alpha1/dataplane.proto; every `wrapperspb` field of go-v2.14.3
 * api/mesh/v1alpha1/dataplane.pb.go).
 */
const WRAPPER_FIELDS = new Set([
  "networking.outbound.passthrough",
  "tracing.backends[].sampling",
  "networking.inbound[].serviceProbe.healthyThreshold",
  "networking.inbound[].serviceProbe.unhealthyThreshold",
  "networking.transparentProxying.reachableBackends.refs[].port",
]);

/** The object (fields below `at`) as jsonpb prints it back; `schema` is the kind's schema at that place. */
export function stripProtoZeroValues(value: JsonObject, schema: Schema | undefined, at: string): JsonObject {
  const out: JsonObject = {};
  for (const key of Object.keys(value)) {
    const child = schemaChild(schema, key);
    const fieldPath = at === "" ? key : `${at}.${key}`;
    const v = value[key] as JsonValue;
    const kept = protoField(v, child, fieldPath);
    if (kept !== undefined) setOwn(out, key, kept);
  }
  return out;
}

function protoField(value: JsonValue, schema: Schema | undefined, fieldPath: string): JsonValue | undefined {
  if (!schema || value === null) return value === null ? undefined : value;
  const enumValues = Array.isArray(schema.enum) ? schema.enum : undefined;
  if (enumValues) {
    // The schema lists the value names, then their numbers in the same order (MeshGateway's protocols skip 2).
    const names = enumValues.filter((e): e is string => typeof e === "string");
    const numbers = enumValues.filter((e): e is number => typeof e === "number");
    const name = typeof value === "number" ? names[numbers.indexOf(value)] : value;
    return name === undefined || name === names[0] ? undefined : name;
  }
  // jsonpb reads an integer from a numeric string too, and prints a number; a wrapper is printed even when 0.
  if (typeof value === "string" && Array.isArray(schema.type) && schema.type.includes("integer") && /^-?\d+$/.test(value)) {
    return Number(value) === 0 && !WRAPPER_FIELDS.has(fieldPath) ? undefined : Number(value);
  }
  if (WRAPPER_FIELDS.has(fieldPath)) return value;
  if (Array.isArray(value)) {
    if (value.length === 0) return undefined;
    const items = asObject(schema.items);
    return value.map((item) => {
      const obj = asObject(item);
      return obj && items && asObject(items.properties) ? stripProtoZeroValues(obj, items, `${fieldPath}[]`) : item;
    });
  }
  const obj = asObject(value);
  if (obj) {
    if (asObject(schema.properties)) return stripProtoZeroValues(obj, schema, fieldPath); // a message
    if (schema.additionalProperties !== undefined) return Object.keys(obj).length === 0 ? undefined : obj; // a map
    return obj; // google.protobuf.Struct
  }
  if (value === false || value === 0 || value === "") return undefined;
  return value;
}


/**
 * The object as the control plane's protobuf decoder reads it: a null member of a message (a field left empty in YAML,
 * `hostname:`) is an unset field, not a value (util_proto.FromJSON; the envelope's encoding/json reads null as zero).
 * A google.protobuf.Struct (`conf`) keeps its nulls, which are values there. `object` itself when it holds no such null.
 */
export function withoutProtoNulls(object: JsonObject, schema: Schema | undefined): JsonObject {
  let out: JsonObject | undefined;
  for (const key of Object.keys(object)) {
    const value = object[key] as JsonValue;
    const child = schemaChild(schema, key);
    const kept = value === null ? undefined : messageWithoutNulls(value, child);
    if (kept === value) continue;
    out ??= copyOf(object);
    if (kept === undefined) delete out[key];
    else setOwn(out, key, kept);
  }
  return out ?? object;
}

/** A message (or a list of messages) without its null members; any other value as it is. */
function messageWithoutNulls(value: JsonValue, schema: Schema | undefined): JsonValue {
  if (!schema) return value;
  if (Array.isArray(value)) {
    const items = asObject(schema.items);
    if (!items || !asObject(items.properties)) return value;
    let changed = false;
    const out = value.map((item) => {
      const obj = asObject(item);
      const kept = obj ? withoutProtoNulls(obj, items) : item;
      changed ||= kept !== item;
      return kept;
    });
    return changed ? out : value;
  }
  const obj = asObject(value);
  return obj && asObject(schema.properties) ? withoutProtoNulls(obj, schema) : value;
}

function copyOf(object: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const key of Object.keys(object)) setOwn(out, key, object[key] as JsonValue);
  return out;
}

const ENVELOPE = new Set(["type", "mesh", "name", "labels"]);

/**
 * A MeshGateway or Dataplane object (envelope plus message fields) as the control plane would print it back: the
 * envelope as it is, the message fields through jsonpb. The Mesh has its own model (mesh.ts), defaulter included.
 */
export function protoKindForm(object: JsonObject, schema: Schema | undefined): JsonObject {
  const envelope: JsonObject = {};
  const fields: JsonObject = {};
  for (const key of Object.keys(object)) setOwn(ENVELOPE.has(key) ? envelope : fields, key, object[key] as JsonValue);
  const stripped = stripProtoZeroValues(fields, schema, "");
  for (const key of Object.keys(stripped)) setOwn(envelope, key, stripped[key] as JsonValue);
  return envelope;
}
