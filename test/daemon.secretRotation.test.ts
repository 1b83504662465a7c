/**
 * Tokens rotated in their files while `meshops watch` runs. The control plane's (--token-file): followed without a
 * restart, a window where the control plane already refuses the old token is a failed run said as such and retried.
 * The API's (--reconcile-token-file) and the webhook's secret (--webhook-secret-file): the new one accepted, the old
 * one refused, at once. No token ever reaches the log, /api/status, /api/events, the page or /metrics.
 * The daemon as a child process, a real Git repository, the embedded control plane over HTTP in this process, which
 * accepts one token at a time (the fault hook answers 401 to any other).
 */
import assert from "node:assert/strict";
import { renameSync, writeFileSync } from "node:fs";
import { before, test } from "node:test";
import { signatureOf } from "../src/daemon/webhook.js";
import { exitWithin, startWatch, type DaemonProcess } from "./helpers/daemon.js";
import { daemonTestBed, untilApplied, untilStatus } from "./helpers/daemonBed.js";
import { commitFiles } from "./helpers/git.js";
import { meshTimeoutYaml } from "./helpers/policies.js";

const OLD_TOKEN = "cp-token-old-never-shown-4a1f";
const NEW_TOKEN = "cp-token-new-never-shown-9c3e";
const [OLD_API_TOKEN, NEW_API_TOKEN] = ["api-token-old-never-shown-0b7d", "api-token-new-never-shown-5e2a"];
const [OLD_WEBHOOK_SECRET, NEW_WEBHOOK_SECRET] = ["webhook-old-never-shown-61fc", "webhook-new-never-shown-d83b"];
let accepted = OLD_TOKEN;
const bed = daemonTestBed("meshops-cptoken", {
  faults: (req) => (req.headers.authorization === `Bearer ${accepted}` ? undefined : { status: 401, title: "Unauthorized", detail: "invalid token" }),
});
const { repo, work } = bed;
let daemon: DaemonProcess;
let tokenFile = "";
let apiTokenFile = "";
let webhookSecretFile = "";

const timeout = (idleTimeout: string) => meshTimeoutYaml("t", "shop", idleTimeout);
const idleTimeout = async () => {
  const res = await fetch(`${bed.server.url}/meshes/shop/meshtimeouts/t`, { headers: { authorization: `Bearer ${accepted}` } });
  return ((await res.json()) as { spec: { to: { default: { idleTimeout: string } }[] } }).spec.to[0]?.default.idleTimeout;
};
/** Replaces a token file as a rotated Secret volume does: written aside, renamed over it. */
const rotate = (file: string, token: string) => {
  writeFileSync(`${file}.new`, token + "\n");
  renameSync(`${file}.new`, file);
};
const rotateFile = (token: string) => rotate(tokenFile, token);
const reconcile = (token: string) => fetch(`${daemon.url}/api/reconcile`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
const suspendShop = (token: string) => fetch(`${daemon.url}/api/meshes/shop/suspend`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: "{}" });
let deliveries = 0;
const webhook = (secret: string) => {
  const body = Buffer.from(JSON.stringify({ ref: "refs/heads/main", after: "0".repeat(40) }));
  const headers = { "content-type": "application/json", "x-github-event": "push", "x-github-delivery": `delivery-${++deliveries}`, "x-hub-signature-256": signatureOf(secret, body) };
  return fetch(`${daemon.url}/api/webhook`, { method: "POST", headers, body });
};

before(async () => {
  await bed.open();
  tokenFile = bed.secretFile("cp-token", OLD_TOKEN);
  apiTokenFile = bed.secretFile("api-token", OLD_API_TOKEN);
  webhookSecretFile = bed.secretFile("webhook-secret", OLD_WEBHOOK_SECRET);
  commitFiles(repo.dir, { "meshops.yaml": "controlPlane:\n  skipDefaultMeshCreation: true\n", "meshes/shop/mesh.yaml": "type: Mesh\nname: shop\n", "meshes/shop/t.yaml": timeout("1m") }, "shop");
  daemon = await startWatch(["--repo", repo.dir, "--branch", "main", "--cp-url", bed.server.url, "--token-file", tokenFile, "--drift-interval", "1h", "--reconcile-token-file", apiTokenFile, "--webhook-secret-file", webhookSecretFile], { cwd: work });
});

test("a token rotated in the file is used at once; one the control plane refused first fails the run, which is retried and succeeds once the file has the new token", async () => {
  const first = commitFiles(repo.dir, { "meshes/shop/t.yaml": timeout("2m") }, "2m");
  await untilApplied(daemon, first);

  // The file first, then the control plane: the next requests carry the new token.
  rotateFile(NEW_TOKEN);
  accepted = NEW_TOKEN;
  const second = commitFiles(repo.dir, { "meshes/shop/t.yaml": timeout("3m") }, "3m");
  await untilApplied(daemon, second);
  assert.equal(await idleTimeout(), "3m0s");
  await daemon.untilLog("the rotation in the log", (e) => e.event === "cp.token-changed");

  // The control plane first: the daemon's token is refused, the run fails saying so, the mesh is not applied.
  accepted = OLD_TOKEN;
  const third = commitFiles(repo.dir, { "meshes/shop/t.yaml": timeout("4m") }, "4m");
  const failed = await untilStatus(daemon, "a failed run", (s) => (s.reconciles[0]?.result === "error" && s.revision.head === third ? s : undefined));
  assert.match(failed.lastError?.message ?? "", /401|token/i);
  assert.equal(await idleTimeout(), "3m0s");
  // Then the file: the retry (with backoff, no trigger) applies the commit.
  rotateFile(OLD_TOKEN);
  await untilApplied(daemon, third, 20_000);
  assert.equal(await idleTimeout(), "4m0s");
});

test("the API token and the webhook secret rotated in their files: the new ones accepted and the old ones refused at once", async () => {
  assert.deepEqual([(await reconcile(OLD_API_TOKEN)).status, (await webhook(OLD_WEBHOOK_SECRET)).status], [202, 202]);
  rotate(apiTokenFile, NEW_API_TOKEN);
  rotate(webhookSecretFile, NEW_WEBHOOK_SECRET);
  assert.deepEqual([(await reconcile(NEW_API_TOKEN)).status, (await reconcile(OLD_API_TOKEN)).status], [202, 401], "POST /api/reconcile");
  assert.deepEqual([(await suspendShop(OLD_API_TOKEN)).status, (await webhook(OLD_WEBHOOK_SECRET)).status], [401, 401], "the old ones refused");
  assert.deepEqual([(await suspendShop(NEW_API_TOKEN)).status, (await webhook(NEW_WEBHOOK_SECRET)).status], [202, 202], "the new ones accepted");
});

test("no token is in the log, the status, the event stream, the page or the metrics", async () => {
  const events = new AbortController();
  const stream = await fetch(`${daemon.url}/api/events`, { signal: events.signal });
  const reader = stream.body?.getReader();
  const chunk = await reader?.read();
  events.abort();
  const shown = [
    JSON.stringify(await daemon.status()),
    await (await fetch(`${daemon.url}/metrics`)).text(),
    await (await fetch(`${daemon.url}/`)).text(),
    new TextDecoder().decode(chunk?.value ?? new Uint8Array()),
  ];
  daemon.child.kill("SIGTERM");
  assert.equal((await exitWithin(daemon, 10_000)).code, 0, daemon.stderr());
  const everything = [...shown, daemon.lines.join("\n"), daemon.stderr()].join("\n");
  for (const token of [OLD_TOKEN, NEW_TOKEN, OLD_API_TOKEN, NEW_API_TOKEN, OLD_WEBHOOK_SECRET, NEW_WEBHOOK_SECRET]) assert.ok(!everything.includes(token), `a token was shown: ${token.slice(0, 12)}`);
});
