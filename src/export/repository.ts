/**
 * `meshops export`: a repository from what a control plane holds, written so that `validate` passes and `plan`
 * against the same control plane shows no change. Pure: the live objects and the server's answers in, file paths
 * and their text out; the CLI lists and writes.
 *
 * What the control plane set is stripped (the same fields an import warns about, `kuma/server.ts`). A default policy
 * identical to the one meshops would materialize is left out: meshops materializes it. Resources this instance does
 * not own go under `unmanaged/`, which the written meshops.yaml excludes, unless `adopt` asks to own them (the next
 * apply adds the ownership label); another meshops instance's stay there even then, as its next apply would take
 * them back. What the control plane generated or another control plane synced to it
 * (kuma/controlPlaneMade.ts) is nobody's repository, and is left out. Secrets are left out too, unless the caller will encrypt them (`secrets`): they are
 * then returned as plaintext documents apart from the files, for `sealSecretFiles` to encrypt before anything is written.
 */
import { stringifyYaml } from "../parse/yaml11.js";
import { defaultPoliciesOf } from "../desired/index.js";
import { isOwned, MANAGED_BY_LABEL, otherInstanceOf, withOwnership } from "../desired/ownership.js";
import { sameNormalized } from "../diff/normalize.js";
import { inServerKeyOrder, withoutServerManagedSpecFields } from "../kuma/server.js";
import { controlPlaneSource, type ControlPlaneMode } from "../kuma/controlPlaneMade.js";
import { sortForWrite } from "../kuma/order.js";
import { DEFAULT_MESH, KONG_MESH_LEGACY_KIND_REPLACEMENTS, LEGACY_KIND_REPLACEMENTS, MESH_LABEL, meshOfWritten, resourceType } from "../kuma/types.js";
import { isServerCreated } from "../kuma/defaultPolicies.js";
import { createsDefaultPolicies, kumaMajor, type VersionInfo } from "../kuma/version.js";
import { DISPLAY_NAME_LABEL, defaultSystemNamespace, kubernetesNameOf, onKubernetes, systemNamespaceShown } from "../kuma/naming.js";
import { schemaLine } from "../kuma/versions.js";
import { isGlobalKey, subjectOf } from "../model/key.js";
import { compareText } from "../model/order.js";
import { isJsonObject, type JsonObject, type Resource } from "../model/resource.js";
import { withoutServerSetFields } from "../parse/convert.js";
import { toKubernetes } from "../report/render.js";
import { encryptDocument } from "../secrets/sops.js";

export const EXPORT_LAYOUTS = ["by-mesh", "flat", "by-type"] as const;
export type ExportLayout = (typeof EXPORT_LAYOUTS)[number];
export const EXPORT_SHAPES = ["universal", "kubernetes"] as const;
export type ExportShape = (typeof EXPORT_SHAPES)[number];

/** Never written in clear text: a repository is no place for secret values. */
const SECRET_TYPES = new Set(["Secret", "GlobalSecret"]);
/** Written SOPS-encrypted when the caller can encrypt them (a recipient was given). */
const ENCRYPTABLE_TYPES = new Set(["Secret", "GlobalSecret"]);
/** What SOPS encrypts in an exported Secret: Flux's usual choice, which fits both shapes (`data`, `data.value`). */
export const SECRET_ENCRYPTED_REGEX = "^(data|stringData)$";
/** Kinds meshops manages only when meshops.yaml opts in (Dataplanes: kuma-dp registers them), so not exported. */
const OPT_IN_TYPES = new Set(["Dataplane"]);

/** Where the resources of no mesh (HostnameGenerators, GlobalSecrets) are written: `global/<type path>/<name>.yaml`. */
const GLOBAL_DIR = "global";
/** Where resources this instance does not own are written (excluded by the written meshops.yaml). */
export const UNMANAGED_DIR = "unmanaged";

export interface ExportOptions {
  readonly layout: ExportLayout;
  readonly shape: ExportShape;
  /** The ownership label's value: what counts as owned, and the `instance` of the written meshops.yaml. */
  readonly instance: string;
  /** Export resources this instance does not own into the repository itself, so the next apply owns them. */
  readonly adopt: boolean;
  /** Return Secrets as documents to encrypt (`secretDocuments`) instead of leaving them out. */
  readonly secrets?: boolean;
  /** The control plane's role, which says what another control plane synced to it; written into meshops.yaml. Default zone. */
  readonly mode?: ControlPlaneMode;
}

/** What the control plane said of itself (GET /), and how much it holds of each kind meshops does not read (sync/live.ts countUnreadKinds). */
export interface ExportedControlPlane {
  readonly info: VersionInfo & { readonly product: string };
  /** Kind → how many resources of it; undefined when they could not be listed. */
  readonly unreadKinds: ReadonlyMap<string, number | undefined>;
}

export interface ExportSummary {
  /** Resources written into the repository (owned, or adopted). */
  readonly exported: number;
  /** Resources of no meshops instance written under unmanaged/ (not adopted). */
  readonly unmanaged: readonly string[];
  /** Another meshops instance's resources, written under unmanaged/ whether or not `adopt` was asked, by instance (sorted). */
  readonly otherInstances: readonly { readonly instance: string; readonly resources: readonly string[] }[];
  /**
   * Not-owned resources the next apply adopts because `adopt` was asked: those written into the repository, then the
   * default policies left out as materialized (meshops' copies update them).
   */
  readonly adopted: readonly string[];
  /** How many of `adopted` are default policies left out. */
  readonly adoptedDefaultPolicies: number;
  /** Default policies left out because meshops materializes them identically. */
  readonly defaultPolicies: number;
  /** Secrets left out (should the live state hold any). */
  readonly secrets: number;
  /** Secrets returned to be written encrypted. */
  readonly encryptedSecrets: number;
  /** Resources the control plane generated (`kuma.io/managed-by`), left out. */
  readonly generated: readonly string[];
  /** Resources another control plane synced here (`kuma.io/origin`), left out. */
  readonly synced: readonly string[];
  /** What the control plane holds of kinds meshops does not manage (Dataplanes, legacy kinds): not exported. A kind it holds none of is not listed. */
  readonly notExported: readonly { readonly type: string; readonly count: number | undefined }[];
  /** False when some exported Mesh lacks a default policy meshops would create: defaults are then exported as files. */
  readonly materializeDefaults: boolean;
  readonly config: {
    readonly version?: string;
    readonly product: string;
    readonly mode?: ControlPlaneMode;
    /** A Kubernetes zone's system namespace, when it is not the product's usual one. */
    readonly systemNamespace?: string;
    readonly skipDefaultMeshCreation: boolean;
    readonly externalMeshes: readonly string[];
  };
}

export interface ExportedRepository {
  /** Repository-relative path → file text, sorted by path. */
  readonly files: ReadonlyMap<string, string>;
  /** Repository-relative path → a Secret's plaintext document, one per file: `sealSecretFiles` encrypts them. */
  readonly secretDocuments: ReadonlyMap<string, JsonObject>;
  readonly summary: ExportSummary;
}

interface Entry {
  readonly resource: Resource;
  readonly owned: boolean;
}

export function exportRepository(live: readonly JsonObject[], controlPlane: ExportedControlPlane, options: ExportOptions): ExportedRepository {
  const major = kumaMajor(controlPlane.info, undefined);
  const mode = options.mode ?? "zone";
  const leftAlone = { generated: [] as string[], synced: [] as string[] };
  const inRepository: Entry[] = [];
  const outside: Resource[] = [];
  const otherInstances = new Map<string, string[]>();
  let secrets = 0;
  for (const object of live) {
    // What the control plane made for itself (its token signing keys, its HostnameGenerators) is its own, not the repository's.
    if (isServerCreated(object)) continue;
    // What this instance owns is exported, so that plan (which prunes by ownership) shows no change; what another
    // control plane synced is never owned here (isOwned), even with this instance's label.
    const source = isOwned(object, options.instance, mode) ? undefined : controlPlaneSource(object, mode);
    if (source !== undefined) {
      const [type, name] = [object.type as string, object.name as string];
      leftAlone[source].push(subjectOf({ type, mesh: meshOfWritten(type, name, object.mesh), name }));
      continue;
    }
    if (SECRET_TYPES.has(object.type as string) && !(options.secrets && ENCRYPTABLE_TYPES.has(object.type as string))) {
      secrets++;
      continue;
    }
    if (OPT_IN_TYPES.has(object.type as string)) continue;
    const resource = resourceOf(object);
    const owned = isOwned(object, options.instance, mode);
    const owner = otherInstanceOf(object, options.instance);
    if (owner !== undefined) {
      outside.push(resource);
      const theirs = otherInstances.get(owner);
      if (theirs) theirs.push(subjectOf(resource));
      else otherInstances.set(owner, [subjectOf(resource)]);
    } else if (owned || options.adopt) inRepository.push({ resource: { ...resource, object: withoutOwnership(resource.object) }, owned });
    else outside.push(resource);
  }

  const defaults = leaveOutDefaults(inRepository, major, options.instance);
  const kept = defaults.entries.filter((e) => !defaults.leftOut.has(subjectOf(e.resource)));
  const adoptedDefaults = defaults.entries.filter((e) => !e.owned && defaults.leftOut.has(subjectOf(e.resource))).map((e) => subjectOf(e.resource));
  const definedMeshes = new Set(kept.filter((e) => e.resource.type === "Mesh").map((e) => e.resource.name));
  const liveDefaultMesh = live.some((o) => o.type === "Mesh" && o.name === DEFAULT_MESH);
  // Mirrors KUMA_DEFAULTS_SKIP_MESH_CREATION: a `default` mesh that is there and not the repository's was made by the
  // control plane at start.
  const skipDefaultMeshCreation = !(liveDefaultMesh && !definedMeshes.has(DEFAULT_MESH));
  const externalMeshes = [...new Set(kept.filter((e) => !isGlobalKey(e.resource)).map((e) => e.resource.mesh))]
    .filter((mesh) => !definedMeshes.has(mesh) && !(mesh === DEFAULT_MESH && !skipDefaultMeshCreation))
    .sort(compareText);

  const version = controlPlane.info.basedOnKuma ?? controlPlane.info.version;
  const product = /kong/i.test(controlPlane.info.product) ? "kong-mesh" : "kuma";
  // meshops names the default policies (and renders) into the product's usual namespace unless meshops.yaml says otherwise.
  const systemNamespace = systemNamespaceShown(live)?.namespace;
  const config = {
    ...(version !== undefined && !("error" in schemaLine(version)) ? { version } : {}),
    product,
    ...(mode !== "zone" ? { mode } : {}),
    ...(systemNamespace !== undefined && systemNamespace !== defaultSystemNamespace(product) ? { systemNamespace } : {}),
    skipDefaultMeshCreation,
    externalMeshes,
  };
  const files = new Map<string, string>();
  const secretDocuments = new Map<string, JsonObject>();
  files.set("meshops.yaml", configText(options, config, defaults.materialize, outside.length > 0));
  // Kuma reads Secrets only in its system namespace: the one validate will expect of this meshops.yaml.
  const secretNamespace = config.systemNamespace ?? defaultSystemNamespace(product);
  addDocuments(files, secretDocuments, kept.map((e) => e.resource), "", options, secretNamespace);
  addDocuments(files, secretDocuments, outside, `${UNMANAGED_DIR}/`, options, secretNamespace);
  return {
    files: new Map([...files].sort(([a], [b]) => compareText(a, b))),
    secretDocuments,
    summary: {
      exported: kept.length,
      unmanaged: outside.filter((r) => otherInstanceOf(r.object, options.instance) === undefined).map(subjectOf),
      otherInstances: [...otherInstances].sort(([a], [b]) => compareText(a, b)).map(([instance, resources]) => ({ instance, resources })),
      adopted: [...kept.filter((e) => !e.owned).map((e) => subjectOf(e.resource)), ...adoptedDefaults],
      adoptedDefaultPolicies: adoptedDefaults.length,
      defaultPolicies: defaults.leftOut.size,
      secrets,
      encryptedSecrets: secretDocuments.size,
      generated: leftAlone.generated,
      synced: leftAlone.synced,
      notExported: [...controlPlane.unreadKinds]
        .filter(([, count]) => count !== 0)
        .map(([type, count]) => ({ type, count }))
        .sort((a, b) => compareText(a.type, b.type)),
      materializeDefaults: defaults.materialize,
      config,
    },
  };
}

/** Why resources of a kind in `notExported` are not files, and what to do about it. */
export function whyNotExported(type: string): string {
  if (OPT_IN_TYPES.has(type)) return "kuma-dp registers them; meshops.yaml's resources.dataplanes manages them";
  const legacy = Object.hasOwn(LEGACY_KIND_REPLACEMENTS, type) ? LEGACY_KIND_REPLACEMENTS[type] : undefined;
  if (legacy) return `a legacy kind, removed in Kuma 3, which meshops does not manage: rewrite each as ${legacy}`;
  const kongLegacy = Object.hasOwn(KONG_MESH_LEGACY_KIND_REPLACEMENTS, type) ? KONG_MESH_LEGACY_KIND_REPLACEMENTS[type] : undefined;
  if (kongLegacy) return `a legacy Kong Mesh kind, removed in Kong Mesh 3, which meshops does not manage: rewrite each as ${kongLegacy}`;
  return "a kind meshops does not know";
}

/** A live object as a repository resource: the control plane's fields and rewritten spec fields gone. */
function resourceOf(object: JsonObject): Resource {
  const type = object.type as string;
  const name = object.name as string;
  const mesh = meshOfWritten(type, name, object.mesh);
  const cleaned = inServerKeyOrder(withoutOwnDisplayName(withoutMeshLabel(withoutServerManagedSpecFields(type, withoutServerSetFields(object)), mesh)));
  return { type, mesh, name, object: cleaned, origin: "repository" };
}

/** `kuma.io/mesh` restates `mesh` (the control plane computes it): a repository does not write it. */
function withoutMeshLabel(object: JsonObject, mesh: string): JsonObject {
  return isJsonObject(object.labels) && object.labels[MESH_LABEL] === mesh ? withoutLabel(object, MESH_LABEL) : object;
}

/**
 * `kuma.io/display-name` equal to the name restates it: a Kubernetes zone shows every object with its object name,
 * which for a cluster-scoped one (Mesh, MeshGateway) is its name. A namespaced object's (`api` of `api.team-a`) is
 * half of its identity and stays (`toKubernetes` makes it metadata); a display name of its own is the user's.
 */
function withoutOwnDisplayName(object: JsonObject): JsonObject {
  return isJsonObject(object.labels) && object.labels[DISPLAY_NAME_LABEL] === object.name ? withoutLabel(object, DISPLAY_NAME_LABEL) : object;
}

/** The ownership label goes: building the desired state stamps it again (and stamps it on what is adopted). */
function withoutOwnership(object: JsonObject): JsonObject {
  return isJsonObject(object.labels) && MANAGED_BY_LABEL in object.labels ? withoutLabel(object, MANAGED_BY_LABEL) : object;
}

/** A copy without one label; without `labels` when none is left. */
function withoutLabel(object: JsonObject, key: string): JsonObject {
  const { [key]: _dropped, ...labels } = isJsonObject(object.labels) ? object.labels : {};
  if (Object.keys(labels).length > 0) return { ...object, labels };
  const { labels: _none, ...rest } = object;
  return rest;
}

/**
 * Which default policies to leave out: those meshops would materialize for an exported Mesh and that are live and
 * identical (ownership aside: the materialized one carries it), under its Universal name or, from a Kubernetes zone,
 * as `name.<system namespace>`. A Mesh whose control plane lacks a default meshops
 * would create cannot round-trip with materialization on: on Kuma 3.x (which ignores the skip list and never stores
 * it) its skip list is extended; on 2.x the skip list is part of the stored Mesh, so materialization is turned off
 * and every default is exported as a file.
 */
function leaveOutDefaults(given: readonly Entry[], major: number, instance: string): { entries: Entry[]; leftOut: Set<string>; materialize: boolean } {
  const entries = [...given];
  const bySubject = new Map(entries.map((e) => [subjectOf(e.resource), e.resource]));
  // A Kubernetes zone creates defaults in its system namespace: `mesh-timeout-all-default.kuma-system`, by display name.
  const byDisplayName = new Map<string, { resource: Resource; namespace: string }>();
  for (const { resource } of entries) {
    const named = kubernetesNameOf(resource.object);
    if (named) byDisplayName.set(subjectOf({ ...resource, name: named.name }), { resource, namespace: named.namespace });
  }
  const liveOf = (policy: Resource) => {
    const same = bySubject.get(subjectOf(policy));
    if (same) return { live: same, policy };
    const found = byDisplayName.get(subjectOf(policy));
    return found && { live: found.resource, policy: { ...policy, name: found.resource.name, object: onKubernetes(policy.type, policy.object, found.namespace) } };
  };
  const materialized = new Map<string, Resource[]>();
  let materialize = true;
  for (const [index, entry] of entries.entries()) {
    if (entry.resource.type !== "Mesh") continue;
    let mesh = entry.resource;
    let policies = defaultPoliciesOf(mesh, () => false);
    const missing = policies.filter((p) => !liveOf(p));
    if (missing.length > 0) {
      if (createsDefaultPolicies(major)) {
        materialize = false;
        break;
      }
      const skip = Array.isArray(mesh.object.skipCreatingInitialPolicies) ? mesh.object.skipCreatingInitialPolicies : [];
      const object = { ...mesh.object, skipCreatingInitialPolicies: [...new Set([...skip, ...missing.map((p) => p.type)])] };
      mesh = { ...mesh, object };
      entries[index] = { ...entry, resource: mesh };
      policies = defaultPoliciesOf(mesh, () => false);
    }
    materialized.set(mesh.name, policies);
  }
  const leftOut = new Set<string>();
  if (!materialize) return { entries: [...given], leftOut, materialize };
  for (const policies of materialized.values()) {
    for (const policy of policies) {
      const found = liveOf(policy);
      if (found && sameNormalized(withOwnership(found.live, instance).object, withOwnership(found.policy, instance).object)) leftOut.add(subjectOf(found.live));
    }
  }
  return { entries, leftOut, materialize };
}

function addDocuments(files: Map<string, string>, secrets: Map<string, JsonObject>, resources: readonly Resource[], prefix: string, options: ExportOptions, secretNamespace: string): void {
  const taken = new Set<string>();
  for (const resource of sortForWrite(resources)) {
    // Other resources keep the namespace they were read in, or none (a Universal control plane's: see kubernetesObjectOf).
    const object = options.shape === "kubernetes" ? toKubernetes(resource, SECRET_TYPES.has(resource.type) ? secretNamespace : undefined) : resource.object;
    if (SECRET_TYPES.has(resource.type)) {
      secrets.set(prefix + secretFilePath(resource, options.layout, taken), object);
      continue;
    }
    const document = stringifyYaml(object, { lineWidth: 0 });
    const file = prefix + filePath(resource, options.layout, taken);
    const before = files.get(file);
    files.set(file, before === undefined ? document : `${before}---\n${document}`);
  }
}

/**
 * by-mesh: `meshes/<mesh>/mesh.yaml`, `meshes/<mesh>/<type>/<name>.yaml`; by-type: `<type>/<mesh>/<name>.yaml` (a
 * Mesh at `meshes/<name>.yaml`); flat: one file per mesh, `meshes/<mesh>.yaml`. `<type>` is the REST path segment.
 * Resources of no mesh: `global/<type>/<name>.yaml` (`global.yaml` when flat). Names the file system would mangle are spelled safely; two that end up alike are told apart by a suffix.
 */
function filePath(resource: Resource, layout: ExportLayout, taken: Set<string>): string {
  if (layout === "flat") return isGlobalKey(resource) ? `${GLOBAL_DIR}.yaml` : `meshes/${safe(resource.mesh)}.yaml`;
  const typePath = resourceType(resource.type)?.path ?? resource.type.toLowerCase();
  const base = isGlobalKey(resource)
    ? `${GLOBAL_DIR}/${typePath}/${safe(resource.name)}`
    : layout === "by-mesh"
      ? resource.type === "Mesh"
        ? `meshes/${safe(resource.mesh)}/mesh`
        : `meshes/${safe(resource.mesh)}/${typePath}/${safe(resource.name)}`
      : resource.type === "Mesh"
        ? `meshes/${safe(resource.name)}`
        : `${typePath}/${safe(resource.mesh)}/${safe(resource.name)}`;
  return unique(base, ".yaml", taken);
}

/** `base` + `extension`, or with a suffix (`-2`, ...) when another resource took that file already. */
function unique(base: string, extension: string, taken: Set<string>): string {
  let file = `${base}${extension}`;
  for (let n = 2; taken.has(file); n++) file = `${base}-${n}${extension}`;
  taken.add(file);
  return file;
}

/**
 * A Secret has a file of its own whatever the layout (SOPS encrypts a file as a whole, with one MAC), named
 * `*.sops.yaml` as SOPS users name them: `meshes/<mesh>/secrets/<name>.sops.yaml` (by-mesh), else `secrets/<mesh>/<name>.sops.yaml`;
 * a GlobalSecret `global/global-secrets/<name>.sops.yaml`.
 */
function secretFilePath(resource: Resource, layout: ExportLayout, taken: Set<string>): string {
  const base = isGlobalKey(resource)
    ? `${GLOBAL_DIR}/${resourceType(resource.type)?.path ?? "global-secrets"}/${safe(resource.name)}`
    : layout === "by-mesh"
      ? `meshes/${safe(resource.mesh)}/secrets/${safe(resource.name)}`
      : `secrets/${safe(resource.mesh)}/${safe(resource.name)}`;
  return unique(base, ".sops.yaml", taken);
}

/**
 * The Secrets' files, each document SOPS-encrypted for the age recipients and PGP public keys (its `data` only: names
 * and labels stay readable). The plaintext is never turned into text.
 */
export async function sealSecretFiles(
  documents: ReadonlyMap<string, JsonObject>,
  recipients: { readonly age: readonly string[]; readonly pgp: readonly string[] },
  lastModified: string,
): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const [file, document] of documents) {
    const sealed = await encryptDocument(document, { recipients: recipients.age, pgpRecipients: recipients.pgp, encryptedRegex: SECRET_ENCRYPTED_REGEX, lastModified });
    files.set(file, stringifyYaml(sealed, { lineWidth: 0 }));
  }
  return files;
}

function safe(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^\.+/, "_");
  return cleaned === "" ? "_" : cleaned;
}

function configText(options: ExportOptions, config: ExportSummary["config"], materialize: boolean, hasUnmanaged: boolean): string {
  const value: JsonObject = {
    instance: options.instance,
    ...(config.systemNamespace !== undefined ? { systemNamespace: config.systemNamespace } : {}),
    controlPlane: {
      ...(config.version !== undefined ? { version: config.version } : {}),
      product: config.product,
      ...(config.mode !== undefined ? { mode: config.mode } : {}),
      skipDefaultMeshCreation: config.skipDefaultMeshCreation,
    },
    defaults: { materialize },
  };
  if (config.externalMeshes.length > 0) value.externalMeshes = [...config.externalMeshes];
  if (hasUnmanaged) value.exclude = [`${UNMANAGED_DIR}/**`];
  const header = [
    "# Written by `meshops export`: what the control plane held, as a repository meshops validates and plans with no change.",
    ...(hasUnmanaged
      ? [
          `# ${UNMANAGED_DIR}/ holds resources this meshops instance does not own; it is excluded below. Move a file out of it`,
          "# (or export again with --adopt) for the next apply to own the resource.",
        ]
      : []),
  ];
  return `${header.join("\n")}\n${stringifyYaml(value, { lineWidth: 0 })}`;
}
