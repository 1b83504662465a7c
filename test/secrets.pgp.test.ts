/**
 * SOPS files encrypted for PGP recipients (issue 13), as Flux users keep them: the data key is an OpenPGP message per
 * recipient (`sops.pgp[].enc`, by fingerprint), opened with an unprotected private key given as
 * `--sops-pgp-key-file` (armored, as `gpg --export-secret-keys --armor` writes it, and as Flux's sops-gpg Secret holds it).
 * Held to a file the real sops wrote (Flux's test data, test/fixtures/sops/flux/SOURCE.md).
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { generateKey } from "openpgp";
import { parse, stringify } from "yaml";
import type { JsonObject } from "../src/model/resource.js";
import { decryptDocuments, encryptDocument, parsePgpPrivateKeys, SopsError } from "../src/secrets/sops.js";
import { runCli } from "./helpers/cli.js";
import { withControlPlaneServer } from "./helpers/controlPlane.js";
import { exitWithin, killAll, startWatch } from "./helpers/daemon.js";
import { untilApplied } from "./helpers/daemonBed.js";
import { commitFiles, git, projectRoot, tempRepo } from "./helpers/git.js";

const FLUX = path.join(projectRoot, "test", "fixtures", "sops", "flux");
const FINGERPRINT = "35C1A64CD7FC0AB6EB66756B2445463C3234ECE1";
const read = (file: string) => readFileSync(path.join(FLUX, file), "utf8");
const scratch = mkdtempSync(path.join(tmpdir(), "meshops-pgp-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

test("a file the real sops encrypted for a PGP key decrypts with that key, MAC checked", async () => {
  const { documents } = await decryptDocuments("pgp.yaml", [parse(read("pgp.yaml")) as JsonObject], parsePgpPrivateKeys(read("pgp.asc")));
  assert.deepEqual(documents, [{ apiVersion: "v1", kind: "Secret", metadata: { name: "pgp" }, stringData: { key: "value" } }]);
});

test("no key, or another PGP key: an error naming the file and the fingerprint it is encrypted for", async () => {
  const document = parse(read("pgp.yaml")) as JsonObject;
  await assert.rejects(decryptDocuments("flux/pgp.yaml", [document], []), (e: unknown) => e instanceof SopsError && e.message.includes(`pgp ${FINGERPRINT}`) && /--sops-pgp-key-file/.test(e.message));
  const stranger = await generateKey({ userIDs: [{ name: "stranger", email: "stranger@meshops.invalid" }], format: "armored" });
  await assert.rejects(
    decryptDocuments("flux/pgp.yaml", [document], parsePgpPrivateKeys(stranger.privateKey)),
    (e: unknown) => e instanceof SopsError && /none of the 1 key\(s\) given can decrypt it; it is encrypted for pgp 35C1A64C/.test(e.message),
  );
});

test("meshops's encryptor writes PGP stanzas as sops does (fingerprint, armored message), and reads them back", async () => {
  const key = await generateKey({ userIDs: [{ name: "meshops test", email: "test@meshops.invalid" }], format: "armored" });
  const document: JsonObject = { type: "Secret", mesh: "m", name: "s", data: "aGVsbG8=" };
  const encrypted = await encryptDocument(document, { recipients: [], pgpRecipients: [key.publicKey], encryptedRegex: "^data$", lastModified: "2026-01-01T00:00:00Z" });
  const [stanza] = (encrypted.sops as { pgp: { fp: string; enc: string; created_at: string }[] }).pgp;
  assert.match(stanza?.fp ?? "", /^[0-9A-F]{40}$/);
  assert.match(stanza?.enc ?? "", /^-----BEGIN PGP MESSAGE-----\n/);
  assert.deepEqual((await decryptDocuments("x", [encrypted], parsePgpPrivateKeys(key.privateKey))).documents, [document]);
});

test("a passphrase-protected key, or a file without a private key, is one clear line", async () => {
  const locked = await generateKey({ userIDs: [{ name: "locked", email: "locked@meshops.invalid" }], passphrase: "hunter2", format: "armored" });
  assert.throws(() => parsePgpPrivateKeys("just text\n"), /no -----BEGIN PGP PRIVATE KEY BLOCK----- in the file/);
  const document = parse(read("pgp.yaml")) as JsonObject;
  await assert.rejects(decryptDocuments("pgp.yaml", [document], parsePgpPrivateKeys(locked.privateKey)), /a PGP key given is protected by a passphrase: export it without one/);
});

const PGP_SECRET_VALUE = "pgp-Secret-Value-77";

/** A private key file (for --sops-pgp-key-file) and a repository whose Kuma Secret is encrypted for that key only. */
async function pgpSealedRepo(name: string): Promise<{ keyFile: string; repo: { dir: string; cleanup: () => void } }> {
  const key = await generateKey({ userIDs: [{ name: "meshops test", email: "test@meshops.invalid" }], format: "armored" });
  const keyFile = path.join(scratch, `${name}.asc`);
  writeFileSync(keyFile, key.privateKey);
  const secret: JsonObject = {
    apiVersion: "v1",
    kind: "Secret",
    type: "system.kuma.io/secret",
    metadata: { name: "db-password", namespace: "kuma-system", labels: { "kuma.io/mesh": "default" } },
    data: { value: Buffer.from(PGP_SECRET_VALUE).toString("base64") },
  };
  const sealed = await encryptDocument(secret, { recipients: [], pgpRecipients: [key.publicKey], encryptedRegex: "^(data|stringData)$", lastModified: "2026-01-01T00:00:00Z" });
  const repo = tempRepo(`meshops-pgp-${name}-`);
  commitFiles(repo.dir, { "mesh.yaml": "type: Mesh\nname: default\n", "db.sops.yaml": stringify(sealed), "meshops.yaml": "controlPlane:\n  skipDefaultMeshCreation: true\n" });
  return { keyFile, repo };
}

const showsNoValue = (text: string) => !text.includes(PGP_SECRET_VALUE) && !text.includes(Buffer.from(PGP_SECRET_VALUE).toString("base64"));

test("apply decrypts a PGP-encrypted Kuma Secret with --sops-pgp-key-file; without a key nothing is applied", async () => {
  const { keyFile, repo } = await pgpSealedRepo("apply");
  try {
    const stateDir = path.join(scratch, "cp");
    const refused = await runCli(["apply", "--state-dir", stateDir], repo.dir, { SOPS_AGE_KEY_FILE: "" });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /db\.sops\.yaml: .*encrypted for pgp [0-9A-F]{40}/);
    const applied = await runCli(["apply", "--state-dir", stateDir, "--sops-pgp-key-file", keyFile], repo.dir, { SOPS_AGE_KEY_FILE: "" });
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /create Secret\/default\/db-password/);
    const again = await runCli(["plan", "--state-dir", stateDir, "--format", "json"], repo.dir, { SOPS_AGE_KEY_FILE: "", MESHOPS_SOPS_PGP_KEY_FILE: keyFile });
    assert.equal(again.code, 0, again.stdout + again.stderr);
    for (const out of [refused, applied, again]) assert.ok(showsNoValue(out.stdout + out.stderr));
  } finally {
    repo.cleanup();
  }
});

test("watch decrypts a PGP-encrypted Kuma Secret with --sops-pgp-key-file (the daemon's SOPS keys carry PGP keys too)", async () => {
  const { keyFile, repo } = await pgpSealedRepo("watch");
  try {
    await withControlPlaneServer({ skipMeshCreation: true }, async (url) => {
      const daemon = await startWatch(["--repo", repo.dir, "--branch", "main", "--cp-url", url, "--sops-pgp-key-file", keyFile], { cwd: scratch, env: { SOPS_AGE_KEY_FILE: "" } });
      try {
        await untilApplied(daemon, git(repo.dir, "rev-parse", "HEAD"));
        const live = (await (await fetch(`${url}/meshes/default/secrets/db-password`)).json()) as { data: string };
        assert.equal(Buffer.from(live.data, "base64").toString(), PGP_SECRET_VALUE);
        assert.ok(showsNoValue(daemon.lines.join("\n") + daemon.stderr()));
      } finally {
        daemon.child.kill("SIGTERM");
        await exitWithin(daemon, 10_000);
      }
    });
  } finally {
    killAll();
    repo.cleanup();
  }
});
