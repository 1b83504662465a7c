#!/usr/bin/env node
// Regenerates test/fixtures/kuma-reference/ from the Kuma reference data (../shared/kuma-reference, or the folder
// given with --reference). The tests read only the committed copy, so a clone of this repository alone runs them;
// CI re-runs this script and fails when the copy no longer matches its source.
//
//   node scripts/update-fixtures.mjs [--reference DIR]
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const TARGET = join(REPO_ROOT, "test", "fixtures", "kuma-reference");

/** The Kuma release the reference data is taken from. */
const SOURCE = { repository: "github.com/kumahq/kuma", tag: "v2.14.3", commit: "0c7aaec033b7dad03c3a9f4d5b56eb6d941bfff9" };

/** The destinations meshops manages next to Mesh and the policies (src/kuma/types.ts). */
const CORE_TYPES = [
  ...["meshservice", "meshexternalservice", "meshmultizoneservice"],
  ...["meshidentity", "meshtrust", "meshopentelemetrybackend", "meshzoneaddress", "workload", "hostnamegenerator"],
];
/** Files the reference keeps under versions/<release>/ only: copied to the path they have in the Kuma repository. */
const RELEASE_ONLY = { "api/mesh/v1alpha1/dataplane/rest.yaml": "versions/v2.14.3/api/mesh/v1alpha1/dataplane/rest.yaml" };

function referenceDir() {
  const flag = process.argv.indexOf("--reference");
  const dir = flag > 0 ? resolve(process.argv[flag + 1] ?? "") : resolve(REPO_ROOT, "..", "shared", "kuma-reference");
  if (!existsSync(join(dir, "validation-cases.v2.14.3.yaml"))) {
    console.error(`update-fixtures: no Kuma reference data at ${dir} (expected validation-cases.v2.14.3.yaml there); pass --reference DIR`);
    process.exit(1);
  }
  return dir;
}

/** What the tests read, at the paths the files have in the Kuma repository. */
function selectedPaths(reference) {
  const policies = readdirSync(join(reference, "pkg/plugins/policies"))
    .sort()
    .map((type) => `pkg/plugins/policies/${type}/api/v1alpha1/rest.yaml`);
  return [
    "validation-cases.v2.14.3.yaml", // conformance.test.ts, fastYaml.test.ts
    "pkg/api-server/testdata", // cp.server.test.ts: the API server's golden requests and replies
    "api/mesh/v1alpha1/mesh/rest.yaml", // schema.test.ts: our schemas against the control plane's
    "api/system/v1alpha1/secret/rest.yaml", // schema.test.ts: the hand-kept Secret schema against the control plane's
    "api/mesh/v1alpha1/meshgateway/rest.yaml",
    ...Object.keys(RELEASE_ONLY),
    ...CORE_TYPES.map((type) => `pkg/core/resources/apis/${type}/api/v1alpha1/rest.yaml`),
    ...policies,
    // The default policies each minor line creates with a Mesh: defaults.versions.test.ts checks src/kuma/defaultPolicies.ts.
    ...["v2.10.11", "v2.11.18", "v2.12.14", "v2.13.10", "v2.14.3"].flatMap((release) =>
      ["mesh", "meshtimeout", "meshretry", "meshcircuitbreaker"].map((file) => `versions/${release}/pkg/defaults/mesh/${file}.go`),
    ),
    // Kong Mesh-only kinds (Kong's published docs sources, see kong-mesh/SOURCES.md): schema.test.ts compares
    // schemas/ with them, kongMesh.test.ts validates Kong's own examples.
    "kong-mesh/SOURCES.md",
    "kong-mesh/crds/2.14.x",
    ...["MeshOPA", "MeshGlobalRateLimit", "AccessRole", "AccessRoleBinding", "AccessAudit"].map((kind) => `kong-mesh/openapi/extracted/terraform-provider/${kind}Item.json`),
    ...renderedKindCrds(reference),
  ];
}

/**
 * Kuma's kinds that only its Kubernetes controllers read (the API does not serve them): checked against their CRD by
 * `validate`. The same list as src/kuma/types.ts KUBERNETES_ONLY_KINDS (a test checks schemas/crds.json has each).
 */
const KUBERNETES_ONLY_KINDS = ["ContainerPatch", "MeshGatewayConfig", "MeshGatewayInstance"];

/**
 * The CRDs of the kinds meshops renders for Kubernetes (those with a schemas/<Kind>.schema.json) and of the
 * Kubernetes-only kinds: scripts/generate-crd-schemas.mjs turns them into schemas/crds.json, which `render --format
 * kubernetes` and `validate` check against.
 */
function renderedKindCrds(reference) {
  const kinds = new Set(readdirSync(join(REPO_ROOT, "schemas")).filter((f) => f.endsWith(".schema.json")).map((f) => f.slice(0, -".schema.json".length)));
  for (const kind of KUBERNETES_ONLY_KINDS) kinds.add(kind);
  const dir = "docs/generated/raw/crds";
  return readdirSync(join(reference, dir))
    .filter((file) => kinds.has(/\n {4}kind: (\w+)\n/.exec(readFileSync(join(reference, dir, file), "utf8"))?.[1] ?? ""))
    .sort()
    .map((file) => `${dir}/${file}`);
}

const NOTICE = `# Kuma reference fixtures

Files copied unchanged from the Kuma control plane, ${SOURCE.repository} ${SOURCE.tag}
(commit ${SOURCE.commit}), at the paths they have there. Kuma is licensed under the Apache License 2.0: see LICENSE
in this folder. The tests check meshops against them:

- validation-cases.v2.14.3.yaml: the control plane's validator test cases (input, expected violations), extracted
  from its validator tests; read by conformance.test.ts and fastYaml.test.ts.
- pkg/api-server/testdata/: the API server's golden request and response files; cp.server.test.ts replays them
  against the embedded control plane.
- api/mesh/v1alpha1/{mesh,meshgateway,dataplane}/rest.yaml (dataplane's from the reference's versions/v2.14.3/),
  pkg/plugins/policies/*/api/v1alpha1/rest.yaml,
  pkg/core/resources/apis/{${CORE_TYPES.join(",")}}/api/v1alpha1/rest.yaml: the OpenAPI schemas the server
  validates against; schema.test.ts compares schemas/ with them.
- versions/<release>/pkg/defaults/mesh/: the default policies each minor line 2.10-2.14 creates with a Mesh (newest
  patch of each line, same license); defaults.versions.test.ts checks meshops' per-line table against them.
- docs/generated/raw/crds/: the Kubernetes CRDs of the kinds meshops renders, and of the kinds only Kuma's Kubernetes
  controllers read (ContainerPatch, MeshGatewayConfig, MeshGatewayInstance); scripts/generate-crd-schemas.mjs
  extracts their schemas into schemas/crds.json, which \`render --format kubernetes\` and \`hydrate\` check their
  output against, and \`validate\` the Kubernetes-only documents (render.kubernetes.test.ts checks that file is fresh).
- kong-mesh/: the Kong Mesh-only kinds' CRDs (2.14.x) and OpenAPI items, copied from Kong's public documentation
  sources (Kong/developer.konghq.com, Kong/terraform-provider-kong-mesh; kong-mesh/SOURCES.md gives repository, path
  and commit of each file, under those repositories' licenses); schema.test.ts compares schemas/ with them.

Do not edit: regenerate with \`npm run fixtures\` (scripts/update-fixtures.mjs), which copies them from the reference
data folder (../shared/kuma-reference by default, or --reference DIR).
`;

const reference = referenceDir();
rmSync(TARGET, { recursive: true, force: true });
mkdirSync(TARGET, { recursive: true });
let files = 0;
for (const path of selectedPaths(reference)) {
  const from = join(reference, RELEASE_ONLY[path] ?? path);
  if (!existsSync(from)) {
    console.error(`update-fixtures: ${from} is missing from the reference data`);
    process.exit(1);
  }
  mkdirSync(dirname(join(TARGET, path)), { recursive: true });
  cpSync(from, join(TARGET, path), { recursive: true });
  files += statSync(from).isDirectory() ? readdirSync(from, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length : 1;
}
cpSync(join(reference, "go-v2.14.3", "LICENSE"), join(TARGET, "LICENSE"));
writeFileSync(join(TARGET, "README.md"), NOTICE);
console.log(`update-fixtures: ${files} files from ${reference} into ${TARGET}`);
