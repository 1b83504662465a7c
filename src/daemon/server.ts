/**
 * The daemon's HTTP server on `--listen` (default 127.0.0.1:5680): probes, status, metrics and the two trigger
 * endpoints. node:http; every answer is small and built from the in-memory status.
 *
 *   GET  /healthz         200 while the process runs (liveness)
 *   GET  /readyz          200 once a reconcile compared a reachable control plane with a valid revision, 503 before
 *   GET  /api/status      the status as JSON (status.ts); `?mesh=&q=&state=&order=&offset=&limit=` filter and page
 *                         its meshes (statusQuery.ts)
 *   GET  /api/events      server-sent events: `status` with the whole JSON first, then `delta` with the meshes that
 *                         changed (statusFeed.ts), at each change (throttled)
 *   GET  /metrics         Prometheus text format
 *   POST /api/webhook     GitHub push events, signed (webhook.ts)
 *   POST /api/reconcile   a manual "reconcile now": off unless --reconcile-token-file, then `Authorization: Bearer`
 *   POST /api/meshes/{mesh}/approve|suspend|resume   per-mesh actions, same token (meshApi.ts)
 *
 * Other routes (the status page) come from `extraRoutes`.
 *
 * Nobody needs a credential to reach this server, so every resource a client can hold is bounded (StatusServerLimits):
 * connections, the time to send headers and a request, webhook bodies (declared size, concurrency, replays), and the
 * event streams' buffers. Names in the Host header are checked on the routes that show the status (DNS rebinding).
 */
import type { TokenSource } from "../backend/tokenFile.js";
import { createHmac } from "node:crypto";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import { isIP, type AddressInfo, type Socket } from "node:net";
import type { Logger } from "./logger.js";
import { errorMessage } from "../util/errorMessage.js";
import { answerMeshRequest, MESH_API_MAX_BODY, MESH_API_PREFIX, type MeshApiContext } from "./meshApi.js";
import type { DaemonMetrics } from "./metrics.js";
import type { Trigger } from "./queue.js";
import type { DaemonStatus } from "./status.js";
import { StatusFeed } from "./statusFeed.js";
import { parseStatusQuery, queryStatus } from "./statusQuery.js";
import { answerWebhook, bearerMatches, DELIVERY_HEADER, DeliveryLog, refuseBeforeBody, replayed, type WebhookAnswer, type WebhookConfig } from "./webhook.js";

export interface StatusServerLimits {
  /** Open connections at most; past it new ones are closed at once. */
  readonly maxConnections: number;
  /** From the first byte of a connection to the end of the request's headers. */
  readonly headersTimeoutMs: number;
  /** To receive a whole request, body included (not the answer: event streams last). */
  readonly requestTimeoutMs: number;
  /** A connection with no traffic at all is closed after this (event streams excepted). */
  readonly idleTimeoutMs: number;
  readonly maxEventStreams: number;
  /** Changes are sent at most this often to an event stream. */
  readonly eventThrottleMs: number;
  /** An event stream whose last event is still unsent after this is dropped: it is not reading. */
  readonly eventStallMs: number;
  readonly webhookMaxBytes: number;
  /** Webhook bodies read at the same time; more are answered 503 at once. */
  readonly webhookConcurrency: number;
  /** Delivery IDs remembered against replays. */
  readonly rememberedDeliveries: number;
}

export const DEFAULT_STATUS_SERVER_LIMITS: StatusServerLimits = {
  maxConnections: 256,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  idleTimeoutMs: 60_000,
  maxEventStreams: 32,
  eventThrottleMs: 250,
  eventStallMs: 30_000,
  // GitHub's push payloads are at most 25 MB; ours only need the ref, but the signature covers the whole body.
  webhookMaxBytes: 25 * 1024 * 1024,
  webhookConcurrency: 4,
  rememberedDeliveries: 1_000,
};

export interface StatusServerOptions {
  readonly host: string;
  readonly port: number;
  readonly status: DaemonStatus;
  readonly metrics: DaemonMetrics;
  readonly log: Logger;
  /** The webhook's secret is asked for at each delivery: a rotated one is used at once. */
  readonly webhook: Omit<WebhookConfig, "secret"> & { readonly secret: TokenSource | undefined };
  /** Protects POST /api/reconcile and the per-mesh actions, asked for at each request; without it they are off. */
  readonly reconcileToken: TokenSource | undefined;
  readonly trigger: (trigger: Trigger) => void;
  /** The per-mesh actions (meshApi.ts); absent, they answer 404. */
  readonly meshApi?: Omit<MeshApiContext, "token">;
  /** Tried before answering 404: true when it answered the request. */
  readonly extraRoutes?: (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;
  readonly limits?: Partial<StatusServerLimits>;
  /**
   * Host names (besides IP literals and localhost, always allowed) that may read the status; "*" allows any. Default:
   * the listen host when it is a name.
   */
  readonly allowedHosts?: readonly string[];
}

export interface StatusServer {
  /** `http://host:port`. */
  readonly url: string;
  close(): Promise<void>;
}

const ROUTES: Record<string, string> = {
  "/healthz": "GET",
  "/readyz": "GET",
  "/api/status": "GET",
  "/api/events": "GET",
  "/metrics": "GET",
  "/api/webhook": "POST",
  "/api/reconcile": "POST",
};

/**
 * Routes any Host may reach: probes and metrics (probers send the pod's address or a service name, and these reveal
 * nothing a rebinding page could use), and the two POSTs, authenticated by a signature or a token instead.
 */
const ANY_HOST = new Set(["/healthz", "/readyz", "/metrics", "/api/webhook", "/api/reconcile"]);

/** What one server instance holds across requests. */
interface ServerState {
  readonly o: StatusServerOptions;
  readonly limits: StatusServerLimits;
  readonly allowedHosts: ReadonlySet<string>;
  readonly streams: Set<ServerResponse>;
  readonly deliveries: DeliveryLog;
  readonly feed: StatusFeed;
  webhooksReading: number;
}

export async function startStatusServer(options: StatusServerOptions): Promise<StatusServer> {
  const limits = { ...DEFAULT_STATUS_SERVER_LIMITS, ...options.limits };
  const state: ServerState = {
    o: options,
    limits,
    allowedHosts: allowedHostSet(options.host, options.allowedHosts),
    streams: new Set(),
    deliveries: new DeliveryLog(limits.rememberedDeliveries),
    feed: new StatusFeed(options.status, limits.eventThrottleMs),
    webhooksReading: 0,
  };
  const { log } = options;
  const server = http.createServer(
    {
      headersTimeout: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs),
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: 5_000,
      // How often the two timeouts above are checked: a fraction of the shorter, so they hold to about that.
      connectionsCheckingInterval: Math.max(100, Math.min(1_000, limits.headersTimeoutMs / 4, limits.requestTimeoutMs / 4)),
    },
    (req, res) => {
      res.on("error", (error) => log.debug({ event: "http.response-error", path: req.url, err: errorMessage(error) }, "response failed"));
      route(state, req, res).catch((error: unknown) => {
        if (req.destroyed) {
          // The client went away (or was cut off by a timeout) while its request was being read.
          log.debug({ event: "http.aborted", path: req.url, err: errorMessage(error) }, "request aborted");
          return;
        }
        log.error({ event: "http.error", path: req.url, err: errorMessage(error) }, "status server error");
        if (!res.headersSent) sendJson(res, 500, { error: "internal error" });
        else res.destroy();
      });
    },
  );
  server.maxConnections = limits.maxConnections;
  server.timeout = limits.idleTimeoutMs;
  const rejected = throttledLog(log, 10_000);
  server.on("drop", () => rejected("http.connection-refused", `more than ${limits.maxConnections} connections: new ones are closed`));
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => answerClientError(error, socket, log));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  // After listening, an error is a failed accept (EMFILE when descriptors run out): logged, and the server serves on.
  const acceptFailed = throttledLog(log, 10_000);
  server.on("error", (error: NodeJS.ErrnoException) => acceptFailed("http.accept-error", `cannot accept a connection: ${error.code ?? errorMessage(error)}`));
  const address = server.address() as AddressInfo;
  const host = address.address.includes(":") ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const stream of state.streams) stream.end();
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

async function route(s: ServerState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { o } = s;
  const url = new URL(req.url ?? "/", "http://localhost");
  const path = url.pathname;
  const allowed = ROUTES[path];
  if (!ANY_HOST.has(path) && !hostAllowed(req.headers.host, s.allowedHosts)) {
    o.log.warn({ event: "http.host-refused", host: req.headers.host, path }, "request with a Host that is not allowed");
    return sendJson(res, 403, { error: `Host ${JSON.stringify(req.headers.host ?? "")} is not allowed: add the name with --allowed-hosts` });
  }
  if (allowed && req.method !== allowed && !(allowed === "GET" && req.method === "HEAD")) {
    res.setHeader("allow", allowed === "GET" ? "GET, HEAD" : allowed);
    sendJson(res, 405, { error: `${req.method} is not allowed on ${path}` });
    return;
  }
  switch (allowed ? path : "") {
    case "/healthz":
      return sendText(res, 200, "ok\n");
    case "/readyz":
      return o.status.ready ? sendText(res, 200, "ready\n") : sendText(res, 503, "not ready: no reconcile has compared the control plane with a valid revision yet\n");
    case "/api/status": {
      const query = parseStatusQuery(url.searchParams);
      if (query && "error" in query) return sendJson(res, 400, { error: query.error });
      return sendJson(res, 200, query ? queryStatus(o.status.toJSON(), query) : o.status.toJSON());
    }
    case "/api/events":
      return openEventStream(s, req, res);
    case "/metrics": {
      const text = await o.metrics.text();
      res.writeHead(200, { "content-type": o.metrics.contentType, "cache-control": "no-store" });
      res.end(text);
      return;
    }
    case "/api/webhook": {
      const answer = await receiveWebhook(s, req);
      o.log.info(
        { event: "webhook.received", status: answer.status, github: req.headers["x-github-event"], delivery: req.headers[DELIVERY_HEADER], detail: answer.trigger?.detail },
        `webhook: ${answer.status}`,
      );
      if (answer.trigger) o.trigger(answer.trigger);
      // An answer given before the whole body was read ends the connection: the rest of the body is never read.
      if (!req.complete) res.setHeader("connection", "close");
      if (answer.status === 503) res.setHeader("retry-after", "5");
      return sendJson(res, answer.status, answer.body);
    }
    case "/api/reconcile": {
      // Drained so a keep-alive connection stays usable; the body means nothing.
      if (!(await readBody(req, 64 * 1024))) res.setHeader("connection", "close");
      const token = o.reconcileToken?.current();
      if (token === undefined) {
        return sendJson(res, 404, { error: "POST /api/reconcile is off: start meshops watch with --reconcile-token-file" });
      }
      if (!bearerMatches(req.headers.authorization, token)) {
        res.setHeader("www-authenticate", 'Bearer realm="meshops"');
        return sendJson(res, 401, { error: "missing or wrong bearer token" });
      }
      o.log.info({ event: "reconcile.requested" }, "reconcile requested through the API");
      o.trigger({ kind: "api" });
      return sendJson(res, 202, { ok: true, queued: true });
    }
    default:
      if (o.meshApi && path.startsWith(MESH_API_PREFIX)) {
        const body = req.method === "POST" ? await readBody(req, MESH_API_MAX_BODY) : Buffer.alloc(0);
        const answer = answerMeshRequest({ method: req.method, path, authorization: req.headers.authorization, body }, { ...o.meshApi, token: o.reconcileToken?.current() });
        if (!body) res.setHeader("connection", "close");
        for (const [name, value] of Object.entries(answer.headers ?? {})) res.setHeader(name, value);
        if (answer.trigger) {
          o.log.info({ event: "mesh.action", detail: answer.trigger.detail }, `${answer.trigger.detail} requested through the API`);
          o.trigger(answer.trigger);
        }
        // Refused because the controls file cannot be written: said here, as the file is not stale (controls.ts).
        if (answer.status >= 500 && "error" in answer.body) o.log.error({ event: "mesh.action.failed", path, err: answer.body.error }, `POST ${path} failed: ${answer.body.error}`);
        return sendJson(res, answer.status, answer.body);
      }
      if (o.extraRoutes && (await o.extraRoutes(req, res))) return;
      return sendJson(res, 404, { error: `no route for ${req.method} ${path}` });
  }
}

/**
 * Reads a webhook only when it may be one: refused from the headers when possible, a few bodies at a time, each
 * streamed into the HMAC and cut off at the cap. The delivery ID is remembered once the signature holds.
 */
async function receiveWebhook(s: ServerState, req: IncomingMessage): Promise<WebhookAnswer | (Omit<WebhookAnswer, "status"> & { status: 503 })> {
  const { o, limits } = s;
  const headers = flatHeaders(req);
  const webhook: WebhookConfig = { branch: o.webhook.branch, secret: o.webhook.secret?.current() };
  const early = refuseBeforeBody(headers, webhook, limits.webhookMaxBytes, s.deliveries);
  if (early) return early;
  if (s.webhooksReading >= limits.webhookConcurrency) {
    return { status: 503, body: { error: `${limits.webhookConcurrency} webhooks are already being received: try again` } };
  }
  s.webhooksReading++;
  let body: Buffer | undefined;
  const hmac = createHmac("sha256", webhook.secret ?? "");
  try {
    body = await readBody(req, limits.webhookMaxBytes, (chunk) => hmac.update(chunk));
  } finally {
    s.webhooksReading--;
  }
  if (!body) return { status: 413, body: { error: `the body is larger than ${limits.webhookMaxBytes} bytes` } };
  const answer = answerWebhook({ headers, body, digest: `sha256=${hmac.digest("hex")}` }, webhook);
  if (answer.status === 401 || answer.status === 404) return answer;
  // Signed: a replay is refused, even one that raced the first delivery; the first is remembered.
  const replay = replayed(headers, s.deliveries);
  if (replay) return replay;
  const id = headers[DELIVERY_HEADER];
  if (id !== undefined) s.deliveries.remember(id);
  return answer;
}

/**
 * Server-sent events with a bounded buffer per client: the whole status first, then deltas (statusFeed.ts). While the
 * last event has not drained, deltas only mark the stream as behind (on drain it gets the whole status again, having
 * missed some); a stream that stays behind for `eventStallMs` is not reading, and is dropped.
 */
function openEventStream(s: ServerState, req: IncomingMessage, res: ServerResponse): void {
  const { o, limits, streams } = s;
  if (streams.size >= limits.maxEventStreams) {
    res.setHeader("retry-after", "10");
    return sendJson(res, 503, { error: `${limits.maxEventStreams} event streams are open already` });
  }
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive" });
  // The stream is quiet between changes: no idle timeout, the stall timer below watches it instead.
  req.socket.setTimeout(0);
  let behind = false;
  let stall: NodeJS.Timeout | undefined;
  const send = (text: string) => {
    if (res.writableNeedDrain) {
      behind = true;
      return;
    }
    if (!res.write(text)) {
      stall ??= setTimeout(() => {
        o.log.warn({ event: "events.dropped", stalledMs: limits.eventStallMs }, "an event stream stopped reading: dropped");
        res.destroy();
      }, limits.eventStallMs);
    }
  };
  res.on("drain", () => {
    clearTimeout(stall);
    stall = undefined;
    if (behind) {
      behind = false;
      send(s.feed.snapshot());
    }
  });
  send(s.feed.snapshot());
  const unsubscribe = s.feed.subscribe(send);
  streams.add(res);
  res.on("close", () => {
    clearTimeout(stall);
    unsubscribe();
    streams.delete(res);
  });
}

/** Lower-case host names allowed besides IP literals and localhost. */
function allowedHostSet(listenHost: string, extra: readonly string[] | undefined): ReadonlySet<string> {
  const names = extra ?? (isIP(listenHost) ? [] : [listenHost]);
  return new Set(["localhost", ...names].map((n) => n.trim().toLowerCase()).filter((n) => n !== ""));
}

/**
 * Whether a Host header may read the status. DNS rebinding needs a name the attacker controls, so any IP literal is
 * fine; a name must be localhost or listed.
 */
export function hostAllowed(header: string | undefined, allowed: ReadonlySet<string>): boolean {
  if (allowed.has("*")) return true;
  if (!header) return false;
  let hostname: string;
  try {
    hostname = new URL(`http://${header}`).hostname.toLowerCase();
  } catch {
    return false;
  }
  const bare = hostname.startsWith("[") ? hostname.slice(1, -1) : hostname;
  return isIP(bare) !== 0 || allowed.has(bare);
}

/** Node's own answers to a broken request (400, 408 on a timeout, 431), with the event logged. */
function answerClientError(error: NodeJS.ErrnoException, socket: Socket, log: Logger): void {
  log.debug({ event: "http.client-error", code: error.code, err: errorMessage(error) }, "bad or slow client");
  if (error.code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return;
  }
  const status =
    error.code === "ERR_HTTP_REQUEST_TIMEOUT" ? "408 Request Timeout" : error.code === "HPE_HEADER_OVERFLOW" ? "431 Request Header Fields Too Large" : "400 Bad Request";
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
}

/** A log line at most every `everyMs` for a repeated event, with how many happened since the last one. */
function throttledLog(log: Logger, everyMs: number): (event: string, message: string) => void {
  let last = 0;
  let count = 0;
  return (event, message) => {
    count++;
    const now = Date.now();
    if (now - last < everyMs) return;
    log.error({ event, count }, message);
    last = now;
    count = 0;
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", "x-content-type-options": "nosniff" });
  res.end(text);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" });
  res.end(text);
}

/** The whole body, or undefined past `limit` bytes (the rest is not read). Each chunk is also given to `onChunk`. */
async function readBody(req: IncomingMessage, limit: number, onChunk?: (chunk: Buffer) => void): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    onChunk?.(chunk as Buffer);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function flatHeaders(req: IncomingMessage): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) out[name] = Array.isArray(value) ? value.join(", ") : value;
  return out;
}
