/**
 * The embedded control plane emulating an older Kuma line serves only the kinds that line has (issue 13): MeshIdentity
 * and MeshTrust came with 2.12, Workload with 2.13, MeshOpenTelemetryBackend and MeshZoneAddress with 2.14
 * (schemas/versions.json kindsIntroduced). A kind the line does not have is not in GET /_resources, and its paths do
 * not exist (404), as on that release.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import type { JsonObject } from "../src/model/resource.js";
import { withControlPlaneServer } from "./helpers/controlPlane.js";
import { tempDir } from "./helpers/git.js";

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((cleanup) => cleanup()));

const NEWER_KINDS = ["MeshIdentity", "MeshTrust", "Workload", "MeshOpenTelemetryBackend", "MeshZoneAddress"];

async function servedKinds(url: string): Promise<string[]> {
  const types = ((await (await fetch(`${url}/_resources`)).json()) as { resources: JsonObject[] }).resources;
  return types.map((t) => t.name as string).filter((name) => NEWER_KINDS.includes(name)).sort();
}

const trust = {
  type: "MeshTrust",
  mesh: "default",
  name: "t",
  spec: { caBundles: [{ type: "Pem", pem: { value: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----" } }], trustDomain: "default.mesh" },
};
const put = (url: string, body: JsonObject) => fetch(url, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

test("emulating 2.11: none of the kinds of later lines are served; their paths are 404", async () => {
  await withControlPlaneServer({ version: "2.11.4" }, async (url) => {
    assert.deepEqual(await servedKinds(url), []);
    assert.equal((await put(`${url}/meshes/default/meshtrusts/t`, trust)).status, 404);
    assert.equal((await fetch(`${url}/meshes/default/meshidentities`)).status, 404);
    assert.equal((await fetch(`${url}/meshes/default/meshtimeouts`)).status, 200, "the kinds 2.11 has are served");
  });
});

test("emulating 2.12 and 2.13: each line's own kinds appear; 2.14 and 3.x serve all of them", async () => {
  await withControlPlaneServer({ version: "2.12.0" }, async (url) => {
    assert.deepEqual(await servedKinds(url), ["MeshIdentity", "MeshTrust"]);
    assert.equal((await put(`${url}/meshes/default/meshtrusts/t`, trust)).status, 201);
    assert.equal((await fetch(`${url}/meshes/default/workloads`)).status, 404);
  });
  await withControlPlaneServer({ version: "2.13.1" }, async (url) => assert.deepEqual(await servedKinds(url), ["MeshIdentity", "MeshTrust", "Workload"]));
  for (const version of ["2.14.3", "3.0.0"]) {
    await withControlPlaneServer({ version }, async (url) => assert.deepEqual(await servedKinds(url), [...NEWER_KINDS].sort()));
  }
});

test("emulating 2.10: a field of a later line (MeshTrafficPermission rules, 2.12) is refused with a 400 naming it, as meshops validate refuses it for that line", async () => {
  const rules = { targetRef: { kind: "Mesh" }, rules: [{ default: { allow: [{ spiffeID: { type: "Exact", value: "spiffe://default/web" } }] } }] };
  const from = { targetRef: { kind: "Mesh" }, from: [{ targetRef: { kind: "Mesh" }, default: { action: "Allow" } }] };
  const mtp = (name: string, spec: JsonObject) => ({ type: "MeshTrafficPermission", mesh: "default", name, spec });
  await withControlPlaneServer({ version: "2.10.11" }, async (url) => {
    const refused = await put(`${url}/meshes/default/meshtrafficpermissions/by-rules`, mtp("by-rules", rules));
    assert.equal(refused.status, 400);
    const body = (await refused.json()) as { invalid_parameters: { field: string; reason: string }[] };
    assert.deepEqual(body.invalid_parameters.map((p) => p.field), ["spec.rules"]);
    assert.match(body.invalid_parameters[0]?.reason ?? "", /introduced in Kuma 2\.12/);
    assert.equal((await put(`${url}/meshes/default/meshtrafficpermissions/by-from`, mtp("by-from", from))).status, 201);
  });
  await withControlPlaneServer({ version: "2.12.0" }, async (url) => {
    assert.equal((await put(`${url}/meshes/default/meshtrafficpermissions/by-rules`, mtp("by-rules", rules))).status, 201);
  });
});

test("default policies: a 2.10-2.13 control plane creates them without labels, 2.14 with the computed ones", async () => {
  // Kuma v2.10.11 .. v2.13.10 pkg/defaults/mesh/mesh.go ensureDefaultResource: resManager.Create(ctx, res,
  // store.CreateBy(resourceKey)), no labels; v2.14.3's computes them (resource_labels.Compute, store.CreateWithLabels)
  // and heals older ones at boot (test/fixtures/kuma-reference/versions/*/pkg/defaults/mesh/mesh.go).
  const defaultsOf = async (url: string) => {
    assert.equal((await put(`${url}/meshes/m`, { type: "Mesh", name: "m" })).status, 201);
    const list = (await (await fetch(`${url}/meshes/m/meshtimeouts`)).json()) as { items: JsonObject[] };
    return list.items.map((item) => [item.name, item.labels]);
  };
  for (const version of ["2.10.11", "2.13.10"]) {
    await withControlPlaneServer({ version }, async (url) => {
      assert.deepEqual(await defaultsOf(url), [["mesh-gateways-timeout-all-m", undefined], ["mesh-timeout-all-m", undefined]], version);
    });
  }
  await withControlPlaneServer({ version: "2.14.3" }, async (url) => {
    const labels = { "kuma.io/env": "universal", "kuma.io/mesh": "m", "kuma.io/origin": "zone", "kuma.io/zone": "default" };
    assert.deepEqual(await defaultsOf(url), [["mesh-gateways-timeout-all-m", labels], ["mesh-timeout-all-m", labels]]);
  });
});

test("kri is in a GET from 2.13 on (FACTS 2.8, the rest.yaml files of 2.13 and 2.14): a 2.10-2.12 control plane answers without it, in a list and for one resource", async () => {
  const timeout = { type: "MeshTimeout", mesh: "default", name: "t", spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: "1h" } }] } };
  for (const [version, hasKri] of [["2.10.11", false], ["2.12.14", false], ["2.13.10", true], ["2.14.3", true]] as const) {
    await withControlPlaneServer({ version }, async (url) => {
      assert.equal((await put(`${url}/meshes/default/meshtimeouts/t`, timeout)).status, 201);
      const one = (await (await fetch(`${url}/meshes/default/meshtimeouts/t`)).json()) as JsonObject;
      const listed = ((await (await fetch(`${url}/meshes/default/meshtimeouts`)).json()) as { items: JsonObject[] }).items;
      const mesh = (await (await fetch(`${url}/meshes/default`)).json()) as JsonObject;
      for (const [what, object] of [["GET", one], ["list", listed[0] ?? {}], ["Mesh", mesh]] as const) {
        assert.equal("kri" in object, hasKri, `${version} ${what}: ${JSON.stringify(object)}`);
      }
      if (hasKri) assert.equal(one.kri, "kri_mt_default_default__t_");
    });
  }
});

test("snis is in a GET of a MeshService from 2.14 on (only 2.14's rest.yaml has it), one entry per port sorted by port ascending, a named port's SNI ending in its name (go-v2.14.3 rest/v1alpha1/resource.go computeSNIs)", async () => {
  const service: JsonObject = { type: "MeshService", mesh: "default", name: "web", spec: { selector: { dataplaneTags: { app: "web" } }, ports: [{ port: 8080, name: "admin", appProtocol: "http" }, { port: 80, appProtocol: "http" }] } };
  for (const [version, hasSnis] of [["2.13.10", false], ["2.14.3", true]] as const) {
    await withControlPlaneServer({ version }, async (url) => {
      assert.equal((await put(`${url}/meshes/default/meshservices/web`, service)).status, 201);
      const one = (await (await fetch(`${url}/meshes/default/meshservices/web`)).json()) as JsonObject;
      assert.equal("snis" in one, hasSnis, `${version}: ${JSON.stringify(one)}`);
      if (hasSnis) assert.deepEqual(one.snis, [{ port: 80, sni: "sni.msvc.default.default.web.80" }, { port: 8080, sni: "sni.msvc.default.default.web.admin" }]);
    });
  }
});

test("snis is left out of a GET of a MeshService without ports, as computeSNIs gives nil for no sections and the field is omitempty (go-v2.14.3 rest/v1alpha1/resource.go)", async () => {
  await withControlPlaneServer({ version: "2.14.3" }, async (url) => {
    const specs: [string, JsonObject][] = [
      ["no-ports", { selector: { dataplaneTags: { app: "web" } } }],
      ["empty-ports", { selector: { dataplaneTags: { app: "web" } }, ports: [] }],
    ];
    for (const [name, spec] of specs) {
      assert.equal((await put(`${url}/meshes/default/meshservices/${name}`, { type: "MeshService", mesh: "default", name, spec })).status, 201, name);
      const one = (await (await fetch(`${url}/meshes/default/meshservices/${name}`)).json()) as JsonObject;
      assert.equal(one.kri, `kri_msvc_default_default__${name}_`, name);
      assert.equal("snis" in one, false, `${name}: ${JSON.stringify(one)}`);
    }
  });
});

test("immutable labels are checked on update from 2.13 on (FACTS 2.5): a 2.10-2.12 control plane takes a changed or removed kuma.io/display-name, 2.13 refuses it", async () => {
  const timeout = (labels: JsonObject) => ({ type: "MeshTimeout", mesh: "default", name: "t", labels, spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: "1h" } }] } });
  const path = "meshes/default/meshtimeouts/t";
  for (const version of ["2.10.11", "2.12.14"]) {
    await withControlPlaneServer({ version }, async (url) => {
      assert.equal((await put(`${url}/${path}`, timeout({ "kuma.io/display-name": "a" }))).status, 201, version);
      assert.equal((await put(`${url}/${path}`, timeout({ "kuma.io/display-name": "b" }))).status, 200, version);
      assert.equal(((await (await fetch(`${url}/${path}`)).json()) as { labels: JsonObject }).labels["kuma.io/display-name"], "b", version);
      assert.equal((await put(`${url}/${path}`, timeout({}))).status, 200, version);
      assert.equal("kuma.io/display-name" in ((await (await fetch(`${url}/${path}`)).json()) as { labels: JsonObject }).labels, false, version);
    });
  }
  await withControlPlaneServer({ version: "2.13.10" }, async (url) => {
    assert.equal((await put(`${url}/${path}`, timeout({ "kuma.io/display-name": "a" }))).status, 201);
    const changed = await put(`${url}/${path}`, timeout({ "kuma.io/display-name": "b" }));
    assert.equal(changed.status, 400);
    const body = (await changed.json()) as { title: string; invalid_parameters: { field: string; reason: string }[] };
    assert.equal(body.title, "Could not update a resource");
    assert.deepEqual(body.invalid_parameters, [{ field: 'labels["kuma.io/display-name"]', reason: 'is immutable, cannot be changed from "a" to "b"' }]);
    assert.equal((await put(`${url}/${path}`, timeout({}))).status, 400);
  });
});

test("a 2.14 control plane started on a 2.13 one's state heals the labels of the default policies that exist, recreating none (EnsureDefaultMeshResourcesUpToDate, v2.14.3 pkg/defaults/mesh/mesh.go; FACTS 1.1, 1.4, 1.6)", async () => {
  const stateDir = tempDir("meshops-cp-heal-", cleanups);
  const list = async (url: string, path: string) => ((await (await fetch(`${url}/meshes/m/${path}`)).json()) as { items: JsonObject[] }).items;
  const labelsOf = async (url: string) => [...(await list(url, "meshtimeouts")), ...(await list(url, "meshretries")), ...(await list(url, "meshcircuitbreakers"))].map((i) => [i.name, i.labels]);
  let created: JsonObject | undefined;
  let healedAt: unknown;
  await withControlPlaneServer({ version: "2.13.10", stateDir }, async (url) => {
    assert.equal((await put(`${url}/meshes/m`, { type: "Mesh", name: "m" })).status, 201);
    assert.equal((await fetch(`${url}/meshes/m/meshretries/mesh-retry-all-m`, { method: "DELETE" })).status, 200);
    created = (await list(url, "meshtimeouts"))[0];
    assert.equal(created?.labels, undefined);
  });
  // KUMA_DEFAULTS_SKIP_MESH_CREATION skips the healing as well.
  await withControlPlaneServer({ version: "2.14.3", stateDir, skipMeshCreation: true }, async (url) => {
    assert.deepEqual(await labelsOf(url), [["mesh-gateways-timeout-all-m", undefined], ["mesh-timeout-all-m", undefined], ["mesh-circuit-breaker-all-m", undefined]]);
  });
  await withControlPlaneServer({ version: "2.14.3", stateDir }, async (url) => {
    const labels = { "kuma.io/env": "universal", "kuma.io/mesh": "m", "kuma.io/origin": "zone", "kuma.io/zone": "default" };
    assert.deepEqual(await labelsOf(url), [["mesh-gateways-timeout-all-m", labels], ["mesh-timeout-all-m", labels], ["mesh-circuit-breaker-all-m", labels]]);
    const healed = (await list(url, "meshtimeouts"))[0];
    assert.equal(healed?.creationTime, created?.creationTime);
    assert.deepEqual(healed?.spec, created?.spec);
    healedAt = healed?.modificationTime;
    assert.notEqual(healedAt, created?.modificationTime, "healing is an update");
  });
  // Labels that are right already are left alone: a second start writes nothing.
  await withControlPlaneServer({ version: "2.14.3", stateDir }, async (url) => assert.equal((await list(url, "meshtimeouts"))[0]?.modificationTime, healedAt));
});

test("GET /_kri/{kri} is served from 2.13 on; before, the path is an unknown route", async () => {
  for (const [version, served] of [["2.12.14", false], ["2.13.10", true], ["2.14.3", true]] as const) {
    await withControlPlaneServer({ version }, async (url) => {
      const res = await fetch(`${url}/_kri/kri_m__default__default_`);
      const body = (await res.json()) as { type?: string; name?: string; detail?: string };
      if (served) assert.deepEqual([res.status, body.type, body.name], [200, "Mesh", "default"], version);
      else assert.deepEqual([res.status, body.detail], [404, "no route for /_kri/kri_m__default__default_"], version);
    });
  }
});

// go-v2.14.3 pkg/api-server/kri_endpoint.go getCoreName gives a cluster-scoped kind (Mesh, MeshGateway) its bare name on
// Kubernetes; 2.13's (v2.13.0 to v2.13.10) appends the namespace to every kind, so a Mesh is never found by KRI there.
test("GET /_kri/{kri} on a Kubernetes zone: a Mesh is found from 2.14 on, a 404 on 2.13", async () => {
  for (const [version, status] of [["2.13.10", 404], ["2.14.3", 200]] as const) {
    await withControlPlaneServer({ version, environment: "kubernetes", skipMeshCreation: true }, async (url) => {
      const applied = await fetch(`${url}/_meshops/kubernetes`, { method: "POST", body: "apiVersion: kuma.io/v1alpha1\nkind: Mesh\nmetadata:\n  name: m\n", headers: { "content-type": "application/yaml" } });
      assert.equal(applied.status, 200, await applied.text());
      assert.equal((await fetch(`${url}/meshes/m`)).status, 200, version);
      assert.equal((await fetch(`${url}/_kri/kri_m__default__m_`)).status, status, version);
    });
  }
});
