import type { ServerInfo } from "../backend/types.js";
import type { Resource } from "../model/resource.js";

/** The Kuma major version a control plane is (Kong Mesh reports its own version and the Kuma one it is based on). */
export function kumaMajor(info: ServerInfo | undefined, configured: string | undefined): number {
  // Kong Mesh versions follow the Kuma versions they are built on, and also say so in basedOnKuma.
  const version = info?.basedOnKuma ?? info?.version ?? configured ?? "2";
  const match = /^v?(\d+)/.exec(version.trim());
  return match ? Number(match[1]) : 2;
}

/**
 * Adapts the desired state to the target version. Kuma 3.x dropped `skipCreatingInitialPolicies` (kumahq/kuma#18661):
 * it is never sent there, since the server would drop it and every plan would show it as a change. meshops still
 * materializes the default policies the repository wants, so a 3.x control plane gets them from meshops instead.
 */
export function forTargetVersion(resources: readonly Resource[], major: number): Resource[] {
  if (major < 3) return [...resources];
  return resources.map((r) => {
    if (r.type !== "Mesh" || !("skipCreatingInitialPolicies" in r.object)) return r;
    const { skipCreatingInitialPolicies: _dropped, ...object } = r.object;
    return { ...r, object };
  });
}
