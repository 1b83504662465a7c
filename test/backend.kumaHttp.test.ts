/**
 * KumaHttpBackend against real sockets on 127.0.0.1: a small purpose-built node:http(s) server per test that speaks
 * the Kuma REST shapes (list with absolute `next`, PUT 201/200 with warnings, error JSON, 405 read-only) and can be
 * told to misbehave (503, dropped connections, 429, slow answers) so retries, timeouts and the concurrency bound are
 * observed from the server's side.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { inspect } from "node:util";
import type { RequestEvent } from "../src/backend/kumaHttp.js";
import { KumaHttpBackend } from "../src/backend/kumaHttp.js";
import { BackendError } from "../src/backend/types.js";
import type { JsonObject } from "../src/model/resource.js";
import { makeCertificates } from "./helpers/tls.js";

// ---- test server -----------------------------------------------------------------------------------------------------

interface Seen {
  readonly method: string;
  /** Full request path, prefix and query included. */
  readonly url: string;
  readonly authorization: string | undefined;
  readonly contentType: string | undefined;
  readonly body: string;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string, n: number) => void | Promise<void>;

interface TestServer {
  /** Base URL the backend is given (prefix included). */
  readonly url: string;
  readonly port: number;
  readonly seen: Seen[];
  /** Requests being answered, the most at once, and open TCP connections. */
  readonly stats: { inFlight: number; maxInFlight: number; openConnections: number };
  close(): Promise<void>;
}

async function startServer(handler: Handler, options: { prefix?: string; tls?: { key: string; cert: string } } = {}): Promise<TestServer> {
  const seen: Seen[] = [];
  const stats = { inFlight: 0, maxInFlight: 0, openConnections: 0 };
  const prefix = options.prefix ?? "";
  const listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    let done = false;
    const finish = (): void => {
      if (!done) {
        done = true;
        stats.inFlight--;
      }
    };
    res.on("close", finish);
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const n = seen.length;
      seen.push({
        method: req.method ?? "",
        url: req.url ?? "",
        authorization: req.headers.authorization,
        contentType: req.headers["content-type"],
        body,
      });
      if (prefix && !(req.url ?? "").startsWith(prefix + "/")) {
        json(res, 404, { status: 404, title: "Not Found", detail: `outside ${prefix}` });
        return;
      }
      void Promise.resolve(handler(req, res, body, n)).catch((error: unknown) => {
        json(res, 500, { status: 500, title: "test server", detail: String(error) });
      });
    });
  };
  const server = options.tls ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, listener) : http.createServer(listener);
  server.on(options.tls ? "secureConnection" : "connection", (socket: Socket) => {
    stats.openConnections++;
    socket.on("close", () => stats.openConnections--);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const scheme = options.tls ? "https" : "http";
  return {
    url: `${scheme}://127.0.0.1:${port}${prefix}`,
    port,
    seen,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function json(res: http.ServerResponse, status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

function pathOf(req: http.IncomingMessage, prefix = ""): { path: string; query: URLSearchParams } {
  const url = new URL(req.url ?? "/", "http://x");
  return { path: url.pathname.slice(prefix.length), query: url.searchParams };
}

function problem(status: number, title: string, detail: string, params: { field: string; reason: string }[] = []): JsonObject {
  return {
    type: "/std-errors",
    status,
    title,
    detail,
    ...(params.length ? { invalid_parameters: params } : {}),
    details: detail,
    ...(params.length ? { causes: params.map((p) => ({ field: p.field, message: p.reason })) } : {}),
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A backend whose events are recorded, closed after the test. */
function track(backend: KumaHttpBackend, cleanups: (() => Promise<void>)[]): KumaHttpBackend {
  cleanups.push(() => backend.close());
  return backend;
}

async function rejection(promise: Promise<unknown>): Promise<BackendError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof BackendError, `expected a BackendError, got ${inspect(error)}`);
    return error;
  }
  assert.fail("expected the call to fail");
}

/**
 * A paginating in-memory list server. `next` is absolute and built the way Kuma builds it, from what the server
 * believes its own address is (`nextBase`), which is deliberately not the address the client used.
 */
function listHandler(items: JsonObject[], prefix: string, nextBase: string): Handler {
  return (req, res) => {
    const { path: p, query } = pathOf(req, prefix);
    const size = Number(query.get("size") ?? "100");
    if (!Number.isInteger(size) || size > 1000) {
      json(res, 400, problem(400, "Bad Request", "Invalid page size", [{ field: "size", reason: `invalid page size of ${size}. Maximum page size is 1000` }]));
      return;
    }
    const offset = Number(query.get("offset") ?? "0");
    const page = items.slice(offset, offset + size);
    const end = offset + size;
    const next = end < items.length ? `${nextBase}${p}?offset=${end}&size=${size}` : null;
    json(res, 200, { total: items.length, items: page, next });
  };
}

function timeouts(n: number, mesh = "payments"): JsonObject[] {
  return Array.from({ length: n }, (_, i) => ({
    type: "MeshTimeout",
    mesh,
    name: `mt-${String(i).padStart(2, "0")}`,
    creationTime: "0001-01-01T00:00:00Z",
    modificationTime: "0001-01-01T00:00:00Z",
    spec: { to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: "1h0m0s" } }] },
  }));
}

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function server(handler: Handler, options: { prefix?: string; tls?: { key: string; cert: string } } = {}): Promise<TestServer> {
  const s = await startServer(handler, options);
  cleanups.push(() => s.close());
  return s;
}

// ---- tests -----------------------------------------------------------------------------------------------------------

describe("paths and pagination", () => {
  test("lists every page by following absolute next links against the configured base URL", async () => {
    const items = timeouts(7);
    // The server thinks it is reachable as kuma-cp.internal: only the path and query of `next` may be used.
    const s = await server(listHandler(items, "", "http://kuma-cp.internal:5681"));
    const events: RequestEvent[] = [];
    const backend = track(new KumaHttpBackend({ baseUrl: s.url, pageSize: 3, onRequest: (e) => events.push(e) }), cleanups);
    const got = await backend.list("MeshTimeout", "payments");
    assert.deepEqual(
      got.map((o) => o.name),
      items.map((o) => o.name),
    );
    assert.deepEqual(
      s.seen.map((r) => r.url),
      ["/meshes/payments/meshtimeouts?size=3", "/meshes/payments/meshtimeouts?offset=3&size=3", "/meshes/payments/meshtimeouts?offset=6&size=3"],
    );
    assert.deepEqual(
      events.map((e) => [e.method, e.path, e.status, e.attempt]),
      [
        ["GET", "/meshes/payments/meshtimeouts?size=3", 200, 1],
        ["GET", "/meshes/payments/meshtimeouts?offset=3&size=3", 200, 1],
        ["GET", "/meshes/payments/meshtimeouts?offset=6&size=3", 200, 1],
      ],
    );
    assert.ok(events.every((e) => typeof e.durationMs === "number" && e.durationMs >= 0));
  });

  test("asks for 1000 per page by default and lists Meshes at /meshes", async () => {
    const meshes: JsonObject[] = ["m1", "m2", "m3"].map((name) => ({ type: "Mesh", name }));
    const s = await server(listHandler(meshes, "", "http://elsewhere"));
    const backend = track(new KumaHttpBackend({ baseUrl: s.url }), cleanups);
    const got = await backend.list("Mesh", "ignored");
    assert.deepEqual(
      got.map((o) => o.name),
      ["m1", "m2", "m3"],
    );
    assert.deepEqual(
      s.seen.map((r) => r.url),
      ["/meshes?size=1000"],
    );
  });

  const prefix = "/v0/mesh/control-planes/9f1c/api";
  test("a base URL with a path prefix (Konnect): every path and every next link goes under it", async () => {
    const items = timeouts(5, "default");
    // Mounted under the prefix, the server includes the prefix in `next` (and a host the client never used).
    const s = await server(listHandler(items, prefix, `https://us.api.konghq.com${prefix}`), { prefix });
    const backend = track(new KumaHttpBackend({ baseUrl: `${s.url}/`, pageSize: 2 }), cleanups);
    const got = await backend.list("MeshTimeout", "default");
    assert.equal(got.length, 5);
    assert.deepEqual(
      s.seen.map((r) => r.url),
      [
        `${prefix}/meshes/default/meshtimeouts?size=2`,
        `${prefix}/meshes/default/meshtimeouts?offset=2&size=2`,
        `${prefix}/meshes/default/meshtimeouts?offset=4&size=2`,
      ],
    );
  });

  test("behind a prefix-stripping proxy, a next link without the prefix is put back under it", async () => {
    const items = timeouts(4, "default");
    const s = await server(listHandler(items, prefix, "http://10.0.0.7:5681"), { prefix });
    const backend = track(new KumaHttpBackend({ baseUrl: s.url, pageSize: 3 }), cleanups);
    const got = await backend.list("MeshTimeout", "default");
    assert.equal(got.length, 4);
    assert.deepEqual(
      s.seen.map((r) => r.url),
      [`${prefix}/meshes/default/meshtimeouts?size=3`, `${prefix}/meshes/default/meshtimeouts?offset=3&size=3`],
    );
  });

  test("PUT, GET and DELETE under a prefix", async () => {
    const s = await server(
      (req, res) => {
        json(res, req.method === "PUT" ? 201 : 200, req.method === "GET" ? { type: "MeshTimeout", mesh: "default", name: "a", spec: {} } : {});
      },
      { prefix },
    );
    const backend = track(new KumaHttpBackend({ baseUrl: s.url }), cleanups);
    await backend.put({ type: "MeshTimeout", mesh: "default", name: "a", spec: {} });
    await backend.get({ type: "MeshTimeout", mesh: "default", name: "a" });
    await backend.delete({ type: "MeshTimeout", mesh: "default", name: "a" });
    assert.deepEqual(
      s.seen.map((r) => `${r.method} ${r.url}`),
      [`PUT ${prefix}/meshes/default/meshtimeouts/a`, `GET ${prefix}/meshes/default/meshtimeouts/a`, `DELETE ${prefix}/meshes/default/meshtimeouts/a`],
    );
  });

  test("a next link that repeats stops the list with an error instead of looping", async () => {
    const s = await server((req, res) => json(res, 200, { total: 9, items: [{ type: "Mesh", name: "m1" }], next: "http://x/meshes?offset=1&size=1" }));
    const backend = track(new KumaHttpBackend({ baseUrl: s.url, pageSize: 1 }), cleanups);
    const error = await rejection(backend.list("Mesh", ""));
    assert.match(error.message, /repeats/);
  });

  test("listing in a mesh that does not exist is empty; any other 404 is an error", async () => {
    const s = await server((req, res) => {
      if (req.url?.startsWith("/meshes/nope/")) json(res, 404, problem(404, "Failed to retrieve Mesh", "Not found"));
      else {
        res.writeHead(404, { "content-type": "text/plain" });
        res.end("404 page not found");
      }
    });
    const backend = track(new KumaHttpBackend({ baseUrl: s.url }), cleanups);
    assert.deepEqual(await backend.list("MeshTimeout", "nope"), []);
    const error = await rejection(backend.list("MeshTimeout", "other"));
    assert.equal(error.message, "MeshTimeout in mesh other (list): GET /meshes/other/meshtimeouts refused (404 Not Found): 404 page not found");
    assert.equal(error.status, 404);
  });

  test("a type outside the catalogue is routed through GET /_resources (mesh-scoped and global)", async () => {
    const s = await server((req, res) => {
      if (req.url === "/_resources") {
        json(res, 200, {
          resources: [
            { name: "MeshGatewayRoute", path: "meshgatewayroutes", scope: "Mesh", readOnly: false },
            { name: "Zone", path: "zones", scope: "Global", readOnly: true },
          ],
        });
      } else if (req.method === "GET" && req.url?.includes("?")) json(res, 200, { total: 0, items: [], next: null });
      else json(res, 200, {});
    });
    const backend = track(new KumaHttpBackend({ baseUrl: s.url }), cleanups);
    await backend.list("MeshGatewayRoute", "default");
    await backend.list("Zone", "");
    await backend.delete({ type: "Zone", mesh: "", name: "z1" });
    assert.deepEqual(
      s.seen.map((r) => `${r.method} ${r.url}`),
      ["GET /_resources", "GET /meshes/default/meshgatewayroutes?size=1000", "GET /zones?size=1000", "DELETE /zones/z1"],
    );
    const error = await rejection(backend.get({ type: "NoSuchType", mesh: "default", name: "x" }));
    assert.match(error.message, /unknown resource type NoSuchType/);
  });
});

describe("reads and writes", () => {
  test("info() and types() read GET / and GET /_resources", async () => {
    const s = await server((req, res) => {
      if (req.url === "/") {
        json(res, 200, { hostname: "cp-0", product: "Kong Mesh", version: "2.14.3", basedOnKuma: "2.14.3", instanceId: "cp-0-abcd", clusterId: "c", gui: "/gui" });
      } else {
        json(res, 200, {
          resources: [
            { includeInFederation: true, name: "MeshTimeout", path: "meshtimeouts", readOnly: false, scope: "Mesh", shortName: "mt" },
            { includeInFederation: false, name: "DataplaneInsight", path: "dataplane-insights", readOnly: true, scope: "Mesh" },
            { name: "Mesh", path: "meshes", readOnly: true, scope: "Global" },
          ],
        });
      }
    });
    const backend = track(new KumaHttpBackend({ baseUrl: s.url }), cleanups);
    assert.deepEqual(await backend.info(), { product: "Kong Mesh", version: "2.14.3", basedOnKuma: "2.14.3", hostname: "cp-0", instanceId: "cp-0-abcd", environment: "universal" });
    assert.deepEqual(await backend.types(), [
      { name: "MeshTimeout", path: "meshtimeouts", scope: "Mesh", readOnly: false },
      { name: "DataplaneInsight", path: "dataplane-insights", scope: "Mesh", readOnly: true },
      { name: "Mesh", path: "meshes", scope: "Global", readOnly: true },
    ]);
  });

  test("environment: an API read-only for every managed type is Kubernetes (asked once); a federated zone is not; --mode decides", async () => {
    const index = { hostname: "cp-0", product: "Kuma", version: "2.14.3", instanceId: "cp-0-abcd", clusterId: "c", gui: "/gui" };
    const typesOf = (meshReadOnly: boolean, policyReadOnly: boolean) => [
      { name: "MeshTimeout", path: "meshtimeouts", readOnly: policyReadOnly, scope: "Mesh" },
      { name: "DataplaneInsight", path: "dataplane-insights", readOnly: true, scope: "Mesh" },
      { name: "Mesh", path: "meshes", readOnly: meshReadOnly, scope: "Global" },
    ];
    const answering = async (types: JsonObject[]) => {
      const asked: string[] = [];
      const s = await server((req, res) => {
        asked.push(req.url ?? "");
        json(res, 200, req.url === "/" ? index : { resources: types });
      });
      return { s, asked };
    };
    const kubernetes = await answering(typesOf(true, true));
    const backend = track(new KumaHttpBackend({ baseUrl: kubernetes.s.url }), cleanups);
    assert.equal((await backend.info()).environment, "kubernetes");
    assert.equal((await backend.info()).environment, "kubernetes");
    assert.deepEqual(kubernetes.asked, ["/", "/_resources", "/"], "GET /_resources once per backend");
    // A federated zone: Meshes come from the global, policies are written here.
    const federated = await answering(typesOf(true, false));
    assert.equal((await track(new KumaHttpBackend({ baseUrl: federated.s.url }), cleanups).info()).environment, "universal");
    const told = await answering(typesOf(false, false));
    assert.equal((await track(new KumaHttpBackend({ baseUrl: told.s.url, environment: "kubernetes" }), cleanups).info()).environment, "kubernetes");
    assert.deepEqual(told.asked, ["/"], "--mode kubernetes asks nothing more");
  });

  test("PUT: 201 created then 200 updated with warnings; mesh always in the body, never for a Mesh", async () => {
    const existing = new Set<string>();
    const s = await server((req, res) => {
      const url = req.url ?? "";
      const created = !existing.has(url);
      existing.add(url);
      json(res, created ? 201 : 200, created ? {} : { warnings: ["'from' field is deprecated, use 'rules' instead"] });
    });
    const backend = track(new KumaHttpBackend({ baseUrl: s.url }), cleanups);
    const object = { type: "MeshTimeout", mesh: "payments", name: "web", spec: { targetRef: { kind: "Mesh" } } };
    assert.deepEqual(await backend.put(object), { created: true, warnings: [] });
    assert.deepEqual(await backend.put(object), { created: false, warnings: ["'from' field is deprecated, use 'rules' instead"] });
    assert.deepEqual(await backend.put({ type: "Mesh", name: "payments", mesh: "payments", mtls: {} }), { created: true, warnings: [] });

    assert.deepEqual(
      s.seen.map((r) => `${r.method} ${r.url}`),
      ["PUT /meshes/payments/meshtimeouts/web", "PUT /meshes/payments/meshtimeouts/web", "PUT /meshes/payments"],
    );
    assert.equal(s.seen[0]?.contentType, "application/json");
    assert.deepEqual(JSON.parse(s.seen[0]?.body ?? ""), object);
    assert.deepEqual(JSON.parse(s.seen[2]?.body ?? ""), { type: "Mesh", name: "payments", mtls: {} });

    // An object without a mesh is not guessed: the server would default it to "default".
    const error = await rejection(backend.put({ type: "MeshTimeout", name: "web", spec: {} }));
    assert.match(error.message, /MeshTimeout\/web: the object has no mesh/);
    assert.equal(s.seen.length, 3);
  });

  test("GET 200 returns the object, GET 404 returns undefined; DELETE 200 → true, 404 → false", async () => {
    const s = await server((req, res) => {
      const found = (req.url ?? "").endsWith("/here");
      if (req.method === "GET") {
        if (found) json(res, 200, { type: "MeshRetry", mesh: "default", name: "here", spec: {} });
        else json(res, 404, problem(404, "Could not retrieve a resource", "Not found"));
      } else if (found) json(res, 200, {});
      else json(res, 404, problem(404, "Could not delete a resource", "Not found"));
    });
    const backend = track(new KumaHttpBackend({ baseUrl: s.url }), cleanups);
    assert.deepEqual(await backend.get({ type: "MeshRetry", mesh: "default", name: "here" }), {
      type: "MeshRetry",
      mesh: "default",
      name: "here",
      spec: {},
    });
    assert.equal(await backend.get({ type: "MeshRetry", mesh: "default", name: "gone" }), undefined);
    assert.equal(await backend.get({ type: "Mesh", mesh: "gone", name: "gone" }), undefined);
    assert.deepEqual(await backend.delete({ type: "MeshRetry", mesh: "default", name: "here" }), { found: true });
    assert.deepEqual(await backend.delete({ type: "MeshRetry", mesh: "default", name: "gone" }), { found: false });
    assert.deepEqual(
      s.seen.map((r) => `${r.method} ${r.url}`),
      [
        "GET /meshes/default/meshretries/here",
        "GET /meshes/default/meshretries/gone",
        "GET /meshes/gone",
        "DELETE /meshes/default/meshretries/here",
        "DELETE /meshes/default/meshretries/gone",
      ],
    );
  });

  test("names are escaped as one path segment", async () => {
    const s = await server((req, res) => json(res, 404, problem(404, "Could not retrieve a resource", "Not found")));
    const backend = track(new KumaHttpBackend({ baseUrl: s.url }), cleanups);
    await backend.get({ type: "MeshRetry", mesh: "a b", name: "x/y?z" });
    assert.equal(s.seen[0]?.url, "/meshes/a%20b/meshretries/x%2Fy%3Fz");
  });
});

describe("errors", () => {
  test("a 400 error JSON names the resource and the field, carries status and invalid parameters, and is not retried", async () => {
    const params = [{ field: "spec.to[0].default.idleTimeout", reason: "must not be negative when defined" }];
    const s = await server((req, res) => json(res, 400, problem(400, "Could not process a resource", "Resource is not valid", params)));
    const events: RequestEvent[] = [];
    const backend = track(new KumaHttpBackend({ baseUrl: s.url, onRequest: (e) => events.push(e) }), cleanups);
    const error = await rejection(backend.put({ type: "MeshTimeout", mesh: "payments", name: "web", spec: {} }));
    assert.equal(
      error.message,
      "MeshTimeout/payments/web: PUT /meshes/payments/meshtimeouts/web refused (400 Resource is not valid): spec.to[0].default.idleTimeout: must not be negative when defined",
    );
    assert.equal(error.status, 400);
    assert.deepEqual(error.invalidParameters, params);
    assert.equal(error.retryable, false);
    assert.equal(s.seen.length, 1, "a 400 is never retried");
    assert.deepEqual(
      events.map((e) => [e.attempt, e.status]),
      [[1, 400]],
    );
  });

  test("parameters without a field (schema errors) and several parameters read naturally", async () => {
    const s = await server((req, res) =>
      json(
        res,
        400,
        problem(400, "Could not process a resource", "Resource is not valid", [
          { field: "", reason: "type in body should be one of [MeshTrafficPermission]" },
          { field: "spec.targetRef.name", reason: 'in body must be of type string: "number"' },
        ]),
      ),
    );
    const backend = track(new KumaHttpBackend({ baseUrl: s.url }), cleanups);
    const error = await rejection(backend.put({ type: "MeshTrafficPermission", mesh: "default", name: "p", spec: {} }));
    assert.equal(
      error.message,
      "MeshTrafficPermission/default/p: PUT /meshes/default/meshtrafficpermissions/p refused (400 Resource is not valid): type in body should be one of [MeshTrafficPermission]; " +
        'spec.targetRef.name: in body must be of type string: "number"',
    );
  });

  test("405 on PUT and DELETE says the API is read-only and to apply through Kubernetes", async () => {
    const s = await server((req, res) => json(res, 405, problem(405, "Method not Allowed", "Method not allowed")));
    const backend = track(new KumaHttpBackend({ baseUrl: s.url }), cleanups);
    const put = await rejection(backend.put({ type: "MeshTimeout", mesh: "payments", name: "web", spec: {} }));
    assert.match(put.message, /^MeshTimeout\/payments\/web: PUT \/meshes\/payments\/meshtimeouts\/web refused \(405 Method not allowed\): the control plane API is read-only\./);
    assert.match(put.message, /apply through Kubernetes instead/);
    assert.equal(put.status, 405);
    assert.equal(put.retryable, false);
    const del = await rejection(backend.delete({ type: "Mesh", mesh: "payments", name: "payments" }));
    assert.match(del.message, /^Mesh\/payments: DELETE \/meshes\/payments refused \(405 Method not allowed\): the control plane API is read-only\./);
    assert.equal(s.seen.length, 2);
  });

  test("401 and 403 say the token was refused (without the token); without a token they ask for one", async () => {
    const token = "kpat_SuperSecret0123456789";
    const s = await server((req, res) => {
      if (req.url?.startsWith("/global-secrets") || req.url?.includes("secrets")) {
        json(res, 403, problem(403, "Access Denied", 'user "mesh-system:anonymous" cannot access the resource of type "Secret"'));
      } else json(res, 401, problem(401, "Unauthorized", "Invalid authentication data"));
    });
    const withToken = track(new KumaHttpBackend({ baseUrl: s.url, token }), cleanups);
    const e401 = await rejection(withToken.get({ type: "MeshTimeout", mesh: "default", name: "a" }));
    assert.equal(e401.message, "MeshTimeout/default/a: GET /meshes/default/meshtimeouts/a refused (401 Invalid authentication data): the control plane refused the token (invalid or expired)");
    assert.equal(e401.status, 401);
    assert.equal(e401.retryable, false);
    assert.equal(s.seen[0]?.authorization, `Bearer ${token}`);
    assert.equal(s.seen.length, 1, "a 401 is never retried");

    const without = track(new KumaHttpBackend({ baseUrl: s.url }), cleanups);
    const anonymous = await rejection(without.list("MeshTimeout", "default"));
    assert.match(anonymous.message, /requires a token/);
    assert.equal(s.seen[1]?.authorization, undefined);
  });

  test("a non-JSON error body is summarized to its first 200 characters", async () => {
    const html = `<html><head><title>Bad gateway thing</title></head>\n<body>${"x".repeat(400)}</body></html>`;
    const s = await server((req, res) => {
      res.writeHead(400, { "content-type": "text/html" });
      res.end(html);
    });
    const backend = track(new KumaHttpBackend({ baseUrl: s.url }), cleanups);
    const error = await rejection(backend.put({ type: "MeshRetry", mesh: "default", name: "r1", spec: {} }));
    const flat = html.replace(/\s+/g, " ");
    assert.equal(error.message, `MeshRetry/default/r1: PUT /meshes/default/meshretries/r1 refused (400 Bad Request): ${flat.slice(0, 200)}…`);
    assert.ok(!error.message.includes(flat.slice(0, 201)));
  });

  test("an unreachable control plane is a retryable error naming the call", async () => {
    const s = await startServer(() => undefined);
    await s.close();
    const events: RequestEvent[] = [];
    const backend = track(new KumaHttpBackend({ baseUrl: s.url, retries: 2, retryBaseMs: 1, onRequest: (e) => events.push(e) }), cleanups);
    const error = await rejection(backend.get({ type: "MeshRetry", mesh: "default", name: "r1" }));
    assert.match(error.message, /^MeshRetry\/default\/r1: GET http:\/\/127\.0\.0\.1:\d+\/meshes\/default\/meshretries\/r1 failed after 3 attempts: .*ECONNREFUSED/);
    assert.equal(error.retryable, true);
    assert.equal(error.status, undefined);
    assert.deepEqual(
      events.map((e) => [e.attempt, e.status, /ECONNREFUSED/.test(e.error ?? "")]),
      [
        [1, undefined, true],
        [2, undefined, true],
        [3, undefined, true],
      ],
    );
  });
});

describe("retries", () => {
  test("503 three times, then success: four attempts observed through onRequest", async () => {
    const s = await server((req, res, _body, n) => {
      if (n < 3) json(res, 503, problem(503, "Service Unavailable", "try later"));
      else json(res, 201, {});
    });
    const events: RequestEvent[] = [];
    const backend = track(new KumaHttpBackend({ baseUrl: s.url, onRequest: (e) => events.push(e) }), cleanups);
    assert.deepEqual(await backend.put({ type: "MeshTimeout", mesh: "default", name: "a", spec: {} }), { created: true, warnings: [] });
    assert.deepEqual(
      events.map((e) => [e.method, e.attempt, e.status]),
      [
        ["PUT", 1, 503],
        ["PUT", 2, 503],
        ["PUT", 3, 503],
        ["PUT", 4, 201],
      ],
    );
    assert.ok(s.seen.every((r) => r.body === s.seen[0]?.body), "every attempt sends the same body");
  });

  test("dropped connections are retried (socket hang up), DELETE included", async () => {
    const s = await server((req, res, _body, n) => {
      if (n < 2) req.socket.destroy();
      else json(res, 200, {});
    });
    const events: RequestEvent[] = [];
    const backend = track(new KumaHttpBackend({ baseUrl: s.url, onRequest: (e) => events.push(e) }), cleanups);
    assert.deepEqual(await backend.delete({ type: "MeshTimeout", mesh: "default", name: "a" }), { found: true, outcomeUnknown: true }, "the dropped attempts may have reached it");
    assert.deepEqual(
      events.map((e) => [e.attempt, e.status, e.error === undefined]),
      [
        [1, undefined, false],
        [2, undefined, false],
        [3, 200, true],
      ],
    );
    assert.match(events[0]?.error ?? "", /socket hang up|ECONNRESET/);
  });

  test("a connection dropped in the middle of the answer is retried", async () => {
    const s = await server((req, res, _body, n) => {
      if (n === 0) {
        res.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
        res.write('{"total": 1, "items": [');
        setTimeout(() => req.socket.destroy(), 20);
      } else json(res, 200, { total: 0, items: [], next: null });
    });
    const events: RequestEvent[] = [];
    const backend = track(new KumaHttpBackend({ baseUrl: s.url, onRequest: (e) => events.push(e) }), cleanups);
    assert.deepEqual(await backend.list("MeshTimeout", "default"), []);
    assert.deepEqual(
      events.map((e) => e.attempt),
      [1, 2],
    );
  });

  test("429 with Retry-After: 0 is retried at once, even with a long backoff", async () => {
    const s = await server((req, res, _body, n) => {
      if (n < 2) json(res, 429, problem(429, "Too Many Requests", "slow down"), { "retry-after": "0" });
      else json(res, 200, { type: "Mesh", name: "default" });
    });
    const events: RequestEvent[] = [];
    const backend = track(new KumaHttpBackend({ baseUrl: s.url, retryBaseMs: 4000, onRequest: (e) => events.push(e) }), cleanups);
    const started = Date.now();
    assert.deepEqual(await backend.get({ type: "Mesh", mesh: "default", name: "default" }), { type: "Mesh", name: "default" });
    assert.ok(Date.now() - started < 2000, "Retry-After: 0 wins over the backoff");
    assert.deepEqual(
      events.map((e) => [e.attempt, e.status]),
      [
        [1, 429],
        [2, 429],
        [3, 200],
      ],
    );
  });

  test("429 with Retry-After: 1 waits about a second", async () => {
    const s = await server((req, res, _body, n) => {
      if (n === 0) json(res, 429, problem(429, "Too Many Requests", "slow down"), { "retry-after": "1" });
      else json(res, 200, { type: "Mesh", name: "default" });
    });
    const backend = track(new KumaHttpBackend({ baseUrl: s.url, retryBaseMs: 1 }), cleanups);
    const started = Date.now();
    await backend.get({ type: "Mesh", mesh: "default", name: "default" });
    assert.ok(Date.now() - started >= 900, `waited ${Date.now() - started} ms`);
  });

  test("retries are bounded: the last 5xx becomes a retryable error that says how many attempts", async () => {
    const s = await server((req, res) => json(res, 500, problem(500, "Internal Server Error", "Internal Server Error")));
    const backend = track(new KumaHttpBackend({ baseUrl: s.url, retries: 2, retryBaseMs: 1 }), cleanups);
    const error = await rejection(backend.put({ type: "MeshRetry", mesh: "default", name: "r1", spec: {} }));
    assert.equal(error.message, "MeshRetry/default/r1: PUT /meshes/default/meshretries/r1 failed after 3 attempts (500 Internal Server Error)");
    assert.equal(error.status, 500);
    assert.equal(error.retryable, true);
    assert.equal(s.seen.length, 3);
  });

  test("an error answer and a network error each name the method and the URL's path, never its query", async () => {
    const s = await server((req, res) => json(res, 500, problem(500, "Internal Server Error", "Internal Server Error")));
    const backend = track(new KumaHttpBackend({ baseUrl: `${s.url}/kuma`, retries: 1, retryBaseMs: 1, pageSize: 7 }), cleanups);
    const answered = await rejection(backend.list("MeshTimeout", "payments"));
    assert.equal(answered.message, "MeshTimeout in mesh payments (list): GET /kuma/meshes/payments/meshtimeouts failed after 2 attempts (500 Internal Server Error)");
    const closed = await startServer(() => undefined);
    await closed.close();
    const nobody = track(new KumaHttpBackend({ baseUrl: `${closed.url}/kuma`, retries: 1, retryBaseMs: 1, pageSize: 7 }), cleanups);
    const unanswered = await rejection(nobody.list("MeshTimeout", "payments"));
    assert.match(unanswered.message, /^MeshTimeout in mesh payments \(list\): GET http:\/\/127\.0\.0\.1:\d+\/kuma\/meshes\/payments\/meshtimeouts failed after 2 attempts: .*ECONNREFUSED/);
    assert.doesNotMatch(answered.message + unanswered.message, /size=|\?/);
  });

  test("no retry on other 4xx (404 on PUT, 409)", async () => {
    const s = await server((req, res) => {
      if (req.method === "PUT") json(res, 409, problem(409, "Conflict", "Conflict"));
      else json(res, 404, problem(404, "Could not retrieve a resource", "Not found"));
    });
    const backend = track(new KumaHttpBackend({ baseUrl: s.url, retryBaseMs: 1 }), cleanups);
    const error = await rejection(backend.put({ type: "MeshRetry", mesh: "default", name: "r1", spec: {} }));
    assert.equal(error.message, "MeshRetry/default/r1: PUT /meshes/default/meshretries/r1 refused (409 Conflict)");
    assert.equal(await backend.get({ type: "MeshRetry", mesh: "default", name: "r1" }), undefined);
    assert.equal(s.seen.length, 2);
  });

  test("a request that takes longer than timeoutMs is abandoned and retried", async () => {
    const s = await server(async (req, res, _body, n) => {
      if (n === 0) await sleep(1500);
      json(res, 200, { product: "Kuma", version: "2.14.3" });
    });
    const events: RequestEvent[] = [];
    const backend = track(new KumaHttpBackend({ baseUrl: s.url, timeoutMs: 200, retryBaseMs: 1, environment: "universal", onRequest: (e) => events.push(e) }), cleanups);
    const started = Date.now();
    assert.deepEqual(await backend.info(), { product: "Kuma", version: "2.14.3", environment: "universal" });
    assert.ok(Date.now() - started < 1400, "did not wait for the slow answer");
    assert.deepEqual(
      events.map((e) => [e.attempt, e.status]),
      [
        [1, undefined],
        [2, 200],
      ],
    );
    assert.match(events[0]?.error ?? "", /timed out \(no complete answer within 200 ms\)/);
    assert.ok((events[0]?.durationMs ?? 0) >= 190);
  });

  test("timeouts on every attempt end in a retryable timeout error", async () => {
    const s = await server(async (req, res) => {
      await sleep(400);
      json(res, 200, {});
    });
    const backend = track(new KumaHttpBackend({ baseUrl: s.url, timeoutMs: 50, retries: 1, retryBaseMs: 1 }), cleanups);
    const error = await rejection(backend.delete({ type: "MeshTimeout", mesh: "default", name: "a" }));
    assert.match(error.message, /^MeshTimeout\/default\/a: DELETE .* failed after 2 attempts: timed out/);
    assert.equal(error.retryable, true);
    assert.equal(error.outcomeUnknown, true, "a DELETE sent and never answered may still land");
  });

  test("a write with an attempt sent and never answered says its outcome is unknown, even when a retry succeeds; a refused connection does not", async () => {
    const s = await server(async (req, res, _body, n) => {
      if (n === 0) await sleep(900);
      if (n === 2 || n === 5) req.socket.destroy();
      else json(res, 200, {});
    });
    const backend = track(new KumaHttpBackend({ baseUrl: s.url, timeoutMs: 300, retryBaseMs: 1, environment: "universal" }), cleanups);
    // The first PUT times out (the server may still apply it), the second attempt is answered.
    assert.deepEqual(await backend.put({ type: "MeshRetry", mesh: "default", name: "r1", spec: {} }), { created: false, warnings: [], outcomeUnknown: true });
    // Its connection reset after sending (n === 2): unknown too; then answered.
    assert.deepEqual(await backend.put({ type: "MeshRetry", mesh: "default", name: "r1", spec: {} }), { created: false, warnings: [], outcomeUnknown: true });
    assert.deepEqual(await backend.put({ type: "MeshRetry", mesh: "default", name: "r1", spec: {} }), { created: false, warnings: [] });
    // A DELETE too: its first attempt reset after sending (n === 5), the second answered.
    assert.deepEqual(await backend.delete({ type: "MeshRetry", mesh: "default", name: "r1" }), { found: true, outcomeUnknown: true });
    await s.close();
    const closed = track(new KumaHttpBackend({ baseUrl: s.url, retries: 1, retryBaseMs: 1, environment: "universal" }), cleanups);
    const refused = await rejection(closed.put({ type: "MeshRetry", mesh: "default", name: "r1", spec: {} }));
    assert.equal(refused.outcomeUnknown, false, "nothing was sent to a closed port");
  });

  test("a write a proxy answered 504 or 502 (the control plane may have got it) says its outcome is unknown, even when a retry succeeds; a GET does not", async () => {
    const s = await server(async (req, res, _body, n) => {
      if (n === 0) json(res, 504, { message: "upstream request timeout" });
      else if (n === 2) json(res, 502, { message: "upstream connect error or disconnect/reset before headers" });
      else if (n === 4) json(res, 504, { message: "upstream request timeout" });
      else json(res, 200, { product: "Kuma", version: "2.14.3" });
    });
    const backend = track(new KumaHttpBackend({ baseUrl: s.url, retryBaseMs: 1, environment: "universal" }), cleanups);
    assert.deepEqual(await backend.put({ type: "MeshRetry", mesh: "default", name: "r1", spec: {} }), { created: false, warnings: [], outcomeUnknown: true });
    assert.deepEqual(await backend.delete({ type: "MeshRetry", mesh: "default", name: "r1" }), { found: true, outcomeUnknown: true });
    assert.deepEqual(await backend.info(), { product: "Kuma", version: "2.14.3", environment: "universal" }, "a GET changes nothing: nothing to land");
    const failing = track(new KumaHttpBackend({ baseUrl: (await server(async (_req, res) => json(res, 504, { message: "upstream request timeout" }))).url, retries: 1, retryBaseMs: 1 }), cleanups);
    const error = await rejection(failing.put({ type: "MeshRetry", mesh: "default", name: "r1", spec: {} }));
    assert.equal(error.outcomeUnknown, true, "a PUT whose every attempt a proxy answered 504 may still land");
  });
});

describe("concurrency", () => {
  test("never more requests in flight than `concurrency`, across calls and retries", async () => {
    const s = await server(async (req, res, _body, n) => {
      await sleep(15);
      if (n % 7 === 3) json(res, 503, problem(503, "Service Unavailable", "busy"));
      else json(res, 200, { type: "MeshRetry", mesh: "default", name: "x", spec: {} });
    });
    const backend = track(new KumaHttpBackend({ baseUrl: s.url, concurrency: 4, retryBaseMs: 1 }), cleanups);
    const calls = Array.from({ length: 40 }, (_, i) =>
      i % 2 ? backend.get({ type: "MeshRetry", mesh: "default", name: `r${i}` }) : backend.put({ type: "MeshRetry", mesh: "default", name: `r${i}`, spec: {} }),
    );
    await Promise.all(calls);
    assert.ok(s.stats.maxInFlight <= 4, `max in flight was ${s.stats.maxInFlight}`);
    assert.equal(s.stats.maxInFlight, 4, "the limit is reached, so the test exercises it");
    assert.ok(s.seen.length > 40, "some calls were retried");
  });

  test("concurrency 1 serializes everything", async () => {
    const s = await server(async (req, res) => {
      await sleep(5);
      json(res, 200, {});
    });
    const backend = track(new KumaHttpBackend({ baseUrl: s.url, concurrency: 1 }), cleanups);
    await Promise.all(Array.from({ length: 10 }, (_, i) => backend.delete({ type: "MeshRetry", mesh: "default", name: `r${i}` })));
    assert.equal(s.stats.maxInFlight, 1);
  });
});

describe("the token never leaks", () => {
  test("not in messages, events, thrown objects or the backend itself, even when the server echoes it", async () => {
    const token = "kpat_TopSecretTokenValue_42";
    let n = 0;
    const s = await server((req, res) => {
      const auth = req.headers.authorization ?? "";
      n++;
      // A hostile or buggy server that echoes the Authorization header everywhere it can.
      if (req.url?.startsWith("/meshes/default/meshretries/bad")) {
        json(res, 400, problem(400, "Could not process a resource", `bad ${auth}`, [{ field: `spec.${auth}`, reason: `echo ${auth}` }]));
      } else if (req.url?.startsWith("/meshes/default/meshretries/warn")) {
        json(res, 200, { warnings: [`you sent ${auth}`] });
      } else if (req.url?.startsWith("/meshes/default/meshretries/html")) {
        res.writeHead(502, { "content-type": "text/html" });
        res.end(`<p>upstream said ${auth}</p>`);
      } else if (req.url?.startsWith("/meshes/default/meshretries/forbidden")) {
        json(res, 403, problem(403, "Access Denied", `token ${auth} cannot access`));
      } else if (req.url?.startsWith("/meshes/default/meshretries/drop")) {
        req.socket.destroy();
      } else if (req.url?.startsWith("/meshes/nextmesh/")) {
        json(res, 200, { total: 2, items: [{ name: "a" }], next: `http://${auth}/` });
      } else json(res, 401, problem(401, "Unauthorized", `Invalid authentication data: ${auth}`));
    });
    const events: RequestEvent[] = [];
    const backend = track(new KumaHttpBackend({ baseUrl: s.url, token, retries: 1, retryBaseMs: 1, onRequest: (e) => events.push(e) }), cleanups);
    const errors: unknown[] = [];
    const results: unknown[] = [];
    const calls: Promise<unknown>[] = [
      backend.put({ type: "MeshRetry", mesh: "default", name: "bad", spec: {} }),
      backend.put({ type: "MeshRetry", mesh: "default", name: "warn", spec: {} }),
      backend.put({ type: "MeshRetry", mesh: "default", name: "html", spec: {} }),
      backend.get({ type: "MeshRetry", mesh: "default", name: "forbidden" }),
      backend.get({ type: "MeshRetry", mesh: "default", name: "drop" }),
      backend.get({ type: "MeshRetry", mesh: "default", name: "unauthorized" }),
      backend.list("MeshRetry", "nextmesh"),
      backend.info(),
    ];
    for (const outcome of await Promise.allSettled(calls)) {
      if (outcome.status === "fulfilled") results.push(outcome.value);
      else errors.push(outcome.reason);
    }
    assert.ok(n > 0 && s.seen.every((r) => r.authorization === `Bearer ${token}`), "the token is sent on every request");
    assert.equal(errors.length, 7);
    assert.ok(
      errors.every((e) => e instanceof BackendError),
      inspect(errors),
    );

    const haystacks: string[] = [
      ...events.map((e) => JSON.stringify(e)),
      ...errors.flatMap((e) => {
        const err = e as BackendError;
        return [err.message, err.stack ?? "", JSON.stringify(err), JSON.stringify({ ...err }), inspect(err, { depth: 10, showHidden: true })];
      }),
      JSON.stringify(results),
      inspect(backend, { depth: 10, showHidden: true }),
      JSON.stringify(backend),
    ];
    for (const text of haystacks) assert.ok(!text.includes(token), `the token leaked into: ${text}`);
    // The echoes were there to be redacted, so the test did test something.
    assert.ok(haystacks.some((t) => t.includes("<redacted>")));
    assert.deepEqual(results[0], { created: false, warnings: ["you sent Bearer <redacted>"] });
  });
});

describe("a Secret's value never leaks", () => {
  test("not in the error or the warnings of a PUT the server answers by echoing the body, raw or decoded", async () => {
    const plaintext = "acquirer-live-key-3f9a61";
    const data = Buffer.from(plaintext).toString("base64");
    const inlineKey = "-----BEGIN PRIVATE KEY----- MIIEvQ-inline-key-body";
    const s = await server((req, res, body) => {
      // A buggy server or proxy that quotes what it was sent, and what it decoded from it.
      const decoded = ((): string => {
        const sent = (body ? JSON.parse(body) : {}) as { data?: string };
        return sent.data ? Buffer.from(sent.data, "base64").toString() : "";
      })();
      if (req.method === "GET" && req.url?.includes("/secrets/odd")) {
        json(res, 200, [{ type: "Secret", mesh: "default", name: "odd", data }]); // not an object
        return;
      }
      if (req.method === "GET") {
        json(res, 200, { total: 1, data: [{ type: "Secret", mesh: "default", name: "listed", data }] }); // no "items"
        return;
      }
      if (req.url?.includes("/secrets/problem")) {
        json(res, 400, problem(400, "Could not process a resource", `cannot accept ${body}`, [{ field: "data", reason: `bad value ${decoded} (${body})` }]));
      } else if (req.url?.includes("/secrets/html")) {
        res.writeHead(400, { "content-type": "text/html" });
        res.end(`<pre>${body} decoded: ${decoded}</pre>`);
      } else if (req.url?.includes("/secrets/warn")) {
        json(res, 200, { warnings: [`stored ${decoded}`, `from ${body}`] });
      } else json(res, 422, { detail: `mesh rejected ${body}` });
    });
    const backend = track(new KumaHttpBackend({ baseUrl: s.url, retries: 0 }), cleanups);
    const secret = (name: string): JsonObject => ({ type: "Secret", mesh: "default", name, data });
    const reads = await Promise.allSettled([backend.get({ type: "Secret", mesh: "default", name: "odd" }), backend.list("Secret", "default")]);
    assert.deepEqual(reads.map((r) => r.status), ["rejected", "rejected"]);
    const outcomes = await Promise.allSettled([
      backend.put(secret("problem")),
      backend.put(secret("html")),
      backend.put(secret("warn")),
      backend.put({ type: "Mesh", name: "default", mtls: { enabledBackend: "ca", backends: [{ name: "ca", type: "provided", conf: { cert: { secret: "c" }, key: { inlineString: inlineKey } } }] } }),
    ]);
    const texts = [...reads, ...outcomes].map((o) => (o.status === "rejected" ? `${(o.reason as Error).message} ${inspect(o.reason, { depth: 10 })}` : JSON.stringify(o.value)));
    assert.equal(outcomes.filter((o) => o.status === "rejected").length, 3, texts.join("\n"));
    assert.match(texts[0] as string, /not a JSON object: \[\{"type":"Secret".*"data":"\(redacted\)"/);
    // The echoes were there: each answer quoted the body, and the error still says what failed.
    assert.ok(s.seen.filter((r) => r.method === "PUT").every((r) => r.body.includes(data) || r.body.includes(inlineKey)), "the values were sent");
    assert.match(texts[2] as string, /Secret\/default\/problem: PUT \/meshes\/default\/secrets\/problem refused \(400 /);
    assert.match(texts[5] as string, /Mesh\/default: PUT \/meshes\/default refused \(422/);
    for (const text of texts) {
      for (const leaked of [data, data.replace(/=+$/, ""), plaintext, inlineKey]) assert.ok(!text.includes(leaked), `"${leaked}" leaked into: ${text}`);
    }
  });
});

describe("TLS", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "meshops-tls-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("https with a CA file: trusted with caFile (path or PEM), refused without it and not retried", async () => {
    const { caFile, key, cert } = makeCertificates(dir);
    const s = await server((req, res) => json(res, 200, { product: "Kuma", version: "2.14.3", hostname: "tls-cp" }), { tls: { key, cert } });
    assert.match(s.url, /^https:\/\/127\.0\.0\.1:/);

    const backend = track(new KumaHttpBackend({ baseUrl: s.url, caFile, token: "t0ken-over-tls" }), cleanups);
    assert.deepEqual(await backend.info(), { product: "Kuma", version: "2.14.3", hostname: "tls-cp", environment: "universal" });
    assert.equal(s.seen[0]?.authorization, "Bearer t0ken-over-tls");

    const fromPem = track(new KumaHttpBackend({ baseUrl: s.url, caFile: readFileSync(caFile, "utf8") }), cleanups);
    assert.equal((await fromPem.info()).hostname, "tls-cp");

    const events: RequestEvent[] = [];
    const untrusted = track(new KumaHttpBackend({ baseUrl: s.url, retryBaseMs: 1, onRequest: (e) => events.push(e) }), cleanups);
    const error = await rejection(untrusted.info());
    assert.match(error.message, /^the control plane's version: GET https:\/\/127\.0\.0\.1:\d+\/ failed: TLS: .*--ca-file/);
    assert.equal(error.retryable, false);
    assert.equal(events.length, 1, "a certificate error is not retried");
  });

  test("an untrusted certificate: without --ca-file the hint is to pass one, with the wrong one it names that file", async () => {
    const { key, cert } = makeCertificates(dir);
    const other = mkdtempSync(path.join(tmpdir(), "meshops-tls-other-"));
    cleanups.push(async () => rmSync(other, { recursive: true, force: true }));
    const { caFile: wrongCa } = makeCertificates(other);
    const s = await server((req, res) => json(res, 200, { product: "Kuma", version: "2.14.3" }), { tls: { key, cert } });
    const without = await rejection(track(new KumaHttpBackend({ baseUrl: s.url, retryBaseMs: 1 }), cleanups).info());
    // Node 24 adds its own hint after the reason ("; if the root CA is installed locally, try running Node.js with
    // --use-system-ca"); ours follows either way.
    assert.match(without.message, /failed: TLS: unable to verify the first certificate(?:; [^(]*)? \(no CA this machine trusts signed the control plane's certificate: pass the one that did with --ca-file\)$/);
    const wrong = await rejection(track(new KumaHttpBackend({ baseUrl: s.url, retryBaseMs: 1, caFile: wrongCa }), cleanups).info());
    assert.match(wrong.message, /failed: TLS: unable to verify the first certificate(?:; [^(]*)? \(is --ca-file the CA that signed the control plane's certificate\?\)$/);
  });

  test("https:// to a control plane that speaks plain HTTP says so, not OpenSSL's record-layer text", async () => {
    const s = await server((req, res) => json(res, 200, { product: "Kuma", version: "2.14.3" }));
    const events: RequestEvent[] = [];
    const backend = track(new KumaHttpBackend({ baseUrl: s.url.replace(/^http:/, "https:"), retryBaseMs: 1, onRequest: (e) => events.push(e) }), cleanups);
    const error = await rejection(backend.info());
    assert.match(error.message, /^the control plane's version: GET https:\/\/127\.0\.0\.1:\d+\/ failed: TLS: the server does not answer in TLS: if it serves plain HTTP, write its address with http:\/\//);
    assert.doesNotMatch(error.message, /ssl3|openssl|0A00010B/i);
    assert.equal(events.length, 1, "not retried: the answer will not change");
  });

  test("a CA file that cannot be read fails at construction with its path", () => {
    assert.throws(
      () => new KumaHttpBackend({ baseUrl: "https://127.0.0.1:1", caFile: path.join(dir, "missing.pem") }),
      (e: unknown) => e instanceof BackendError && /cannot read the CA file .*missing\.pem/.test(e.message),
    );
  });
});

describe("options and lifecycle", () => {
  test("bad options are refused at construction", () => {
    assert.throws(() => new KumaHttpBackend({ baseUrl: "127.0.0.1:5681" }), /not an absolute URL|only http and https/);
    assert.throws(() => new KumaHttpBackend({ baseUrl: "ftp://cp" }), /only http and https/);
    assert.throws(() => new KumaHttpBackend({ baseUrl: "http://u:p@cp" }), /credentials in the URL/);
    assert.throws(() => new KumaHttpBackend({ baseUrl: "http://cp", pageSize: 2000 }), /maximum of 1000/);
    assert.throws(() => new KumaHttpBackend({ baseUrl: "http://cp", concurrency: 0 }), /positive integer/);
  });

  test("a refused URL is named without what may be a credential in it: userinfo, query, fragment, an unparsed remainder", () => {
    const refusals = [
      ["http://admin:s3cr3t-tok@cp:5681", /^invalid control plane URL http:\/\/cp:5681\/: credentials in the URL are not supported/],
      ["http://cp:5681/?token=s3cr3t-tok", /^invalid control plane URL http:\/\/cp:5681\/: it must not have a query or fragment/],
      ["http://cp:5681/#s3cr3t-tok", /^invalid control plane URL http:\/\/cp:5681\/: it must not have a query or fragment/],
      ["kuma:s3cr3t-tok@cp:5681", /^invalid control plane URL …@cp:5681: only http and https are supported/],
      ["10.0.0.1:5681/?token=s3cr3t-tok", /^invalid control plane URL "10\.0\.0\.1:5681\/…": not an absolute URL/],
      ["admin:s3cr3t-tok@10.0.0.1", /^invalid control plane URL …@10\.0\.0\.1: only http and https are supported/],
    ] as const;
    for (const [baseUrl, expected] of refusals) {
      assert.throws(
        () => new KumaHttpBackend({ baseUrl }),
        (e: unknown) => e instanceof BackendError && expected.test(e.message) && !e.message.includes("s3cr3t"),
        baseUrl,
      );
    }
  });

  test("close() destroys the keep-alive sockets and later calls fail clearly", async () => {
    const s = await server(async (req, res) => {
      await sleep(10);
      json(res, 200, {});
    });
    const backend = new KumaHttpBackend({ baseUrl: s.url, concurrency: 3 });
    await Promise.all(Array.from({ length: 6 }, (_, i) => backend.delete({ type: "MeshRetry", mesh: "default", name: `r${i}` })));
    assert.ok(s.stats.openConnections > 0 && s.stats.openConnections <= 3, `keep-alive sockets: ${s.stats.openConnections}`);
    await backend.close();
    for (let i = 0; i < 50 && s.stats.openConnections > 0; i++) await sleep(10);
    assert.equal(s.stats.openConnections, 0, "close() destroyed the keep-alive sockets");
    const error = await rejection(backend.get({ type: "MeshRetry", mesh: "default", name: "x" }));
    assert.match(error.message, /backend is closed/);
  });

  test("close() interrupts a call waiting to retry", async () => {
    const s = await server((req, res) => json(res, 503, problem(503, "Service Unavailable", "down"), { "retry-after": "30" }));
    const backend = new KumaHttpBackend({ baseUrl: s.url });
    const pending = backend.get({ type: "MeshRetry", mesh: "default", name: "x" });
    await sleep(100);
    const started = Date.now();
    await backend.close();
    const error = await rejection(pending);
    assert.ok(Date.now() - started < 1000);
    assert.equal(error.status, 503);
  });
});
