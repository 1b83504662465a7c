/**
 * LocalBackend: meshops's Backend interface over the embedded store, in-process, without HTTP. The CLI uses it when no
 * --cp-url is given; it answers as the HTTP server would (src/cp/server.ts), refusals included.
 */
import type { Backend, DeleteResult, PutResult, ServerInfo, TypeInfo } from "../types.js";
import { BackendError } from "../types.js";
import type { ResourceKey } from "../../model/key.js";
import { subjectOf } from "../../model/key.js";
import type { JsonObject } from "../../model/resource.js";
import { RESOURCE_TYPES, meshOfWritten } from "../../kuma/types.js";
import type { ApiProblem } from "./problems.js";
import { METHOD_NOT_ALLOWED } from "./problems.js";
import type { ControlPlaneStore, StoreOptions } from "./store.js";
import { openStore } from "./store.js";
import { StorageFailure } from "./journal.js";

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
    const { version, product, hostname, instanceId } = this.store.info;
    const environment = this.store.environment;
    // Kong Mesh versions follow the Kuma versions they are built on (src/kuma/version.ts).
    return product === "kong-mesh"
      ? { product: "Kong Mesh", version, basedOnKuma: version, hostname, instanceId, environment }
      : { product: "Kuma", version, hostname, instanceId, environment };
  }

  async types(): Promise<readonly TypeInfo[]> {
    return RESOURCE_TYPES.filter((t) => this.store.serves(t.name)).map((t) => ({
      name: t.name,
      path: t.path,
      scope: t.name === "Mesh" || t.global ? ("Global" as const) : ("Mesh" as const),
      readOnly: this.readOnly,
    }));
  }

  /** Like the server: read-only when asked, and always for a Kubernetes-mode store (written through Kubernetes). */
  private get readOnly(): boolean {
    return this.options.readOnly === true || this.store.kubernetes;
  }

  /**
   * Every resource of `type` in `mesh`, or in every mesh when `mesh` is omitted (all Meshes for `Mesh`). A mesh that
   * does not exist has nothing in it: `[]`, as KumaHttpBackend reads the API's 404 "Failed to retrieve Mesh".
   */
  async list(type: string, mesh?: string): Promise<JsonObject[]> {
    this.known(type, mesh === undefined ? `${type} (list)` : `${type} in mesh ${mesh} (list)`);
    const outcome = await guard(`GET ${type} (list)`, () => this.store.listObjects(type, type === "Mesh" ? undefined : mesh));
    if (!outcome.ok) {
      if (outcome.problem.status === 404 && mesh !== undefined) return [];
      throw refusal(`GET ${type} in mesh ${String(mesh)}`, outcome.problem);
    }
    // Shared with the store and frozen (records.ts objectOf): nothing printed or parsed, and nothing to change.
    return [...outcome.items];
  }

  async get(key: ResourceKey): Promise<JsonObject | undefined> {
    this.known(key.type, subjectOf(key));
    return guard(`${subjectOf(key)}: GET`, () => this.store.get(key.type, key.mesh, key.name));
  }

  async put(object: JsonObject): Promise<PutResult> {
    const type = typeof object.type === "string" ? object.type : "";
    const name = typeof object.name === "string" ? object.name : "";
    const mesh = meshOfWritten(type, name, object.mesh);
    const subject = subjectOf({ type, mesh, name });
    this.known(type, subject);
    if (this.readOnly) throw refusal(`${subject}: PUT`, METHOD_NOT_ALLOWED);
    const outcome = await guard(`${subject}: PUT`, () => this.store.put(type, mesh, name, object));
    if (!outcome.ok) throw refusal(`${subject}: PUT`, outcome.problem);
    return { created: outcome.created, warnings: outcome.warnings };
  }

  async delete(key: ResourceKey): Promise<DeleteResult> {
    this.known(key.type, subjectOf(key));
    if (this.readOnly) throw refusal(`${subjectOf(key)}: DELETE`, METHOD_NOT_ALLOWED);
    const outcome = await guard(`${subjectOf(key)}: DELETE`, () => this.store.delete(key.type, key.mesh, key.name));
    if (outcome.ok) return { found: true };
    if (outcome.problem.status === 404) return { found: false };
    throw refusal(`${subjectOf(key)}: DELETE`, outcome.problem);
  }

  async close(): Promise<void> {
    if (this.options.ownsStore) await this.store.close();
  }

  private known(type: string, subject: string): void {
    if (!this.store.serves(type)) throw new BackendError(`${subject}: unknown resource type "${type}"`, { status: 404 });
  }
}

/** A store that cannot work (closed, or its state directory unwritable) is the server's 500, as a BackendError. */
async function guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    const status = error instanceof StorageFailure ? 503 : 500;
    throw new BackendError(`${what} failed: ${error instanceof Error ? error.message : String(error)}`, { status, cause: error });
  }
}

function refusal(what: string, problem: ApiProblem): BackendError {
  const params = problem.invalidParameters ?? [];
  const details = params.map((p) => (p.field === "" ? p.reason : `${p.field}: ${p.reason}`)).join("; ");
  return new BackendError(`${what} failed: ${problem.status} ${problem.title}: ${problem.detail}${details ? ` (${details})` : ""}`, {
    status: problem.status,
    invalidParameters: params,
    retryable: problem.status >= 500,
  });
}
