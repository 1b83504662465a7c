#!/usr/bin/env node
// Writes schemas/crds.json: for each kind meshops renders for Kubernetes, its CRD's scope, plural and
// openAPIV3Schema (descriptions and examples left out), from the CRDs committed under test/fixtures/kuma-reference
// (Kuma v2.14.3, Apache-2.0; `npm run fixtures` copies them from the reference data) and Kong Mesh's CRDs of
// MeshOPA and MeshGlobalRateLimit there (kong-mesh/SOURCES.md). src/validate/crds.ts reads it at run time; the
// conversion to a JSON schema is done there, so this file stays a faithful extract of the CRDs.
//
//   node scripts/generate-crd-schemas.mjs          rewrite schemas/crds.json
//   node scripts/generate-crd-schemas.mjs --check  exit 1 when schemas/crds.json differs from what it would write
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const FIXTURES = join(ROOT, "test", "fixtures", "kuma-reference");
const SOURCES = [join(FIXTURES, "docs", "generated", "raw", "crds"), join(FIXTURES, "kong-mesh", "crds", "2.14.x")];
const TARGET = join(ROOT, "schemas", "crds.json");
/** Documentation only: the API server never reads them. */
const DROPPED = new Set(["description", "example"]);

/** The schema without its documentation; `properties` keys are field names, kept whatever they are called. */
function strip(schema) {
  if (Array.isArray(schema)) return schema.map(strip);
  if (typeof schema !== "object" || schema === null) return schema;
  return Object.fromEntries(
    Object.entries(schema)
      .filter(([key]) => !DROPPED.has(key))
      .map(([key, value]) => [key, key === "properties" ? Object.fromEntries(Object.entries(value).map(([field, s]) => [field, strip(s)])) : strip(value)]),
  );
}

const kinds = {};
for (const dir of SOURCES) {
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort()) {
    for (const document of parseAllDocuments(readFileSync(join(dir, file), "utf8"))) {
      const crd = document.toJS();
      if (crd?.kind !== "CustomResourceDefinition" || crd.spec?.group !== "kuma.io") continue;
      const version = crd.spec.versions.find((v) => v.name === "v1alpha1" && v.served);
      if (!version) continue;
      kinds[crd.spec.names.kind] = { plural: crd.spec.names.plural, scope: crd.spec.scope, schema: strip(version.schema.openAPIV3Schema) };
    }
  }
}
const sorted = Object.fromEntries(Object.keys(kinds).sort().map((kind) => [kind, kinds[kind]]));
const text = JSON.stringify({ source: "Kuma v2.14.3 CRDs (Apache-2.0) and Kong Mesh 2.14.x CRDs; see scripts/generate-crd-schemas.mjs", kinds: sorted }) + "\n";

if (process.argv.includes("--check")) {
  let current = "";
  try {
    current = readFileSync(TARGET, "utf8");
  } catch {
    // missing: stale
  }
  if (current !== text) {
    console.error("schemas/crds.json is stale: run node scripts/generate-crd-schemas.mjs and commit it");
    process.exit(1);
  }
} else {
  writeFileSync(TARGET, text);
  console.log(`generate-crd-schemas: ${Object.keys(sorted).length} kinds into ${TARGET}`);
}
