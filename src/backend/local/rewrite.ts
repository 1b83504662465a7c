/**
 * Server-side rewriting: defaults and durations. What the server changes in what it stores, and so what makes naive
 * tools see false drift, reproduced: schema defaults filled in, Go duration spelling for policies (`1h` → `1h0m0s`),
 * jsonpb's durations for the protobuf kinds (their zero values: src/kuma/protoForm.ts).
 */
import type { JsonObject, JsonValue } from "../../model/resource.js";
import { formatGoDuration, parseGoDurationDetailed } from "../../kuma/duration.js";
import { propertySchema } from "../../kuma/schemas.js";
import { asObject, clone, own, setOwn } from "./util.js";

type Schema = JsonObject;

function schemaChild(schema: Schema | undefined, key: string): Schema | undefined {
  return schema ? propertySchema(schema, key) : undefined;
}

/**
 * Structural defaulting (`defaulting.Default(rawObj, desc.StructuralSchema)`): inside every object that exists, a
 * missing property with a schema `default` gets it; objects that do not exist are not created. Durations are re-printed
 * as the server prints them: policy durations are metav1.Duration (Go's `Duration.String()`), Mesh durations are
 * google.protobuf.Duration (jsonpb's Marshaler: seconds with 0, 3, 6 or 9 fractional digits).
 */
export function rewrite(value: JsonValue, schema: Schema | undefined, durations: "go" | "proto"): JsonValue {
  if (!schema) return value;
  if (typeof value === "string") {
    if (schema.format !== "duration") return value;
    const parsed = parseGoDurationDetailed(value);
    if (!parsed.ok) return value;
    return durations === "go" ? formatGoDuration(parsed.nanoseconds) : formatProtoDuration(parsed.nanoseconds);
  }
  if (Array.isArray(value)) {
    const items = asObject(schema.items);
    return items ? value.map((v) => rewrite(v, items, durations)) : value;
  }
  if (value === null || typeof value !== "object") return value;
  const out: JsonObject = {};
  for (const key of Object.keys(value)) setOwn(out, key, rewrite(value[key] as JsonValue, schemaChild(schema, key), durations));
  const properties = asObject(schema.properties);
  if (properties) {
    for (const key of Object.keys(properties)) {
      const child = asObject(properties[key]);
      if (child && Object.prototype.hasOwnProperty.call(child, "default") && own(out, key) === undefined) {
        setOwn(out, key, clone(child.default as JsonValue));
      }
    }
  }
  return out;
}

/** jsonpb's Duration (github.com/golang/protobuf, which Kuma prints with): `10s`, `1.500s`, `0.000001s`. */
function formatProtoDuration(ns: bigint): string {
  const negative = ns < 0n;
  const abs = negative ? -ns : ns;
  const seconds = abs / 1_000_000_000n;
  const nanos = abs % 1_000_000_000n;
  let fraction = "";
  if (nanos !== 0n) {
    const digits = nanos.toString().padStart(9, "0");
    fraction = `.${nanos % 1_000_000n === 0n ? digits.slice(0, 3) : nanos % 1_000n === 0n ? digits.slice(0, 6) : digits}`;
  }
  return `${negative ? "-" : ""}${seconds}${fraction}s`;
}
