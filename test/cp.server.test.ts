/**
 * The embedded control plane over HTTP: real sockets on 127.0.0.1 (port 0), no mocks. Besides meshops's own checks,
 * a selection of Kuma's API golden files (pkg/api-server/testdata) is replayed: the same requests, compared on status
 * and JSON (field names and values; timestamps and the server address normalized as the goldens have them).
 *
 * Replayed only partially, and why:
 * - put_mtp: the Dataplane in its setup is not created (no request needs it); put_update_dataplanes creates its own.
 * - list_mesh_doesnt_exist_not_found: same (its only setup document is a Dataplane, in a mesh Kuma's test never made).
 * - put_meshservice: the requests send `ports[].protocol`, a field MeshService does not have. Kuma drops it silently
 *   (and fills `appProtocol: tcp`); this server refuses unknown fields, so the replay sends `appProtocol: tcp` instead,
 *   which gives the very GET the golden shows.
 * - get_resource_by_kri, get_dp_by_kri: Kuma's test stores the resource without computed labels, so its kri has no
 *   zone part; set up through the API it has them. The answer is compared without labels and kri.
 * - resource_name-mesh, resource_mesh-not-found, resource-delete_not-found: the goldens have no request file; the
 *   requests here are built to provoke exactly those errors.
 * - the response body's spec is compared as JSON values, not key by key in order: Kuma prints a spec in its Go
 *   struct's field order, which this server does not know (it keeps the order it was sent in). The envelope's key order
 *   (type, mesh, name, creationTime, ...) is compared.
 * Not replayed: get_resource / list_* of seeded resources (Kuma's tests write them into the store directly, without
 * computed labels, which cannot be done through the API), and goldens of types meshops does not manage.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import type { IncomingHttpHeaders } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { parseAllDocuments } from "yaml";
import type { ControlPlaneStore, StoreOptions } from "../src/backend/store.js";
import { openStore } from "../src/backend/store.js";
import type { ControlPlaneServerOptions, Fault } from "../src/cp/server.js";
import { kdsHashedName } from "../src/kuma/naming.js";
import { RESOURCE_TYPES, SERVER_RECORDED_SHORT_NAMES } from "../src/kuma/types.js";
import { startControlPlaneServer } from "../src/cp/server.js";
import type { JsonObject, JsonValue } from "../src/model/resource.js";
import { kumaReferenceDir } from "./helpers/reference.js";

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface Harness {
  readonly url: string;
  readonly store: ControlPlaneStore;
  readonly agent: http.Agent;
  request(method: string, urlPath: string, options?: { body?: unknown; raw?: string | Buffer; headers?: Record<string, string> }): Promise<Reply>;
}

interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  readonly json: JsonValue;
}

/** A store (without the boot-time `default` Mesh, like the goldens' server) served on an ephemeral port. */
async function withServer(
  fn: (h: Harness) => Promise<void>,
  options: { store?: Partial<StoreOptions>; server?: Partial<ControlPlaneServerOptions> } = {},
): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), "meshops-cp-server-"));
  dirs.push(dir);
  const store = await openStore({ stateDir: dir, skipMeshCreation: true, ...options.store });
  const server = await startControlPlaneServer({ store, host: "127.0.0.1", port: 0, ...options.server });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const base = new URL(server.url);
  const request: Harness["request"] = (method, urlPath, opts = {}) =>
    new Promise((resolve, reject) => {
      const payload = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
      const headers: Record<string, string | number> = { ...opts.headers };
      if (payload !== undefined) {
        headers["content-type"] = "application/json";
        headers["content-length"] = Buffer.byteLength(payload);
      }
      const req = http.request({ host: base.hostname, port: base.port, method, path: urlPath, agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json: JsonValue = null;
          try {
            json = JSON.parse(text) as JsonValue;
          } catch {
            json = null;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      });
      req.on("error", reject);
      req.end(payload);
    });
  try {
    await fn({ url: server.url, store, agent, request });
  } finally {
    agent.destroy();
    await server.close();
    await store.close();
  }
}

// =====================================================================================================================
// Golden replay

const TESTDATA = () => path.join(kumaReferenceDir(), "pkg/api-server/testdata");
const CRUD = () => path.join(TESTDATA(), "resources/crud");

/** Kubernetes documents applied as `kubectl apply` would, through the server's Kubernetes endpoint, as one YAML stream. */
async function applyKubernetes(h: Harness, documents: readonly string[]): Promise<void> {
  const applied = await h.request("POST", "/_meshops/kubernetes", { raw: documents.join("\n---\n"), headers: { "content-type": "application/yaml" } });
  assert.equal(applied.status, 200, applied.text);
}

function golden(file: string): JsonValue {
  return JSON.parse(readFileSync(file, "utf8")) as JsonValue;
}

/** What the goldens normalize: timestamps to the zero time, the server's address to {{address}}. */
function normalize(value: JsonValue, address: string): JsonValue {
  if (Array.isArray(value)) return value.map((v) => normalize(v, address));
  if (value && typeof value === "object") {
    const out: JsonObject = {};
    for (const [key, v] of Object.entries(value)) {
      out[key] = key === "creationTime" || key === "modificationTime" ? "0001-01-01T00:00:00Z" : normalize(v, address);
    }
    return out;
  }
  return typeof value === "string" ? value.split(address).join("{{address}}") : value;
}

/** The envelope's key order as the server prints it (top level, and each list item). */
function envelopeKeys(value: JsonValue): unknown {
  if (!value || typeof value !== "object" || Array.isArray(value)) return value;
  const items = Array.isArray(value.items) ? value.items.map((i) => (i && typeof i === "object" ? Object.keys(i) : i)) : undefined;
  return { keys: Object.keys(value), items };
}

interface GoldenRequest {
  readonly path: string;
  readonly status: number;
  readonly method: string;
}

const SETUP_TYPES = ["Mesh", "MeshTrafficPermission", "MeshTimeout"];

/**
 * Replays `<name>.input.yaml`: creates its setup documents through the store (skipping types meshops does not
 * manage), then sends each `#/path status method=...` request with `<name>_NN.request.json` as body and compares the
 * reply with `<name>_NN.golden.json` (or `<name>.golden.json` for a single request).
 */
async function replay(name: string, options: { rewriteRequest?: (body: JsonObject) => JsonObject; setUpAlso?: readonly string[] } = {}): Promise<void> {
  const input = readFileSync(path.join(CRUD(), `${name}.input.yaml`), "utf8");
  const requests: GoldenRequest[] = input
    .split("\n")
    .filter((line) => line.startsWith("#/"))
    .map((line) => {
      const [urlPath = "", status = "", method] = line.slice(1).trim().split(/\s+/);
      return { path: urlPath, status: Number(status), method: method?.replace(/^method=/, "") ?? "GET" };
    });
  assert.ok(requests.length > 0, `${name}: no requests in the input file`);
  const documents = parseAllDocuments(input)
    .map((d) => d.toJS() as JsonObject | null)
    .filter((d): d is JsonObject => d !== null && typeof d === "object");
  await withServer(async (h) => {
    for (const doc of documents) {
      const type = String(doc.type);
      if (![...SETUP_TYPES, ...(options.setUpAlso ?? [])].includes(type)) continue; // e.g. Dataplane: see the header
      const outcome = await h.store.put(type, type === "Mesh" ? String(doc.name) : String(doc.mesh), String(doc.name), doc);
      assert.ok(outcome.ok, `${name}: setup ${type}/${String(doc.name)}: ${JSON.stringify(outcome)}`);
    }
    const address = new URL(h.url).host;
    for (const [i, r] of requests.entries()) {
      const nn = String(i).padStart(2, "0");
      const numbered = path.join(CRUD(), `${name}_${nn}.golden.json`);
      const goldenFile = existsSync(numbered) ? numbered : path.join(CRUD(), `${name}.golden.json`);
      const requestFile = path.join(CRUD(), `${name}_${nn}.request.json`);
      // Sent as written (put_dataplanes_05's is not JSON), unless the replay rewrites it.
      const raw = existsSync(requestFile) ? readFileSync(requestFile, "utf8") : undefined;
      const body = raw !== undefined && options.rewriteRequest ? options.rewriteRequest(JSON.parse(raw) as JsonObject) : undefined;
      const reply = await h.request(r.method, r.path, body !== undefined ? { body } : raw !== undefined ? { raw } : {});
      const what = `${name} #${nn} ${r.method} ${r.path}`;
      assert.equal(reply.status, r.status, `${what}: status (body ${reply.text})`);
      const expected = golden(goldenFile);
      const actual = normalize(reply.json, address);
      assert.deepEqual(actual, expected, `${what}: body`);
      assert.deepEqual(envelopeKeys(actual), envelopeKeys(expected), `${what}: key order`);
    }
  });
}

for (const name of [
  "put_meshes",
  "delete_meshes",
  "list_mesh",
  "list_mesh_doesnt_exist_not_found",
  "put_mtp",
  "put_meshaccesslog",
  "put_meshexternalservice",
  "put_meshmultizoneservice",
  "put_immutable_origin",
  "put_immutable_zone",
  "put_immutable_displayname",
  // A Universal Dataplane's kuma.io/workload label must be a DNS-1035 label on create (go-v2.14.3
  // pkg/api-server/resource_endpoints.go createResource): 400 "Bad Request" before the resource manager runs.
  "workload_label_validation",
]) {
  test(`golden replay: ${name}`, () => replay(name));
}

// GET /_kri/{kri} (go-v2.14.3 pkg/api-server/kri_endpoint.go): a short name no type has is kri.FromString's 400, a KRI
// of this zone naming nothing is the 404 of a GET.
for (const name of ["get_resource_by_kri_bad-request", "get_resource_by_kri_not-found"]) {
  test(`golden replay: ${name}`, () => replay(name));
}

// Kuma's tests store mtp-1 and dp-1 without computed labels (their own kri has no zone); through the API they get
// them, so the answer is the golden plus those labels, and its kri carries the zone the request names.
for (const [name, getPath] of [
  ["get_resource_by_kri", "/meshes/default/meshtrafficpermissions/mtp-1"],
  ["get_dp_by_kri", "/meshes/default/dataplanes/dp-1"],
] as const) {
  test(`golden (partial): ${name} answers the resource's GET, labels and kri aside`, async () => {
    await withServer(async (h) => {
      const input = readFileSync(path.join(CRUD(), `${name}.input.yaml`), "utf8");
      const request = input.split("\n")[0]?.slice(1).split(" ") ?? [];
      for (const doc of parseAllDocuments(input).map((d) => d.toJS() as JsonObject)) {
        assert.ok((await h.store.put(String(doc.type), String(doc.type === "Mesh" ? doc.name : doc.mesh), String(doc.name), doc)).ok);
      }
      const reply = await h.request("GET", String(request[0]));
      assert.equal(reply.status, Number(request[1]), reply.text);
      const { labels, kri, ...rest } = normalize(reply.json, new URL(h.url).host) as JsonObject;
      const { kri: goldenKri, ...expected } = golden(path.join(CRUD(), `${name}.golden.json`)) as JsonObject;
      assert.deepEqual(rest, expected);
      // The golden's own kri has no zone part; the request's (and this server's kri) has this zone's.
      assert.equal(String(request[0]).replace("/_kri/", ""), kri);
      assert.equal(String(goldenKri).split("_")[3], "");
      assert.equal((labels as JsonObject)["kuma.io/zone"], "default");
      assert.equal(reply.text, (await h.request("GET", getPath)).text);
    });
  });
}

test("GET /_kri/{kri}: a KRI of this zone finds the resource by its name part; the section part is ignored; malformed KRIs are refused as Kuma does", async () => {
  await withServer(async (h) => {
    assert.equal((await h.request("PUT", "/meshes/m", { body: { type: "Mesh", name: "m", skipCreatingInitialPolicies: ["*"] } })).status, 201);
    const timeout = (name: string) => ({ type: "MeshTimeout", mesh: "m", name, spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: "1s" } }] } });
    assert.equal((await h.request("PUT", "/meshes/m/meshtimeouts/t", { body: timeout("t") })).status, 201);
    const generator = { type: "HostnameGenerator", name: "hg-1", spec: { template: "{{ .DisplayName }}.mesh", selector: { meshService: { matchLabels: { a: "b" } } } } };
    assert.equal((await h.request("PUT", "/hostnamegenerators/hg-1", { body: generator })).status, 201);
    const problem = async (kri: string) => {
      const r = await h.request("GET", `/_kri/${encodeURIComponent(kri)}`);
      return [r.status, (r.json as JsonObject).title, (r.json as JsonObject).detail];
    };
    const notFound = [404, "Could not retrieve a resource", "Not found"];
    // Resources this zone made carry its zone in their kri, and that kri finds them.
    for (const get of ["/meshes/m/meshtimeouts/t", "/hostnamegenerators/hg-1"]) {
      const direct = await h.request("GET", get);
      const kri = String((direct.json as JsonObject).kri);
      assert.equal(kri.split("_")[3], "default", kri);
      const byKri = await h.request("GET", `/_kri/${kri}`);
      assert.equal(byKri.status, 200, `${get} ${kri}: ${byKri.text}`);
      assert.equal(byKri.text, direct.text, kri);
    }
    // A Mesh's kri has no zone part: 2.14.3 takes only a KRI whose zone part is this zone's name as this zone's own
    // (kri.IsLocallyOriginated) and looks any other up under the KDS-hashed name, so a Mesh's own kri is a 404 there.
    const mesh = await h.request("GET", "/meshes/m");
    assert.equal((mesh.json as JsonObject).kri, "kri_m____m_");
    assert.deepEqual(await problem("kri_m____m_"), notFound);
    assert.equal((await h.request("GET", "/_kri/kri_m__default__m_")).text, mesh.text);
    // Everything after the name part is the section: ignored.
    assert.equal((await h.request("GET", "/_kri/kri_mt_m_default__t_section_x")).text, (await h.request("GET", "/meshes/m/meshtimeouts/t")).text);
    assert.deepEqual(await problem("kri_mt_m_default_t"), [400, "Bad Request", 'bad request: invalid identifier string: "kri_mt_m_default_t"']);
    assert.deepEqual(await problem("kru_mt_m_default__t_"), [400, "Bad Request", "bad request: identifier must start with 'kri': \"kru_mt_m_default__t_\""]);
    assert.deepEqual(await problem("kri_zz_m_default__t_"), [400, "Bad Request", 'bad request: unknown short name of resource type: "zz"']);
    // Kinds a proxy or a zone registers (ZoneIngress, ZoneEgress, Zone) are known to Kuma: none is here, so a 404.
    for (const kri of ["kri_zi__default__zone-ingress-1_", "kri_ze__default__egress_", "kri_z____zone-1_"]) assert.deepEqual(await problem(kri), notFound, kri);
    // Secrets have no short name: not addressable.
    assert.deepEqual(await problem("kri__m_default__t_"), [400, "Bad Request", 'bad request: unknown short name of resource type: ""']);
    // Another mesh; a mesh part on a kind of no mesh; another zone (its copy would be `t-<hash>`, not `t`).
    for (const kri of ["kri_mt_other_default__t_", "kri_m_m_default__m_", "kri_hg_m_default__hg-1_", "kri_mt_m_zone-2__t_", "kri_mt_m___t_"]) {
      assert.deepEqual(await problem(kri), notFound, kri);
    }
  });
});

test("GET /_kri/{kri}: another zone's KRI, or one without a zone, names the KDS-synced copy under its hashed name", async () => {
  await withServer(async (h) => {
    assert.equal((await h.request("PUT", "/meshes/default", { body: { type: "Mesh", name: "default", skipCreatingInitialPolicies: ["*"] } })).status, 201);
    const timeout = (name: string) => ({ type: "MeshTimeout", mesh: "default", name, spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: "1s" } }] } });
    // The copies' names: mesh default, name without-namespace, no zone and no namespace (the vector of go-v2.14.3
    // pkg/api-server/kri_endpoint_test.go "should resolve globally originated resource on Zone CP"), and zone-2.
    const global = "without-namespace-c5v4498z5w4x9bcx";
    const fromZone2 = kdsHashedName("default", "t", ["zone-2"]);
    for (const name of [global, fromZone2]) assert.equal((await h.request("PUT", `/meshes/default/meshtimeouts/${name}`, { body: timeout(name) })).status, 201);
    assert.equal((await h.request("GET", "/_kri/kri_mt_default___without-namespace_")).text, (await h.request("GET", `/meshes/default/meshtimeouts/${global}`)).text);
    assert.equal((await h.request("GET", "/_kri/kri_mt_default_zone-2__t_")).text, (await h.request("GET", `/meshes/default/meshtimeouts/${fromZone2}`)).text);
    assert.equal((await h.request("GET", "/_kri/kri_mt_default_zone-3__t_")).status, 404);
  });
});

test("SERVER_RECORDED_SHORT_NAMES are the short names Kuma 2.14's GET /_resources gives those kinds, and the only ones meshops models no type for", () => {
  const theirs = (golden(path.join(TESTDATA(), "base_endpoints/_resources.golden.json")) as { resources: JsonObject[] }).resources;
  const modelled = new Set(RESOURCE_TYPES.map((t) => t.name));
  const unmodelled = Object.fromEntries(theirs.filter((r) => !modelled.has(String(r.name)) && r.shortName !== "").map((r) => [String(r.name), String(r.shortName)]));
  assert.deepEqual(unmodelled, SERVER_RECORDED_SHORT_NAMES);
});

test("kdsHashedName gives the names of go-v2.14.3 pkg/api-server/kri_endpoint_test.go (Apache-2.0)", () => {
  assert.equal(kdsHashedName("producer-policy-flow", "to-test-server", ["kuma-2", "producer-policy-flow-ns"]), "to-test-server-4cx47v8b5wcd4764");
  assert.equal(kdsHashedName("producer-policy-flow", "to-test-server", ["producer-policy-flow-ns"]), "to-test-server-5wxzc95dxv8zb244");
  assert.equal(kdsHashedName("producer-policy-flow", "to-test-server", ["zone-1", "producer-policy-flow-ns"]), "to-test-server-xw65cwcxxw4f7fvw");
  assert.equal(kdsHashedName("default", "without-namespace", []), "without-namespace-c5v4498z5w4x9bcx");
  // ShortenString: the name is cut to 236 bytes before the dash and hash.
  assert.match(kdsHashedName("m", "n".repeat(300), []), /^n{236}-[bcdfghjklmnpqrstvwxz2456789]{16}$/);
});

test("GET /_kri/{kri} on a Kubernetes zone: the name part is the display name, with the namespace part (or the system namespace) appended; a Mesh by its name", async () => {
  await withServer(
    async (h) => {
      await applyKubernetes(h, [
        "apiVersion: kuma.io/v1alpha1\nkind: Mesh\nmetadata:\n  name: m\nspec: {}",
        "apiVersion: kuma.io/v1alpha1\nkind: MeshTimeout\nmetadata:\n  name: t\n  namespace: apps\n  labels:\n    kuma.io/mesh: m\nspec:\n  to:\n    - targetRef:\n        kind: Mesh\n      default:\n        idleTimeout: 1s",
        "apiVersion: kuma.io/v1alpha1\nkind: MeshTimeout\nmetadata:\n  name: t\n  namespace: kuma-system\n  labels:\n    kuma.io/mesh: m\nspec:\n  to:\n    - targetRef:\n        kind: Mesh\n      default:\n        idleTimeout: 2s",
      ]);
      for (const [get, kri] of [
        ["/meshes/m/meshtimeouts/t.apps", "kri_mt_m_default_apps_t_"],
        ["/meshes/m/meshtimeouts/t.kuma-system", "kri_mt_m_default_kuma-system_t_"],
        // An empty namespace part is the system namespace's.
        ["/meshes/m/meshtimeouts/t.kuma-system", "kri_mt_m_default__t_"],
        ["/meshes/m", "kri_m__default__m_"],
      ]) {
        const direct = await h.request("GET", String(get));
        assert.equal(direct.status, 200, `${get}: ${direct.text}`);
        const byKri = await h.request("GET", `/_kri/${kri}`);
        assert.equal(byKri.status, 200, `${kri}: ${byKri.text}`);
        assert.equal(byKri.text, direct.text, kri);
      }
      assert.equal(((await h.request("GET", "/meshes/m/meshtimeouts/t.apps")).json as JsonObject).kri, "kri_mt_m_default_apps_t_");
      assert.equal((await h.request("GET", "/_kri/kri_mt_m_default_other_t_")).status, 404);
    },
    { store: { environment: "kubernetes" } },
  );
});

// The update's GET shows the labels the API server computes for a Dataplane: kuma.io/proxy-type among them
// (resource_labels.Compute: `set` for every proxy type, go-v2.14.3 pkg/core/resources/labels/compute.go).
test("golden replay: put_update_dataplanes (its Dataplane set up too)", () => replay("put_update_dataplanes", { setUpAlso: ["Dataplane"] }));

// The validator runs as the body is decoded, before the URL is compared with it (go-v2.14.3 rest/unmarshaller.go
// Unmarshal, then resource_endpoints.go validateResourceRequest): #04 names the missing tag, not the name that differs;
// a protobuf kind has no schema, so a wrong type is the request check's (#03, #07); a body that is not JSON is Go's
// scanner error behind "invalid Dataplane object" (#05).
test("golden replay: put_dataplanes (its Dataplane set up too)", () => replay("put_dataplanes", { setUpAlso: ["Dataplane"] }));

// The same check is in createResource only: updateResource (go-v2.14.3 pkg/api-server/resource_endpoints.go) does not
// look at the label, so a Dataplane that exists takes an invalid workload label on update.
test("kuma.io/workload: an invalid value is refused on create and taken on update, as Kuma 2.14's API server does", async () => {
  await withServer(async (h) => {
    assert.equal((await h.request("PUT", "/meshes/default", { body: { type: "Mesh", name: "default", skipCreatingInitialPolicies: ["*"] } })).status, 201);
    const dataplane = (name: string, workload: string) => ({
      type: "Dataplane",
      mesh: "default",
      name,
      labels: { "kuma.io/workload": workload },
      networking: { address: "10.1.2.1", inbound: [{ port: 1234, tags: { "kuma.io/service": "my-svc" } }] },
    });
    // A valid label value (underscores are allowed there) that is no DNS-1035 label.
    const created = await h.request("PUT", "/meshes/default/dataplanes/dp-2", { body: dataplane("dp-2", "my_workload") });
    assert.equal(created.status, 400, created.text);
    assert.match((created.json as JsonObject).detail as string, /^bad request: labels\["kuma\.io\/workload"\]: must be a valid DNS-1035 label .*: a DNS-1035 label must consist of/);
    assert.equal((await h.request("GET", "/meshes/default/dataplanes/dp-2")).status, 404, "nothing was created");

    assert.equal((await h.request("PUT", "/meshes/default/dataplanes/dp-1", { body: dataplane("dp-1", "my-workload") })).status, 201);
    const updated = await h.request("PUT", "/meshes/default/dataplanes/dp-1", { body: dataplane("dp-1", "MyWorkload") });
    assert.equal(updated.status, 200, updated.text);
    const stored = await h.request("GET", "/meshes/default/dataplanes/dp-1");
    assert.equal(((stored.json as JsonObject).labels as JsonObject)["kuma.io/workload"], "MyWorkload");
  });
});

test("golden replay (partial): put_meshservice, with appProtocol instead of the unknown field protocol", () =>
  replay("put_meshservice", {
    rewriteRequest: (body) => {
      const spec = body.spec as JsonObject;
      const ports = (spec.ports as JsonObject[]).map(({ protocol: _dropped, ...port }) => ({ ...port, appProtocol: "tcp" }));
      return { ...body, spec: { ...spec, ports } };
    },
  }));

test("golden: resource-delete_not-found, resource_mesh-not-found, resource_name-mesh", async () => {
  await withServer(async (h) => {
    assert.equal((await h.request("PUT", "/meshes/default", { body: { type: "Mesh", name: "default" } })).status, 201);
    const deleted = await h.request("DELETE", "/meshes/default/meshtrafficpermissions/missing");
    assert.equal(deleted.status, 404);
    assert.deepEqual(deleted.json, golden(path.join(TESTDATA(), "resource-delete_not-found.golden.json")));

    const body = { type: "MeshTrafficPermission", name: "x", spec: { targetRef: { kind: "Mesh" }, from: [{ targetRef: { kind: "Mesh" }, default: { action: "Allow" } }] } };
    const badNames = await h.request("PUT", "/meshes/default/meshtrafficpermissions/Bad_Name", { body: { ...body, name: "Bad_Name", mesh: "Bad Mesh" } });
    assert.equal(badNames.status, 400);
    assert.deepEqual(badNames.json, golden(path.join(TESTDATA(), "resource_name-mesh.golden.json")));

    assert.equal((await h.request("DELETE", "/meshes/default")).status, 200);
    const noMesh = await h.request("PUT", "/meshes/default/meshtrafficpermissions/x", { body });
    assert.equal(noMesh.status, 400);
    assert.deepEqual(noMesh.json, golden(path.join(TESTDATA(), "resource_mesh-not-found.golden.json")));
  });
});

test("golden: GET /_resources describes each managed type as Kuma 2.14 does", async () => {
  await withServer(async (h) => {
    const reply = await h.request("GET", "/_resources");
    assert.equal(reply.status, 200);
    const ours = (reply.json as { resources: JsonObject[] }).resources;
    const theirs = (golden(path.join(TESTDATA(), "base_endpoints/_resources.golden.json")) as { resources: JsonObject[] }).resources;
    assert.equal(ours.length, RESOURCE_TYPES.filter((t) => !t.kongMeshOnly).length, "Kuma serves every type but the Kong Mesh-only ones");
    for (const entry of ours) {
      const expected = theirs.find((t) => t.name === entry.name);
      assert.deepEqual(entry, expected, String(entry.name));
      assert.deepEqual(Object.keys(entry), Object.keys(expected ?? {}), `${String(entry.name)}: key order`);
    }
  });
});

test("golden: a read-only API answers PUT and DELETE with 405", async () => {
  await withServer(
    async (h) => {
      const put = await h.request("PUT", "/meshes/m", { body: { type: "Mesh", name: "m" } });
      assert.equal(put.status, 405);
      assert.deepEqual(put.json, golden(path.join(TESTDATA(), "resource-read-only_put.golden.json")));
      const del = await h.request("DELETE", "/meshes/default/meshtimeouts/t");
      assert.equal(del.status, 405);
      assert.deepEqual(del.json, golden(path.join(TESTDATA(), "resource-read-only_delete.golden.json")));
      assert.equal((await h.request("GET", "/meshes")).status, 200);
      const types = (await h.request("GET", "/_resources")).json as { resources: JsonObject[] };
      assert.ok(types.resources.every((t) => t.readOnly === true));
    },
    { server: { readOnly: true } },
  );
});

// =====================================================================================================================
// meshops's own checks over HTTP

test("GET / is the index, with the store's version", async () => {
  await withServer(async (h) => {
    const index = await h.request("GET", "/");
    assert.equal(index.status, 200);
    const body = index.json as JsonObject;
    assert.deepEqual(Object.keys(body), ["hostname", "product", "version", "instanceId", "clusterId", "gui"]);
    assert.equal(body.product, "Kuma");
    assert.equal(body.version, "2.14.3");
  });
  await withServer(
    async (h) => {
      const body = (await h.request("GET", "/")).json as JsonObject;
      assert.equal(body.version, "3.0.0");
      assert.equal(body.basedOnKuma, "3.0.0");
    },
    { store: { version: "3.0.0" }, server: { index: { product: "Kong Mesh", basedOnKuma: "3.0.0" } } },
  );
});

test("Mesh create over HTTP makes the defaults; 3.x makes none", async () => {
  for (const [version, expected] of [
    ["2.14.3", 4],
    ["3.0.0", 0],
  ] as const) {
    await withServer(
      async (h) => {
        assert.equal((await h.request("PUT", "/meshes/payments", { body: { type: "Mesh", name: "payments" } })).status, 201);
        let total = 0;
        for (const p of ["meshtimeouts", "meshretries", "meshcircuitbreakers"]) {
          total += Number(((await h.request("GET", `/meshes/payments/${p}`)).json as JsonObject).total);
        }
        assert.equal(total, expected, version);
      },
      { store: { version } },
    );
  }
});

test("PUT 201 then 200, DELETE 200 then 404, GET after delete 404; the Mesh delete cascades", async () => {
  await withServer(async (h) => {
    assert.equal((await h.request("PUT", "/meshes/m", { body: { type: "Mesh", name: "m", skipCreatingInitialPolicies: ["*"] } })).status, 201);
    const t = { type: "MeshTimeout", mesh: "m", name: "t", spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: "1h" } }] } };
    const first = await h.request("PUT", "/meshes/m/meshtimeouts/t", { body: t });
    assert.equal(first.status, 201);
    assert.deepEqual(first.json, {});
    assert.equal((await h.request("PUT", "/meshes/m/meshtimeouts/t", { body: t })).status, 200);

    const got = await h.request("GET", "/meshes/m/meshtimeouts/t");
    assert.equal(got.status, 200);
    const body = got.json as JsonObject;
    assert.deepEqual(((body.spec as JsonObject).to as JsonObject[])[0]?.default, { idleTimeout: "1h0m0s" });
    assert.equal(body.kri, "kri_mt_m_default__t_");
    assert.equal((body.labels as JsonObject)["kuma.io/origin"], "zone");

    assert.deepEqual((await h.request("DELETE", "/meshes/m/meshtimeouts/t")).json, {});
    const again = await h.request("DELETE", "/meshes/m/meshtimeouts/t");
    assert.equal(again.status, 404);
    assert.deepEqual(again.json, golden(path.join(TESTDATA(), "resource-delete_not-found.golden.json")));
    assert.equal((await h.request("GET", "/meshes/m/meshtimeouts/t")).status, 404);

    assert.equal((await h.request("PUT", "/meshes/m/meshtimeouts/t", { body: t })).status, 201);
    assert.equal((await h.request("DELETE", "/meshes/m")).status, 200);
    assert.equal((await h.request("GET", "/meshtimeouts")).text, '{"total":0,"items":[],"next":null}');
  });
});

test("validation errors are 400 with the error JSON and invalid_parameters naming the field", async () => {
  await withServer(async (h) => {
    await h.request("PUT", "/meshes/m", { body: { type: "Mesh", name: "m" } });
    const reply = await h.request("PUT", "/meshes/m/meshtimeouts/t", {
      body: { type: "MeshTimeout", mesh: "m", name: "t", spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimout: "1h" } }] } },
    });
    assert.equal(reply.status, 400);
    const reason = 'unknown field "idleTimout", did you mean "idleTimeout"?';
    assert.deepEqual(reply.json, {
      type: "/std-errors",
      status: 400,
      title: "Could not process a resource",
      detail: "Resource is not valid",
      invalid_parameters: [{ field: "spec.to[0].default.idleTimout", reason }],
      details: "Resource is not valid",
      causes: [{ field: "spec.to[0].default.idleTimout", message: reason }],
    });
    assert.equal((await h.request("GET", "/meshes/m/meshtimeouts/t")).status, 404);
  });
});

test("decode errors (past the schema, refused by the Go decoder) are 400 Bad Request with the unmarshaller's detail, as Kuma answers them", async () => {
  await withServer(async (h) => {
    await h.request("PUT", "/meshes/m", { body: { type: "Mesh", name: "m" } });
    const limits = (maxConnections: JsonValue) => ({
      type: "MeshCircuitBreaker",
      mesh: "m",
      name: "cb",
      spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { connectionLimits: { maxConnections } } }] },
    });
    // A negative number in a Go uint32 (rest.yaml says int32, so the schema lets it through).
    const negative = await h.request("PUT", "/meshes/m/meshcircuitbreakers/cb", { body: limits(-1) });
    const detail = 'invalid MeshCircuitBreaker object: "json: cannot unmarshal number -1 into Go struct field spec.to.default.connectionLimits.maxConnections of type uint32"';
    assert.equal(negative.status, 400);
    // The shape of golden put_dataplanes_08: title Bad Request, no invalid_parameters.
    assert.deepEqual(negative.json, { type: "/std-errors", status: 400, title: "Bad Request", detail, details: detail });
    const overflow = await h.request("PUT", "/meshes/m/meshcircuitbreakers/cb", { body: limits(2 ** 32) });
    assert.equal((overflow.json as JsonObject).detail, detail.replace("-1", "4294967296"));
    // -0, what Go's json.Marshal writes for the float -0 (YAML's -0.0, as kumactl sends it): strconv.ParseUint refuses
    // its sign, where a signed field would take it as 0.
    const negativeZero = await h.request("PUT", "/meshes/m/meshcircuitbreakers/cb", { raw: JSON.stringify(limits(0)).replace('"maxConnections":0', '"maxConnections":-0') });
    assert.equal(negativeZero.status, 400);
    assert.equal((negativeZero.json as JsonObject).detail, detail.replace("-1", "-0"));
    // A duration time.ParseDuration refuses: metav1.Duration's own error.
    const duration = await h.request("PUT", "/meshes/m/meshtimeouts/t", {
      body: { type: "MeshTimeout", mesh: "m", name: "t", spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: "fast" } }] } },
    });
    assert.equal(duration.status, 400);
    assert.deepEqual(duration.json, {
      type: "/std-errors",
      status: 400,
      title: "Bad Request",
      detail: 'invalid MeshTimeout object: "time: invalid duration \\"fast\\""',
      details: 'invalid MeshTimeout object: "time: invalid duration \\"fast\\""',
    });
    // A string where the schema says integer is the schema's error (kube-openapi, before decoding): invalid_parameters.
    const text = await h.request("PUT", "/meshes/m/meshcircuitbreakers/cb", { body: limits("many") });
    assert.equal(text.status, 400);
    assert.equal((text.json as JsonObject).title, "Could not process a resource");
    assert.deepEqual((text.json as JsonObject).invalid_parameters, [{ field: "spec.to[0].default.connectionLimits.maxConnections", reason: 'in body must be of type integer: "string"' }]);
    // Nothing was stored by any of them; the same resource with a valid value is.
    assert.equal((await h.request("GET", "/meshes/m/meshcircuitbreakers/cb")).status, 404);
    assert.equal((await h.request("PUT", "/meshes/m/meshcircuitbreakers/cb", { body: limits(10) })).status, 201);
  });
});

test("pagination: following next with size=2 visits every item once and matches total; size=2000 is the golden's 400", async () => {
  await withServer(async (h) => {
    for (const mesh of ["a", "b"]) await h.request("PUT", `/meshes/${mesh}`, { body: { type: "Mesh", name: mesh, skipCreatingInitialPolicies: ["*"] } });
    for (let i = 0; i < 7; i++) {
      const mesh = i % 2 === 0 ? "a" : "b";
      const body = { type: "MeshTrafficPermission", mesh, name: `p-${i}`, spec: { targetRef: { kind: "Mesh" }, from: [{ targetRef: { kind: "Mesh" }, default: { action: "Allow" } }] } };
      assert.equal((await h.request("PUT", `/meshes/${mesh}/meshtrafficpermissions/p-${i}`, { body })).status, 201);
    }
    for (const [start, expected] of [
      ["/meshes/a/meshtrafficpermissions?size=2", ["a/p-0", "a/p-2", "a/p-4", "a/p-6"]],
      ["/meshtrafficpermissions?size=2", ["a/p-0", "a/p-2", "a/p-4", "a/p-6", "b/p-1", "b/p-3", "b/p-5"]],
    ] as const) {
      const seen: string[] = [];
      let next: string | null = start;
      let pages = 0;
      while (next !== null) {
        const url: URL = new URL(next, h.url);
        assert.equal(url.host, new URL(h.url).host, "next is absolute, from the Host header");
        const page = (await h.request("GET", url.pathname + url.search)).json as { total: number; items: JsonObject[]; next: string | null };
        assert.equal(page.total, expected.length);
        assert.ok(page.items.length <= 2);
        seen.push(...page.items.map((i) => `${String(i.mesh)}/${String(i.name)}`));
        next = page.next;
        if (next !== null) assert.match(next, /^http:\/\/127\.0\.0\.1:\d+\/.*\?offset=\d+&size=2$/);
        pages++;
      }
      assert.deepEqual(seen, expected);
      assert.equal(pages, Math.ceil(expected.length / 2));
    }
    const tooBig = await h.request("GET", "/meshes/a/meshtrafficpermissions?size=2000");
    assert.equal(tooBig.status, 400);
    assert.deepEqual(tooBig.json, golden(path.join(CRUD(), "list_mesh_02.golden.json")));
    const zero = await h.request("GET", "/meshes?size=0");
    assert.deepEqual((zero.json as JsonObject).invalid_parameters, [{ field: "size", reason: "must be greater than 0" }]);
  });
});

test("list filters: name substring and labels", async () => {
  await withServer(async (h) => {
    await h.request("PUT", "/meshes/m", { body: { type: "Mesh", name: "m" } });
    const names = async (query: string) =>
      ((await h.request("GET", `/meshes/m/meshretries${query}`)).json as { items: JsonObject[] }).items.map((i) => i.name);
    assert.deepEqual(await names("?name=retry"), ["mesh-retry-all-m"]);
    assert.deepEqual(await names("?name=nothing"), []);
    assert.deepEqual(await names("?filter%5Blabels.kuma.io%2Fmesh%5D=m"), ["mesh-retry-all-m"]);
    assert.deepEqual(await names("?filter%5Blabels.kuma.io%2Fmesh%5D=other"), []);
    const bad = await h.request("GET", "/meshes/m/meshretries?filter%5Blabelds.x%5D=1");
    assert.equal(bad.status, 400);
    assert.deepEqual((bad.json as JsonObject).invalid_parameters, [
      { field: "/meshes/{mesh}/meshretries.filter[labelds.x]", reason: "filters are only supported on labels" },
    ]);
  });
});

test("bearer-token auth: GET / is open, everything else needs the token", async () => {
  await withServer(
    async (h) => {
      assert.equal((await h.request("GET", "/")).status, 200);
      const missing = await h.request("GET", "/meshes");
      assert.equal(missing.status, 401);
      assert.equal((missing.json as JsonObject).type, "/std-errors");
      assert.equal((missing.json as JsonObject).status, 401);
      assert.equal((await h.request("GET", "/meshes", { headers: { authorization: "Bearer wrong" } })).status, 401);
      assert.equal((await h.request("PUT", "/meshes/m", { body: { type: "Mesh", name: "m" } })).status, 401);
      assert.equal(h.store.meshExists("m"), false);
      const ok = { authorization: "Bearer s3cret" };
      assert.equal((await h.request("PUT", "/meshes/m", { body: { type: "Mesh", name: "m" }, headers: ok })).status, 201);
      assert.equal((await h.request("GET", "/meshes", { headers: ok })).status, 200);
    },
    { server: { token: "s3cret" } },
  );
});

test("bodies: bad JSON is 400 Bad Request, too large is 413, unknown routes 404, wrong methods 405", async () => {
  await withServer(
    async (h) => {
      const bad = await h.request("PUT", "/meshes/m", { raw: "{not json" });
      assert.equal(bad.status, 400);
      assert.equal((bad.json as JsonObject).title, "Bad Request");
      const big = await h.request("PUT", "/meshes/m", { raw: JSON.stringify({ type: "Mesh", name: "m", pad: "x".repeat(5000) }) });
      assert.equal(big.status, 413);
      assert.equal((big.json as JsonObject).status, 413);
      assert.equal((await h.request("GET", "/meshes/m/nosuchthings")).status, 404);
      assert.equal((await h.request("POST", "/meshes/m")).status, 405);
      assert.equal((await h.request("PUT", "/meshes")).status, 405);
      // The server still works after the 413 closed its connection.
      assert.equal((await h.request("PUT", "/meshes/m", { body: { type: "Mesh", name: "m" } })).status, 201);
    },
    { server: { maxBodyBytes: 4096 } },
  );
});

test("bad JSON: the answer says where, as Go's decoder does, and quotes none of the body (a Secret's value)", async () => {
  await withServer(async (h) => {
    assert.equal((await h.request("PUT", "/meshes/m", { body: { type: "Mesh", name: "m" } })).status, 201);
    for (const raw of [
      '{"type":"Secret","mesh":"m","name":"s","data":U0VDUkVUUExBSU43TG9uZ1ZhbHVl}',
      '{"type":"Secret","mesh":"m","name":"s","data":"U0VDUkVUUExBSU43TG9uZ1ZhbHVl",}',
      '{"type":"Secret","mesh":"m","name":"s","data":"U0VDUkVUUExBSU43TG9uZ1ZhbHVl"',
    ]) {
      const bad = await h.request("PUT", "/meshes/m/secrets/s", { raw });
      assert.equal(bad.status, 400, bad.text);
      // Go's scanner error, as the REST unmarshaller answers it (golden put_dataplanes_05): one character at most.
      assert.match((bad.json as JsonObject).detail as string, /^invalid Secret object: "(invalid character '.' |unexpected end of JSON input)/);
      for (const part of ["U0VDUkVU", "TG9uZ1ZhbHVl", "SU43"]) assert.ok(!bad.text.includes(part), `${raw}: the answer quotes "${part}": ${bad.text}`);
    }
  });
});

test("keep-alive: consecutive requests reuse one connection", async () => {
  await withServer(async (h) => {
    const sockets = new Set<unknown>();
    for (let i = 0; i < 5; i++) {
      await new Promise<void>((resolve, reject) => {
        const base = new URL(h.url);
        const req = http.request({ host: base.hostname, port: base.port, path: "/meshes", agent: h.agent }, (res) => {
          sockets.add(res.socket);
          assert.equal(res.headers.connection, "keep-alive");
          res.resume();
          res.on("end", resolve);
        });
        req.on("error", reject);
        req.end();
      });
    }
    assert.equal(sockets.size, 1);
  });
});

test("fault injection: a dropped socket and an injected status reach the client as such", async () => {
  let mode: Fault = undefined;
  await withServer(
    async (h) => {
      mode = "drop";
      await assert.rejects(h.request("GET", "/meshes"), (error: NodeJS.ErrnoException) => ["ECONNRESET", "EPIPE"].includes(error.code ?? "") || /socket hang up/.test(error.message));
      mode = 503;
      const unavailable = await h.request("GET", "/meshes");
      assert.equal(unavailable.status, 503);
      assert.equal((unavailable.json as JsonObject).status, 503);
      mode = undefined;
      assert.equal((await h.request("GET", "/meshes")).status, 200);
    },
    { server: { faults: () => mode } },
  );
});

test("concurrent PUTs are all acknowledged and all there after a restart", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "meshops-cp-server-"));
  dirs.push(dir);
  await withServer(
    async (h) => {
      await h.request("PUT", "/meshes/m", { body: { type: "Mesh", name: "m" } });
      const replies = await Promise.all(
        Array.from({ length: 64 }, (_, i) =>
          h.request("PUT", `/meshes/m/meshtimeouts/t-${i}`, {
            body: { type: "MeshTimeout", mesh: "m", name: `t-${i}`, spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: `${i + 1}m` } }] } },
          }),
        ),
      );
      assert.ok(replies.every((r) => r.status === 201));
    },
    { store: { stateDir: dir } },
  );
  await withServer(
    async (h) => {
      const page = (await h.request("GET", "/meshes/m/meshtimeouts?size=1000")).json as { total: number };
      assert.equal(page.total, 64 + 2); // plus mesh-timeout-all-m and mesh-gateways-timeout-all-m
    },
    { store: { stateDir: dir } },
  );
});

test("snis on a Kubernetes zone: a destination's SNI has the KRI's parts, the namespace before the display name (Kuma v2.14.3 docs/generated/openapi.yaml's example sni.msvc.default.zone-east.kuma-demo.myresource1.8080, Apache-2.0)", async () => {
  await withServer(
    async (h) => {
      await applyKubernetes(h, [
        "apiVersion: kuma.io/v1alpha1\nkind: Mesh\nmetadata:\n  name: default\nspec: {}",
        "apiVersion: kuma.io/v1alpha1\nkind: MeshService\nmetadata:\n  name: myresource1\n  namespace: kuma-demo\n  labels:\n    kuma.io/mesh: default\nspec:\n  selector:\n    dataplaneTags:\n      app: web\n  ports:\n    - port: 8080\n      appProtocol: http",
      ]);
      const service = await h.request("GET", "/meshes/default/meshservices/myresource1.kuma-demo");
      assert.equal(service.status, 200, service.text);
      const json = service.json as JsonObject;
      assert.equal(json.kri, "kri_msvc_default_zone-east_kuma-demo_myresource1_");
      assert.deepEqual(json.snis, [{ port: 8080, sni: "sni.msvc.default.zone-east.kuma-demo.myresource1.8080" }]);
    },
    { store: { environment: "kubernetes", zone: "zone-east" } },
  );
});
