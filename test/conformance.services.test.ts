/**
 * The project's own conformance cases for the rules ported from the control plane's Go code beyond the policy
 * validators: MeshService, MeshExternalService, MeshMultiZoneService, the Mesh's create-time checks and the API
 * server's label checks (test/fixtures/conformance/<Type>.yaml, format in the README there). Every case's violations
 * must be exactly the expected (field, message) pairs; order is not compared because callers sort them.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { parse } from "yaml";
import type { ControlPlaneMode, Product } from "../src/config/repoConfig.js";
import type { JsonObject, JsonValue, Violation } from "../src/model/resource.js";
import { DEFAULT_RULE_CONTEXT, semanticViolations, type RuleContext } from "../src/validate/rules/index.js";

/** This file compiles to dist/test/: the fixtures stay in the source tree. */
const FIXTURES = new URL("../../test/fixtures/conformance/", import.meta.url);

/** The files this suite owns, with the least number of cases each must hold (so a truncated file cannot pass). */
const FILES: Readonly<Record<string, number>> = {
  MeshService: 7,
  MeshExternalService: 14,
  MeshMultiZoneService: 5,
};

interface ConformanceCase {
  readonly name: string;
  readonly valid: boolean;
  readonly input: string;
  readonly context?: { readonly product?: Product; readonly mode?: ControlPlaneMode };
  readonly violations?: readonly { readonly field: string; readonly message: string }[];
  readonly source: string;
}

interface ConformanceFile {
  readonly type: string;
  readonly cases: readonly ConformanceCase[];
}

function load(typeName: string): ConformanceFile {
  return parse(readFileSync(new URL(`${typeName}.yaml`, FIXTURES), "utf8")) as ConformanceFile;
}

function objectFor(typeName: string, c: ConformanceCase): JsonObject {
  const input = (parse(c.input) ?? {}) as JsonObject;
  if (typeName === "Mesh") return { type: "Mesh", ...input };
  return { type: typeName, mesh: "default", ...input } as JsonObject;
}

function contextFor(c: ConformanceCase): RuleContext {
  return { ...DEFAULT_RULE_CONTEXT, ...c.context };
}

function sorted(violations: readonly Violation[]): Violation[] {
  const key = (v: Violation): string => `${v.path}\u0000${v.message}`;
  return [...violations].map((v) => ({ path: v.path, message: v.message })).sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

for (const [typeName, minimum] of Object.entries(FILES)) {
  const file = load(typeName);
  describe(`${typeName} conformance cases`, () => {
    test(`the file is for ${typeName} and holds at least ${minimum} cases, each consistent`, () => {
      assert.equal(file.type, typeName);
      assert.ok(file.cases.length >= minimum, `${file.cases.length} cases`);
      for (const c of file.cases) {
        assert.equal(c.valid, (c.violations ?? []).length === 0, `${c.name}: valid must mean no violations`);
        assert.ok(c.source.length > 0, `${c.name}: source`);
      }
    });
    for (const c of file.cases) {
      test(c.name, () => {
        const actual = semanticViolations(typeName, objectFor(typeName, c), contextFor(c));
        const expected = (c.violations ?? []).map((v) => ({ path: v.field, message: v.message }));
        assert.deepEqual(sorted(actual), sorted(expected), `source: ${c.source}`);
      });
    }
  });
}

describe("rules are total on the service types", () => {
  const oddValues: JsonValue[] = [null, 0, -1, 1.5, "", "x", true, [], [null, 1, "a", {}], {}];
  test("never throw on values of the wrong type anywhere in a case", () => {
    for (const typeName of Object.keys(FILES)) {
      for (const c of load(typeName).cases) {
        const object = objectFor(typeName, c);
        for (const mutated of mutations(object, oddValues)) {
          assert.doesNotThrow(() => semanticViolations(typeName, mutated), `${typeName}/${c.name}: ${JSON.stringify(mutated)}`);
        }
      }
    }
  });
});

/** Copies of `root` with one value (at any depth) replaced by each odd value. */
function* mutations(root: JsonObject, replacements: readonly JsonValue[]): Generator<JsonObject> {
  const paths: (string | number)[][] = [];
  const walk = (value: JsonValue, path: (string | number)[]): void => {
    paths.push(path);
    if (Array.isArray(value)) value.forEach((item, i) => walk(item, [...path, i]));
    else if (value !== null && typeof value === "object") for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
  };
  walk(root, []);
  for (const path of paths.slice(1)) {
    for (const replacement of replacements) {
      const copy = structuredClone(root) as JsonValue;
      let parent = copy as Record<string | number, JsonValue>;
      for (const segment of path.slice(0, -1)) parent = parent[segment] as Record<string | number, JsonValue>;
      parent[path[path.length - 1] as string | number] = replacement;
      yield copy as JsonObject;
    }
  }
}
