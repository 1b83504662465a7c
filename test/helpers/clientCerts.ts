/**
 * A control plane that asks for a client certificate, as Kuma's API server does with `apiServer.authn.type:
 * adminClientCerts`: an https server on 127.0.0.1 that requires one signed by the fixtures' CA (`requestCert`,
 * `rejectUnauthorized`) in front of the embedded control plane served over HTTP. The certificates are the committed
 * test-only fixtures of test/fixtures/client-certs (scripts/generate-client-cert-fixtures.sh).
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import type net from "node:net";
import type tls from "node:tls";
import path from "node:path";
import { projectRoot } from "./git.js";

const FIXTURES = path.join(projectRoot, "test", "fixtures", "client-certs");

/** A fixture's path: `ca.pem`, `admin.pem`, `admin.key`, `rotated.*`, `untrusted.*` (signed by a CA nobody trusts). */
export function clientCertFixture(name: string): string {
  return path.join(FIXTURES, name);
}

export interface ClientCertFront {
  /** https://127.0.0.1:PORT */
  readonly url: string;
  /** The common name of the client certificate each request passed on came with, in order. */
  readonly clients: string[];
  close(): Promise<void>;
}

/** Starts the https front before `target` (the embedded control plane's http URL). */
export async function startClientCertFront(target: string): Promise<ClientCertFront> {
  const clients: string[] = [];
  const sockets = new Set<net.Socket>();
  const read = (name: string) => readFileSync(clientCertFixture(name), "utf8");
  const server = https.createServer({ key: read("server.key"), cert: read("server.pem"), ca: read("ca.pem"), requestCert: true, rejectUnauthorized: true }, (req, res) => {
    const peer = (req.socket as tls.TLSSocket).getPeerCertificate();
    clients.push(String(peer.subject?.CN ?? ""));
    const upstream = http.request(new URL(req.url ?? "/", target), { method: req.method, headers: { ...req.headers, host: new URL(target).host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on("error", () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  server.on("secureConnection", (socket: tls.TLSSocket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  // A refused handshake is the test's subject, not an error of the server's.
  server.on("tlsClientError", () => undefined);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    clients,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface AlertingFront {
  /** https://127.0.0.1:PORT */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * A server that refuses an untrusted client certificate with a TLS alert ("unknown ca"), as Kuma's (Go's crypto/tls)
 * does, where a Node.js server closes the connection: `openssl s_server`, which answers every request that gets through
 * with 200 and a page of its own (not the control plane's API).
 */
export async function startAlertingFront(): Promise<AlertingFront> {
  const server = spawn(
    "openssl",
    ["s_server", "-accept", "127.0.0.1:0", "-cert", "server.pem", "-key", "server.key", "-CAfile", "ca.pem", "-Verify", "1", "-verify_return_error", "-www"],
    { cwd: FIXTURES, stdio: ["ignore", "pipe", "pipe"] },
  );
  const exited = new Promise<void>((resolve) => server.once("exit", () => resolve()));
  const port = await new Promise<string>((resolve, reject) => {
    let out = "";
    server.once("error", reject);
    server.once("exit", (code) => reject(new Error(`openssl s_server exited (${String(code)}): ${out}`)));
    server.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const accept = /^ACCEPT 127\.0\.0\.1:(\d+)$/m.exec(out);
      if (accept?.[1] !== undefined) resolve(accept[1]);
    });
  });
  server.stdout.resume();
  server.stderr.resume();
  return {
    url: `https://127.0.0.1:${port}`,
    close: async () => {
      server.kill();
      await exited;
    },
  };
}
