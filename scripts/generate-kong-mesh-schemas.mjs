#!/usr/bin/env node
// Writes the schemas of the Kong Mesh-only kinds into schemas/, with the same translation as Kuma's
// (scripts/generate-schemas.mjs, which also runs this at its end):
//
//   node scripts/generate-kong-mesh-schemas.mjs [--reference DIR]
//
// Kong Mesh is closed source; what Kong publishes (Apache-2.0 docs sources, kuma-reference/kong-mesh/SOURCES.md) is:
//   - MeshOPA and MeshGlobalRateLimit: the CRDs of every minor line 2.10.x-2.14.x, whose `spec` schemas are identical
//     (kong-mesh/README.md, tools/compare.py). The spec comes from the 2.14.x CRD, the envelope (type, mesh, name,
//     labels) from the Kong Mesh OpenAPI item of the same kind. Complete structurally.
//   - AccessRole, AccessRoleBinding, AccessAudit: only the OpenAPI items (Universal, flat like Mesh). Partial: no
//     enums and no required fields inside, so meshops checks their shape and nothing else (README "Kong Mesh").
// No Go source exists to read decode-time types from, so what the CRDs say stands in for it: `format: int32` is a Go
// int32, and the durations below are metav1.Duration (controller-gen writes those as a plain string; the docs use Go
// duration syntax for each of them).
import { readFileSync } from "node:fs";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import YAML from "yaml";
import { checkEverythingListedWasUsed, documentFor, GeneratorError, translationContext, writeSchema } from "./generate-schemas.mjs";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const CRD_LINE = "2.14.x";
const OPENAPI = "openapi/extracted/terraform-provider";

const duration = (node) => ({ ...node, format: "duration" });
const DURATIONS = {
  MeshOPA: ["spec.default.authConfig.timeout"],
  MeshGlobalRateLimit: ["from", "to"].flatMap((section) => [
    `spec.${section}[].default.backend.rateLimitService.timeout`,
    `spec.${section}[].default.http.requestRate.interval`,
    `spec.${section}[].default.http.ratelimitOnRequest[].limits[].requestRate.interval`,
  ]),
};

const CRD_KINDS = { MeshOPA: "kuma.io_meshopas.yaml", MeshGlobalRateLimit: "kuma.io_meshglobalratelimits.yaml" };
const OPENAPI_ONLY_KINDS = ["AccessRole", "AccessRoleBinding", "AccessAudit"];

/** `default: null` on nullable lists is Speakeasy's (the generated Terraform provider), not the control plane's. */
function withoutNullDefaults(node) {
  if (Array.isArray(node)) return node.map(withoutNullDefaults);
  if (!node || typeof node !== "object") return node;
  return Object.fromEntries(Object.entries(node).filter(([k, v]) => !(k === "default" && v === null)).map(([k, v]) => [k, withoutNullDefaults(v)]));
}

function openApiItem(referenceDir, kind) {
  return withoutNullDefaults(JSON.parse(readFileSync(join(referenceDir, "kong-mesh", OPENAPI, `${kind}Item.json`), "utf8")));
}

function crdSpec(referenceDir, kind) {
  const crd = YAML.parse(readFileSync(join(referenceDir, "kong-mesh", "crds", CRD_LINE, CRD_KINDS[kind]), "utf8"));
  const spec = crd?.spec?.versions?.[0]?.schema?.openAPIV3Schema?.properties?.spec;
  if (!spec) throw new GeneratorError(`${kind}: ${CRD_KINDS[kind]} has no openAPIV3Schema.properties.spec`);
  return spec;
}

export function generateKongMeshSchemas(referenceDir) {
  const release = `Kong Mesh ${CRD_LINE}`;
  for (const kind of Object.keys(CRD_KINDS)) {
    const envelope = openApiItem(referenceDir, kind);
    const item = { ...envelope, properties: { ...envelope.properties, spec: crdSpec(referenceDir, kind) } };
    const ctx = { ...translationContext(kind), overrides: Object.fromEntries(DURATIONS[kind].map((path) => [path, duration])) };
    const document = documentFor(kind, item, ctx, release);
    document.description = `The ${kind} object meshops sends on PUT (Kong Mesh only). Spec from the Kong Mesh ${CRD_LINE} CRD (the same in 2.10-2.14), envelope from Kong Mesh's OpenAPI ${kind}Item, by scripts/generate-kong-mesh-schemas.mjs; do not edit by hand.`;
    checkEverythingListedWasUsed(ctx);
    writeSchema(document, kind);
    console.log(`wrote schemas/${kind}.schema.json`);
  }
  for (const kind of OPENAPI_ONLY_KINDS) {
    const ctx = translationContext(kind);
    const document = documentFor(kind, openApiItem(referenceDir, kind), ctx, release);
    document.description = `The ${kind} object (Kong Mesh only, global). PARTIAL: Kong publishes only its OpenAPI ${kind}Item (no enums, no required fields inside); by scripts/generate-kong-mesh-schemas.mjs; do not edit by hand.`;
    writeSchema(document, kind);
    console.log(`wrote schemas/${kind}.schema.json (partial)`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const flag = process.argv.indexOf("--reference");
  const referenceDir = flag > 0 ? resolve(process.argv[flag + 1] ?? "") : resolve(REPO_ROOT, "..", "shared", "kuma-reference");
  try {
    generateKongMeshSchemas(referenceDir);
  } catch (error) {
    if (!(error instanceof GeneratorError)) throw error;
    console.error(`generate-kong-mesh-schemas: ${error.message}`);
    process.exitCode = 1;
  }
}
