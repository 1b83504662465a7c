import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_CONFIG, type RepoConfig } from "../src/config/repoConfig.js";
import { buildDesired, desiredOf } from "../src/desired/index.js";
import { MANAGED_BY_LABEL } from "../src/desired/ownership.js";
import type { JsonObject, Resource } from "../src/model/resource.js";

const mesh = (name: string, extra: JsonObject = {}): Resource => ({
  type: "Mesh",
  mesh: name,
  name,
  object: { type: "Mesh", name, ...extra },
  origin: "repository",
});

const names = (config: RepoConfig, ...resources: Resource[]) =>
  buildDesired(resources, config, { major: 2 }).resources.map((r) => `${r.type}/${r.mesh}/${r.name}`);

test("a Mesh gets the four default policies with the control plane's names", () => {
  assert.deepEqual(names(DEFAULT_CONFIG, mesh("payments")), [
    "Mesh/payments/payments",
    "MeshCircuitBreaker/payments/mesh-circuit-breaker-all-payments",
    "MeshRetry/payments/mesh-retry-all-payments",
    "MeshTimeout/payments/mesh-gateways-timeout-all-payments",
    "MeshTimeout/payments/mesh-timeout-all-payments",
  ]);
});

test("the default specs are exactly the control plane's (FACTS §1.3)", () => {
  const state = buildDesired([mesh("m")], DEFAULT_CONFIG, { major: 2 });
  const spec = (name: string) => desiredOf(state, name)?.object.spec;
  assert.deepEqual(spec("MeshTimeout/m/mesh-timeout-all-m"), {
    targetRef: { kind: "Mesh", proxyTypes: ["Sidecar"] },
    from: [
      {
        targetRef: { kind: "Mesh" },
        default: { connectionTimeout: "10s", idleTimeout: "2h0m0s", http: { requestTimeout: "0s", streamIdleTimeout: "1h0m0s", maxStreamDuration: "0s" } },
      },
    ],
    to: [{ targetRef: { kind: "Mesh" }, default: { connectionTimeout: "5s", idleTimeout: "1h0m0s", http: { requestTimeout: "15s", streamIdleTimeout: "30m0s" } } }],
  });
  assert.deepEqual(spec("MeshTimeout/m/mesh-gateways-timeout-all-m"), {
    targetRef: { kind: "Mesh", proxyTypes: ["Gateway"] },
    from: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: "5m0s", http: { streamIdleTimeout: "5s", requestHeadersTimeout: "500ms" } } }],
    to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: "1h0m0s", http: { streamIdleTimeout: "5s" } } }],
  });
  const backOff = { baseInterval: "25ms", maxInterval: "250ms" };
  assert.deepEqual(spec("MeshRetry/m/mesh-retry-all-m"), {
    targetRef: { kind: "Mesh" },
    to: [
      {
        targetRef: { kind: "Mesh" },
        default: { tcp: { maxConnectAttempt: 5 }, http: { numRetries: 5, perTryTimeout: "16s", backOff }, grpc: { numRetries: 5, perTryTimeout: "16s", backOff } },
      },
    ],
  });
  assert.deepEqual(spec("MeshCircuitBreaker/m/mesh-circuit-breaker-all-m"), {
    targetRef: { kind: "Mesh" },
    to: [{ targetRef: { kind: "Mesh" }, default: { connectionLimits: { maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 3 } } }],
  });
});

test("skipCreatingInitialPolicies: '*' skips all, type names skip theirs (MeshTimeout skips both timeouts)", () => {
  assert.deepEqual(names(DEFAULT_CONFIG, mesh("a", { skipCreatingInitialPolicies: ["*"] })), ["Mesh/a/a"]);
  assert.deepEqual(names(DEFAULT_CONFIG, mesh("b", { skipCreatingInitialPolicies: ["MeshTimeout", "MeshRetry"] })), [
    "Mesh/b/b",
    "MeshCircuitBreaker/b/mesh-circuit-breaker-all-b",
  ]);
  // Matching is exact and case-sensitive, as in the control plane.
  assert.equal(names(DEFAULT_CONFIG, mesh("c", { skipCreatingInitialPolicies: ["meshretry", "TrafficPermission"] })).length, 5);
});

test("a repository resource with a default's key overrides the default", () => {
  const own: Resource = {
    type: "MeshRetry",
    mesh: "p",
    name: "mesh-retry-all-p",
    object: { type: "MeshRetry", mesh: "p", name: "mesh-retry-all-p", spec: { targetRef: { kind: "Mesh" }, to: [] } },
    origin: "repository",
  };
  const state = buildDesired([mesh("p"), own], DEFAULT_CONFIG, { major: 2 });
  const retry = desiredOf(state, "MeshRetry/p/mesh-retry-all-p");
  assert.equal(retry?.origin, "repository");
  assert.deepEqual(retry?.object.spec, { targetRef: { kind: "Mesh" }, to: [] });
  assert.equal(state.resources.length, 5);
});

test("materialization can be turned off in meshops.yaml", () => {
  assert.deepEqual(names({ ...DEFAULT_CONFIG, defaults: { materialize: false } }, mesh("x")), ["Mesh/x/x"]);
});

test("every desired resource carries the ownership label, and repository labels are kept", () => {
  const state = buildDesired([mesh("x", { labels: { team: "core" } })], { ...DEFAULT_CONFIG, instance: "prod-sync" }, { major: 2 });
  for (const r of state.resources) assert.equal((r.object.labels as JsonObject)[MANAGED_BY_LABEL], "prod-sync");
  assert.equal((desiredOf(state, "Mesh/x")?.object.labels as JsonObject).team, "core");
});
