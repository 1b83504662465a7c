/**
 * The default policies per Kuma minor line, against each line's own Go source (versions/<release>/pkg/defaults/mesh/
 * of the reference, committed under test/fixtures/kuma-reference/versions/): the names a Mesh's defaults get, their
 * types, and the values written literally in the Go builders. The 2.14 specs as a whole are checked in defaults.test.ts.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { DEFAULT_CONFIG } from "../src/config/repoConfig.js";
import { buildDesired, targetOf } from "../src/desired/index.js";
import { defaultPoliciesFor, defaultPoliciesLine, type DefaultPolicy } from "../src/kuma/defaultPolicies.js";
import { SUPPORTED_MINORS } from "../src/kuma/versions.js";
import { parseGoDurationDetailed } from "../src/kuma/duration.js";
import type { JsonValue, Resource } from "../src/model/resource.js";
import { kumaReferenceDir } from "./helpers/reference.js";

const RELEASES: Readonly<Record<string, string>> = { "2.10": "v2.10.11", "2.11": "v2.11.18", "2.12": "v2.12.14", "2.13": "v2.13.10", "2.14": "v2.14.3" };

const goSource = (minor: string, file: string) =>
  readFileSync(join(kumaReferenceDir(), "versions", RELEASES[minor] as string, "pkg/defaults/mesh", `${file}.go`), "utf8");

/** `"mesh-timeout-all": defaultMeshTimeoutResource,` in EnsureDefaultMeshResources: prefix → builder. */
function buildersOf(meshGo: string): Map<string, string> {
  const block = /defaultResourceBuilders := map\[string\]func\(\) model\.Resource\{([^}]*)\}/.exec(meshGo)?.[1] ?? "";
  return new Map([...block.matchAll(/"([a-z-]+)":\s*(\w+),/g)].map((m) => [m[1] as string, m[2] as string]));
}

/** The Go source of one builder (`var <name> = func() model.Resource {...}`), and the type of resource it returns. */
function builder(minor: string, name: string): { type: string; body: string } {
  for (const file of ["meshtimeout", "meshretry", "meshcircuitbreaker"]) {
    const source = goSource(minor, file);
    const start = source.indexOf(`var ${name} = func() model.Resource {`);
    if (start < 0) continue;
    const end = source.indexOf("\n}\n", start);
    const body = source.slice(start, end);
    const type = /&v1alpha1\.(\w+)Resource\{/.exec(body)?.[1] ?? "";
    // Package-level durations the builder refers to (meshretry.go's DefaultBaseInterval).
    const shared = [...source.matchAll(/var (\w+) = kube_meta\.Duration\{\s*Duration: ([^,]+),/g)].filter((m) => body.includes(`&${m[1]}`)).map((m) => m[2]);
    return { type, body: `${body}\n${shared.map((d) => `Duration: ${d},`).join("\n")}` };
  }
  throw new Error(`${RELEASES[minor]}: builder ${name} not found`);
}

/** Literal values in a builder: `pointer.To[uint32](5)` and `N * time.Unit` durations (in nanoseconds). */
function literals(body: string): { integers: number[]; durations: bigint[] } {
  const integers = [...body.matchAll(/pointer\.To\[u?int\d*\]\((\d+)\)/g)].map((m) => Number(m[1]));
  const unit: Record<string, bigint> = { Millisecond: 1_000_000n, Second: 1_000_000_000n, Minute: 60_000_000_000n, Hour: 3_600_000_000_000n };
  const durations = [...body.matchAll(/Duration:\s*(\d+) \* time\.(\w+)/g)].map((m) => BigInt(m[1] as string) * (unit[m[2] as string] as bigint));
  return { integers: integers.sort((a, b) => a - b), durations: durations.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)) };
}

/** The same literals in our spec: integers and Go durations, with each distinct value counted once per place. */
function ourLiterals(policy: DefaultPolicy): { integers: number[]; durations: bigint[] } {
  const integers: number[] = [];
  const durations: bigint[] = [];
  const walk = (value: JsonValue): void => {
    if (typeof value === "number") integers.push(value);
    else if (typeof value === "string") {
      const parsed = parseGoDurationDetailed(value);
      if (parsed.ok) durations.push(parsed.nanoseconds);
    } else if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === "object") Object.values(value).forEach(walk);
  };
  walk(policy.spec());
  return { integers: integers.sort((a, b) => a - b), durations: durations.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)) };
}

describe("default policies per minor line", () => {
  test("every supported line has its reference data", () => {
    assert.deepEqual([...SUPPORTED_MINORS].sort(), Object.keys(RELEASES).sort());
  });

  for (const minor of SUPPORTED_MINORS) {
    test(`${minor}: the same prefixes and types as ${RELEASES[minor]} creates`, () => {
      const builders = buildersOf(goSource(minor, "mesh"));
      const ours = defaultPoliciesFor(`${minor}.0`);
      assert.deepEqual(ours.map((p) => p.prefix).sort(), [...builders.keys()].sort());
      for (const policy of ours) assert.equal(builder(minor, builders.get(policy.prefix) as string).type, policy.type, policy.prefix);
    });

    test(`${minor}: the literal values of MeshRetry and MeshCircuitBreaker are ${RELEASES[minor]}'s`, () => {
      const builders = buildersOf(goSource(minor, "mesh"));
      for (const policy of defaultPoliciesFor(`${minor}.0`).filter((p) => p.type !== "MeshTimeout")) {
        // MeshTimeout's values are constants of another package (policies/core/defaults): defaults.test.ts pins them.
        const go = literals(builder(minor, builders.get(policy.prefix) as string).body);
        const ours = ourLiterals(policy);
        assert.deepEqual(ours.integers, go.integers, policy.prefix);
        assert.deepEqual([...new Set(ours.durations)], [...new Set(go.durations)], policy.prefix);
      }
    });

    test(`${minor}: MeshTimeout builders are the ones 2.14 has`, () => {
      // Same source text means same specs: the 2.14 values are checked in full by defaults.test.ts.
      assert.equal(goSource(minor, "meshtimeout").replace(/^\/\/.*\n/gm, ""), goSource("2.14", "meshtimeout").replace(/^\/\/.*\n/gm, ""));
    });
  }

  test("the line follows controlPlane.version, else the control plane's own version; 3.x and unknown use the newest", () => {
    assert.equal(defaultPoliciesLine("2.10.3"), "2.10");
    assert.equal(defaultPoliciesLine("2.12"), "2.12");
    assert.equal(defaultPoliciesLine(undefined), "2.14");
    assert.equal(defaultPoliciesLine("3.0.0"), "2.14");
    const config = { ...DEFAULT_CONFIG, controlPlane: { ...DEFAULT_CONFIG.controlPlane, version: "2.10.11" } };
    assert.equal(targetOf(config).defaultsLine, "2.10");
    assert.equal(targetOf(config, { version: "2.12.1" }).defaultsLine, "2.12");
    assert.equal(targetOf(config, { version: "2.13.0", basedOnKuma: "2.11.4" }).defaultsLine, "2.11");
  });

  test("a Mesh materializes the line's defaults, and a change of line rebuilds the desired state", () => {
    const mesh: Resource = { type: "Mesh", mesh: "m", name: "m", object: { type: "Mesh", name: "m" }, origin: "repository" };
    const old = buildDesired([mesh], DEFAULT_CONFIG, { major: 2, defaultsLine: "2.10" });
    const current = buildDesired([mesh], DEFAULT_CONFIG, { major: 2, defaultsLine: "2.14" }, old);
    assert.notEqual(old.basis, current.basis);
    const names = (state: typeof old) => state.resources.filter((r) => r.origin === "default").map((r) => r.name);
    assert.deepEqual(names(old), names(current));
    assert.equal(names(old).length, 4);
  });
});
