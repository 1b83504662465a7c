/**
 * Secrets (issue 13 item 3): the Secret kind in both shapes, SOPS-encrypted files (a file the real sops wrote, and the
 * generated fixtures), clear-text Secrets refused, undecryptable files refused before anything is applied, and plans
 * that say only "changed", "unchanged" or "unknown" about a value.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { parse } from "yaml";
import { generateX25519Identity, identityToRecipient } from "age-encryption";
import { classifyDrift } from "../src/diff/drift.js";
import { DecryptionCache, unsealResources } from "../src/secrets/unseal.js";
import { validateSnapshot } from "../src/validate/index.js";
import { snapshotOf } from "./helpers/snapshot.js";
import { SopsError, decryptDocuments, encryptDocument, parseAgeIdentities } from "../src/secrets/sops.js";
import type { JsonObject } from "../src/model/resource.js";
import { secretFromKubernetes } from "../src/kuma/secrets.js";
import { isEncryptedValue } from "../src/model/sealed.js";
import { openStore } from "../src/backend/store.js";
import { startControlPlaneServer } from "../src/cp/server.js";
import { runCli } from "./helpers/cli.js";
import { commitFiles, committedRepo, projectRoot, tempRepo } from "./helpers/git.js";

const FIXTURES = path.join(projectRoot, "test", "fixtures", "sops");
const read = (...parts: string[]) => readFileSync(path.join(FIXTURES, ...parts), "utf8");
const TEST_KEY = parseAgeIdentities(read("test-age-key.txt"));
const TEST_RECIPIENT = /public key: (age1\w+)/.exec(read("test-age-key.txt"))?.[1] ?? "";
const NO_KEY = { SOPS_AGE_KEY_FILE: "" };

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((c) => c()));

const repoWith = (files: Record<string, string>): string => committedRepo(files, cleanups);

function stateDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "meshops-secrets-cp-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A Universal Secret document encrypted for the test key, as the fixture generator writes them. */
async function encryptedSecret(name: string, plaintext: string, mesh = "default"): Promise<string> {
  const document = { type: "Secret", mesh, name, data: Buffer.from(plaintext).toString("base64") };
  const encrypted = await encryptDocument(document, { recipients: [TEST_RECIPIENT], encryptedRegex: "^data$", lastModified: "2026-01-01T00:00:00Z" });
  return JSON.stringify(encrypted); // JSON is YAML
}

// --- the SOPS format --------------------------------------------------------------------------------------------------

test("a file written by the real sops tool (Flux's test data) decrypts with its key, MAC checked", async () => {
  const document = parse(read("flux", "age.yaml")) as JsonObject;
  const { documents } = await decryptDocuments("age.yaml", [document], parseAgeIdentities(read("flux", "age.txt")));
  assert.deepEqual(documents, [{ apiVersion: "v1", kind: "Secret", metadata: { name: "age" }, stringData: { key: "value" } }]);
});

test("a value changed without sops fails the MAC; so does a clear-text field edited by hand", async () => {
  const keys = parseAgeIdentities(read("flux", "age.txt"));
  const renamed = parse(read("flux", "age.yaml")) as { metadata: { name: string } } & JsonObject;
  renamed.metadata.name = "other";
  await assert.rejects(decryptDocuments("age.yaml", [renamed], keys), /age\.yaml: the SOPS MAC does not match/);
  // A ciphertext moved to another key fails its own authentication (the key path is its additional data).
  const moved = parse(read("flux", "age.yaml")) as { stringData: JsonObject } & JsonObject;
  moved.stringData = { other: moved.stringData.key ?? "" };
  await assert.rejects(decryptDocuments("age.yaml", [moved], keys), /stringData\.other: the value does not decrypt/);
});

test("no key, or a key the file is not encrypted for: an error naming the file and the recipient it needs", async () => {
  const document = parse(read("flux", "age.yaml")) as JsonObject;
  const recipient = "age1l44xcng8dqj32nlv6d930qvvrny05hglzcv9qpc7kxjc6902ma4qufys29";
  await assert.rejects(decryptDocuments("flux/age.yaml", [document], []), (e: unknown) => e instanceof SopsError && e.message.includes("flux/age.yaml") && e.message.includes(recipient) && /SOPS_AGE_KEY_FILE/.test(e.message));
  const stranger = await generateX25519Identity();
  await assert.rejects(decryptDocuments("flux/age.yaml", [document], [stranger]), (e: unknown) => e instanceof SopsError && e.message.includes(recipient) && /none of the 1 age key/.test(e.message));
});

test("meshops's encryptor round-trips, typed values included, and only under encrypted_regex", async () => {
  const identity = await generateX25519Identity();
  const document: JsonObject = { type: "Secret", mesh: "m", name: "s", data: "aGVsbG8=", spec: { n: 3, f: 1.5, b: true } };
  const encrypted = await encryptDocument(document, { recipients: [await identityToRecipient(identity)], encryptedRegex: "^(data|spec)$", lastModified: "2026-01-01T00:00:00Z" });
  assert.equal(encrypted.name, "s");
  assert.match(String(encrypted.data), /^ENC\[AES256_GCM,data:/);
  assert.match(String((encrypted.spec as JsonObject).b), /type:bool\]$/);
  assert.deepEqual((await decryptDocuments("x", [encrypted], [identity])).documents, [document]);
});

test("the committed fixtures decrypt with the committed test key (both shapes)", async () => {
  for (const [file, value] of [
    ["secret-universal.sops.yaml", Buffer.from("orders-db-Pa55word!").toString("base64")],
    ["secret-kubernetes.sops.yaml", "billing-token-7f3a9c"],
  ] as const) {
    const { documents } = await decryptDocuments(file, [parse(read(file)) as JsonObject], TEST_KEY);
    assert.ok(JSON.stringify(documents).includes(JSON.stringify(value)), file);
  }
});

// --- validation -------------------------------------------------------------------------------------------------------

test("a clear-text Secret is an error naming the field; secrets.allowPlaintext accepts it; the value is never quoted", async () => {
  const secret = "type: Secret\nmesh: default\nname: db\ndata: aHVudGVyMg==\n";
  const refused = await runCli(["validate"], repoWith({ "s.yaml": secret }));
  assert.equal(refused.code, 1);
  assert.match(refused.stdout, /s\.yaml:4:1: error: Secret\/default\/db data: the Secret's value is in clear text in the repository \(the file is not SOPS-encrypted\).*secrets\.allowPlaintext: true.*\[plaintext-secret\]/);
  const allowed = await runCli(["validate"], repoWith({ "s.yaml": secret, "meshops.yaml": "secrets:\n  allowPlaintext: true\n" }));
  assert.equal(allowed.code, 0, allowed.stdout);
  for (const out of [refused.stdout, allowed.stdout]) assert.ok(!out.includes("aHVudGVyMg") && !out.includes("hunter2"));
});

test("a Kubernetes Secret of Kuma's type is a Secret of the mesh in its label; the namespace and the data keys are checked", async () => {
  const good = await runCli(["validate", "--format", "json"], repoWith({ "k.yaml": read("secret-kubernetes.sops.yaml") }), NO_KEY);
  assert.equal(good.code, 0, good.stdout);
  const secret = (ns: string, data: string) =>
    `apiVersion: v1\nkind: Secret\ntype: system.kuma.io/secret\nmetadata:\n  name: tok\n  namespace: ${ns}\n  labels:\n    kuma.io/mesh: default\n${data}`;
  const bad = await runCli(
    ["validate"],
    repoWith({ "meshops.yaml": "secrets:\n  allowPlaintext: true\n", "a.yaml": secret("apps", "data:\n  value: dG9r\n"), "b.yaml": secret("kuma-system", "data:\n  token: dG9r\n") }),
  );
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /a\.yaml:6:3: error: Secret\/default\/tok metadata\.namespace: the control plane reads Secrets of type system\.kuma\.io\/secret only in its system namespace \(kuma-system\), not "apps"/);
  assert.match(bad.stdout, /b\.yaml:10:3: error: Secret\/default\/tok data\.token: the control plane reads only data\.value of a Kuma Secret; "token" would be ignored/);
  // Secrets of other types are another tool's business: skipped like a Deployment.
  const opaque = await runCli(["validate", "--allow-empty"], repoWith({ "o.yaml": "apiVersion: v1\nkind: Secret\ntype: Opaque\nmetadata:\n  name: x\ndata:\n  a: Yg==\n" }));
  assert.equal(opaque.code, 0, opaque.stdout);
});

test("an encrypted document validates without the key; encrypted identity fields and a broken sops block are errors", async () => {
  const fine = await runCli(["validate"], repoWith({ "s.yaml": await encryptedSecret("db", "pw-1") }), NO_KEY);
  assert.equal(fine.code, 0, fine.stdout);

  const identity = await generateX25519Identity();
  const everything = await encryptDocument({ type: "Secret", mesh: "default", name: "db", data: "cHc=" }, { recipients: [await identityToRecipient(identity)], lastModified: "2026-01-01T00:00:00Z" });
  const hidden = await runCli(["validate"], repoWith({ "all.yaml": JSON.stringify(everything) }), NO_KEY);
  assert.equal(hidden.code, 1);
  assert.match(hidden.stdout, /all\.yaml:1:\d+: error: type: type is encrypted: meshops reads a resource's kind, name and mesh without the key; encrypt only the values \(encrypted_regex/);

  const noMac = (await encryptedSecret("db", "pw-1")).replace(/"mac":"[^"]*",/, "");
  const broken = await runCli(["validate"], repoWith({ "s.yaml": noMac }), NO_KEY);
  assert.equal(broken.code, 1);
  assert.match(broken.stdout, /error: sops\.mac: missing or not an ENC\[AES256_GCM,\.\.\.\] value/);
});

test("with the key, validate checks the decrypted value too (and names the field, not the value)", async () => {
  const identity = TEST_RECIPIENT;
  const notBase64 = await encryptDocument({ type: "Secret", mesh: "default", name: "db", data: "not base64 at all!" }, { recipients: [identity], encryptedRegex: "^data$", lastModified: "2026-01-01T00:00:00Z" });
  const dir = repoWith({ "s.yaml": JSON.stringify(notBase64) });
  assert.equal((await runCli(["validate"], dir, NO_KEY)).code, 0, "without the key the value cannot be checked");
  const run = await runCli(["validate"], dir);
  assert.equal(run.code, 1);
  assert.match(run.stdout, /s\.yaml:1:\d+: error: Secret\/default\/db data: must be base64-encoded bytes, padded, in the standard alphabet: illegal base64 data at input byte 3 \(in the decrypted value\)/);
  assert.ok(!run.stdout.includes("not base64 at all"));
});

// --- plan, apply, drift -------------------------------------------------------------------------------------------------

test("apply without the key: an error naming the file and the recipient, and nothing at all is applied", async () => {
  const dir = repoWith({ "mesh.yaml": "type: Mesh\nname: shop\n", "s.yaml": await encryptedSecret("db", "pw-1", "shop") });
  const state = stateDir();
  const refused = await runCli(["apply", "--state-dir", state], dir, NO_KEY);
  assert.equal(refused.code, 1);
  assert.match(refused.stdout + refused.stderr, new RegExp(`s\\.yaml:1:1: error: Secret/shop/db sops: s\\.yaml: no age key to decrypt it \\(it is encrypted for ${TEST_RECIPIENT}\\)`));
  assert.match(refused.stderr, /nothing was compared or applied/);
  const plan = await runCli(["plan", "--state-dir", state, "--format", "json"], dir, NO_KEY);
  const summary = (JSON.parse(plan.stdout) as { summary: { create: number } }).summary;
  assert.ok(summary.create >= 2, "the Mesh and the Secret are still to be created: nothing was written");
});

test("plan compares decrypted values in memory: unchanged, then changed (shown only as changed), unknown without the key", async () => {
  const repo = tempRepo();
  cleanups.push(repo.cleanup);
  commitFiles(repo.dir, { "mesh.yaml": "type: Mesh\nname: shop\n", "s.yaml": await encryptedSecret("db", "first-Pa55", "shop") });
  const state = stateDir();
  assert.equal((await runCli(["apply", "--state-dir", state], repo.dir)).code, 0);

  // Re-encrypted (new data key and IVs), same value: unchanged.
  commitFiles(repo.dir, { "s.yaml": await encryptedSecret("db", "first-Pa55", "shop") });
  const same = await runCli(["plan", "--state-dir", state], repo.dir);
  assert.equal(same.code, 0, same.stdout);
  assert.match(same.stdout, /No changes/);

  commitFiles(repo.dir, { "s.yaml": await encryptedSecret("db", "second-Pa55", "shop") });
  const changed = await runCli(["plan", "--state-dir", state], repo.dir);
  assert.equal(changed.code, 2, changed.stdout);
  assert.match(changed.stdout, /~ update Secret\/shop\/db\n[\s\S]*-data: \(redacted\)\n\s+\+data: \(redacted, changed\)\n/);

  const unknown = await runCli(["plan", "--state-dir", state, "--format", "json"], repo.dir, NO_KEY);
  assert.equal(unknown.code, 0, "without the key nothing else differs, so nothing is known to change");
  assert.deepEqual((JSON.parse(unknown.stdout) as { unknownValues: string[] }).unknownValues, ["Secret/shop/db"]);
  const text = await runCli(["plan", "--state-dir", state], repo.dir, NO_KEY);
  assert.match(text.stdout, /\? 1 resource is SOPS-encrypted and no age key was given: whether their values changed is unknown \(Secret\/shop\/db\)/);
  // drift says so too (README: plan and drift without the key say which values are unknown), rather than a bare "In sync."
  const driftJson = await runCli(["drift", "--state-dir", state, "--format", "json"], repo.dir, NO_KEY);
  assert.equal(driftJson.code, 0, driftJson.stderr);
  assert.deepEqual((JSON.parse(driftJson.stdout) as { unknownValues: string[] }).unknownValues, ["Secret/shop/db"]);
  const driftText = await runCli(["drift", "--state-dir", state], repo.dir, NO_KEY);
  assert.match(driftText.stdout, /^\? 1 resource is SOPS-encrypted and no age key was given: whether their values changed is unknown \(Secret\/shop\/db\); .*\nIn sync\.\n$/m);
  // A pull request's comment says it too: "no changes" alone would read as the Secret being the same.
  const planMarkdown = await runCli(["plan", "--state-dir", state, "--format", "markdown"], repo.dir, NO_KEY);
  assert.match(planMarkdown.stdout, /### ✅ meshops plan: no changes\n[\s\S]*\n> \[!NOTE\]\n> 1 resource is SOPS-encrypted and no age key was given: whether their values changed is unknown \(`Secret\/shop\/db`\)/);
  const driftMarkdown = await runCli(["drift", "--state-dir", state, "--format", "markdown"], repo.dir, NO_KEY);
  assert.match(driftMarkdown.stdout, /### ✅ meshops drift: in sync\n[\s\S]*\n> \[!NOTE\]\n> 1 resource is SOPS-encrypted and no age key was given: whether their values changed is unknown \(`Secret\/shop\/db`\)/);
  // And a CI's test report: the Secret's test case passes, with the note in its output (GitLab and Jenkins show a
  // case's <system-out>; a suite's is dropped by GitLab).
  const sealedCase = /<testcase name="Secret\/shop\/db" classname="meshops\.(plan|drift)\.shop" file="s\.yaml" line="1">\n\s*<system-out>1 resource is SOPS-encrypted and no age key was given: whether their values changed is unknown \(Secret\/shop\/db\); set SOPS_AGE_KEY_FILE or pass --sops-age-key-file to compare them<\/system-out>\n\s*<\/testcase>/;
  const planJunit = await runCli(["plan", "--state-dir", state, "--format", "junit"], repo.dir, NO_KEY);
  assert.equal(planJunit.code, 0, planJunit.stderr);
  assert.match(planJunit.stdout, sealedCase);
  assert.match(planJunit.stdout, /<testcase name="Mesh\/shop" [^>]*\/>/, "a resource whose values were all compared has no note");
  const driftJunit = await runCli(["drift", "--state-dir", state, "--format", "junit"], repo.dir, NO_KEY);
  assert.equal(driftJunit.code, 0, driftJunit.stderr);
  assert.match(driftJunit.stdout, sealedCase);
  assert.doesNotMatch(driftJunit.stdout, /<failure/, "a value not compared is not drift");
  // And code scanning: a note on the Secret's file, in the same words (not an error: a value not compared is not drift).
  type Sarif = { runs: { results: { ruleId: string; level: string; message: { text: string }; locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[] };
  const sealedResults = (out: string) => (JSON.parse(out) as Sarif).runs[0]?.results.filter((r) => /SOPS-encrypted/.test(r.message.text)) ?? [];
  const driftSarif = await runCli(["drift", "--state-dir", state, "--format", "sarif"], repo.dir, NO_KEY);
  assert.equal(driftSarif.code, 0, driftSarif.stderr);
  assert.deepEqual(
    sealedResults(driftSarif.stdout).map((r) => [r.ruleId, r.level, r.locations[0]?.physicalLocation.artifactLocation.uri, r.message.text]),
    [["drift/unknown-values", "note", "s.yaml", "1 resource is SOPS-encrypted and no age key was given: whether their values changed is unknown (Secret/shop/db); set SOPS_AGE_KEY_FILE or pass --sops-age-key-file to compare them"]],
  );
  // plan too, in the same words: "no changes" alone would read as the Secret being the same.
  const planSarif = await runCli(["plan", "--state-dir", state, "--format", "sarif"], repo.dir, NO_KEY);
  assert.equal(planSarif.code, 0, planSarif.stderr);
  assert.deepEqual(
    sealedResults(planSarif.stdout).map((r) => [r.ruleId, r.level, r.locations[0]?.physicalLocation.artifactLocation.uri, r.message.text]),
    [["plan/unknown-values", "note", "s.yaml", "1 resource is SOPS-encrypted and no age key was given: whether their values changed is unknown (Secret/shop/db); set SOPS_AGE_KEY_FILE or pass --sops-age-key-file to compare them"]],
  );
  assert.deepEqual(sealedResults((await runCli(["plan", "--state-dir", state, "--format", "sarif"], repo.dir)).stdout), [], "with the key every value is compared");
  const driftSarifWithKey = await runCli(["drift", "--state-dir", state, "--format", "sarif"], repo.dir);
  assert.deepEqual(sealedResults(driftSarifWithKey.stdout), [], "with the key every value is compared");
  const driftJunitWithKey = await runCli(["drift", "--state-dir", state, "--format", "junit"], repo.dir);
  assert.doesNotMatch(driftJunitWithKey.stdout, /SOPS-encrypted/, "with the key every value is compared");
  const driftWithKey = await runCli(["drift", "--state-dir", state, "--format", "json"], repo.dir);
  assert.equal((JSON.parse(driftWithKey.stdout) as { unknownValues?: string[] }).unknownValues, undefined, "with the key every value is compared");

  for (const out of [same, changed, unknown, text, planMarkdown, driftJson, driftText, driftMarkdown, planJunit, driftJunit, driftSarif, planSarif, driftSarifWithKey, driftJunitWithKey, driftWithKey].flatMap((r) => [r.stdout, r.stderr])) {
    for (const secret of ["first-Pa55", "second-Pa55", Buffer.from("first-Pa55").toString("base64"), Buffer.from("second-Pa55").toString("base64")]) assert.ok(!out.includes(secret), secret);
  }
});

test("write order: a Secret goes right after its Mesh, before services and policies", async () => {
  const dir = repoWith({
    "all.yaml": "type: MeshTimeout\nmesh: shop\nname: t\nspec:\n  targetRef:\n    kind: Mesh\n  to:\n    - targetRef:\n        kind: Mesh\n      default:\n        idleTimeout: 1h\n---\ntype: Mesh\nname: shop\nskipCreatingInitialPolicies: ['*']\n",
    "s.yaml": await encryptedSecret("db", "pw", "shop"),
  });
  const run = await runCli(["apply", "--state-dir", stateDir()], dir);
  assert.equal(run.code, 0, run.stderr);
  const order = [...run.stdout.matchAll(/✓ create (\S+)/g)].map((m) => m[1]);
  assert.deepEqual(order, ["Mesh/shop", "Secret/shop/db", "MeshTimeout/shop/t"]);
});

test("Secrets are admin-only on the control plane: a repository without Secrets plans through a refused Secret list; one with Secrets fails", async () => {
  const state = stateDir();
  const store = await openStore({ stateDir: state, skipMeshCreation: false });
  // The token may read policies but not Secrets, as a non-admin user's would (FACTS §2.7).
  const server = await startControlPlaneServer({ store, port: 0, faults: (req) => (/\/secrets(\/|\?|$)/.test(req.url ?? "") ? { status: 403, title: "Access Denied", detail: "user does not have access to the resource" } : undefined) });
  try {
    const plain = repoWith({ "t.yaml": "type: MeshTimeout\nname: t\nspec:\n  targetRef:\n    kind: Mesh\n  to:\n    - targetRef:\n        kind: Mesh\n      default:\n        idleTimeout: 1h\n" });
    const planned = await runCli(["plan", "--cp-url", server.url], plain);
    assert.equal(planned.code, 2, planned.stderr);
    const withSecret = repoWith({ "s.yaml": await encryptedSecret("db", "pw") });
    const refused = await runCli(["plan", "--cp-url", server.url], withSecret);
    assert.equal(refused.code, 1, refused.stdout);
    assert.match(refused.stderr, /Secret.*403/);
  } finally {
    await server.close();
    await store.close();
  }
});

test("drift does not report the Secrets the control plane makes for itself; any other Secret it did not write is unmanaged", () => {
  const live = (name: string): JsonObject => ({ type: "Secret", mesh: "shop", name, data: "eA==" });
  const report = classifyDrift([], [live("dataplane-token-signing-key-shop-1"), live("shop.ca-builtin-cert-ca-1"), live("shop.ca-builtin-key-ca-1"), live("hand-made")], { instance: "meshops" });
  assert.deepEqual(report.items.map((i) => `${i.kind} ${i.resource}`), ["unmanaged Secret/shop/hand-made"]);
  assert.match(report.items[0]?.diff ?? "", /data: \(redacted\)/);
});

test("the daemon's decryption cache: a file whose content did not change is not decrypted again; a changed one is", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "meshops-unseal-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, "s.yaml"), await encryptedSecret("db", "cached-Pa55"));
  const result = validateSnapshot(snapshotOf(dir, "r1"));
  const text = (file: string) => readFileSync(path.join(dir, file), "utf8");
  const cache = new DecryptionCache();
  const first = await unsealResources(result, text, TEST_KEY, cache);
  assert.equal(first.result.valid, true);
  assert.equal(first.result.resources[0]?.object.data, Buffer.from("cached-Pa55").toString("base64"));
  // A key that cannot decrypt it: the unchanged file comes from the cache.
  const stranger = [await generateX25519Identity()];
  const again = await unsealResources(result, text, stranger, cache);
  assert.deepEqual(again.result.resources[0]?.object, first.result.resources[0]?.object);
  cache.sweep();
  assert.equal(cache.size, 1, "used by the last run: kept");
  writeFileSync(path.join(dir, "s.yaml"), await encryptedSecret("db", "cached-Pa55"));
  const changed = await unsealResources(validateSnapshot(snapshotOf(dir, "r2")), text, stranger, cache);
  assert.equal(changed.result.valid, false, "re-encrypted content is decrypted again, and this key cannot");
  cache.sweep();
  assert.equal(cache.size, 0, "the old content is forgotten");
});

test("a plaintext stringData value that merely starts with ENC[ is encoded as Kubernetes encodes it, not taken for SOPS ciphertext", () => {
  const secret = (value: string): JsonObject => ({
    apiVersion: "v1",
    kind: "Secret",
    type: "system.kuma.io/secret",
    metadata: { name: "odd-password", namespace: "kuma-system", labels: { "kuma.io/mesh": "payments" } },
    stringData: { value },
  });
  const plaintext = "ENC[my password is in brackets]";
  assert.equal(secretFromKubernetes(secret(plaintext), ["kuma-system"]).object?.data, Buffer.from(plaintext, "utf8").toString("base64"));
  // A real SOPS value stays as it is, sealed until decrypted.
  const sealed = "ENC[AES256_GCM,data:3q2+7w==,iv:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:str]";
  assert.ok(isEncryptedValue(sealed), "the sample is written as SOPS writes a value");
  assert.equal(secretFromKubernetes(secret(sealed), ["kuma-system"]).object?.data, sealed);
});
