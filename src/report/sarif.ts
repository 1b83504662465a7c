/**
 * `--format sarif`: SARIF 2.1.0, for GitHub code scanning (github/codeql-action/upload-sarif) and any other SARIF
 * viewer. Rule ids are the diagnostics' stable `rule` (`schema`, `semantic`, `tenancy/<name>` ...), `mass-change/<kind>`
 * for the plan's guard, `plan/<action>` and `drift/<kind>` for changes and drift. Locations are repository-relative
 * (`%SRCROOT%`) with 1-based line and column in UTF-16 code units, the unit the positions are counted in. Each result
 * has a partial fingerprint that does not depend on its line, so code scanning keeps tracking it when lines move.
 *
 * Level follows the flags: what fails the command is `error`, a problem that does not is `warning`, information `note`.
 * Pure.
 */
import { createHash } from "node:crypto";
import type { Location } from "../diff/revisions.js";
import { risksOf } from "../diff/risk.js";
import { leftAloneSummary, type DriftItem } from "../diff/drift.js";
import { saidOf, shownDiagnostic } from "../model/diagnostic.js";
import {
  changeWhereSaid,
  driftAdoptionMark,
  isFailingChange,
  isFailingDiagnostic,
  isFailingDrift,
  leftAloneLine,
  modifiedMeaning,
  OWNERSHIP_LABEL_ONLY_MEANING,
  planExitCode,
  stripDiffHeader,
  type DriftReportInput,
  inHeadFiles,
  type PlanReport,
  type ToolInfo,
  type ValidateReport,
} from "./common.js";
import { unknownValues, unknownValuesNote } from "./plan.js";

export const SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";

type Level = "error" | "warning" | "note";

/** What each rule checks, for the rule list code scanning shows. */
const RULE_DESCRIPTIONS: Readonly<Record<string, string>> = {
  "yaml-syntax": "The file is not valid YAML; the document with the error is dropped whole.",
  "duplicate-key": "A YAML mapping holds the same key twice.",
  "yaml-alias-limit": "A document uses more YAML aliases than meshops accepts.",
  "yaml-nesting-limit": "A document nests deeper than meshops accepts.",
  "substitution-variable": "A document holds ${var}, which Flux's post-build substitution replaces and meshops does not.",
  "kustomize-namespace": "A kustomization (or Flux Kustomization) gives the document another namespace than it states.",
  "kustomize-name": "A kustomization (or Flux Kustomization) renames the document (namePrefix, nameSuffix).",
  "kustomize-labels": "A kustomization adds labels the document does not have.",
  "kustomize-unbuilt": "A mesh resource beside a kustomization.yaml, in a file no kustomization lists: kubectl apply -k, Argo CD and Flux never apply it.",
  "kustomize-patch": "A kustomization patches the document: the control plane gets other values than the document says.",
  "kustomize-missing": "A kustomization names a file or folder kustomize build cannot load from a clone of the repository (not there, a folder without a kustomization, outside the repository), or a Flux Kustomization's spec.path is not a folder of it.",
  "kustomize-cycle": "A kustomization names as a base a folder at or above one kustomize is building: kustomize build fails (cycle detected).",
  "kustomize-not-read": "A kustomization names a remote base or a folder outside --path: what kustomize adds from it is not validated.",
  "helm-chart": "A Helm chart: its templates and values are not mesh configuration until rendered.",
  "not-a-mapping": "A YAML document is not a mapping, so it cannot be a resource.",
  "yaml-decode": "A value kumactl and kubectl refuse when they turn YAML into JSON (.nan, .inf, a tag its scalar does not match, a null key), or an integer beyond 2^53 meshops cannot send as written; a warning for a tag they ignore.",
  "unknown-type": "The document's type or kind is not a resource type meshops manages.",
  "kubernetes-shape": "A Kubernetes-shaped document is missing or misplaces apiVersion, kind, metadata or spec.",
  "kubernetes-namespace": "A Kubernetes-shaped document is in a namespace the admission webhook of the control plane's role (controlPlane.mode) refuses for its kind.",
  "kubernetes-policy-role": "A policy outside the system namespace breaks the admission webhook's rules for its role (producer, consumer, workload-owner).",
  "namespace-mesh": "A namespaced policy without a kuma.io/mesh label in a Namespace labelled or annotated with another mesh: Kuma puts it in mesh default (the namespace's label is for Pods).",
  "namespace-mesh-conflict": "Two Namespace documents of one name put its Pods in different meshes: the cluster keeps the one applied last.",
  "server-field": "A field or label the control plane sets itself: ignored, never sent.",
  labels: "A label the API server refuses on PUT (syntax, kuma.io/origin for the control plane's role, kuma.io/mesh).",
  deprecation: "The control plane accepts this but warns that it is deprecated.",
  "kong-mesh-kind": "A Kong Mesh kind, while meshops.yaml says the control plane is Kuma.",
  "global-read-only": "A kind only zones provide (MeshService, MeshZoneAddress, Workload, Dataplane), while meshops.yaml says the control plane is a global one.",
  "global-scope": "A global resource (HostnameGenerator, GlobalSecret) names a mesh.",
  "global-resources": "A global resource outside meshops.yaml's globalResources.paths.",
  "plaintext-secret": "A Secret's value is not SOPS-encrypted.",
  sops: "A SOPS-encrypted document's sops block or ENC[...] value is malformed.",
  "sops-identity": "A document's kind, name or mesh is encrypted, so it cannot be identified without the key.",
  "sops-decrypt": "A SOPS-encrypted file does not decrypt with the key given.",
  "dataplane-skipped": "A Dataplane document, skipped while meshops.yaml's resources.dataplanes is off.",
  "kubernetes-crd": "A Kubernetes-only kind (MeshGatewayInstance, MeshGatewayConfig, ContainerPatch) the API server would refuse against its CRD.",
  "kubernetes-only": "A Kubernetes-only kind: kubectl, Argo CD or Flux applies it, not meshops.",
  "unknown-service": "A reference to a MeshService neither the repository nor the control plane has.",
  "missing-name": "The resource has no name, or one that is not a string.",
  schema: "The resource does not match its type's JSON schema (unknown fields, wrong types, invalid values).",
  semantic: "The control plane's own validators reject the resource.",
  "duplicate-resource": "Two documents define the same Type/mesh/name.",
  "kubernetes-manifest": "Kubernetes would reject the manifest, or hold two resources as one object (one kind, namespace and name in two meshes).",
  "unknown-mesh": "A resource belongs to a Mesh the repository does not define.",
  "cross-mesh-reference": "A resource refers to something in another Mesh.",
  "dangling-reference": "A resource refers to something the repository does not define.",
  "skip-list": "A skipCreatingInitialPolicies entry skips nothing.",
  "zone-provided-services": "Policies of a mesh refer to MeshServices the repository does not define: a zone generates them.",
  "tenancy-unmatched": "A tenancy rule's path matches no file.",
  "pattern-unmatched": "An exclude, namespaces or globalResources pattern of meshops.yaml (or --exclude) matches nothing.",
  "empty-repository": "--path holds no configuration files.",
  "other-document": "A document of another API (not kuma.io) where meshops.yaml makes those errors.",
  config: "meshops.yaml is invalid.",
  "file-too-large": "A YAML file is larger than --max-file-size.",
  "symlink-escape": "A symbolic link points outside the repository.",
  "unreadable-file": "A file could not be read.",
  "not-text": "A file is not text (it holds NUL bytes).",
  "lfs-pointer": "A file is a Git LFS pointer in place of its YAML content.",
  "invalid-utf8": "A line of the file is not valid UTF-8.",
  submodule: "A Git submodule: its files are another repository's and are not read.",
  "mass-change/mesh-deleted": "The plan deletes a Mesh, and the control plane deletes everything in it.",
  "mass-change/all-policies-removed": "The plan removes every policy of a Mesh.",
  "mass-change/traffic-permission-removed": "The plan removes a MeshTrafficPermission: who may talk to whom changes.",
  "mass-change/mesh-tls-removed": "The plan removes a MeshTLS policy.",
  "plan/create": "The plan creates the resource.",
  "plan/update": "The plan updates the resource.",
  "plan/delete": "The plan deletes the resource.",
  "drift/missing": "In the repository but not on the control plane.",
  "drift/modified": "Differs from the repository: changed on the control plane outside Git, or on Kubernetes not yet synced by Argo CD or Flux.",
  "drift/orphaned": "Owned by meshops but no longer in the repository.",
  "drift/unmanaged": "On the control plane, not in the repository and not owned by meshops.",
  "plan/unknown-values": "A SOPS-encrypted resource whose values were not compared: no age key was given.",
  "drift/unknown-values": "A SOPS-encrypted resource whose values were not compared: no age key was given.",
};

/** A rule's one-line description (tenancy rules by name); the README's rule table and this list are checked against each other. */
export function describeRule(id: string): string {
  if (id.startsWith("tenancy/")) return `Tenancy rule "${id.slice("tenancy/".length)}" of meshops.yaml.`;
  return RULE_DESCRIPTIONS[id] ?? `meshops rule ${id}.`;
}

interface Finding {
  readonly rule: string;
  readonly level: Level;
  readonly message: string;
  readonly resource?: string;
  readonly location?: { readonly file: string; readonly line: number; readonly column: number };
  /** What identifies the finding apart from where it is. */
  readonly identity: string;
}

// ---------------------------------------------------------------------------------------------------------------------

export function renderValidateSarif(report: ValidateReport, tool: ToolInfo, root = ""): string {
  const findings = report.diagnostics.map(
    (d): Finding => ({
      rule: d.rule,
      level: isFailingDiagnostic(d, report.warningsAsErrors) ? "error" : d.severity === "info" ? "note" : "warning",
      message: saidOf(d),
      ...(d.resource ? { resource: shownDiagnostic(d).resource } : {}),
      ...(d.file ? { location: { file: d.file, line: d.line, column: d.column } } : {}),
      identity: [d.rule, d.file, d.resource, d.path, d.message].join("\0"),
    }),
  );
  return log(tool, report.command ?? "validate", findings, root);
}

export function renderPlanSarif(report: PlanReport, tool: ToolInfo, root = ""): string {
  const { plan, risks } = report;
  const failing = planExitCode(plan, risks, report.failOn) !== 0;
  const findings: Finding[] = risks.map((risk) => ({
    rule: risk.rule,
    level: failing ? "error" : "warning",
    message: `Mass change: ${risk.message}.`,
    resource: risk.resource,
    ...locationOf(report.locations.get(risk.resource)),
    identity: [risk.rule, risk.resource].join("\0"),
  }));
  for (const change of plan.changes) {
    if (change.action === "unchanged") continue;
    const where = report.locations.get(change.resource);
    const risky = risksOf(change.resource, risks).length > 0;
    const from = changeWhereSaid(where);
    findings.push({
      rule: `plan/${change.action}`,
      level: isFailingChange(change, risks, report.failOn) ? "error" : risky ? "warning" : "note",
      message: `${change.action} ${change.resource}${from}\n${stripDiffHeader(change.diff)}`,
      resource: change.resource,
      ...locationOf(where),
      identity: [`plan/${change.action}`, change.resource, change.diff].join("\0"),
    });
  }
  findings.push(...unknownValuesFindings("plan", unknownValues(plan), report.locations));
  return log(tool, "plan", findings, root);
}

/** SARIF's messages are sentences, as the rules' descriptions are. */
const asSentence = (meaning: string) => `${meaning.charAt(0).toUpperCase()}${meaning.slice(1)}.`;
const OWNERSHIP_LABEL_ONLY_SENTENCE = asSentence(OWNERSHIP_LABEL_ONLY_MEANING);

export function renderDriftSarif(input: DriftReportInput, tool: ToolInfo, root = ""): string {
  const modified = asSentence(modifiedMeaning(input.environment));
  const meaning = (item: DriftItem) => (item.ownershipLabelOnly ? OWNERSHIP_LABEL_ONLY_SENTENCE : item.kind === "modified" ? modified : describeRule(`drift/${item.kind}`));
  const findings = input.report.items.map(
    (item): Finding => ({
      rule: `drift/${item.kind}`,
      level: isFailingDrift(item, input.failOn) ? "error" : item.kind === "unmanaged" ? "note" : "warning",
      message: `${item.kind} ${item.resource}${driftAdoptionMark(item)}: ${meaning(item)}\n${stripDiffHeader(item.diff)}`,
      resource: item.resource,
      ...locationOf(input.locations.get(item.resource)),
      identity: [`drift/${item.kind}`, item.resource, item.diff].join("\0"),
    }),
  );
  findings.push(...unknownValuesFindings("drift", input.report.unknownValues ?? [], input.locations));
  // What the control plane made or another one synced is never a result (a zone holds thousands), but code scanning
  // shows the run's notes: said once, and counted in the run's properties for machines, as JSON's `leftAlone`.
  const leftAlone = leftAloneLine(input.report.leftAlone);
  return log(tool, "drift", findings, root, undefined, leftAlone ? { notes: [leftAlone], properties: { leftAlone: leftAloneSummary(input.report.leftAlone) } } : {});
}

/**
 * A note on each SOPS-encrypted resource whose values were not compared, on its file, as junit's test case says it:
 * code scanning shows notes, and "no changes" or "in sync" alone would read as the Secret being the same.
 */
function unknownValuesFindings(command: "plan" | "drift", resources: readonly string[], locations: PlanReport["locations"]): Finding[] {
  const rule = `${command}/unknown-values`;
  return resources.map((resource) => ({
    rule,
    level: "note",
    message: unknownValuesNote([resource]) ?? "",
    resource,
    ...locationOf(locations.get(resource)),
    identity: [rule, resource].join("\0"),
  }));
}

/**
 * A run that failed with an error: no results, and `executionSuccessful: false` with the reason as an error
 * notification, which code scanning shows on the tool's status rather than taking the empty run for a clean one.
 */
export function renderFailedSarif(command: string, message: string, tool: ToolInfo): string {
  return log(tool, command, [], "", { executionSuccessful: false, toolExecutionNotifications: [{ level: "error", message: { text: message } }] });
}

/**
 * Whether a SARIF log is a failed run's (renderFailedSarif's `executionSuccessful: false`), not a report of findings.
 * A damaged one (cut short, not a log of runs) is too: what it reports cannot be taken for a run's.
 */
export function isFailedSarif(text: string): boolean {
  let log: unknown;
  try {
    log = JSON.parse(text);
  } catch {
    return true;
  }
  const runs = (log as { runs?: unknown } | null)?.runs;
  if (!Array.isArray(runs)) return true;
  const invocations = runs.flatMap((run: { invocations?: unknown } | null) => (Array.isArray(run?.invocations) ? (run.invocations as unknown[]) : []));
  return invocations.some((i) => (i as { executionSuccessful?: unknown } | null)?.executionSuccessful === false);
}

// ---------------------------------------------------------------------------------------------------------------------

/** A base revision's location is the whole file (no region: its line is not the head's), none when the head lacks it. */
function locationOf(location: Location | undefined): Pick<Finding, "location"> {
  const where = inHeadFiles(location);
  return where ? { location: { file: where.file, line: where.line ?? 0, column: where.column ?? 0 } } : {};
}

/** GitHub code scanning refuses a SARIF run of more results (and shows the first 5,000 by severity). */
const MAX_RESULTS = 25_000;

/** `root`: the configuration's folder, repository-relative ("" the repository's root), where a finding of no file is anchored. */
/** SARIF's invocation: whether the run succeeded, and what it says of itself. */
interface Invocation {
  readonly executionSuccessful: boolean;
  readonly toolExecutionNotifications: readonly { readonly level: Level; readonly message: { readonly text: string } }[];
}

/** What a run says of itself besides its results: notes (its invocation's notifications) and its properties. */
interface RunExtras {
  readonly notes?: readonly string[];
  readonly properties?: Record<string, unknown>;
}

function log(tool: ToolInfo, command: string, findings: readonly Finding[], root: string, failed?: Invocation, extras: RunExtras = {}): string {
  const ruleIds = [...new Set(findings.map((f) => f.rule))].sort();
  const index = new Map(ruleIds.map((id, i) => [id, i]));
  const rules = ruleIds.map((id) => ({
    id,
    name: ruleName(id),
    shortDescription: { text: describeRule(id) },
    defaultConfiguration: { level: defaultLevel(id) },
  }));
  // Errors, then warnings, then notes (each in report order), as many as GitHub takes.
  const kept = findings.length <= MAX_RESULTS ? findings : (["error", "warning", "note"] as const).flatMap((level) => findings.filter((f) => f.level === level)).slice(0, MAX_RESULTS);
  const left = findings.length - kept.length;
  const notes = [
    ...(left > 0
      ? [`${left} of ${findings.length} results left out: GitHub code scanning takes at most ${MAX_RESULTS.toLocaleString("en-US")} a run (the errors and warnings are kept first); --format json lists every one`]
      : []),
    ...(extras.notes ?? []),
  ];
  const results = kept.map((f) => ({
    ruleId: f.rule,
    ruleIndex: index.get(f.rule) ?? 0,
    level: f.level,
    message: { text: f.message },
    locations: [sarifLocation(f, root)],
    partialFingerprints: { "meshops/v1": createHash("sha256").update(f.identity, "utf8").digest("hex").slice(0, 32) },
  }));
  const sarif = {
    $schema: SARIF_SCHEMA,
    version: "2.1.0",
    runs: [
      {
        tool: { driver: { name: tool.name, version: tool.version, semanticVersion: tool.version, rules } },
        automationDetails: { id: `meshops/${command}/` },
        columnKind: "utf16CodeUnits",
        ...(failed
          ? { invocations: [failed] }
          : notes.length > 0
            ? { invocations: [{ executionSuccessful: true, toolExecutionNotifications: notes.map((text) => ({ level: "note", message: { text } })) }] }
            : {}),
        results,
        ...(extras.properties ? { properties: extras.properties } : {}),
      },
    ],
  };
  return JSON.stringify(sarif, null, 2) + "\n";
}

/**
 * GitHub code scanning refuses the whole file when one result has no physical location with a URI: a finding of no file
 * (a resource only the control plane has, a folder with no configuration) is anchored at the configuration's folder.
 */
function sarifLocation(f: Finding, root: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (f.location) {
    const region = f.location.line > 0 ? { startLine: f.location.line, ...(f.location.column > 0 ? { startColumn: f.location.column } : {}) } : undefined;
    out.physicalLocation = { artifactLocation: { uri: fileUri(f.location.file), uriBaseId: "%SRCROOT%" }, ...(region ? { region } : {}) };
  } else {
    out.physicalLocation = { artifactLocation: { uri: root === "" ? "." : fileUri(root), uriBaseId: "%SRCROOT%" } };
  }
  if (f.resource) out.logicalLocations = [{ fullyQualifiedName: f.resource, kind: "resource" }];
  return out;
}

/** A repository-relative path as a relative URI reference: each segment percent-encoded, `/` kept. */
function fileUri(file: string): string {
  return file.split("/").map(encodeURIComponent).join("/");
}

/** `MeshTrafficPermission` style names for rule ids: `tenancy/payments-no-mesh-wide` → `TenancyPaymentsNoMeshWide`. */
function ruleName(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]?.toUpperCase() + w.slice(1))
    .join("");
}

/** Rules whose findings are warnings (or info) unless a flag makes them errors. */
const WARNING_RULES = new Set(["dangling-reference", "skip-list", "zone-provided-services", "tenancy-unmatched", "pattern-unmatched"]);

/** The level a rule has without flags: the two warning rules of `validate`, notes for changes and unmanaged resources. */
function defaultLevel(id: string): Level {
  if (WARNING_RULES.has(id)) return "warning";
  if (id === "drift/unmanaged" || id === "drift/unknown-values" || id.startsWith("plan/")) return "note";
  return "error";
}
