/**
 * The daemon's SOPS keys rotate as its other mounted secrets do: the age key file is read again when it changes, so a
 * key added to the Secret (and the files re-encrypted for it) is used at the next run, a forced reconcile included,
 * without a restart. Before, the file was read once at start: every mesh with a Secret encrypted for the new key stayed
 * invalid until the daemon was restarted. A file emptied during the rotation keeps the last keys.
 * The daemon as a child process, a real Git repository, the embedded control plane over HTTP.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { before, test } from "node:test";
import { stringify } from "yaml";
import { generateX25519Identity, identityToRecipient } from "age-encryption";
import { encryptDocument } from "../src/secrets/sops.js";
import { TEST_AGE_KEY_FILE } from "./helpers/cli.js";
import { startWatch, type DaemonProcess } from "./helpers/daemon.js";
import { daemonTestBed, untilStatus } from "./helpers/daemonBed.js";
import { commitFiles } from "./helpers/git.js";

const bed = daemonTestBed("meshops-daemon-sops-keys");
let daemon: DaemonProcess;
let keyFile: string;
const reconcileToken = "reconcile-7c1e";

const TEST_KEY = readFileSync(TEST_AGE_KEY_FILE, "utf8");
const TEST_RECIPIENT = /public key: (age1\w+)/.exec(TEST_KEY)?.[1] ?? "";
const VALUE = "rotated-db-Pa55";

async function encryptedSecret(value: string): Promise<string> {
  const document = { type: "Secret", mesh: "shop", name: "db", data: Buffer.from(value).toString("base64") };
  return JSON.stringify(await encryptDocument(document, { recipients: [TEST_RECIPIENT], encryptedRegex: "^data$", lastModified: "2026-01-01T00:00:00Z" }));
}

const reconcile = async () => {
  const response = await fetch(`${daemon.url}/api/reconcile`, { method: "POST", headers: { authorization: `Bearer ${reconcileToken}` } });
  assert.equal(response.status, 202, await response.text());
};
const shop = (daemonStatus: Awaited<ReturnType<DaemonProcess["status"]>>) => daemonStatus.meshes.find((m) => m.name === "shop");

before(async () => {
  await bed.open();
  // The daemon starts with another key only: the repository's Secret is encrypted for the test key.
  const other = await generateX25519Identity();
  keyFile = bed.secretFile("age-key.txt", `# public key: ${await identityToRecipient(other)}\n${other}`);
  const config = stringify({ controlPlane: { skipDefaultMeshCreation: true }, defaults: { materialize: false } });
  commitFiles(bed.repo.dir, { "meshops.yaml": config, "meshes/shop.yaml": stringify({ type: "Mesh", name: "shop", skipCreatingInitialPolicies: ["*"] }), "meshes/db.sops.yaml": await encryptedSecret(VALUE) });
  daemon = await startWatch(
    ["--repo", bed.repo.dir, "--branch", "main", "--cp-url", bed.server.url, "--drift-interval", "1h", "--sops-age-key-file", keyFile, "--reconcile-token-file", bed.secretFile("reconcile-token", reconcileToken)],
    { cwd: bed.work },
  );
});

test("a key added to the age key file is used at the next run, without a restart; an emptied file keeps the last keys", async () => {
  const refused = await untilStatus(daemon, "shop invalid: the Secret does not decrypt", (s) => (shop(s)?.state === "invalid" ? s : undefined));
  assert.match(shop(refused)?.reason ?? "", /meshes\/db\.sops\.yaml: none of the 1 age key\(s\) given can decrypt it/);
  assert.equal((await bed.cp("/meshes/shop/secrets/db")).status, 404);

  // The Secret mounted as the key file gains the test key (both keys, as a rotation has them for a while).
  writeFileSync(keyFile, `${readFileSync(keyFile, "utf8")}\n${TEST_KEY}`);
  await reconcile();
  await untilStatus(daemon, "shop in sync with the rotated key", (s) => (shop(s)?.state === "in-sync" ? s : undefined));
  const secret = (await (await bed.cp("/meshes/shop/secrets/db")).json()) as { data: string };
  assert.equal(secret.data, Buffer.from(VALUE).toString("base64"));

  // Emptied mid-rotation: the last keys stay, and a new value encrypted for them is applied.
  writeFileSync(keyFile, "");
  const next = commitFiles(bed.repo.dir, { "meshes/db.sops.yaml": await encryptedSecret(`${VALUE}-2`) }, "rotate the value");
  await untilStatus(daemon, "the next value applied", (s) => (s.revision.applied?.commit === next ? s : undefined));
  const rotated = (await (await bed.cp("/meshes/shop/secrets/db")).json()) as { data: string };
  assert.equal(rotated.data, Buffer.from(`${VALUE}-2`).toString("base64"));
  assert.ok(daemon.lines.some((l) => l.includes("age-key.txt") && /keeps the last keys/.test(l)), daemon.lines.join("\n"));
  const secretKey = /^AGE-SECRET-KEY-1\w+$/m.exec(TEST_KEY)?.[0] ?? "";
  assert.ok(secretKey.length > 20);
  for (const value of [VALUE, Buffer.from(VALUE).toString("base64"), secretKey]) assert.ok(!daemon.lines.some((l) => l.includes(value)), `the log never holds ${value}`);
});
