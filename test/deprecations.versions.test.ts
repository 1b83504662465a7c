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
import { describe, test } from "node:test";
import type { JsonObject } from "../src/model/resource.js";
import { deprecationWarnings } from "../src/validate/rules/deprecations.js";
import { withControlPlaneServer } from "./helpers/controlPlane.js";

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
