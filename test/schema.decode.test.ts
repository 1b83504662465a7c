import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { JsonObject, JsonValue } from "../src/model/index.js";
import { RESOURCE_TYPES, isSecretType } from "../src/kuma/types.js";
import { GO_INTEGER_TYPES, type GoIntegerType } from "../src/validate/formats.js";
import { schemaFor } from "../src/kuma/schemas.js";
import { validateSchema } from "../src/validate/schema.js";
import { projectRoot } from "./helpers/git.js";

/**
 * Decode-time rules: the control plane decodes a resource into Go structs after its schema check, and a number the Go
 * field type cannot hold (negative into uint32, overflow, fraction) is a 400 there. scripts/generate-schemas.mjs reads
 * the Go types and lists every integer field in the fixture below; these tests check that the schemas constrain each of
 * them, by validating documents, not by reading the schema alone.
 */
interface IntegerField {
  readonly path: string;
  readonly goType: GoIntegerType | "intstr.IntOrString";
}
const fixture = JSON.parse(readFileSync(path.join(projectRoot, "test/fixtures/schemas/go-integer-fields.json"), "utf8")) as {
  types: Record<string, IntegerField[]>;
};

type SchemaNode = { [keyword: string]: unknown };

/** Every node of a schema with its path (`spec.to[].default.x`), through properties, items and map values. */
function* nodes(node: SchemaNode, at = ""): Generator<[string, SchemaNode]> {
  yield [at, node];
  for (const [name, child] of Object.entries((node.properties ?? {}) as Record<string, SchemaNode>)) yield* nodes(child, at ? `${at}.${name}` : name);
  if (node.items && typeof node.items === "object") yield* nodes(node.items as SchemaNode, `${at}[]`);
  if (node.additionalProperties && typeof node.additionalProperties === "object") yield* nodes(node.additionalProperties as SchemaNode, `${at}{}`);
}

function nodeAt(typeName: string, fieldPath: string): SchemaNode | undefined {
  for (const [at, node] of nodes(schemaFor(typeName) as SchemaNode)) if (at === fieldPath) return node;
  return undefined;
}

/** The Go integer type the number form of the field decodes into (IntOrString holds an int32). */
const numberType = (field: IntegerField): GoIntegerType => (field.goType === "intstr.IntOrString" ? "int32" : field.goType);

/**
 * A resource of `typeName` with `value` at `fieldPath` (arrays get one item, maps one key "k"), plus the concrete
 * path the violation is reported at. Other required fields may be missing: tests look only at the field's own path.
 */
function documentWith(typeName: string, fieldPath: string, value: JsonValue): { object: JsonObject; reportedPath: string } {
  const object: JsonObject = { type: typeName, name: "decode-test", ...(typeName === "Mesh" ? {} : { mesh: "default" }) };
  const tokens = fieldPath.match(/[^.[\]{}]+|\[\]|\{\}/g) ?? [];
  let parent: JsonObject | JsonValue[] = object;
  let reportedPath = "";
  tokens.forEach((token, i) => {
    const isLast = i === tokens.length - 1;
    const nextToken = tokens[i + 1];
    const child: JsonValue = isLast ? value : nextToken === "[]" ? [] : {};
    if (token === "[]") {
      (parent as JsonValue[]).push(child);
      reportedPath += "[0]";
    } else {
      const key = token === "{}" ? "k" : token;
      (parent as JsonObject)[key] = child;
      reportedPath += reportedPath ? `.${key}` : key;
    }
    parent = child as JsonObject | JsonValue[];
  });
  return { object, reportedPath };
}

function messagesAt(typeName: string, fieldPath: string, value: JsonValue): string[] {
  const { object, reportedPath } = documentWith(typeName, fieldPath, value);
  return validateSchema(typeName, object)
    .filter((v) => v.path === reportedPath)
    .map((v) => v.message);
}

/** Just outside the Go type's range on each side. 64-bit bounds are powers of two, exactly representable. */
function outOfRange(goType: GoIntegerType): [number, number] {
  const { bits, signed } = GO_INTEGER_TYPES[goType];
  if (!signed) return [-1, 2 ** bits];
  return bits === 64 ? [-(2 ** 63) - 2 ** 11, 2 ** 63] : [-(2 ** (bits - 1)) - 1, 2 ** (bits - 1)];
}

/** A value the schema accepts at the field: within rest.yaml's own minimum/maximum, if it has any. */
function acceptedValue(node: SchemaNode): number {
  const minimum = typeof node.minimum === "number" ? node.minimum : 0;
  const maximum = typeof node.maximum === "number" ? node.maximum : Infinity;
  const value = Math.max(minimum, 1);
  assert.ok(value <= maximum);
  return value;
}

/**
 * Kuma's types: their Go source is in the reference. Kong Mesh's are closed source (their int32s: kongMesh.test.ts).
 * Secret's schema is kept by hand: a protobuf message whose only field is bytes, with no Go decode rules to derive.
 */
const TYPE_NAMES = RESOURCE_TYPES.filter((t) => !t.kongMeshOnly && !isSecretType(t.name)).map((t) => t.name);

describe("decode-time integer rules from the Go types", () => {
  void it("the fixture covers every type meshops manages", () => {
    assert.deepEqual(Object.keys(fixture.types).sort(), [...TYPE_NAMES].sort());
  });

  void it("the schemas constrain exactly the Go integer fields (enumerated from the schemas)", () => {
    for (const typeName of TYPE_NAMES) {
      const inSchema = [...nodes(schemaFor(typeName) as SchemaNode)]
        .filter(([, node]) => typeof node.format === "string" && Object.hasOwn(GO_INTEGER_TYPES, node.format))
        .map(([at]) => at)
        .sort();
      assert.deepEqual(inSchema, fixture.types[typeName]?.map((f) => f.path).sort(), typeName);
    }
  });

  void it("counts the unsigned fields the Go types hold", () => {
    const unsigned = (typeName: string) => (fixture.types[typeName] ?? []).filter((f) => f.goType.startsWith("uint")).length;
    // A sample pinned from the Go source, so a generator that stopped finding fields would fail here.
    assert.equal(unsigned("MeshRateLimit"), 9);
    assert.equal(unsigned("MeshCircuitBreaker"), 42);
    assert.equal(unsigned("MeshHTTPRoute"), 4);
    assert.equal(unsigned("MeshExternalService"), 1);
    // Types whose Go structs hold no integer at all: nothing can fail to decode there.
    for (const typeName of ["MeshAccessLog", "MeshProxyPatch", "MeshTimeout", "MeshTLS", "MeshTrafficPermission"]) {
      assert.deepEqual(fixture.types[typeName], [], typeName);
    }
  });

  for (const typeName of TYPE_NAMES) {
    const fields = fixture.types[typeName] ?? [];
    if (fields.length === 0) continue;
    void it(`${typeName}: every integer field rejects out-of-range numbers and accepts valid ones`, () => {
      for (const field of fields) {
        const node = nodeAt(typeName, field.path);
        assert.ok(node, `${typeName} ${field.path} is not in the schema`);
        const goType = numberType(field);
        const [below, above] = outOfRange(goType);
        for (const bad of [below, above]) {
          const messages = messagesAt(typeName, field.path, bad);
          // rest.yaml's own minimum/maximum (checked first, by the control plane's schema stage) speak instead.
          const belowMinimum = typeof node.minimum === "number" && bad < node.minimum;
          const aboveMaximum = typeof node.maximum === "number" && bad > node.maximum;
          const expected = belowMinimum ? /^should be greater than or equal to/ : aboveMaximum ? /^should be less than or equal to/ : /cannot be decoded$/;
          assert.equal(messages.length, 1, `${typeName} ${field.path} = ${bad}: ${messages.join("; ")}`);
          assert.match(messages[0] ?? "", expected, `${typeName} ${field.path} = ${bad}`);
        }
        assert.deepEqual(messagesAt(typeName, field.path, acceptedValue(node)), [], `${typeName} ${field.path} accepts a valid value`);
        // A fraction fails `type: integer` at the schema stage, before any decoding.
        const typeMessage = `in body must be of type ${[node.type].flat().join(" or ")}: "number"`;
        assert.deepEqual(messagesAt(typeName, field.path, 1.5), [typeMessage], `${typeName} ${field.path} = 1.5`);
      }
    });
  }

  void it("names the Go type and the value, on one line", () => {
    assert.deepEqual(messagesAt("MeshRateLimit", "spec.to[].default.local.http.requestRate.num", -1), [
      "must be an unsigned 32-bit integer (Go type uint32): -1 cannot be decoded",
    ]);
    assert.deepEqual(messagesAt("MeshRetry", "spec.to[].default.http.numRetries", 4294967296), [
      "must be an unsigned 32-bit integer (Go type uint32): 4294967296 cannot be decoded",
    ]);
    assert.deepEqual(messagesAt("MeshService", "spec.ports[].port", 2147483648), ["must be a signed 32-bit integer (Go type int32): 2147483648 cannot be decoded"]);
    assert.deepEqual(messagesAt("MeshService", "spec.ports[].targetPort", 2147483648), [
      "must be a string or a signed 32-bit integer (Go type intstr.IntOrString): 2147483648 cannot be decoded",
    ]);
    assert.deepEqual(messagesAt("MeshService", "spec.ports[].targetPort", "http"), []);
    // A protobuf uint32 also takes its number as a numeric string (jsonpb): still a uint32, no IntOrString.
    assert.deepEqual(messagesAt("MeshGateway", "conf.listeners[].port", -1), ["must be an unsigned 32-bit integer (Go type uint32): -1 cannot be decoded"]);
    // A string where a number belongs fails the schema stage first, with its own message.
    assert.deepEqual(messagesAt("MeshRateLimit", "spec.to[].default.local.http.requestRate.num", "5"), ['in body must be of type integer: "string"']);
  });

  void it("the largest value each Go type holds is accepted", () => {
    assert.deepEqual(messagesAt("MeshRateLimit", "spec.to[].default.local.http.requestRate.num", 2 ** 32 - 1), []);
    assert.deepEqual(messagesAt("MeshService", "spec.ports[].port", 2 ** 31 - 1), []);
    assert.deepEqual(messagesAt("MeshService", "spec.ports[].port", -(2 ** 31)), []); // the validator, not the decoder, rejects it
  });
});
