/**
 * Conformance of the semantic rules with the control plane: every case of the Kuma v2.14.3 validator tests
 * (validation-cases.v2.14.3.yaml in the reference folder) is run through `semanticViolations`, and the violations must
 * be exactly the expected (path, message) pairs: nothing missing, nothing extra. Order is not compared because
 * callers sort violations anyway.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { parse } from "yaml";
import type { JsonObject, JsonValue, Violation } from "../src/model/resource.js";
import { POLICY_TYPE_NAMES, RESOURCE_TYPES } from "../src/kuma/types.js";
import { semanticViolations } from "../src/validate/rules/index.js";
import { kumaReferenceDir } from "./helpers/reference.js";

const CASES_FILE = "validation-cases.v2.14.3.yaml";
const EXPECTED_CASE_COUNT = 142;

interface ReferenceCase {
  readonly policy: string;
  readonly name: string;
  readonly valid: boolean;
  readonly input: string;
  readonly violations?: readonly { readonly field: string; readonly message: string }[];
  readonly source: string;
}

/**
 * Cases whose expected violations we deliberately differ on, keyed by `<policy>/<name>`, each with the reason.
 * Empty: every case matches the control plane as recorded.
 */
const EXPECTED_OVERRIDES: Readonly<Record<string, readonly Violation[]>> = {};

function loadCases(): ReferenceCase[] {
  const document = parse(readFileSync(join(kumaReferenceDir(), CASES_FILE), "utf8")) as { cases?: ReferenceCase[] };
  return document.cases ?? [];
}

/** The Universal REST object a case stands for. */
function objectFor(c: ReferenceCase): JsonObject {
  const input = (parse(c.input) ?? {}) as JsonObject;
  if (c.policy === "Mesh") return { type: "Mesh", name: "case", ...input };
  // The MeshHTTPRoute cases write the whole resource (type, mesh, name) next to the spec fields; the Go test reads
  // only the spec from them, so those envelope keys are dropped here (their mesh "mesh-1" is not ours to check).
  const { type: _type, mesh: _mesh, name: _name, ...spec } = input;
  return { type: c.policy, mesh: "default", name: "case", spec: spec as JsonValue };
}

function expectedFor(c: ReferenceCase): Violation[] {
  const override = EXPECTED_OVERRIDES[`${c.policy}/${c.name}`];
  if (override) return [...override];
  return c.valid ? [] : (c.violations ?? []).map((v) => ({ path: v.field, message: v.message }));
}

function sorted(violations: readonly Violation[]): Violation[] {
  const key = (v: Violation): string => `${v.path}\u0000${v.message}`;
  return [...violations].map((v) => ({ path: v.path, message: v.message })).sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

const cases = loadCases();

test(`the reference file holds all ${EXPECTED_CASE_COUNT} cases`, () => {
  assert.equal(cases.length, EXPECTED_CASE_COUNT);
  for (const c of cases) assert.equal(c.valid || (c.violations ?? []).length > 0, true, `${c.policy}/${c.name}: invalid without violations`);
});

describe("control-plane validator cases (v2.14.3)", () => {
  cases.forEach((c, i) => {
    test(`#${i + 1} ${c.policy}: ${c.name}`, () => {
      const actual = semanticViolations(c.policy, objectFor(c));
      assert.deepEqual(sorted(actual), sorted(expectedFor(c)), `source: ${c.source}`);
    });
  });
});

/** Rules FACTS states that the cases file does not exercise; the expected messages are FACTS' (§4.1, §4.3, §4.4). */
describe("rules stated in FACTS beyond the cases file", () => {
  const policy = (name: string, spec: JsonObject, mesh: JsonValue = "default"): JsonObject => ({ type: "MeshTimeout", mesh, name, spec });
  const toMesh = { to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: "1s" } }] };
  const rfc1123 =
    "invalid characters. A lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', " +
    "and must start and end with an alphanumeric character";

  const rows: [string, string, JsonObject, Violation[]][] = [
    ["§4.4 #39 name with an underscore", "MeshTimeout", policy("under_score", toMesh), [{ path: "name", message: rfc1123 }]],
    [
      "§4.4 #40 name of 300 characters",
      "MeshTimeout",
      policy("a".repeat(300), toMesh),
      [{ path: "name", message: "value length must less or equal 253" }],
    ],
    ["§4.1 empty name", "MeshTimeout", policy("", toMesh), [{ path: "name", message: "cannot be empty" }]],
    [
      "§4.1 mesh charset keeps '_' allowed",
      "MeshTimeout",
      policy("ok", toMesh, "Bad Mesh"),
      [{ path: "mesh", message: "invalid characters. Valid characters are numbers, lowercase latin letters and '-', '_', '.' symbols." }],
    ],
    ["§4.1 mesh with '_' is fine", "MeshTimeout", policy("ok", toMesh, "old_mesh"), []],
    ["§3.2 Mesh name up to 63 characters", "Mesh", { type: "Mesh", name: "m".repeat(63) }, []],
    [
      "§3.2 Mesh name longer than 63 characters",
      "Mesh",
      { type: "Mesh", name: "m".repeat(64) },
      [{ path: "name", message: "cannot be longer than 63 characters" }],
    ],
    [
      "§4.3 MeshCircuitBreaker reports rule errors under spec.from[i]",
      "MeshCircuitBreaker",
      { type: "MeshCircuitBreaker", mesh: "default", name: "cb", spec: { rules: [{ default: {} }] } },
      [{ path: "spec.from[0].default", message: "at least one of: 'connectionLimits' or 'outlierDetection' should be configured" }],
    ],
    [
      "§4.2 duration syntax is Go's: a bad one fails with Go's error",
      "MeshTimeout",
      policy("t", { to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: "1d" } }] }),
      [{ path: "spec.to[0].default.idleTimeout", message: 'time: unknown unit "d" in duration "1d"' }],
    ],
    [
      "§4.2 name with kind Mesh",
      "MeshAccessLog",
      { type: "MeshAccessLog", mesh: "default", name: "a", spec: { targetRef: { kind: "Mesh", name: "x", proxyTypes: [] } } },
      [
        { path: "spec.targetRef.name", message: "using name with kind Mesh is not yet supported" },
        { path: "spec.targetRef.proxyTypes", message: "must be undefined or have at least one element" },
        // MeshAccessLog's own validator (ported since) also wants at least one section.
        { path: "spec", message: "at least one of 'from', 'to' or 'rules' has to be defined" },
      ],
    ],
    [
      "§4.2 MeshGateway needs a name",
      "MeshRetry",
      { type: "MeshRetry", mesh: "default", name: "r", spec: { targetRef: { kind: "MeshGateway" }, to: [] } },
      [{ path: "spec.targetRef.name", message: "must be set when kind is MeshGateway" }],
    ],
  ];
  for (const [title, typeName, object, expected] of rows) {
    test(title, () => assert.deepEqual(sorted(semanticViolations(typeName, object)), sorted(expected)));
  }
});

describe("rules are total", () => {
  const typeNames = ["Mesh", ...RESOURCE_TYPES.map((t) => t.name), "Unknown"];
  const oddValues: JsonValue[] = [null, 0, -1, 1.5, "", "x", true, [], [null, 1, "a", {}], {}, { kind: 7 }];

  test("never throw on values of the wrong type anywhere", () => {
    for (const typeName of typeNames) {
      for (const value of oddValues) {
        for (const object of shapesAround(value)) {
          assert.doesNotThrow(() => semanticViolations(typeName, object), `${typeName} ${JSON.stringify(object)}`);
        }
      }
    }
  });

  test("never throw on every case's input with each leaf replaced by odd values", () => {
    for (const c of cases) {
      const object = objectFor(c);
      for (const mutated of mutations(object, oddValues)) {
        assert.doesNotThrow(() => semanticViolations(c.policy, mutated), `${c.policy}/${c.name}: ${JSON.stringify(mutated)}`);
      }
    }
  });

  test("every targetRef policy gets the shared top-level checks", () => {
    for (const typeName of POLICY_TYPE_NAMES) {
      const violations = semanticViolations(typeName, {
        type: typeName,
        mesh: "default",
        name: "p",
        spec: { targetRef: { kind: "Mesh", name: "x" } },
      });
      assert.ok(
        violations.some((v) => v.path === "spec.targetRef.name" && v.message === "using name with kind Mesh is not yet supported"),
        typeName,
      );
    }
  });
});

function shapesAround(value: JsonValue): JsonObject[] {
  return [
    { type: "X", name: value, mesh: value, spec: value },
    { name: "a", spec: { targetRef: value, from: value, to: value, rules: value, default: value } },
    { name: "a", spec: { to: [{ targetRef: value, default: value, rules: [value] }], from: [value], rules: [{ default: value, matches: [value] }] } },
    { name: "a", mtls: value, logging: value, tracing: value, metrics: value, constraints: value, routing: value },
    { name: "a", mtls: { backends: [value], enabledBackend: value }, logging: { backends: [value] }, metrics: { backends: [value] } },
  ];
}

/** Copies of `root` with one value (at any depth) replaced by each odd value. */
function* mutations(root: JsonValue, replacements: readonly JsonValue[]): Generator<JsonObject> {
  const paths: (string | number)[][] = [];
  const walk = (value: JsonValue, path: (string | number)[]): void => {
    paths.push(path);
    if (Array.isArray(value)) value.forEach((item, i) => walk(item, [...path, i]));
    else if (value !== null && typeof value === "object") for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
  };
  walk(root, []);
  for (const path of paths) {
    if (path.length === 0) continue;
    for (const replacement of replacements) yield replaceAt(root, path, replacement) as JsonObject;
  }
}

function replaceAt(value: JsonValue, path: readonly (string | number)[], replacement: JsonValue): JsonValue {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path;
  if (Array.isArray(value)) return value.map((item, i) => (i === head ? replaceAt(item, rest, replacement) : item));
  if (value !== null && typeof value === "object" && typeof head === "string") {
    return { ...value, [head]: replaceAt(value[head] ?? null, rest, replacement) };
  }
  return value;
}
