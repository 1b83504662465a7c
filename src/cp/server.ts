/**
 * The embedded control plane served over the Kuma REST API (port 5681 on a real control plane), with node:http:
 * `GET /`, `GET /_resources`, `GET|PUT|DELETE /meshes/{name}`, `GET /meshes`, `GET /meshes/{mesh}/{path}` (paginated),
 * `GET|PUT|DELETE /meshes/{mesh}/{path}/{name}`, `GET /{path}` (every mesh) and, from 2.13 on, `GET /_kri/{kri}`.
 * Semantics live in the store (src/backend/store.ts); this file is routing, HTTP details and the knobs tests need
 * (read-only mode, bearer token, fault injection).
 *
 * A Kubernetes-mode store (`meshops cp --mode kubernetes`) is read-only here, as Kuma on Kubernetes is, and takes its
 * writes on a route of its own that stands in for `kubectl apply` / `kubectl delete` (tests and the demo; a real
 * control plane has no such route): `POST /_meshops/kubernetes` with Kubernetes documents (a YAML stream, or JSON: one
 * object, an array, or a List's `items`), `DELETE /_meshops/kubernetes/{kind}/{name}[?namespace=]`.
 */
import { timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { ApiProblem, ControlPlaneStore, ListQuery } from "../backend/store.js";
import { METHOD_NOT_ALLOWED, openStore, problemJson, StorageFailure } from "../backend/store.js";
import { isJsonObject, type JsonObject, type JsonValue } from "../model/resource.js";
import { parseYaml } from "../parse/documents.js";
import { LISTED_PATHS, RESOURCE_TYPES, resourceTypeByPath } from "../kuma/types.js";
import { pluralOfKind } from "../kuma/naming.js";
import { goJsonSyntaxError } from "../kuma/goJson.js";
import { goQuote } from "../kuma/duration.js";
import { GLOBAL_SCOPE } from "../model/key.js";
import type { ResourceType } from "../kuma/types.js";

export { openStore };
export type { ControlPlaneStore };

/** What a fault-injection hook may do to a request: destroy the socket, or answer with that status. */
/** Tests: drop the connection, answer a status with a generic error body, or answer exactly this problem (a promise of one delays the request). */
export type Fault = "drop" | number | ApiProblem | undefined;

export interface ControlPlaneServerOptions {
  readonly store: ControlPlaneStore;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** When set, every request but `GET /` needs `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** Simulates a read-only API (Kuma on Kubernetes, KUMA_API_SERVER_READ_ONLY): PUT and DELETE answer 405. */
  readonly readOnly?: boolean;
  /** Largest accepted request body (default 2 MiB); larger is 413. */
  readonly maxBodyBytes?: number;
  /** Tests: called first for every request. */
  readonly faults?: (req: IncomingMessage) => Fault | Promise<Fault>;
  /** `GET /` as another distribution would answer it (e.g. product "Kong Mesh", basedOnKuma "2.14.3"). */
  readonly index?: { readonly product?: string; readonly version?: string; readonly basedOnKuma?: string };
}

export interface ControlPlaneServer {
  /** `http://host:port`, no trailing slash. */
  readonly url: string;
  /** Stops accepting connections and waits for requests in flight (the store stays open: it is the caller's). */
  close(): Promise<void>;
}

const DEFAULT_MAX_BODY = 2 * 1024 * 1024;
const MAX_PAGE_SIZE = 1000;
const DEFAULT_PAGE_SIZE = 100;

export async function startControlPlaneServer(options: ControlPlaneServerOptions): Promise<ControlPlaneServer> {
  const host = options.host ?? "127.0.0.1";
  const server = http.createServer((req, res) => {
    handle(options, req, res).catch((error: unknown) => {
      if (res.headersSent) res.destroy();
      else if (error instanceof StorageFailure) send(res, 503, unavailable(error));
      else send(res, 500, problemJson({ status: 500, title: "Internal Server Error", detail: String(error) }));
    });
  });
  // Keep-alive: longer than the usual client idle timeouts, so the server rarely closes a socket a client is reusing.
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 65_000;
  server.requestTimeout = 30_000; // apiServer.writeTimeout
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" || address.address.includes(":") ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // Requests in flight finish (their writes are durable by then); idle keep-alive sockets close now, busy ones after.
        const force = setTimeout(() => server.closeAllConnections(), 5_000);
        force.unref();
        server.close((error) => {
          clearTimeout(force);
          if (error) reject(error);
          else resolve();
        });
        server.closeIdleConnections();
      }),
  };
}

// =====================================================================================================================
// Routing

async function handle(options: ControlPlaneServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const fault = await options.faults?.(req);
  if (fault === "drop") {
    req.socket.destroy();
    return;
  }
  if (typeof fault === "number") {
    res.setHeader("connection", "close");
    send(res, fault, problemJson({ status: fault, title: http.STATUS_CODES[fault] ?? "Error", detail: "injected fault" }));
    return;
  }
  if (typeof fault === "object") {
    send(res, fault.status, problemJson(fault));
    return;
  }

  const method = req.method ?? "GET";
  const url = new URL(req.url ?? "/", "http://control-plane.invalid");
  let segments: string[];
  try {
    segments = url.pathname.split("/").filter((s) => s !== "").map((s) => decodeURIComponent(s));
  } catch {
    send(res, 400, problemJson({ status: 400, title: "Bad Request", detail: "malformed percent-encoding in the URL path" }));
    return;
  }

  // `GET /` needs no authentication (index_endpoints.go: authn.MetadataAuthSkip).
  if (!(segments.length === 0 && method === "GET") && options.token !== undefined && !authorized(req, options.token)) {
    const detail = req.headers.authorization ? "Invalid authentication data" : "Authentication required: send 'Authorization: Bearer <token>'";
    res.setHeader("www-authenticate", 'Bearer realm="meshops-cp"');
    send(res, 401, problemJson({ status: 401, title: "Unauthenticated", detail }));
    return;
  }

  if (segments[0] === KUBERNETES_ROUTE[0] && segments[1] === KUBERNETES_ROUTE[1] && options.store.kubernetes) {
    await kubernetesWrite(options, req, res, method, segments.slice(2), url);
    return;
  }

  const route = match(segments, (type) => options.store.serves(type.name), options.store.servesKri);
  if (!route) {
    send(res, 404, problemJson({ status: 404, title: "Not Found", detail: `no route for ${url.pathname}` }));
    return;
  }
  const { store } = options;
  const writes = route.kind === "item";
  const allowed = writes ? ["GET", "PUT", "DELETE"] : ["GET"];
  if (!allowed.includes(method)) {
    res.setHeader("allow", allowed.join(", "));
    send(res, 405, problemJson(METHOD_NOT_ALLOWED));
    return;
  }
  const readOnly = options.readOnly === true || store.kubernetes;
  if (method !== "GET" && readOnly) {
    send(res, 405, problemJson(METHOD_NOT_ALLOWED));
    return;
  }

  switch (route.kind) {
    case "index": {
      // Unhealthy while the state cannot be written: probes and clients see it here first.
      const failure = store.unhealthy;
      if (failure) send(res, 503, unavailable(failure));
      else send(res, 200, indexBody(store, options));
      return;
    }
    case "types":
      send(res, 200, { resources: typeDescriptions(readOnly, (type) => store.serves(type.name)) });
      return;
    case "kri": {
      const found = await store.getJsonByKri(route.kri);
      if (found.ok) sendText(res, 200, found.json);
      else send(res, found.problem.status, problemJson(found.problem));
      return;
    }
    case "list":
      await list(store, req, res, url, route.type, route.mesh, route.template);
      return;
    case "item": {
      const { type, mesh, name } = route;
      if (method === "GET") {
        const json = await store.getJson(type.name, mesh, name);
        if (json === undefined) send(res, 404, problemJson({ status: 404, title: "Could not retrieve a resource", detail: "Not found" }));
        else sendText(res, 200, json);
      } else if (method === "DELETE") {
        const outcome = await store.delete(type.name, mesh, name);
        if (outcome.ok) send(res, 200, {});
        else send(res, outcome.problem.status, problemJson(outcome.problem));
      } else {
        const body = await readJsonBody(req, options.maxBodyBytes ?? DEFAULT_MAX_BODY, type.name);
        if (!body.ok) {
          if (body.problem.status === 413) res.setHeader("connection", "close");
          send(res, body.problem.status, problemJson(body.problem));
          return;
        }
        const outcome = await store.put(type.name, mesh, name, body.value);
        if (!outcome.ok) send(res, outcome.problem.status, problemJson(outcome.problem));
        else send(res, outcome.created ? 201 : 200, outcome.warnings.length > 0 ? { warnings: [...outcome.warnings] } : {});
      }
      return;
    }
  }
}

type Route =
  | { kind: "index" }
  | { kind: "types" }
  | { kind: "kri"; kri: string }
  | { kind: "list"; type: ResourceType; mesh: string | undefined; template: string }
  | { kind: "item"; type: ResourceType; mesh: string; name: string };

const MESH_TYPE = RESOURCE_TYPES.find((t) => t.name === "Mesh") as ResourceType;
/** The paths Kuma 2.14 lists in /_resources where meshops uses an older alias, served too. */
const LISTED_PATH_TYPES = new Map(Object.entries(LISTED_PATHS).map(([name, path]) => [path, RESOURCE_TYPES.find((t) => t.name === name) as ResourceType]));

function match(segments: readonly string[], serves: (type: ResourceType) => boolean, servesKri: boolean): Route | undefined {
  const served = (path: string | undefined): ResourceType | undefined => {
    const type = path === undefined ? undefined : (resourceTypeByPath(path) ?? LISTED_PATH_TYPES.get(path));
    return type && type.name !== "Mesh" && serves(type) ? type : undefined;
  };
  const meshScoped = (path: string | undefined): ResourceType | undefined => {
    const type = served(path);
    return type && !type.global ? type : undefined;
  };
  const global = (path: string | undefined): ResourceType | undefined => {
    const type = served(path);
    return type?.global ? type : undefined;
  };
  const [first, second, third, fourth] = segments;
  switch (segments.length) {
    case 0:
      return { kind: "index" };
    case 1:
      if (first === "_resources") return { kind: "types" };
      if (first === "meshes") return { kind: "list", type: MESH_TYPE, mesh: undefined, template: "/meshes" };
      {
        const type = served(first);
        return type ? { kind: "list", type, mesh: undefined, template: `/${first ?? type.path}` } : undefined;
      }
    case 2: {
      if (first === "meshes" && second !== undefined) return { kind: "item", type: MESH_TYPE, mesh: second, name: second };
      if (first === "_kri" && second !== undefined) return servesKri ? { kind: "kri", kri: second } : undefined;
      // A global kind: `/hostnamegenerators/{name}`, `/global-secrets/{name}` (and 2.14's `/globalsecrets/{name}`).
      const type = global(first);
      return type && second !== undefined ? { kind: "item", type, mesh: GLOBAL_SCOPE, name: second } : undefined;
    }
    case 3: {
      const type = first === "meshes" ? meshScoped(third) : undefined;
      return type && second !== undefined ? { kind: "list", type, mesh: second, template: `/meshes/{mesh}/${type.path}` } : undefined;
    }
    case 4: {
      const type = first === "meshes" ? meshScoped(third) : undefined;
      return type && second !== undefined && fourth !== undefined ? { kind: "item", type, mesh: second, name: fourth } : undefined;
    }
    default:
      return undefined;
  }
}

// =====================================================================================================================
// The stand-in for the Kubernetes API (Kubernetes mode only)

const KUBERNETES_ROUTE = ["_meshops", "kubernetes"] as const;

async function kubernetesWrite(options: ControlPlaneServerOptions, req: IncomingMessage, res: ServerResponse, method: string, rest: string[], url: URL): Promise<void> {
  const { store } = options;
  if (method === "DELETE" && rest.length === 2) {
    const [kind, name] = rest as [string, string];
    const outcome = await store.deleteKubernetes(kind, name, url.searchParams.get("namespace") ?? undefined);
    if (outcome.ok) send(res, 200, {});
    else send(res, outcome.problem.status, problemJson(outcome.problem));
    return;
  }
  if (method !== "POST" || rest.length !== 0) {
    res.setHeader("allow", rest.length === 0 ? "POST" : "DELETE");
    send(res, 405, problemJson(METHOD_NOT_ALLOWED));
    return;
  }
  const body = await readBody(req, options.maxBodyBytes ?? DEFAULT_MAX_BODY);
  if (!body.ok) {
    if (body.problem.status === 413) res.setHeader("connection", "close");
    send(res, body.problem.status, problemJson(body.problem));
    return;
  }
  const documents = kubernetesDocuments(body.value.toString("utf8"));
  if (!documents.ok) {
    send(res, 400, problemJson({ status: 400, title: "Bad Request", detail: documents.detail }));
    return;
  }
  // Applied in order, each on its own, as `kubectl apply -f` does: the first refusal stops the rest.
  const applied: JsonObject[] = [];
  for (const [index, document] of documents.values.entries()) {
    const outcome = await store.applyKubernetes(document);
    if (!outcome.ok) {
      const { problem } = outcome;
      send(res, problem.status, { ...problemJson({ ...problem, detail: `document ${index + 1}: ${problem.detail}` }), applied: applied.length });
      return;
    }
    applied.push({ created: outcome.created, ...(outcome.warnings.length > 0 ? { warnings: [...outcome.warnings] } : {}) });
  }
  send(res, 200, { applied: applied.length, results: applied });
}

/** The documents of a request body: a YAML stream (JSON is YAML), a JSON array, or a Kubernetes List's items. */
function kubernetesDocuments(text: string): { ok: true; values: JsonValue[] } | { ok: false; detail: string } {
  const parsed = parseYaml(text);
  const problem = parsed.problems.find((p) => p.severity !== "warning");
  if (problem) return { ok: false, detail: `line ${problem.line}: ${problem.message}` };
  const values = parsed.documents.flatMap((d) => {
    const value = d.value;
    if (Array.isArray(value)) return value;
    if (isJsonObject(value) && value.kind === "List" && Array.isArray(value.items)) return value.items;
    return [value];
  });
  return values.length === 0 ? { ok: false, detail: "no documents in the request body" } : { ok: true, values };
}

// =====================================================================================================================
// Lists and pagination (pkg/api-server/pagination.go, filters/filtering.go)

async function list(
  store: ControlPlaneStore,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  type: ResourceType,
  mesh: string | undefined,
  template: string,
): Promise<void> {
  const params = url.searchParams;
  const size = pageSize(params.get("size") ?? "");
  if (typeof size !== "number") {
    send(res, 400, problemJson({ status: 400, title: "Could not retrieve resources", detail: "Invalid page size", invalidParameters: [{ field: "size", reason: size.reason }] }));
    return;
  }
  const offsetText = params.get("offset") ?? "";
  let offset = 0;
  if (offsetText !== "") {
    const parsed = goAtoi(offsetText);
    if (typeof parsed !== "number" || parsed < 0) {
      const why = typeof parsed === "number" ? "must not be negative" : `strconv.Atoi: parsing ${JSON.stringify(offsetText)}: ${parsed.error}`;
      const detail = `invalid: invalid offset: ${why}`;
      send(res, 400, problemJson({ status: 400, title: "Could not retrieve resources", detail }));
      return;
    }
    offset = parsed;
  }
  const filters = labelFilters(params, template);
  if (!filters.ok) {
    send(res, 400, problemJson(filters.problem));
    return;
  }
  const query: ListQuery = { offset, size, nameContains: params.get("name") ?? undefined, labels: filters.labels };
  const outcome = await store.list(type.name, mesh, query);
  if (!outcome.ok) {
    send(res, outcome.problem.status, problemJson(outcome.problem));
    return;
  }
  const next = outcome.nextOffset === undefined ? null : nextLink(req, url, outcome.nextOffset);
  sendText(res, 200, `{"total":${outcome.total},"items":[${outcome.items.join(",")}],"next":${JSON.stringify(next)}}`);
}

function pageSize(text: string): number | { reason: string } {
  if (text === "") return DEFAULT_PAGE_SIZE;
  const size = goAtoi(text);
  if (typeof size !== "number") return { reason: "invalid format" };
  if (size > MAX_PAGE_SIZE) return { reason: `invalid page size of ${size}. Maximum page size is ${MAX_PAGE_SIZE}` };
  if (size <= 0) return { reason: "must be greater than 0" };
  return size;
}

/** Go's strconv.Atoi (64-bit): optional sign, decimal digits. */
function goAtoi(text: string): number | { error: string } {
  if (!/^[+-]?\d+$/.test(text)) return { error: "invalid syntax" };
  const value = BigInt(text);
  if (value > 2n ** 63n - 1n || value < -(2n ** 63n)) return { error: "value out of range" };
  return Number(value);
}

/** `filter[labels.<key>]=<value>`; any other filter is refused as the server does. */
function labelFilters(params: URLSearchParams, template: string): { ok: true; labels: Record<string, string> } | { ok: false; problem: ApiProblem } {
  const labels: Record<string, string> = {};
  for (const [key, value] of params) {
    if (!key.startsWith("filter[")) continue;
    const simple = /^filter\[labels\.([^\]]+)\]$/.exec(key);
    if (simple?.[1] !== undefined) {
      Object.defineProperty(labels, simple[1], { value, enumerable: true, writable: true, configurable: true });
      continue;
    }
    const reason = /^filter\[labels\.[^\]]+\]\[/.test(key) ? "advanced filters are not supported" : "filters are only supported on labels";
    return {
      ok: false,
      problem: { status: 400, title: "Could not retrieve resources", detail: "Resource is not valid", invalidParameters: [{ field: `${template}.${key}`, reason }] },
    };
  }
  return { ok: true, labels };
}

/** Absolute URL of the next page from the request's Host header, query keys sorted like Go's url.Values.Encode. */
function nextLink(req: IncomingMessage, url: URL, offset: number): string {
  const params = new Map<string, string[]>();
  for (const [key, value] of url.searchParams) params.set(key, [...(params.get(key) ?? []), value]);
  params.set("offset", [String(offset)]);
  const query = [...params.keys()]
    .sort()
    .flatMap((key) => (params.get(key) ?? []).map((value) => `${goQueryEscape(key)}=${goQueryEscape(value)}`))
    .join("&");
  const host = req.headers.host ?? `${req.socket.localAddress ?? "127.0.0.1"}:${req.socket.localPort ?? 0}`;
  return `http://${host}${url.pathname}?${query}`;
}

function goQueryEscape(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, "+");
}

// =====================================================================================================================
// GET / and GET /_resources

function unavailable(failure: StorageFailure): JsonObject {
  return problemJson({ status: 503, title: "Service Unavailable", detail: `${failure.message}; writes are refused until one succeeds again` });
}

function indexBody(store: ControlPlaneStore, options: ControlPlaneServerOptions): JsonObject {
  const { hostname, instanceId, clusterId, version, product } = store.info;
  const kongMesh = product === "kong-mesh";
  const body: JsonObject = {
    hostname,
    product: options.index?.product ?? (kongMesh ? "Kong Mesh" : "Kuma"),
    version: options.index?.version ?? version,
    instanceId,
    clusterId,
    gui: "/gui",
  };
  // Kong Mesh versions follow the Kuma versions they are built on, and say so.
  const basedOnKuma = options.index?.basedOnKuma ?? (kongMesh ? version : undefined);
  if (basedOnKuma !== undefined) body.basedOnKuma = basedOnKuma;
  return body;
}

/** Per type, what GET /_resources of Kuma 2.14 says besides name/path/shortName (golden base_endpoints/_resources). */
const FROM_AS_RULES = new Set(["MeshAccessLog", "MeshCircuitBreaker", "MeshRateLimit", "MeshTimeout", "MeshTLS"]);
const NOT_IN_FEDERATION = new Set(["MeshService", "Dataplane", "MeshZoneAddress", "Workload"]);
/** Display names the camel-case split gets wrong. */
const SINGULAR_DISPLAY_NAMES: Readonly<Record<string, string>> = { MeshOpenTelemetryBackend: "Mesh OpenTelemetry Backend" };

function typeDescriptions(readOnly: boolean, serves: (type: ResourceType) => boolean): JsonObject[] {
  return RESOURCE_TYPES.filter(serves)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((t) => {
      const singular = SINGULAR_DISPLAY_NAMES[t.name] ?? t.name.replace(/([a-z])([A-Z])/g, "$1 $2").replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2");
      const plural = pluralOfKind(singular);
      const description: JsonObject = {
        includeInFederation: !NOT_IN_FEDERATION.has(t.name),
        name: t.name,
        path: LISTED_PATHS[t.name] ?? t.path,
        pluralDisplayName: plural,
      };
      if (t.sections) {
        description.policy = {
          hasFromTargetRef: t.sections.includes("from"),
          hasRulesTargetRef: t.sections.includes("rules"),
          hasToTargetRef: t.sections.includes("to"),
          isFromAsRules: FROM_AS_RULES.has(t.name),
          isTargetRef: true,
        };
      }
      description.readOnly = readOnly;
      description.scope = t.name === "Mesh" || t.global ? "Global" : "Mesh";
      description.shortName = t.shortName;
      description.singularDisplayName = singular;
      return description;
    });
}

// =====================================================================================================================
// HTTP helpers

function authorized(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization ?? "";
  if (!header.startsWith("Bearer ")) return false;
  const given = Buffer.from(header.slice("Bearer ".length).trim());
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

type BodyResult<T> = { ok: true; value: T } | { ok: false; problem: ApiProblem };

/**
 * Reads a JSON body of at most `limit` bytes (see readBody). A body that is not JSON is refused as the REST unmarshaller
 * refuses the `typeName` it was PUT as: json.Unmarshal's scanner error behind `invalid <Type> object:` (go-v2.14.3
 * rest/unmarshaller.go; golden put_dataplanes_05).
 */
async function readJsonBody(req: IncomingMessage, limit: number, typeName: string): Promise<BodyResult<unknown>> {
  const body = await readBody(req, limit);
  if (!body.ok) return body;
  const text = body.value.toString("utf8");
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    const goError = goJsonSyntaxError(text);
    const detail = goError !== undefined ? `invalid ${typeName} object: ${goQuote(goError)}` : `could not parse the request body as JSON: ${withoutExcerpt((error as Error).message)}`;
    return { ok: false, problem: { status: 400, title: "Bad Request", detail } };
  }
}

/**
 * V8's JSON error without the excerpt of the body it may quote (`Unexpected token 'U', ..."data":U0VD"... is not valid
 * JSON`): the body may hold a Secret's value, and Go's decoder, whose error Kuma answers, names the character only.
 */
function withoutExcerpt(message: string): string {
  return message.replace(/, (?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, "");
}

/**
 * Reads a body of at most `limit` bytes. Past the limit the rest is not kept (Node discards it after the 413
 * response, which closes the connection).
 */
function readBody(req: IncomingMessage, limit: number): Promise<BodyResult<Buffer>> {
  const tooLarge: BodyResult<Buffer> = {
    ok: false,
    problem: { status: 413, title: "Request Entity Too Large", detail: `the request body is larger than ${limit} bytes` },
  };
  const declared = Number(req.headers["content-length"] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.resolve(tooLarge);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on("data", (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        resolve(tooLarge);
        return;
      }
      chunks.push(chunk);
    });
    req.on("error", reject);
    req.on("end", () => {
      if (!over) resolve({ ok: true, value: Buffer.concat(chunks) });
    });
  });
}

function send(res: ServerResponse, status: number, body: JsonObject): void {
  sendText(res, status, JSON.stringify(body));
}

function sendText(res: ServerResponse, status: number, text: string): void {
  const payload = Buffer.from(text, "utf8");
  res.writeHead(status, { "content-type": "application/json", "content-length": payload.length });
  res.end(payload);
}
