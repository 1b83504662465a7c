/**
 * The opening checks MeshTimeout and MeshCircuitBreaker share (both validators start the same way in the control
 * plane): the top-level targetRef, and the from / to / rules sections, which are exclusive and not all empty.
 */
import type { JsonObject, Violation } from "../../model/resource.js";
import type { Json } from "./json.js";
import { field, index, isSet, itemsOf, objectOf, prop, violation } from "./json.js";
import { affectsInbounds, validateTargetRef } from "./targetRef.js";

export interface Sections {
  readonly from: readonly Json[];
  readonly to: readonly Json[];
  readonly rules: readonly Json[];
}

export function checkTopLevelAndSections(spec: JsonObject, topLevelKinds: readonly string[], out: Violation[]): Sections {
  const targetRef = prop(spec, "targetRef");
  if (isSet(targetRef)) {
    out.push(
      ...validateTargetRef("spec.targetRef", targetRef, {
        supportedKinds: topLevelKinds,
        gatewayListenerTagsAllowed: true,
        isInboundPolicy: affectsInbounds(spec),
      }),
    );
  }
  const from = itemsOf(prop(spec, "from"));
  const to = itemsOf(prop(spec, "to"));
  const rules = itemsOf(prop(spec, "rules"));
  if (rules.length > 0 && (to.length > 0 || from.length > 0)) {
    out.push(violation("spec", "fields 'to' and 'from' must be empty when 'rules' is defined"));
  }
  if (rules.length === 0 && to.length === 0 && from.length === 0) {
    out.push(violation("spec", "at least one of 'from', 'to' or 'rules' has to be defined"));
  }
  return { from, to, rules };
}

/**
 * The `from` or `to` entries at `listPath` of a policy whose entries are `{targetRef, default}`: each ref of one of
 * `supportedKinds`, each default checked by the policy's own `validateDefault`.
 */
export function validateTargetRefEntries(
  listPath: string,
  entries: readonly Json[],
  supportedKinds: readonly string[],
  validateDefault: (path: string, conf: Json) => Violation[],
): Violation[] {
  return entries.flatMap((item, i) => {
    const path = index(listPath, i);
    const entry = objectOf(item);
    return [
      ...validateTargetRef(field(path, "targetRef"), prop(entry, "targetRef"), { supportedKinds }),
      ...validateDefault(field(path, "default"), prop(entry, "default")),
    ];
  });
}
