/**
 * Labels as the API server checks them on PUT (`pkg/api-server/resource_endpoints.go` `validateLabels`,
 * `validateOriginForWrite`, `validateImmutableLabels`; FACTS §2.5): Kubernetes label syntax for every key and value,
 * a valid `kuma.io/origin` that fits the control plane's role, and `kuma.io/mesh` / `kuma.io/zone` that agree with the
 * resource and the zone. One owner for these rules: `meshops validate` and the embedded control plane both use them.
 */
import type { JsonObject, ResourceFormat, Violation } from "../../model/resource.js";
import type { ControlPlaneMode } from "../../config/repoConfig.js";
import { goQuote } from "../../kuma/duration.js";
import { isPluginOriginated } from "../../kuma/types.js";
import { IMMUTABLE_LABELS, KUBERNETES_LABEL_VALUE_MAX, LABEL_DISPLAY_NAME, LABEL_MESH, LABEL_ORIGIN, LABEL_WORKLOAD, LABEL_ZONE } from "../../kuma/server.js";
import { DNS1035_LABEL_FORMAT, DNS1035_LABEL_MAX_LENGTH, dns1035LabelProblems, dns1123SubdomainProblems } from "./common.js";
import { key, objectOf, prop, violation } from "./json.js";
import type { CheckResult } from "./meshManager.js";
import { boundedMemo } from "../../model/boundedMemo.js";



const QUALIFIED_NAME_FORMAT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const QUALIFIED_NAME = new RegExp(`^${QUALIFIED_NAME_FORMAT}$`);
const QUALIFIED_NAME_MESSAGE =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character " +
  `(e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '${QUALIFIED_NAME_FORMAT}')`;
const LABEL_VALUE_FORMAT = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
const LABEL_VALUE = new RegExp(`^${LABEL_VALUE_FORMAT}$`);
const LABEL_VALUE_MESSAGE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end " +
  `with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '${LABEL_VALUE_FORMAT}')`;
const MAX_NAME_PART_LENGTH = 63;
const MAX_LABEL_VALUE_LENGTH = KUBERNETES_LABEL_VALUE_MAX;

/** `labels["kuma.io/mesh"]`, the path the API server reports a label under. */
export function labelPath(name: string): string {
  return key("labels", name);
}

/**
 * Kubernetes `IsQualifiedName` (label keys) and `IsValidLabelValue`, keys in sorted order as the server walks them. The
 * wording is that of the Kubernetes library the control plane vendors (golden put_mtp_02: "a valid label key ...").
 * `unchecked`: a key passed over (not copied out of `labels`: a copy with a key deleted is a slow dictionary object).
 */
export function labelSyntaxViolations(labels: Readonly<Record<string, string>>, unchecked?: string): Violation[] {
  // Most resources' labels are all fine: looked at in any order first, and sorted (an array per resource) only when
  // one has a problem.
  let anyProblem = false;
  for (const name in labels) {
    if (name !== unchecked && Object.hasOwn(labels, name) && hasLabelProblem(name, labels[name] ?? "")) {
      anyProblem = true;
      break;
    }
  }
  if (!anyProblem) return [];
  const out: Violation[] = [];
  for (const name of Object.keys(labels).sort()) {
    if (name === unchecked) continue;
    const keyProblems = knownKeyProblems(name);
    const value = labels[name] ?? "";
    const tooLong = value.length > MAX_LABEL_VALUE_LENGTH;
    const badValue = !LABEL_VALUE.test(value);
    // The path (a Go-quoted key) only for a problem: most labels have none, and quoting every key showed in profiles.
    if (keyProblems.length === 0 && !tooLong && !badValue) continue;
    const path = labelPath(name);
    for (const problem of keyProblems) out.push(violation(path, problem));
    if (tooLong) out.push(violation(path, `must be no more than ${MAX_LABEL_VALUE_LENGTH} characters`));
    if (badValue) out.push(violation(path, LABEL_VALUE_MESSAGE));
  }
  return out;
}

function hasLabelProblem(name: string, value: string): boolean {
  return knownKeyProblems(name).length > 0 || value.length > MAX_LABEL_VALUE_LENGTH || !LABEL_VALUE.test(value);
}

/** A repository uses a handful of label keys on tens of thousands of resources: each key is checked once. */
const knownKeyProblems: (name: string) => readonly string[] = boundedMemo(qualifiedNameProblems, 10_000);

function qualifiedNameProblems(name: string): string[] {
  const parts = name.split("/");
  if (parts.length > 2) {
    return [`a valid label key ${QUALIFIED_NAME_MESSAGE} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`];
  }
  const problems: string[] = [];
  const local = parts.length === 2 ? (parts[1] ?? "") : name;
  if (parts.length === 2) {
    const prefix = parts[0] ?? "";
    if (prefix === "") problems.push("prefix part must be non-empty");
    else problems.push(...dns1123SubdomainProblems(prefix).map((problem) => `prefix part ${problem}`));
  }
  if (local === "") problems.push("name part must be non-empty");
  else if (local.length > MAX_NAME_PART_LENGTH) problems.push(`name part must be no more than ${MAX_NAME_PART_LENGTH} characters`);
  if (!QUALIFIED_NAME.test(local)) problems.push(`name part ${QUALIFIED_NAME_MESSAGE}`);
  return problems;
}

export interface LabelContext {
  readonly mode: ControlPlaneMode;
  /**
   * The document's shape: a Universal one goes through the API server's checks; a Kubernetes one only through
   * Kubernetes' label syntax here (its admission rules are the webhook's).
   */
  readonly format?: ResourceFormat;
  /** The zone's name when known (the embedded control plane knows its own); meshops validate does not know it. */
  readonly zone?: string;
}

/**
 * `validateLabels` on the labels written in a Universal resource: syntax, origin, and the mesh and zone labels. Zone
 * facts meshops cannot know offline (the zone's name, whether a zone is federated) are warnings that say why.
 */
export function labelChecks(typeName: string, resource: JsonObject, context: LabelContext): CheckResult {
  const labels = stringLabels(resource);
  const origin = Object.hasOwn(labels, LABEL_ORIGIN) ? labels[LABEL_ORIGIN] : undefined;
  // origin.IsValid, which the validating webhook checks too (webhooks/validation.go validatingHandler.validateLabels).
  const violations: Violation[] = origin !== undefined && origin !== "zone" && origin !== "global" ? [violation(labelPath(LABEL_ORIGIN), `unknown resource origin ${goQuote(origin)}`)] : [];
  // The display name the converter gives a Kubernetes document is no label of the object: see withoutShownDisplayName.
  // The admission checker's origin rules for Kubernetes are parse/convert.ts's (a global control plane's).
  if (context.format === "kubernetes") return { violations: [...violations, ...labelSyntaxViolations(labels, LABEL_DISPLAY_NAME)], warnings: [] };
  const warnings: Violation[] = [];
  if (context.mode === "global") {
    if (origin !== undefined && origin !== "global") violations.push(violation(labelPath(LABEL_ORIGIN), "the origin label must be set to 'global'"));
  } else {
    // A federated zone refuses plugin types whose origin is not "zone" (validateOriginForWrite: federatedZone &&
    // IsPluginOriginated, so not Mesh, MeshGateway, Dataplane nor the Secrets); a standalone zone takes them. Only an
    // explicit "global" is flagged: warning about every resource without the label would bury everything else.
    if (context.mode === "zone" && isPluginOriginated(typeName) && origin === "global") {
      warnings.push(
        violation(
          labelPath(LABEL_ORIGIN),
          "the origin label must be set to 'zone' on a zone connected to a global control plane; meshops cannot tell offline " +
            "whether this zone is federated (controlPlane.mode: standalone says it is not)",
        ),
      );
    }
    if (origin !== "global") {
      const zone = Object.hasOwn(labels, LABEL_ZONE) ? labels[LABEL_ZONE] : undefined;
      if (zone !== undefined && context.zone !== undefined && zone !== context.zone) {
        violations.push(violation(labelPath(LABEL_ZONE), `${LABEL_ZONE} label should have ${context.zone} value`));
      } else if (zone !== undefined && context.zone === undefined) {
        warnings.push(
          violation(
            labelPath(LABEL_ZONE),
            `${LABEL_ZONE} label should have the zone's name as its value (KUMA_MULTIZONE_ZONE_NAME); meshops does not know the zone's name offline`,
          ),
        );
      }
      // A kind of no mesh (Mesh, the global kinds) has the empty mesh there: the label differs from it too.
      const mesh = prop(resource, "mesh") ?? "";
      if (Object.hasOwn(labels, LABEL_MESH) && typeof mesh === "string" && labels[LABEL_MESH] !== mesh) {
        violations.push(violation(labelPath(LABEL_MESH), `${LABEL_MESH} label must not differ from mesh set on resource`));
      }
    }
  }
  violations.push(...labelSyntaxViolations(labels));
  return { violations, warnings };
}

/**
 * The check `createResource` makes of a Universal Dataplane's `kuma.io/workload` label before it computes labels
 * (go-v2.14.3 pkg/api-server/resource_endpoints.go): a non-empty value is refused on a Global control plane, and must
 * otherwise be a DNS-1035 label. Only on create (`updateResource` has no such check), only through the API server's PUT
 * (a Kubernetes document does not pass it). The message without the "bad request: " the error handler puts before it
 * (goldens workload_label_validation_01/02).
 */
export function workloadLabelProblem(typeName: string, resource: JsonObject, mode: ControlPlaneMode): Violation | undefined {
  if (typeName !== "Dataplane") return undefined;
  const workload = prop(objectOf(prop(resource, "labels")), LABEL_WORKLOAD);
  if (typeof workload !== "string") return undefined;
  if (workload === "") return undefined;
  const path = labelPath(LABEL_WORKLOAD);
  if (mode === "global") return violation(path, "not allowed on Global control plane");
  const problems = dns1035LabelProblems(workload);
  if (problems.length === 0) return undefined;
  return violation(path, `must be a valid DNS-1035 label (at most ${DNS1035_LABEL_MAX_LENGTH} characters, matching regex ${DNS1035_LABEL_FORMAT}): ${problems.join("; ")}`);
}

/** `validateImmutableLabels` on the computed labels before and after an update: needs the live resource. */
export function immutableLabelViolations(before: Readonly<Record<string, string>>, after: Readonly<Record<string, string>>): Violation[] {
  const out: Violation[] = [];
  for (const name of IMMUTABLE_LABELS) {
    const was = Object.hasOwn(before, name) ? before[name] : undefined;
    if (was === undefined) continue;
    const now = Object.hasOwn(after, name) ? after[name] : undefined;
    if (now === undefined) out.push(violation(labelPath(name), `is immutable, cannot be removed (was ${goQuote(was)})`));
    else if (now !== was) out.push(violation(labelPath(name), `is immutable, cannot be changed from ${goQuote(was)} to ${goQuote(now)}`));
  }
  return out;
}

/**
 * A Kubernetes document's labels without the `kuma.io/display-name` the converter gives it (its object name): the
 * control plane shows that name as a label, but Kuma's admission path never puts it on the Kubernetes object
 * (webhooks/defaulter.go, labels/compute.go), so Kubernetes' label rules do not apply to it. A written one that is
 * too long is the converter's error (parse/convert.ts); one that differs from the name, too.
 */
export function withoutShownDisplayName(labels: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
  if (!Object.hasOwn(labels, LABEL_DISPLAY_NAME)) return labels;
  const out = Object.assign(Object.create(null) as Record<string, string>, labels);
  delete out[LABEL_DISPLAY_NAME];
  return out;
}

/** The written labels with string values (other values are the schema check's to report). */
function stringLabels(resource: JsonObject): Record<string, string> {
  // No prototype: a label named `__proto__` is a plain key (defining each property showed in profiles).
  const out = Object.create(null) as Record<string, string>;
  const labels = objectOf(prop(resource, "labels"));
  if (labels === undefined) return out;
  for (const name of Object.keys(labels)) {
    const value = labels[name];
    if (typeof value === "string") out[name] = value;
  }
  return out;
}
