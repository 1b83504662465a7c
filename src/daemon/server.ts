/**
 * The daemon's HTTP server on `--listen` (default 127.0.0.1:5680): probes, status, metrics and the two trigger
 * endpoints. node:http; every answer is small and built from the in-memory status.
 *
 *   GET  /healthz         200 while the process runs (liveness)
 *   GET  /readyz          200 once the first reconcile finished, 503 before (readiness)
 *   GET  /api/status      the status as JSON (status.ts)
 *   GET  /api/events      server-sent events: `status` with the JSON, at each change (throttled)
 *   GET  /metrics         Prometheus text format
 *   POST /api/webhook     GitHub push events, signed (webhook.ts)
 *   POST /api/reconcile   a manual "reconcile now": off unless --reconcile-token-file, then `Authorization: Bearer`
 *
 * Other routes (the status page) come from `extraRoutes`.
 */
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "./logger.js";
import type { DaemonMetrics } from "./metrics.js";
import type { Trigger } from "./queue.js";
import type { DaemonStatus } from "./status.js";
import { answerWebhook, bearerMatches, type WebhookConfig } from "./webhook.js";

export interface StatusServerOptions {
  readonly host: string;
  readonly port: number;
  readonly status: DaemonStatus;
  readonly metrics: DaemonMetrics;
  readonly log: Logger;
  readonly webhook: WebhookConfig;
  /** Protects POST /api/reconcile; without it the endpoint is off. */
  readonly reconcileToken: string | undefined;
  readonly trigger: (trigger: Trigger) => void;
  /** Tried before answering 404: true when it answered the request. */
  readonly extraRoutes?: (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;
}

export interface StatusServer {
  /** `http://host:port`. */
  readonly url: string;
  close(): Promise<void>;
}

/** GitHub's push payloads are at most 25 MB; ours only need the ref, but the signature covers the whole body. */
const MAX_WEBHOOK_BYTES = 25 * 1024 * 1024;
const EVENTS_THROTTLE_MS = 250;

const ROUTES: Record<string, string> = {
  "/healthz": "GET",
  "/readyz": "GET",
  "/api/status": "GET",
  "/api/events": "GET",
  "/metrics": "GET",
  "/api/webhook": "POST",
  "/api/reconcile": "POST",
};

export async function startStatusServer(options: StatusServerOptions): Promise<StatusServer> {
  const streams = new Set<ServerResponse>();
  const server = http.createServer((req, res) => {
    route(options, streams, req, res).catch((error: unknown) => {
      options.log.error({ event: "http.error", path: req.url, err: String(error) }, "status server error");
      if (!res.headersSent) sendJson(res, 500, { error: "internal error" });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.address.includes(":") ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const stream of streams) stream.end();
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

async function route(o: StatusServerOptions, streams: Set<ServerResponse>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://localhost");
  const path = url.pathname;
  const allowed = ROUTES[path];
  if (allowed && req.method !== allowed && !(allowed === "GET" && req.method === "HEAD")) {
    res.setHeader("allow", allowed === "GET" ? "GET, HEAD" : allowed);
    sendJson(res, 405, { error: `${req.method} is not allowed on ${path}` });
    return;
  }
  switch (allowed ? path : "") {
    case "/healthz":
      return sendText(res, 200, "ok\n");
    case "/readyz":
      return o.status.ready ? sendText(res, 200, "ready\n") : sendText(res, 503, "not ready: the first reconcile has not finished\n");
    case "/api/status":
      return sendJson(res, 200, o.status.toJSON());
    case "/api/events":
      return openEventStream(o, streams, req, res);
    case "/metrics": {
      const text = await o.metrics.text();
      res.writeHead(200, { "content-type": o.metrics.contentType, "cache-control": "no-store" });
      res.end(text);
      return;
    }
    case "/api/webhook": {
      const body = await readBody(req, MAX_WEBHOOK_BYTES);
      if (!body) {
        res.setHeader("connection", "close");
        return sendJson(res, 413, { error: `the body is larger than ${MAX_WEBHOOK_BYTES} bytes` });
      }
      const answer = answerWebhook({ headers: flatHeaders(req), body }, o.webhook);
      o.log.info(
        { event: "webhook.received", status: answer.status, github: req.headers["x-github-event"], delivery: req.headers["x-github-delivery"], detail: answer.trigger?.detail },
        `webhook: ${answer.status}`,
      );
      if (answer.trigger) o.trigger(answer.trigger);
      return sendJson(res, answer.status, answer.body);
    }
    case "/api/reconcile": {
      // Drained so a keep-alive connection stays usable; the body means nothing.
      await readBody(req, 64 * 1024);
      if (o.reconcileToken === undefined) {
        return sendJson(res, 404, { error: "POST /api/reconcile is off: start meshops watch with --reconcile-token-file" });
      }
      if (!bearerMatches(req.headers.authorization, o.reconcileToken)) {
        res.setHeader("www-authenticate", 'Bearer realm="meshops"');
        return sendJson(res, 401, { error: "missing or wrong bearer token" });
      }
      o.log.info({ event: "reconcile.requested" }, "reconcile requested through the API");
      o.trigger({ kind: "api" });
      return sendJson(res, 202, { ok: true, queued: true });
    }
    default:
      if (o.extraRoutes && (await o.extraRoutes(req, res))) return;
      return sendJson(res, 404, { error: `no route for ${req.method} ${path}` });
  }
}

function openEventStream(o: StatusServerOptions, streams: Set<ServerResponse>, req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive" });
  const send = () => res.write(`event: status\ndata: ${JSON.stringify(o.status.toJSON())}\n\n`);
  send();
  let timer: NodeJS.Timeout | undefined;
  const unsubscribe = o.status.subscribe(() => {
    timer ??= setTimeout(() => {
      timer = undefined;
      send();
    }, EVENTS_THROTTLE_MS);
  });
  streams.add(res);
  req.on("close", () => {
    clearTimeout(timer);
    unsubscribe();
    streams.delete(res);
  });
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

/** The whole body, or undefined past `limit` bytes. */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function flatHeaders(req: IncomingMessage): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) out[name] = Array.isArray(value) ? value.join(", ") : value;
  return out;
}
