/**
 * Schema validation of one resource against schemas/<Type>.schema.json (generated from Kuma's rest.yaml by
 * scripts/generate-schemas.mjs). The schemas are stricter than the control plane on purpose: an unknown field is an
 * error here, while the control plane would drop it without a word.
 *
 * Violations use the control plane's field notation (`spec.to[0].default.idleTimeout`, `mtls.enabledBackend`) and, where
 * the control plane's schema validator (kube-openapi) has a message for the problem, the same wording.
 */
import type { Ajv2020, ErrorObject, ValidateFunction } from "ajv/dist/2020.js";
import { isJsonObject, type JsonObject, type JsonValue, type Violation } from "../model/index.js";
import { schemaFor } from "../kuma/schemas.js";
import { SERVER_OWNED_FIELDS } from "../kuma/server.js";
import { RESOURCE_TYPES, isPluginOriginated, resourceType } from "../kuma/types.js";
import { jsonpbRead, jsonpbScalarAt, jsonpbTypeError, withoutProtoNulls, type JsonpbScalar } from "../kuma/protoForm.js";
import { resourceMetaTypeError } from "../kuma/goJson.js";
import { LATEST_MINOR, hasOwnSchema, kindIntroducedAfter, newerMinors, notInTarget, schemaLine, type SchemaLine } from "../kuma/versions.js";
import { AJV_OPTIONS, GO_INTEGER_TYPES, isNegativeZero, newAjv, type GoIntegerType } from "./formats.js";
import { loadPrecompiled } from "./precompiled.js";
import { didYouMean } from "../model/suggest.js";
import { parseGoDurationDetailed } from "../kuma/duration.js";
import { goBase64ErrorOffset } from "../kuma/base64.js";

// ---------------------------------------------------------------------------------------------------------------------
// Loading and compiling, each at most once per type

const validatorCache = new Map<string, ValidateFunction>();
let compileCount = 0;
let ajvInstance: Ajv2020 | undefined;

function ajv(): Ajv2020 {
  ajvInstance ??= newAjv(AJV_OPTIONS);
  return ajvInstance;
}

/**
 * Validators compiled at build time (scripts/compile-validators.mjs → dist/validators/<Type>.js, ajv's standalone
 * code with the same options). Compiling all types at run time costs about 0.6 s, a fifth of the budget for
 * validating a 50,000-resource repository cold; loading one type's generated code costs a few milliseconds, and only
 * the types a repository holds are loaded. When a file is missing (a build that skipped the step), that type's
 * validator is compiled on first use as before.
 */
function precompiledValidator(typeName: string): ValidateFunction | undefined {
  return RESOURCE_TYPES.some((type) => type.name === typeName) ? loadPrecompiled(`${typeName}.js`) : undefined;
}

/** The validator compiled now from the schema file, bypassing build-time code: tests compare the two. */
export function runtimeValidator(typeName: string, minor = LATEST_MINOR): ValidateFunction | undefined {
  const schema = schemaFor(typeName, minor);
  return schema ? ajv().compile(schema) : undefined;
}

/** How many types have a build-time validator (a test asserts all do, so the fast path cannot silently vanish). */
export function precompiledValidatorCount(): number {
  return RESOURCE_TYPES.filter((type) => precompiledValidator(type.name) !== undefined).length;
}

/**
 * Build-time code for the newest line; an older line's own schemas are compiled on first use (only the types the
 * repository holds), which keeps the build and the package as they were.
 */
function validatorFor(typeName: string, minor: string): ValidateFunction | undefined {
  const key = hasOwnSchema(minor, typeName) ? `${minor}/${typeName}` : typeName;
  let validate = validatorCache.get(key);
  if (!validate) {
    validate = (key === typeName ? precompiledValidator(typeName) : undefined) ?? runtimeValidator(typeName, minor);
    if (!validate) return undefined;
    compileCount++;
    validatorCache.set(key, validate);
  }
  return validate;
}

/** How many validators have been compiled in this process: lets tests check that each type is compiled only once. */
export function compiledValidatorCount(): number {
  return compileCount;
}

// ---------------------------------------------------------------------------------------------------------------------
// Validation

/**
 * Checks `object` (the Universal REST shape) against its type's schema for the Kuma line `version`
 * (controlPlane.version; the newest line when absent, or when unsupported: the configuration reports that). Each
 * problem once, sorted by path.
 */
export function validateSchema(typeName: string, object: JsonObject, version?: string, options: SchemaOptions = {}): Violation[] {
  return checkSchema(typeName, object, version, options).map(({ path, message }) => ({ path, message }));
}

export interface SchemaOptions {
  /**
   * Written as a Kubernetes object: the API server reads the JSON, keeping an integral number as an int64
   * (sigs.k8s.io/json), so `-0` is stored as 0 and no Go decoder sees its sign.
   */
  readonly kubernetes?: boolean;
}

/**
 * A violation the control plane finds only when it decodes the object into its Go types, after the schema passed:
 * what its JSON decoder says (`goError`), which the API answers as 400 "Bad Request" rather than as a list of invalid
 * parameters.
 */
export interface DecodeViolation extends Violation {
  readonly goError: string;
}

/** validateSchema, split as the control plane reports it: schema violations and decode errors (callers order the two). */
export function schemaAndDecodeViolations(typeName: string, object: JsonObject, version?: string, options: SchemaOptions = {}): { schema: Violation[]; decode: DecodeViolation[] } {
  const all = checkSchema(typeName, object, version, options);
  const decode = all.filter((v): v is ClassifiedViolation & DecodeViolation => v.goError !== undefined);
  const schema = all.filter((v) => v.goError === undefined).map(({ path, message }) => ({ path, message }));
  return { schema, decode: decode.map(({ path, message, goError }) => ({ path, message, goError })) };
}

function checkSchema(typeName: string, object: JsonObject, version: string | undefined, options: SchemaOptions): ClassifiedViolation[] {
  const selected = schemaLine(version);
  const line = "error" in selected ? { minor: LATEST_MINOR, version } : selected;
  const introduced = kindIntroducedAfter(typeName, line.minor);
  if (introduced) return [{ path: "type", message: `${typeName} was introduced in Kuma ${introduced}; ${notInTarget(line)}`, errorClass: "structure" }];
  const validate = validatorFor(typeName, line.minor);
  if (!validate) return [{ ...unknownTypeViolation(typeName), errorClass: "structure" }];
  if (validate(object)) return [];
  // A protobuf kind (a Secret too) is decoded as protobuf: a null member is an unset field there, a null item of a list
  // of strings or value of a map of strings "", which its validator judges. Looked for only when the object fails
  // (most hold none).
  if (!isPluginOriginated(typeName)) {
    const decoded = withoutProtoNulls(object, schemaFor(typeName, line.minor));
    if (decoded !== object && validate((object = decoded))) return [];
  }
  const errors = options.kubernetes ? (validate.errors ?? []).filter((e) => !(e.keyword === "format" && isNegativeZero(e.data))) : (validate.errors ?? []);
  return violationsFromErrors([...errors], object, { typeName, line });
}

/**
 * What `object` holds that the Kuma line `version` selects does not have: the fields and enum values of newer lines,
 * each as its path and `field "rules" was introduced in Kuma 2.12`. A kind the line lacks altogether is not listed.
 */
export function newerThanLine(typeName: string, object: JsonObject, version: string): Violation[] {
  const selected = schemaLine(version);
  // Without a schema of its own there, the line has the newest schema: nothing of the type is newer than it.
  if ("error" in selected || !hasOwnSchema(selected.minor, typeName)) return [];
  return checkSchema(typeName, object, version, {}).flatMap((v) => (v.introduced !== undefined ? [{ path: v.path, message: v.introduced }] : []));
}

function newerLine(path: string, introduced: string, target: Target, errorClass: ErrorClass): ClassifiedViolation {
  return { path, message: `${introduced}; ${notInTarget(target.line)}`, errorClass, introduced };
}

/** Whether the Kuma line `version` selects lacks the kind altogether (introduced in a newer line). */
export function kindMissingFromTarget(typeName: string, version: string | undefined): boolean {
  const selected = schemaLine(version);
  return kindIntroducedAfter(typeName, "error" in selected ? LATEST_MINOR : selected.minor) !== undefined;
}

function unknownTypeViolation(typeName: string): Violation {
  const known = RESOURCE_TYPES.map((t) => t.name);
  return { path: "type", message: `unknown resource type "${typeName}"${didYouMean(typeName, known)}` };
}

/** What a message may need beyond the error: the type and the Kuma line it was validated for. */
interface Target {
  readonly typeName: string;
  readonly line: SchemaLine;
}

/** What an error is about, so that one problem reported by several keywords is shown once. */
type ErrorClass = "type" | "value" | "structure" | "go-duration" | "decode";

interface ClassifiedViolation extends Violation {
  readonly errorClass: ErrorClass;
  /** Set for what fails in the Go decoder, not the schema: the decoder's own error text. */
  readonly goError?: string;
  /** Set for a field or enum value of a newer line: what was introduced when (`field "rules" was introduced in Kuma 2.12`). */
  readonly introduced?: string;
}

/**
 * Which errors make another one on the same path redundant. A value of the wrong type also fails its enum, format or
 * pattern: the type error alone says what is wrong. The control plane checks its schema before it decodes
 * into Go types, so a schema error (a type, or rest.yaml's own minimum) is what it reports, not the decode error.
 */
const SUPERSEDED_BY: Partial<Record<ErrorClass, readonly ErrorClass[]>> = {
  value: ["type"],
  decode: ["type", "value"],
  "go-duration": ["type"],
};

function violationsFromErrors(errors: ErrorObject[], root: JsonObject, target: Target): ClassifiedViolation[] {
  const classified = withoutCombinatorBranchErrors(errors).flatMap((error) => describe(error, root, target) ?? []);
  const classesByPath = new Map<string, Set<ErrorClass>>();
  for (const v of classified) classesByPath.set(v.path, (classesByPath.get(v.path) ?? new Set()).add(v.errorClass));
  const isRedundant = (v: ClassifiedViolation) => (SUPERSEDED_BY[v.errorClass] ?? []).some((c) => classesByPath.get(v.path)?.has(c));

  const unique = new Map<string, ClassifiedViolation>();
  for (const v of classified) if (!isRedundant(v)) unique.set(`${v.path}\u0000${v.message}`, v);
  return [...unique.values()].sort((a, b) => comparePaths(a.path, b.path) || (a.message < b.message ? -1 : a.message > b.message ? 1 : 0));
}

/**
 * A failed oneOf/anyOf also reports why each alternative failed. Those are not problems of their own (only one
 * alternative was meant), so they are dropped and the oneOf/anyOf error speaks for them.
 */
function withoutCombinatorBranchErrors(errors: ErrorObject[]): ErrorObject[] {
  const combinatorPaths = errors.filter((e) => e.keyword === "oneOf" || e.keyword === "anyOf").map((e) => `${e.schemaPath}/`);
  return errors.filter((error) => !combinatorPaths.some((prefix) => error.schemaPath.startsWith(prefix)));
}

/** The error as a violation; undefined when it is none (a protobuf kind's value jsonpb reads, whatever the schema said). */
function describe(error: ErrorObject, root: JsonObject, target: Target): ClassifiedViolation | undefined {
  const path = fieldPath(error.instancePath, root);
  const scalar = PROTO_SCALAR_KEYWORDS.has(error.keyword) ? protoScalarOf(error, path, target) : undefined;
  if (!scalar) {
    const described = describeKeyword(error, path, target);
    // Any other field of a protobuf kind given the wrong JSON type: jsonpb's decoder refuses it, with its own error; an
    // envelope field (any kind the REST unmarshaller reads as unversioned, Secrets too) is encoding/json's.
    const typeError = error.keyword === "type" && !isPluginOriginated(target.typeName);
    const goError = !typeError
      ? undefined
      : (resourceMetaTypeError(path, error.data as JsonValue) ?? (isFlat(target) && isJsonObject(error.parentSchema) ? jsonpbTypeError(path, error.data as JsonValue, error.parentSchema) : undefined));
    return goError === undefined ? described : { ...described, goError };
  }
  // Kuma has no schema stage for these kinds: jsonpb decodes them, and what it reads is the value. The schema's quick
  // checks (a numeric string's pattern, the enum's listed numbers) leave the rest to this.
  const read = jsonpbRead(error.data as JsonValue, scalar);
  if (read.ok) return undefined;
  return { ...describeKeyword(error, path, target, { scalar, goError: read.goError }), goError: read.goError };
}

/** A protobuf kind's number or enum field and jsonpb's error for its value. */
interface ProtoScalarError {
  readonly scalar: JsonpbScalar;
  readonly goError: string;
}

/** The keywords a protobuf kind's number or enum field can fail: jsonpb judges the value instead. */
const PROTO_SCALAR_KEYWORDS = new Set(["type", "format", "pattern", "enum", "oneOf"]);

const isFlat = (target: Target): boolean => resourceType(target.typeName)?.flat === true;

/** The number or enum field of a protobuf kind (uint32, double, proto enum) whose schema node failed, if it is one. */
function protoScalarOf(error: ErrorObject, path: string, target: Target): JsonpbScalar | undefined {
  if (!isFlat(target) || !isJsonObject(error.parentSchema)) return undefined;
  return jsonpbScalarAt(target.typeName, path.replace(/\[\d+\]/g, "[]"), error.parentSchema);
}

function describeKeyword(error: ErrorObject, path: string, target: Target, proto?: ProtoScalarError): ClassifiedViolation {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "additionalProperties": {
      const field = String(params.additionalProperty);
      const introduced = fieldIntroducedIn(target, error.instancePath, field);
      if (introduced) return newerLine(joinPath(path, field), `field "${field}" was introduced in Kuma ${introduced}`, target, "structure");
      return unknownField(path, field, error.parentSchema);
    }
    case "required":
      return { path: joinPath(path, String(params.missingProperty)), message: "Required value", errorClass: "structure" };
    case "type":
      return { path, message: wrongType(error.schema, error.data), errorClass: "type" };
    case "enum": {
      const introduced = valueIntroducedIn(target, error.instancePath, error.data);
      if (introduced) return newerLine(path, `${JSON.stringify(error.data)} was introduced in Kuma ${introduced}`, target, "value");
      if (proto?.scalar.kind === "enum") return { path, message: notProtoEnumValue(proto.scalar.names, error.data), errorClass: "value" };
      return { path, message: notOneOf(path, error.schema), errorClass: "value" };
    }
    case "format":
      if (isGoIntegerType(params.format)) {
        // A protobuf kind's error is jsonpb's (describe), which decodes the value alone, without a struct field to name.
        const goError = proto ? undefined : goIntegerError(params.format, error.parentSchema, error.data, path);
        return { path, message: notDecodable(params.format, error.parentSchema, error.data), errorClass: "decode", ...(goError ? { goError } : {}) };
      }
      if (params.format === "duration") {
        // metav1.Duration's UnmarshalJSON returns time.ParseDuration's error as it is; jsonpb (a protobuf kind's
        // google.protobuf.Duration) parses with time.ParseDuration too, and says `bad Duration: <its error>`.
        const parsed = parseGoDurationDetailed(String(error.data));
        const goError = parsed.ok ? undefined : resourceType(target.typeName)?.flat ? `bad Duration: ${parsed.error}` : parsed.error;
        return { path, message: badFormat("duration", error.data), errorClass: "go-duration", ...(goError ? { goError } : {}) };
      }
      if (params.format === "byte") {
        // jsonpb decodes bytes and BytesValue with encoding/json (base64.StdEncoding), whose error names the offset. A
        // plugin-originated kind never gets that far: kube-openapi's strfmt checks `byte` with the rest of its schema.
        if (isPluginOriginated(target.typeName)) return { path, message: badFormat("byte", error.data), errorClass: "value" };
        const offset = goBase64ErrorOffset(String(error.data));
        const goError = offset === undefined ? undefined : `illegal base64 data at input byte ${offset}`;
        return { path, message: badFormat("byte", error.data), errorClass: "decode", ...(goError ? { goError } : {}) };
      }
      return { path, message: badFormat(String(params.format), error.data), errorClass: "value" };
    case "pattern":
      if (proto) return notProtoNumber(path, proto, error.data);
      return { path, message: `should match '${String(error.schema)}'`, errorClass: "value" };
    case "oneOf":
    case "anyOf":
      return describeCombinator(path, error);
    default:
      return { path, message: limitMessage(error) ?? error.message ?? `fails ${error.keyword}`, errorClass: "value" };
  }
}

// --- messages ---------------------------------------------------------------------------------------------------------

/**
 * For a field the target's line does not know: the first newer line whose schema has it at the same place, found by
 * walking that schema along the JSON pointer of the object that holds it. Undefined when no line has it (a typo).
 */
function fieldIntroducedIn(target: Target, parentPointer: string, field: string): string | undefined {
  return firstNewerLineWhere(target, parentPointer, (parent) => Object.hasOwn(propertiesOf(parent), field));
}

/** For an enum value the target's line does not accept: the first newer line whose enum at that place has it. */
function valueIntroducedIn(target: Target, pointer: string, value: unknown): string | undefined {
  return firstNewerLineWhere(target, pointer, (node) => {
    const values = (node as { enum?: unknown }).enum;
    return Array.isArray(values) && values.includes(value);
  });
}

function firstNewerLineWhere(target: Target, pointer: string, holds: (node: object) => boolean): string | undefined {
  if (target.line.minor === LATEST_MINOR) return undefined;
  const segments = pointer === "" ? [] : pointer.slice(1).split("/").map(unescapePointerSegment);
  return newerMinors(target.line.minor).find((minor) => {
    const node = schemaNodeAt(schemaFor(target.typeName, minor), segments);
    return node !== undefined && holds(node);
  });
}

/** The schema node for a JSON pointer's segments: through properties, array items and map values. */
function schemaNodeAt(schema: unknown, segments: readonly string[]): object | undefined {
  let node = schema as { properties?: Record<string, unknown>; items?: unknown; additionalProperties?: unknown } | undefined;
  for (const segment of segments) {
    if (!node) return undefined;
    const next: unknown = node.properties?.[segment] ?? (/^\d+$/.test(segment) ? node.items : undefined) ?? node.additionalProperties;
    node = next && typeof next === "object" ? (next as typeof node) : undefined;
  }
  return node;
}

/** Envelope fields a GET returns but a repository must not carry. */
const serverOwnedFields = new Set(SERVER_OWNED_FIELDS);

function unknownField(parentPath: string, field: string, parentSchema: unknown): ClassifiedViolation {
  const path = joinPath(parentPath, field);
  if (parentPath === "" && serverOwnedFields.has(field)) {
    return { path, message: `unknown field "${field}": it is set by the control plane, remove it`, errorClass: "structure" };
  }
  const known = Object.keys(propertiesOf(parentSchema));
  return { path, message: `unknown field "${field}"${didYouMean(field, known)}`, errorClass: "structure" };
}

function propertiesOf(schema: unknown): Record<string, unknown> {
  const properties = (schema as { properties?: unknown } | undefined)?.properties;
  return properties && typeof properties === "object" ? (properties as Record<string, unknown>) : {};
}

/** kube-openapi: `in body must be of type string: "number"` (the control plane puts the field in a separate column). */
function wrongType(expected: unknown, data: unknown): string {
  const types = Array.isArray(expected) ? expected.map(String) : [String(expected)];
  return `in body must be of type ${types.join(" or ")}: "${jsonTypeOf(data)}"`;
}

/** kube-openapi prints enums with Go's %v: `[A B C]`. For the envelope `type` it names the field, as in the REST error. */
function notOneOf(path: string, allowed: unknown): string {
  const values = (Array.isArray(allowed) ? allowed : []).map((v) => (v === null ? "<nil>" : String(v))).join(" ");
  return path === "type" ? `type in body should be one of [${values}]` : `should be one of [${values}]`;
}

function badFormat(format: string, data: unknown): string {
  switch (format) {
    case "duration":
      return `invalid duration ${JSON.stringify(data)}: use Go duration syntax such as 300ms, 5s, 1h30m`;
    case "byte": {
      // The offset only: the text may be a Secret's value.
      const offset = goBase64ErrorOffset(String(data));
      return `must be base64-encoded bytes, padded, in the standard alphabet${offset === undefined ? "" : `: illegal base64 data at input byte ${offset}`}`;
    }
    default:
      return `must be a valid ${format}`;
  }
}

function isGoIntegerType(format: unknown): format is GoIntegerType {
  return typeof format === "string" && Object.hasOwn(GO_INTEGER_TYPES, format);
}

/**
 * A number the control plane's JSON decoder cannot put into the field's Go type (a 400 "Bad Request" there:
 * `json: cannot unmarshal number -1 into Go struct field ... of type uint32`). A field that also takes any string is
 * an intstr.IntOrString, whose number form is an int32.
 */
function notDecodable(goType: GoIntegerType, fieldSchema: unknown, data: unknown): string {
  const { bits, signed } = GO_INTEGER_TYPES[goType];
  const kind = `${signed ? "a signed" : "an unsigned"} ${bits}-bit integer`;
  const takesStrings = isIntOrString(fieldSchema);
  const expected = takesStrings ? `a string or ${kind} (Go type intstr.IntOrString)` : `${kind} (Go type ${goType})`;
  const zero = isNegativeZero(data) ? "; YAML reads it as the float -0, which kumactl sends as -0: write 0" : "";
  return `must be ${expected}: ${goNumberText(data)} cannot be decoded${zero}`;
}

/**
 * Whether a field taking a number or a string is an intstr.IntOrString: one that takes only a numeric string (a
 * `pattern`) is a protobuf integer, which jsonpb reads from either form.
 */
function isIntOrString(fieldSchema: unknown): boolean {
  const schema = fieldSchema as { type?: unknown; pattern?: unknown } | undefined;
  return [schema?.type].flat().includes("string") && schema?.pattern === undefined;
}

/** A number as Go's json.Marshal writes it, as far as the decoder's message shows: -0 keeps its sign. */
function goNumberText(data: unknown): string {
  return isNegativeZero(data) ? "-0" : String(data);
}

/**
 * encoding/json's UnmarshalTypeError for a number the field's Go integer type cannot hold. The decoder names the field
 * by the Go struct that holds it and the JSON path from the root without indices (`TCP.spec.to.default.tcp.
 * maxConnectAttempt`); meshops does not carry the struct names, so the path alone follows "Go struct field". An
 * intstr.IntOrString decodes its number form with a nested json.Unmarshal, which has no field context.
 */
function goIntegerError(goType: GoIntegerType, fieldSchema: unknown, data: unknown, path: string): string {
  const takesStrings = isIntOrString(fieldSchema);
  if (takesStrings) return `json: cannot unmarshal number ${goNumberText(data)} into Go value of type int32`;
  return `json: cannot unmarshal number ${goNumberText(data)} into Go struct field ${path.replace(/\[\d+\]/g, "")} of type ${goType}`;
}

/**
 * A string jsonpb does not read as the number field's value (it trims the quotes and decodes the rest as a JSON
 * number): said as the field's kind, with why when the text is a number all the same.
 */
function notProtoNumber(path: string, { scalar, goError }: ProtoScalarError, data: unknown): ClassifiedViolation {
  const text = String(data);
  const message = `must be ${scalar.kind === "uint32" ? "a non-negative integer" : "a number"}, or a string of one: found ${JSON.stringify(data)}`;
  if (/^ *-?0[0-9]/.test(text)) return { path, message: `${message} (a leading zero is not JSON's number syntax, which the control plane reads inside the quotes)`, errorClass: "decode" };
  // A number in JSON's syntax that the Go type does not hold (a float64 refuses only what overflows it).
  const beyond = goError.startsWith("json: cannot unmarshal number") && (scalar.kind !== "uint32" || /^ *[0-9]+ *$/.test(text));
  if (beyond) return { path, message: `${message} (beyond the range of Go type ${scalar.kind === "uint32" ? "uint32" : "float64"})`, errorClass: "decode" };
  return { path, message, errorClass: "decode" };
}

/** A proto enum takes a value name, or any int32 unquoted (jsonpb keeps a number without a name as it is). */
function notProtoEnumValue(names: readonly string[], data: unknown): string {
  const allowed = `should be one of [${names.join(" ")}], or a signed 32-bit integer`;
  if (typeof data === "number") return `${allowed}: ${data} is beyond it`;
  if (typeof data === "string" && /^-?[0-9]+$/.test(data.trim())) return `${allowed}: found the string ${JSON.stringify(data)}, write the number without quotes`;
  return allowed;
}

function limitMessage(error: ErrorObject): string | undefined {
  const limit = (error.params as { limit?: unknown }).limit;
  switch (error.keyword) {
    case "minimum":
      return `should be greater than or equal to ${String(limit)}`;
    case "maximum":
      return `should be less than or equal to ${String(limit)}`;
    case "minLength":
      return `should be at least ${String(limit)} chars long`;
    case "maxLength":
      return `should be at most ${String(limit)} chars long`;
    case "minItems":
      return `should have at least ${String(limit)} items`;
    case "maxItems":
      return `should have at most ${String(limit)} items`;
    default:
      return undefined;
  }
}

/**
 * One message for a failed oneOf/anyOf. Alternatives that differ only by type (`oneOf: [{type: string}, {type:
 * integer}]`) read as a type error; otherwise say how many alternatives there are and whether none or several matched.
 */
function describeCombinator(path: string, error: ErrorObject): ClassifiedViolation {
  const branches = Array.isArray(error.schema) ? (error.schema as unknown[]) : [];
  const branchTypes = branches.map((b) => (isTypeOnlySchema(b) ? b.type : undefined));
  if (branchTypes.length > 0 && branchTypes.every((t) => t !== undefined)) {
    return { path, message: wrongType(branchTypes.flat(), error.data), errorClass: "type" };
  }
  const passing = (error.params as { passingSchemas?: unknown }).passingSchemas;
  const message = Array.isArray(passing)
    ? `matches more than one of the ${branches.length} allowed forms (alternatives ${passing.map((i) => Number(i) + 1).join(" and ")}), it must match exactly one`
    : `does not match any of the ${branches.length} allowed forms`;
  return { path, message, errorClass: "structure" };
}

function isTypeOnlySchema(schema: unknown): schema is { type: string | string[] } {
  return !!schema && typeof schema === "object" && Object.keys(schema).length === 1 && "type" in schema;
}

/** The JSON type names kube-openapi uses; every JSON number is "number" (Go decodes them as float64). */
function jsonTypeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}


// --- paths ------------------------------------------------------------------------------------------------------------

/**
 * JSON pointer (`/spec/to/0/default`) to the control plane's notation (`spec.to[0].default`). Whether a segment is an
 * array index or a map key (a label named "0") is decided by the data itself. Map keys are written as fields:
 * `labels.kuma.io/zone`.
 */
function fieldPath(pointer: string, root: JsonValue): string {
  if (pointer === "") return "";
  let node: JsonValue | undefined = root;
  let path = "";
  for (const segment of pointer.slice(1).split("/").map(unescapePointerSegment)) {
    if (Array.isArray(node)) {
      path += `[${segment}]`;
      node = node[Number(segment)];
    } else {
      path = joinPath(path, segment);
      node = node && typeof node === "object" ? node[segment] : undefined;
    }
  }
  return path;
}

function unescapePointerSegment(segment: string): string {
  return segment.replace(/~1/g, "/").replace(/~0/g, "~");
}

function joinPath(parent: string, field: string): string {
  return parent === "" ? field : `${parent}.${field}`;
}

/** Orders paths so that `to[2]` comes before `to[10]`. */
function comparePaths(a: string, b: string): number {
  const ta = a.split(/(\d+)/);
  const tb = b.split(/(\d+)/);
  for (let i = 0; i < Math.min(ta.length, tb.length); i++) {
    const x = ta[i] ?? "";
    const y = tb[i] ?? "";
    if (x === y) continue;
    const numeric = i % 2 === 1; // split with a capture group puts the digit runs at odd indexes
    if (numeric) return Number(x) - Number(y) || (x < y ? -1 : 1);
    return x < y ? -1 : 1;
  }
  return ta.length - tb.length;
}
