import type { JsonObject } from "../model/resource.js";
import { LATEST_MINOR, schemaLine } from "./versions.js";
import { isServerCreatedSecret } from "./secrets.js";

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

/**
 * The default policies per Kuma minor line (versions/<release>/pkg/defaults/mesh/ of the reference, committed under
 * test/fixtures/kuma-reference/versions/). 2.10 to 2.14 create the same four policies with the same specs: only 2.14
 * started stamping computed labels on them, which the control plane does and meshops never sends. A line whose
 * defaults differ gets its own list here; test/defaults.versions.test.ts checks every line against its Go source.
 */
const DEFAULT_POLICIES_BY_LINE: Readonly<Record<string, readonly DefaultPolicy[]>> = {
  "2.10": DEFAULT_POLICIES,
  "2.11": DEFAULT_POLICIES,
  "2.12": DEFAULT_POLICIES,
  "2.13": DEFAULT_POLICIES,
  "2.14": DEFAULT_POLICIES,
};

/** The minor line whose default policies `version` gets: its own for 2.10-2.14, the newest for 3.x or none. */
export function defaultPoliciesLine(version: string | undefined): string {
  const line = schemaLine(version);
  return "error" in line || !Object.hasOwn(DEFAULT_POLICIES_BY_LINE, line.minor) ? LATEST_MINOR : line.minor;
}

/** The default policies a Mesh gets on a control plane of `version` (controlPlane.version, or what GET / reports). */
export function defaultPoliciesFor(version: string | undefined): readonly DefaultPolicy[] {
  return DEFAULT_POLICIES_BY_LINE[defaultPoliciesLine(version)] ?? DEFAULT_POLICIES;
}

/** Every name the control plane's skip list understands: the default policies' types, the legacy ones, and '*'. */
export const SKIPPABLE_TYPE_NAMES: readonly string[] = ["*", "MeshTimeout", "MeshRetry", "MeshCircuitBreaker", "TrafficPermission", "TrafficRoute"];

export function defaultPolicyName(prefix: string, mesh: string): string {
  return `${prefix}-${mesh}`;
}

/**
 * The default policies a Mesh's `skipCreatingInitialPolicies` leaves in (EnsureDefaultMeshResources): `*` skips all,
 * otherwise exact, case-sensitive type names.
 */
export function initialPoliciesOf(mesh: JsonObject, version?: string): DefaultPolicy[] {
  const list = mesh.skipCreatingInitialPolicies;
  const skip = Array.isArray(list) ? list : [];
  if (skip.includes("*")) return [];
  return defaultPoliciesFor(version).filter((p) => !skip.includes(p.type));
}

/**
 * The HostnameGenerators a control plane creates at start unless KUMA_DEFAULTS_SKIP_HOSTNAME_GENERATORS is set
 * (pkg/defaults/hostname_generator.go, FACTS §1.6). On Kubernetes they live in the system namespace (`<name>.<namespace>`).
 */
const DEFAULT_HOSTNAME_GENERATORS = new Set([
  "synced-mesh-multi-zone-service",
  "synced-kube-mesh-service",
  "synced-headless-kube-mesh-service",
  "synced-universal-mesh-service",
  "synced-mesh-external-service",
  "local-mesh-external-service",
  "local-universal-mesh-service",
]);

/** One of the control plane's own HostnameGenerators: nobody writes it in a repository, drift and export leave it out. */
function isDefaultHostnameGenerator(object: JsonObject): boolean {
  if (object.type !== "HostnameGenerator" || typeof object.name !== "string") return false;
  const dot = object.name.indexOf(".");
  return DEFAULT_HOSTNAME_GENERATORS.has(dot === -1 ? object.name : object.name.slice(0, dot));
}

/** Anything the control plane creates for itself (its Secrets, GlobalSecrets and HostnameGenerators): the one test drift and export use. */
export function isServerCreated(object: JsonObject): boolean {
  return isServerCreatedSecret(object) || isDefaultHostnameGenerator(object);
}
