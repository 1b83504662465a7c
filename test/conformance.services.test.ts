/**
 * The project's own conformance cases for the rules ported from the control plane's Go code beyond the policy
 * validators: MeshService, MeshExternalService, MeshMultiZoneService, the Mesh's create-time checks, the API
 * server's label checks, MeshGateway, the identity kinds (MeshTrust, MeshIdentity, MeshOpenTelemetryBackend, Workload) and HostnameGenerator (test/fixtures/conformance/resources/<Type>.yaml, format in the README there). Every case's violations
 * and warnings must be exactly the expected (field, message) pairs; order is not compared because callers sort them.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { parse } from "yaml";
import type { ControlPlaneMode, Product } from "../src/config/repoConfig.js";
import type { JsonObject, JsonValue, Violation } from "../src/model/resource.js";
import { DEFAULT_RULE_CONTEXT, semanticViolations, semanticWarnings, type RuleContext } from "../src/validate/rules/index.js";
import { labelChecks } from "../src/validate/rules/labels.js";
import { mutations } from "./helpers/mutations.js";
import { isGlobalType } from "../src/kuma/types.js";

/** This file compiles to dist/test/: the fixtures stay in the source tree. */
const FIXTURES = new URL("../../test/fixtures/conformance/resources/", import.meta.url);

/** The files this suite owns, with the least number of cases each must hold (so a truncated file cannot pass). */
const FILES: Readonly<Record<string, number>> = {
  MeshService: 7,
  MeshExternalService: 14,
  MeshMultiZoneService: 5,
  Mesh: 27,
  Labels: 12,
  MeshGateway: 10,
  MeshTrust: 4,
  MeshIdentity: 10,
  MeshOpenTelemetryBackend: 5,
  Workload: 2,
  Dataplane: 9,
  HostnameGenerator: 10,
};

interface ConformanceCase {
  readonly name: string;
  /** Of a `check: labels` case: the kind checked, when not the file's. */
  readonly type?: string;
  readonly valid: boolean;
  readonly input: string;
  /** `zone`: the zone's name, for label checks where it is known (the embedded control plane knows its own). */
  readonly context?: { readonly product?: Product; readonly mode?: ControlPlaneMode; readonly zone?: string };
  readonly violations?: readonly Expected[];
  /** What meshops cannot decide offline and says so. */
  readonly warnings?: readonly Expected[];
  readonly source: string;
}

interface Expected {
  readonly field: string;
  readonly message: string;
}

interface ConformanceFile {
  readonly type: string;
  /** `labels`: the API server's label checks of a Universal document; otherwise the resource's rules. */
  readonly check?: "labels";
  readonly cases: readonly ConformanceCase[];
}

function load(fileName: string): ConformanceFile {
  return parse(readFileSync(new URL(`${fileName}.yaml`, FIXTURES), "utf8")) as ConformanceFile;
}

/** Errors and warnings for one case, as `meshops validate` finds them for a Universal document. */
function check(file: ConformanceFile, object: JsonObject, c: ConformanceCase): { errors: Violation[]; warnings: Violation[] } {
  const context = contextFor(c);
  if (file.check === "labels") {
    const zone = c.context?.zone;
    const result = labelChecks(c.type ?? file.type, object, { mode: context.mode, format: "universal", ...(zone === undefined ? {} : { zone }) });
    return { errors: result.violations, warnings: result.warnings };
  }
  return { errors: semanticViolations(file.type, object, context), warnings: semanticWarnings(file.type, object, context) };
}

function asViolations(expected: readonly Expected[] | undefined): Violation[] {
  return (expected ?? []).map((v) => ({ path: v.field, message: v.message }));
}

function objectFor(typeName: string, c: ConformanceCase): JsonObject {
  const input = (parse(c.input) ?? {}) as JsonObject;
  if (typeName === "Mesh" || isGlobalType(typeName)) return { type: typeName, ...input };
  return { type: typeName, mesh: "default", ...input } as JsonObject;
}

function contextFor(c: ConformanceCase): RuleContext {
  return { ...DEFAULT_RULE_CONTEXT, ...c.context };
}

function sorted(violations: readonly Violation[]): Violation[] {
  const key = (v: Violation): string => `${v.path}\u0000${v.message}`;
  return [...violations].map((v) => ({ path: v.path, message: v.message })).sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

for (const [fileName, minimum] of Object.entries(FILES)) {
  const file = load(fileName);
  describe(`${fileName} conformance cases`, () => {
    test(`the file holds at least ${minimum} cases, each consistent`, () => {
      assert.equal(file.check === "labels" || file.type === fileName, true, `type ${file.type}`);
      assert.ok(file.cases.length >= minimum, `${file.cases.length} cases`);
      for (const c of file.cases) {
        assert.equal(c.valid, (c.violations ?? []).length === 0, `${c.name}: valid must mean no violations`);
        assert.ok(c.source.length > 0, `${c.name}: source`);
      }
    });
    for (const c of file.cases) {
      test(c.name, () => {
        const actual = check(file, objectFor(c.type ?? file.type, c), c);
        assert.deepEqual(sorted(actual.errors), sorted(asViolations(c.violations)), `source: ${c.source}`);
        assert.deepEqual(sorted(actual.warnings), sorted(asViolations(c.warnings)), `warnings; source: ${c.source}`);
      });
    }
  });
}

describe("rules are total on every case of these files", () => {
  const oddValues: JsonValue[] = [null, 0, -1, 1.5, "", "x", true, [], [null, 1, "a", {}], {}];
  test("never throw on values of the wrong type anywhere in a case", () => {
    for (const fileName of Object.keys(FILES)) {
      const file = load(fileName);
      for (const c of file.cases) {
        const object = objectFor(c.type ?? file.type, c);
        for (const mutated of mutations(object, oddValues)) {
          assert.doesNotThrow(() => check(file, mutated, c), `${fileName}/${c.name}: ${JSON.stringify(mutated)}`);
        }
      }
    }
  });
});
