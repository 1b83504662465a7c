/**
 * `meshops watch --client-cert-file --client-key-file` against a control plane that requires a client certificate
 * (test/helpers/clientCerts.ts: an https front on 127.0.0.1 before the embedded control plane): the files are read
 * again when they change, as --token-file is, so a renewed certificate needs no restart; one file of the pair written
 * before the other keeps the last good pair; a refused certificate fails the run, which is retried. The daemon as a
 * child process, a real Git repository; the certificates are committed test-only fixtures.
 */
import assert from "node:assert/strict";
import { copyFileSync, readFileSync, renameSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { startWatch, type DaemonProcess } from "./helpers/daemon.js";
import { daemonTestBed, idleTimeoutOnCp, untilApplied, untilStatus } from "./helpers/daemonBed.js";
import { meshTimeoutYaml } from "./helpers/policies.js";
import { clientCertFixture, startClientCertFront, type ClientCertFront } from "./helpers/clientCerts.js";
import { commitFiles } from "./helpers/git.js";

const bed = daemonTestBed("meshops-clientcert");
const { repo, work } = bed;
let front: ClientCertFront;
let daemon: DaemonProcess;
const certFile = path.join(work, "tls.crt");
const keyFile = path.join(work, "tls.key");

/** Replaces a file as a rotated Secret volume does: written aside, renamed over it. */
const install = (fixture: string, file: string) => {
  copyFileSync(clientCertFixture(fixture), `${file}.new`);
  renameSync(`${file}.new`, file);
};
/** The files are looked at once a second at most (backend/rereadFiles.ts): after this, the next request looks. */
const untilLookedAt = () => new Promise((resolve) => setTimeout(resolve, 1_100));
const timeout = (idle: string) => ({ "meshes/shop/t.yaml": meshTimeoutYaml("t", "shop", idle) });
/** The certificates the requests since `from` came with. */
const clientsSince = (from: number) => [...new Set(front.clients.slice(from))];

before(async () => {
  await bed.open();
  front = await startClientCertFront(bed.server.url);
  install("admin.pem", certFile);
  install("admin.key", keyFile);
  commitFiles(repo.dir, { "meshops.yaml": "controlPlane:\n  skipDefaultMeshCreation: true\n", "meshes/shop/mesh.yaml": "type: Mesh\nname: shop\nskipCreatingInitialPolicies: ['*']\n", ...timeout("1m") }, "shop");
  daemon = await startWatch(
    ["--repo", repo.dir, "--branch", "main", "--cp-url", front.url, "--ca-file", clientCertFixture("ca.pem"), "--client-cert-file", certFile, "--client-key-file", keyFile, "--drift-interval", "1h", "--interval", "300ms"],
    { cwd: work },
  );
});

after(async () => {
  await front.close();
});

test("the daemon applies through the front with its client certificate", async () => {
  const first = commitFiles(repo.dir, timeout("2m"), "2m");
  await untilApplied(daemon, first);
  assert.equal(await idleTimeoutOnCp(bed, "/meshes/shop/meshtimeouts/t"), "2m0s");
  assert.deepEqual(clientsSince(0), ["meshops test admin"]);
});

test("a renewed certificate is used without a restart; its key written after it, the last good pair stays meanwhile", async () => {
  // The certificate first: it and the old key are no pair, so the old pair goes on (the files are looked at when a
  // request is made), said once.
  install("rotated.pem", certFile);
  await untilLookedAt();
  const during = front.clients.length;
  const second = commitFiles(repo.dir, timeout("3m"), "3m");
  await untilApplied(daemon, second);
  assert.deepEqual(clientsSince(during), ["meshops test admin"], "the old pair until the new one is whole");
  const problems = daemon.lines.filter((line) => line.includes("is not the key of the certificate"));
  assert.equal(problems.length, 1, daemon.lines.join("\n"));
  assert.match(problems[0] ?? "", /--client-key-file \S*tls\.key is not the key of the certificate in --client-cert-file \S*tls\.crt: keeping the client certificate read before/);

  install("rotated.key", keyFile);
  await untilLookedAt();
  const after = front.clients.length;
  const third = commitFiles(repo.dir, timeout("4m"), "4m");
  await untilApplied(daemon, third);
  await daemon.untilLog("the renewal in the log", (e) => e.event === "cp.client-certificate-changed");
  assert.equal(await idleTimeoutOnCp(bed, "/meshes/shop/meshtimeouts/t"), "4m0s");
  assert.deepEqual(clientsSince(after), ["meshops test admin rotated"], "new connections present the new certificate");
  const everything = daemon.lines.join("\n") + daemon.stderr();
  for (const name of ["admin.key", "rotated.key"]) {
    const body = readFileSync(clientCertFixture(name), "utf8").split("\n").filter((line) => line !== "" && !line.startsWith("-----"));
    for (const line of body) assert.ok(!everything.includes(line), "no key in the log");
  }
});

test("a certificate the control plane refuses fails the run, said as such; the run is retried once the files are good again", async () => {
  install("untrusted.pem", certFile);
  install("untrusted.key", keyFile);
  await untilLookedAt();
  const fourth = commitFiles(repo.dir, timeout("5m"), "5m");
  const failed = await untilStatus(daemon, "a failed run", (s) => (s.reconciles[0]?.result === "error" && s.revision.head === fourth ? s : undefined), 30_000);
  assert.match(failed.lastError?.message ?? "", /closed the connection during the TLS handshake \(ECONNRESET\) and may not trust the certificate in --client-cert-file \S*tls\.crt/);
  assert.equal(await idleTimeoutOnCp(bed, "/meshes/shop/meshtimeouts/t"), "4m0s");

  install("admin.key", keyFile);
  install("admin.pem", certFile);
  await untilApplied(daemon, fourth, 30_000);
  assert.equal(front.clients.at(-1), "meshops test admin");
  assert.equal(await idleTimeoutOnCp(bed, "/meshes/shop/meshtimeouts/t"), "5m0s");
});
