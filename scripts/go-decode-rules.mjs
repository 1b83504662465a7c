// Decode-time rules from the Go API types. After the schema check, the control plane decodes the JSON into Go structs
// (encoding/json for policies and the destination types, jsonpb for Mesh). A negative number in a `uint32`, an
// overflow, or a fraction in an integer field fails there with 400 "Bad Request", whatever rest.yaml says
// (`format: int32` on a Go uint32, or no type at all). This walks a generated schema and the Go type behind it side by
// side and writes what the decoder enforces into the schema:
//   - every Go integer field gets `type: integer` and `format: <Go type>` (uint32, int64, ...), range-checked by
//     src/validate/formats.ts; rest.yaml's own `minimum`/`maximum` stay, as the schema stage checks them first;
//   - every metav1.Duration gets `format: duration` (time.ParseDuration), so no list of duration fields is needed;
//   - every schema field must exist in the Go type, and every Go type must be understood: a new Kuma release that adds
//     a field of a type nobody looked at stops the generator instead of slipping through.
import { goPackages, GoParseError } from "./go-types.mjs";

export const KUMA_MODULE = "github.com/kumahq/kuma/v2";

/** Go integer types: the range encoding/json accepts. Their names are the schema formats (src/validate/formats.ts). */
const GO_INTEGER_TYPES = new Set(["int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64"]);
// float32 would need an overflow check: none is used, so it is not listed and meeting one is an error.
const GO_PREDECLARED = new Set([
  ...["bool", "string", "byte", "rune", "uintptr", "float32", "float64", "complex64", "complex128", "error"],
  ...GO_INTEGER_TYPES,
]);
const GO_BASIC = { string: "string", bool: "boolean", ...Object.fromEntries([...GO_INTEGER_TYPES].map((t) => [t, "integer"])), float64: "number" };

/**
 * Types from packages outside the reference tree (or with their own UnmarshalJSON), by what their decoder accepts.
 * A type missing here is an error, so each is a decision written down.
 */
const SPECIAL_TYPES = {
  // metav1.Duration: a JSON string parsed by time.ParseDuration.
  "k8s.io/apimachinery/pkg/apis/meta/v1.Duration": { decodes: "duration" },
  // intstr.IntOrString: a JSON string, or a number decoded into its IntVal (int32).
  "k8s.io/apimachinery/pkg/util/intstr.IntOrString": { decodes: "int-or-string" },
  // Raw JSON kept as it is (MeshProxyPatch JSON patch values, MeshExternalService extension config).
  "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1.JSON": { decodes: "any" },
  "encoding/json.RawMessage": { decodes: "any" },
  // resource.Quantity: a string, or a number that it reads as a string.
  "k8s.io/apimachinery/pkg/api/resource.Quantity": { decodes: "quantity" },
  // `type Protocol string` in pkg/core/metadata, a package the reference does not carry.
  [`${KUMA_MODULE}/pkg/core/metadata.Protocol`]: { decodes: "basic", goType: "string" },
  // Status-only types (never in a PUT body from the repository; listed so the walk can name them).
  "k8s.io/apimachinery/pkg/apis/meta/v1.ConditionStatus": { decodes: "basic", goType: "string" },
  // Protobuf well-known types in Mesh (jsonpb): wrappers decode as their value, Duration as "1.5s", Struct as any object.
  "google.golang.org/protobuf/types/known/wrapperspb.BoolValue": { decodes: "basic", goType: "bool" },
  "google.golang.org/protobuf/types/known/wrapperspb.DoubleValue": { decodes: "basic", goType: "float64" },
  "google.golang.org/protobuf/types/known/wrapperspb.UInt32Value": { decodes: "basic", goType: "uint32" },
  "google.golang.org/protobuf/types/known/wrapperspb.StringValue": { decodes: "basic", goType: "string" },
  "google.golang.org/protobuf/types/known/durationpb.Duration": { decodes: "proto-duration" },
  "google.golang.org/protobuf/types/known/structpb.Struct": { decodes: "any" },
  // kuma.system.v1alpha1.DataSource (MeshGateway TLS certificates), a oneof of four strings: the schema spells it out
  // (GATEWAY_OVERRIDES in generate-schemas.mjs); its .pb.go is not in the reference.
  [`${KUMA_MODULE}/api/system/v1alpha1.DataSource`]: { decodes: "any" },
};

class DecodeRuleError extends Error {}

function fail(ctx, path, message) {
  throw new DecodeRuleError(`${ctx.typeName}: ${path || "(root)"}: ${message}`);
}

const typesOf = (node) => (Array.isArray(node.type) ? node.type : node.type === undefined ? [] : [node.type]);

/** A reference to a type: the expression plus the package whose imports resolve its qualifiers. */
const ref = (type, declaration) => ({ type, packagePath: declaration.packagePath, imports: declaration.imports });

/**
 * Resolves pointers, aliases and named types down to what the decoder sees: a basic type, a struct, a slice/map, or
 * one of SPECIAL_TYPES. `goName` keeps the name the user would recognise (uint32, not v1alpha1.Port).
 */
function resolve(ctx, { type, packagePath, imports }, path) {
  if (type.kind === "pointer") return resolve(ctx, { type: type.elem, packagePath, imports }, path);
  if (type.kind !== "named") return { kind: type.kind, type, packagePath, imports };
  if (type.qualifier === undefined && GO_PREDECLARED.has(type.name)) {
    return { kind: "basic", goType: type.name === "byte" ? "uint8" : type.name === "rune" ? "int32" : type.name };
  }
  if (type.qualifier === undefined && (type.name === "any" || type.name === "interface")) return { kind: "any" };
  const targetPackage = type.qualifier === undefined ? packagePath : imports.get(type.qualifier);
  if (targetPackage === undefined) fail(ctx, path, `unknown package qualifier "${type.qualifier}" in ${packagePath}`);
  const qualifiedName = `${targetPackage}.${type.name}`;
  const special = SPECIAL_TYPES[qualifiedName];
  if (special) return special.decodes === "basic" ? { kind: "basic", goType: special.goType } : { kind: special.decodes, qualifiedName };
  let declaration;
  try {
    declaration = ctx.packages.lookup(targetPackage, type.name);
  } catch (error) {
    if (!(error instanceof GoParseError)) throw error;
    const message = protoMessage(ctx, targetPackage, type.name);
    if (message) return message;
    fail(ctx, path, error.message);
  }
  if (!declaration) fail(ctx, path, `Go type ${qualifiedName} is outside the reference: add it to SPECIAL_TYPES with what its decoder accepts`);
  if (declaration.customDecoder) fail(ctx, path, `Go type ${qualifiedName} has its own UnmarshalJSON: add it to SPECIAL_TYPES`);
  return resolve(ctx, ref(declaration.type, declaration), path);
}

/**
 * A protobuf message whose .pb.go the reference does not carry (Mesh's Metrics, in metrics.pb.go), from the proto's
 * JSON schema (docs/generated/raw/protos): enough for strings, booleans, doubles, lists and Structs. Its integers do not
 * say whether they are signed, so meeting one is an error.
 */
function protoMessage(ctx, packagePath, goName) {
  if (!ctx.proto || packagePath !== ctx.proto.goPackage) return undefined;
  const name = `${ctx.proto.protoPackage}.${goName.replace(/_/g, ".")}`;
  const definition = ctx.proto.definitions[name];
  return definition ? { kind: "proto-json", definition, name } : undefined;
}

/**
 * Integer fields of protobuf messages whose .pb.go the reference does not carry, with their proto scalar type, read
 * from the .proto of the same release (`git show v2.14.3:<file>` in a Kuma clone).
 */
const PROTO_INTEGER_FIELDS = {
  // api/mesh/v1alpha1/envoy_admin.proto: `uint32 port = 1;` (Dataplane networking.admin)
  "kuma.mesh.v1alpha1.EnvoyAdmin.port": "uint32",
};

function protoJsonType(ctx, definition, path, qualifiedField) {
  if (definition.type === "integer" && qualifiedField && PROTO_INTEGER_FIELDS[qualifiedField]) {
    return { kind: "basic", goType: PROTO_INTEGER_FIELDS[qualifiedField] };
  }
  if (definition.$ref) {
    const name = definition.$ref.replace("#/definitions/", "");
    const target = ctx.proto.definitions[name];
    if (!target) fail(ctx, path, `proto JSON schema: ${definition.$ref} not found`);
    return { kind: "proto-json", definition: target, name };
  }
  switch (definition.type) {
    case "string":
      return { kind: "basic", goType: "string" };
    case "boolean":
      return { kind: "basic", goType: "bool" };
    case "number":
      return { kind: "basic", goType: "float64" };
    case "array":
      return { kind: "proto-json-list", items: definition.items };
    case "object":
      return definition.properties ? { kind: "proto-json", definition } : { kind: "any" };
    default:
      return fail(ctx, path, `proto JSON schema type ${JSON.stringify(definition.type)} (signedness unknown): add the message's .pb.go to the reference`);
  }
}

/** The struct's fields by JSON name, embedded structs without a name inlined (encoding/json's rules; jsonpb's names). */
function fieldsByJsonName(ctx, struct, path, out = new Map()) {
  for (const field of struct.type.fields) {
    const jsonName = field.tag.protobufName ?? field.tag.json?.split(",")[0];
    if (jsonName === "-") continue;
    const fieldRef = { type: field.type, packagePath: struct.packagePath, imports: struct.imports };
    if (field.embedded && !jsonName) {
      const embedded = resolve(ctx, fieldRef, path);
      if (embedded.kind !== "struct") fail(ctx, path, `embedded field ${field.name} is not a struct`);
      fieldsByJsonName(ctx, embedded, path, out);
      continue;
    }
    out.set(jsonName || field.name, fieldRef);
  }
  return out;
}

/** Whether the schema node can hold the JSON type (an untyped node can hold anything). */
function expectType(ctx, node, path, jsonType, goName) {
  const types = typesOf(node);
  if (types.length > 0 && !types.includes(jsonType) && !(jsonType === "number" && types.includes("integer"))) {
    fail(ctx, path, `schema type ${JSON.stringify(node.type)} does not fit Go type ${goName}`);
  }
}

function applyInteger(ctx, node, path, goType) {
  if (Array.isArray(node.enum) && node.enum.every((v) => typeof v === "string" || Number.isInteger(v))) return; // a proto enum: fully listed
  const types = typesOf(node);
  // jsonpb (the protobuf kinds: MeshGateway, Dataplane) takes an integer as a number or as a numeric string ("8080").
  // The format checks a number's range; the pattern is the quick check of the string form: up to nine digits in JSON's
  // number syntax, which certainly decode. Any other string is judged by meshops's model of jsonpb when the schema
  // fails (src/validate/schema.ts): " 8080 " and "null" decode, "08080" and "4294967296" do not.
  if (ctx.proto) {
    if (types.length > 0 && !types.includes("integer") && !types.includes("number")) fail(ctx, path, `schema type ${JSON.stringify(node.type)} does not fit Go type ${goType}`);
    node.type = ["integer", "string"];
    node.format = goType;
    node.pattern = goType.startsWith("u") ? "^(0|[1-9][0-9]{0,8})$" : "^-?(0|[1-9][0-9]{0,8})$";
    ctx.integerFields.push({ path, goType });
    return;
  }
  if (types.length > 0 && !types.includes("integer") && !types.includes("number")) fail(ctx, path, `schema type ${JSON.stringify(node.type)} does not fit Go type ${goType}`);
  if (node.format !== undefined && !GO_INTEGER_TYPES.has(node.format)) fail(ctx, path, `schema format ${node.format} on Go type ${goType}`);
  node.type = types.length === 0 ? "integer" : typeof node.type === "string" ? "integer" : types.map((t) => (t === "number" ? "integer" : t));
  node.format = goType;
  ctx.integerFields.push({ path, goType });
}

/**
 * jsonpb reads a double (DoubleValue: Mesh's tracing `sampling`) from a number or from a string holding a JSON number
 * (it trims the quotes and decodes the rest as a float64), so `"50"` is 50. The pattern is the quick check: JSON
 * numbers too small to overflow a float64; any other string ("NaN", " 50 ", "1e400") is judged by meshops's model of
 * jsonpb when the schema fails.
 */
const JSON_NUMBER_PATTERN = "^-?(0|[1-9][0-9]{0,14})(\\.[0-9]+)?([eE][+-]?[0-9]{1,2})?$";

function applyProtoDouble(ctx, node, path) {
  expectType(ctx, node, path, "number", "float64");
  node.type = ["number", "string"];
  node.pattern = JSON_NUMBER_PATTERN;
}

/** Walks `node` (our schema) and `goRef` together, writing the decoder's rules into the node. */
function walk(ctx, node, goRef, path) {
  const resolved = resolve(ctx, goRef, path);
  // An enum lists every accepted value (proto enums: names and numbers); its type-only branches say nothing more.
  if (Array.isArray(node.enum)) return walkResolved(ctx, node, resolved, path, false);
  for (const combinator of ["oneOf", "anyOf"]) {
    (node[combinator] ?? []).forEach((branch, i) => {
      if (branch.properties || branch.items || branch.type !== undefined) walkResolved(ctx, branch, resolved, `${path}<${combinator}${i}>`, true);
    });
  }
  walkResolved(ctx, node, resolved, path, false);
}

function walkResolved(ctx, node, resolved, path, inBranch) {
  switch (resolved.kind) {
    case "any":
      return;
    case "basic": {
      const { goType } = resolved;
      if (GO_INTEGER_TYPES.has(goType)) return inBranch && node.type === undefined ? undefined : applyInteger(ctx, node, path, goType);
      if (goType === "float64" && ctx.proto && !inBranch) return applyProtoDouble(ctx, node, path);
      if (!GO_BASIC[goType]) fail(ctx, path, `Go type ${goType} is not supported`);
      return expectType(ctx, node, path, GO_BASIC[goType], goType);
    }
    case "duration":
      expectType(ctx, node, path, "string", "metav1.Duration");
      if (node.format !== undefined && node.format !== "duration") fail(ctx, path, `metav1.Duration with format ${node.format}`);
      if (!inBranch) {
        node.format = "duration";
        ctx.durationFields.push(path);
      }
      return;
    case "proto-duration":
      if (node.format !== "duration") fail(ctx, path, "google.protobuf.Duration without format: duration (see MESH_OVERRIDES)");
      return;
    case "int-or-string": {
      const types = typesOf(node);
      if (!(types.includes("integer") && types.includes("string"))) fail(ctx, path, `intstr.IntOrString with schema type ${JSON.stringify(node.type)}`);
      // The number form is decoded into an int32 (IntVal); the format only checks numbers.
      if (!inBranch) {
        node.format = "int32";
        ctx.integerFields.push({ path, goType: "intstr.IntOrString" });
      }
      return;
    }
    case "quantity":
      return expectType(ctx, node, path, "string", "resource.Quantity");
    case "slice":
    case "array": {
      const elem = { type: resolved.type.elem, packagePath: resolved.packagePath, imports: resolved.imports };
      if (resolved.type.elem.kind === "named" && resolved.type.elem.name === "byte" && !resolved.type.elem.qualifier) {
        return expectType(ctx, node, path, "string", "[]byte");
      }
      expectType(ctx, node, path, "array", "a slice");
      if (node.items) walk(ctx, node.items, elem, `${path}[]`);
      return;
    }
    case "map": {
      const key = resolve(ctx, { type: resolved.type.key, packagePath: resolved.packagePath, imports: resolved.imports }, path);
      if (key.kind !== "basic" || key.goType !== "string") fail(ctx, path, "map keys other than strings are not supported");
      expectType(ctx, node, path, "object", "a map");
      const value = { type: resolved.type.value, packagePath: resolved.packagePath, imports: resolved.imports };
      if (node.additionalProperties && typeof node.additionalProperties === "object") walk(ctx, node.additionalProperties, value, `${path}{}`);
      return;
    }
    case "struct": {
      expectType(ctx, node, path, "object", "a struct");
      const fields = fieldsByJsonName(ctx, resolved, path);
      for (const [name, child] of Object.entries(node.properties ?? {})) {
        const field = fields.get(name);
        const childPath = path ? `${path}.${name}` : name;
        if (!field && ctx.lenient) continue; // an older release's field the newest Go types no longer have
        if (!field) fail(ctx, childPath, "in the schema but not in the Go type: the control plane would drop it");
        walk(ctx, child, field, childPath);
      }
      return;
    }
    case "interface":
      return;
    case "proto-json":
      expectType(ctx, node, path, "object", "a protobuf message");
      for (const [name, child] of Object.entries(node.properties ?? {})) {
        const field = resolved.definition.properties?.[name];
        const childPath = path ? `${path}.${name}` : name;
        if (!field && ctx.lenient) continue;
        if (!field) fail(ctx, childPath, "in the schema but not in the protobuf message");
        walkResolved(ctx, child, protoJsonType(ctx, field, childPath, resolved.name && `${resolved.name}.${name}`), childPath, false);
      }
      return;
    case "proto-json-list":
      expectType(ctx, node, path, "array", "a repeated field");
      if (node.items) walkResolved(ctx, node.items, protoJsonType(ctx, resolved.items, `${path}[]`), `${path}[]`, false);
      return;
    default:
      fail(ctx, path, `Go type of kind ${resolved.kind} is not supported`);
  }
}

/**
 * Applies the Go types to one generated schema (in place): `goTypeName` of `packagePath` is decoded at `at` ("spec",
 * or "" for Mesh's flat object, whose `envelope` fields are not part of the message). `proto` (optional) gives the
 * proto JSON schema for messages whose .pb.go is missing. `lenient` (an older release's schema) skips schema fields
 * the Go types do not have instead of failing. Returns the integer and duration fields found.
 */
export function applyGoDecodeRules({ typeName, schema, goSourceRoot, packagePath, goTypeName, at, envelope, proto, lenient = false }) {
  const ctx = { typeName, packages: goPackages(goSourceRoot, KUMA_MODULE), proto, lenient, integerFields: [], durationFields: [] };
  try {
    const declaration = ctx.packages.lookup(packagePath, goTypeName);
    if (!declaration) fail(ctx, at, `package ${packagePath} not found under ${goSourceRoot}`);
    const root = ref({ kind: "named", name: goTypeName }, { packagePath, imports: declaration.imports });
    if (at === "") {
      // Mesh: the Go message's fields sit beside the envelope (type, name, labels ...).
      const properties = Object.fromEntries(Object.entries(schema.properties).filter(([name]) => !envelope.includes(name)));
      walk(ctx, { ...schema, properties }, root, "");
    } else {
      walk(ctx, schema.properties[at], root, at);
    }
  } catch (error) {
    if (error instanceof GoParseError) throw new DecodeRuleError(`${typeName}: ${error.message}`);
    throw error;
  }
  return { integerFields: ctx.integerFields, durationFields: ctx.durationFields };
}

export { DecodeRuleError };
