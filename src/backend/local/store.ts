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
import { promises as fsp } from "node:fs";
import { hostname as osHostname } from "node:os";
import path from "node:path";
import type { InvalidParameter } from "../types.js";
import type { JsonObject, JsonValue, Violation } from "../../model/resource.js";
import { DEFAULT_MESH, isGlobalType, isPluginOriginated, isSecretType, requiresKongMesh, RESOURCE_TYPES, resourceType, SERVER_RECORDED_SHORT_NAMES } from "../../kuma/types.js";
import { canonicalBase64, withSecretBytesRead } from "../../kuma/secrets.js";
import type { Product } from "../../config/repoConfig.js";
import { schemaAndDecodeViolations } from "../../validate/schema.js";
import { goQuote } from "../../kuma/duration.js";
import { providedCaBackends, secretsInUse } from "../../kuma/providedCa.js";
import { applyMeshDefaulter } from "../../kuma/mesh.js";
import { schemaFor, specSchema } from "../../kuma/schemas.js";
import { DEFAULT_RULE_CONTEXT, semanticViolations } from "../../validate/rules/index.js";
import { metaViolations } from "../../validate/rules/meta.js";
import { meshViolations } from "../../validate/rules/mesh.js";
import { defaultPolicyName, initialPoliciesOf } from "../../kuma/defaultPolicies.js";
import { createsDefaultPolicies, DEFAULT_KUMA_VERSION, kumaMajor } from "../../kuma/version.js";
import { compareMinors, kindIntroducedAfter, schemaLine } from "../../kuma/versions.js";
import type { ApiProblem, DeleteOutcome, ListOutcome, ListQuery, PutOutcome } from "./problems.js";
import { TITLE, invalid } from "./problems.js";
import type { Entry, MeshSlot, Op, StoredResource } from "./records.js";
import { entryOf, INITIAL_STATUS, jsonOf, objectOf, type ServerFields } from "./records.js";
import { computeLabels, meshUpdateViolations, warningsFor } from "./labels.js";
import { immutableLabelViolations, labelChecks, withoutShownDisplayName, workloadLabelProblem } from "../../validate/rules/labels.js";
import { rewrite } from "./rewrite.js";
import { firstJsonpbError, stripProtoZeroValues, withProtoJsonNames } from "../../kuma/protoForm.js";
import { resourceMetaAsRead } from "../../kuma/goJson.js";
import { DEFAULTS_LABELLED_FROM, IMMUTABLE_LABELS_FROM, KRI_CLUSTER_SCOPED_FROM, KRI_FROM, LABEL_DISPLAY_NAME, SNIS_FROM, withoutGoOmittedZeros } from "../../kuma/server.js";
import type { HealthOptions, JournalDamage, Snapshot, StorageFailure } from "./journal.js";
import {
  DurableLog,
  JournalDamagedError,
  describeRecord,
  JOURNAL_NAME,
  STATE_FILE,
  STATE_FORMAT,
  fsyncDir,
  journalFile,
  openJournal,
  readJournal,
  readJsonLinesFile,
  writeFileAtomic,
} from "./journal.js";
import { jsonLinesText } from "../../util/jsonLines.js";
import { acquireLock, releaseLock } from "./lock.js";
import { asObject, clone, own, setOwn } from "./util.js";
import { METHOD_NOT_ALLOWED } from "./problems.js";
import { coreName, defaultSystemNamespace, kdsHashedName, kubernetesNameOf, parseKri, type ControlPlaneEnvironment } from "../../kuma/naming.js";
import { isClusterScoped, KUBERNETES_API_VERSION } from "../../kuma/types.js";
import { toResource } from "../../parse/convert.js";
import { formatPath } from "../../model/fieldPath.js";
import { policyRoleViolations } from "../../validate/webhook.js";
import type { KubernetesPlacement } from "./labels.js";
import { compareText } from "../../model/order.js";
import type { Steps } from "../../util/steps.js";
import { makeDirectory } from "../../util/directory.js";
import { namesUpTo } from "../../util/namesUpTo.js";

// =====================================================================================================================
// Options and versions

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
  /**
   * The product to emulate (default kuma). Kong Mesh serves its own kinds besides Kuma's (MeshOPA,
   * MeshGlobalRateLimit); Kuma does not know them, so their paths are 404 there.
   */
  readonly product?: Product;
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
  /**
   * `meshops cp --recover`: a damaged journal keeps its valid prefix (the rest is copied aside and reported) instead
   * of refusing to load.
   */
  readonly recover?: boolean;
  /** Told what loading had to do that an operator must know (a record set aside, where its copy is). */
  readonly onWarning?: (message: string) => void;
  /**
   * Kubernetes: behave as a Kubernetes-mode zone (`meshops cp --mode kubernetes`): the REST API is read-only, writes
   * come as Kubernetes documents (`applyKubernetes`, standing in for `kubectl apply`), namespaced resources are named
   * `name.namespace` with the Kubernetes labels, and default policies live in the system namespace. Default: what the
   * state directory was created as, else universal. Kept in the state directory.
   */
  readonly environment?: ControlPlaneEnvironment;
  /** The system namespace of a Kubernetes-mode control plane (default kuma-system; kept in the state directory). */
  readonly systemNamespace?: string;
  /** When writes fail and succeed again (the store refuses writes in between), and the retry interval. */
  readonly health?: HealthOptions;
}

/**
 * What follows the valid prefix of the journal is copied aside before the journal is cut back to that prefix, so no
 * byte is ever dropped without a copy and a message. A torn last write (never acknowledged) is cut at any start; damage
 * to acknowledged records only with `recover`, else loading stops with the command to run.
 */
async function setDamageAside(dir: string, journalPath: string, data: Buffer, damage: JournalDamage, recover: boolean, warnings: string[]): Promise<void> {
  if (!damage.tornWrite && !recover) throw new JournalDamagedError(journalPath, damage, dir);
  const saved = `${journalPath}.discarded-${Date.now()}`;
  await fsp.writeFile(saved, data.subarray(damage.offset), { mode: 0o600 });
  if (damage.tornWrite) {
    warnings.push(`${journalPath}: the last write (${damage.bytes} bytes at byte ${damage.offset}) was interrupted and never acknowledged; it was cut off and copied to ${saved}`);
  } else {
    const dropped = damage.intactAfter.flatMap(describeRecord);
    const shown = namesUpTo(dropped, 20);
    warnings.push(
      `${journalPath}: recovered: kept the records before byte ${damage.offset}; dropped ${damage.bytes} bytes (the damaged record and ${damage.intactAfter.length} intact records after it` +
        `${dropped.length > 0 ? `: ${shown}` : ""}), copied to ${saved}. Re-apply the repository to restore what was dropped.`,
    );
  }
  const handle = await fsp.open(journalPath, "r+");
  try {
    await handle.truncate(damage.offset);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

// =====================================================================================================================
// The store

export interface StoreInfo {
  readonly version: string;
  readonly product: Product;
  readonly hostname: string;
  readonly instanceId: string;
  readonly clusterId: string;
  readonly zone: string;
}

/** Opens (creating if needed) the state directory, loads the snapshot, replays the journal, locks the directory. */
export async function openStore(options: StoreOptions): Promise<ControlPlaneStore> {
  const dir = path.resolve(options.stateDir);
  await makeDirectory(dir);
  const lockFile = await acquireLock(dir);
  try {
    return await loadStore(dir, lockFile, options);
  } catch (error) {
    await releaseLock(lockFile);
    throw error;
  }
}

async function loadStore(dir: string, lockFile: string, options: StoreOptions): Promise<ControlPlaneStore> {
  const warnings: string[] = [];
  let snapshot: Snapshot;
  let snapshotBytes = 0;
  const statePath = path.join(dir, STATE_FILE);
  const read = await readStateFile(statePath);
  let stored: Placement | undefined;
  // The product and Kuma version it was last written as: what a command that names none (export, or plan and apply
  // without controlPlane.version) reads it as, as a real control plane runs its version whatever the repository says;
  // else Kong Mesh's kinds would silently not be there, and a 2.10 state be exported and healed as 2.14.
  let storedProduct: Product | undefined;
  let storedVersion: string | undefined;
  if (read === undefined) {
    snapshot = { format: STATE_FORMAT, generation: 1, clusterId: randomUUID(), resources: [] };
    const written = { ...snapshot, kumaVersion: options.version ?? DEFAULT_KUMA_VERSION, product: options.product ?? "kuma", ...placementOf(options) };
    snapshotBytes = await writeFileAtomic(dir, STATE_FILE, JSON.stringify(written));
  } else {
    const { parsed, bytes } = read;
    if (parsed.format !== STATE_FORMAT || typeof parsed.generation !== "number" || !Array.isArray(parsed.resources)) {
      throw new Error(`${statePath} is not a meshops control-plane state file (format ${String(parsed.format)})`);
    }
    snapshot = { format: STATE_FORMAT, generation: parsed.generation, clusterId: parsed.clusterId ?? randomUUID(), resources: parsed.resources };
    snapshotBytes = bytes;
    stored = placementOf(parsed as StoreOptions);
    const product = (parsed as { product?: unknown }).product;
    if (product === "kuma" || product === "kong-mesh") storedProduct = product;
    const version = (parsed as { kumaVersion?: unknown }).kumaVersion;
    if (typeof version === "string" && !("error" in schemaLine(version))) storedVersion = version;
  }
  if (stored && options.environment !== undefined && options.environment !== stored.environment) {
    throw new Error(`${statePath} holds a ${stored.environment} control plane, not a ${options.environment} one: use another --state-dir, or --mode ${stored.environment}`);
  }

  // Leftovers of an interrupted compaction or write: temp files, journals of other generations.
  for (const name of await fsp.readdir(dir)) {
    const journal = JOURNAL_NAME.exec(name);
    if (name.startsWith(`${STATE_FILE}.tmp-`) || (journal && Number(journal[1]) !== snapshot.generation)) {
      await fsp.rm(path.join(dir, name), { force: true });
    }
  }

  const journalPath = path.join(dir, journalFile(snapshot.generation));
  const data = await fsp.readFile(journalPath).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return Buffer.alloc(0);
    throw error;
  });
  const journal = readJournal(data);
  if (journal.damage) await setDamageAside(dir, journalPath, data, journal.damage, options.recover === true, warnings);

  // A command that names no product (export) reads the state as the product it was written as: the one state.json
  // records, else Kong Mesh when it holds a Kong Mesh kind (recorded only at creation and compaction, it may be older).
  const product = options.product ?? storedProduct ?? (holdsKongMeshKinds(snapshot.resources, journal.records) ? "kong-mesh" : undefined);
  const version = options.version ?? storedVersion;
  const store = new ControlPlaneStore({ ...options, ...(stored ?? {}), ...(product ? { product } : {}), ...(version ? { version } : {}) }, snapshot.clusterId, lockFile);
  for (const record of snapshot.resources) store.applyOp({ put: record }, statePath);
  for (const ops of journal.records) for (const op of ops) store.applyOp(op, journalPath);
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
    options.health,
  );
  store.attach(log, warnings);
  for (const warning of warnings) options.onWarning?.(warning);
  if (!options.skipMeshCreation) {
    await store.ensureMesh(DEFAULT_MESH);
    await store.healDefaultLabels();
  }
  return store;
}

function holdsKongMeshKinds(records: readonly StoredResource[], journal: readonly (readonly Op[])[]): boolean {
  return records.some((r) => requiresKongMesh(r.type)) || journal.some((ops) => ops.some((op) => "put" in op && requiresKongMesh(op.put.type)));
}

/**
 * state.json parsed, and its size; undefined when there is none. Its text (30 MB at 50,000 resources) lives only in
 * here: held by loadStore's frame, it stayed alive through the journal's replay and the plan's listing.
 */
async function readStateFile(statePath: string): Promise<{ parsed: Partial<Snapshot>; bytes: number } | undefined> {
  try {
    const read = await readJsonLinesFile(statePath);
    return read && { parsed: read.value as Partial<Snapshot>, bytes: read.bytes };
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    // One line: the parser quotes the text it stopped at, newlines and all.
    throw new Error(`${statePath} is damaged: not valid JSON (${error.message.replace(/\s+/g, " ").trim()}); restore it from a backup or move the state directory aside`);
  }
}

/** Where a state directory's control plane runs, as state.json keeps it. */
interface Placement {
  readonly environment: ControlPlaneEnvironment;
  readonly systemNamespace?: string;
}

function placementOf(options: Pick<StoreOptions, "environment" | "systemNamespace" | "product">): Placement {
  return options.environment === "kubernetes" ? { environment: "kubernetes", systemNamespace: systemNamespaceOf(options) } : { environment: "universal" };
}

/** The system namespace given, else the product's usual one: Kong Mesh's chart installs into kong-mesh-system. */
function systemNamespaceOf(options: Pick<StoreOptions, "systemNamespace" | "product">): string {
  return options.systemNamespace ?? defaultSystemNamespace(options.product);
}

/**
 * state.json's text (util/jsonLines.ts: the head, then one record per line, so that it is read a line at a time), a
 * step per piece of a few hundred records (~150 KB).
 */
function* snapshotTextSteps(snapshot: Readonly<Record<string, unknown>>): Steps<string[]> {
  const chunks: string[] = [];
  for (const piece of jsonLinesText(snapshot, ["resources"])) {
    chunks.push(piece);
    yield;
  }
  return chunks;
}

export class ControlPlaneStore {
  /** The Kuma minor line emulated (3.x: the newest); undefined for a version meshops has no schemas for. */
  private readonly minor: string | undefined;
  readonly version: string;
  readonly product: Product;
  readonly zone: string;
  readonly environment: ControlPlaneEnvironment;
  /** Where default policies and Secrets live on Kubernetes. */
  readonly systemNamespace: string;
  readonly info: StoreInfo;
  /** Problems found while loading (e.g. a damaged journal record set aside). */
  loadWarnings: readonly string[] = [];
  private readonly meshes = new Map<string, MeshSlot>();
  /** The global kinds' resources (HostnameGenerator, GlobalSecret): type → name → entry, their mesh GLOBAL_SCOPE. */
  private readonly global: MeshSlot["resources"] = new Map();
  private readonly createsDefaults: boolean;
  /** Which server-owned fields the emulated line's answers carry. */
  private readonly serverFields: ServerFields;
  /** Whether an update that changes or removes an immutable label is refused (IMMUTABLE_LABELS_FROM). */
  private readonly checksImmutableLabels: boolean;
  /** Whether default policies get the computed labels, and older ones are healed at start (DEFAULTS_LABELLED_FROM). */
  private readonly labelsDefaults: boolean;
  /** Whether GET /_kri names a cluster-scoped kind on Kubernetes without a namespace (KRI_CLUSTER_SCOPED_FROM). */
  private readonly kriClusterScoped: boolean;
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
    this.product = options.product ?? "kuma";
    this.zone = options.zone ?? DEFAULT_ZONE;
    this.environment = options.environment ?? "universal";
    this.systemNamespace = systemNamespaceOf({ ...options, product: this.product });
    this.createsDefaults = createsDefaultPolicies(kumaMajor(undefined, this.version));
    const line = schemaLine(this.version);
    this.minor = "error" in line ? undefined : line.minor;
    const since = (line: string) => this.minor === undefined || compareMinors(this.minor, line) >= 0;
    this.serverFields = { kri: since(KRI_FROM), snis: since(SNIS_FROM) };
    this.checksImmutableLabels = since(IMMUTABLE_LABELS_FROM);
    this.labelsDefaults = since(DEFAULTS_LABELLED_FROM);
    this.kriClusterScoped = since(KRI_CLUSTER_SCOPED_FROM);
    this.now = options.now ?? (() => new Date());
    const hostname = osHostname();
    this.info = { version: this.version, product: this.product, hostname, instanceId: `${hostname}-${randomUUID().slice(0, 4)}`, clusterId, zone: this.zone };
  }

  /** @internal */
  attach(log: DurableLog, warnings: readonly string[]): void {
    this.log = log;
    this.loadWarnings = warnings;
  }

  /** Why writes are refused right now (the state cannot be written), or undefined while the store is healthy. */
  get unhealthy(): StorageFailure | undefined {
    return this.log?.unhealthy;
  }

  /** Whether Meshes created here get the default policies (Kuma < 3.0). */
  get createsDefaultPolicies(): boolean {
    return this.createsDefaults;
  }

  /**
   * Whether the emulated control plane knows the type: Kong Mesh's own kinds only when it emulates Kong Mesh, and only
   * the kinds its Kuma line has (MeshIdentity from 2.12, ...: schemas/versions.json).
   */
  serves(typeName: string): boolean {
    if (resourceType(typeName) === undefined || (this.product !== "kong-mesh" && requiresKongMesh(typeName))) return false;
    return this.minor === undefined || kindIntroducedAfter(typeName, this.minor) === undefined;
  }

  /** Whether the emulated line serves `GET /_kri/{kri}` (Kuma 2.13 on, as `kri` in a GET). */
  get servesKri(): boolean {
    return this.serverFields.kri;
  }

  meshExists(name: string): boolean {
    return this.meshes.has(name);
  }

  // --- reads ----------------------------------------------------------------------------------------------------------

  /**
   * `GET /_kri/{kri}` (go-v2.14.3 pkg/api-server/kri_endpoint.go, from 2.13 on): the GET rendering of the resource a
   * KRI names. A malformed KRI or a short name this line does not have is a 400 (kri.FromString's text after
   * "bad request: "); the section part is ignored. A KRI whose zone part is this zone's name names the resource by its
   * name part (the display name), with `.<namespace>` (the system namespace when the part is empty) on Kubernetes
   * for a namespaced kind (2.13: for every kind). Any other zone part, the empty one too (a Mesh's kri), names a
   * KDS-synced copy: `<name>-<hash>` (kdsHashedName), `.<system namespace>` on Kubernetes. A Zone, ZoneIngress or
   * ZoneEgress is known but never here. Then a GET: 404 when nothing is there.
   */
  async getJsonByKri(text: string): Promise<{ ok: true; json: string } | { ok: false; problem: ApiProblem }> {
    const parsed = parseKri(text);
    const badRequest = (error: string): { ok: false; problem: ApiProblem } => ({ ok: false, problem: { status: 400, title: "Bad Request", detail: `bad request: ${error}` } });
    if (!parsed.ok) return badRequest(parsed.error);
    const { shortName, mesh, zone, namespace, name } = parsed.parts;
    const notFound = { ok: false, problem: { status: 404, title: TITLE.retrieve, detail: "Not found" } } as const;
    const type = RESOURCE_TYPES.find((t) => t.shortName !== "" && t.shortName === shortName && this.serves(t.name));
    // A kind Kuma has but a proxy or zone registers (no proxy registers here): known, and nothing there.
    if (!type && Object.values(SERVER_RECORDED_SHORT_NAMES).includes(shortName)) return notFound;
    if (!type) return badRequest(`unknown short name of resource type: ${goQuote(shortName)}`);
    // The look-up is by (name, mesh part): a Mesh or global kind is kept under no mesh, every other kind under one.
    const inScope = (mesh === "") === (type.name === "Mesh" || isGlobalType(type.name));
    const local = zone === this.zone;
    const base = local ? name : kdsHashedName(mesh, name, [zone, namespace].filter((v) => v !== ""));
    const namespaced = this.kubernetes && !(this.kriClusterScoped && isClusterScoped(type.name));
    const stored = !namespaced ? base : coreName(base, local ? namespace || this.systemNamespace : this.systemNamespace);
    const json = inScope ? await this.getJson(type.name, mesh, stored) : undefined;
    return json === undefined ? notFound : { ok: true, json };
  }

  /** The GET rendering of one resource (JSON text), or undefined. For a Mesh, `mesh` is ignored. */
  async getJson(typeName: string, mesh: string, name: string): Promise<string | undefined> {
    const entry = this.lookup(typeName, mesh, name);
    const json = entry ? jsonOf(entry, this.serverFields) : undefined;
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
    const found = this.entriesOf(typeName, mesh, query);
    await this.readBarrier();
    return found.ok ? { ok: true, total: found.total, items: found.page.map((e) => jsonOf(e, this.serverFields)), nextOffset: found.nextOffset } : found;
  }

  /**
   * Every resource of `typeName` in `mesh` (as `list`, unpaged) as deep-frozen objects shared with the store: for
   * readers in this process, which then parse nothing (see `objectOf`).
   */
  async listObjects(typeName: string, mesh: string | undefined): Promise<{ ok: true; items: readonly JsonObject[] } | { ok: false; problem: ApiProblem }> {
    const found = this.entriesOf(typeName, mesh, {});
    await this.readBarrier();
    return found.ok ? { ok: true, items: found.page.map((e) => objectOf(e, this.serverFields)) } : found;
  }

  private entriesOf(
    typeName: string,
    mesh: string | undefined,
    query: ListQuery,
  ): { ok: true; total: number; page: Entry[]; nextOffset: number | undefined } | { ok: false; problem: ApiProblem } {
    let entries: Entry[];
    if (typeName === "Mesh") {
      entries = [...this.meshes.values()].map((slot) => slot.entry);
    } else if (isGlobalType(typeName)) {
      entries = [...(this.global.get(typeName)?.values() ?? [])];
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
    entries.sort((a, b) => compareText(a.record.mesh, b.record.mesh) || compareText(a.record.name, b.record.name));
    const offset = query.offset ?? 0;
    const size = query.size ?? entries.length;
    const page = offset === 0 && size >= entries.length ? entries : entries.slice(offset, offset + size);
    const nextOffset = offset + size < entries.length ? offset + size : undefined;
    return { ok: true, total: entries.length, page, nextOffset };
  }

  // --- writes ---------------------------------------------------------------------------------------------------------

  /**
   * PUT `/meshes/{name}` (typeName "Mesh"; `mesh` ignored) or `/meshes/{mesh}/{path}/{name}` with `body` as received.
   * Resolves once the change is durable.
   */
  async put(typeName: string, mesh: string, name: string, body: unknown): Promise<PutOutcome> {
    this.checkOpen();
    return this.settled(this.putNow(typeName, typeName === "Mesh" ? name : mesh, name, body));
  }

  /** DELETE; deleting a Mesh deletes everything in it. Resolves once the change is durable. */
  async delete(typeName: string, mesh: string, name: string): Promise<DeleteOutcome> {
    this.checkOpen();
    const meshName = typeName === "Mesh" ? name : mesh;
    if (!this.lookup(typeName, meshName, name)) {
      await this.readBarrier();
      return { ok: false, problem: { status: 404, title: TITLE.delete, detail: "Not found" } };
    }
    // Kuma's mesh manager refuses while any Dataplane is in the Mesh (ValidateNoActiveDP), registered or written.
    if (typeName === "Mesh" && (this.meshes.get(name)?.resources.get("Dataplane")?.size ?? 0) > 0) {
      return { ok: false, problem: invalid(TITLE.delete, [{ field: "mesh", reason: "unable to delete mesh, there are still some dataplanes attached" }]) };
    }
    const inUse = typeName === "Secret" ? this.secretInUseViolations(meshName, name) : [];
    if (inUse.length > 0) return { ok: false, problem: invalid(TITLE.delete, inUse) };
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
      await releaseLock(this.lockFile);
    }
  }

  /** @internal Creates a Mesh with an empty spec when absent (the control plane's boot-time `default` Mesh). */
  async ensureMesh(name: string): Promise<void> {
    if (this.meshes.has(name)) return;
    const outcome = this.kubernetes
      ? await this.applyKubernetes({ apiVersion: KUBERNETES_API_VERSION, kind: "Mesh", metadata: { name } })
      : await this.put("Mesh", name, name, { type: "Mesh", name });
    if (!outcome.ok) throw new Error(`could not create Mesh ${name}: ${outcome.problem.detail}`);
  }

  /** A Kubernetes-mode control plane: its REST API is read-only, it is written through `applyKubernetes`. */
  get kubernetes(): boolean {
    return this.environment === "kubernetes";
  }

  /**
   * What `kubectl apply` of one kuma.io document (or a Kuma Secret) does to a Kubernetes-mode control plane, as its
   * REST API shows it afterwards: the admission webhook's checks (namespaces, policy roles; the same validation as
   * `meshops validate`), then the resource stored under its API name (`name.namespace`) with the labels the mutating
   * webhook and the Kubernetes store add. Only in Kubernetes mode.
   */
  async applyKubernetes(document: unknown): Promise<PutOutcome> {
    this.checkOpen();
    if (!this.kubernetes) return { ok: false, problem: METHOD_NOT_ALLOWED };
    const conversion = toResource("request", { index: 0, line: 1, column: 1, value: (document ?? null) as JsonValue }, { systemNamespaces: [this.systemNamespace], mode: "zone" });
    const resource = conversion.resource;
    const errors = conversion.problems.filter((p) => p.severity !== "warning").map((p) => ({ field: formatPath(p.sourcePath), reason: p.message }));
    if (conversion.other) errors.push({ field: "apiVersion", reason: `${conversion.other.apiVersion} ${conversion.other.kind} is not a Kuma resource` });
    if (!resource || errors.length > 0) return { ok: false, problem: invalid(TITLE.process, errors) };
    const roles = policyRoleViolations(resource, { systemNamespaces: [this.systemNamespace], mode: "zone" }).map(parameter);
    if (roles.length > 0) return { ok: false, problem: invalid(TITLE.process, roles) };
    const named = kubernetesNameOf(resource.object);
    // Kubernetes holds one object per kind, namespace and name, whatever its mesh label says: applying it with another
    // mesh moves it there.
    const moved = [...this.meshes].find(([mesh, slot]) => mesh !== resource.mesh && slot.resources.get(resource.type)?.has(resource.name))?.[0];
    const placement: KubernetesPlacement = {
      ...(moved !== undefined ? { movedFrom: moved } : {}),
      name: named?.name ?? resource.name,
      ...(named ? { namespace: named.namespace } : {}),
      systemNamespace: this.systemNamespace,
      ...(asObject(resource.object.spec) ? { spec: asObject(resource.object.spec) as JsonObject } : {}),
    };
    return this.settled(this.putNow(resource.type, resource.mesh, resource.name, resource.object, placement));
  }

  /** A PUT's answer once what it wrote is durable (or, refused, once what it saw is). */
  private async settled(outcome: { ok: true; created: boolean; warnings: string[]; seq: number } | { ok: false; problem: ApiProblem }): Promise<PutOutcome> {
    if (outcome.ok) await this.log?.whenDurable(outcome.seq);
    else await this.readBarrier();
    return outcome.ok ? { ok: true, created: outcome.created, warnings: outcome.warnings } : outcome;
  }

  /** `kubectl delete` of a kuma.io object (`namespace` undefined for a cluster-scoped kind). Only in Kubernetes mode. */
  async deleteKubernetes(kind: string, name: string, namespace: string | undefined): Promise<DeleteOutcome> {
    if (!this.kubernetes) return { ok: false, problem: METHOD_NOT_ALLOWED };
    const type = resourceType(kind);
    if (!type) return { ok: false, problem: { status: 404, title: TITLE.delete, detail: `unknown kind ${kind}` } };
    if (type.name === "Mesh") return this.delete("Mesh", name, name);
    const apiName = isClusterScoped(type.name) || namespace === undefined || isSecretType(type.name) ? name : coreName(name, namespace);
    const mesh = [...this.meshes].find(([, slot]) => slot.resources.get(type.name)?.has(apiName))?.[0];
    return this.delete(type.name, mesh ?? "", apiName);
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
    return this.resourcesOf(typeName, mesh)?.get(typeName)?.get(name);
  }

  /** Where resources of `typeName` in `mesh` live: the mesh's slot, or the global scope's for a global kind. */
  private resourcesOf(typeName: string, mesh: string): MeshSlot["resources"] | undefined {
    return isGlobalType(typeName) ? this.global : this.meshes.get(mesh)?.resources;
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
        if (slot) slot.entry = entryOf(r);
        else this.meshes.set(r.name, { entry: entryOf(r), resources: new Map() });
        return;
      }
      const resources = this.resourcesOf(r.type, r.mesh);
      if (!resources) throw new Error(`${source}: ${r.type}/${r.mesh}/${r.name} is stored in Mesh ${r.mesh}, which does not exist`);
      let byName = resources.get(r.type);
      if (!byName) resources.set(r.type, (byName = new Map()));
      byName.set(r.name, entryOf(r));
    } else if ("del" in op) {
      const [typeName, mesh, name] = op.del;
      this.resourcesOf(typeName, mesh)?.get(typeName)?.delete(name);
    } else {
      this.meshes.delete(op.delMesh); // and, with it, every resource of the Mesh
    }
  }

  /**
   * @internal The whole state as state.json's text in chunks, as steps (util/steps.ts). The records are taken when
   * this is called (stored records never change, so holding them is a consistent cut of the state); the text is made
   * by the steps.
   */
  serializeSnapshot(generation: number): Steps<string[]> {
    const records: StoredResource[] = [];
    for (const byName of this.global.values()) for (const entry of byName.values()) records.push(entry.record);
    for (const slot of this.meshes.values()) {
      records.push(slot.entry.record);
      for (const byName of slot.resources.values()) for (const entry of byName.values()) records.push(entry.record);
    }
    return snapshotTextSteps({ format: STATE_FORMAT, generation, clusterId: this.info.clusterId, kumaVersion: this.version, product: this.product, ...placementOf(this), resources: records });
  }

  // --- PUT, step by step as createOrUpdateResource does it ---------------------------------------------------------

  private putNow(
    typeName: string,
    mesh: string,
    name: string,
    rawBody: unknown,
    kubernetes?: KubernetesPlacement,
  ): { ok: true; created: boolean; warnings: string[]; seq: number } | { ok: false; problem: ApiProblem } {
    const fail = (problem: ApiProblem) => ({ ok: false as const, problem });
    if (!this.serves(typeName)) return fail({ status: 404, title: TITLE.process, detail: `unknown resource type ${typeName}` });
    const sent = asObject(rawBody as JsonValue);
    if (!sent) return fail({ status: 400, title: "Bad Request", detail: "the request body must be a JSON object" });
    // A protobuf kind's (a Secret's) envelope is encoding/json's to read, which takes `Name` or `MESH` for its field; a
    // policy's past its schema, as the schema-checked map marshalled again (sorted keys), where only `Labels` counts.
    const read = isPluginOriginated(typeName) ? resourceMetaAsRead(sent, "sorted", "labels") : resourceMetaAsRead(sent, "written");
    const body = read?.object ?? sent;
    const isMesh = typeName === "Mesh";
    const global = isGlobalType(typeName);

    // Server-side defaulting runs before the request checks: an omitted `mesh` is "default" (FACTS §2.5) for the kinds
    // whose schema defaults it; the others (Secret, MeshGateway, Dataplane: `meshRequired`) are decoded by encoding/json
    // into the envelope's string (rest/unversioned/resource.go), which stays empty for the request checks to refuse.
    // jsonpb reads a protobuf kind's field by its proto name too (`connection_limit`), keeping the JSON name's value
    // when both are sent; what is stored, and printed, is the JSON name.
    const object: JsonObject = { ...(resourceType(typeName)?.flat ? withProtoJsonNames(typeName, body).object : body) };
    if (!isMesh && !global && own(object, "mesh") === undefined) object.mesh = resourceType(typeName)?.meshRequired ? "" : DEFAULT_MESH;

    // Differs from Kuma: the real server silently drops unknown fields (jsonpb AllowUnknownFields, json.Unmarshal into Go
    // structs), so a typo like `idleTimout` is accepted and lost. This store validates with meshops's stricter schemas,
    // so an unknown field is a 400 naming it: what `meshops validate` would have said (after any decode error Kuma
    // itself would answer).
    const checked = schemaAndDecodeViolations(typeName, object, this.version, { kubernetes: kubernetes !== undefined });
    // What the Go decoder refuses (a negative uint32, a bad duration; in a protobuf kind, whatever jsonpb refuses and an
    // envelope field of the wrong type) is the unmarshaller's error: 400 "Bad Request", detail `invalid <Type> object:
    // "<decoder error>"`, no invalid_parameters (golden put_dataplanes_08). A protobuf kind has no schema stage in Kuma
    // (rest/unmarshaller.go: no StructuralSchema), so its decode error comes first, the first its decoders meet; a
    // policy's schema is checked before it is decoded.
    const protobuf = !isPluginOriginated(typeName);
    const decodeError = protobuf ? firstJsonpbError(typeName, object, checked.decode) : checked.decode[0];
    const decodeFailure = decodeError && { status: 400, title: "Bad Request", detail: `invalid ${typeName} object: ${goQuote(decodeError.goError)}` };
    if (protobuf && decodeFailure) return fail(decodeFailure);
    // A protobuf kind's type (a Secret's too) is not a schema's to check: validateResourceRequest compares it with the URL's.
    const schemaProblems = protobuf ? checked.schema.filter((v) => v.path !== "type") : checked.schema;
    if (schemaProblems.length > 0) return fail(invalid(TITLE.process, schemaProblems.map(schemaParameter)));
    if (decodeFailure) return fail(decodeFailure);

    // The resource's own validator runs as the body is decoded (rest/unmarshaller.go Unmarshal: validator.Validate),
    // before the request checks below: "Could not process a resource" (golden put_dataplanes_04). A Mesh's manager
    // checks come later, from the resource manager.
    const ruleContext = { ...DEFAULT_RULE_CONTEXT, product: this.product, version: this.version };
    const meta = metaViolations(typeName, object);
    const validatorProblems = isMesh ? meshViolations(object, this.product) : semanticViolations(typeName, object, ruleContext).slice(meta.length);
    if (validatorProblems.length > 0) return fail(invalid(TITLE.process, validatorProblems.map(parameter)));

    const labels: Record<string, string> = {};
    const bodyLabels = asObject(own(object, "labels"));
    // encoding/json reads a null label value as "" (ResourceMeta.Labels is a map[string]string).
    if (bodyLabels) for (const key of Object.keys(bodyLabels)) setOwn(labels, key, bodyLabels[key] === null ? "" : String(bodyLabels[key]));

    // validateResourceRequest: URL against body, names, labels.
    const requestProblems: InvalidParameter[] = [];
    if (object.name !== name) requestProblems.push({ field: "name", reason: "name from the URL has to be the same as in body" });
    if (protobuf && object.type !== typeName) requestProblems.push({ field: "type", reason: "type from the URL has to be the same as in body" });
    if (!isMesh && !global && object.mesh !== mesh) requestProblems.push({ field: "mesh", reason: "mesh from the URL has to be the same as in body" });
    // This server is a zone that is not federated, and knows its own name.
    // Through the Kubernetes route the display name is the object's name, never a Kubernetes label (applyKubernetes's
    // converter refused a written one that is not that, or too long).
    const checkedLabels = kubernetes ? withoutShownDisplayName(labels) : labels;
    const labelProblems = labelChecks(typeName, { ...object, labels: checkedLabels }, { mode: "standalone", zone: this.zone }).violations;
    requestProblems.push(...labelProblems.map(parameter));
    // ValidateMeta after the labels, as validateResourceRequest adds them.
    requestProblems.push(...meta.map(parameter));
    if (requestProblems.length > 0) return fail(invalid(TITLE.process, requestProblems));

    const existing = this.lookup(typeName, mesh, name)?.record;
    const title = existing ? TITLE.update : TITLE.create;

    // createResource checks a Universal Dataplane's workload label before the resource manager runs; an update is not
    // checked (go-v2.14.3 pkg/api-server/resource_endpoints.go; goldens workload_label_validation_01/02).
    const workload = existing || kubernetes ? undefined : workloadLabelProblem(typeName, { ...object, labels }, "standalone");
    if (workload) return fail({ status: 400, title: "Bad Request", detail: `bad request: ${workload.path}: ${workload.message}` });

    // The Mesh manager's checks (its validator passed above), run by the resource manager.
    const problems: InvalidParameter[] = isMesh ? semanticViolations(typeName, object, ruleContext).slice(meta.length).map(parameter) : [];
    if (isMesh && existing) problems.push(...meshUpdateViolations(existing.body, object));
    if (isMesh) problems.push(...this.providedCaViolations(name, object));
    if (problems.length > 0) return fail(invalid(title, problems));

    const computed = computeLabels(typeName, isMesh ? undefined : mesh, labels, this.zone, kubernetes, object);
    if (existing) {
      const immutable = this.checksImmutableLabels ? immutableLabelViolations(existing.labels, computed) : [];
      if (immutable.length > 0) return fail(invalid(TITLE.update, immutable.map(parameter)));
    } else if (!isMesh && !global && !this.meshes.has(mesh)) {
      return fail({
        status: 400,
        title: TITLE.create,
        detail: "Mesh is not found",
        invalidParameters: [{ field: "mesh", reason: `mesh of name ${mesh} is not found` }],
      });
    }

    const now = this.now().toISOString();
    const flat = resourceType(typeName)?.flat === true;
    const stored = isMesh
      ? this.meshFields(object)
      : isSecretType(typeName)
        ? secretFields(object)
        : flat
          ? protoFields(typeName, object)
          : withoutGoOmittedZeros(typeName, rewrite(asObject(object.spec) ?? {}, specSchema(typeName), "go") as JsonObject);
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
    const moved = kubernetes?.movedFrom;
    const ops: Op[] = moved === undefined ? [{ put: record }] : [{ del: [typeName, moved, name] }, { put: record }];
    if (isMesh && !existing && this.createsDefaults) ops.push(...this.defaultPolicies(name, object, now));
    const seq = this.commit(ops);
    // The name checked is the display name (model.GetDisplayName): the label when set, as on everything the Kubernetes
    // store holds (`ledger`, not `ledger.payments`), else the name.
    const displayName = computed[LABEL_DISPLAY_NAME] || (kubernetes?.name ?? name);
    return { ok: true, created: !existing, warnings: warningsFor(typeName, displayName, flat ? object : (asObject(object.spec) ?? {}), this.version), seq };
  }

  /**
   * The provided CA manager's ValidateBackend: each provided backend's key, then certificate, loaded from the mesh's
   * Secrets; a failure is reported on both fields. (Whether they form a CA key pair is not checked here.)
   */
  private providedCaViolations(mesh: string, object: JsonObject): InvalidParameter[] {
    return providedCaBackends(object).flatMap(({ index, secrets }) => {
      const missing = secrets.find((s) => !this.lookup("Secret", mesh, s.secret));
      if (!missing) return [];
      const reason = `could not load data: resource not found: type="Secret" name=${goQuote(missing.secret)} mesh=${goQuote(mesh)}`;
      return (["cert", "key"] as const).map((f) => ({ field: `mtls.backends[${index}].conf.${f}`, reason }));
    });
  }

  /** The secret validator's ValidateDelete: a Secret an mTLS backend of its Mesh uses stays (one violation per backend). */
  private secretInUseViolations(mesh: string, name: string): InvalidParameter[] {
    const entry = this.lookup("Mesh", mesh, mesh);
    if (!entry) return [];
    return secretsInUse(entry.record.body, mesh)
      .filter((b) => b.secrets.includes(name))
      .map(({ backend }) => ({
        field: "name",
        reason: `The secret ${goQuote(name)} that you are trying to remove is currently in use in Mesh ${goQuote(mesh)} in mTLS backend ${goQuote(backend)}. Please remove the reference from the ${goQuote(backend)} backend before removing the secret.`,
      }));
  }

  /** A Mesh's fields as jsonpb would print them back, after the Mesh defaulter. */
  private meshFields(object: JsonObject): JsonObject {
    const fields = messageFields(object);
    // Kuma 3.x removed the field: "accepted, ignored and dropped on the next write".
    if (!this.createsDefaults) delete fields.skipCreatingInitialPolicies;
    applyMeshDefaulter(fields);
    const schema = schemaFor("Mesh");
    return stripProtoZeroValues(rewrite(fields, schema, "proto") as JsonObject, schema, "");
  }

  /**
   * EnsureDefaultMeshResources at Mesh creation (never on update, never recreated): the four policies of
   * DEFAULT_POLICIES, minus what `skipCreatingInitialPolicies` names (`*` skips all; exact, case-sensitive type names).
   */
  private defaultPolicies(mesh: string, meshObject: JsonObject, now: string): Op[] {
    return initialPoliciesOf(meshObject, this.version).map((p) => {
      const name = defaultPolicyName(p.prefix, mesh);
      const spec = rewrite(p.spec(), specSchema(p.type), "go") as JsonObject;
      const placement = this.defaultPlacement(name, spec);
      // Before 2.14 ensureDefaultResource created them without labels (store.CreateBy only); on Kubernetes the
      // placement's labels stay, as the Kubernetes store keeps its own.
      const labels = placement !== undefined || this.labelsDefaults ? computeLabels(p.type, mesh, {}, this.zone, placement) : {};
      return { put: { type: p.type, mesh, name: placement ? coreName(name, this.systemNamespace) : name, creationTime: now, modificationTime: now, labels, body: spec } };
    });
  }

  /** On Kubernetes default policies are objects in the system namespace: `mesh-timeout-all-default.kuma-system` (FACTS §1.2). */
  private defaultPlacement(name: string, spec: JsonObject): KubernetesPlacement | undefined {
    const namespace = this.systemNamespace;
    return this.kubernetes ? { name, namespace, systemNamespace: namespace, spec } : undefined;
  }

  /**
   * @internal EnsureDefaultMeshResourcesUpToDate, run at start from 2.14 on (v2.14.3 pkg/defaults/mesh/mesh.go with
   * reconcileExistingOnly; FACTS §1.1, §1.4): each Mesh's default policies that exist and that its skip list leaves in
   * get the computed labels over their own (an older line created them without), in place, spec and creationTime
   * kept; one an operator deleted stays deleted. The loader skips it with skipMeshCreation, as Kuma does.
   */
  async healDefaultLabels(): Promise<void> {
    if (!this.labelsDefaults || !this.createsDefaults) return;
    const now = this.now().toISOString();
    const ops: Op[] = [];
    for (const [mesh, slot] of this.meshes) {
      for (const p of initialPoliciesOf(slot.entry.record.body, this.version)) {
        const name = defaultPolicyName(p.prefix, mesh);
        const placement = this.defaultPlacement(name, {});
        const entry = slot.resources.get(p.type)?.get(placement ? coreName(name, this.systemNamespace) : name);
        if (!entry) continue;
        const { labels, body } = entry.record;
        const desired = computeLabels(p.type, mesh, labels, this.zone, placement && { ...placement, spec: body });
        const same = Object.keys(desired).length === Object.keys(labels).length && Object.keys(desired).every((k) => own(labels, k) === desired[k]);
        if (!same) ops.push({ put: { ...entry.record, modificationTime: now, labels: desired } });
      }
    }
    if (ops.length > 0) await this.log?.whenDurable(this.commit(ops));
  }
}

/** A Secret's stored fields: its bytes, printed back as Go prints a []byte (padded standard base64). */
function secretFields(object: JsonObject): JsonObject {
  const data = withSecretBytesRead(object).data;
  return typeof data === "string" ? { data: canonicalBase64(data) } : {};
}

/** The protobuf message's fields of a flat object: everything but the envelope. */
function messageFields(object: JsonObject): JsonObject {
  const fields: JsonObject = {};
  for (const key of Object.keys(object)) if (!["type", "mesh", "name", "labels"].includes(key)) setOwn(fields, key, clone(object[key] as JsonValue));
  return fields;
}

/** A MeshGateway's or Dataplane's fields as jsonpb would print them back (no defaulter runs on these). */
function protoFields(typeName: string, object: JsonObject): JsonObject {
  const schema = schemaFor(typeName);
  return stripProtoZeroValues(rewrite(messageFields(object), schema, "proto") as JsonObject, schema, "");
}

/**
 * Schema errors come from the server's kube-openapi validator: the field is the path when it is inside `spec`, and ""
 * for the envelope (golden put_mtp_01: `{"field": "", "reason": "type in body should be one of [...]"}`).
 */
/** A violation as the API answers it: `invalid_parameters[].field` and `.reason`. */
function parameter(v: Violation): InvalidParameter {
  return { field: v.path, reason: v.message };
}

function schemaParameter(v: { path: string; message: string }): InvalidParameter {
  if (v.path !== "type") return { field: v.path, reason: v.message };
  const reason = v.message.startsWith("type ") ? v.message : v.message === "Required value" ? "type in body is required" : `type ${v.message}`;
  return { field: "", reason };
}
