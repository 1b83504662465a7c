/**
 * MeshService (`pkg/core/resources/apis/meshservice/api/v1alpha1/validator.go`). The control plane checks only the
 * name length and that one selector kind is used; ports and identities are left to the schema and to decoding.
 */
import type { JsonObject, Violation } from "../../model/resource.js";
import { isSet, objectOf, prop, violation } from "./json.js";
import { serviceNameViolations } from "./services.js";

const SELECTORS = ["dataplaneTags", "dataplaneRef", "dataplaneLabels"];

export function meshServiceViolations(resource: JsonObject): Violation[] {
  const out = serviceNameViolations(resource);
  const selector = objectOf(prop(objectOf(prop(resource, "spec")), "selector"));
  // Pointer fields: present (even empty) counts as set.
  if (SELECTORS.filter((name) => isSet(prop(selector, name))).length > 1) {
    out.push(violation("spec.selector", "must specify only one of: dataplaneTags, dataplaneRef, or dataplaneLabels"));
  }
  return out;
}
