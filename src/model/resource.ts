import type { ResourceKey } from "./key.js";

export type ResourceFormat = "universal" | "kubernetes";

/** A JSON value as the control plane's REST API sends and receives it. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Where a resource was written: enough to point a person at the exact document. */
export interface SourceRef {
  /** Relative to the repository root, `/` separated. */
  readonly file: string;
  /** 0-based index of the YAML document within the file. */
  readonly docIndex: number;
  /** 1-based line and column of the document's first content. */
  readonly line: number;
  readonly column: number;
  readonly format: ResourceFormat;
}

/**
 * A resource in the one model both YAML shapes are converted to. `object` is the Universal REST shape, exactly
 * what would be PUT: `{type, mesh, name, labels?, spec}` for mesh-scoped types, the flat Mesh for `type: Mesh`.
 */
export interface Resource extends ResourceKey {
  readonly object: JsonObject;
  /** Absent for materialized default policies. */
  readonly source?: SourceRef;
  readonly origin: "repository" | "default";
  /**
   * Read from a SOPS-encrypted document: some values of `object` are still `ENC[...]` ciphertext. Such a resource is
   * checked for structure only; src/secrets/unseal.ts replaces it with its plaintext twin when a key is given.
   */
  readonly sealed?: true;
  /**
   * A Kubernetes document's own `metadata.annotations` (Argo CD's and Flux's settings, say), without the server's:
   * never sent to the control plane (a Universal resource has no annotations), rendered back by `render --format
   * kubernetes`.
   */
  readonly annotations?: Readonly<Record<string, JsonValue>>;
}

/** A problem with one field of one resource, before it is tied to a file and line. */
export interface Violation {
  /** The field path as the control plane reports it: `spec.to[0].default.idleTimeout`, `mtls.enabledBackend`, `name`. */
  readonly path: string;
  readonly message: string;
}

/** A JSON object (not an array, not null). */
export function isJsonObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * What kind of YAML value it is, never what it holds (a message about a secret's field may use it): "null",
 * "a sequence", "a mapping", "a string", "a number" or "a boolean".
 */
export function kindOfValue(value: JsonValue): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a sequence";
  return typeof value === "object" ? "a mapping" : `a ${typeof value}`;
}

/** The value if it is a JSON object, else undefined. */
export function asJsonObject(value: JsonValue | undefined): JsonObject | undefined {
  return isJsonObject(value) ? value : undefined;
}

/** `object[key] = value` that is safe for keys such as `__proto__` (label and tag maps take any key). */
export function setOwn(object: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  else object[key] = value;
}
