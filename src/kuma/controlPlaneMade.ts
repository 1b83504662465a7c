/**
 * Live resources that are not anybody's repository: made by the control plane itself from what runs (generated), or
 * sent to it by another control plane of the same multizone deployment (synced). drift does not report them as
 * unmanaged and export does not write them; both only count them. A resource the repository defines is paired and
 * compared whatever its labels say: this is asked only of live objects nothing desires.
 *
 * Kuma v2.14 (FACTS.md §2.7 and §2.8, go-v2.14.3 pkg/core/resources/model/resource.go `IsLocallyOriginated`,
 * pkg/core/resources/labels/compute.go; kumahq/kuma's MeshService generator and Kubernetes controllers):
 * - generated: `kuma.io/managed-by: meshservice-generator` (a Universal zone's MeshServices, made from Dataplanes'
 *   `kuma.io/service` tags, with `kuma.io/origin: zone`) or `k8s-controller` (a Kubernetes zone's MeshServices made
 *   from Services, MeshZoneAddresses and Workloads). The label stays on them when they are synced elsewhere.
 * - synced: what is not "locally originated" for the control plane's role. A zone holds what the global control plane
 *   sends it as `kuma.io/origin: global` (policies written on the global, services of other zones), named
 *   `<name>-<16 hex digits>` with the name it was written under in `kuma.io/display-name`. A global control plane holds
 *   what zones send up as `kuma.io/origin: zone` with `kuma.io/zone` (its own resources carry no origin, or `global`).
 *   A zone that is not federated (`standalone`) is a zone here: nothing reaches it with origin `global`, and what has
 *   that label came from a global control plane all the same.
 */
import { isJsonObject, type JsonObject } from "../model/resource.js";
import { LABEL_ORIGIN } from "./server.js";

/** The control plane's role (KUMA_MODE), as meshops.yaml's `controlPlane.mode` says. `standalone` is a zone that is not federated. */
export type ControlPlaneMode = "zone" | "global" | "standalone";

/** Why a live resource belongs to the control plane: it made it, or another control plane sent it. */
export type ControlPlaneSource = "generated" | "synced";
export const CONTROL_PLANE_SOURCES: readonly ControlPlaneSource[] = ["generated", "synced"];

/** The label Kuma's generators and Kubernetes controllers put on what they make (mesh_proto.ManagedByLabel). */
export const LABEL_MANAGED_BY = "kuma.io/managed-by";
/** Its values in Kuma 2.x: the Universal MeshService generator's and the Kubernetes controllers'. */
const CONTROL_PLANE_MAKERS: ReadonlySet<string> = new Set(["meshservice-generator", "k8s-controller"]);

/**
 * `synced` when another control plane sent the object here, `generated` when this control plane made it, undefined
 * when someone wrote it (the repository, a person, another tool). Synced first: a zone's generated MeshService on the
 * global control plane, or another zone's on this one, is that zone's, not this control plane's.
 */
export function controlPlaneSource(object: JsonObject, mode: ControlPlaneMode): ControlPlaneSource | undefined {
  const labels = isJsonObject(object.labels) ? object.labels : undefined;
  if (labels === undefined) return undefined;
  const origin = labels[LABEL_ORIGIN];
  if (origin === (mode === "global" ? "zone" : "global")) return "synced";
  const maker = labels[LABEL_MANAGED_BY];
  return typeof maker === "string" && CONTROL_PLANE_MAKERS.has(maker) ? "generated" : undefined;
}
