import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { stringify } from "yaml";
import type { ControlPlaneServer } from "../src/cp/server.js";
import { kubernetesNameOf } from "../src/kuma/naming.js";
import { KUBERNETES_API_VERSION, MESH_LABEL, RESOURCE_TYPES, isClusterScoped, resourceType } from "../src/kuma/types.js";
import type { JsonObject } from "../src/model/resource.js";
import { runCli, type CliRun } from "./helpers/cli.js";
import { commitFiles, tempRepo } from "./helpers/git.js";
import { sampleControlPlane, type SampleControlPlane } from "./helpers/sampleControlPlane.js";

/**
 * Exported resources import cleanly: sample-repo plus Kubernetes documents in an application namespace are applied to
 * the embedded control plane over HTTP; every resource is read back with GET (server fields included) and written into
 * new Git repositories, once as the Universal API returns it (`kumactl export`) and once as `kubectl get -o yaml`
 * prints a custom resource. Each validates with nothing but one "set by the control plane" warning per document, and
 * plans with zero changes against the control plane it came from (prune on, so a resource lost on the way would show
 * as a delete).
 */
const TOKEN = "export-test-token-7c1d";
const env = { MESHOPS_CP_TOKEN: TOKEN };
const repos: { cleanup: () => void }[] = [];
let sample: SampleControlPlane;
let source: SampleControlPlane["source"];
let server: ControlPlaneServer;
let exported: JsonObject[] = [];
/** What validating the source repository says (deprecations, say), to tell it from what the export adds. */
let sourceFindings = new Set<string>();

/** Written into each export repository: prune on and unlimited, so the plan also proves nothing live went missing. */
const EXPORT_CONFIG = stringify({
  instance: "meshops",
  controlPlane: { skipDefaultMeshCreation: true },
  prune: { enabled: true, maxDeletes: 1000, maxDeletePercent: 100 },
  // The export holds the control plane's Secrets as it returns them, in clear text: accepted here, on purpose.
  secrets: { allowPlaintext: true },
});

before(async () => {
  sample = await sampleControlPlane(TOKEN, "meshops-export-");
  ({ source, server } = sample);
  exported = await getEverything();
  const validate = await runCli(["validate", "--format", "json"], source.dir);
  sourceFindings = new Set((JSON.parse(validate.stdout) as Report).diagnostics.map(finding));
});
after(async () => {
  await sample.close();
  for (const repo of repos) repo.cleanup();
});

const cli = (dir: string, ...args: string[]): Promise<CliRun> => runCli([...args, "--cp-url", server.url], dir, env);

async function get(apiPath: string): Promise<JsonObject> {
  const response = await fetch(server.url + apiPath, { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(response.status, 200, `GET ${apiPath}`);
  return (await response.json()) as JsonObject;
}

/** Every resource, each read with its own GET: the list only says what there is. */
async function getEverything(): Promise<JsonObject[]> {
  const names = async (apiPath: string): Promise<string[]> => {
    const list = (await get(`${apiPath}?size=1000`)) as { items: { name: string }[]; next: string | null };
    assert.equal(list.next, null, `${apiPath} fits one page`);
    return list.items.map((item) => item.name);
  };
  const out: JsonObject[] = [];
  // The server emulates Kuma: Kong Mesh's own kinds are not served.
  const served = RESOURCE_TYPES.filter((type) => type.name !== "Mesh" && !type.kongMeshOnly);
  // The kinds of no mesh live at /<path>/{name}.
  for (const type of served.filter((t) => t.global)) for (const name of await names(`/${type.path}`)) out.push(await get(`/${type.path}/${name}`));
  for (const mesh of await names("/meshes")) {
    out.push(await get(`/meshes/${mesh}`));
    for (const type of served.filter((t) => !t.global)) {
      for (const name of await names(`/meshes/${mesh}/${type.path}`)) out.push(await get(`/meshes/${mesh}/${type.path}/${name}`));
    }
  }
  return out;
}

/** The mesh a resource belongs to (a Mesh is its own). */
function meshOf(object: JsonObject): string {
  return (object.type === "Mesh" ? object.name : object.mesh) as string;
}

/** One file per mesh, as a tenant folder would hold them. */
function filesPerMesh(objects: readonly JsonObject[], toDocument: (object: JsonObject) => JsonObject): Record<string, string> {
  const files: Record<string, string> = { "meshops.yaml": EXPORT_CONFIG };
  for (const object of objects) {
    const file = `meshes/${meshOf(object)}/exported.yaml`;
    const document = stringify(toDocument(object), { lineWidth: 0 });
    files[file] = files[file] === undefined ? document : `${files[file]}---\n${document}`;
  }
  return files;
}

/**
 * `kubectl get -o yaml` of the custom resource the API object would be: cluster-scoped Mesh and MeshGateway, namespaced others (a
 * resource named `name.namespace` with Kuma's identity labels goes back to its namespace; a Universal name has none),
 * with everything the API server and the webhook add.
 */
function asKubectlGet(object: JsonObject): JsonObject {
  if (object.type === "Secret") return secretAsKubectlGet(object);
  const { type, mesh, name, creationTime, modificationTime: _modified, kri: _kri, snis: _snis, labels, spec, status, ...meshFields } = object;
  const kubernetes = kubernetesNameOf(object);
  const category = resourceType(type as string)?.category;
  const webhookLabels: JsonObject = type === "Mesh" ? {} : { [MESH_LABEL]: mesh as string };
  if (category === "policy" || category === "route") webhookLabels["kuma.io/policy-role"] = kubernetes ? "producer" : "system";
  const allLabels = { ...(labels as JsonObject | undefined), ...webhookLabels };
  const metadata: JsonObject = {
    annotations: { "kubectl.kubernetes.io/last-applied-configuration": JSON.stringify({ kind: type, metadata: { name } }) + "\n" },
    creationTimestamp: creationTime as string,
    generation: 1,
    labels: allLabels,
    managedFields: [{ apiVersion: KUBERNETES_API_VERSION, fieldsType: "FieldsV1", manager: "kubectl-client-side-apply", operation: "Update" }],
    name: kubernetes?.name ?? (name as string),
    ...(kubernetes ? { namespace: kubernetes.namespace } : {}),
    resourceVersion: "4711",
    uid: "0b6d3c54-9f0e-4a3b-8d61-7c2e5f4a9b10",
  };
  // The protobuf kinds keep their fields under spec; a cluster-scoped MeshGateway names its mesh in a top-level field.
  const flat = resourceType(type as string)?.flat === true;
  const document: JsonObject = { apiVersion: KUBERNETES_API_VERSION, kind: type as string, ...(isClusterScoped(type as string) && type !== "Mesh" ? { mesh: mesh as string } : {}), metadata, spec: flat ? meshFields : (spec ?? {}) };
  if (status !== undefined) document.status = status;
  return document;
}

/** `kubectl get secret -o yaml` of a Kuma Secret: core/v1, in the system namespace, with the API server's metadata. */
function secretAsKubectlGet(object: JsonObject): JsonObject {
  const labels: JsonObject = { ...(object.labels as JsonObject | undefined), [MESH_LABEL]: object.mesh as string };
  for (const computed of ["kuma.io/origin", "kuma.io/zone", "kuma.io/env"]) delete labels[computed];
  return {
    apiVersion: "v1",
    kind: "Secret",
    type: "system.kuma.io/secret",
    metadata: { creationTimestamp: object.creationTime as string, labels, name: object.name as string, namespace: "kuma-system", resourceVersion: "4712", uid: "5d0c1a2b-3e4f-4a5b-8c6d-7e8f9a0b1c2d" },
    data: { value: object.data as string },
  };
}

interface Report {
  valid: boolean;
  diagnostics: { severity: string; rule: string; message: string; resource: string; path: string }[];
}

/** A diagnostic without its place: the same finding in another file layout. */
const finding = (d: Report["diagnostics"][number]): string => `${d.severity} ${d.rule} ${d.resource} ${d.path} ${d.message}`;

for (const [shape, toDocument] of [
  ["the Universal API's GET", (object: JsonObject) => object],
  ["kubectl get -o yaml", asKubectlGet],
] as const) {
  test(`every resource exported as ${shape} validates with only the server-field warning and plans no change`, async () => {
    assert.ok(exported.length > 60, `the control plane holds sample-repo and more: ${exported.length} resources`);
    assert.ok(
      exported.some((o) => o.status !== undefined) && exported.some((o) => kubernetesNameOf(o)?.namespace === "payments"),
      "the export holds statuses and resources of an application namespace",
    );
    const kinds = new Set(exported.map((o) => o.type));
    for (const kind of ["MeshGateway", "MeshTrust", "MeshIdentity", "MeshOpenTelemetryBackend", "Workload", "MeshZoneAddress"]) {
      assert.ok(kinds.has(kind), `the export holds a ${kind}`);
    }
    const repo = tempRepo("meshops-export-");
    repos.push(repo);
    commitFiles(repo.dir, filesPerMesh(exported, toDocument), `export as ${shape}`);

    const validate = await runCli(["validate", "--format", "json"], repo.dir);
    const report = JSON.parse(validate.stdout) as Report;
    assert.equal(validate.code, 0, validate.stdout + validate.stderr);
    assert.equal(report.valid, true);
    // Besides the server-field warnings, only what the source repository already had (deprecated fields it uses), and
    // deprecation warnings: the default policies the control plane itself creates still use `from`. Info items are
    // not shown to people (a Secret the gateway names, kept out of the export as out of the source, is one; its path
    // is written `spec.conf...` in the Kubernetes shape, `conf...` in the source).
    const added = report.diagnostics.filter(
      (d) => d.severity !== "info" && d.rule !== "server-field" && !sourceFindings.has(finding(d)) && !(d.rule === "deprecation" && d.severity === "warning"),
    );
    assert.deepEqual(added, [], "the export adds nothing but server-field warnings");
    const serverFields = report.diagnostics.filter((d) => d.rule === "server-field");
    for (const d of serverFields) assert.equal(d.severity, "warning");
    // The API server's metadata: a warning per field, saying to remove it; the rest the control plane sets: one per document.
    const apiServer = serverFields.filter((d) => /^metadata\.[A-Za-z]+$/.test(d.path));
    for (const d of apiServer) assert.match(d.message, /^set by the API server.*meshops ignores it: remove it$/);
    const perDocument = serverFields.filter((d) => !apiServer.includes(d));
    for (const d of perDocument) assert.match(d.message, /^set by the control plane; ignored: /);
    const warned = perDocument.map((d) => d.resource).sort();
    assert.equal(new Set(warned).size, warned.length, "one warning per document");
    if (shape === "kubectl get -o yaml") {
      const fields = new Map<string, string[]>();
      for (const d of apiServer) fields.set(d.resource, [...(fields.get(d.resource) ?? []), d.path]);
      assert.equal(fields.size, exported.length, "every exported document carries the API server's metadata");
      for (const [resource, paths] of fields) {
        const expected = resource.startsWith("Secret/") ? ["creationTimestamp", "resourceVersion", "uid"] : ["creationTimestamp", "generation", "managedFields", "resourceVersion", "uid"];
        assert.deepEqual(paths.sort(), expected.map((f) => `metadata.${f}`), resource);
      }
      assert.equal(warned.length, exported.filter((o) => o.type !== "Secret").length, "the last-applied annotation and computed labels: once per document (a Secret has none)");
    } else assert.equal(warned.length, exported.length, "every exported document carries server fields, and each is warned about once");

    const plan = await cli(repo.dir, "plan", "--format", "json");
    assert.equal(plan.code, 0, plan.stdout + plan.stderr);
    const parsed = JSON.parse(plan.stdout) as { summary: { create: number; update: number; delete: number; unchanged: number }; changes: unknown[] };
    assert.deepEqual(parsed.changes, []);
    const { create, update, delete: deletes, unchanged } = parsed.summary;
    assert.deepEqual({ create, update, delete: deletes }, { create: 0, update: 0, delete: 0 });
    assert.equal(unchanged, exported.length, "every live resource is paired with its exported document");
  });
}
