/**
 * `--client-cert-file` / `--client-key-file`: a control plane whose API server authenticates admins by client
 * certificate (Kuma's `apiServer.authn.type: adminClientCerts`), here an https front on 127.0.0.1 that requires one
 * (test/helpers/clientCerts.ts) before the embedded control plane. The certificates are committed test-only fixtures.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { openStore, type ControlPlaneStore } from "../src/backend/store.js";
import { startControlPlaneServer, type ControlPlaneServer } from "../src/cp/server.js";
import { runCli } from "./helpers/cli.js";
import { clientCertFixture, startClientCertFront, type ClientCertFront } from "./helpers/clientCerts.js";
import { committedRepo } from "./helpers/git.js";
import { startProxy } from "./helpers/proxy.js";

const work = mkdtempSync(path.join(tmpdir(), "meshops-clientcert-"));
const cleanups: (() => void)[] = [];
let store: ControlPlaneStore;
let server: ControlPlaneServer;
let front: ClientCertFront;
let repo = "";

const CA = clientCertFixture("ca.pem");
const ADMIN = ["--client-cert-file", clientCertFixture("admin.pem"), "--client-key-file", clientCertFixture("admin.key")];
/** The body of a PEM key: what no message may hold. */
const keyBody = (name: string) => readFileSync(clientCertFixture(name), "utf8").split("\n").filter((line) => line !== "" && !line.startsWith("-----"));
/** The one line an error is, and nothing of the key in it. */
const oneLineWithoutKey = (stderr: string, key: string) => {
  assert.equal(stderr.trimEnd().split("\n").length, 1, stderr);
  for (const line of keyBody(key)) assert.ok(!stderr.includes(line), "the key's content is never shown");
};

before(async () => {
  store = await openStore({ stateDir: path.join(work, "cp"), skipMeshCreation: true });
  server = await startControlPlaneServer({ store, port: 0 });
  front = await startClientCertFront(server.url);
  repo = committedRepo({ "meshops.yaml": "controlPlane: {skipDefaultMeshCreation: true}\n", "shop.yaml": "type: Mesh\nname: shop\nskipCreatingInitialPolicies: ['*']\n" }, cleanups);
});

after(async () => {
  await front.close();
  await server.close();
  await store.close();
  for (const cleanup of cleanups) cleanup();
  rmSync(work, { recursive: true, force: true });
});

describe("a control plane that requires a client certificate", () => {
  test("without one: plan fails with one line that says the control plane asked for a client certificate", async () => {
    const plan = await runCli(["plan", "--cp-url", front.url, "--ca-file", CA], repo);
    assert.equal(plan.code, 1, plan.stdout);
    assert.equal(plan.stderr.trimEnd().split("\n").length, 1, plan.stderr);
    assert.match(plan.stderr, /: TLS: tlsv13 alert certificate required \(ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED\): the control plane asks for a client certificate: give --client-cert-file and --client-key-file\n$/, plan.stderr);
    assert.doesNotMatch(plan.stderr, /SSL routines|openssl/, "OpenSSL's own line (a source file, an alert number) is not repeated");
    assert.deepEqual(front.clients, [], "nothing reached the control plane");
  });

  test("with one: plan, apply, drift and export work, every request with that certificate", async () => {
    const plan = await runCli(["plan", "--cp-url", front.url, "--ca-file", CA, ...ADMIN], repo);
    assert.equal(plan.code, 2, plan.stderr); // changes planned
    assert.match(plan.stdout, /^\+ create Mesh\/shop$/m, plan.stdout);
    const apply = await runCli(["apply", "--cp-url", front.url, "--ca-file", CA, ...ADMIN, "--yes"], repo);
    assert.equal(apply.code, 0, apply.stdout + apply.stderr);
    assert.equal((await fetch(`${server.url}/meshes/shop`)).status, 200, "the Mesh was written");
    const drift = await runCli(["drift", "--cp-url", front.url, "--ca-file", CA, ...ADMIN], repo);
    assert.equal(drift.stdout, "In sync.\n", drift.stderr);
    const exported = await runCli(["export", "--cp-url", front.url, "--ca-file", CA, ...ADMIN, "--out", path.join(work, "exported")], repo);
    assert.equal(exported.code, 0, exported.stderr);
    assert.ok(front.clients.length > 0);
    assert.deepEqual(new Set(front.clients), new Set(["meshops test admin"]));
  });

  test("through an HTTPS_PROXY: the certificate goes inside the CONNECT tunnel, to the control plane", async () => {
    const proxy = await startProxy();
    const before = front.clients.length;
    try {
      const plan = await runCli(["plan", "--cp-url", front.url, "--ca-file", CA, ...ADMIN], repo, { HTTPS_PROXY: proxy.url });
      assert.equal(plan.code, 0, plan.stderr); // applied above: nothing to change
      assert.deepEqual([...new Set(proxy.seen.map((s) => `${s.method} ${s.target}`))], [`CONNECT ${new URL(front.url).host}`]);
      assert.ok(front.clients.length > before);
      assert.deepEqual(new Set(front.clients.slice(before)), new Set(["meshops test admin"]));
    } finally {
      await proxy.close();
    }
  });

  test("a certificate signed by a CA the control plane does not trust: one line, which says what to check", async () => {
    const plan = await runCli(["plan", "--cp-url", front.url, "--ca-file", CA, "--client-cert-file", clientCertFixture("untrusted.pem"), "--client-key-file", clientCertFixture("untrusted.key")], repo);
    assert.equal(plan.code, 1, plan.stdout);
    oneLineWithoutKey(plan.stderr, "untrusted.key");
    // A Node.js server closes the connection without a TLS alert (Kuma's, in Go, sends one: "unknown ca").
    const file = clientCertFixture("untrusted.pem");
    assert.ok(plan.stderr.includes(`: the control plane closed the connection during the TLS handshake (ECONNRESET) and may not trust the certificate in --client-cert-file ${file}: is it signed by a CA the control plane trusts`), plan.stderr);
    assert.doesNotMatch(plan.stderr, /socket hang up/);
  });
});

describe("--client-cert-file and --client-key-file: both or neither, readable and a pair", () => {
  const plan = (...flags: string[]) => runCli(["plan", "--cp-url", front.url, "--ca-file", CA, ...flags], repo);

  test("one without the other: one line naming the missing flag", async () => {
    const certOnly = await plan("--client-cert-file", clientCertFixture("admin.pem"));
    assert.equal(certOnly.code, 1);
    assert.equal(certOnly.stderr.trimEnd().split("\n").length, 1, certOnly.stderr);
    assert.match(certOnly.stderr, /--client-cert-file needs --client-key-file/);
    const keyOnly = await plan("--client-key-file", clientCertFixture("admin.key"));
    assert.equal(keyOnly.code, 1);
    oneLineWithoutKey(keyOnly.stderr, "admin.key");
    assert.match(keyOnly.stderr, /--client-key-file needs --client-cert-file/);
  });

  test("a key that is not the certificate's: one line naming both files, never the key", async () => {
    const key = clientCertFixture("rotated.key");
    const mismatched = await plan("--client-cert-file", clientCertFixture("admin.pem"), "--client-key-file", key);
    assert.equal(mismatched.code, 1);
    oneLineWithoutKey(mismatched.stderr, "rotated.key");
    assert.ok(mismatched.stderr.includes(`--client-key-file ${key}`), mismatched.stderr);
    assert.match(mismatched.stderr, /is not the key of the certificate in --client-cert-file/);
  });

  test("a file that cannot be read, or holds no PEM of its kind: one line naming it", async () => {
    const missing = path.join(work, "no-such.pem");
    const unreadable = await plan("--client-cert-file", missing, "--client-key-file", clientCertFixture("admin.key"));
    assert.equal(unreadable.code, 1);
    assert.equal(unreadable.stderr.trimEnd().split("\n").length, 1, unreadable.stderr);
    assert.ok(unreadable.stderr.includes(`cannot read --client-cert-file ${missing} (ENOENT)`), unreadable.stderr);

    const swapped = await plan("--client-cert-file", clientCertFixture("admin.key"), "--client-key-file", clientCertFixture("admin.pem"));
    assert.equal(swapped.code, 1);
    oneLineWithoutKey(swapped.stderr, "admin.key");
    assert.ok(swapped.stderr.includes(`--client-cert-file ${clientCertFixture("admin.key")} holds no PEM certificate`), swapped.stderr);
  });

  test("with an http --cp-url: one line, a client certificate needs https", async () => {
    const http = await runCli(["plan", "--cp-url", server.url, ...ADMIN], repo);
    assert.equal(http.code, 1);
    assert.equal(http.stderr.trimEnd().split("\n").length, 1, http.stderr);
    assert.match(http.stderr, /--client-cert-file needs an https --cp-url/);
  });
});
