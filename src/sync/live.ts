import type { Backend, ControlPlaneEnvironment, TypeInfo } from "../backend/types.js";
import { BackendError } from "../backend/types.js";
import { RESOURCE_TYPES, SERVER_RECORDED_KINDS, isSecretType, resourceType } from "../kuma/types.js";
import { pluralOfKind } from "../kuma/naming.js";
import type { JsonObject } from "../model/resource.js";
import { GLOBAL_SCOPE, subjectOf } from "../model/key.js";
import { LATEST_MINOR, SUPPORTED_MINORS, compareMinors, kindIntroducedAfter, minorLine, schemaLine } from "../kuma/versions.js";
import type { Resource, SourceRef } from "../model/resource.js";
import { newerThanLine } from "../validate/schema.js";
import type { RepoConfig } from "../config/repoConfig.js";
import { desiredOf, type DesiredState } from "../desired/index.js";
import { namesUpTo } from "../util/namesUpTo.js";
import type { Diagnostic } from "../model/diagnostic.js";
import { locatedDiagnostics, type FileTexts } from "../validate/services.js";

/**
 * Whether meshops reads and writes a type under this meshops.yaml: Dataplanes only when `resources.dataplanes` asks
 * for them (otherwise the ones kuma-dp registers are neither listed, compared, reported nor pruned).
 */
export function isManagedType(typeName: string, config: Pick<RepoConfig, "resources"> | undefined): boolean {
  return typeName !== "Dataplane" || config?.resources.dataplanes === true;
}

/** Why meshops does not write to a Kubernetes-mode control plane, and what to do instead. */
export const KUBERNETES_APPLY_HINT =
  "apply through Kubernetes instead: `meshops render --format kubernetes` (kubectl apply, or as an Argo CD Config Management Plugin) " +
  "or `meshops hydrate` for Flux; `plan` and `drift` compare against this control plane as it is";

/**
 * Everything the control plane holds of the types meshops manages: one paginated list per type across all meshes.
 * Types the control plane does not serve are skipped (an older version may lack one); a read-only API is refused
 * up front with a message that says what to do, instead of failing on the first write.
 */
export async function readLiveState(
  backend: Backend,
  options: { needWrite: boolean; types?: readonly TypeInfo[]; config?: Pick<RepoConfig, "resources">; secretsOptional?: boolean; environment?: ControlPlaneEnvironment },
): Promise<JsonObject[]> {
  if (options.needWrite && options.environment === "kubernetes") {
    throw new BackendError(`the control plane runs on Kubernetes, where its API is read-only and meshops does not write: ${KUBERNETES_APPLY_HINT}`);
  }
  const listed = (options.types ?? (await backend.types())).filter((t) => isManagedType(t.name, options.config));
  const served = new Map<string, TypeInfo>(listed.map((t) => [t.name, t]));
  if (options.needWrite) {
    const readOnly = RESOURCE_TYPES.filter((t) => served.get(t.name)?.readOnly).map((t) => t.name);
    if (readOnly.length > 0) {
      throw new BackendError(
        `the control plane's API is read-only for ${readOnly.join(", ")} (as on Kubernetes-mode control planes and federated zones): ` +
          `point --cp-url at the writable control plane, or ${KUBERNETES_APPLY_HINT}`,
      );
    }
  }
  const types = RESOURCE_TYPES.filter((t) => served.has(t.name));
  const lists = await Promise.all(types.map((t) => (isSecretType(t.name) && options.secretsOptional === true ? listIfAllowed(backend, t.name) : backend.list(t.name))));
  return lists.flat();
}

/**
 * The kinds the control plane serves that meshops does not read: Dataplanes (unless meshops.yaml manages them), Kuma's
 * and Kong Mesh's legacy kinds, kinds meshops does not know. What the control plane records itself (its insights, the
 * zones and zone proxies that registered) is no configuration, so not among them.
 */
export function unreadKinds(types: readonly TypeInfo[], config: Pick<RepoConfig, "resources"> | undefined): TypeInfo[] {
  const read = (name: string) => resourceType(name) !== undefined && isManagedType(name, config);
  return types.filter((t) => !t.name.endsWith("Insight") && !Object.hasOwn(SERVER_RECORDED_KINDS, t.name) && !read(t.name));
}

/**
 * How many resources of each unread kind (unreadKinds) the control plane holds, one list per kind across all meshes;
 * undefined for a kind it would not list (a token without the right, on Kong Mesh), with a warning.
 */
export async function countUnreadKinds(
  backend: Backend,
  types: readonly TypeInfo[],
  config: Pick<RepoConfig, "resources"> | undefined,
  onWarning?: (message: string) => void,
): Promise<Map<string, number | undefined>> {
  const counts = await Promise.all(
    unreadKinds(types, config).map(async (t): Promise<[string, number | undefined]> => {
      try {
        return [t.name, (await backend.list(t.name)).length];
      } catch (error) {
        onWarning?.(`cannot count the ${pluralOfKind(t.name)} the control plane holds (listing them failed: ${firstLine(error)})`);
        return [t.name, undefined];
      }
    }),
  );
  return new Map(counts);
}

const firstLine = (error: unknown): string => (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "";

/**
 * The meshes among `meshes` that hold something of a mesh-scoped kind meshops does not read: Dataplanes (unless
 * meshops.yaml manages them), Kuma's legacy kinds (TrafficPermission, TrafficRoute, ExternalService, ProxyTemplate...)
 * or any other the control plane serves (GET /_resources). Deleting their Mesh would delete that too (FACTS §2.9), so
 * prune keeps the Mesh; what the control plane computes (its insights) does not count. One list per mesh and kind:
 * asked only for the Meshes a prune could delete.
 */
export async function meshesHoldingUnreadKinds(
  backend: Backend,
  types: readonly TypeInfo[],
  meshes: ReadonlySet<string>,
  config: Pick<RepoConfig, "resources"> | undefined,
  onWarning?: (message: string) => void,
): Promise<Set<string>> {
  const held = new Set<string>();
  if (meshes.size === 0) return held;
  const unread = unreadKinds(types, config).filter((t) => t.scope === "Mesh");
  await Promise.all(
    [...meshes].flatMap((mesh) =>
      unread.map(async (t) => {
        try {
          if ((await backend.list(t.name, mesh)).length > 0) held.add(mesh);
        } catch (error) {
          // A token without the right to list the kind (Kong Mesh's RBAC): what cannot be known is kept.
          held.add(mesh);
          onWarning?.(`cannot tell whether mesh ${mesh} holds ${pluralOfKind(t.name)} (listing them failed: ${firstLine(error)}): its Mesh is kept`);
        }
      }),
    ),
  );
  return held;
}

/** Resources named in a LackedGroup's warning; beyond, a count. */
const LACKED_GROUP_SHOWN = 3;

/**
 * A kind the control plane does not serve, or a mesh it does not have, and the repository's resources of it: one
 * warning (lackedGroupWarning). `apply` refuses each of those it would write at its `path` (lackedByControlPlane).
 */
export interface LackedGroup {
  readonly path: "type" | "mesh";
  /** What the control plane lacks, said before the resources it keeps from being applied. */
  readonly lacks: string;
  readonly resources: readonly Resource[];
  /** Where the resources it names first have the field at `path` (`file:line:column`), as `apply`'s error says (locatedGroups). */
  readonly at?: ReadonlyMap<Resource, string>;
}

/** A LackedGroup as one warning, naming its first few resources at their field (else their document). */
export function lackedGroupWarning(group: LackedGroup): string {
  const count = group.resources.length;
  const named = (resource: Resource): string => {
    const at = group.at?.get(resource) ?? (resource.source ? writtenAt(resource.source) : undefined);
    return `${subjectOf(resource)}${at ? ` (${at})` : ""}`;
  };
  return `${group.lacks}: ${count} resource${count === 1 ? "" : "s"} cannot be applied there: ${namesUpTo(group.resources, LACKED_GROUP_SHOWN, named)}`;
}

/**
 * `groups` with the resources their warnings name located at the group's field (`texts`: the validated revision's), as
 * `apply` refuses them (lackedByControlPlane, through locatedDiagnostics): the warning and the error point at one line.
 * Only the first few of each group, which lackedGroupWarning names, cost a read.
 */
export async function locatedGroups(groups: readonly LackedGroup[], texts: FileTexts | undefined): Promise<LackedGroup[]> {
  const shown = groups.flatMap((group) => group.resources.slice(0, LACKED_GROUP_SHOWN).map((resource) => ({ resource, path: group.path, message: "" })));
  if (shown.length === 0) return [...groups];
  const located = await locatedDiagnostics(shown, texts, CONTROL_PLANE_LACKS_RULE, "warning");
  let next = 0;
  return groups.map((group) => {
    const at = new Map<Resource, string>();
    for (const resource of group.resources.slice(0, LACKED_GROUP_SHOWN)) {
      const d = located[next++];
      if (d?.file && d.line > 0) at.set(resource, `${d.file}:${d.line}${d.column > 0 ? `:${d.column}` : ""}`);
    }
    return { ...group, at };
  });
}

/**
 * One group per kind the repository has and the control plane does not serve (an older line: MeshTrust before 2.12;
 * Kong Mesh's kinds on Kuma): its resources would be planned as creates and then refused. `served` is GET
 * /_resources' list.
 */
export function unservedKindGroups(resources: readonly Resource[], served: readonly TypeInfo[], reportedMinor: string | undefined): LackedGroup[] {
  const unserved = unservedKinds(served);
  if (unserved.size === 0) return [];
  const missing = new Map<string, Resource[]>();
  for (const resource of resources) {
    if (!unserved.has(resource.type)) continue;
    const of = missing.get(resource.type) ?? [];
    of.push(resource);
    missing.set(resource.type, of);
  }
  return [...missing].map(([type, of]) => {
    const introduced = reportedMinor !== undefined ? kindIntroducedAfter(type, reportedMinor) : undefined;
    const why = `${introduced ? `introduced in Kuma ${introduced}; ` : ""}GET /_resources does not list it`;
    return { path: "type", lacks: `the control plane does not serve ${type} (${why})`, resources: of };
  });
}

/** Resources named one by one in olderLineWarnings; beyond, a count. */
const OLDER_LINE_SHOWN = 10;

/**
 * What the control plane lacks, as warnings: the kinds it does not serve and the meshes it does not have (one group
 * each), and what its older line lacks, one diagnostic per field (report/diagnostics.ts writes it as every diagnostic
 * is) and, past OLDER_LINE_SHOWN resources, the rest, counted in one sentence (unshownSentence).
 */
export interface LackingWarnings {
  readonly groups: readonly LackedGroup[];
  readonly diagnostics: readonly Diagnostic[];
  readonly unshown?: UnshownLacking;
}

/** The resources past OLDER_LINE_SHOWN that hold what the older line lacks: each one's fields, so that withoutRefused can drop those `apply` refuses. */
export interface UnshownLacking {
  readonly reportedVersion: string;
  readonly fields: readonly (readonly string[])[];
}

/** What the control plane's older line lacks (olderLineWarnings): LackingWarnings' diagnostics and the rest. */
export type OlderLineWarnings = Pick<LackingWarnings, "diagnostics" | "unshown">;

/** The sentence counting LackingWarnings' unshown resources ("more" than its diagnostics name), or none. */
export function unshownSentence(lacking: LackingWarnings): string | undefined {
  const count = lacking.unshown?.fields.length ?? 0;
  if (lacking.unshown === undefined || count === 0) return undefined;
  const version = lacking.unshown.reportedVersion;
  const more = lacking.diagnostics.length > 0 ? " more" : "";
  return `${count}${more} resource${count === 1 ? " holds" : "s hold"} what the control plane (Kuma ${version}) does not have: validate with controlPlane.version ${version} to see them`;
}

/** A field of a resource (its subject), as `apply` refuses it (lackedFields) and LackingWarnings name it. */
const fieldKey = (subject: string, path: string): string => `${subject}\0${path}`;

/** The fields of `lacked` (lackedInPlan's), for withoutRefused. */
export function lackedFields(lacked: readonly LackedPart[]): Set<string> {
  return new Set(lacked.map((l) => fieldKey(subjectOf(l.resource), l.path)));
}

/**
 * `lacking` without the fields `apply` refuses for (lackedFields), which it says once, as errors: a group keeps the
 * resources it does not write (another scope's), located again (`texts`) since those it now names first may not have
 * been, and goes when none is left; the unshown count keeps the resources with a field not refused.
 */
export async function withoutRefused(lacking: LackingWarnings, refused: ReadonlySet<string>, texts: FileTexts | undefined): Promise<LackingWarnings> {
  if (refused.size === 0) return lacking;
  const kept = lacking.groups.flatMap((g) => {
    const resources = g.resources.filter((r) => !refused.has(fieldKey(subjectOf(r), g.path)));
    return resources.length === 0 ? [] : [{ ...g, resources }];
  });
  const groups = await locatedGroups(kept, texts);
  const diagnostics = lacking.diagnostics.filter((d) => !refused.has(fieldKey(d.resource, d.path)));
  const unshown = lacking.unshown && { ...lacking.unshown, fields: lacking.unshown.fields.filter((fields) => fields.some((f) => !refused.has(f))) };
  return { groups, diagnostics, ...(unshown ? { unshown } : {}) };
}

/**
 * When the control plane runs an older Kuma line than the repository was validated against (`configuredVersion`, the
 * newest line without one): one warning per field or enum value that line does not have, which it refuses or drops
 * (then drift after every apply), at the field's file, line and column as `apply` refuses it (`texts`: the validated
 * revision's, to locate them in). Validation said nothing, since those belong to the repository's line; the kinds the
 * control plane lacks altogether are unservedKindGroups'.
 */
export async function olderLineWarnings(
  resources: readonly Resource[],
  configuredVersion: string | undefined,
  reportedVersion: string | undefined,
  texts: FileTexts | undefined,
): Promise<OlderLineWarnings> {
  const reported = olderReportedLine(configuredVersion, reportedVersion);
  if (reportedVersion === undefined || reported === undefined) return { diagnostics: [] };
  const shown: LackedPart[] = [];
  const unshown: string[][] = [];
  let lackingResources = 0;
  for (const resource of resources) {
    const lacking = olderLineParts(resource, reported, controlPlaneNamed(reportedVersion));
    if (lacking.length === 0) continue;
    if (lackingResources++ < OLDER_LINE_SHOWN) shown.push(...lacking);
    else unshown.push([...lackedFields(lacking)]);
  }
  const diagnostics = await locatedDiagnostics(shown, texts, CONTROL_PLANE_LACKS_RULE, "warning");
  return { diagnostics, ...(unshown.length > 0 ? { unshown: { reportedVersion, fields: unshown } } : {}) };
}

/** The fields and enum values of `resource` the control plane's older line (`olderLine`, a minor) does not have. */
function olderLineParts(resource: Resource, olderLine: string, controlPlane: string): LackedPart[] {
  return newerThanLine(resource.type, resource.object, olderLine).map((v) => ({ resource, path: v.path, message: `${v.message}; ${controlPlane} does not have it, so it would refuse or drop it` }));
}

/** `the control plane (Kuma 2.10.11)`, or `the control plane` when it reports no version. */
const controlPlaneNamed = (reportedVersion: string | undefined): string => (reportedVersion === undefined ? "the control plane" : `the control plane (Kuma ${reportedVersion})`);

/** Where a resource is written, as a warning without a field's position names it: `file:line` of its document. */
const writtenAt = (source: SourceRef): string => `${source.file}:${source.line}`;


/** The kinds meshops knows that GET /_resources (`served`) does not list. */
function unservedKinds(served: readonly TypeInfo[]): Set<string> {
  const names = new Set(served.map((t) => t.name));
  // Usually every kind meshops knows is served: then no resource needs looking at (the daemon asks at every commit).
  return new Set(RESOURCE_TYPES.map((t) => t.name).filter((name) => !names.has(name)));
}

/**
 * The minor line the control plane reports (`reportedVersion`) when it is older than the one the repository was
 * validated against (`configuredVersion`, the newest line without one), and one meshops has schemas for: then what
 * the repository holds of newer lines passed validation and is not the control plane's.
 */
function olderReportedLine(configuredVersion: string | undefined, reportedVersion: string | undefined): string | undefined {
  const reported = minorLine(reportedVersion);
  const selected = schemaLine(configuredVersion);
  const validated = "error" in selected ? LATEST_MINOR : selected.minor;
  return reported !== undefined && SUPPORTED_MINORS.includes(reported) && compareMinors(reported, validated) < 0 ? reported : undefined;
}

/**
 * The meshes `resources` belong to that the control plane does not have (`liveMeshes`) and that no Mesh among them
 * creates: one meshops.yaml's externalMeshes names, or `default` where the control plane skipped making it. The control
 * plane refuses every resource of such a mesh (400 "Mesh is not found").
 */
function meshesMissing(resources: readonly Resource[], liveMeshes: ReadonlySet<string>): Set<string> {
  const created = new Set(resources.filter((r) => r.type === "Mesh").map((r) => r.name));
  const missing = new Set<string>();
  for (const r of resources) if (r.type !== "Mesh" && r.mesh !== GLOBAL_SCOPE && !liveMeshes.has(r.mesh) && !created.has(r.mesh)) missing.add(r.mesh);
  return missing;
}

/** The names of the Meshes among the control plane's objects. */
export function meshNamesOf(live: readonly JsonObject[]): Set<string> {
  return new Set(live.flatMap((o) => (o.type === "Mesh" && typeof o.name === "string" ? [o.name] : [])));
}

/** One group per mesh of meshesMissing. */
export function missingMeshGroups(resources: readonly Resource[], liveMeshes: ReadonlySet<string>): LackedGroup[] {
  const missing = meshesMissing(resources, liveMeshes);
  if (missing.size === 0) return [];
  return [...missing].sort().map((mesh) => ({
    path: "mesh",
    lacks: `the control plane has no Mesh ${mesh}, which the repository uses without defining it`,
    resources: resources.filter((r) => r.mesh === mesh && r.type !== "Mesh"),
  }));
}

/** A part of a resource the control plane lacks: the field at `path` (`type`: the kind), and what it would do. */
export interface LackedPart {
  readonly resource: Resource;
  readonly path: string;
  readonly message: string;
}

/**
 * What of `resources` the control plane would refuse, or drop (an older line's decoder drops a field it does not
 * know): a kind GET /_resources (`served`) does not list, at `type`; and, when it runs an older line than the
 * repository was validated against, each field or enum value of a newer line. The same findings as
 * unservedKindGroups, missingMeshGroups and olderLineWarnings, one per field, for `apply` to refuse before its first write.
 */
export function lackedByControlPlane(
  resources: readonly Resource[],
  served: readonly TypeInfo[],
  configuredVersion: string | undefined,
  reportedVersion: string | undefined,
  liveMeshes: ReadonlySet<string>,
): LackedPart[] {
  const unserved = unservedKinds(served);
  const missingMeshes = meshesMissing(resources, liveMeshes);
  const olderLine = olderReportedLine(configuredVersion, reportedVersion);
  const reportedMinor = minorLine(reportedVersion);
  const controlPlane = controlPlaneNamed(reportedVersion);
  const out: LackedPart[] = [];
  for (const resource of resources) {
    if (missingMeshes.has(resource.mesh)) {
      out.push({ resource, path: "mesh", message: `the control plane has no Mesh ${resource.mesh}, which the repository uses without defining it, so it would refuse it` });
      continue;
    }
    if (unserved.has(resource.type)) {
      const introduced = reportedMinor !== undefined ? kindIntroducedAfter(resource.type, reportedMinor) : undefined;
      const why = introduced ? `introduced in Kuma ${introduced}` : "GET /_resources does not list it";
      out.push({ resource, path: "type", message: `${controlPlane} does not serve ${resource.type} (${why}), so it would refuse it` });
      continue;
    }
    if (olderLine !== undefined) out.push(...olderLineParts(resource, olderLine, controlPlane));
  }
  return out;
}

/** The rule of what the control plane lacks: `apply` refuses a plan for it, `watch` holds the mesh. */
export const CONTROL_PLANE_LACKS_RULE = "control-plane-lacks";

/** What a plan's creates and updates are compared with: the desired state and the control plane it is planned for. */
export interface LackedInPlanInput {
  readonly changes: readonly { readonly action: string; readonly resource: string }[];
  readonly desired: DesiredState;
  readonly served: readonly TypeInfo[];
  /** meshops.yaml's controlPlane.version (the line the repository was validated against). */
  readonly configuredVersion: string | undefined;
  /** GET /'s basedOnKuma, else its version. */
  readonly reportedVersion: string | undefined;
  readonly liveMeshes: ReadonlySet<string>;
}

/**
 * lackedByControlPlane of what a plan writes (its creates and updates; a delete writes nothing the control plane
 * could lack): the one check `apply` refuses a plan for and `watch` holds a mesh for, before the first write.
 */
export function lackedInPlan(input: LackedInPlanInput): LackedPart[] {
  // Looked up by subject: a daemon's commit writes a few of 50,000 desired resources, and its desired state is kept per
  // mesh (listing every resource, or naming each, would cost the commit more than its plan).
  const resources: Resource[] = [];
  for (const change of input.changes) {
    if (change.action !== "create" && change.action !== "update") continue;
    const resource = desiredOf(input.desired, change.resource);
    if (resource) resources.push(resource);
  }
  return resources.length === 0 ? [] : lackedByControlPlane(resources, input.served, input.configuredVersion, input.reportedVersion, input.liveMeshes);
}

/**
 * Secrets are admin-only on the control plane (FACTS §2.7): a token that may read every policy may still be refused
 * them. A repository without Secrets does not need them, so for it a refusal means "none to compare"; a repository
 * with Secrets lists them like everything else, and a refusal is the error it is.
 */
async function listIfAllowed(backend: Backend, type: string): Promise<JsonObject[]> {
  try {
    return await backend.list(type);
  } catch (error) {
    if (error instanceof BackendError && (error.status === 401 || error.status === 403)) return [];
    throw error;
  }
}
