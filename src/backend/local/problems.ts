/**
 * The error JSON of the control plane (pkg/core/rest/errors/types/error.go), the titles it uses, and the outcomes the
 * store answers with: the HTTP server (src/cp/server.ts) sends them as they are, LocalBackend turns refusals into
 * BackendErrors, so both report the same thing.
 */
import type { InvalidParameter } from "../types.js";
import type { JsonObject } from "../../model/resource.js";

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

export const TITLE = {
  process: "Could not process a resource",
  create: "Could not create a resource",
  update: "Could not update a resource",
  retrieve: "Could not retrieve a resource",
  delete: "Could not delete a resource",
  list: "Could not retrieve resources",
} as const;

const NOT_VALID = "Resource is not valid";

export function invalid(title: string, invalidParameters: readonly InvalidParameter[]): ApiProblem {
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

export const METHOD_NOT_ALLOWED: ApiProblem = { status: 405, title: "Method not Allowed", detail: "Method not allowed" };
