/**
 * MeshMultiZoneService (`pkg/core/resources/apis/meshmultizoneservice/api/v1alpha1/validator.go`): it must select
 * MeshServices by label and expose at least one port of a supported protocol.
 */
import type { JsonObject, Violation } from "../../model/resource.js";
import { MUST_NOT_BE_EMPTY } from "./common.js";
import { index, isNonEmpty, isObject, isSet, itemsOf, objectOf, prop, violation } from "./json.js";
import { SUPPORTED_PROTOCOLS } from "./services.js";

export function meshMultiZoneServiceViolations(resource: JsonObject): Violation[] {
  const out: Violation[] = [];
  const spec = objectOf(prop(resource, "spec"));
  const meshService = objectOf(prop(objectOf(prop(spec, "selector")), "meshService"));
  if (!isNonEmpty(prop(meshService, "matchLabels")) || !isObject(prop(meshService, "matchLabels"))) {
    out.push(violation("spec.selector.meshService.matchLabels", "cannot be empty"));
  }
  const ports = itemsOf(prop(spec, "ports"));
  if (ports.length === 0) out.push(violation("spec.ports", "cannot be empty"));
  ports.forEach((item, i) => {
    const port = objectOf(item);
    const path = index("spec.ports", i);
    if (prop(port, "name") === "") out.push(violation(`${path}.name`, MUST_NOT_BE_EMPTY));
    // An absent (or null) appProtocol is defaulted to tcp by the server's schema before the validator runs.
    const protocol = prop(port, "appProtocol");
    if (isSet(protocol) && (typeof protocol !== "string" || !SUPPORTED_PROTOCOLS.includes(protocol))) {
      out.push(violation(`${path}.appProtocol`, `appProtocol must be one of: ${SUPPORTED_PROTOCOLS.join(", ")}`)); // validators.MustBeOneOf
    }
  });
  return out;
}
