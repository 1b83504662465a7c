import type { ResourceKey } from "../model/key.js";
import type { JsonObject } from "../model/resource.js";
import type { ControlPlaneEnvironment } from "../kuma/naming.js";

export type { ControlPlaneEnvironment };

/** GET / of the control plane. */
export interface ServerInfo {
  readonly product: string;
  readonly version: string;
  /** Set by distributions of Kuma (Kong Mesh): the Kuma version they are based on. */
  readonly basedOnKuma?: string;
  readonly hostname?: string;
  readonly instanceId?: string;
  /**
   * Kubernetes when meshops was told so (`--mode kubernetes`) or the whole API is read-only, as on a Kubernetes-mode
   * control plane: names are mapped the Kubernetes way and nothing is written (not part of GET /).
   */
  readonly environment?: ControlPlaneEnvironment;
}

/** One entry of GET /_resources. */
export interface TypeInfo {
  readonly name: string;
  readonly path: string;
  readonly scope: "Mesh" | "Global";
  readonly readOnly: boolean;
}

export interface PutResult {
  /** 201 Created (true) or 200 OK (false). */
  readonly created: boolean;
  readonly warnings: readonly string[];
  /**
   * An earlier attempt of this PUT was sent and never answered (timed out, connection reset): the control plane may
   * still apply it, after this one or after a later write of the same resource (Kuma's PUT has no version check).
   */
  readonly outcomeUnknown?: true;
}

export interface DeleteResult {
  /** False when there was nothing to delete (404). */
  readonly found: boolean;
  /** An earlier attempt was sent and never answered: as PutResult's, it may still land later. */
  readonly outcomeUnknown?: true;
}

/**
 * What meshops needs of a control plane. Objects are in the Universal REST shape; what `get`/`list` return includes
 * the server-owned fields (creationTime, modificationTime, kri, computed labels) that the diff normalizes away.
 */
export interface Backend {
  info(): Promise<ServerInfo>;
  types(): Promise<readonly TypeInfo[]>;
  /**
   * Every resource of a type (all pages): in one mesh, or in every mesh when `mesh` is omitted; for `Mesh`, every Mesh.
   * Read-only: the embedded control plane hands out its own frozen objects.
   */
  list(type: string, mesh?: string): Promise<JsonObject[]>;
  get(key: ResourceKey): Promise<JsonObject | undefined>;
  /** Creates or replaces the object (its type, mesh and name say where). */
  put(object: JsonObject): Promise<PutResult>;
  delete(key: ResourceKey): Promise<DeleteResult>;
  close(): Promise<void>;
}

export interface InvalidParameter {
  readonly field: string;
  readonly reason: string;
}

/** A request the control plane refused or that could not be made. `retryable` errors are worth trying again. */
export class BackendError extends Error {
  override readonly name = "BackendError";
  readonly status: number | undefined;
  readonly invalidParameters: readonly InvalidParameter[];
  readonly retryable: boolean;
  /** A write of which an attempt was sent and never answered (timed out, connection reset): it may still land. */
  readonly outcomeUnknown: boolean;

  constructor(
    message: string,
    options: { status?: number; invalidParameters?: readonly InvalidParameter[]; retryable?: boolean; outcomeUnknown?: boolean; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.outcomeUnknown = options.outcomeUnknown ?? false;
    this.status = options.status;
    this.invalidParameters = options.invalidParameters ?? [];
    this.retryable = options.retryable ?? false;
  }
}

/**
 * 4xx answers that can change without the request changing: credentials (401, 403, 407: a token file is re-read when
 * it changes), a timeout (408), a conflicting write (409), too early (425) and too many requests (429).
 */
const TRANSIENT_CLIENT_ERRORS = new Set([401, 403, 407, 408, 409, 425, 429]);

/**
 * The control plane refused the request itself (a 400 "Resource is not valid", a type it does not serve): sending it
 * again gets the same answer until the request, or the control plane, changes. Anything else (5xx, a reset, a
 * timeout, an unreachable control plane) may pass on another try.
 */
export function isRefusal(error: unknown): boolean {
  const status = error instanceof BackendError ? error.status : undefined;
  return status !== undefined && status >= 400 && status < 500 && !TRANSIENT_CLIENT_ERRORS.has(status);
}
