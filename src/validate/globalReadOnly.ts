/**
 * The kinds only zones provide, on a global control plane (kuma/types.ts ZONE_PROVIDED_KINDS): refused there, by its
 * API in the Universal shape and by its admission webhook in the Kubernetes one, each with its own words.
 */
import type { ControlPlaneMode, Product } from "../config/repoConfig.js";
import { ZONE_PROVIDED_KINDS } from "../kuma/types.js";
import { PRODUCT_NAMES } from "../kuma/version.js";
import type { ResourceFormat } from "../model/resource.js";

export const GLOBAL_READ_ONLY_RULE = "global-read-only";

/** go-v2.14.3 pkg/api-server/resource_endpoints.go globalReadOnlyMessage (the 405's detail). */
const API_MESSAGE =
  "On global control plane you can not modify dataplane resources with 'kumactl apply' or via the HTTP API. You can still use 'kumactl' or the HTTP API to modify them on the zone control plane.";

/** The error for a kind a global control plane refuses, or undefined when it is not one of those, or not on Global. */
export function globalReadOnlyMessage(typeName: string, format: ResourceFormat, mode: ControlPlaneMode | undefined, product: Product): string | undefined {
  if (mode !== "global" || !ZONE_PROVIDED_KINDS.has(typeName)) return undefined;
  // webhooks/resourceadmissionchecker.go resourceTypeNotAllowedMsg(type, Global), version.Product naming the product.
  const refused =
    format === "kubernetes"
      ? `Operation not allowed. ${PRODUCT_NAMES[product]} resources like ${typeName} can be updated or deleted only from the ZONE control plane and not from a GLOBAL control plane.`
      : API_MESSAGE;
  return `${refused} (controlPlane.mode global: ${typeName} is provided by zones; define it in a zone's repository)`;
}
