/**
 * `GET /api/status?mesh=&q=&state=&order=&offset=&limit=`: the status with its meshes filtered, ordered and paged, so a
 * client of a daemon with 1,000 meshes reads the few it wants. Pure: query parameters and a status in, a status out.
 *
 * - `mesh`: exact names (comma-separated or repeated); `q`: a case-insensitive part of the name or of the reason;
 * - `state`: states (MESH_STATES, comma-separated or repeated), or `problems` (unknown, invalid, failed, blocked,
 *   awaiting-approval, drifted: someone may have to act);
 * - `order`: `name` (the default) or `problems` (the most urgent state first, as MESH_STATES orders them, then name);
 * - `offset`, `limit` (1 to 1000): the page.
 */
import { MESH_STATES, type MeshState, type MeshStatus, type StatusJson } from "./statusTypes.js";

export interface StatusQuery {
  readonly names?: ReadonlySet<string>;
  readonly search?: string;
  readonly states?: ReadonlySet<MeshState>;
  readonly order: "name" | "problems";
  readonly offset: number;
  readonly limit?: number;
}

const PARAMETERS = new Set(["mesh", "q", "state", "order", "offset", "limit"]);
const MAX_LIMIT = 1000;
/** What `state=problems` means: a state someone may have to act on. */
const PROBLEM_STATES: readonly MeshState[] = ["unknown", "invalid", "failed", "blocked", "awaiting-approval", "drifted"];

/** The query, undefined when the URL asks for the whole status, or the one-line reason it is refused (a 400). */
export function parseStatusQuery(params: URLSearchParams): StatusQuery | undefined | { readonly error: string } {
  const given = [...new Set(params.keys())];
  if (given.length === 0) return undefined;
  const unknown = given.find((k) => !PARAMETERS.has(k));
  if (unknown !== undefined) return { error: `unknown parameter ${JSON.stringify(unknown)}: use ${[...PARAMETERS].join(", ")}` };
  const list = (name: string) => params.getAll(name).flatMap((v) => v.split(",")).map((v) => v.trim()).filter((v) => v !== "");

  const states = new Set<MeshState>();
  for (const state of list("state")) {
    if (state === "problems") PROBLEM_STATES.forEach((s) => states.add(s));
    else if ((MESH_STATES as readonly string[]).includes(state)) states.add(state as MeshState);
    else return { error: `unknown state ${JSON.stringify(state)}: use problems or ${MESH_STATES.join(", ")}` };
  }
  const order = params.get("order") ?? "name";
  if (order !== "name" && order !== "problems") return { error: `order must be name or problems, not ${JSON.stringify(order)}` };
  const offset = integer(params.get("offset"), 0, Number.MAX_SAFE_INTEGER);
  if (offset === null) return { error: "offset must be a whole number, 0 or more" };
  const limit = params.has("limit") ? integer(params.get("limit"), 1, MAX_LIMIT) : undefined;
  if (limit === null) return { error: `limit must be a whole number from 1 to ${MAX_LIMIT}` };
  const names = list("mesh");
  const search = params.get("q")?.trim().toLowerCase();
  return {
    ...(names.length > 0 ? { names: new Set(names) } : {}),
    ...(search ? { search } : {}),
    ...(states.size > 0 ? { states } : {}),
    order,
    offset,
    ...(limit !== undefined ? { limit } : {}),
  };
}

function integer(value: string | null, min: number, max: number): number | null {
  if (value === null) return min;
  if (!/^\d+$/.test(value)) return null;
  const n = Number(value);
  return n >= min && n <= max ? n : null;
}

/** The meshes of `status` that pass the query, ordered and paged, with `page` saying out of how many. */
export function queryStatus(status: StatusJson, query: StatusQuery): StatusJson {
  const counts = Object.fromEntries(MESH_STATES.map((s) => [s, 0])) as Record<MeshState, number>;
  for (const mesh of status.meshes) counts[mesh.state]++;
  const matched = status.meshes.filter((m) => passes(m, query));
  if (query.order === "problems") matched.sort(byUrgency);
  const end = query.limit === undefined ? undefined : query.offset + query.limit;
  return {
    ...status,
    meshes: matched.slice(query.offset, end),
    page: { total: status.meshes.length, matched: matched.length, offset: query.offset, limit: query.limit ?? null, counts },
  };
}

function passes(mesh: MeshStatus, query: StatusQuery): boolean {
  if (query.names && !query.names.has(mesh.name)) return false;
  if (query.states && !query.states.has(mesh.state)) return false;
  if (query.search && !mesh.name.toLowerCase().includes(query.search) && !mesh.reason.toLowerCase().includes(query.search)) return false;
  return true;
}

/** The most urgent state first (MESH_STATES' order), then by name. */
export function byUrgency(a: Pick<MeshStatus, "state" | "name">, b: Pick<MeshStatus, "state" | "name">): number {
  return MESH_STATES.indexOf(a.state) - MESH_STATES.indexOf(b.state) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}
