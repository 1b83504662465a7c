/**
 * The deprecation warnings a PUT answers with, per Kuma release: each policy's `Deprecations()`
 * (pkg/plugins/policies/<type>/api/v1alpha1/deprecated.go) and `TopLevelTargetRefDeprecations`
 * (pkg/plugins/policies/core/jsonpatch/validators/validator.go) at the tags of github.com/kumahq/kuma (Apache-2.0):
 * - `'from' field is deprecated, use 'rules' instead` on MeshAccessLog, MeshCircuitBreaker, MeshRateLimit, MeshTimeout
 *   and MeshTLS since 2.10.0 (kumahq/kuma e575584, "deprecate from section in policies with rules api implemented");
 *   MeshFaultInjection's and MeshTrafficPermission's own `from` warnings since 2.14.0, before which MeshFaultInjection
 *   warned of a MeshService in `from[].targetRef.kind`, as MeshTrafficPermission still does;
 * - MeshRateLimit's status below 400 since 2.12.0; MeshLoadBalancingStrategy's hashPolicies under `loadBalancer` since 2.13.0;
 * - the top-level targetRef: 2.10 warns MeshService (use MeshSubset with the `kuma.io/service` tag) and MeshSubset;
 *   2.11 and 2.12 warn all three as "MeshSubset value"; 2.13 names the kind and adds MeshHTTPRoute;
 * - an inline OpenTelemetry endpoint (MeshAccessLog, MeshMetric, MeshTrace) since 2.14.1.
 * `meshops validate` says them (rule `deprecation`) for controlPlane.version, and the embedded control plane answers
 * them for the version it emulates (it warned only MeshTimeout's `from`, on every version).
 */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import type { JsonObject } from "../src/model/resource.js";
import { deprecationWarnings } from "../src/validate/rules/deprecations.js";
import { runCli } from "./helpers/cli.js";
import { withControlPlaneServer } from "./helpers/controlPlane.js";
import { committedRepo } from "./helpers/git.js";

const cleanups: (() => void)[] = [];
after(() => {
  for (const cleanup of cleanups) cleanup();
});

const MESH = { kind: "Mesh" };
const policy = (type: string, spec: JsonObject): JsonObject => ({ type, mesh: "default", name: "p", spec });
const said = (type: string, spec: JsonObject, version: string | undefined) => deprecationWarnings(type, policy(type, spec), version).map((w) => `${w.path}: ${w.message}`);

const FROM = "'from' field is deprecated, use 'rules' instead";
const MTP_FROM = "'from' field is deprecated and will be removed in 3.0, use 'rules' with MeshIdentity (spiffeId) instead";
const MFI_FROM = "'from' field is deprecated, use 'rules' with SPIFFE-based 'matches' instead";
const FROM_MESH_SERVICE = "MeshService value for 'from[].targetRef.kind' is deprecated, use MeshSubset with 'kuma.io/service' instead";

const mtp = { targetRef: MESH, from: [{ targetRef: { kind: "MeshService", name: "web" }, default: { action: "Allow" } }] };
const mfi = { targetRef: MESH, from: [{ targetRef: { kind: "MeshService", name: "web" }, default: { http: [{ abort: { httpStatus: 500, percentage: 50 } }] } }] };
const timeout = { targetRef: MESH, from: [{ targetRef: MESH, default: { idleTimeout: "1h" } }] };

describe("deprecation warnings follow the Kuma release", () => {
  test("the 'from' warnings: five policies on every line, MeshTrafficPermission and MeshFaultInjection from 2.14", () => {
    for (const version of ["2.10.0", "2.11.18", "2.12.0", "2.12.3", "2.13.10", "2.14.0", undefined]) {
      assert.deepEqual(said("MeshTimeout", timeout, version), [`spec.from: ${FROM}`], version);
      assert.deepEqual(said("MeshAccessLog", { targetRef: MESH, from: [{ targetRef: MESH, default: { backends: [] } }] }, version), [`spec.from: ${FROM}`], version);
    }
    for (const version of ["2.10.11", "2.13.10"]) {
      assert.deepEqual(said("MeshTrafficPermission", mtp, version), [`spec.from[0].targetRef.kind: ${FROM_MESH_SERVICE}`], version);
      assert.deepEqual(said("MeshFaultInjection", mfi, version), [`spec.from[0].targetRef.kind: ${FROM_MESH_SERVICE}`], version);
    }
    for (const version of ["2.14.0", "2.14", undefined]) {
      assert.deepEqual(said("MeshTrafficPermission", mtp, version), [`spec.from: ${MTP_FROM}`, `spec.from[0].targetRef.kind: ${FROM_MESH_SERVICE}`], version);
      assert.deepEqual(said("MeshFaultInjection", mfi, version), [`spec.from: ${MFI_FROM}`], version);
    }
  });

  test("the top-level targetRef, MeshRateLimit's status, hashPolicies and inline OpenTelemetry endpoints, by release", () => {
    const bySubset = { targetRef: { kind: "MeshSubset", tags: { a: "b" } }, to: [{ targetRef: MESH, default: { idleTimeout: "1h" } }] };
    const byService = { targetRef: { kind: "MeshService", name: "web" }, to: [{ targetRef: MESH, default: { idleTimeout: "1h" } }] };
    const byRoute = { targetRef: { kind: "MeshHTTPRoute", name: "r" }, to: [{ targetRef: MESH, default: { idleTimeout: "1h" } }] };
    const at = "spec.targetRef.kind: ";
    assert.deepEqual(said("MeshTimeout", byService, "2.10.3"), [`${at}MeshService value for 'targetRef.kind' is deprecated, use MeshSubset with 'kuma.io/service' tag instead`]);
    assert.deepEqual(said("MeshTimeout", bySubset, "2.10.3"), [`${at}MeshSubset value for 'targetRef.kind' is deprecated, use Dataplane with labels instead`]);
    assert.deepEqual(said("MeshTimeout", byService, "2.12.1"), [`${at}MeshSubset value for 'targetRef.kind' is deprecated, use Dataplane with labels instead`]);
    assert.deepEqual(said("MeshTimeout", byRoute, "2.12.1"), []);
    assert.deepEqual(said("MeshTimeout", byService, "2.13.0"), [`${at}MeshService value for 'targetRef.kind' is deprecated, use Dataplane with labels instead`]);
    assert.deepEqual(said("MeshTimeout", byRoute, "2.13.0"), [`${at}MeshHTTPRoute value for 'targetRef.kind' is deprecated, use MeshHTTPRoute in spec.to[].targetRef`]);

    const limited = { targetRef: MESH, to: [{ targetRef: MESH, default: { local: { http: { requestRate: { num: 1, interval: "1s" }, onRateLimit: { status: 200 } } } } }] };
    assert.deepEqual(said("MeshRateLimit", limited, "2.11.18"), []);
    assert.deepEqual(said("MeshRateLimit", limited, "2.12.0"), ["spec.to[0].default.local.http.onRateLimit.status: 'spec.to[0].default.local.http.requestRate.status' must be 400 or higher. Please update your configuration."]);

    const ringHash = { targetRef: MESH, to: [{ targetRef: MESH, default: { loadBalancer: { type: "RingHash", ringHash: { hashPolicies: [{ type: "SourceIP" }] } } } }] };
    const sourceIp = "spec.to[0].default.loadBalancer.ringHash.hashPolicies[0].type: SourceIP type for 'spec.to[0].default.loadBalancer.ringHash.hashPolicies[0].type' is deprecated, use Connection instead";
    assert.deepEqual(said("MeshLoadBalancingStrategy", ringHash, "2.12.14"), [sourceIp]);
    assert.deepEqual(said("MeshLoadBalancingStrategy", ringHash, "2.13.0"), [
      "spec.to[0].default.loadBalancer.ringHash.hashPolicies: configuration 'spec.to[0].default.loadBalancer.ringHash.hashPolicies' is deprecated, use 'spec.to[0].default.hashPolicies' instead",
      sourceIp,
    ]);

    const traced = { targetRef: MESH, default: { backends: [{ type: "OpenTelemetry", openTelemetry: { endpoint: "otel:4317" } }] } };
    assert.deepEqual(said("MeshTrace", traced, "2.14.0"), []);
    assert.deepEqual(said("MeshTrace", traced, "2.14.1"), [
      "spec.default.backends[0].openTelemetry.endpoint: openTelemetry.endpoint is deprecated, use openTelemetry.backendRef with a MeshOpenTelemetryBackend resource instead",
    ]);
  });

  test("the embedded control plane answers a PUT with the warnings of the release it emulates", async () => {
    const put = async (url: string, path: string, body: JsonObject) => {
      const response = await fetch(`${url}${path}`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      assert.ok(response.status < 300, `${path}: ${response.status}`);
      return ((await response.json()) as { warnings?: string[] }).warnings ?? [];
    };
    const breaker = { targetRef: MESH, from: [{ targetRef: MESH, default: { connectionLimits: { maxConnections: 2 } } }] };
    await withControlPlaneServer({ version: "2.13.10" }, async (url) => {
      assert.deepEqual(await put(url, "/meshes/default/meshcircuitbreakers/p", policy("MeshCircuitBreaker", breaker)), [FROM]);
      assert.deepEqual(await put(url, "/meshes/default/meshtrafficpermissions/p", policy("MeshTrafficPermission", mtp)), [FROM_MESH_SERVICE]);
    });
    await withControlPlaneServer({ version: "2.14.3" }, async (url) => {
      assert.deepEqual(await put(url, "/meshes/default/meshcircuitbreakers/p", policy("MeshCircuitBreaker", breaker)), [FROM]);
      assert.deepEqual(await put(url, "/meshes/default/meshtrafficpermissions/p", policy("MeshTrafficPermission", mtp)), [MTP_FROM, FROM_MESH_SERVICE]);
      assert.deepEqual(await put(url, "/meshes/default/meshtimeouts/p", policy("MeshTimeout", timeout)), [FROM]);
    });
  });
});

test("MeshGlobalRateLimit (Kong Mesh) warns of its top-level targetRef on 2.10 only: Kong Mesh 2.11.0 removed those deprecations (its CHANGELOG)", () => {
  const limit = (targetRef: JsonObject): JsonObject => ({
    targetRef,
    from: [{ targetRef: MESH, default: { backend: { rateLimitService: { url: "http://rls:10003" } }, http: { requestRate: { num: 10, interval: "1s" } } } }],
  });
  const service = limit({ kind: "MeshService", name: "web" });
  const subset = limit({ kind: "MeshSubset", tags: { app: "web" } });
  assert.deepEqual(said("MeshGlobalRateLimit", service, "2.10.11"), ["spec.targetRef.kind: MeshService value for 'targetRef.kind' is deprecated, use MeshSubset with 'kuma.io/service' tag instead"]);
  assert.deepEqual(said("MeshGlobalRateLimit", subset, "2.10.0"), ["spec.targetRef.kind: MeshSubset value for 'targetRef.kind' is deprecated, use Dataplane with labels instead"]);
  assert.deepEqual(said("MeshGlobalRateLimit", limit(MESH), "2.10.11"), []);
  for (const version of ["2.11.0", "2.12.14", "2.13.10", "2.14.3", undefined]) {
    assert.deepEqual(said("MeshGlobalRateLimit", service, version), [], version);
    assert.deepEqual(said("MeshGlobalRateLimit", subset, version), [], version);
  }
});

test("a Mesh, MeshService, MeshExternalService or MeshMultiZoneService name that is no DNS-1035 label: validate warns at the name as the control plane answers (put_meshes_04)", async () => {
  const dns1035 = (type: string, name: string) =>
    `Invalid ${type} resource name: '${name}'. It does not conform to the DNS format (RFC 1035). This is deprecated. Errors: a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`;
  const repo = committedRepo(
    {
      "meshes/team.a.yaml": "type: Mesh\nname: team.a\n",
      "meshes/plain.yaml": "type: Mesh\nname: plain\n",
      // On Kubernetes the name is the display name, the object's own (go-v2.14.3 meshservice/api/v1alpha1/deprecated.go: model.GetDisplayName).
      "services.yaml": [
        "apiVersion: kuma.io/v1alpha1\nkind: MeshService\nmetadata:\n  name: 1web\n  namespace: kuma-system\n  labels:\n    kuma.io/mesh: plain\nspec:\n  selector:\n    dataplaneTags:\n      app: web\n  ports:\n  - port: 80\n    appProtocol: http\n",
        "apiVersion: kuma.io/v1alpha1\nkind: MeshService\nmetadata:\n  name: web\n  namespace: kuma-system\n  labels:\n    kuma.io/mesh: plain\nspec:\n  selector:\n    dataplaneTags:\n      app: web\n  ports:\n  - port: 80\n    appProtocol: http\n",
      ].join("---\n"),
      // Other kinds get no such warning, a dotted name or not.
      "timeout.yaml": "type: MeshTimeout\nmesh: team.a\nname: t.x\nspec:\n  targetRef:\n    kind: Mesh\n  to:\n  - targetRef:\n      kind: Mesh\n    default:\n      idleTimeout: 1h\n",
    },
    cleanups,
  );
  const run = await runCli(["validate", "--format", "json"], repo);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  const said = (JSON.parse(run.stdout) as { diagnostics: { rule: string; file?: string; line?: number; message: string; severity: string }[] }).diagnostics
    .filter((d) => d.rule === "deprecation")
    .map((d) => `${d.severity} ${d.file}:${d.line} ${d.message}`);
  assert.deepEqual(said.sort(), [`warning meshes/team.a.yaml:2 ${dns1035("Mesh", "team.a")}`, `warning services.yaml:4 ${dns1035("MeshService", "1web")}`]);
  // The embedded control plane answers the same text, from the same rule.
  await withControlPlaneServer({ version: "2.14.3" }, async (url) => {
    const response = await fetch(`${url}/meshes/team.a`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ type: "Mesh", name: "team.a" }) });
    assert.deepEqual(((await response.json()) as { warnings?: string[] }).warnings, [dns1035("Mesh", "team.a")]);
    const external = await fetch(`${url}/meshes/team.a/meshexternalservices/1ext`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ type: "MeshExternalService", mesh: "team.a", name: "1ext", spec: { match: { type: "HostnameGenerator", port: 443, protocol: "tcp" }, endpoints: [{ address: "example.com", port: 443 }] } }),
    });
    assert.ok(external.status < 300, `${external.status} ${await external.clone().text()}`);
    assert.deepEqual(((await external.json()) as { warnings?: string[] }).warnings, [dns1035("MeshExternalService", "1ext")]);
  });
  assert.deepEqual(
    deprecationWarnings("MeshMultiZoneService", { type: "MeshMultiZoneService", mesh: "m", name: "a.b", spec: {} }).map((w) => `${w.path}: ${w.message}`),
    [`name: ${dns1035("MeshMultiZoneService", "a.b")}`],
  );
  // A name the control plane refuses is an error of the name rules, never also this warning.
  assert.deepEqual(deprecationWarnings("Mesh", { type: "Mesh", name: "Bad_Name" }), []);
  assert.deepEqual(deprecationWarnings("Mesh", { type: "Mesh", name: `a${"b".repeat(63)}` }), []);
});

test("a MeshService, MeshExternalService or MeshMultiZoneService whose name is no RFC 1123 label as an SNI: validate warns at each port, after the name's warning, as the control plane answers (put_meshservice_02)", async () => {
  const dns1035 = (type: string, name: string) =>
    `Invalid ${type} resource name: '${name}'. It does not conform to the DNS format (RFC 1035). This is deprecated. Errors: a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`;
  const sni = (type: string, port: string, name: string) => `Invalid ${type} SNI (port "${port}"): name "${name}" does not conform to RFC 1123: must not contain dots. This is deprecated.`;
  const service = { selector: { dataplaneTags: { app: "web" } }, ports: [{ port: 8081, targetPort: 80, appProtocol: "tcp" }, { name: "admin", port: 9000, appProtocol: "tcp" }] };
  const external = { match: { type: "HostnameGenerator", port: 80, protocol: "http" }, endpoints: [{ address: "httpbin.org", port: 80 }] };
  const repo = committedRepo(
    {
      "mesh.yaml": "type: Mesh\nname: default\n",
      "services.yaml": [
        `type: MeshService\nmesh: default\nname: aa.a\nspec: ${JSON.stringify(service)}\n`,
        `type: MeshExternalService\nmesh: default\nname: mes.http\nspec: ${JSON.stringify(external)}\n`,
        // A name that is a DNS-1035 label is a good SNI too: nothing to say.
        `type: MeshService\nmesh: default\nname: web\nspec: ${JSON.stringify(service)}\n`,
      ].join("---\n"),
    },
    cleanups,
  );
  const run = await runCli(["validate", "--format", "json"], repo);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  const said = (JSON.parse(run.stdout) as { diagnostics: { rule: string; file?: string; line?: number; path?: string; message: string; severity: string }[] }).diagnostics
    .filter((d) => d.rule === "deprecation")
    .map((d) => `${d.severity} ${d.file}:${d.line} ${d.path} ${d.message}`);
  assert.deepEqual(said, [
    `warning services.yaml:3 name ${dns1035("MeshService", "aa.a")}`,
    `warning services.yaml:4 spec.ports[0].port ${sni("MeshService", "8081", "aa.a")}`,
    `warning services.yaml:4 spec.ports[1].name ${sni("MeshService", "admin", "aa.a")}`,
    `warning services.yaml:8 name ${dns1035("MeshExternalService", "mes.http")}`,
    `warning services.yaml:9 spec.match.port ${sni("MeshExternalService", "80", "mes.http")}`,
  ]);
  // The embedded control plane answers the same words in the same order, from the same rule (put_meshservice_02).
  await withControlPlaneServer({ version: "2.14.3" }, async (url) => {
    await fetch(`${url}/meshes/default`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ type: "Mesh", name: "default" }) });
    const response = await fetch(`${url}/meshes/default/meshservices/aa.a`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ type: "MeshService", mesh: "default", name: "aa.a", spec: service }),
    });
    assert.ok(response.status < 300, `${response.status}`);
    assert.deepEqual(((await response.json()) as { warnings?: string[] }).warnings, [dns1035("MeshService", "aa.a"), sni("MeshService", "8081", "aa.a"), sni("MeshService", "admin", "aa.a")]);
  });
  // The name's display name on Kubernetes, and the long name of golden put_meshmultizoneservice_03.
  const long = "this-is-a-very-long-meshmultizoneservice-name-exceeding-sixty-three";
  assert.deepEqual(
    deprecationWarnings("MeshMultiZoneService", { type: "MeshMultiZoneService", mesh: "m", name: long, spec: { ports: [{ port: 8080, appProtocol: "http" }] } }).map((w) => w.message),
    [
      `Invalid MeshMultiZoneService resource name: '${long}'. It does not conform to the DNS format (RFC 1035). This is deprecated. Errors: must be no more than 63 characters`,
      `Invalid MeshMultiZoneService SNI (port "8080"): name "${long}" does not conform to RFC 1123: must be no more than 63 characters. This is deprecated.`,
    ],
  );
});
