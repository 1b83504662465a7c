/**
 * What a protobuf kind (Mesh, MeshGateway, Dataplane) looks like after the control plane's jsonpb round trip, read
 * from its schema: proto3 scalars, enums, lists and maps at their zero value are omitted, enums given as numbers come
 * back as names (a number without a name as that number), integers given as numeric strings come back as numbers.
 * Messages stay even when empty, google.protobuf.Struct (`conf`) is kept as sent. The embedded control plane stores
 * through it and normalization compares through it (a Mesh too, ProtoPrint `compared`), so the two cannot model jsonpb
 * differently. And what jsonpb reads that its printing never shows: a number or enum field's value as its decoder takes
 * or refuses it (jsonpbRead), its error for a value of the wrong type elsewhere (jsonpbTypeError; validation and the
 * embedded control plane's 400 answers use both), a field by its proto name (withProtoJsonNames, which the converter
 * and the embedded control plane apply), a null member (withoutProtoNulls).
 * jsonpb is github.com/golang/protobuf v1.5.4's (util_proto.FromJSON), whose decoder is its own, not protojson's.
 */
import { isJsonObject, type JsonObject, type JsonValue } from "../model/resource.js";
import { base64OfByteList } from "./base64.js";
import { goQuote } from "./duration.js";
import { goJsonKind, goTypeError, goUnmarshalNumber, type GoNumberRead } from "./goJson.js";
import { parsePath } from "../model/fieldPath.js";
import { propertySchema, protoFieldOrder } from "./schemas.js";

type Schema = JsonObject;

/** JSON's number syntax: a string jsonpb certainly reads as that number (the common case, read without the decoder). */
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/**
 * A number field's value as jsonpb prints it back once read: a string it reads as a number is that number (`"8080"`,
 * `" 8080 "`; `"null"` leaves the field at 0); anything else as it is, `"NaN"`, `"Infinity"` and `"-Infinity"` included,
 * which is how jsonpb prints a double it read from them, and what it refuses.
 */
export function jsonpbNumber<V extends JsonValue | undefined>(value: V): V | number {
  if (typeof value !== "string") return value;
  const quick = JSON_NUMBER.test(value) ? Number(value) : NaN;
  if (Number.isFinite(quick)) return quick;
  const read = jsonpbRead(value, DOUBLE);
  if (!read.ok) return value;
  if (read.value === undefined) return 0;
  return typeof read.value === "number" && Number.isFinite(read.value) ? read.value : value;
}

/** A double (a DoubleValue: Mesh's tracing `sampling`) as jsonpb reads it, NaN and the infinities included; undefined when unset or refused. */
export function jsonpbDouble(value: JsonValue | undefined): number | undefined {
  const read = jsonpbRead(value, DOUBLE);
  return read.ok && typeof read.value === "number" ? read.value : undefined;
}

/** A number or enum field of a protobuf kind, as jsonpb's decoder tells them apart (decode.go unmarshalSingularValue). */
export type JsonpbScalar =
  | { readonly kind: "uint32" | "double" }
  | { readonly kind: "enum"; /** The value names; any int32 is a value too. */ readonly names: readonly string[]; readonly fullName: string };

const DOUBLE: JsonpbScalar = { kind: "double" };

export type JsonpbRead =
  | { readonly ok: true; /** A number, an enum's name; undefined: unset (null, or the text `null` inside quotes). */ readonly value: number | string | undefined }
  | { readonly ok: false; /** jsonpb's error, which the API answers in its 400 "Bad Request". */ readonly goError: string };

/** The double field's texts jsonpb reads before anything else (decode.go nonFinite): exactly these, quotes included. */
const NON_FINITE: ReadonlyMap<string, number> = new Map([
  ["NaN", NaN],
  ["Infinity", Infinity],
  ["-Infinity", -Infinity],
]);

/**
 * `value` in a number or enum field, as jsonpb decodes the raw text a client's JSON encoder writes for it. A number field
 * has the quotes of a string trimmed and the rest read by encoding/json (goJson.ts): JSON's number syntax with JSON's
 * whitespace around it (only a space is ever written unescaped), `null` for nothing; a double takes "NaN", "Infinity"
 * and "-Infinity" too. An enum takes a name exactly, or any int32 unquoted, kept as that number.
 */
export function jsonpbRead(value: JsonValue | undefined, field: JsonpbScalar): JsonpbRead {
  if (value === undefined || value === null) return { ok: true, value: undefined };
  // The float -0 as Go's json.Marshal writes it (kumactl's encoder), which JSON.stringify would write as 0.
  const raw = Object.is(value, -0) ? "-0" : JSON.stringify(value);
  if (field.kind === "enum") {
    if (typeof value === "string") return field.names.includes(value) ? { ok: true, value } : { ok: false, goError: `unknown value ${goQuote(raw)} for enum ${field.fullName}` };
    return readBy(goUnmarshalNumber(raw, "protoreflect.EnumNumber"));
  }
  const nonFinite = typeof value === "string" && field.kind === "double" ? NON_FINITE.get(value) : undefined;
  if (nonFinite !== undefined) return { ok: true, value: nonFinite };
  // jsonpb's trimQuote: the quotes go, escapes stay (`"\t5"` is `\t5` to the decoder, not a tab).
  const text = raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw;
  return readBy(goUnmarshalNumber(text, field.kind === "double" ? "float64" : "uint32"));
}

const readBy = (read: GoNumberRead): JsonpbRead => (read.ok ? { ok: true, value: read.value } : { ok: false, goError: read.error });

/**
 * The proto enums of the protobuf kinds by their place (JSON names, `[]`: each item of a list), with the full names
 * jsonpb's error names them by: the enum types of go-v2.14.3 api/mesh/v1alpha1/mesh.pb.go, gateway.pb.go and
 * dataplane.pb.go. Their value names and numbers are in the schemas.
 */
const PROTO_ENUMS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  Mesh: {
    "mtls.backends[].mode": "kuma.mesh.v1alpha1.CertificateAuthorityBackend.Mode",
    "meshServices.mode": "kuma.mesh.v1alpha1.Mesh.MeshServices.Mode",
  },
  MeshGateway: {
    "conf.listeners[].protocol": "kuma.mesh.v1alpha1.MeshGateway.Listener.Protocol",
    "conf.listeners[].tls.mode": "kuma.mesh.v1alpha1.MeshGateway.TLS.Mode",
  },
  Dataplane: {
    "networking.gateway.type": "kuma.mesh.v1alpha1.Dataplane.Networking.Gateway.GatewayType",
    "networking.inbound[].state": "kuma.mesh.v1alpha1.Dataplane.Networking.Inbound.State",
    "networking.listeners[].state": "kuma.mesh.v1alpha1.Dataplane.Networking.Listener.State",
    "networking.listeners[].type": "kuma.mesh.v1alpha1.Dataplane.Networking.Listener.Type",
    "networking.transparentProxying.ipFamilyMode": "kuma.mesh.v1alpha1.Dataplane.Networking.TransparentProxying.IpFamilyMode",
  },
};

/** Every place of PROTO_ENUMS, for a test to hold against the schemas. */
export function protoEnumFields(typeName: string): readonly string[] {
  return Object.keys(PROTO_ENUMS[typeName] ?? {});
}

/**
 * The number or enum field a protobuf kind's schema node describes at `fieldPath` (JSON names, `[]` for each item),
 * if it is one: a uint32 (UInt32Value too), a double (DoubleValue), a proto enum.
 */
export function jsonpbScalarAt(typeName: string, fieldPath: string, node: JsonObject): JsonpbScalar | undefined {
  const fullName = PROTO_ENUMS[typeName]?.[fieldPath];
  if (fullName !== undefined) return { kind: "enum", names: enumNames(node), fullName };
  const types = [node.type].flat();
  if (node.format === "uint32") return { kind: "uint32" };
  return types.includes("number") && types.includes("string") ? DOUBLE : undefined;
}

/**
 * jsonpb's error for a value of the wrong JSON type in a field of a protobuf kind that is not a number or an enum (those
 * are jsonpbRead's); `node` is the field's schema, `fieldPath` its place. jsonpb hands a string, bool or bytes field's
 * value to json.Unmarshal, and reads a message, a map and a list by json.Unmarshal into map[string]json.RawMessage or
 * []json.RawMessage, a Struct the same way behind "bad StructValue: ", a Duration's text as a Go string (jsonpb/decode.go
 * unmarshalMessage, unmarshalValue, unmarshalSingularValue). Undefined for the envelope (not jsonpb's), for a type the
 * schema does not tell, and for what jsonpb takes: null (the field unset or zero), bytes as an array of numbers.
 */
export function jsonpbTypeError(fieldPath: string, value: JsonValue, node: JsonObject): string | undefined {
  if (ENVELOPE.has(fieldPath.split(/[.[]/)[0] as string)) return undefined;
  const kind = goJsonKind(value);
  const types = [node.type].flat();
  if (kind === "null" || types.length !== 1) return undefined;
  switch (types[0]) {
    case "array":
      return goTypeError(kind, "[]json.RawMessage");
    case "object": {
      const error = goTypeError(kind, "map[string]json.RawMessage");
      const struct = node.properties === undefined && node.additionalProperties === undefined;
      return struct ? `bad StructValue: ${error}` : error;
    }
    case "boolean":
      return goTypeError(kind, "bool");
    case "string":
      if (node.format !== "byte") return goTypeError(kind, "string");
      return kind === "array" ? undefined : goTypeError(kind, "[]uint8");
  }
  return undefined;
}

/**
 * The first of a protobuf kind's decode errors (paths as violations give them) that the control plane meets, the one its
 * 400 names: encoding/json reads the envelope first, in the body's key order, keeping its first error; then jsonpb walks
 * the message's fields in .proto declaration order, depth first, list items in order, and stops at its first error
 * (jsonpb/decode.go unmarshalMessage). A map's or Struct's keys come from a Go map, in no order: there, by path.
 */
export function firstJsonpbError<V extends { readonly path: string }>(typeName: string, object: JsonObject, errors: readonly V[]): V | undefined {
  const order = protoFieldOrder(typeName) ?? {};
  const bodyKeys = Object.keys(object);
  const rank = (path: string): number[] => {
    const segments = parsePath(path);
    const head = segments[0];
    if (typeof head === "string" && ENVELOPE.has(head)) {
      const label = segments[1];
      const labelKeys = Object.keys(asObject(object.labels) ?? {});
      return [0, bodyKeys.indexOf(head), typeof label === "string" ? labelKeys.indexOf(label) : -1];
    }
    const ranks = [1];
    let place = "";
    for (const segment of segments) {
      if (typeof segment === "number") {
        ranks.push(segment);
        place += "[]";
        continue;
      }
      const at = order[place]?.indexOf(segment) ?? -1;
      ranks.push(at < 0 ? Number.MAX_SAFE_INTEGER : at);
      place = place === "" ? segment : `${place}.${segment}`;
    }
    return ranks;
  };
  const compare = (a: number[], b: number[]): number => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
    return a.length - b.length;
  };
  let first: { error: V; rank: number[] } | undefined;
  // `errors` come sorted by path: on a tie (keys of a map), the first by path stays.
  for (const error of errors) {
    const r = rank(error.path);
    if (!first || compare(r, first.rank) < 0) first = { error, rank: r };
  }
  return first?.error;
}

/** The schema lists an enum's value names, then their numbers in the same order (MeshGateway's protocols skip 2). */
const enumNames = (node: JsonObject): string[] => (Array.isArray(node.enum) ? node.enum.filter((e): e is string => typeof e === "string") : []);
const enumNumbers = (node: JsonObject): number[] => (Array.isArray(node.enum) ? node.enum.filter((e): e is number => typeof e === "number") : []);

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
  // A prometheus metrics backend's conf as the Mesh defaulter decodes it (api/mesh/v1alpha1/metrics.proto; mesh.ts).
  "metrics.backends[].conf.skipMTLS",
  "metrics.backends[].conf.aggregate[].enabled",
  "metrics.backends[].conf.envoy.usedOnly",
  "networking.inbound[].serviceProbe.healthyThreshold",
  "networking.inbound[].serviceProbe.unhealthyThreshold",
  "networking.transparentProxying.reachableBackends.refs[].port",
]);

/**
 * How a message is printed. `printed`: as jsonpb prints it, a field the schema does not know kept as it is. `compared`:
 * as normalization compares a Mesh, where a message left empty means the same as an absent one to every reader (the
 * control plane reads them through nil-safe Go getters), so it is dropped on both sides however the control plane
 * prints it (an empty item of a list stays: dropping it would shift the others), and a field the schema does not know
 * (a newer control plane's) loses its zero values by proto3's rule, so a change to it shows and an empty one does not.
 * `retyped`: a Struct read into the message by jsonpb (util_proto.ToTyped, AllowUnknownFields) and printed back, so a
 * field the message does not have is gone.
 */
export type ProtoPrint = "printed" | "compared" | "retyped";

/** The object (fields below `at`) as jsonpb prints it back; `schema` is the kind's schema at that place. */
export function stripProtoZeroValues(value: JsonObject, schema: Schema | undefined, at: string, print: ProtoPrint = "printed"): JsonObject {
  return walkMessage(value, schema, at, PRINTS[print]);
}

/**
 * The object as the control plane's protobuf decoder reads it: a null member of a message (a field left empty in YAML,
 * `hostname:`) is an unset field, not a value (util_proto.FromJSON; the envelope's encoding/json reads null as zero).
 * A google.protobuf.Struct (`conf`) keeps its nulls, which are values there. `object` itself when it holds no such null.
 */
export function withoutProtoNulls(object: JsonObject, schema: Schema | undefined): JsonObject {
  return walkMessage(object, schema, "", READING);
}

/** What becomes of a field's value (the messages inside it already walked): undefined drops the field. */
type FieldRule = (value: JsonValue, schema: Schema, fieldPath: string) => JsonValue | undefined;

interface Walk {
  readonly rule: FieldRule;
  /** Whether a message left empty is dropped (`compared`). */
  readonly dropsEmptyMessages: boolean;
  /** A field the schema does not know. */
  readonly unknown: (value: JsonValue) => JsonValue | undefined;
}

const asItIs = (value: JsonValue): JsonValue => value;
const READING: Walk = { rule: asItIs, dropsEmptyMessages: false, unknown: asItIs };
const PRINTS: Readonly<Record<ProtoPrint, Walk>> = {
  printed: { rule: printedField, dropsEmptyMessages: false, unknown: asItIs },
  compared: { rule: printedField, dropsEmptyMessages: true, unknown: withoutZeroValues },
  retyped: { rule: printedField, dropsEmptyMessages: false, unknown: () => undefined },
};

/**
 * A protobuf kind's message walked along its schema, the one walk of what jsonpb reads and prints: a null member is an
 * unset field, a null item of a list of messages an empty message (jsonpb/decode.go unmarshalMessage reads `null` so),
 * messages and lists of messages are walked into (a message stays even when empty, unless `compared`), and every other
 * value, a list of messages once walked, is `rule`'s. Copied on write: `message` itself when nothing changed.
 */
function walkMessage(message: JsonObject, schema: Schema | undefined, at: string, walk: Walk): JsonObject {
  let out: JsonObject | undefined;
  for (const key of Object.keys(message)) {
    const value = message[key] as JsonValue;
    const kept = value === null ? undefined : walkField(value, schemaChild(schema, key), at === "" ? key : `${at}.${key}`, walk);
    if (kept === value) continue;
    out ??= copyOf(message);
    if (kept === undefined) delete out[key];
    else setOwn(out, key, kept);
  }
  return out ?? message;
}

function walkField(value: JsonValue, schema: Schema | undefined, fieldPath: string, walk: Walk): JsonValue | undefined {
  if (!schema) return walk.unknown(value);
  const obj = asObject(value);
  if (obj && asObject(schema.properties)) {
    const message = walkMessage(obj, schema, fieldPath, walk);
    return walk.dropsEmptyMessages && Object.keys(message).length === 0 ? undefined : message;
  }
  const items = asObject(schema.items);
  if (!Array.isArray(value) || !items || !asObject(items.properties)) return walk.rule(asJsonpbReads(value, schema), schema, fieldPath);
  let list: JsonValue[] | undefined;
  value.forEach((item, i) => {
    const message = item === null ? {} : asObject(item);
    const kept = message ? walkMessage(message, items, `${fieldPath}[]`, walk) : item;
    if (kept !== item) (list ??= value.slice())[i] = kept;
  });
  return walk.rule(list ?? value, schema, fieldPath);
}

/**
 * What jsonpb hands json.Unmarshal, as it reads it: bytes written as an array of numbers are those bytes (base64, as
 * printed); a null item of a list of scalars or value of a map of scalars is the Go zero value of a string, number or
 * bool (jsonpb/decode.go unmarshalValue, unmarshalSingularValue); the envelope's labels, encoding/json's
 * map[string]string, the same. `value` itself when none of these; an enum's null (its first value) is not modelled, as
 * no list or map of enums exists in these kinds.
 */
function asJsonpbReads(value: JsonValue, schema: Schema): JsonValue {
  if (Array.isArray(value) && schema.format === "byte") return base64OfByteList(value) ?? value;
  if (Array.isArray(value)) {
    const zero = zeroScalar(asObject(schema.items));
    return zero === undefined || !value.includes(null) ? value : value.map((item) => item ?? zero);
  }
  const map = asObject(value);
  const zero = map && zeroScalar(asObject(schema.additionalProperties));
  if (!map || zero === undefined || !Object.values(map).includes(null)) return value;
  const out = copyOf(map);
  for (const key of Object.keys(out)) if (out[key] === null) setOwn(out, key, zero);
  return out;
}

/** The Go zero value of a scalar's schema (string, number, bool, not an enum); undefined for anything else. */
function zeroScalar(schema: Schema | undefined): JsonValue | undefined {
  if (!schema || schema.enum !== undefined) return undefined;
  const types = [schema.type].flat();
  if (types.length !== 1) return undefined;
  return types[0] === "string" ? "" : types[0] === "integer" || types[0] === "number" ? 0 : types[0] === "boolean" ? false : undefined;
}

/** proto3's zero-value rule for a value without a schema: false, 0, "", empty lists and messages omitted, list items kept. */
function withoutZeroValues(value: JsonValue): JsonValue | undefined {
  if (value === null || value === false || value === 0 || value === "") return undefined;
  if (Array.isArray(value)) return value.length === 0 ? undefined : value.map((v) => withoutZeroValues(v) ?? (isJsonObject(v) ? {} : v));
  if (isJsonObject(value)) {
    const out: JsonObject = {};
    for (const key of Object.keys(value)) {
      const kept = withoutZeroValues(value[key] as JsonValue);
      if (kept !== undefined) setOwn(out, key, kept);
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  return value;
}

/** A field's value as jsonpb prints it, its messages printed already; undefined when it is not printed. */
function printedField(value: JsonValue, schema: Schema, fieldPath: string): JsonValue | undefined {
  if (Array.isArray(schema.enum)) {
    // By name; a number without a name (any int32 is a value) as that number; the first value is the zero value.
    const names = enumNames(schema);
    const name = typeof value === "number" ? (names[enumNumbers(schema).indexOf(value)] ?? value) : value;
    return name === names[0] ? undefined : name;
  }
  // jsonpb reads a number from a numeric string too, and prints a number; a wrapper is printed even when 0.
  if (typeof value === "string" && Array.isArray(schema.type) && (schema.type.includes("integer") || schema.type.includes("number"))) {
    const n = jsonpbNumber(value);
    if (typeof n === "number") return n === 0 && !WRAPPER_FIELDS.has(fieldPath) ? undefined : n;
  }
  if (WRAPPER_FIELDS.has(fieldPath)) return value;
  if (Array.isArray(value)) return value.length === 0 ? undefined : value;
  const obj = asObject(value);
  if (obj) {
    if (schema.additionalProperties !== undefined) return Object.keys(obj).length === 0 ? undefined : obj; // a map
    return obj; // google.protobuf.Struct
  }
  if (value === false || value === 0 || value === "") return undefined;
  return value;
}

function copyOf(object: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const key of Object.keys(object)) setOwn(out, key, object[key] as JsonValue);
  return out;
}

const ENVELOPE = new Set(["type", "mesh", "name", "labels"]);

/**
 * A protobuf kind's object (envelope plus message fields) as the control plane would print it back: the envelope as it
 * is, the message fields through jsonpb (`print`: see ProtoPrint). A Mesh's defaulter is mesh.ts's.
 */
export function protoKindForm(object: JsonObject, schema: Schema | undefined, print: ProtoPrint = "printed"): JsonObject {
  const envelope: JsonObject = {};
  const fields: JsonObject = {};
  for (const key of Object.keys(object)) setOwn(ENVELOPE.has(key) ? envelope : fields, key, object[key] as JsonValue);
  const stripped = stripProtoZeroValues(fields, schema, "", print);
  for (const key of Object.keys(stripped)) setOwn(envelope, key, stripped[key] as JsonValue);
  return envelope;
}

/**
 * Fields whose protobuf name is not their JSON name, by their place in JSON names (`[]`: each item of a list). jsonpb
 * reads a field by either name (jsonpb/decode.go looks up `fd.Name()`, then `fd.JSONName()`, whose value wins), and
 * prints the JSON name. The `name=...,json=...` tags of go-v2.14.3 api/mesh/v1alpha1/gateway.pb.go and dataplane.pb.go,
 * the same in every line from 2.10; the Mesh's messages (mesh.pb.go, metrics.pb.go) and a Secret's have none, and the
 * messages the two kinds use from elsewhere (Selector, EnvoyAdmin, MetricsBackend, DataSource) have none either.
 */
const PROTO_NAMES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  MeshGateway: { "conf.listeners[].resources.connectionLimit": "connection_limit" },
  Dataplane: {
    "networking.inbound[].serviceProbe.healthyThreshold": "healthy_threshold",
    "networking.inbound[].serviceProbe.unhealthyThreshold": "unhealthy_threshold",
    "networking.transparentProxying": "transparent_proxying",
    "networking.transparentProxying.directAccessServices": "direct_access_services",
    "networking.transparentProxying.ipFamilyMode": "ip_family_mode",
    "networking.transparentProxying.reachableBackends": "reachable_backends",
    "networking.transparentProxying.reachableServices": "reachable_services",
    "networking.transparentProxying.redirectPortInbound": "redirect_port_inbound",
    "networking.transparentProxying.redirectPortOutbound": "redirect_port_outbound",
    "probes.endpoints[].inboundPath": "inbound_path",
    "probes.endpoints[].inboundPort": "inbound_port",
  },
};

/** Every place of PROTO_NAMES, for a test to hold against the schemas. */
export function protoNamedFields(typeName: string): readonly (readonly [jsonPath: string, protoName: string])[] {
  return Object.entries(PROTO_NAMES[typeName] ?? {});
}

/** PROTO_NAMES of one kind as a tree: at each message, its proto names by JSON name, and the messages below. */
interface NameNode {
  readonly jsonNames: Map<string, string>;
  readonly children: Map<string, { readonly node: NameNode; readonly list: boolean }>;
}

const nameTrees = new Map<string, NameNode | undefined>();

function nameTree(typeName: string): NameNode | undefined {
  if (!nameTrees.has(typeName)) {
    const table = PROTO_NAMES[typeName];
    let root: NameNode | undefined;
    for (const [jsonPath, protoName] of Object.entries(table ?? {})) {
      root ??= { jsonNames: new Map(), children: new Map() };
      const segments = jsonPath.split(".");
      let node = root;
      for (const segment of segments.slice(0, -1)) {
        const key = segment.replace(/\[\]$/, "");
        let child = node.children.get(key);
        if (!child) node.children.set(key, (child = { node: { jsonNames: new Map(), children: new Map() }, list: segment.endsWith("[]") }));
        node = child.node;
      }
      node.jsonNames.set(protoName, (segments.at(-1) as string).replace(/\[\]$/, ""));
    }
    nameTrees.set(typeName, root);
  }
  return nameTrees.get(typeName);
}

/**
 * The proto name of the field `jsonName` of the message at `at` (a path of JSON names in the kind's fields, list
 * indexes included), when it has one that differs: where a diagnostic about the field finds it written by that name.
 */
export function protoNameAt(typeName: string, at: readonly (string | number)[], jsonName: string): string | undefined {
  let node = nameTree(typeName);
  for (const segment of at) {
    if (!node) return undefined;
    if (typeof segment === "number") continue; // an item of a list: the list's node describes it
    node = node.children.get(segment)?.node;
  }
  if (!node) return undefined;
  for (const [protoName, name] of node.jsonNames) if (name === jsonName) return protoName;
  return undefined;
}

/** A field written by its proto name beside its JSON name: jsonpb keeps the JSON name's value and loses this one. */
export interface ProtoNameConflict {
  /** Where the proto name is written, in the object given. */
  readonly path: readonly (string | number)[];
  readonly protoName: string;
  readonly jsonName: string;
}

/**
 * The message fields of a protobuf kind's object (`object`: its flat Universal object, or a Kubernetes document's
 * spec) with every field written by its proto name under its JSON name, as jsonpb reads them, in the place it was
 * written; a proto name written beside its JSON name is dropped, as jsonpb drops it, and said. `object` itself when it
 * holds no proto name.
 */
export function withProtoJsonNames(typeName: string, object: JsonObject): { object: JsonObject; conflicts: ProtoNameConflict[] } {
  const tree = nameTree(typeName);
  const conflicts: ProtoNameConflict[] = [];
  return { object: tree ? renamedMessage(object, tree, [], conflicts) : object, conflicts };
}

function renamedMessage(message: JsonObject, node: NameNode, at: readonly (string | number)[], conflicts: ProtoNameConflict[]): JsonObject {
  let out: JsonObject | undefined;
  const keys = Object.keys(message);
  for (const key of keys) {
    const jsonName = node.jsonNames.get(key);
    if (jsonName === undefined) continue;
    if (Object.hasOwn(message, jsonName)) conflicts.push({ path: [...at, key], protoName: key, jsonName });
    out ??= {};
  }
  if (out) {
    // Rebuilt in the written order, each proto name where it was written (a JSON name beside it keeps its own place).
    for (const key of keys) {
      const jsonName = node.jsonNames.get(key);
      if (jsonName === undefined) setOwn(out, key, message[key] as JsonValue);
      else if (!Object.hasOwn(message, jsonName)) setOwn(out, jsonName, message[key] as JsonValue);
    }
  }
  for (const [key, { node: child, list }] of node.children) {
    const source = out ?? message;
    const value = source[key];
    const renamed = list ? renamedList(value, child, [...at, writtenKey(message, node, key)], conflicts) : isJsonObject(value) ? renamedMessage(value, child, [...at, writtenKey(message, node, key)], conflicts) : value;
    if (renamed !== value) setOwn((out ??= copyOf(message)), key, renamed as JsonValue);
  }
  return out ?? message;
}

function renamedList(value: JsonValue | undefined, node: NameNode, at: readonly (string | number)[], conflicts: ProtoNameConflict[]): JsonValue | undefined {
  if (!Array.isArray(value)) return value;
  let out: JsonValue[] | undefined;
  value.forEach((item, i) => {
    const renamed = isJsonObject(item) ? renamedMessage(item, node, [...at, i], conflicts) : item;
    if (renamed !== item) (out ??= value.slice())[i] = renamed;
  });
  return out ?? value;
}

/** The key a field is written under in `message`: its proto name when only that is written. */
function writtenKey(message: JsonObject, node: NameNode, jsonName: string): string {
  if (Object.hasOwn(message, jsonName)) return jsonName;
  for (const [protoName, name] of node.jsonNames) if (name === jsonName && Object.hasOwn(message, protoName)) return protoName;
  return jsonName;
}
