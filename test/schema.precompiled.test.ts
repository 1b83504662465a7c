import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { parseAllDocuments } from "yaml";
import { RESOURCE_TYPES } from "../src/kuma/types.js";
import type { JsonObject } from "../src/model/resource.js";
import { toResource } from "../src/parse/convert.js";
import { DEFAULT_SYSTEM_NAMESPACES } from "../src/kuma/naming.js";
import { precompiledValidatorCount, runtimeValidator } from "../src/validate/schema.js";
import { loadPrecompiled, precompiledCache, precompiledCodeCache } from "../src/validate/precompiled.js";
import { CONFIG_VALIDATOR_FILE } from "../src/validate/formats.js";
import { configValidatorIsPrecompiled, runtimeConfigValidator } from "../src/config/repoConfig.js";
import { projectRoot } from "./helpers/git.js";

/**
 * The build step compiles every schema into standalone code (dist/validators). It must exist after `npm run build`
 * (otherwise the fast path silently vanishes) and must judge exactly as the validator compiled at run time.
 */
test("every type has a build-time validator", () => {
  assert.equal(precompiledValidatorCount(), RESOURCE_TYPES.length);
});

function sampleObjects(): JsonObject[] {
  const objects: JsonObject[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith(".yaml") && entry.name !== "meshops.yaml") {
        parseAllDocuments(readFileSync(full, "utf8")).forEach((doc, index) => {
          const value = doc.toJS() as JsonObject;
          const resource = toResource(full, { index, line: 1, column: 1, value }, { systemNamespaces: DEFAULT_SYSTEM_NAMESPACES }).resource;
          if (resource) objects.push(resource.object);
        });
      }
    }
  };
  walk(path.join(projectRoot, "sample-repo"));
  return objects;
}

type Validator = { (o: unknown): boolean; errors?: unknown };

/** Breaks an object in a few typical ways: an unknown field, a wrong type, a bad duration. */
function mutations(object: JsonObject): JsonObject[] {
  const spec = (object.spec ?? {}) as JsonObject;
  return [
    { ...object, spec: { ...spec, typo: true } },
    { ...object, name: 42 },
    { ...object, spec: { ...spec, targetRef: { kind: "Nope" } } },
    JSON.parse(JSON.stringify(object).replace(/"(\d+)(ms|s|m)"/, '"$1 parsecs"')) as JsonObject,
  ];
}

test("build-time validators (the ES module the Action bundles, the script the CLI runs) and run-time ones agree on valid and broken objects", async () => {
  // dist/test/ → dist/validators/
  const load = async (type: string) => (await import(new URL(`../validators/${type}.js`, import.meta.url).href)) as { default: Validator };
  const objects = sampleObjects();
  assert.ok(objects.length > 50);
  let compared = 0;
  for (const object of objects) {
    const type = object.type as string;
    const runtime = runtimeValidator(type);
    assert.ok(runtime);
    for (const built of [(await load(type)).default, loadPrecompiled(`${type}.js`) as Validator]) {
      for (const candidate of [object, ...mutations(object)]) {
        const a = built(candidate);
        const aErrors = JSON.stringify(built.errors ?? null);
        const b: boolean = runtime(candidate);
        assert.equal(a, b, `${type} ${JSON.stringify(candidate).slice(0, 120)}`);
        assert.equal(aErrors, JSON.stringify(runtime.errors ?? null));
        compared++;
      }
    }
  }
  assert.ok(compared > 500);
});

test("every build-time validator has V8's code cache, and V8 takes one", () => {
  // The build's caches are V8's of the Node.js that built them (CI runs the tests on the other line too): V8 is asked
  // to take one made here.
  for (const file of [...RESOURCE_TYPES.map((type) => `${type.name}.js`), CONFIG_VALIDATOR_FILE]) {
    const cache = precompiledCache(file);
    assert.ok(cache.built, file);
    assert.ok(cache.accepted(precompiledCodeCache(file)), file);
  }
});

/** Every meshops.yaml in the project (valid ones, and the config-errors fixture's broken one). */
function sampleConfigs(): unknown[] {
  const found: unknown[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && !["node_modules", "dist", ".git", "action"].includes(entry.name)) walk(full);
      else if (entry.name === "meshops.yaml") found.push(parseAllDocuments(readFileSync(full, "utf8"))[0]?.toJS());
    }
  };
  walk(projectRoot);
  return found;
}

test("meshops.yaml has a build-time validator that judges as the run-time one", async () => {
  assert.equal(configValidatorIsPrecompiled(), true);
  const built = import.meta.resolve("../validators/meshops.config.js");
  assert.ok(built.endsWith("/dist/validators/meshops.config.js"));
  const configs = sampleConfigs();
  assert.ok(configs.length >= 9);
  const broken = (config: unknown): unknown[] => {
    const object = (config ?? {}) as JsonObject;
    return [{ ...object, typo: 1 }, { ...object, prune: { maxDeletes: "ten" } }, { ...object, drift: { mode: "sometimes" } }, { ...object, tenancy: [{ name: "t" }] }];
  };
  const precompiled = ((await import(built)) as { default: Validator }).default;
  const runtime = runtimeConfigValidator();
  let invalid = 0;
  for (const candidate of configs.flatMap((c) => [c, ...broken(c)])) {
    const a = precompiled(candidate);
    assert.equal(a, runtime(candidate), JSON.stringify(candidate).slice(0, 120));
    assert.equal(JSON.stringify(precompiled.errors ?? null), JSON.stringify(runtime.errors ?? null));
    if (!a) invalid++;
  }
  assert.ok(invalid >= configs.length * 4, `${invalid} invalid`);
});
