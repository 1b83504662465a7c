/**
 * A forward HTTP proxy on 127.0.0.1 for tests: plain http requests arrive with an absolute URL and are passed on,
 * https goes through CONNECT tunnels. It records what it was asked, so a test sees traffic did go through it.
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
  server.on("connection", (socket: net.Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
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
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
