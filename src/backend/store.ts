/**
 * The embedded control plane: the state a Kuma zone control plane (Universal, non-federated) keeps, with its REST API
 * semantics, in memory and durable in a state directory. `meshops cp` serves it over HTTP (src/cp/server.ts) and the CLI
 * uses it in-process through `LocalBackend` when no --cp-url is given, so both see the same behaviour:
 *
 * - PUT creates (201) or replaces (200) and answers `{}` or `{"warnings": [...]}`; refusals are the control plane's error
 *   JSON (FACTS §2.5, §2.6), with the same validation as `meshops validate` (schema, then the semantic rules).
 * - What the server rewrites, and so what makes naive tools see false drift, is reproduced: Go duration spelling
 *   (`1h` → `1h0m0s`), schema defaults filled in, computed labels, timestamps, `kri`, proto3 zero values dropped from
 *   Meshes, the default policies a new Mesh gets (Kuma 2.x), the Mesh delete cascade.
 *
 * Deliberate differences from the real server are marked "Differs from Kuma" below.
 */
import { randomUUID } from "node:crypto";
import { constants as fsConstants, promises as fsp } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { hostname as osHostname } from "node:os";
import path from "node:path";
import { crc32 } from "node:zlib";
import type { Backend, InvalidParameter, PutResult, ServerInfo, TypeInfo } from "./types.js";
import { BackendError } from "./types.js";
import type { ResourceKey } from "../model/key.js";
import { subjectOf } from "../model/key.js";
import type { JsonObject, JsonValue } from "../model/resource.js";
import { DEFAULT_MESH, RESOURCE_TYPES, resourceType } from "../kuma/types.js";
import { formatGoDuration, goQuote, parseGoDurationDetailed } from "../kuma/duration.js";
import { schemaFor, validateSchema } from "../validate/schema.js";
import { semanticViolations } from "../validate/rules/index.js";
import { metaViolations } from "../validate/rules/meta.js";
import { DEFAULT_POLICIES, defaultPolicyName } from "../defaults/catalogue.js";

// =====================================================================================================================
// Options and versions

export const DEFAULT_KUMA_VERSION = "2.14.3";
/** KUMA_MULTIZONE_ZONE_NAME's default: the zone a Universal zone control plane stamps on what it creates. */
export const DEFAULT_ZONE = "default";

export interface StoreOptions {
  /** Where state.json and the journal live; created when missing. */
  readonly stateDir: string;
  /**
   * The Kuma version to behave as (default 2.14.3). From 3.0 on a new Mesh gets no default policies and
   * `skipCreatingInitialPolicies` is dropped from stored Meshes (kumahq/kuma#18661).
   */
  readonly version?: string;
  /** Zone name for computed labels and `kri` (default "default"). */
  readonly zone?: string;
  /**
   * KUMA_DEFAULTS_SKIP_MESH_CREATION. Like the real control plane, the store creates Mesh `default` (with its default
   * policies) when it starts and the Mesh is absent, unless this is true.
   */
  readonly skipMeshCreation?: boolean;
  /**
   * The journal is compacted into a new state.json once it is larger than this many bytes and larger than the last
   * snapshot (default 8 MiB). Tests set it low to exercise compaction.
   */
  readonly compactAfterBytes?: number;
  /** Clock for creationTime/modificationTime (tests). */
  readonly now?: () => Date;
}

function majorVersion(version: string): number {
  const match = /^v?(\d+)\./.exec(version.trim());
  return match ? Number(match[1]) : 2;
}

// =====================================================================================================================
// The error JSON of the control plane (pkg/core/rest/errors/types/error.go)

export interface ApiProblem {
  readonly status: number;
  readonly title: string;
  readonly detail: string;
  readonly invalidParameters?: readonly InvalidParameter[];
}

/** `{type, status, title, detail, invalid_parameters?, details, causes?}`, in the server's key order. */
export function problemJson(problem: ApiProblem): JsonObject {
  const params = problem.invalidParameters ?? [];
  const body: JsonObject = { type: "/std-errors", status: problem.status, title: problem.title, detail: problem.detail };
  if (params.length > 0) body.invalid_parameters = params.map((p) => ({ field: p.field, reason: p.reason }));
  body.details = problem.detail; // deprecated copy of detail, still sent
  if (params.length > 0) body.causes = params.map((p) => ({ field: p.field, message: p.reason }));
  return body;
}

const TITLE = {
  process: "Could not process a resource",
  create: "Could not create a resource",
  update: "Could not update a resource",
  retrieve: "Could not retrieve a resource",
  delete: "Could not delete a resource",
  list: "Could not retrieve resources",
} as const;

const NOT_VALID = "Resource is not valid";

function invalid(title: string, invalidParameters: readonly InvalidParameter[]): ApiProblem {
  return { status: 400, title, detail: NOT_VALID, invalidParameters };
}

export type PutOutcome =
  | { readonly ok: true; readonly created: boolean; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly problem: ApiProblem };

export type DeleteOutcome = { readonly ok: true } | { readonly ok: false; readonly problem: ApiProblem };

export interface ListQuery {
  /** Index of the first item (the server's opaque offset is this number as text, as in Kuma's memory store). */
  readonly offset?: number;
  /** Page size; all items when absent. */
  readonly size?: number;
  /** `?name=`: substring of the name. */
  readonly nameContains?: string;
  /** `?filter[labels.<key>]=<value>`: every pair must match. */
  readonly labels?: Readonly<Record<string, string>>;
}

export type ListOutcome =
  | { readonly ok: true; readonly total: number; readonly items: readonly string[]; readonly nextOffset: number | undefined }
  | { readonly ok: false; readonly problem: ApiProblem };

// =====================================================================================================================
// Stored records

/** One resource as stored: already rewritten the way the server rewrites it. `body` is the spec, or a Mesh's fields. */
interface StoredResource {
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

interface Entry {
  readonly record: StoredResource;
  /** The GET rendering, built on first read: stored objects never change, so neither does their JSON. */
  json?: string;
}

interface MeshSlot {
  entry: Entry;
  /** type → name → entry, for the resources of this mesh. */
  readonly resources: Map<string, Map<string, Entry>>;
}

/** A journal record: one client-visible operation, applied all or nothing on replay. */
type Op = { readonly put: StoredResource } | { readonly del: readonly [string, string, string] } | { readonly delMesh: string };

const LABEL_MESH = "kuma.io/mesh";
const LABEL_ORIGIN = "kuma.io/origin";
const LABEL_ZONE = "kuma.io/zone";
const LABEL_ENV = "kuma.io/env";
const LABEL_DISPLAY_NAME = "kuma.io/display-name";
const LABEL_NAMESPACE = "k8s.kuma.io/namespace";
/** Changing these on update is refused (v2.13+). */
const IMMUTABLE_LABELS = [LABEL_ORIGIN, LABEL_ZONE, LABEL_DISPLAY_NAME];

/**
 * Types the server keeps a `status` for, and the status a new resource gets (golden put_meshservice_01,
 * put_meshexternalservice_01, put_meshmultizoneservice_01, put_meshaccesslog_01; MeshMetric and MeshTrace have the same
 * conditions-only status as MeshAccessLog in their rest.yaml). PUT never changes it (a body with `status` is refused by
 * the schema here, see `putResource`).
 */
const INITIAL_STATUS: Readonly<Record<string, () => JsonObject>> = {
  MeshService: () => ({ tls: {}, dataplaneProxies: {} }),
  MeshExternalService: () => ({ vip: {} }),
  MeshMultiZoneService: () => ({}),
  MeshAccessLog: () => ({}),
  MeshMetric: () => ({}),
  MeshTrace: () => ({}),
};

/** Destination types the server answers with `snis` (one per port), and where their ports are. */
const SNI_PORTS: Readonly<Record<string, (spec: JsonObject) => JsonValue[]>> = {
  MeshService: (spec) => portsOf(spec.ports),
  MeshMultiZoneService: (spec) => portsOf(spec.ports),
  MeshExternalService: (spec) => {
    const match = asObject(spec.match);
    return match && match.port !== undefined ? [match.port] : [];
  },
};

function portsOf(ports: JsonValue | undefined): JsonValue[] {
  return Array.isArray(ports) ? ports.map((p) => asObject(p)?.port).filter((p): p is JsonValue => p !== undefined) : [];
}

/**
 * MeshMultiZoneService is a Global-provided type: a zone stamps only `kuma.io/mesh` on it and its `kri` has no zone
 * (golden put_meshmultizoneservice_01). Everything else a zone creates is `origin: zone`.
 */
const GLOBAL_ORIGIN_TYPES = new Set(["MeshMultiZoneService"]);

/** Names that are RFC 1123 subdomains but not DNS-1035 labels are accepted with a deprecation warning on these types. */
const DNS1035_WARNING_TYPES = new Set(["Mesh", "MeshService", "MeshExternalService", "MeshMultiZoneService"]);

// =====================================================================================================================
// Small JSON helpers

function asObject(value: JsonValue | undefined): JsonObject | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? value : undefined;
}

function own(object: JsonObject, key: string): JsonValue | undefined {
  return Object.prototype.hasOwnProperty.call(object, key) ? object[key] : undefined;
}

/** `object[key] = value` that is safe for keys such as `__proto__` (label and tag maps take any key). */
function setOwn(object: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  else object[key] = value;
}

function clone<T extends JsonValue>(value: T): T {
  return structuredClone(value);
}

function sortedRecord(record: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(record).sort()) setOwn(out, key, record[key]);
  return out;
}

// =====================================================================================================================
// Server-side rewriting: defaults, durations, proto3 zero values

type Schema = JsonObject;

function schemaChild(schema: Schema | undefined, key: string): Schema | undefined {
  if (!schema) return undefined;
  const properties = asObject(schema.properties);
  const fromProperties = properties ? asObject(own(properties, key)) : undefined;
  if (fromProperties) return fromProperties;
  return asObject(schema.additionalProperties);
}

/**
 * Structural defaulting (`defaulting.Default(rawObj, desc.StructuralSchema)`): inside every object that exists, a
 * missing property with a schema `default` gets it; objects that do not exist are not created. Durations are re-printed
 * as the server prints them: policy durations are metav1.Duration (Go's `Duration.String()`), Mesh durations are
 * google.protobuf.Duration (protojson: seconds with 0, 3, 6 or 9 fractional digits).
 */
function rewrite(value: JsonValue, schema: Schema | undefined, durations: "go" | "proto"): JsonValue {
  if (!schema) return value;
  if (typeof value === "string") {
    if (schema.format !== "duration") return value;
    const parsed = parseGoDurationDetailed(value);
    if (!parsed.ok) return value;
    return durations === "go" ? formatGoDuration(parsed.nanoseconds) : formatProtoDuration(parsed.nanoseconds);
  }
  if (Array.isArray(value)) {
    const items = asObject(schema.items);
    return items ? value.map((v) => rewrite(v, items, durations)) : value;
  }
  if (value === null || typeof value !== "object") return value;
  const out: JsonObject = {};
  for (const key of Object.keys(value)) setOwn(out, key, rewrite(value[key] as JsonValue, schemaChild(schema, key), durations));
  const properties = asObject(schema.properties);
  if (properties) {
    for (const key of Object.keys(properties)) {
      const child = asObject(properties[key]);
      if (child && Object.prototype.hasOwnProperty.call(child, "default") && own(out, key) === undefined) {
        setOwn(out, key, clone(child.default as JsonValue));
      }
    }
  }
  return out;
}

/** protojson's Duration: `10s`, `1.500s`, `0.000001s`. */
function formatProtoDuration(ns: bigint): string {
  const negative = ns < 0n;
  const abs = negative ? -ns : ns;
  const seconds = abs / 1_000_000_000n;
  const nanos = abs % 1_000_000_000n;
  let fraction = "";
  if (nanos !== 0n) {
    const digits = nanos.toString().padStart(9, "0");
    fraction = `.${nanos % 1_000_000n === 0n ? digits.slice(0, 3) : nanos % 1_000n === 0n ? digits.slice(0, 6) : digits}`;
  }
  return `${negative ? "-" : ""}${seconds}${fraction}s`;
}

/** Mesh fields that are protobuf wrapper messages (BoolValue, DoubleValue): present even when false or 0. */
const MESH_WRAPPER_FIELDS = new Set(["networking.outbound.passthrough", "tracing.backends[].sampling"]);

/**
 * What a Mesh looks like after jsonpb: proto3 scalars, enums, lists and maps at their zero value are omitted, enums
 * given as numbers come back as names. Messages stay even when empty, google.protobuf.Struct (`conf`) is kept as sent.
 */
function stripProtoZeroValues(value: JsonObject, schema: Schema | undefined, at: string): JsonObject {
  const out: JsonObject = {};
  for (const key of Object.keys(value)) {
    const child = schemaChild(schema, key);
    const fieldPath = at === "" ? key : `${at}.${key}`;
    const v = value[key] as JsonValue;
    const kept = protoField(v, child, fieldPath);
    if (kept !== undefined) setOwn(out, key, kept);
  }
  return out;
}

function protoField(value: JsonValue, schema: Schema | undefined, fieldPath: string): JsonValue | undefined {
  if (!schema || value === null) return value === null ? undefined : value;
  const enumValues = Array.isArray(schema.enum) ? schema.enum : undefined;
  if (enumValues) {
    const names = enumValues.filter((e): e is string => typeof e === "string");
    const name = typeof value === "number" ? names[value] : value;
    return name === undefined || name === names[0] ? undefined : name;
  }
  if (MESH_WRAPPER_FIELDS.has(fieldPath)) return value;
  if (Array.isArray(value)) {
    if (value.length === 0) return undefined;
    const items = asObject(schema.items);
    return value.map((item) => {
      const obj = asObject(item);
      return obj && items && asObject(items.properties) ? stripProtoZeroValues(obj, items, `${fieldPath}[]`) : item;
    });
  }
  const obj = asObject(value);
  if (obj) {
    if (asObject(schema.properties)) return stripProtoZeroValues(obj, schema, fieldPath); // a message
    if (schema.additionalProperties !== undefined) return Object.keys(obj).length === 0 ? undefined : obj; // a map
    return obj; // google.protobuf.Struct
  }
  if (value === false || value === 0 || value === "") return undefined;
  return value;
}

/**
 * The Mesh defaulter (pkg/core/resources/apis/mesh/mesh_defaulter.go): a Prometheus metrics backend gets port 5670,
 * path /metrics, the dataplane-metrics service tag and a TLS mode.
 */
function defaultMeshMetrics(fields: JsonObject): void {
  const metrics = asObject(fields.metrics);
  const backends = metrics && Array.isArray(metrics.backends) ? metrics.backends : [];
  for (const backend of backends) {
    const b = asObject(backend);
    if (!b || b.type !== "prometheus") continue;
    const conf = asObject(b.conf) ?? {};
    if (conf.port === undefined || conf.port === 0) conf.port = 5670;
    if (conf.path === undefined || conf.path === "") conf.path = "/metrics";
    const tags = asObject(conf.tags);
    if (!tags || Object.keys(tags).length === 0) conf.tags = { "kuma.io/service": "dataplane-metrics" };
    const tls = asObject(conf.tls) ?? {};
    if (tls.mode === undefined || tls.mode === "") tls.mode = conf.skipMTLS === true ? "disabled" : "activeMTLSBackend";
    conf.tls = tls;
    b.conf = conf;
  }
}

// =====================================================================================================================
// Request checks the server makes besides the schema and the resource's validator

const LABEL_NAME_MESSAGE =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character " +
  "(e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE_MESSAGE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end " +
  "with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is " +
  "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const DNS1123_SUBDOMAIN_MESSAGE =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end " +
  "with an alphanumeric character (e.g. 'example.com', regex used for validation is " +
  "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const DNS1035_MESSAGE =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and " +
  "end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

function labelField(key: string): string {
  return `labels[${goQuote(key)}]`;
}

/** Kubernetes label rules (IsQualifiedName, IsValidLabelValue), as in golden put_mtp_02. */
function labelViolations(labels: Readonly<Record<string, string>>): InvalidParameter[] {
  const out: InvalidParameter[] = [];
  for (const key of Object.keys(labels).sort()) {
    const value = labels[key] ?? "";
    const field = labelField(key);
    for (const reason of labelKeyErrors(key)) out.push({ field, reason });
    if (value.length > 63) out.push({ field, reason: "must be no more than 63 characters" });
    if (!LABEL_VALUE.test(value)) out.push({ field, reason: LABEL_VALUE_MESSAGE });
  }
  return out;
}

function labelKeyErrors(key: string): string[] {
  const parts = key.split("/");
  const errors: string[] = [];
  let name: string;
  if (parts.length === 1) {
    name = parts[0] ?? "";
  } else if (parts.length === 2) {
    const prefix = parts[0] ?? "";
    name = parts[1] ?? "";
    if (prefix === "") errors.push("prefix part must be non-empty");
    else {
      if (prefix.length > 253) errors.push("prefix part must be no more than 253 characters");
      if (!DNS1123_SUBDOMAIN.test(prefix)) errors.push(`prefix part ${DNS1123_SUBDOMAIN_MESSAGE}`);
    }
  } else {
    return [`a valid label key ${LABEL_NAME_MESSAGE} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`];
  }
  if (name === "") errors.push("name part must be non-empty");
  else if (name.length > 63) errors.push("name part must be no more than 63 characters");
  if (!QUALIFIED_NAME.test(name)) errors.push(`name part ${LABEL_NAME_MESSAGE}`);
  return errors;
}

/** IsDNS1123Label as the SNI check uses it: a valid subdomain that is not a label must contain dots. */
function dns1123LabelErrors(name: string): string[] {
  const errors: string[] = [];
  if (name.length > 63) errors.push("must be no more than 63 characters");
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)) {
    errors.push(DNS1123_SUBDOMAIN.test(name) ? "must not contain dots" : DNS1123_SUBDOMAIN_MESSAGE);
  }
  return errors;
}

function dns1035Errors(name: string): string[] {
  const errors: string[] = [];
  if (name.length > 63) errors.push("must be no more than 63 characters");
  if (!DNS1035_LABEL.test(name)) errors.push(DNS1035_MESSAGE);
  return errors;
}

/** Deprecation warnings a successful PUT answers with (FACTS §2.5; goldens put_meshes_04, put_meshservice_02, ...). */
function warningsFor(typeName: string, name: string, body: JsonObject): string[] {
  const warnings: string[] = [];
  if (DNS1035_WARNING_TYPES.has(typeName)) {
    const errors = dns1035Errors(name);
    if (errors.length > 0) {
      // (inferred) several errors joined with "; ": only single-error cases are in the goldens.
      warnings.push(
        `Invalid ${typeName} resource name: '${name}'. It does not conform to the DNS format (RFC 1035). This is deprecated. Errors: ${errors.join("; ")}`,
      );
    }
  }
  const sniPorts = SNI_PORTS[typeName];
  if (sniPorts) {
    const errors = dns1123LabelErrors(name);
    if (errors.length > 0) {
      for (const port of sniPorts(body)) {
        warnings.push(
          `Invalid ${typeName} SNI (port "${String(port)}"): name ${goQuote(name)} does not conform to RFC 1123: ${errors.join("; ")}. This is deprecated.`,
        );
      }
    }
  }
  if (typeName === "MeshTimeout" && Array.isArray(body.from) && body.from.length > 0) {
    warnings.push("'from' field is deprecated, use 'rules' instead");
  }
  const kind = asObject(body.targetRef)?.kind;
  if (typeName !== "Mesh" && (kind === "MeshService" || kind === "MeshServiceSubset" || kind === "MeshSubset")) {
    warnings.push(`${kind} value for 'targetRef.kind' is deprecated, use Dataplane with labels instead`);
  } else if (typeName !== "Mesh" && kind === "MeshHTTPRoute") {
    warnings.push("MeshHTTPRoute value for 'targetRef.kind' is deprecated, use MeshHTTPRoute in spec.to[].targetRef");
  }
  return warnings;
}

// =====================================================================================================================
// Durability: snapshot + append-only journal with group commit

const STATE_FILE = "state.json";
const LOCK_FILE = "LOCK";
const STATE_FORMAT = "meshops-cp-state/v1";
const journalFile = (generation: number) => `journal-${generation}.log`;
const JOURNAL_NAME = /^journal-(\d+)\.log$/;

interface Snapshot {
  readonly format: string;
  readonly generation: number;
  readonly clusterId: string;
  readonly resources: StoredResource[];
}

/** fsync of a directory makes a rename or a new file in it durable. Windows cannot open directories: nothing to do there. */
async function fsyncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await fsp.open(dir, "r");
    await handle.sync();
  } catch (error) {
    if (process.platform !== "win32") throw error;
  } finally {
    await handle?.close();
  }
}

/** Write to a temporary file in the same directory, fsync it, rename it over the old file, fsync the directory. */
async function writeFileAtomic(dir: string, name: string, data: string): Promise<number> {
  const tmp = path.join(dir, `${name}.tmp-${process.pid}-${randomUUID().slice(0, 8)}`);
  const handle = await fsp.open(tmp, "w", 0o600);
  let bytes: number;
  try {
    const buffer = Buffer.from(data, "utf8");
    await writeAll(handle, buffer);
    await handle.sync();
    bytes = buffer.length;
  } catch (error) {
    await handle.close();
    await fsp.rm(tmp, { force: true });
    throw error;
  }
  await handle.close();
  await fsp.rename(tmp, path.join(dir, name));
  await fsyncDir(dir);
  return bytes;
}

async function writeAll(handle: FileHandle, buffer: Buffer): Promise<void> {
  let offset = 0;
  while (offset < buffer.length) {
    const { bytesWritten } = await handle.write(buffer, offset, buffer.length - offset);
    offset += bytesWritten;
  }
}

/**
 * The journal is opened for appending with O_DSYNC where the platform has it: each write returns once its data is on
 * stable storage, which saves a second round trip through libuv's thread pool per flush (write, then fdatasync).
 */
const JOURNAL_DSYNC = process.platform !== "win32" && typeof fsConstants.O_DSYNC === "number";

function openJournal(file: string): Promise<FileHandle> {
  const flags = JOURNAL_DSYNC ? fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_APPEND | fsConstants.O_DSYNC : "a";
  return fsp.open(file, flags, 0o600);
}

/** `<crc32 hex> <json>\n`: a line whose checksum does not match (a torn write) ends the valid part of the journal. */
function journalLine(ops: readonly Op[]): string {
  const json = JSON.stringify({ ops });
  return `${crc32(json).toString(16).padStart(8, "0")} ${json}\n`;
}

interface JournalRead {
  readonly records: Op[][];
  /** Bytes of the valid prefix; anything after it is a torn tail. */
  readonly validBytes: number;
  /** Whether valid-looking lines follow the first bad one (real corruption rather than a torn last write). */
  readonly validAfterBad: boolean;
}

function readJournal(data: Buffer): JournalRead {
  const records: Op[][] = [];
  let offset = 0;
  let validBytes = -1;
  let validAfterBad = false;
  while (offset < data.length) {
    const newline = data.indexOf(0x0a, offset);
    const end = newline === -1 ? data.length : newline;
    const ops = newline === -1 ? undefined : parseJournalLine(data.subarray(offset, end));
    if (ops && validBytes === -1) records.push(ops);
    else if (ops) validAfterBad = true;
    else if (validBytes === -1) validBytes = offset;
    offset = end + 1;
  }
  return { records, validBytes: validBytes === -1 ? data.length : validBytes, validAfterBad };
}

function parseJournalLine(line: Buffer): Op[] | undefined {
  if (line.length < 10 || line[8] !== 0x20) return undefined;
  const sum = Number.parseInt(line.subarray(0, 8).toString("latin1"), 16);
  const json = line.subarray(9);
  if (!Number.isFinite(sum) || crc32(json) !== sum) return undefined;
  try {
    const parsed = JSON.parse(json.toString("utf8")) as { ops?: unknown };
    return Array.isArray(parsed.ops) ? (parsed.ops as Op[]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Why a journal and not "rewrite state.json on every PUT": the state is up to ~50,000 resources (tens of MB) and the
 * benchmark pushes ≥2,000 writes/s, so rewriting the whole file per write (even batched) would cost one full
 * serialization + fsync of everything per batch. Instead:
 *
 * - `state.json` is a full snapshot (JSON) tagged with a generation G, always replaced atomically: temp file in the same
 *   directory, fsync, rename over the old one, fsync the directory.
 * - `journal-G.log` holds the operations since snapshot G, one checksummed line per client-visible operation (a Mesh
 *   create with its default policies, or a Mesh delete with its cascade, is one line: replayed all or nothing).
 * - Group commit: mutations are applied in memory and their lines queued; one flush at a time writes every queued line
 *   with a single write (O_DSYNC, or write + fdatasync); lines queued while a flush is in flight go together in the next one. A PUT/DELETE
 *   is answered only after the flush holding its line completed, so an answered write is durable. Reads also wait until
 *   what they saw is durable, so nothing a client was shown can vanish in a crash.
 * - Compaction, when the journal outgrows the snapshot: serialize the state (synchronously, a consistent cut that also
 *   covers the queued lines, which are then dropped), write state.json for G+1 atomically, then start journal-(G+1).log
 *   and delete journal-G.log. Flushes wait meanwhile.
 *
 * A crash at any point leaves: the old snapshot + its journal (whose torn last line, never acknowledged, is detected by
 * its checksum and cut off at load), or the new snapshot (+ possibly no journal yet). Stray temp files and journals of
 * other generations are deleted at load. Never half a state.
 */
class DurableLog {
  private pendingLines: string[] = [];
  private appliedSeq = 0;
  private durableSeq = 0;
  private readonly waiters: { seq: number; resolve: () => void; reject: (error: Error) => void }[] = [];
  private flushing = false;
  private idle: Promise<void> = Promise.resolve();
  private failure: Error | undefined;
  private journalBytes: number;
  private snapshotBytes: number;

  constructor(
    private readonly dir: string,
    private handle: FileHandle,
    private generation: number,
    journalBytes: number,
    snapshotBytes: number,
    private readonly compactAfterBytes: number,
    private readonly snapshot: (generation: number) => string,
  ) {
    this.journalBytes = journalBytes;
    this.snapshotBytes = snapshotBytes;
  }

  get sequence(): number {
    return this.appliedSeq;
  }

  /** Throws when an earlier flush failed: memory and disk may disagree, so no more writes are accepted. */
  checkHealthy(): void {
    if (this.failure) throw this.failure;
  }

  /** Queues one operation (already applied in memory); returns its sequence number for `whenDurable`. */
  append(ops: readonly Op[]): number {
    this.checkHealthy();
    this.pendingLines.push(journalLine(ops));
    this.appliedSeq++;
    if (!this.flushing) {
      this.flushing = true;
      this.idle = new Promise((resolve) => setImmediate(() => void this.flushLoop().finally(resolve)));
    }
    return this.appliedSeq;
  }

  whenDurable(seq: number): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (seq <= this.durableSeq) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ seq, resolve, reject }));
  }

  async close(): Promise<void> {
    await this.idle;
    await this.handle.close();
  }

  private async flushLoop(): Promise<void> {
    try {
      while (this.pendingLines.length > 0) {
        const lines = this.pendingLines;
        const upTo = this.appliedSeq;
        this.pendingLines = [];
        const buffer = Buffer.from(lines.join(""), "utf8");
        await writeAll(this.handle, buffer);
        if (!JOURNAL_DSYNC) await this.handle.datasync();
        this.journalBytes += buffer.length;
        this.markDurable(upTo);
        if (this.journalBytes > this.compactAfterBytes && this.journalBytes > this.snapshotBytes) await this.compact();
      }
    } catch (error) {
      this.failure = new Error(`control-plane state in ${this.dir} could not be written: ${String(error)}`, { cause: error });
      for (const waiter of this.waiters.splice(0)) waiter.reject(this.failure);
    } finally {
      this.flushing = false;
    }
  }

  private markDurable(seq: number): void {
    this.durableSeq = Math.max(this.durableSeq, seq);
    while (this.waiters.length > 0 && (this.waiters[0]?.seq ?? Infinity) <= this.durableSeq) this.waiters.shift()?.resolve();
  }

  private async compact(): Promise<void> {
    const next = this.generation + 1;
    // A consistent cut: everything applied so far, including the lines not yet in the journal, which it makes redundant.
    const text = this.snapshot(next);
    const upTo = this.appliedSeq;
    this.pendingLines = [];
    this.snapshotBytes = await writeFileAtomic(this.dir, STATE_FILE, text);
    this.markDurable(upTo);
    const handle = await openJournal(path.join(this.dir, journalFile(next)));
    await fsyncDir(this.dir);
    const old = this.handle;
    this.handle = handle;
    const oldGeneration = this.generation;
    this.generation = next;
    this.journalBytes = 0;
    await old.close();
    await fsp.rm(path.join(this.dir, journalFile(oldGeneration)), { force: true });
  }
}

/** One store per state directory: a second process would interleave journals. A dead owner's lock is taken over. */
async function acquireLock(dir: string): Promise<string> {
  const file = path.join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await fsp.writeFile(file, `${process.pid}\n`, { flag: "wx", mode: 0o600 });
      return file;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const owner = Number.parseInt(await fsp.readFile(file, "utf8").catch(() => ""), 10);
    if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) {
      const who = owner === process.pid ? "another store in this process" : `process ${owner}`;
      throw new Error(
        `control-plane state directory ${dir} is in use by ${who} (lock file ${file}; delete it only if no meshops process uses the directory)`,
      );
    }
    await fsp.rm(file, { force: true }); // stale: its owner is gone
  }
  throw new Error(`could not lock control-plane state directory ${dir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

// =====================================================================================================================
// The store

export interface StoreInfo {
  readonly version: string;
  readonly hostname: string;
  readonly instanceId: string;
  readonly clusterId: string;
  readonly zone: string;
}

/** Opens (creating if needed) the state directory, loads the snapshot, replays the journal, locks the directory. */
export async function openStore(options: StoreOptions): Promise<ControlPlaneStore> {
  const dir = path.resolve(options.stateDir);
  await fsp.mkdir(dir, { recursive: true });
  const lockFile = await acquireLock(dir);
  try {
    return await loadStore(dir, lockFile, options);
  } catch (error) {
    await fsp.rm(lockFile, { force: true });
    throw error;
  }
}

async function loadStore(dir: string, lockFile: string, options: StoreOptions): Promise<ControlPlaneStore> {
  const warnings: string[] = [];
  let snapshot: Snapshot;
  let snapshotBytes = 0;
  const statePath = path.join(dir, STATE_FILE);
  const text = await fsp.readFile(statePath, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw error;
  });
  if (text === undefined) {
    snapshot = { format: STATE_FORMAT, generation: 1, clusterId: randomUUID(), resources: [] };
    snapshotBytes = await writeFileAtomic(dir, STATE_FILE, JSON.stringify(snapshot));
  } else {
    const parsed = JSON.parse(text) as Partial<Snapshot>;
    if (parsed.format !== STATE_FORMAT || typeof parsed.generation !== "number" || !Array.isArray(parsed.resources)) {
      throw new Error(`${statePath} is not a meshops control-plane state file (format ${String(parsed.format)})`);
    }
    snapshot = { format: STATE_FORMAT, generation: parsed.generation, clusterId: parsed.clusterId ?? randomUUID(), resources: parsed.resources };
    snapshotBytes = Buffer.byteLength(text);
  }

  // Leftovers of an interrupted compaction or write: temp files, journals of other generations.
  for (const name of await fsp.readdir(dir)) {
    const journal = JOURNAL_NAME.exec(name);
    if (name.startsWith(`${STATE_FILE}.tmp-`) || (journal && Number(journal[1]) !== snapshot.generation)) {
      await fsp.rm(path.join(dir, name), { force: true });
    }
  }

  const store = new ControlPlaneStore(options, snapshot.clusterId, lockFile);
  for (const record of snapshot.resources) store.applyOp({ put: record }, statePath);

  const journalPath = path.join(dir, journalFile(snapshot.generation));
  const data = await fsp.readFile(journalPath).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return Buffer.alloc(0);
    throw error;
  });
  const journal = readJournal(data);
  for (const ops of journal.records) for (const op of ops) store.applyOp(op, journalPath);
  if (journal.validBytes < data.length) {
    // A torn tail: the last write never completed, so it was never acknowledged. Cut it off so appends follow valid data.
    if (journal.validAfterBad) {
      const saved = `${journalPath}.discarded-${Date.now()}`;
      await fsp.writeFile(saved, data.subarray(journal.validBytes));
      warnings.push(`${journalPath}: damaged record at byte ${journal.validBytes}; the rest was set aside in ${saved}`);
    }
    const handle = await fsp.open(journalPath, "r+");
    try {
      await handle.truncate(journal.validBytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
  const handle = await openJournal(journalPath);
  await fsyncDir(dir);
  const log = new DurableLog(
    dir,
    handle,
    snapshot.generation,
    journal.validBytes,
    snapshotBytes,
    options.compactAfterBytes ?? 8 * 1024 * 1024,
    (generation) => store.serializeSnapshot(generation),
  );
  store.attach(log, warnings);
  if (!options.skipMeshCreation) await store.ensureMesh(DEFAULT_MESH);
  return store;
}

export class ControlPlaneStore {
  readonly version: string;
  readonly zone: string;
  readonly info: StoreInfo;
  /** Problems found while loading (e.g. a damaged journal record set aside). */
  loadWarnings: readonly string[] = [];
  private readonly meshes = new Map<string, MeshSlot>();
  private readonly createsDefaults: boolean;
  private readonly now: () => Date;
  private log: DurableLog | undefined;
  private closed = false;

  /** @internal use openStore */
  constructor(
    options: StoreOptions,
    clusterId: string,
    private readonly lockFile: string,
  ) {
    this.version = options.version ?? DEFAULT_KUMA_VERSION;
    this.zone = options.zone ?? DEFAULT_ZONE;
    this.createsDefaults = majorVersion(this.version) < 3;
    this.now = options.now ?? (() => new Date());
    const hostname = osHostname();
    this.info = { version: this.version, hostname, instanceId: `${hostname}-${randomUUID().slice(0, 4)}`, clusterId, zone: this.zone };
  }

  /** @internal */
  attach(log: DurableLog, warnings: readonly string[]): void {
    this.log = log;
    this.loadWarnings = warnings;
  }

  /** Whether Meshes created here get the default policies (Kuma < 3.0). */
  get createsDefaultPolicies(): boolean {
    return this.createsDefaults;
  }

  meshExists(name: string): boolean {
    return this.meshes.has(name);
  }

  // --- reads ----------------------------------------------------------------------------------------------------------

  /** The GET rendering of one resource (JSON text), or undefined. For a Mesh, `mesh` is ignored. */
  async getJson(typeName: string, mesh: string, name: string): Promise<string | undefined> {
    const entry = this.lookup(typeName, mesh, name);
    const json = entry ? jsonOf(entry) : undefined;
    await this.readBarrier();
    return json;
  }

  /** The GET rendering of one resource as an object (a fresh copy), or undefined. */
  async get(typeName: string, mesh: string, name: string): Promise<JsonObject | undefined> {
    const json = await this.getJson(typeName, mesh, name);
    return json === undefined ? undefined : (JSON.parse(json) as JsonObject);
  }

  /**
   * A page of `typeName` in `mesh` (undefined: every mesh; ignored for Mesh), ordered by mesh then name. A missing
   * mesh is the server's 404 "Failed to retrieve Mesh".
   */
  async list(typeName: string, mesh: string | undefined, query: ListQuery = {}): Promise<ListOutcome> {
    const outcome = this.listNow(typeName, mesh, query);
    await this.readBarrier();
    return outcome;
  }

  private listNow(typeName: string, mesh: string | undefined, query: ListQuery): ListOutcome {
    let entries: Entry[];
    if (typeName === "Mesh") {
      entries = [...this.meshes.values()].map((slot) => slot.entry);
    } else if (mesh !== undefined) {
      const slot = this.meshes.get(mesh);
      if (!slot) return { ok: false, problem: { status: 404, title: "Failed to retrieve Mesh", detail: "Not found" } };
      entries = [...(slot.resources.get(typeName)?.values() ?? [])];
    } else {
      entries = [...this.meshes.values()].flatMap((slot) => [...(slot.resources.get(typeName)?.values() ?? [])]);
    }
    const { nameContains, labels } = query;
    if (nameContains !== undefined && nameContains !== "") entries = entries.filter((e) => e.record.name.includes(nameContains));
    if (labels && Object.keys(labels).length > 0) {
      const wanted = Object.entries(labels);
      entries = entries.filter((e) => wanted.every(([k, v]) => Object.prototype.hasOwnProperty.call(e.record.labels, k) && e.record.labels[k] === v));
    }
    entries.sort((a, b) => compare(a.record.mesh, b.record.mesh) || compare(a.record.name, b.record.name));
    const offset = query.offset ?? 0;
    const size = query.size ?? entries.length;
    const page = entries.slice(offset, offset + size);
    const nextOffset = offset + size < entries.length ? offset + size : undefined;
    return { ok: true, total: entries.length, items: page.map((e) => jsonOf(e)), nextOffset };
  }

  // --- writes ---------------------------------------------------------------------------------------------------------

  /**
   * PUT `/meshes/{name}` (typeName "Mesh"; `mesh` ignored) or `/meshes/{mesh}/{path}/{name}` with `body` as received.
   * Resolves once the change is durable.
   */
  async put(typeName: string, mesh: string, name: string, body: unknown): Promise<PutOutcome> {
    this.checkOpen();
    const outcome = this.putNow(typeName, typeName === "Mesh" ? name : mesh, name, body);
    if (outcome.ok) await this.log?.whenDurable(outcome.seq);
    else await this.readBarrier();
    return outcome.ok ? { ok: true, created: outcome.created, warnings: outcome.warnings } : outcome;
  }

  /** DELETE; deleting a Mesh deletes everything in it. Resolves once the change is durable. */
  async delete(typeName: string, mesh: string, name: string): Promise<DeleteOutcome> {
    this.checkOpen();
    const meshName = typeName === "Mesh" ? name : mesh;
    if (!this.lookup(typeName, meshName, name)) {
      await this.readBarrier();
      return { ok: false, problem: { status: 404, title: TITLE.delete, detail: "Not found" } };
    }
    // Kuma refuses while Dataplanes are attached to the Mesh; this store has no Dataplanes.
    const op: Op = typeName === "Mesh" ? { delMesh: name } : { del: [typeName, meshName, name] };
    const seq = this.commit([op]);
    await this.log?.whenDurable(seq);
    return { ok: true };
  }

  /** Waits until every write accepted so far is durable. */
  async flush(): Promise<void> {
    if (this.log) await this.log.whenDurable(this.log.sequence);
  }

  /** Flushes, closes the journal and unlocks the directory. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.flush();
    } finally {
      await this.log?.close();
      await fsp.rm(this.lockFile, { force: true });
    }
  }

  /** @internal Creates a Mesh with an empty spec when absent (the control plane's boot-time `default` Mesh). */
  async ensureMesh(name: string): Promise<void> {
    if (this.meshes.has(name)) return;
    const outcome = await this.put("Mesh", name, name, { type: "Mesh", name });
    if (!outcome.ok) throw new Error(`could not create Mesh ${name}: ${outcome.problem.detail}`);
  }

  private checkOpen(): void {
    if (this.closed) throw new Error("the control-plane store is closed");
    this.log?.checkHealthy();
  }

  /** Reads wait until the state they saw is durable (a client must not see a write a crash could still undo). */
  private async readBarrier(): Promise<void> {
    if (this.log) await this.log.whenDurable(this.log.sequence);
  }

  private lookup(typeName: string, mesh: string, name: string): Entry | undefined {
    if (typeName === "Mesh") return this.meshes.get(name)?.entry;
    return this.meshes.get(mesh)?.resources.get(typeName)?.get(name);
  }

  private commit(ops: readonly Op[]): number {
    for (const op of ops) this.applyOp(op, "memory");
    return this.log ? this.log.append(ops) : 0;
  }

  /** @internal Applies one operation to memory (at runtime and when replaying the journal). */
  applyOp(op: Op, source: string): void {
    if ("put" in op) {
      const r = op.put;
      if (r.type === "Mesh") {
        const slot = this.meshes.get(r.name);
        if (slot) slot.entry = { record: r };
        else this.meshes.set(r.name, { entry: { record: r }, resources: new Map() });
        return;
      }
      const slot = this.meshes.get(r.mesh);
      if (!slot) throw new Error(`${source}: ${r.type}/${r.mesh}/${r.name} is stored in Mesh ${r.mesh}, which does not exist`);
      let byName = slot.resources.get(r.type);
      if (!byName) slot.resources.set(r.type, (byName = new Map()));
      byName.set(r.name, { record: r });
    } else if ("del" in op) {
      const [typeName, mesh, name] = op.del;
      this.meshes.get(mesh)?.resources.get(typeName)?.delete(name);
    } else {
      this.meshes.delete(op.delMesh); // and, with it, every resource of the Mesh
    }
  }

  /** @internal The whole state as state.json text. */
  serializeSnapshot(generation: number): string {
    const lines: string[] = [];
    for (const slot of this.meshes.values()) {
      lines.push(JSON.stringify(slot.entry.record));
      for (const byName of slot.resources.values()) for (const entry of byName.values()) lines.push(JSON.stringify(entry.record));
    }
    const head = JSON.stringify({ format: STATE_FORMAT, generation, clusterId: this.info.clusterId, kumaVersion: this.version });
    return `${head.slice(0, -1)},"resources":[\n${lines.join(",\n")}\n]}\n`;
  }

  // --- PUT, step by step as createOrUpdateResource does it ---------------------------------------------------------

  private putNow(
    typeName: string,
    mesh: string,
    name: string,
    rawBody: unknown,
  ): { ok: true; created: boolean; warnings: string[]; seq: number } | { ok: false; problem: ApiProblem } {
    const fail = (problem: ApiProblem) => ({ ok: false as const, problem });
    if (!resourceType(typeName)) return fail({ status: 404, title: TITLE.process, detail: `unknown resource type ${typeName}` });
    const body = asObject(rawBody as JsonValue);
    if (!body) return fail({ status: 400, title: "Bad Request", detail: "the request body must be a JSON object" });
    const isMesh = typeName === "Mesh";

    // Server-side defaulting runs before the request checks: an omitted `mesh` is "default" (FACTS §2.5).
    const object: JsonObject = { ...body };
    if (!isMesh && own(object, "mesh") === undefined) object.mesh = DEFAULT_MESH;

    // A Mesh is not schema-validated by the server (protobuf unmarshalling); its type is checked against the URL.
    if (isMesh && own(object, "type") !== undefined && object.type !== "Mesh") {
      return fail(invalid(TITLE.process, [{ field: "type", reason: "type from the URL has to be the same as in body" }]));
    }
    // Differs from Kuma: the real server silently drops unknown fields (jsonpb AllowUnknownFields, json.Unmarshal into Go
    // structs), so a typo like `idleTimout` is accepted and lost. This store validates with meshops's stricter schemas
    // first, so an unknown field is a 400 naming it: what `meshops validate` would have said.
    const schemaProblems = validateSchema(typeName, object);
    if (schemaProblems.length > 0) return fail(invalid(TITLE.process, schemaProblems.map(schemaParameter)));

    const labels: Record<string, string> = {};
    const bodyLabels = asObject(own(object, "labels"));
    if (bodyLabels) for (const key of Object.keys(bodyLabels)) setOwn(labels, key, String(bodyLabels[key]));

    // validateResourceRequest: URL against body, names, labels.
    const requestProblems: InvalidParameter[] = [];
    if (object.name !== name) requestProblems.push({ field: "name", reason: "name from the URL has to be the same as in body" });
    if (!isMesh && object.mesh !== mesh) requestProblems.push({ field: "mesh", reason: "mesh from the URL has to be the same as in body" });
    const meta = metaViolations(typeName, object);
    requestProblems.push(...meta.map((v) => ({ field: v.path, reason: v.message })));
    requestProblems.push(...labelViolations(labels));
    if (!isMesh) {
      if (own(labels, LABEL_MESH) !== undefined && labels[LABEL_MESH] !== mesh) {
        requestProblems.push({ field: labelField(LABEL_MESH), reason: "kuma.io/mesh label must not differ from mesh set on resource" });
      }
      if (own(labels, LABEL_ZONE) !== undefined && labels[LABEL_ZONE] !== this.zone) {
        requestProblems.push({ field: labelField(LABEL_ZONE), reason: `kuma.io/zone label should have ${this.zone} value` });
      }
    }
    if (requestProblems.length > 0) return fail(invalid(TITLE.process, requestProblems));

    const existing = this.lookup(typeName, mesh, name)?.record;
    const title = existing ? TITLE.update : TITLE.create;

    // The resource's own validator (spec rules), run by the resource manager.
    const specProblems = semanticViolations(typeName, object).slice(meta.length);
    const problems: InvalidParameter[] = specProblems.map((v) => ({ field: v.path, reason: v.message }));
    if (isMesh && existing) problems.push(...meshUpdateViolations(existing.body, object));
    if (problems.length > 0) return fail(invalid(title, problems));

    const computed = computeLabels(typeName, isMesh ? undefined : mesh, labels, this.zone);
    if (existing) {
      const immutable = immutableLabelViolations(existing.labels, computed);
      if (immutable.length > 0) return fail(invalid(TITLE.update, immutable));
    } else if (!isMesh && !this.meshes.has(mesh)) {
      return fail({
        status: 400,
        title: TITLE.create,
        detail: "Mesh is not found",
        invalidParameters: [{ field: "mesh", reason: `mesh of name ${mesh} is not found` }],
      });
    }

    const now = this.now().toISOString();
    const stored = isMesh ? this.meshFields(object) : (rewrite(asObject(object.spec) ?? {}, specSchema(typeName), "go") as JsonObject);
    const status = existing?.status ?? INITIAL_STATUS[typeName]?.();
    const record: StoredResource = {
      type: typeName,
      mesh,
      name,
      creationTime: existing?.creationTime ?? now,
      modificationTime: now,
      labels: computed,
      body: stored,
      ...(status ? { status } : {}),
    };
    const ops: Op[] = [{ put: record }];
    if (isMesh && !existing && this.createsDefaults) ops.push(...this.defaultPolicies(name, object, now));
    const seq = this.commit(ops);
    return { ok: true, created: !existing, warnings: warningsFor(typeName, name, isMesh ? object : (asObject(object.spec) ?? {})), seq };
  }

  /** A Mesh's fields as jsonpb would print them back. */
  private meshFields(object: JsonObject): JsonObject {
    const fields: JsonObject = {};
    for (const key of Object.keys(object)) if (key !== "type" && key !== "name" && key !== "labels") setOwn(fields, key, clone(object[key] as JsonValue));
    // Kuma 3.x removed the field: "accepted, ignored and dropped on the next write".
    if (!this.createsDefaults) delete fields.skipCreatingInitialPolicies;
    defaultMeshMetrics(fields);
    const schema = schemaFor("Mesh");
    return stripProtoZeroValues(rewrite(fields, schema, "proto") as JsonObject, schema, "");
  }

  /**
   * EnsureDefaultMeshResources at Mesh creation (never on update, never recreated): the four policies of
   * DEFAULT_POLICIES, minus what `skipCreatingInitialPolicies` names (`*` skips all; exact, case-sensitive type names).
   */
  private defaultPolicies(mesh: string, meshObject: JsonObject, now: string): Op[] {
    const skip = Array.isArray(meshObject.skipCreatingInitialPolicies) ? meshObject.skipCreatingInitialPolicies : [];
    if (skip.includes("*")) return [];
    const labels = computeLabels("MeshTimeout", mesh, {}, this.zone);
    return DEFAULT_POLICIES.filter((p) => !skip.includes(p.type)).map((p) => ({
      put: {
        type: p.type,
        mesh,
        name: defaultPolicyName(p.prefix, mesh),
        creationTime: now,
        modificationTime: now,
        labels,
        body: rewrite(p.spec(), specSchema(p.type), "go") as JsonObject,
      },
    }));
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function specSchema(typeName: string): Schema | undefined {
  return asObject(asObject(schemaFor(typeName)?.properties)?.spec);
}

/**
 * Schema errors come from the server's kube-openapi validator: the field is the path when it is inside `spec`, and ""
 * for the envelope (golden put_mtp_01: `{"field": "", "reason": "type in body should be one of [...]"}`).
 */
function schemaParameter(v: { path: string; message: string }): InvalidParameter {
  if (v.path !== "type") return { field: v.path, reason: v.message };
  const reason = v.message.startsWith("type ") ? v.message : v.message === "Required value" ? "type in body is required" : `type ${v.message}`;
  return { field: "", reason };
}

/** Mesh manager ValidateUpdate: the CA cannot change while mTLS is on. */
function meshUpdateViolations(previous: JsonObject, next: JsonObject): InvalidParameter[] {
  const before = asObject(previous.mtls)?.enabledBackend;
  const after = asObject(next.mtls)?.enabledBackend;
  if (typeof before === "string" && before !== "" && typeof after === "string" && after !== "" && before !== after) {
    return [{ field: "mtls.enabledBackend", reason: "Changing CA when mTLS is enabled is forbidden. Disable mTLS first and then change the CA" }];
  }
  return [];
}

/**
 * resource_labels.Compute on a Universal zone control plane: `kuma.io/mesh` always; `kuma.io/origin: zone` (set if
 * absent) and, for zone-origin resources, `kuma.io/zone` and `kuma.io/env: universal`. A Mesh gets none (it is not
 * provided by a zone).
 */
function computeLabels(typeName: string, mesh: string | undefined, labels: Readonly<Record<string, string>>, zone: string): Record<string, string> {
  const out: Record<string, string> = { ...labels };
  if (typeName === "Mesh" || mesh === undefined) return sortedRecord(out);
  setOwn(out, LABEL_MESH, mesh);
  if (!GLOBAL_ORIGIN_TYPES.has(typeName)) {
    if (own(out, LABEL_ORIGIN) === undefined) setOwn(out, LABEL_ORIGIN, "zone");
    if (out[LABEL_ORIGIN] === "zone") {
      if (own(out, LABEL_ZONE) === undefined) setOwn(out, LABEL_ZONE, zone);
      if (own(out, LABEL_ENV) === undefined) setOwn(out, LABEL_ENV, "universal");
    }
  }
  return sortedRecord(out);
}

function immutableLabelViolations(before: Readonly<Record<string, string>>, after: Readonly<Record<string, string>>): InvalidParameter[] {
  const out: InvalidParameter[] = [];
  for (const key of IMMUTABLE_LABELS) {
    const was = Object.prototype.hasOwnProperty.call(before, key) ? before[key] : undefined;
    if (was === undefined) continue;
    const now = Object.prototype.hasOwnProperty.call(after, key) ? after[key] : undefined;
    if (now === undefined) out.push({ field: labelField(key), reason: `is immutable, cannot be removed (was ${goQuote(was)})` });
    else if (now !== was) out.push({ field: labelField(key), reason: `is immutable, cannot be changed from ${goQuote(was)} to ${goQuote(now)}` });
  }
  return out;
}

/**
 * `kri_<shortName>_<mesh>_<zone>_<namespace>_<name>_<section>` (pkg/core/kri/kri.go). The zone part is the resource's
 * `kuma.io/zone` label when it is zone-origin: golden put_meshaccesslog_01 has `kri_mal_default_default__my-access-log_`
 * for a policy PUT on a Universal zone, while resources without computed labels (get_resource) read
 * `kri_mtp_default___mtp-1_`. A Mesh is `kri_m____<name>_`.
 */
function kriOf(record: StoredResource): string {
  const shortName = resourceType(record.type)?.shortName ?? "";
  if (record.type === "Mesh") return `kri_${shortName}____${record.name}_`;
  const zone = record.labels[LABEL_ORIGIN] === "zone" ? (record.labels[LABEL_ZONE] ?? "") : "";
  const namespace = record.labels[LABEL_NAMESPACE] ?? "";
  return `kri_${shortName}_${record.mesh}_${zone}_${namespace}_${record.name}_`;
}

/** `sni.<shortName>.<mesh>[.<zone>].<name>.<port>` (goldens put_meshservice_01, list_meshservices, put_meshmultizoneservice_01). */
function snisOf(record: StoredResource): JsonValue[] | undefined {
  const ports = SNI_PORTS[record.type];
  if (!ports) return undefined;
  const shortName = resourceType(record.type)?.shortName ?? "";
  const zone = record.labels[LABEL_ORIGIN] === "zone" ? (record.labels[LABEL_ZONE] ?? "") : "";
  const parts = [shortName, record.mesh, zone, record.name].filter((p) => p !== "").join(".");
  return ports(record.body).map((port) => ({ port, sni: `sni.${parts}.${String(port)}` }));
}

/**
 * The GET shape, in the server's key order: type, mesh, name, creationTime, modificationTime, labels, kri, snis, spec,
 * status. A Mesh is flat: its fields follow kri. Label keys are sorted (Go marshals maps sorted).
 */
function render(record: StoredResource): JsonObject {
  const out: JsonObject = { type: record.type };
  if (record.type !== "Mesh") out.mesh = record.mesh;
  out.name = record.name;
  out.creationTime = record.creationTime;
  out.modificationTime = record.modificationTime;
  if (Object.keys(record.labels).length > 0) out.labels = sortedRecord(record.labels);
  out.kri = kriOf(record);
  if (record.type === "Mesh") {
    for (const key of Object.keys(record.body)) setOwn(out, key, record.body[key]);
  } else {
    const snis = snisOf(record);
    if (snis) out.snis = snis;
    out.spec = record.body;
  }
  if (record.status) out.status = record.status;
  return out;
}

function jsonOf(entry: Entry): string {
  entry.json ??= JSON.stringify(render(entry.record));
  return entry.json;
}

// =====================================================================================================================
// LocalBackend: the Backend interface over a store, in-process

/**
 * meshops's Backend over the embedded store, without HTTP. Same answers as the server: a refused PUT throws a
 * BackendError carrying the HTTP status and the invalid parameters the REST API would have sent.
 */
export class LocalBackend implements Backend {
  constructor(
    private readonly store: ControlPlaneStore,
    private readonly options: { readonly ownsStore?: boolean; readonly readOnly?: boolean } = {},
  ) {}

  /** Opens the store in `stateDir` and returns a backend that closes it on close(). */
  static async open(options: StoreOptions): Promise<LocalBackend> {
    return new LocalBackend(await openStore(options), { ownsStore: true });
  }

  async info(): Promise<ServerInfo> {
    const { version, hostname, instanceId } = this.store.info;
    return { product: "Kuma", version, hostname, instanceId };
  }

  async types(): Promise<readonly TypeInfo[]> {
    return RESOURCE_TYPES.map((t) => ({
      name: t.name,
      path: t.path,
      scope: t.name === "Mesh" ? ("Global" as const) : ("Mesh" as const),
      readOnly: this.options.readOnly ?? false,
    }));
  }

  /**
   * Every resource of `type` in `mesh`, or in every mesh when `mesh` is omitted (all Meshes for `Mesh`). A mesh that
   * does not exist has nothing in it: `[]`, as KumaHttpBackend reads the API's 404 "Failed to retrieve Mesh".
   */
  async list(type: string, mesh?: string): Promise<JsonObject[]> {
    this.known(type, mesh === undefined ? `${type} (list)` : `${type} in mesh ${mesh} (list)`);
    const outcome = await guard(`GET ${type} (list)`, () => this.store.list(type, type === "Mesh" ? undefined : mesh));
    if (!outcome.ok) {
      if (outcome.problem.status === 404 && mesh !== undefined) return [];
      throw refusal(`GET ${type} in mesh ${String(mesh)}`, outcome.problem);
    }
    return outcome.items.map((json) => JSON.parse(json) as JsonObject);
  }

  async get(key: ResourceKey): Promise<JsonObject | undefined> {
    this.known(key.type, subjectOf(key));
    return guard(`${subjectOf(key)}: GET`, () => this.store.get(key.type, key.mesh, key.name));
  }

  async put(object: JsonObject): Promise<PutResult> {
    const type = typeof object.type === "string" ? object.type : "";
    const name = typeof object.name === "string" ? object.name : "";
    const mesh = type === "Mesh" ? name : typeof object.mesh === "string" ? object.mesh : DEFAULT_MESH;
    const subject = subjectOf({ type, mesh, name });
    this.known(type, subject);
    if (this.options.readOnly) throw refusal(`${subject}: PUT`, METHOD_NOT_ALLOWED);
    const outcome = await guard(`${subject}: PUT`, () => this.store.put(type, mesh, name, object));
    if (!outcome.ok) throw refusal(`${subject}: PUT`, outcome.problem);
    return { created: outcome.created, warnings: outcome.warnings };
  }

  async delete(key: ResourceKey): Promise<boolean> {
    this.known(key.type, subjectOf(key));
    if (this.options.readOnly) throw refusal(`${subjectOf(key)}: DELETE`, METHOD_NOT_ALLOWED);
    const outcome = await guard(`${subjectOf(key)}: DELETE`, () => this.store.delete(key.type, key.mesh, key.name));
    if (outcome.ok) return true;
    if (outcome.problem.status === 404) return false;
    throw refusal(`${subjectOf(key)}: DELETE`, outcome.problem);
  }

  async close(): Promise<void> {
    if (this.options.ownsStore) await this.store.close();
  }

  private known(type: string, subject: string): void {
    if (!resourceType(type)) throw new BackendError(`${subject}: unknown resource type "${type}"`, { status: 404 });
  }
}

/** A store that cannot work (closed, or its state directory unwritable) is the server's 500, as a BackendError. */
async function guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw new BackendError(`${what} failed: ${error instanceof Error ? error.message : String(error)}`, { status: 500, cause: error });
  }
}

export const METHOD_NOT_ALLOWED: ApiProblem = { status: 405, title: "Method not Allowed", detail: "Method not allowed" };

function refusal(what: string, problem: ApiProblem): BackendError {
  const params = problem.invalidParameters ?? [];
  const details = params.map((p) => (p.field === "" ? p.reason : `${p.field}: ${p.reason}`)).join("; ");
  return new BackendError(`${what} failed: ${problem.status} ${problem.title}: ${problem.detail}${details ? ` (${details})` : ""}`, {
    status: problem.status,
    invalidParameters: params,
    retryable: problem.status >= 500,
  });
}
