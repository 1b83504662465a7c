/**
 * Proxies on 127.0.0.1 for tests. A forward HTTP proxy: plain http requests arrive with an absolute URL and are passed
 * on, https goes through CONNECT tunnels; it records what it was asked, so a test sees traffic did go through it. A
 * reverse proxy in front of the control plane, which can answer a gateway failure to a request it passed on.
 */
import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";

export interface ProxySeen {
  readonly method: string;
  /** The absolute URL (http) or host:port (CONNECT). */
  readonly target: string;
  readonly proxyAuthorization: string | undefined;
  /** What reached the proxy as Authorization (plain http only: a tunnel hides it). */
  readonly authorization: string | undefined;
}

export interface TestProxy {
  readonly url: string;
  readonly seen: ProxySeen[];
  close(): Promise<void>;
}

/** `credentials` ("user:password"): anything else is answered 407. */
export async function startProxy(options: { credentials?: string } = {}): Promise<TestProxy> {
  const seen: ProxySeen[] = [];
  const sockets = new Set<net.Socket>();
  const expected = options.credentials === undefined ? undefined : `Basic ${Buffer.from(options.credentials).toString("base64")}`;
  const allowed = (header: string | undefined) => expected === undefined || header === expected;
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method ?? "", target: req.url ?? "", proxyAuthorization: req.headers["proxy-authorization"], authorization: req.headers.authorization });
    if (!allowed(req.headers["proxy-authorization"])) {
      res.writeHead(407, { "proxy-authenticate": 'Basic realm="test"' }).end();
      return;
    }
    const target = new URL(req.url ?? "");
    const headers = { ...req.headers };
    delete headers["proxy-authorization"];
    const upstream = http.request(target, { method: req.method, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on("error", () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  server.on("connect", (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    seen.push({ method: "CONNECT", target: req.url ?? "", proxyAuthorization: req.headers["proxy-authorization"], authorization: undefined });
    if (!allowed(req.headers["proxy-authorization"])) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const [host, port] = (req.url ?? "").split(":");
    const upstream = net.connect(Number(port), host ?? "127.0.0.1", () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on("close", () => sockets.delete(upstream));
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
  });
  return { ...(await listenTracked(server, sockets)), seen };
}

export interface ReverseProxy {
  readonly url: string;
  /** Each request passed on: its method and path, what the control plane answered, and what the proxy answered. */
  readonly passed: { readonly method: string; readonly path: string; readonly upstream: number; readonly answered: number }[];
  close(): Promise<void>;
}

/**
 * A reverse proxy on 127.0.0.1 in front of `target` (a load balancer or ingress before the control plane). Every
 * request is passed on; when `gatewayFailure` gives a status for it (502, 504), that is answered instead of the control
 * plane's answer, after it came: the request reached the control plane, its client never learns how it went.
 */
export async function startReverseProxy(target: string, gatewayFailure: (req: http.IncomingMessage) => number | undefined): Promise<ReverseProxy> {
  const passed: ReverseProxy["passed"][number][] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    const failure = gatewayFailure(req);
    const upstream = http.request(new URL(req.url ?? "/", target), { method: req.method, headers: { ...req.headers, host: new URL(target).host } }, (answer) => {
      const record = (answered: number) => passed.push({ method: req.method ?? "", path: req.url ?? "", upstream: answer.statusCode ?? 0, answered });
      if (failure === undefined) {
        record(answer.statusCode ?? 502);
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        return;
      }
      answer.resume();
      answer.on("end", () => {
        record(failure);
        res.writeHead(failure, { "content-type": "text/html" }).end(`<html><body>${failure} ${http.STATUS_CODES[failure] ?? ""}</body></html>`);
      });
    });
    upstream.on("error", () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  return { ...(await listenTracked(server, sockets)), passed };
}

/** Listens on a free port of 127.0.0.1; `close` destroys every socket in `sockets` (its connections are added). */
async function listenTracked(server: http.Server, sockets: Set<net.Socket>): Promise<{ url: string; close(): Promise<void> }> {
  server.on("connection", (socket: net.Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
