/**
 * The project's own conformance suite: cases written from Kuma v2.14.3's validator.go files (one fixture file per type
 * under test/fixtures/conformance/, see its README.md), run through `semanticViolations` and `deprecationWarnings`.
 * Violations must be exactly the expected (path, message) pairs, order aside; a case that lists `deprecations` must
 * produce exactly those warnings.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { parse } from "yaml";
import type { JsonObject, JsonValue, Violation } from "../src/model/resource.js";
import { semanticViolations, type RuleContext } from "../src/validate/rules/index.js";
import { deprecationWarnings } from "../src/validate/rules/deprecations.js";
import { projectRoot } from "./helpers/git.js";

interface Expected {
  readonly field: string;
  readonly message: string;
}

interface ConformanceCase {
  readonly name: string;
  readonly valid: boolean;
  /** The spec, as YAML text. */
  readonly input: string;
  /** Resource labels (e.g. `kuma.io/policy-role`), when the case depends on them. */
  readonly labels?: Readonly<Record<string, string>>;
  readonly context?: Partial<RuleContext>;
  readonly violations?: readonly Expected[];
  readonly deprecations?: readonly Expected[];
  readonly source: string;
}

const FIXTURES = path.join(projectRoot, "test/fixtures/conformance");

function loadFixtures(): Map<string, ConformanceCase[]> {
  const byType = new Map<string, ConformanceCase[]>();
  for (const file of readdirSync(FIXTURES).filter((f) => f.endsWith(".yaml")).sort()) {
    const cases = parse(readFileSync(path.join(FIXTURES, file), "utf8")) as ConformanceCase[];
    byType.set(file.replace(/\.yaml$/, ""), cases);
  }
  return byType;
}

function objectFor(typeName: string, c: ConformanceCase): JsonObject {
  const spec = (parse(c.input) ?? {}) as JsonValue;
  const object: JsonObject = { type: typeName, mesh: "default", name: "case", spec };
  if (c.labels) object.labels = { ...c.labels };
  return object;
}

function sorted(violations: readonly Violation[]): Violation[] {
  const key = (v: Violation): string => `${v.path}\u0000${v.message}`;
  return violations.map((v) => ({ path: v.path, message: v.message })).sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

function asViolations(expected: readonly Expected[] | undefined): Violation[] {
  return (expected ?? []).map((v) => ({ path: v.field, message: v.message }));
}

const fixtures = loadFixtures();

test("every fixture file holds valid and invalid cases, each with a source, and invalid ones name their violations", () => {
  assert.ok(fixtures.size > 0);
  for (const [typeName, cases] of fixtures) {
    assert.ok(cases.some((c) => c.valid), `${typeName}: no valid case`);
    assert.ok(cases.some((c) => !c.valid), `${typeName}: no invalid case`);
    const names = new Set<string>();
    for (const c of cases) {
      assert.ok(!names.has(c.name), `${typeName}: duplicate case name ${c.name}`);
      names.add(c.name);
      assert.match(c.source, /\.go:\w+/, `${typeName}/${c.name}: source must be <go file>:<func>`);
      assert.equal(c.valid, (c.violations ?? []).length === 0, `${typeName}/${c.name}: valid must mean no violations`);
    }
  }
});

for (const [typeName, cases] of fixtures) {
  describe(`${typeName} (v2.14.3 validator)`, () => {
    for (const c of cases) {
      test(c.name, () => {
        const object = objectFor(typeName, c);
        const context: RuleContext = { product: "kuma", mode: "zone", ...c.context };
        assert.deepEqual(sorted(semanticViolations(typeName, object, context)), sorted(asViolations(c.violations)), `source: ${c.source}`);
        if (c.deprecations) {
          assert.deepEqual(sorted(deprecationWarnings(typeName, object)), sorted(asViolations(c.deprecations)), `source: ${c.source}`);
        }
      });
    }
  });
}
