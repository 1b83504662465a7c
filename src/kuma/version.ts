/**
 * What changes with the Kuma version a control plane runs. One place for the CLI, the daemon and the embedded control
 * plane, so meshops never shapes a resource for one version and emulates another.
 */
import type { Resource } from "../model/resource.js";

/** The version the embedded control plane behaves as unless told otherwise. */
export const DEFAULT_KUMA_VERSION = "2.14.3";

/** What a control plane says of its version (GET /): Kong Mesh reports its own and the Kuma one it is based on. */
export interface VersionInfo {
  readonly version?: string;
  readonly basedOnKuma?: string;
}

/**
 * The Kuma major version to target: the server's own answer when there is one, else the version the repository's
 * meshops.yaml names (`controlPlane.version`), else 2.
 */
export function kumaMajor(info: VersionInfo | undefined, configured: string | undefined): number {
  // Kong Mesh versions follow the Kuma versions they are built on, and also say so in basedOnKuma.
  const version = info?.basedOnKuma ?? info?.version ?? configured ?? "2";
  const match = /^v?(\d+)/.exec(version.trim());
  return match ? Number(match[1]) : 2;
}

/**
 * Kuma 3.x creates no default policies with a new Mesh and dropped `skipCreatingInitialPolicies` (kumahq/kuma#18661):
 * "accepted, ignored and dropped on the next write".
 */
export function createsDefaultPolicies(major: number): boolean {
  return major < 3;
}

/**
 * A resource as a control plane of this major version stores it. On 3.x `skipCreatingInitialPolicies` is never
 * sent: the server would drop it and every plan would show it as a change. meshops still materializes the default
 * policies the repository wants, so a 3.x control plane gets them from meshops instead.
 */
export function forTargetVersion(resource: Resource, major: number): Resource {
  if (createsDefaultPolicies(major) || resource.type !== "Mesh" || !("skipCreatingInitialPolicies" in resource.object)) return resource;
  const { skipCreatingInitialPolicies: _dropped, ...object } = resource.object;
  return { ...resource, object };
}
