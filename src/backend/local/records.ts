/**
 * Stored records: one resource as the store keeps it (already rewritten the way the server rewrites it), the journal's
 * operations over them, the label keys and initial statuses the server uses, and the GET rendering of a record (`kri`,
 * `snis`, the server's key order). The rendering is built once per stored record: stored objects never change.
 */
import type { JsonObject, JsonValue } from "../../model/resource.js";
import { isSecretType, resourceType } from "../../kuma/types.js";
import { hasKeys, setOwn, sortedRecord } from "./util.js";
import { LABEL_DISPLAY_NAME, LABEL_NAMESPACE, LABEL_ORIGIN, LABEL_ZONE } from "../../kuma/server.js";
import { GLOBAL_SCOPE } from "../../model/key.js";
import { SNI_SECTIONS } from "../../kuma/sni.js";

/** One resource as stored: already rewritten the way the server rewrites it. `body` is the spec, or a Mesh's fields. */
export interface StoredResource {
  readonly type: string;
  /** For a Mesh, its own name. */
  readonly mesh: string;
  readonly name: string;
  readonly creationTime: string;
  readonly modificationTime: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly body: JsonObject;
  readonly status?: JsonObject;
}

export interface Entry {
  readonly record: StoredResource;
  /** The GET rendering, built on first read: stored objects never change, so neither does their JSON. */
  json: string | undefined;
  /** The GET rendering as a deep-frozen object, built on first in-process read (objectOf). */
  object: JsonObject | undefined;
}

/**
 * A new entry, its lazily built renderings present from the start: set later, they would give each of 50,000 entries
 * a second allocation (a property array) on first read.
 */
export function entryOf(record: StoredResource): Entry {
  return { record, json: undefined, object: undefined };
}

export interface MeshSlot {
  entry: Entry;
  /** type → name → entry, for the resources of this mesh. */
  readonly resources: Map<string, Map<string, Entry>>;
}

/** A journal record: one client-visible operation, applied all or nothing on replay. */
export type Op = { readonly put: StoredResource } | { readonly del: readonly [string, string, string] } | { readonly delMesh: string };


/**
 * Types the server keeps a `status` for, and the status a new resource gets (golden put_meshservice_01,
 * put_meshexternalservice_01, put_meshmultizoneservice_01, put_meshaccesslog_01; MeshMetric and MeshTrace have the same
 * conditions-only status as MeshAccessLog in their rest.yaml). PUT never changes it (a body with `status` is refused by
 * the schema here, see `putResource`).
 */
export const INITIAL_STATUS: Readonly<Record<string, () => JsonObject>> = {
  MeshService: () => ({ tls: {}, dataplaneProxies: {} }),
  MeshExternalService: () => ({ vip: {} }),
  MeshMultiZoneService: () => ({}),
  MeshAccessLog: () => ({}),
  MeshMetric: () => ({}),
  MeshTrace: () => ({}),
};

/**
 * `kri_<shortName>_<mesh>_<zone>_<namespace>_<name>_<section>` (pkg/core/kri/kri.go). The zone part is the resource's
 * `kuma.io/zone` label when it is zone-origin: golden put_meshaccesslog_01 has `kri_mal_default_default__my-access-log_`
 * for a policy PUT on a Universal zone, while resources without computed labels (get_resource) read
 * `kri_mtp_default___mtp-1_`. A Mesh is `kri_m____<name>_`. The name part is the display name when there is one.
 */
function kriOf(record: StoredResource): string {
  const shortName = resourceType(record.type)?.shortName ?? "";
  if (record.type === "Mesh") return `kri_${shortName}____${record.name}_`;
  const { zone, namespace, name } = kriPartsOf(record);
  // Joined, not templated: a template is a rope of seven nodes, kept in every rendering (model/key.ts subjectOf).
  return ["kri", shortName, record.mesh, zone, namespace, name, ""].join("_");
}

/** A resource's KRI parts after its mesh (a Mesh aside): the zone, the namespace and the display name. */
function kriPartsOf(record: StoredResource): { zone: string; namespace: string; name: string } {
  const zone = record.labels[LABEL_ORIGIN] === "zone" ? (record.labels[LABEL_ZONE] ?? "") : "";
  const namespace = record.labels[LABEL_NAMESPACE] ?? "";
  // The display name: a Kubernetes resource `mt-1.ns` is `..._ns_mt-1_` (FACTS §5, get-meshtimeout golden).
  const name = record.labels[LABEL_DISPLAY_NAME] ?? record.name;
  return { zone, namespace, name };
}

/**
 * `sni.<shortName>.<mesh>[.<zone>][.<namespace>].<name>.<section>`, the KRI's parts (goldens put_meshservice_01,
 * list_meshservices, put_meshmultizoneservice_01; on Kubernetes, v2.14.3 docs/generated/openapi.yaml's example
 * `sni.msvc.default.zone-east.kuma-demo.myresource1.8080`), sorted by port ascending (go-v2.14.3
 * pkg/core/resources/model/rest/v1alpha1/resource.go computeSNIs, whose section is the port's name when it has one).
 * Undefined for a destination without ports, as computeSNIs gives nil and `snis` is omitempty.
 */
function snisOf(record: StoredResource): JsonValue[] | undefined {
  const sectionsOfSpec = SNI_SECTIONS[record.type];
  if (!sectionsOfSpec) return undefined;
  const shortName = resourceType(record.type)?.shortName ?? "";
  const { zone, namespace, name } = kriPartsOf(record);
  const parts = [shortName, record.mesh, zone, namespace, name].filter((p) => p !== "").join(".");
  const sections = sectionsOfSpec(record.body).sort((a, b) => Number(a.port) - Number(b.port));
  if (sections.length === 0) return undefined;
  return sections.map(({ port, section }) => ({ port, sni: `sni.${parts}.${section}` }));
}

/** What the emulated line's answers carry beyond the resource: `kri` from 2.13 on, `snis` from 2.14 on. */
export interface ServerFields {
  readonly kri: boolean;
  readonly snis: boolean;
}

/**
 * The GET shape, in the server's key order: type, mesh, name, creationTime, modificationTime, labels, kri, snis, spec,
 * status. A protobuf kind (Mesh, MeshGateway, Dataplane) is flat: its fields follow kri. Label keys are sorted (Go marshals maps sorted).
 * `fields`: whether the emulated line answers with `kri` and `snis` at all (older lines have neither).
 */
function render(record: StoredResource, fields: ServerFields): JsonObject {
  const flat = resourceType(record.type)?.flat === true;
  // Most stored resources are policies with labels and nothing else: one literal, in its final shape.
  if (record.type !== "Mesh" && record.mesh !== GLOBAL_SCOPE && !flat && !isSecretType(record.type) && !record.status && !SNI_SECTIONS[record.type] && hasKeys(record.labels)) {
    const { type, mesh, name, creationTime, modificationTime } = record;
    const labels = sortedRecord(record.labels);
    return fields.kri ? { type, mesh, name, creationTime, modificationTime, labels, kri: kriOf(record), spec: record.body } : { type, mesh, name, creationTime, modificationTime, labels, spec: record.body };
  }
  const out: JsonObject = { type: record.type };
  if (record.type !== "Mesh" && record.mesh !== GLOBAL_SCOPE) out.mesh = record.mesh;
  out.name = record.name;
  out.creationTime = record.creationTime;
  out.modificationTime = record.modificationTime;
  if (hasKeys(record.labels)) out.labels = sortedRecord(record.labels);
  // Secrets have no kri (golden put_secret_01): their bytes follow the labels.
  if (isSecretType(record.type)) return { ...out, ...record.body };
  if (fields.kri) out.kri = kriOf(record);
  if (flat) {
    for (const key of Object.keys(record.body)) setOwn(out, key, record.body[key]);
  } else {
    const snis = fields.snis ? snisOf(record) : undefined;
    if (snis) out.snis = snis;
    out.spec = record.body;
  }
  if (record.status) out.status = record.status;
  return out;
}

/** The GET rendering as JSON text, made once per entry (a store renders every entry for the one line it emulates). */
export function jsonOf(entry: Entry, fields: ServerFields): string {
  entry.json ??= JSON.stringify(entry.object ?? render(entry.record, fields));
  return entry.json;
}

/**
 * The GET rendering as an object, for readers in the same process (LocalBackend): built once and shared by every
 * list, so a plan over 50,000 stored resources neither prints nor parses JSON. Deep-frozen, because it shares the
 * stored record's spec: a reader that tried to change it would change the store, and throws instead.
 */
export function objectOf(entry: Entry, fields: ServerFields): JsonObject {
  entry.object ??= deepFreeze(render(entry.record, fields));
  return entry.object;
}

/**
 * Freezes an object and everything under it. Only objects are visited (a plan lists 600,000 nodes, most of them
 * strings), and nothing asks whether a node is frozen already: a rendering is built once and shares no node with
 * another (its spec is its own record's), so there is nothing frozen to skip.
 */
function deepFreeze<T extends JsonObject | JsonValue[]>(value: T): T {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      if (typeof item === "object" && item !== null) deepFreeze(item);
    }
  } else {
    for (const key in value) {
      const item = (value as JsonObject)[key];
      if (typeof item === "object" && item !== null) deepFreeze(item);
    }
  }
  return Object.freeze(value);
}
