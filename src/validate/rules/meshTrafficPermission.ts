/**
 * MeshTrafficPermission (`pkg/plugins/policies/meshtrafficpermission/api/v1alpha1/validator.go`, FACTS §4.3). Paths
 * are rooted at `spec`.
 */
import type { JsonObject, Violation } from "../../model/resource.js";
import type { Json } from "./json.js";
import { field, index, isSet, itemsOf, objectOf, prop, text, violation } from "./json.js";
import { MUST_BE_DEFINED, validateMatch } from "./common.js";
import { DATAPLANE, MESH, MESH_SERVICE, MESH_SERVICE_SUBSET, MESH_SUBSET, affectsInbounds, validateTargetRef } from "./targetRef.js";

const TOP_LEVEL_KINDS = [MESH, MESH_SUBSET, MESH_SERVICE, MESH_SERVICE_SUBSET, DATAPLANE];
const FROM_KINDS = [MESH, MESH_SUBSET, MESH_SERVICE, MESH_SERVICE_SUBSET];
const RULE_LISTS = ["allow", "allowWithShadowDeny", "deny"];

export function meshTrafficPermissionViolations(spec: JsonObject): Violation[] {
  const out: Violation[] = [];
  const targetRef = prop(spec, "targetRef");
  if (isSet(targetRef)) {
    out.push(...validateTargetRef("spec.targetRef", targetRef, { supportedKinds: TOP_LEVEL_KINDS, isInboundPolicy: affectsInbounds(spec) }));
  }
  const from = itemsOf(prop(spec, "from"));
  const rules = itemsOf(prop(spec, "rules"));
  if (from.length > 0 && rules.length > 0) out.push(violation("spec", "field 'from' must be empty when 'rules' is defined"));
  if (from.length === 0 && rules.length === 0) out.push(violation("spec", "at least one of 'from' or 'rules' has to be defined"));
  out.push(...validateRules(rules), ...validateFrom(from));
  return out;
}

function validateRules(rules: readonly Json[]): Violation[] {
  return rules.flatMap((item, i) => {
    const path = index("spec.rules", i);
    const conf = objectOf(prop(objectOf(item), "default"));
    const out: Violation[] = [];
    if (RULE_LISTS.every((name) => itemsOf(prop(conf, name)).length === 0)) {
      out.push(violation(path, "at least one of 'allow', 'allowWithShadowDeny', 'deny' has to be defined"));
    }
    for (const name of RULE_LISTS) {
      itemsOf(prop(conf, name)).forEach((match, j) => out.push(...validateMatch(index(field(path, name), j), match)));
    }
    return out;
  });
}

function validateFrom(from: readonly Json[]): Violation[] {
  return from.flatMap((item, i) => {
    const path = index("spec.from", i);
    const entry = objectOf(item);
    const out = validateTargetRef(field(path, "targetRef"), prop(entry, "targetRef"), { supportedKinds: FROM_KINDS });
    if (text(prop(objectOf(prop(entry, "default")), "action")) === "") out.push(violation(field(path, "default.action"), MUST_BE_DEFINED));
    return out;
  });
}
