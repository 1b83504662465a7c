/**
 * MeshTLS (`pkg/plugins/policies/meshtls/api/v1alpha1/validator.go`). Paths are rooted at `spec`.
 */
import type { JsonObject, Violation } from "../../model/resource.js";
import type { Json } from "./json.js";
import { field, index, isSet, itemsOf, objectOf, prop, stringOf, violation } from "./json.js";
import { mustBeOneOf, validateTlsVersion } from "./values.js";
import { DATAPLANE, MESH, MESH_SUBSET, affectsInbounds, topLevelKind, validateTargetRef, validateTopLevel } from "./targetRef.js";

const TOP_LEVEL_KINDS = [MESH, MESH_SUBSET, DATAPLANE];
const MODES = ["Strict", "Permissive"];
const CIPHERS = [
  "ECDHE-ECDSA-AES128-GCM-SHA256",
  "ECDHE-ECDSA-AES256-GCM-SHA384",
  "ECDHE-ECDSA-CHACHA20-POLY1305",
  "ECDHE-RSA-AES128-GCM-SHA256",
  "ECDHE-RSA-AES256-GCM-SHA384",
  "ECDHE-RSA-CHACHA20-POLY1305",
];

export function meshTLSViolations(spec: JsonObject): Violation[] {
  const out = validateTopLevel(spec, { supportedKinds: TOP_LEVEL_KINDS, isInboundPolicy: affectsInbounds(spec) });
  const from = itemsOf(prop(spec, "from"));
  const rules = itemsOf(prop(spec, "rules"));
  if (rules.length > 0 && from.length > 0) out.push(violation("spec", "field 'from' must be empty when 'rules' is defined"));
  const topKind = topLevelKind(spec);
  rules.forEach((rule, i) => out.push(...validateDefault(field(index("spec.rules", i), "default"), prop(objectOf(rule), "default"), topKind)));
  from.forEach((item, i) => {
    const path = index("spec.from", i);
    const entry = objectOf(item);
    out.push(...validateTargetRef(field(path, "targetRef"), prop(entry, "targetRef"), { supportedKinds: [MESH] }));
    out.push(...validateDefault(field(path, "default"), prop(entry, "default"), topKind));
  });
  return out;
}

function validateDefault(path: string, conf: Json, topKind: string): Violation[] {
  const object = objectOf(conf);
  const out: Violation[] = [];
  const mode = stringOf(prop(object, "mode"));
  if (mode !== undefined && !MODES.includes(mode)) out.push(violation(field(path, "mode"), mustBeOneOf("mode", MODES)));
  // Ciphers and versions are set on the mesh-wide TLS context; a narrower scope cannot differ.
  const ciphers = itemsOf(prop(object, "tlsCiphers"));
  if (ciphers.length > 0 && topKind !== MESH) {
    out.push(violation(field(path, "tlsCiphers"), "tlsCiphers can only be defined with top level targetRef kind: Mesh"));
  } else if (!ciphers.every((cipher) => typeof cipher === "string" && CIPHERS.includes(cipher))) {
    out.push(violation(field(path, "tlsCiphers"), mustBeOneOf("tlsCiphers", CIPHERS)));
  }
  const version = prop(object, "tlsVersion");
  if (isSet(version)) {
    if (topKind !== MESH) out.push(violation(field(path, "tlsVersion"), "tlsVersion can only be defined with top level targetRef kind: Mesh"));
    else out.push(...validateTlsVersion(field(path, "tlsVersion"), prop(objectOf(version), "min"), prop(objectOf(version), "max")));
  }
  return out;
}
