import assert from "node:assert/strict";
import { test } from "node:test";
import { parse } from "yaml";
import { MANAGED_BY_LABEL } from "../src/desired/ownership.js";
import { exportRepository, type ExportOptions } from "../src/export/repository.js";
import { DEFAULT_POLICIES, defaultPolicyName } from "../src/kuma/defaultPolicies.js";
import type { JsonObject } from "../src/model/resource.js";

/** The pure half of `meshops export`: live objects (as a control plane returns them) in, files out. */
const OWNED = { [MANAGED_BY_LABEL]: "meshops" };
const options: ExportOptions = { layout: "by-mesh", shape: "universal", instance: "meshops", adopt: false };
const kuma = (version: string) => ({ info: { product: "Kuma", version }, unreadKinds: new Map([["Dataplane", 0], ["TrafficPermission", 2], ["ProxyTemplate", undefined]]) });

/** A Mesh and the default policies a 2.x control plane created with it, owned and with server fields. */
function meshWithDefaults(mesh: string, skip: string[] = []): JsonObject[] {
  const server = { creationTime: "2026-01-01T00:00:00Z", modificationTime: "2026-01-01T00:00:00Z" };
  const out: JsonObject[] = [{ type: "Mesh", name: mesh, labels: { ...OWNED }, ...server }];
  for (const policy of DEFAULT_POLICIES) {
    if (skip.includes(policy.type)) continue;
    out.push({ type: policy.type, mesh, name: defaultPolicyName(policy.prefix, mesh), labels: { ...OWNED, "kuma.io/mesh": mesh, "kuma.io/origin": "zone" }, spec: policy.spec(), ...server });
  }
  return out;
}

const doc = (files: ReadonlyMap<string, string>, file: string): JsonObject => {
  const text = files.get(file);
  assert.ok(text !== undefined, `${file} among ${[...files.keys()].join(", ")}`);
  return parse(text) as JsonObject;
};

test("server fields, computed labels and the ownership label are stripped; identical defaults are left out; secrets and synced resources are not written", () => {
  const live: JsonObject[] = [
    ...meshWithDefaults("shop"),
    { type: "MeshTimeout", mesh: "shop", name: "api", labels: { ...OWNED, team: "a" }, spec: { targetRef: { kind: "Mesh" } }, kri: "kri_mt_shop_default__api_" },
    { type: "MeshTimeout", mesh: "shop", name: "from-global", labels: { "kuma.io/origin": "global" }, spec: { targetRef: { kind: "Mesh" } } },
    { type: "Secret", mesh: "shop", name: "token", data: "c2VjcmV0" },
  ];
  const { files, summary } = exportRepository(live, kuma("2.14.3"), options);
  assert.deepEqual([...files.keys()], ["meshes/shop/mesh.yaml", "meshes/shop/meshtimeouts/api.yaml", "meshops.yaml"]);
  assert.deepEqual(doc(files, "meshes/shop/mesh.yaml"), { type: "Mesh", name: "shop" });
  assert.deepEqual(doc(files, "meshes/shop/meshtimeouts/api.yaml"), { type: "MeshTimeout", mesh: "shop", name: "api", labels: { team: "a" }, spec: { targetRef: { kind: "Mesh" } } });
  assert.equal(summary.defaultPolicies, 4);
  assert.equal(summary.secrets, 1);
  assert.deepEqual(summary.synced, ["MeshTimeout/shop/from-global"]);
  // Secrets are managed: one left out for want of a recipient is counted above, never named a kind meshops does not
  // manage. Of those, a kind the control plane holds none of is not named; one it would not list is.
  assert.deepEqual(summary.notExported, [
    { type: "ProxyTemplate", count: undefined },
    { type: "TrafficPermission", count: 2 },
  ]);
  assert.ok(![...files.values()].some((text) => text.includes("c2VjcmV0")), "no secret value is written");
  assert.deepEqual(doc(files, "meshops.yaml"), { instance: "meshops", controlPlane: { version: "2.14.3", product: "kuma", skipDefaultMeshCreation: true }, defaults: { materialize: true } });
});

test("a default policy that was edited is written (it overrides the materialized one)", () => {
  const live = meshWithDefaults("shop");
  const retry = live.find((o) => o.type === "MeshRetry") as JsonObject;
  retry.spec = { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { tcp: { maxConnectAttempt: 1 } } }] };
  const { files, summary } = exportRepository(live, kuma("2.14.3"), options);
  assert.ok(files.has("meshes/shop/meshretries/mesh-retry-all-shop.yaml"));
  assert.equal(summary.defaultPolicies, 3);
});

test("a Mesh missing a default policy: on 2.x materialization is turned off and every default is a file", () => {
  const live = meshWithDefaults("shop").filter((o) => o.type !== "MeshCircuitBreaker");
  const { files, summary } = exportRepository(live, kuma("2.13.2"), options);
  assert.equal(summary.materializeDefaults, false);
  assert.equal(summary.defaultPolicies, 0);
  assert.equal((doc(files, "meshops.yaml").defaults as JsonObject).materialize, false);
  assert.ok(files.has("meshes/shop/meshretries/mesh-retry-all-shop.yaml"));
});

test("a Mesh missing a default policy on 3.x: its skip list names the missing type (3.x never stores it), the rest stay materialized", () => {
  const live = meshWithDefaults("shop").filter((o) => o.type !== "MeshCircuitBreaker");
  const { files, summary } = exportRepository(live, kuma("3.0.1"), options);
  assert.equal(summary.materializeDefaults, true);
  assert.equal(summary.defaultPolicies, 3);
  assert.deepEqual(doc(files, "meshes/shop/mesh.yaml"), { type: "Mesh", name: "shop", skipCreatingInitialPolicies: ["MeshCircuitBreaker"] });
});

test("unowned resources go under unmanaged/ (excluded), or into the repository with adopt; a CP-made default mesh means skipDefaultMeshCreation false", () => {
  const live: JsonObject[] = [
    { type: "Mesh", name: "default" },
    { type: "MeshTimeout", mesh: "default", name: "mine", labels: { ...OWNED }, spec: { targetRef: { kind: "Mesh" } } },
    { type: "MeshTimeout", mesh: "default", name: "theirs", labels: { [MANAGED_BY_LABEL]: "other-team" }, spec: { targetRef: { kind: "Mesh" } } },
  ];
  const plain = exportRepository(live, kuma("2.14.3"), { ...options, layout: "by-type" });
  assert.deepEqual([...plain.files.keys()], ["meshops.yaml", "meshtimeouts/default/mine.yaml", "unmanaged/meshes/default.yaml", "unmanaged/meshtimeouts/default/theirs.yaml"]);
  assert.deepEqual(doc(plain.files, "meshops.yaml"), {
    instance: "meshops",
    controlPlane: { version: "2.14.3", product: "kuma", skipDefaultMeshCreation: false },
    defaults: { materialize: true },
    exclude: ["unmanaged/**"],
  });
  assert.equal((doc(plain.files, "unmanaged/meshtimeouts/default/theirs.yaml").labels as JsonObject)[MANAGED_BY_LABEL], "other-team", "kept as it is");
  assert.deepEqual(plain.summary.unmanaged, ["Mesh/default"]);
  assert.deepEqual(plain.summary.otherInstances, [{ instance: "other-team", resources: ["MeshTimeout/default/theirs"] }]);

  // Another instance's resource stays under unmanaged/ even with adopt: owning it would make the two instances take
  // it from each other at every apply (Argo CD refuses to adopt what another Application tracks).
  const adopted = exportRepository(live, kuma("2.14.3"), { ...options, layout: "flat", adopt: true });
  assert.deepEqual([...adopted.files.keys()], ["meshes/default.yaml", "meshops.yaml", "unmanaged/meshes/default.yaml"]);
  assert.equal((doc(adopted.files, "meshops.yaml").controlPlane as JsonObject).skipDefaultMeshCreation, true);
  assert.deepEqual(adopted.summary.adopted, ["Mesh/default"]);
  assert.deepEqual(adopted.summary.unmanaged, []);
  assert.deepEqual(adopted.summary.otherInstances, [{ instance: "other-team", resources: ["MeshTimeout/default/theirs"] }]);
});

test("another meshops instance's resources stay under unmanaged/, with or without adopt, counted by owning instance", () => {
  const live: JsonObject[] = [
    { type: "Mesh", name: "shop", labels: { ...OWNED } },
    { type: "MeshTimeout", mesh: "shop", name: "by-hand", spec: { targetRef: { kind: "Mesh" } } },
    { type: "MeshTimeout", mesh: "shop", name: "b1", labels: { [MANAGED_BY_LABEL]: "team-b" }, spec: { targetRef: { kind: "Mesh" } } },
    { type: "MeshRetry", mesh: "shop", name: "b2", labels: { [MANAGED_BY_LABEL]: "team-b" }, spec: { targetRef: { kind: "Mesh" } } },
    { type: "MeshTimeout", mesh: "shop", name: "c1", labels: { [MANAGED_BY_LABEL]: "team-c" }, spec: { targetRef: { kind: "Mesh" } } },
  ];
  for (const adopt of [false, true]) {
    const { files, summary } = exportRepository(live, kuma("2.14.3"), { ...options, layout: "by-type", adopt });
    const theirs = ["unmanaged/meshretries/shop/b2.yaml", "unmanaged/meshtimeouts/shop/b1.yaml", "unmanaged/meshtimeouts/shop/c1.yaml"];
    for (const file of theirs) assert.ok(files.has(file), `${file} among ${[...files.keys()].join(", ")} (adopt ${adopt})`);
    assert.equal(files.has("unmanaged/meshtimeouts/shop/by-hand.yaml"), !adopt);
    assert.equal(files.has("meshtimeouts/shop/by-hand.yaml"), adopt);
    assert.deepEqual(doc(files, "meshops.yaml").exclude, ["unmanaged/**"]);
    assert.deepEqual(summary.otherInstances, [
      { instance: "team-b", resources: ["MeshTimeout/shop/b1", "MeshRetry/shop/b2"] },
      { instance: "team-c", resources: ["MeshTimeout/shop/c1"] },
    ]);
    assert.deepEqual(summary.adopted, adopt ? ["MeshTimeout/shop/by-hand"] : []);
    assert.deepEqual(summary.unmanaged, adopt ? [] : ["MeshTimeout/shop/by-hand"]);
  }
});

test("resources of a mesh the repository does not define name it under externalMeshes; Kong Mesh is recognized; odd names make safe file names", () => {
  const live: JsonObject[] = [
    { type: "Mesh", name: "ext" },
    { type: "MeshTimeout", mesh: "ext", name: "a/b..c", labels: { ...OWNED }, spec: { targetRef: { kind: "Mesh" } } },
  ];
  const { files, summary } = exportRepository(live, { info: { product: "Kong Mesh", version: "2.14.1", basedOnKuma: "2.14.3" }, unreadKinds: new Map() }, options);
  assert.ok(files.has("meshes/ext/meshtimeouts/a_b..c.yaml"), [...files.keys()].join(", "));
  assert.deepEqual(summary.config, { version: "2.14.3", product: "kong-mesh", skipDefaultMeshCreation: true, externalMeshes: ["ext"] });
});

test("--shape kubernetes: a Universal-named resource gets no namespace (its name stays its identity); a namespaced one keeps its own", () => {
  const live: JsonObject[] = [
    { type: "Mesh", name: "shop", labels: { ...OWNED } },
    { type: "MeshTimeout", mesh: "shop", name: "plain", labels: { ...OWNED }, spec: { targetRef: { kind: "Mesh" } } },
    { type: "MeshTimeout", mesh: "shop", name: "api.team-a", labels: { ...OWNED, "kuma.io/display-name": "api", "k8s.kuma.io/namespace": "team-a" }, spec: { targetRef: { kind: "Mesh" } } },
  ];
  const { files } = exportRepository(live, kuma("2.14.3"), { ...options, shape: "kubernetes" });
  assert.deepEqual(doc(files, "meshes/shop/meshtimeouts/plain.yaml").metadata, { name: "plain", labels: { "kuma.io/mesh": "shop" } });
  assert.deepEqual(doc(files, "meshes/shop/meshtimeouts/api.team-a.yaml").metadata, { name: "api", namespace: "team-a", labels: { "kuma.io/mesh": "shop" } });
  assert.deepEqual(doc(files, "meshes/shop/mesh.yaml"), { apiVersion: "kuma.io/v1alpha1", kind: "Mesh", metadata: { name: "shop" }, spec: {} });
});

test("from a Kubernetes zone, a kuma.io/display-name that is the object's own name (Mesh, MeshGateway: cluster-scoped) is not written; another is the user's and kept", () => {
  const display = (name: string) => ({ ...OWNED, "kuma.io/display-name": name });
  const gateway = { selectors: [{ match: { "kuma.io/service": "edge" } }], conf: { listeners: [{ port: 80, protocol: "HTTP" }] } };
  const live: JsonObject[] = [
    { type: "Mesh", name: "shop", labels: display("shop") },
    { type: "MeshGateway", mesh: "shop", name: "edge", labels: { ...display("edge"), "kuma.io/mesh": "shop", team: "a" }, ...gateway },
    { type: "MeshGateway", mesh: "shop", name: "shown", labels: { ...display("other"), "kuma.io/mesh": "shop" }, ...gateway },
  ];
  const universal = exportRepository(live, kuma("2.14.3"), options).files;
  assert.deepEqual(doc(universal, "meshes/shop/mesh.yaml"), { type: "Mesh", name: "shop" });
  assert.deepEqual(doc(universal, "meshes/shop/meshgateways/edge.yaml").labels, { team: "a" });
  assert.deepEqual(doc(universal, "meshes/shop/meshgateways/shown.yaml").labels, { "kuma.io/display-name": "other" });
  const kubernetes = exportRepository(live, kuma("2.14.3"), { ...options, shape: "kubernetes" }).files;
  assert.deepEqual(doc(kubernetes, "meshes/shop/mesh.yaml").metadata, { name: "shop" });
  assert.deepEqual(doc(kubernetes, "meshes/shop/meshgateways/edge.yaml").metadata, { name: "edge", labels: { team: "a" } });
});

test("with adopt, the default policies left out (materialized) that meshops did not own count as adopted: the next apply labels them too", () => {
  const unowned = (object: JsonObject): JsonObject => {
    const labels = { ...(object.labels as JsonObject) };
    delete labels[MANAGED_BY_LABEL];
    return { ...object, labels };
  };
  // A Mesh made by hand, with the defaults the control plane made for it; and one meshops owns already.
  const live = [...meshWithDefaults("legacy").map(unowned), ...meshWithDefaults("shop")];
  const { summary } = exportRepository(live, kuma("2.14.3"), { ...options, adopt: true });
  assert.equal(summary.defaultPolicies, 8);
  assert.deepEqual(summary.adopted, [
    "Mesh/legacy",
    "MeshTimeout/legacy/mesh-timeout-all-legacy",
    "MeshTimeout/legacy/mesh-gateways-timeout-all-legacy",
    "MeshRetry/legacy/mesh-retry-all-legacy",
    "MeshCircuitBreaker/legacy/mesh-circuit-breaker-all-legacy",
  ]);
  assert.equal(summary.adoptedDefaultPolicies, 4);
});
