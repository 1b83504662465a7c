/**
 * KumaHttpBackend with a client certificate from files (backend/clientCertificate.ts) before a control plane that
 * requires one: an https front on 127.0.0.1 (test/helpers/clientCerts.ts) that, as a Node.js server does, closes the
 * connection of a certificate it does not trust without a TLS alert. A refused certificate makes the files be looked at
 * again at once, as a 401 does for --token-file; what is said when the control plane goes on closing names the file.
 */
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { ClientCertificateFiles } from "../src/backend/clientCertificate.js";
import { KumaHttpBackend, type RequestEvent } from "../src/backend/kumaHttp.js";
import { openStore, type ControlPlaneStore } from "../src/backend/store.js";
import { BackendError } from "../src/backend/types.js";
import { startControlPlaneServer, type ControlPlaneServer } from "../src/cp/server.js";
import { clientCertFixture, startAlertingFront, startClientCertFront, type ClientCertFront } from "./helpers/clientCerts.js";

const work = mkdtempSync(path.join(tmpdir(), "meshops-backend-clientcert-"));
const certFile = path.join(work, "tls.crt");
const keyFile = path.join(work, "tls.key");
let store: ControlPlaneStore;
let server: ControlPlaneServer;
let front: ClientCertFront;

/** Replaces a file as a rotated Secret volume does: written aside, renamed over it. */
const install = (fixture: string, file: string) => {
  copyFileSync(clientCertFixture(fixture), `${file}.new`);
  renameSync(`${file}.new`, file);
};
/** A backend whose files are never looked at on a schedule within a test: only a refusal makes it look. */
const backendWith = (retries: number, baseUrl = front.url, onRequest?: (event: RequestEvent) => void) =>
  new KumaHttpBackend({
    baseUrl,
    ...(onRequest ? { onRequest } : {}),
    caFile: clientCertFixture("ca.pem"),
    clientCertificate: new ClientCertificateFiles(certFile, keyFile, { checkEveryMs: 3_600_000 }),
    retries,
    retryBaseMs: 0,
  });

before(async () => {
  store = await openStore({ stateDir: path.join(work, "cp"), skipMeshCreation: true });
  server = await startControlPlaneServer({ store, port: 0 });
  front = await startClientCertFront(server.url);
});

after(async () => {
  await front.close();
  await server.close();
  await store.close();
  rmSync(work, { recursive: true, force: true });
});

test("a refused certificate is read again at once: a pair rotated between two requests serves the next one", async () => {
  install("untrusted.pem", certFile);
  install("untrusted.key", keyFile);
  const backend = backendWith(0);
  try {
    await assert.rejects(backend.list("Mesh"), BackendError, "refused: its files are looked at now, unchanged");
    install("admin.pem", certFile);
    install("admin.key", keyFile);
    const seen = front.clients.length;
    assert.deepEqual(await backend.list("Mesh"), []);
    assert.deepEqual([...new Set(front.clients.slice(seen))], ["meshops test admin"], "the new pair, without waiting for the periodic look");
  } finally {
    await backend.close();
  }
});

test("closed during the handshake, retries spent: one line naming the certificate file, never the key", async () => {
  install("untrusted.pem", certFile);
  install("untrusted.key", keyFile);
  const backend = backendWith(2);
  try {
    const error = await backend.list("Mesh").then(
      () => assert.fail("the control plane does not trust the certificate"),
      (e: unknown) => e as Error,
    );
    assert.equal(error.message.split("\n").length, 1, error.message);
    assert.ok(
      error.message.includes(`after 3 attempts: the control plane closed the connection during the TLS handshake (ECONNRESET) and may not trust the certificate in --client-cert-file ${certFile}: is it signed by a CA the control plane trusts`),
      error.message,
    );
    assert.doesNotMatch(error.message, /socket hang up/);
    for (const line of readFileSync(keyFile, "utf8").split("\n").filter((l) => l !== "" && !l.startsWith("-----"))) assert.ok(!error.message.includes(line));
  } finally {
    await backend.close();
  }
});

test("refused with a TLS alert, as Kuma's server refuses: the pair rotated since is read at once and the request tried again with it", async () => {
  const alerting = await startAlertingFront();
  install("untrusted.pem", certFile);
  install("untrusted.key", keyFile);
  const events: RequestEvent[] = [];
  const backend = backendWith(0, alerting.url, (event) => events.push(event));
  try {
    await assert.rejects(backend.info(), (error: Error) => {
      assert.ok(error.message.includes(`the control plane refused the client certificate in --client-cert-file ${certFile}: is it signed by`), error.message);
      return /tlsv1 alert unknown ca/.test(error.message);
    });
    install("admin.pem", certFile);
    install("admin.key", keyFile);
    events.length = 0;
    // openssl s_server answers a page of its own, not the API: the request got through the handshake.
    await assert.rejects(backend.info(), /the answer is not JSON: not a Kuma control plane's API/);
    assert.deepEqual(
      events.map((e) => [e.attempt, e.status ?? e.error?.replace(/ \(.*$/, "")]),
      [
        [1, "TLS: tlsv1 alert unknown ca"],
        [2, 200],
      ],
    );
  } finally {
    await backend.close();
    await alerting.close();
  }
});
