/**
 * MeshOPA (Kong Mesh only). Kong Mesh's validator is closed source; these rules are what Kong documents
 * (kuma-reference/kong-mesh/README.md, the MeshOPA docs page): its targetRef support matrix, and one data source per
 * agent config and rego policy. Paths are rooted at `spec`.
 *
 * The matrix: sidecars `Mesh`, `MeshSubset`, and before 2.11 `MeshService`/`MeshServiceSubset`, from 2.11 `Dataplane`;
 * gateways `Mesh`, `MeshGateway`. The docs say MeshService and MeshServiceSubset were "removed in 2.11", yet Kong's own
 * 2.14 readiness fixture applies a MeshService MeshOPA and only 3.0 "rejects" them: on 2.11+ they stay accepted with
 * the deprecation warning every policy gets (rules/deprecations.ts), rather than failing a repository the control
 * plane accepts.
 */
import type { JsonObject, Violation } from "../../model/resource.js";
import type { Json } from "./json.js";
import { field, index, isSet, itemsOf, objectOf, prop, violation } from "./json.js";
import { DATAPLANE, MESH, MESH_GATEWAY, MESH_SERVICE, MESH_SERVICE_SUBSET, MESH_SUBSET, topLevelKind, validateTopLevel } from "./targetRef.js";
import { LATEST_MINOR, compareMinors, schemaLine } from "../../kuma/versions.js";

const DATA_SOURCES = ["inline", "inlineString", "secret"];

const TOP_LEVEL_KINDS = [MESH, MESH_SUBSET, MESH_SERVICE, MESH_SERVICE_SUBSET, MESH_GATEWAY, DATAPLANE];
/** The Kong Mesh line that added Dataplane to MeshOPA's matrix. */
const DATAPLANE_SINCE = "2.11";

export function meshOPAViolations(spec: JsonObject, context: { readonly version?: string }): Violation[] {
  const out: Violation[] = [];
  const line = schemaLine(context.version);
  const minor = "error" in line ? LATEST_MINOR : line.minor;
  if (topLevelKind(spec) === DATAPLANE && compareMinors(minor, DATAPLANE_SINCE) < 0) {
    out.push(violation("spec.targetRef.kind", `Dataplane is supported by MeshOPA from Kong Mesh ${DATAPLANE_SINCE} on; controlPlane.version ${context.version ?? minor} does not have it`));
  } else {
    out.push(...validateTopLevel(spec, { supportedKinds: TOP_LEVEL_KINDS, gatewayListenerTagsAllowed: true }));
  }
  const conf = objectOf(prop(spec, "default"));
  const agentConfig = prop(conf, "agentConfig");
  if (isSet(agentConfig)) out.push(...oneDataSource("spec.default.agentConfig", agentConfig));
  itemsOf(prop(conf, "appendPolicies")).forEach((policy, i) => {
    out.push(...oneDataSource(field(index("spec.default.appendPolicies", i), "rego"), prop(objectOf(policy), "rego")));
  });
  return out;
}

/** A DataSource holds exactly one of inline, inlineString and secret. */
function oneDataSource(path: string, source: Json): Violation[] {
  const set = DATA_SOURCES.filter((name) => isSet(prop(objectOf(source), name)));
  if (set.length === 1) return [];
  return [violation(path, set.length === 0 ? `one of ${DATA_SOURCES.map((n) => `'${n}'`).join(", ")} has to be defined` : `only one of ${set.map((n) => `'${n}'`).join(", ")} may be defined`)];
}
