import type { JsonObject } from "../model/resource.js";

/**
 * The default policies a Kuma 2.x control plane creates with every Mesh (pkg/defaults/mesh/mesh.go, v2.7–v2.14),
 * named `<prefix>-<mesh>`, with their specs as the control plane prints them back (Go duration spelling), so that
 * what meshops materializes and what the control plane created compare equal.
 */
export interface DefaultPolicy {
  readonly prefix: string;
  /** The type name `skipCreatingInitialPolicies` must list to skip it. */
  readonly type: "MeshTimeout" | "MeshRetry" | "MeshCircuitBreaker";
  spec(): JsonObject;
}

const backOff = (): JsonObject => ({ baseInterval: "25ms", maxInterval: "250ms" });

export const DEFAULT_POLICIES: readonly DefaultPolicy[] = [
  {
    prefix: "mesh-timeout-all",
    type: "MeshTimeout",
    spec: () => ({
      targetRef: { kind: "Mesh", proxyTypes: ["Sidecar"] },
      from: [
        {
          targetRef: { kind: "Mesh" },
          default: {
            connectionTimeout: "10s",
            idleTimeout: "2h0m0s",
            http: { requestTimeout: "0s", streamIdleTimeout: "1h0m0s", maxStreamDuration: "0s" },
          },
        },
      ],
      to: [
        {
          targetRef: { kind: "Mesh" },
          default: { connectionTimeout: "5s", idleTimeout: "1h0m0s", http: { requestTimeout: "15s", streamIdleTimeout: "30m0s" } },
        },
      ],
    }),
  },
  {
    prefix: "mesh-gateways-timeout-all",
    type: "MeshTimeout",
    spec: () => ({
      targetRef: { kind: "Mesh", proxyTypes: ["Gateway"] },
      from: [
        {
          targetRef: { kind: "Mesh" },
          default: { idleTimeout: "5m0s", http: { streamIdleTimeout: "5s", requestHeadersTimeout: "500ms" } },
        },
      ],
      to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: "1h0m0s", http: { streamIdleTimeout: "5s" } } }],
    }),
  },
  {
    prefix: "mesh-retry-all",
    type: "MeshRetry",
    spec: () => ({
      targetRef: { kind: "Mesh" },
      to: [
        {
          targetRef: { kind: "Mesh" },
          default: {
            tcp: { maxConnectAttempt: 5 },
            http: { numRetries: 5, perTryTimeout: "16s", backOff: backOff() },
            grpc: { numRetries: 5, perTryTimeout: "16s", backOff: backOff() },
          },
        },
      ],
    }),
  },
  {
    prefix: "mesh-circuit-breaker-all",
    type: "MeshCircuitBreaker",
    spec: () => ({
      targetRef: { kind: "Mesh" },
      to: [
        {
          targetRef: { kind: "Mesh" },
          default: { connectionLimits: { maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 3 } },
        },
      ],
    }),
  },
];

/** Every name the control plane's skip list understands: the default policies' types, the legacy ones, and '*'. */
export const SKIPPABLE_TYPE_NAMES: readonly string[] = ["*", "MeshTimeout", "MeshRetry", "MeshCircuitBreaker", "TrafficPermission", "TrafficRoute"];

export function defaultPolicyName(prefix: string, mesh: string): string {
  return `${prefix}-${mesh}`;
}

/**
 * The default policies a Mesh's `skipCreatingInitialPolicies` leaves in (EnsureDefaultMeshResources): `*` skips all,
 * otherwise exact, case-sensitive type names.
 */
export function initialPoliciesOf(mesh: JsonObject): DefaultPolicy[] {
  const list = mesh.skipCreatingInitialPolicies;
  const skip = Array.isArray(list) ? list : [];
  if (skip.includes("*")) return [];
  return DEFAULT_POLICIES.filter((p) => !skip.includes(p.type));
}
