/**
 * The embedded control plane's store: control-plane semantics (defaults, cascade, validation, server-side rewriting)
 * and durability (restart, torn journal tail, compaction, kill -9 of a writing process). Real files in a temporary
 * directory; no mocks.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import type { ControlPlaneStore, StoreOptions } from "../src/backend/store.js";
import { LocalBackend, openStore } from "../src/backend/store.js";
import { BackendError } from "../src/backend/types.js";
import { DEFAULT_POLICIES, defaultPolicyName } from "../src/kuma/defaultPolicies.js";
import type { JsonObject } from "../src/model/resource.js";

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "meshops-cp-store-"));
  dirs.push(dir);
  return dir;
}

/** A fresh store without the boot-time `default` Mesh, unless the test asks for it. */
async function freshStore(options: Partial<StoreOptions> = {}): Promise<{ store: ControlPlaneStore; dir: string }> {
  const dir = options.stateDir ?? tempDir();
  return { store: await openStore({ skipMeshCreation: true, ...options, stateDir: dir }), dir };
}

async function withStore(fn: (store: ControlPlaneStore) => Promise<void>, options: Partial<StoreOptions> = {}): Promise<void> {
  const { store } = await freshStore(options);
  try {
    await fn(store);
  } finally {
    await store.close();
  }
}

const mtp = (mesh: string, name: string, extra: JsonObject = {}): JsonObject => ({
  type: "MeshTrafficPermission",
  mesh,
  name,
  spec: { targetRef: { kind: "Mesh" }, from: [{ targetRef: { kind: "Mesh" }, default: { action: "Allow" } }] },
  ...extra,
});

/** What Kuma 2.14 (the default version) answers a MeshTrafficPermission with `from` (its deprecated.go since 2.14.0). */
const MTP_FROM_WARNINGS = ["'from' field is deprecated and will be removed in 3.0, use 'rules' with MeshIdentity (spiffeId) instead"];

const timeout = (mesh: string, name: string, defaults: JsonObject): JsonObject => ({
  type: "MeshTimeout",
  mesh,
  name,
  spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: defaults }] },
});

async function putOk(store: ControlPlaneStore, object: JsonObject): Promise<{ created: boolean; warnings: readonly string[] }> {
  const type = String(object.type);
  const name = String(object.name);
  const mesh = type === "Mesh" ? name : String(object.mesh ?? "default");
  const outcome = await store.put(type, mesh, name, object);
  assert.ok(outcome.ok, `PUT ${type}/${mesh}/${name} refused: ${JSON.stringify(outcome)}`);
  return { created: outcome.created, warnings: outcome.warnings };
}

async function names(store: ControlPlaneStore, type: string, mesh: string): Promise<string[]> {
  const outcome = await store.list(type, mesh);
  assert.ok(outcome.ok);
  return outcome.items.map((json) => String((JSON.parse(json) as JsonObject).name));
}

async function allNames(store: ControlPlaneStore, mesh: string): Promise<string[]> {
  const out: string[] = [];
  for (const type of ["MeshTimeout", "MeshRetry", "MeshCircuitBreaker", "MeshTrafficPermission"]) {
    for (const name of await names(store, type, mesh)) out.push(`${type}/${name}`);
  }
  return out.sort();
}

const FOUR_DEFAULTS = (mesh: string) =>
  [
    `MeshCircuitBreaker/mesh-circuit-breaker-all-${mesh}`,
    `MeshRetry/mesh-retry-all-${mesh}`,
    `MeshTimeout/mesh-gateways-timeout-all-${mesh}`,
    `MeshTimeout/mesh-timeout-all-${mesh}`,
  ].sort();

// =====================================================================================================================
// Default policies

test("creating a Mesh creates the four default policies with the catalogue's specs (Kuma 2.x)", async () => {
  await withStore(async (store) => {
    assert.deepEqual(await putOk(store, { type: "Mesh", name: "payments" }), { created: true, warnings: [] });
    assert.deepEqual(await allNames(store, "payments"), FOUR_DEFAULTS("payments"));
    for (const policy of DEFAULT_POLICIES) {
      const stored = await store.get(policy.type, "payments", defaultPolicyName(policy.prefix, "payments"));
      assert.ok(stored);
      assert.deepEqual(stored.spec, policy.spec());
      assert.deepEqual(stored.labels, { "kuma.io/env": "universal", "kuma.io/mesh": "payments", "kuma.io/origin": "zone", "kuma.io/zone": "default" });
    }
  });
});

test("a 3.x control plane creates no defaults and drops skipCreatingInitialPolicies", async () => {
  await withStore(
    async (store) => {
      assert.equal(store.createsDefaultPolicies, false);
      await putOk(store, { type: "Mesh", name: "m3", skipCreatingInitialPolicies: ["MeshRetry"], routing: { zoneEgress: false } });
      assert.deepEqual(await allNames(store, "m3"), []);
      const mesh = await store.get("Mesh", "m3", "m3");
      assert.ok(mesh);
      assert.equal("skipCreatingInitialPolicies" in mesh, false);
    },
    { version: "3.0.0" },
  );
});

test("skipCreatingInitialPolicies: '*' skips all, type names skip theirs, unknown names are ignored; 2.x keeps the field", async () => {
  await withStore(async (store) => {
    await putOk(store, { type: "Mesh", name: "none", skipCreatingInitialPolicies: ["*"] });
    await putOk(store, { type: "Mesh", name: "some", skipCreatingInitialPolicies: ["MeshTimeout", "MeshRetry"] });
    await putOk(store, { type: "Mesh", name: "typo", skipCreatingInitialPolicies: ["meshretry", "TrafficPermission"] });
    assert.deepEqual(await allNames(store, "none"), []);
    assert.deepEqual(await allNames(store, "some"), ["MeshCircuitBreaker/mesh-circuit-breaker-all-some"]);
    assert.deepEqual(await allNames(store, "typo"), FOUR_DEFAULTS("typo"));
    assert.deepEqual((await store.get("Mesh", "some", "some"))?.skipCreatingInitialPolicies, ["MeshTimeout", "MeshRetry"]);
  });
});

test("updating a Mesh does not (re)create defaults; a deleted default stays deleted", async () => {
  await withStore(async (store) => {
    await putOk(store, { type: "Mesh", name: "m", skipCreatingInitialPolicies: ["*"] });
    assert.deepEqual(await putOk(store, { type: "Mesh", name: "m" }), { created: false, warnings: [] });
    assert.deepEqual(await allNames(store, "m"), []);

    await putOk(store, { type: "Mesh", name: "n" });
    assert.deepEqual(await store.delete("MeshRetry", "n", "mesh-retry-all-n"), { ok: true });
    await putOk(store, { type: "Mesh", name: "n", networking: { outbound: { passthrough: true } } });
    assert.deepEqual(
      await allNames(store, "n"),
      FOUR_DEFAULTS("n").filter((n) => !n.startsWith("MeshRetry/")),
    );
  });
});

test("the boot-time default Mesh is created unless skipMeshCreation", async () => {
  const { store, dir } = await freshStore({ skipMeshCreation: false });
  try {
    assert.ok(store.meshExists("default"));
    assert.deepEqual(await allNames(store, "default"), FOUR_DEFAULTS("default"));
  } finally {
    await store.close();
  }
  await withStore(async (s) => assert.equal(s.meshExists("default"), false));
  assert.ok(existsSync(path.join(dir, "state.json")));
});

// =====================================================================================================================
// Mesh delete cascade and missing meshes

test("deleting a Mesh deletes everything in it, and a re-created Mesh starts empty but for its defaults", async () => {
  await withStore(async (store) => {
    await putOk(store, { type: "Mesh", name: "gone" });
    await putOk(store, { type: "Mesh", name: "kept" });
    await putOk(store, mtp("gone", "allow"));
    await putOk(store, mtp("kept", "allow"));
    assert.deepEqual(await store.delete("Mesh", "gone", "gone"), { ok: true });
    assert.equal(await store.get("MeshTrafficPermission", "gone", "allow"), undefined);
    const listed = await store.list("MeshTrafficPermission", undefined);
    assert.ok(listed.ok);
    assert.deepEqual(listed.items.map((j) => (JSON.parse(j) as JsonObject).mesh), ["kept"]);
    await putOk(store, { type: "Mesh", name: "gone" });
    assert.deepEqual(await allNames(store, "gone"), FOUR_DEFAULTS("gone"));
  });
});

test("a Mesh with Dataplanes in it is not deleted, as Kuma's mesh manager refuses it (ValidateNoActiveDP)", async () => {
  await withStore(async (store) => {
    await putOk(store, { type: "Mesh", name: "busy" });
    const dataplane = { type: "Dataplane", mesh: "busy", name: "web-1", networking: { address: "10.0.0.1", inbound: [{ port: 8080, tags: { "kuma.io/service": "web" } }] } };
    await putOk(store, dataplane);
    assert.deepEqual(await store.delete("Mesh", "busy", "busy"), {
      ok: false,
      problem: {
        status: 400,
        title: "Could not delete a resource",
        detail: "Resource is not valid",
        invalidParameters: [{ field: "mesh", reason: "unable to delete mesh, there are still some dataplanes attached" }],
      },
    });
    assert.ok(await store.get("Mesh", "busy", "busy"), "the Mesh is still there");
    assert.deepEqual(await store.delete("Dataplane", "busy", "web-1"), { ok: true });
    assert.deepEqual(await store.delete("Mesh", "busy", "busy"), { ok: true });
  });
});

test("in-process lists hand out the store's objects read-only: a reader cannot change what the store holds", async () => {
  const { store } = await freshStore();
  const backend = new LocalBackend(store, { ownsStore: true });
  try {
    await putOk(store, { type: "Mesh", name: "m" });
    await putOk(store, mtp("m", "allow"));
    const [listed] = await backend.list("MeshTrafficPermission", "m");
    assert.ok(listed);
    const wire = await store.list("MeshTrafficPermission", "m");
    assert.ok(wire.ok);
    // The same rendering the HTTP API answers with.
    assert.deepEqual(listed, JSON.parse(wire.items[0] ?? ""));
    const spec = listed.spec as JsonObject;
    assert.throws(() => {
      spec.targetRef = { kind: "Dataplane" };
    }, TypeError);
    assert.throws(() => {
      (listed.labels as JsonObject)["meshops.io/managed-by"] = "someone";
    }, TypeError);
    assert.deepEqual(await backend.list("MeshTrafficPermission", "m"), [listed]);
    assert.deepEqual(await store.get("MeshTrafficPermission", "m", "allow"), listed);
  } finally {
    await backend.close();
  }
});

test("a resource in a missing mesh is refused like the real server; listing it is 404", async () => {
  await withStore(async (store) => {
    assert.deepEqual(await store.put("MeshTrafficPermission", "nowhere", "p", mtp("nowhere", "p")), {
      ok: false,
      problem: {
        status: 400,
        title: "Could not create a resource",
        detail: "Mesh is not found",
        invalidParameters: [{ field: "mesh", reason: "mesh of name nowhere is not found" }],
      },
    });
    assert.deepEqual(await store.list("MeshTrafficPermission", "nowhere"), {
      ok: false,
      problem: { status: 404, title: "Failed to retrieve Mesh", detail: "Not found" },
    });
    assert.equal(await store.get("MeshTrafficPermission", "nowhere", "p"), undefined);
  });
});

// =====================================================================================================================
// PUT semantics, validation and request checks

test("PUT answers created then updated; creationTime is kept and modificationTime moves", async () => {
  let clock = Date.parse("2025-01-02T03:04:05.000Z");
  await withStore(
    async (store) => {
      await putOk(store, { type: "Mesh", name: "m" });
      clock += 1000;
      assert.deepEqual(await putOk(store, mtp("m", "p")), { created: true, warnings: MTP_FROM_WARNINGS });
      clock += 1000;
      assert.deepEqual(await putOk(store, mtp("m", "p", { labels: { team: "a" } })), { created: false, warnings: MTP_FROM_WARNINGS });
      const got = await store.get("MeshTrafficPermission", "m", "p");
      assert.equal(got?.creationTime, "2025-01-02T03:04:06.000Z");
      assert.equal(got?.modificationTime, "2025-01-02T03:04:07.000Z");
      assert.equal((got?.labels as JsonObject).team, "a");
    },
    { now: () => new Date(clock) },
  );
});

test("validation errors are 400 with invalid_parameters naming the field; schema errors come alone", async () => {
  await withStore(async (store) => {
    await putOk(store, { type: "Mesh", name: "m" });
    const typo = await store.put("MeshTimeout", "m", "t", timeout("m", "t", { idleTimout: "1h" }));
    assert.deepEqual(typo, {
      ok: false,
      problem: {
        status: 400,
        title: "Could not process a resource",
        detail: "Resource is not valid",
        invalidParameters: [{ field: "spec.to[0].default.idleTimout", reason: 'unknown field "idleTimout", did you mean "idleTimeout"?' }],
      },
    });
    const semantic = await store.put("MeshTimeout", "m", "t", timeout("m", "t", { idleTimeout: "-1s", connectionTimeout: "0s" }));
    assert.ok(!semantic.ok);
    // The validator runs in the REST unmarshaller (go-v2.14.3 rest/unmarshaller.go), answered as "Could not process a
    // resource" (golden put_dataplanes_04), not by the resource manager.
    assert.equal(semantic.problem.title, "Could not process a resource");
    assert.deepEqual(semantic.problem.invalidParameters?.map((p) => p.field).sort(), ["spec.to[0].default.connectionTimeout", "spec.to[0].default.idleTimeout"]);
    assert.equal(await store.get("MeshTimeout", "m", "t"), undefined);
  });
});

/**
 * Bytes that are not base64, in a kind the control plane checks against its schema before decoding: MeshExternalService
 * (go-v2.14.3 rest.yaml `inline: {format: byte}`; its zz_generated.resource.go builds its Validator with kube-openapi's
 * strfmt.Default, which checks `byte`) is refused by that check, a 400 with invalid_parameters naming the field, not by
 * the decoder (the 400 "Bad Request" a Secret's data gets: jsonpb, no schema). Neither says the value.
 */
test("bytes that are not base64 are a schema error in a kind the control plane schema-checks, a decode error in a Secret", async () => {
  await withStore(async (store) => {
    await putOk(store, { type: "Mesh", name: "m" });
    const inline = "not-base64";
    const external = {
      type: "MeshExternalService",
      mesh: "m",
      name: "ext",
      spec: { match: { type: "HostnameGenerator", port: 443, protocol: "tcp" }, endpoints: [{ address: "example.com", port: 443 }], tls: { enabled: true, verification: { caCert: { inline } } } },
    };
    const refused = await store.put("MeshExternalService", "m", "ext", external);
    assert.ok(!refused.ok);
    assert.deepEqual([refused.problem.title, refused.problem.detail, refused.problem.invalidParameters?.map((p) => p.field)], [
      "Could not process a resource",
      "Resource is not valid",
      ["spec.tls.verification.caCert.inline"],
    ]);
    const secret = await store.put("Secret", "m", "s", { type: "Secret", mesh: "m", name: "s", data: inline });
    assert.ok(!secret.ok);
    assert.deepEqual([secret.problem.title, secret.problem.detail], ["Bad Request", 'invalid Secret object: "illegal base64 data at input byte 3"']);
    assert.equal(JSON.stringify([refused, secret]).includes(inline), false, "the value is not said");
  });
});

test("a Secret, MeshGateway or Dataplane without mesh is refused: only a schema's default gives an omitted mesh", async () => {
  // The API server defaults only kinds with a structural schema (go-v2.14.3 pkg/core/resources/model/rest/unmarshaller.go);
  // these decode their envelope with encoding/json (rest/unversioned/resource.go), so the body's mesh stays "":
  // "mesh from the URL has to be the same as in body" (resource_endpoints.go validateResourceRequest) and "cannot be
  // empty" (meta_validator.go ValidateMesh). The embedded control plane put them in mesh default.
  await withStore(async (store) => {
    await putOk(store, { type: "Mesh", name: "default" });
    const bodies: Record<string, JsonObject> = {
      Secret: { type: "Secret", name: "token", data: "dGVzdA==" },
      MeshGateway: { type: "MeshGateway", name: "edge", selectors: [{ match: { "kuma.io/service": "edge" } }], conf: { listeners: [{ port: 8080, protocol: "HTTP" }] } },
      Dataplane: { type: "Dataplane", name: "dp-1", networking: { address: "10.1.2.1", inbound: [{ port: 1234, tags: { "kuma.io/service": "web" } }] } },
    };
    for (const [type, body] of Object.entries(bodies)) {
      const refused = await store.put(type, "default", String(body.name), body);
      assert.ok(!refused.ok, type);
      assert.deepEqual(refused.problem.invalidParameters, [
        { field: "mesh", reason: "mesh from the URL has to be the same as in body" },
        { field: "mesh", reason: "cannot be empty" },
      ], type);
      assert.equal(await store.get(type, "default", String(body.name)), undefined, type);
      assert.equal((await putOk(store, { ...body, mesh: "default" })).created, true, type);
    }
  });
});

test("request checks: URL against body, names, labels, and an omitted mesh means 'default'", async () => {
  await withStore(async (store) => {
    await putOk(store, { type: "Mesh", name: "m" });
    await putOk(store, { type: "Mesh", name: "default" });
    const mismatch = await store.put("MeshTrafficPermission", "m", "url-name", mtp("default", "body-name"));
    assert.ok(!mismatch.ok);
    assert.deepEqual(mismatch.problem.invalidParameters, [
      { field: "name", reason: "name from the URL has to be the same as in body" },
      { field: "mesh", reason: "mesh from the URL has to be the same as in body" },
    ]);
    const { mesh: _omitted, ...withoutMesh } = mtp("m", "p");
    const defaulted = await store.put("MeshTrafficPermission", "m", "p", withoutMesh);
    assert.ok(!defaulted.ok);
    assert.deepEqual(defaulted.problem.invalidParameters, [{ field: "mesh", reason: "mesh from the URL has to be the same as in body" }]);
    assert.deepEqual(await putOk(store, { ...withoutMesh }), { created: true, warnings: MTP_FROM_WARNINGS });
    assert.equal((await store.get("MeshTrafficPermission", "default", "p"))?.mesh, "default");

    const labels = await store.put("MeshTrafficPermission", "m", "q", mtp("m", "q", { labels: { "kuma.io/mesh": "other", "bad key!": "x" } }));
    assert.ok(!labels.ok);
    // validateLabels checks the mesh label before it walks every key's syntax.
    assert.deepEqual(
      labels.problem.invalidParameters?.map((p) => p.field),
      ['labels["kuma.io/mesh"]', 'labels["bad key!"]'],
    );
    const meshType = await store.put("Mesh", "x", "x", { type: "MeshTimeout", name: "x" });
    assert.ok(!meshType.ok);
    assert.deepEqual(meshType.problem.invalidParameters, [{ field: "type", reason: "type from the URL has to be the same as in body" }]);
  });
});

test("origin, zone and display-name labels are immutable on update", async () => {
  await withStore(async (store) => {
    await putOk(store, { type: "Mesh", name: "m" });
    await putOk(store, mtp("m", "p", { labels: { "kuma.io/display-name": "shown" } }));
    const changed = await store.put("MeshTrafficPermission", "m", "p", mtp("m", "p", { labels: { "kuma.io/origin": "global" } }));
    assert.ok(!changed.ok);
    assert.equal(changed.problem.title, "Could not update a resource");
    assert.deepEqual(changed.problem.invalidParameters, [
      { field: 'labels["kuma.io/origin"]', reason: 'is immutable, cannot be changed from "zone" to "global"' },
      { field: 'labels["kuma.io/zone"]', reason: 'is immutable, cannot be removed (was "default")' },
      { field: 'labels["kuma.io/display-name"]', reason: 'is immutable, cannot be removed (was "shown")' },
    ]);
  });
});

test("warnings: non-DNS-1035 Mesh names and MeshTimeout 'from'", async () => {
  await withStore(async (store) => {
    const dotted = await putOk(store, { type: "Mesh", name: "aa.a" });
    assert.equal(dotted.warnings.length, 1);
    assert.match(dotted.warnings[0] ?? "", /^Invalid Mesh resource name: 'aa\.a'\. It does not conform to the DNS format \(RFC 1035\)/);
    const from = await putOk(store, {
      type: "MeshTimeout",
      mesh: "aa.a",
      name: "t",
      spec: { targetRef: { kind: "Mesh" }, from: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: "1h" } }] },
    });
    assert.deepEqual(from.warnings, ["'from' field is deprecated, use 'rules' instead"]);
  });
});

test("warnings: an SNI warning names the port by its section, the port's name when it has one (go-v2.14.3 meshservice and meshmultizoneservice deprecated.go: port.GetName())", async () => {
  await withStore(async (store) => {
    await putOk(store, { type: "Mesh", name: "m" });
    const sni = (type: string, port: string) => `Invalid ${type} SNI (port ${port}): name "aa.a" does not conform to RFC 1123: must not contain dots. This is deprecated.`;
    const ports: JsonObject[] = [{ port: 8080, name: "admin", appProtocol: "http" }, { port: 80, appProtocol: "http" }];
    const service = await putOk(store, { type: "MeshService", mesh: "m", name: "aa.a", spec: { selector: { dataplaneTags: { app: "web" } }, ports } });
    assert.deepEqual(service.warnings.filter((w) => w.includes(" SNI ")), [sni("MeshService", '"admin"'), sni("MeshService", '"80"')]);
    // A port without a name is named by its number.
    const multi = await putOk(store, {
      type: "MeshMultiZoneService",
      mesh: "m",
      name: "aa.a",
      spec: { selector: { meshService: { matchLabels: { app: "web" } } }, ports: [{ port: 8080, appProtocol: "http" }, { port: 81, name: "grpc", appProtocol: "grpc" }] },
    });
    assert.deepEqual(multi.warnings.filter((w) => w.includes(" SNI ")), [sni("MeshMultiZoneService", '"8080"'), sni("MeshMultiZoneService", '"grpc"')]);
  });
});

test("warnings: the name checked is the display name (kuma.io/display-name), as model.GetDisplayName gives it: a Kubernetes object's own name, not name.namespace", async () => {
  await withStore(async (store) => {
    await putOk(store, { type: "Mesh", name: "m" });
    const labels = (display: string) => ({ "kuma.io/display-name": display, "k8s.kuma.io/namespace": "shop" });
    const service = await putOk(store, { type: "MeshService", mesh: "m", name: "web.shop", labels: labels("web"), spec: { selector: { dataplaneTags: { app: "web" } }, ports: [{ port: 80, name: "http", appProtocol: "http" }] } });
    assert.deepEqual(service.warnings, []);
    const long = "e".repeat(60);
    const external = await putOk(store, {
      type: "MeshExternalService",
      mesh: "m",
      name: `${long}.shop`,
      labels: labels(long),
      spec: { match: { type: "HostnameGenerator", port: 443, protocol: "tcp" }, endpoints: [{ address: "api.example.com", port: 443 }] },
    });
    assert.deepEqual(external.warnings, []);
    // Without the label, the name is the display name: still warned about.
    const bare = await putOk(store, { type: "MeshService", mesh: "m", name: "api.shop", spec: { selector: { dataplaneTags: { app: "api" } }, ports: [{ port: 80, name: "http", appProtocol: "http" }] } });
    assert.ok(bare.warnings.some((w) => w.startsWith("Invalid MeshService resource name: 'api.shop'")), bare.warnings.join("\n"));
  });
});

// =====================================================================================================================
// Server-side rewriting (the false-drift sources)

test("GET returns durations as Go prints them and schema defaults filled in, only inside objects that exist", async () => {
  await withStore(async (store) => {
    await putOk(store, { type: "Mesh", name: "m" });
    await putOk(store, timeout("m", "t", { idleTimeout: "60m", connectionTimeout: "1.5s", http: { requestTimeout: "0", streamIdleTimeout: "90s" } }));
    assert.deepEqual((await store.get("MeshTimeout", "m", "t"))?.spec, {
      targetRef: { kind: "Mesh" },
      to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: "1h0m0s", connectionTimeout: "1.5s", http: { requestTimeout: "0s", streamIdleTimeout: "1m30s" } } }],
    });
    await putOk(store, {
      type: "MeshHTTPRoute",
      mesh: "m",
      name: "r",
      spec: {
        targetRef: { kind: "Mesh" },
        to: [
          {
            targetRef: { kind: "MeshService", name: "web" },
            rules: [{ matches: [{ headers: [{ name: "x", value: "y" }] }], default: { backendRefs: [{ kind: "MeshService", name: "web" }] } }],
          },
        ],
      },
    });
    const rule = (((await store.get("MeshHTTPRoute", "m", "r"))?.spec as JsonObject).to as JsonObject[])[0]?.rules as JsonObject[];
    assert.deepEqual(rule[0], {
      matches: [{ headers: [{ name: "x", value: "y", type: "Exact" }] }],
      default: { backendRefs: [{ kind: "MeshService", name: "web", weight: 1 }] },
    });
  });
});

test("GET adds computed labels, kri and RFC 3339 timestamps, in the server's key order", async () => {
  await withStore(async (store) => {
    await putOk(store, { type: "Mesh", name: "m", labels: { team: "a" } });
    await putOk(store, mtp("m", "p", { labels: { team: "b" } }));
    const policy = await store.get("MeshTrafficPermission", "m", "p");
    assert.ok(policy);
    assert.deepEqual(Object.keys(policy), ["type", "mesh", "name", "creationTime", "modificationTime", "labels", "kri", "spec"]);
    assert.deepEqual(policy.labels, { "kuma.io/env": "universal", "kuma.io/mesh": "m", "kuma.io/origin": "zone", "kuma.io/zone": "default", team: "b" });
    assert.equal(policy.kri, "kri_mtp_m_default__p_");
    for (const field of ["creationTime", "modificationTime"]) {
      assert.match(String(policy[field]), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
    }
    const mesh = await store.get("Mesh", "m", "m");
    assert.ok(mesh);
    assert.deepEqual(Object.keys(mesh), ["type", "name", "creationTime", "modificationTime", "labels", "kri"]);
    assert.deepEqual(mesh.labels, { team: "a" }); // a Mesh gets no computed labels
    assert.equal(mesh.kri, "kri_m____m_");

    await putOk(store, { type: "MeshAccessLog", mesh: "m", name: "log", spec: { targetRef: { kind: "Mesh" }, rules: [{ default: { backends: [{ type: "File", file: { path: "/tmp/x" } }] } }] } });
    const log = await store.get("MeshAccessLog", "m", "log");
    assert.deepEqual(log?.status, {});
    assert.equal(Object.keys(log ?? {}).at(-1), "status");
  });
});

test("a Mesh comes back without proto3 zero values, with enum names and protobuf duration spelling", async () => {
  await withStore(async (store) => {
    await putOk(store, {
      type: "Mesh",
      name: "m",
      mtls: {
        enabledBackend: "",
        skipValidation: false,
        backends: [{ name: "ca-1", type: "builtin", mode: 1, dpCert: { rotation: { expiration: "1d" }, requestTimeout: "1.5s" } }],
      },
      networking: { outbound: { passthrough: false } },
      routing: { zoneEgress: false, localityAwareLoadBalancing: false },
      meshServices: { mode: "Disabled" },
      constraints: { dataplaneProxy: { requirements: [] } },
      tracing: { backends: [{ name: "z", type: "zipkin", sampling: 0, conf: { url: "http://z:9411/api/v2/spans", sharedSpanContext: false } }] },
    });
    const mesh = await store.get("Mesh", "m", "m");
    assert.ok(mesh);
    const { creationTime: _c, modificationTime: _m, ...rest } = mesh;
    assert.deepEqual(rest, {
      type: "Mesh",
      name: "m",
      kri: "kri_m____m_",
      mtls: { backends: [{ name: "ca-1", type: "builtin", mode: "PERMISSIVE", dpCert: { rotation: { expiration: "1d" }, requestTimeout: "1.500s" } }] },
      networking: { outbound: { passthrough: false } }, // a BoolValue wrapper: kept
      routing: {},
      meshServices: {},
      constraints: { dataplaneProxy: {} },
      tracing: { backends: [{ name: "z", type: "zipkin", sampling: 0, conf: { url: "http://z:9411/api/v2/spans", sharedSpanContext: false } }] },
    });
  });
});

test("a Dataplane's UInt32Value fields keep 0, as jsonpb prints a set wrapper", async () => {
  await withStore(async (store) => {
    await putOk(store, { type: "Mesh", name: "m" });
    // ReachableBackendRef.port is a *wrapperspb.UInt32Value (go-v2.14.3 api/mesh/v1alpha1/dataplane.pb.go), and the
    // validator accepts 0 (pkg/core/resources/apis/mesh/dataplane_validator.go validateTransparentProxying).
    const refs: JsonObject[] = [
      { kind: "MeshService", name: "ledger", port: 0 },
      { kind: "MeshService", name: "audit", port: "0" },
      { kind: "MeshService", name: "web" },
    ];
    await putOk(store, {
      type: "Dataplane",
      mesh: "m",
      name: "dp-1",
      networking: { address: "10.0.0.1", inbound: [{ port: 8080, tags: { "kuma.io/service": "api" } }], transparentProxying: { reachableBackends: { refs } } },
    });
    const dataplane = await store.get("Dataplane", "m", "dp-1");
    assert.deepEqual((dataplane?.networking as JsonObject | undefined)?.transparentProxying, {
      reachableBackends: {
        refs: [
          { kind: "MeshService", name: "ledger", port: 0 },
          { kind: "MeshService", name: "audit", port: 0 },
          { kind: "MeshService", name: "web" },
        ],
      },
    });
  });
});

test("a Dataplane gets the proxy labels Compute sets, whatever it was sent", async () => {
  await withStore(async (store) => {
    await putOk(store, { type: "Mesh", name: "m" });
    const inbound = [{ port: 8080, tags: { "kuma.io/service": "api" } }];
    // resource_labels.Compute (go-v2.14.3 pkg/core/resources/labels/compute.go): kuma.io/proxy-type is `set` for a
    // proxy (golden put_update_dataplanes_01: "sidecar"); kuma.io/listener-zoneingress/-zoneegress are "enabled" when
    // a listener of that type is there and deleted otherwise.
    await putOk(store, { type: "Dataplane", mesh: "m", name: "sidecar", labels: { "kuma.io/proxy-type": "gateway", "kuma.io/listener-zoneegress": "enabled" }, networking: { address: "10.0.0.1", inbound } });
    assert.deepEqual((await store.get("Dataplane", "m", "sidecar"))?.labels, {
      "kuma.io/env": "universal",
      "kuma.io/mesh": "m",
      "kuma.io/origin": "zone",
      "kuma.io/proxy-type": "sidecar",
      "kuma.io/zone": "default",
    });
    await putOk(store, {
      type: "Dataplane",
      mesh: "m",
      name: "ingress",
      networking: { address: "10.0.0.2", inbound, listeners: [{ type: "ZoneIngress", address: "10.0.0.2", port: 10001 }, { type: 2, address: "10.0.0.2", port: 10002 }] },
    });
    const labels = (await store.get("Dataplane", "m", "ingress"))?.labels as JsonObject | undefined;
    assert.equal(labels?.["kuma.io/listener-zoneingress"], "enabled");
    assert.equal(labels?.["kuma.io/listener-zoneegress"], "enabled");
    // A builtin gateway's Dataplane (networking.gateway) is a gateway proxy (inferred: GetProxyType is not in the reference).
    await putOk(store, { type: "Dataplane", mesh: "m", name: "gw", networking: { address: "10.0.0.3", gateway: { type: "BUILTIN", tags: { "kuma.io/service": "gw" } } } });
    assert.equal(((await store.get("Dataplane", "m", "gw"))?.labels as JsonObject | undefined)?.["kuma.io/proxy-type"], "gateway");
  });
});

test("an empty value of a Go omitempty field is stored as absent, as encoding/json prints it", async () => {
  await withStore(async (store) => {
    await putOk(store, { type: "Mesh", name: "m" });
    // `Ports []Port json:"ports,omitempty"` (go-v2.14.3 pkg/core/resources/apis/meshservice/api/v1alpha1/meshservice.go).
    await putOk(store, { type: "MeshService", mesh: "m", name: "web", spec: { selector: { dataplaneTags: { "kuma.io/service": "web" } }, ports: [] } });
    assert.deepEqual((await store.get("MeshService", "m", "web"))?.spec, { selector: { dataplaneTags: { "kuma.io/service": "web" } }, state: "Unavailable" });
    // HeaderMatch `Value HeaderValue json:"value,omitempty"` (api/common/v1alpha1/header.go).
    const headers: JsonObject[] = [{ type: "Present", name: "x-debug", value: "" }, { name: "x-canary", value: "true" }];
    await putOk(store, {
      type: "MeshHTTPRoute",
      mesh: "m",
      name: "route",
      spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "MeshService", name: "web" }, rules: [{ matches: [{ headers }], default: { backendRefs: [{ kind: "MeshService", name: "web" }] } }] }] },
    });
    const spec = (await store.get("MeshHTTPRoute", "m", "route"))?.spec as JsonObject;
    const rule = ((spec.to as JsonObject[])[0]?.rules as JsonObject[])[0] as JsonObject;
    assert.deepEqual((rule.matches as JsonObject[])[0]?.headers, [
      { type: "Present", name: "x-debug" },
      { name: "x-canary", value: "true", type: "Exact" },
    ]);
  });
});

// =====================================================================================================================
// LocalBackend

test("LocalBackend: same semantics in-process, refusals as BackendError with status and invalid parameters", async () => {
  const backend = await LocalBackend.open({ stateDir: tempDir(), skipMeshCreation: true });
  try {
    assert.equal((await backend.info()).product, "Kuma");
    assert.equal((await backend.info()).version, "2.14.3");
    assert.ok((await backend.types()).some((t) => t.name === "Mesh" && t.scope === "Global" && !t.readOnly));
    assert.deepEqual(await backend.put({ type: "Mesh", name: "m" }), { created: true, warnings: [] });
    assert.deepEqual(await backend.put(mtp("m", "p")), { created: true, warnings: MTP_FROM_WARNINGS });
    assert.deepEqual(await backend.put(mtp("m", "p")), { created: false, warnings: MTP_FROM_WARNINGS });
    assert.equal((await backend.list("MeshTrafficPermission", "m")).length, 1);
    assert.deepEqual((await backend.list("Mesh", "")).map((m) => m.name), ["m"]);
    assert.equal((await backend.get({ type: "MeshTrafficPermission", mesh: "m", name: "p" }))?.kri, "kri_mtp_m_default__p_");

    await assert.rejects(backend.put(timeout("m", "t", { idleTimout: "1h" })), (error: unknown) => {
      assert.ok(error instanceof BackendError);
      assert.equal(error.status, 400);
      assert.deepEqual(error.invalidParameters, [{ field: "spec.to[0].default.idleTimout", reason: 'unknown field "idleTimout", did you mean "idleTimeout"?' }]);
      assert.match(error.message, /^MeshTimeout\/m\/t: PUT failed: 400/);
      return true;
    });
    assert.deepEqual(await backend.list("MeshTrafficPermission", "nowhere"), []); // as KumaHttpBackend reads the 404
    await backend.put({ type: "Mesh", name: "other", skipCreatingInitialPolicies: ["*"] });
    await backend.put(mtp("other", "q"));
    assert.deepEqual((await backend.list("MeshTrafficPermission")).map((p) => `${String(p.mesh)}/${String(p.name)}`), ["m/p", "other/q"]);
    assert.deepEqual(await backend.delete({ type: "Mesh", mesh: "other", name: "other" }), { found: true });
    await assert.rejects(backend.put(mtp("nowhere", "p")), (error: unknown) => error instanceof BackendError && error.status === 400);

    assert.deepEqual(await backend.delete({ type: "MeshTrafficPermission", mesh: "m", name: "p" }), { found: true });
    assert.deepEqual(await backend.delete({ type: "MeshTrafficPermission", mesh: "m", name: "p" }), { found: false });
    assert.deepEqual(await backend.delete({ type: "Mesh", mesh: "m", name: "m" }), { found: true });
    assert.deepEqual(await backend.list("Mesh", ""), []);
  } finally {
    await backend.close();
  }
});

// =====================================================================================================================
// Durability

test("state survives a restart (a new store on the same directory)", async () => {
  const { store, dir } = await freshStore();
  await putOk(store, { type: "Mesh", name: "m" });
  await putOk(store, timeout("m", "t", { idleTimeout: "1h" }));
  await putOk(store, mtp("m", "gone"));
  assert.deepEqual(await store.delete("MeshTrafficPermission", "m", "gone"), { ok: true });
  const before = await store.get("MeshTimeout", "m", "t");
  await store.close();

  await withStore(
    async (reopened) => {
      assert.deepEqual(await reopened.get("MeshTimeout", "m", "t"), before);
      assert.equal(await reopened.get("MeshTrafficPermission", "m", "gone"), undefined);
      assert.deepEqual(await allNames(reopened, "m"), [...FOUR_DEFAULTS("m"), "MeshTimeout/t"].sort());
      assert.equal((await putOk(reopened, timeout("m", "t", { idleTimeout: "2h" }))).created, false);
    },
    { stateDir: dir },
  );
});

test("a second store on the same directory is refused while the first is open", async () => {
  const { store, dir } = await freshStore();
  try {
    await assert.rejects(openStore({ stateDir: dir }), /in use by another store in this process/);
  } finally {
    await store.close();
  }
  await withStore(async () => {}, { stateDir: dir });
});

test("a torn last journal record is cut off at load; leftovers of an interrupted compaction are removed", async () => {
  const { store, dir } = await freshStore();
  await putOk(store, { type: "Mesh", name: "m" });
  await store.close();
  const journal = readdirSync(dir).find((f) => f.startsWith("journal-"));
  assert.ok(journal);
  const size = statSync(path.join(dir, journal)).size;
  appendFileSync(path.join(dir, journal), '0badc0de {"ops":[{"put":{"type":"Mesh","mesh":"x","na');
  writeFileSync(path.join(dir, "state.json.tmp-1-abcd"), "{half");
  writeFileSync(path.join(dir, "journal-0.log"), "stale");

  await withStore(
    async (reopened) => {
      assert.ok(reopened.meshExists("m"));
      assert.equal(reopened.meshExists("x"), false);
      assert.equal(statSync(path.join(dir, journal)).size, size);
      // The cut bytes are kept in a copy, and the store says so.
      const copy = readdirSync(dir).find((f) => f.startsWith(`${journal}.discarded-`));
      assert.ok(copy);
      assert.equal(readFileSync(path.join(dir, copy), "utf8"), '0badc0de {"ops":[{"put":{"type":"Mesh","mesh":"x","na');
      assert.match(reopened.loadWarnings.join("\n"), /never acknowledged; it was cut off and copied/);
      assert.deepEqual(readdirSync(dir).sort(), ["LOCK", journal, copy, "state.json"].sort());
      await putOk(reopened, { type: "Mesh", name: "after" });
    },
    { stateDir: dir },
  );
  await withStore(async (again) => assert.ok(again.meshExists("after") && again.meshExists("m")), { stateDir: dir });
});

test("compaction writes a new snapshot generation and keeps every resource", async () => {
  const { store, dir } = await freshStore({ compactAfterBytes: 16 * 1024 });
  await putOk(store, { type: "Mesh", name: "m", skipCreatingInitialPolicies: ["*"] });
  await Promise.all(Array.from({ length: 300 }, (_, i) => putOk(store, timeout("m", `t-${i}`, { idleTimeout: `${i + 1}s` }))));
  await store.close();
  const snapshot = JSON.parse(readFileSync(path.join(dir, "state.json"), "utf8")) as { generation: number; resources: unknown[] };
  assert.ok(snapshot.generation > 1, `generation ${snapshot.generation}`);
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith("journal-")), [`journal-${snapshot.generation}.log`]);
  await withStore(
    async (reopened) => {
      const list = await reopened.list("MeshTimeout", "m");
      assert.ok(list.ok);
      assert.equal(list.total, 300);
      assert.deepEqual((await reopened.get("MeshTimeout", "m", "t-299"))?.spec, timeout("m", "", { idleTimeout: "5m0s" }).spec);
    },
    { stateDir: dir },
  );
});

test("a compaction's snapshot is made in many steps (no long turn at 50,000 resources), and its chunks are state.json's text", async () => {
  const { store } = await freshStore();
  await putOk(store, { type: "Mesh", name: "m", skipCreatingInitialPolicies: ["*"] });
  await Promise.all(Array.from({ length: 1_000 }, (_, i) => putOk(store, timeout("m", `t-${i}`, { idleTimeout: `${i + 1}s` }))));
  const serializing = store.serializeSnapshot(7);
  // The cut is taken when asked: a write after it is not in this snapshot.
  await putOk(store, timeout("m", "after-the-cut", { idleTimeout: "1s" }));
  let steps = 0;
  let next = serializing.next();
  for (; !next.done; next = serializing.next()) steps++;
  const text = next.value.join("");
  const parsed = JSON.parse(text) as { generation: number; resources: { name: string }[] };
  assert.equal(parsed.generation, 7);
  assert.equal(parsed.resources.length, 1_001);
  assert.ok(!parsed.resources.some((r) => r.name === "after-the-cut"));
  assert.ok(steps >= 3, `${steps} steps`);
  // One record per line, as before the chunks: `{…,"resources":[` LF records joined by `,` LF, then LF `]}` LF.
  const head = text.slice(0, text.indexOf("\n") + 1);
  assert.equal(text, `${head}${parsed.resources.map((r) => JSON.stringify(r)).join(",\n")}\n]}\n`);
  await store.close();
});

/**
 * The child writes in a loop (creates with distinct names, plus a counter updated in order) and prints each write
 * once it is acknowledged. It is killed with SIGKILL mid-stream, three times on the same directory, with a tiny
 * compaction threshold so that kills also land during compactions. Every acknowledged write must be there after.
 */
const CHILD = `
import { openStore } from ${JSON.stringify(new URL("../src/backend/store.js", import.meta.url).href)};
const [dir, round] = process.argv.slice(1);
const store = await openStore({ stateDir: dir, compactAfterBytes: 24 * 1024, skipMeshCreation: true });
const mesh = { type: "Mesh", name: "crash", skipCreatingInitialPolicies: ["*"] };
if (!store.meshExists("crash")) await store.put("Mesh", "crash", "crash", mesh);
const spec = (seconds) => ({ targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: seconds + "s" } }] });
let next = 0;
const creator = async () => {
  for (;;) {
    const n = next++;
    const name = "r" + round + "-" + n;
    const outcome = await store.put("MeshTimeout", "crash", name, { type: "MeshTimeout", mesh: "crash", name, spec: spec(n + 1) });
    if (!outcome.ok) { console.error(JSON.stringify(outcome)); process.exit(3); }
    process.stdout.write("ack " + name + " " + (n + 1) + "\\n");
  }
};
const counter = async () => {
  for (let v = Number(round) * 1000000; ; v++) {
    const outcome = await store.put("MeshTimeout", "crash", "counter", { type: "MeshTimeout", mesh: "crash", name: "counter", spec: spec(v + 1) });
    if (!outcome.ok) { console.error(JSON.stringify(outcome)); process.exit(3); }
    process.stdout.write("counter " + (v + 1) + "\\n");
  }
};
await Promise.all([creator(), creator(), creator(), counter()]);
`;

async function runAndKill(dir: string, round: number, acksBeforeKill: number): Promise<{ acked: Map<string, number>; counter: number }> {
  const child = spawn(process.execPath, ["--input-type=module", "-e", CHILD, dir, String(round)], { stdio: ["ignore", "pipe", "pipe"] });
  const acked = new Map<string, number>();
  let counter = 0;
  let buffer = "";
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (d: Buffer) => {
      buffer += d.toString();
      const lines = buffer.split("\n");
      buffer = lines.pop() ?? "";
      for (const line of lines) {
        const [kind, a, b] = line.split(" ");
        if (kind === "ack" && a !== undefined) acked.set(a, Number(b));
        if (kind === "counter") counter = Number(a);
      }
      if (acked.size >= acksBeforeKill && child.exitCode === null) {
        child.kill("SIGKILL");
        resolve();
      }
    });
    void exited.then((code) => (acked.size >= acksBeforeKill ? resolve() : reject(new Error(`child exited with ${code}: ${stderr}`))));
  });
  await exited;
  return { acked, counter };
}

test("kill -9 while writing (three times, compactions included) loses no acknowledged write", { timeout: 120_000 }, async () => {
  const dir = tempDir();
  const everything = new Map<string, number>();
  let lastCounter = 0;
  for (let round = 1; round <= 3; round++) {
    const { acked, counter } = await runAndKill(dir, round, 250 + round * 150);
    for (const [name, seconds] of acked) everything.set(name, seconds);
    lastCounter = Math.max(lastCounter, counter);
    await withStore(
      async (store) => {
        for (const [name, seconds] of everything) {
          const got = await store.get("MeshTimeout", "crash", name);
          assert.ok(got, `acknowledged ${name} is missing after round ${round}`);
          assert.deepEqual(((got.spec as JsonObject).to as JsonObject[])[0]?.default, { idleTimeout: goSeconds(seconds) });
        }
        const counterSpec = (await store.get("MeshTimeout", "crash", "counter"))?.spec as JsonObject | undefined;
        const stored = parseGoSeconds(String((((counterSpec?.to as JsonObject[]) ?? [])[0]?.default as JsonObject | undefined)?.idleTimeout));
        assert.ok(stored >= lastCounter, `counter went back from ${lastCounter} to ${stored}`);
      },
      { stateDir: dir },
    );
  }
  const generation = (JSON.parse(readFileSync(path.join(dir, "state.json"), "utf8")) as { generation: number }).generation;
  assert.ok(generation > 1, "the kills should have happened across compactions");
});

/** `90` → `1m30s`, as Go prints a duration of whole seconds. */
function goSeconds(total: number): string {
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${h}h${m}m${s}s` : m > 0 ? `${m}m${s}s` : `${s}s`;
}

function parseGoSeconds(text: string): number {
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(\d+)s$/.exec(text);
  assert.ok(match, `not a whole-second Go duration: ${text}`);
  return Number(match[1] ?? 0) * 3600 + Number(match[2] ?? 0) * 60 + Number(match[3]);
}

test("a null item of a list of strings, or null value of a map of strings, in a protobuf kind is \"\", as jsonpb reads it", async () => {
  // golang/protobuf v1.5 jsonpb/decode.go unmarshalSingularValue: json.Unmarshal of null into a Go string leaves "";
  // the envelope's labels are encoding/json's map[string]string (rest/unversioned/resource.go), the same.
  await withStore(async (store) => {
    await putOk(store, { type: "Mesh", name: "default", labels: { team: null } });
    const dataplane: JsonObject = {
      type: "Dataplane",
      mesh: "default",
      name: "dp-1",
      labels: { team: null },
      networking: {
        address: "10.1.2.1",
        inbound: [{ port: 1234, tags: { "kuma.io/service": "web" } }],
        transparentProxying: { redirectPortInbound: 15006, redirectPortOutbound: 15001, reachableServices: ["web", null], directAccessServices: [null] },
      },
    };
    await putOk(store, dataplane);
    const stored = (await store.get("Dataplane", "default", "dp-1")) ?? {};
    assert.deepEqual((stored.networking as JsonObject).transparentProxying, { redirectPortInbound: 15006, redirectPortOutbound: 15001, directAccessServices: [""], reachableServices: ["web", ""] });
    assert.equal((stored.labels as JsonObject).team, "");
    const tags = { type: "Mesh", name: "m", constraints: { dataplaneProxy: { requirements: [{ tags: { "kuma.io/zone": "east", c: null } }] } } };
    const refused = await store.put("Mesh", "m", "m", tags);
    assert.ok(!refused.ok);
    assert.deepEqual(refused.problem.invalidParameters, [{ field: 'constraints.dataplaneProxy.requirements[0].tags["c"]', reason: "tag value must be non-empty" }]);
  });
});

test("a Mesh whose type differs from the URL is refused for what the decoder or the validator meets first, the type after them", async () => {
  // createOrUpdateResource decodes and validates the body (rest.JSON.Unmarshal: jsonpb, then validator.Validate) before
  // validateResourceRequest compares its type with the URL's (go-v2.14.3 pkg/api-server/resource_endpoints.go).
  await withStore(async (store) => {
    const decode = await store.put("Mesh", "m", "m", { type: "Meshh", name: "m", networking: { outbound: { passthrough: "yes" } } });
    assert.ok(!decode.ok);
    assert.deepEqual([decode.problem.title, decode.problem.detail, decode.problem.invalidParameters], [
      "Bad Request",
      'invalid Mesh object: "json: cannot unmarshal string into Go value of type bool"',
      undefined,
    ]);
    const validator = await store.put("Mesh", "m", "m", { type: "Meshh", name: "m", logging: { backends: [{ name: "", type: "tcp", conf: { address: "kibana:1234" } }] } });
    assert.ok(!validator.ok);
    assert.deepEqual([validator.problem.title, validator.problem.invalidParameters], ["Could not process a resource", [{ field: "logging.backends[0].name", reason: "cannot be empty" }]]);
    const typeOnly = await store.put("Mesh", "m", "m", { type: "Meshh", name: "m" });
    assert.ok(!typeOnly.ok);
    assert.deepEqual(typeOnly.problem.invalidParameters, [{ field: "type", reason: "type from the URL has to be the same as in body" }]);
  });
});

test("a protobuf kind's envelope keys in another case are read as encoding/json reads them, in the body's order", async () => {
  // rest/unversioned/resource.go UnmarshalJSON: json.Unmarshal into ResourceMeta matches keys in any case, each read in
  // turn as the body has them, so the last written wins; jsonpb then drops them from the message as unknown.
  await withStore(async (store) => {
    await putOk(store, { type: "Mesh", name: "default" });
    const networking = { address: "10.1.2.1", inbound: [{ port: 1234, tags: { "kuma.io/service": "web" } }] };
    const created = await store.put("Dataplane", "default", "dp-1", { Type: "Dataplane", MESH: "default", Name: "dp-1", Labels: { team: "a" }, networking });
    assert.ok(created.ok, JSON.stringify(created));
    const stored = (await store.get("Dataplane", "default", "dp-1")) ?? {};
    assert.deepEqual([stored.type, stored.mesh, stored.name, (stored.labels as JsonObject).team, stored.Name], ["Dataplane", "default", "dp-1", "a", undefined]);
    const later = await store.put("Dataplane", "default", "dp-1", { type: "Dataplane", mesh: "default", name: "dp-1", NAME: "dp-2", networking });
    assert.ok(!later.ok);
    assert.deepEqual(later.problem.invalidParameters, [{ field: "name", reason: "name from the URL has to be the same as in body" }]);
  });
});

test("the request checks come in validateResourceRequest's order: URL against body, then the labels, then the name's own rules", async () => {
  // go-v2.14.3 pkg/api-server/resource_endpoints.go validateResourceRequest: err.AddError("labels", validateLabels), then
  // err.AddError("", core_mesh.ValidateMeta(...)).
  await withStore(async (store) => {
    await putOk(store, { type: "Mesh", name: "default" });
    const refused = await store.put("MeshTimeout", "default", "Bad_Name", { ...timeout("default", "Bad_Name", { idleTimeout: "1s" }), labels: { "bad key!": "x" } });
    assert.ok(!refused.ok);
    assert.deepEqual(refused.problem.invalidParameters?.map((p) => p.field), ['labels["bad key!"]', "name"]);
  });
});

test("a policy PUT with its labels under another case keeps them as its labels, as Kuma decodes it past the schema", async () => {
  // rest/unmarshaller.go: the schema-checked map is marshalled again (sorted keys) and decoded by encoding/json into
  // v1alpha1.Resource, whose ResourceMeta takes `Labels` as its labels.
  await withStore(async (store) => {
    await putOk(store, { type: "Mesh", name: "default" });
    const outcome = await store.put("MeshTimeout", "default", "t1", { ...timeout("default", "t1", { idleTimeout: "1s" }), Labels: { team: "a" } });
    assert.ok(outcome.ok, JSON.stringify(outcome));
    assert.equal(((await store.get("MeshTimeout", "default", "t1"))?.labels as JsonObject).team, "a");
  });
});
