/**
 * meshops's model of jsonpb's number and enum fields (kuma/protoForm.ts jsonpbRead, on kuma/goJson.ts's port of Go's
 * encoding/json), held against jsonpb itself: test/fixtures/jsonpb/cases.json is each case's JSON text run through
 * test/fixtures/jsonpb/decode.go, built against github.com/golang/protobuf v1.5.4 (Kuma's jsonpb) and
 * google.golang.org/protobuf v1.33.0. A uint32 is a UInt32Value there and a double a DoubleValue (their value fields
 * decode as a plain field does), an enum is google.protobuf.Type's `syntax` (google.protobuf.Syntax: SYNTAX_PROTO2,
 * SYNTAX_PROTO3, SYNTAX_EDITIONS). The cases are numbers and strings of every kind: well-formed, cut short, spaced,
 * beyond the type, not JSON at all.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { jsonpbNumber, jsonpbRead, jsonpbScalarAt, protoEnumFields, type JsonpbScalar } from "../src/kuma/protoForm.js";
import { schemaFor } from "../src/kuma/schemas.js";
import { SUPPORTED_MINORS } from "../src/kuma/versions.js";
import type { JsonObject, JsonValue } from "../src/model/resource.js";
import { projectRoot } from "./helpers/git.js";

type Case = [kind: "uint32" | "double" | "enum", json: string, outcome: "ok" | "err", answer: string];
const cases = JSON.parse(readFileSync(path.join(projectRoot, "test/fixtures/jsonpb/cases.json"), "utf8")) as Case[];

const SYNTAX: JsonpbScalar = { kind: "enum", names: ["SYNTAX_PROTO2", "SYNTAX_PROTO3", "SYNTAX_EDITIONS"], fullName: "google.protobuf.Syntax" };
const fieldOf = (kind: Case[0]): JsonpbScalar => (kind === "enum" ? SYNTAX : { kind });

test("the fixture covers what it is meant to: every kind, accepted and refused", () => {
  for (const kind of ["uint32", "double", "enum"]) {
    for (const outcome of ["ok", "err"]) assert.ok(cases.filter((c) => c[0] === kind && c[2] === outcome).length >= 10, `${kind} ${outcome}`);
  }
});

test("jsonpb refuses what meshops refuses, with the same error", () => {
  for (const [kind, json, outcome, answer] of cases) {
    const read = jsonpbRead(JSON.parse(json) as JsonValue, fieldOf(kind));
    if (outcome === "err") assert.deepEqual(read, { ok: false, goError: answer }, `${kind} ${json}`);
    else assert.equal(read.ok, true, `${kind} ${json}: ${read.ok ? "" : read.goError}`);
  }
});

test("what jsonpb reads is printed back as meshops prints it", () => {
  for (const [kind, json, outcome, answer] of cases) {
    if (outcome !== "ok") continue;
    const value = JSON.parse(json) as JsonValue;
    if (kind === "enum") {
      // Printed by name, a number without a name as that number; the zero value is not printed.
      const read = jsonpbRead(value, SYNTAX);
      const printed: JsonValue | undefined = read.ok && typeof read.value === "number" ? (SYNTAX.names[read.value] ?? read.value) : read.ok ? read.value : undefined;
      const expected: JsonValue | undefined = (JSON.parse(answer) as JsonObject).syntax ?? SYNTAX.names[0];
      assert.equal(printed, expected, `enum ${json}`);
    } else {
      // A wrapper prints its value even when 0; NaN and the infinities as their strings.
      assert.ok(Object.is(jsonpbNumber(value), JSON.parse(answer)), `${kind} ${json}: ${String(jsonpbNumber(value))} against ${answer}`);
    }
  }
});

/** Every node of a schema with its path in JSON names (`[]` for each item). */
function* nodes(node: JsonObject, at = ""): Generator<[string, JsonObject]> {
  yield [at, node];
  for (const [name, child] of Object.entries((node.properties ?? {}) as Record<string, JsonObject>)) yield* nodes(child, at ? `${at}.${name}` : name);
  if (node.items && typeof node.items === "object") yield* nodes(node.items as JsonObject, `${at}[]`);
}

test("every proto enum of the protobuf kinds has its full name, in every Kuma line", () => {
  for (const typeName of ["Mesh", "MeshGateway", "Dataplane"]) {
    const named = new Set(protoEnumFields(typeName));
    for (const minor of SUPPORTED_MINORS) {
      const enums = [...nodes(schemaFor(typeName, minor) as JsonObject)].filter(([at, node]) => at !== "type" && Array.isArray(node.enum)).map(([at]) => at);
      for (const at of enums) assert.ok(named.has(at), `${typeName} ${minor} ${at} has no full name`);
      for (const [at, node] of nodes(schemaFor(typeName, minor) as JsonObject)) {
        if (named.has(at)) assert.equal(jsonpbScalarAt(typeName, at, node)?.kind, "enum", `${typeName} ${minor} ${at}`);
      }
    }
    assert.ok(named.size > 0, typeName);
  }
});
