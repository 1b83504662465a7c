import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { parseAllDocuments } from "yaml";
import type { ControlPlaneServer } from "../src/cp/server.js";
import { MANAGED_BY_LABEL } from "../src/desired/ownership.js";
import type { JsonObject } from "../src/model/resource.js";
import { identityToRecipient } from "age-encryption";
import { readPrivateKey } from "openpgp";
import { parseAgeIdentities } from "../src/secrets/sops.js";
import { runCli, TEST_AGE_KEY_FILE, type CliRun } from "./helpers/cli.js";
import { commitFolder, git, projectRoot, tempRepo } from "./helpers/git.js";
import { sampleControlPlane, type SampleControlPlane } from "./helpers/sampleControlPlane.js";

/**
 * `meshops export` round trip (issue 16): sample-repo and an application namespace are applied to the embedded control
 * plane over HTTP; then resources meshops does not own are PUT by hand (a whole Mesh `legacy`, whose default policies
 * the control plane creates, and a policy in an owned mesh). Each export, committed to a new Git repository,
 * validates without an error or a server-field warning and plans (prune on) with no change against the control plane
 * it came from. `--adopt` exports the unowned ones too: the plan then only adds the ownership label to them.
 * sample-repo's Secret is exported SOPS-encrypted for the test age key (`--sops-age-recipient`), which the plan decrypts.
 */
const TOKEN = "export-roundtrip-token-41aa";
const env = { MESHOPS_CP_TOKEN: TOKEN };
const scratch = mkdtempSync(path.join(tmpdir(), "meshops-export-rt-out-"));
const cleanups: (() => void)[] = [() => rmSync(scratch, { recursive: true, force: true })];
/** The Secret sample-repo applies, and its value: never in clear in any exported file. */
const SECRET_FILE = "meshes/payments/secrets/acquirer-api-key.sops.yaml";
const SECRET_VALUE = "acq-live-key-SAMPLE-0042";
let recipient: string;
let sample: SampleControlPlane;
let server: ControlPlaneServer;

/** Resources PUT by hand: nobody's label on them. */
const UNOWNED: JsonObject[] = [
  { type: "Mesh", name: "legacy" },
  { type: "MeshRetry", mesh: "legacy", name: "legacy-retry", spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { tcp: { maxConnectAttempt: 2 } } }] } },
  { type: "MeshTimeout", mesh: "payments", name: "hand-made", labels: { team: "ops" }, spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: "5m" } }] } },
  // Another meshops instance's: never this one's to own, --adopt or not.
  { type: "MeshTimeout", mesh: "payments", name: "team-b-timeout", labels: { [MANAGED_BY_LABEL]: "team-b" }, spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: "7m" } }] } },
];
/** Where every export writes team-b's MeshTimeout, its label kept. */
const TEAM_B_FILE = "unmanaged/meshes/payments/meshtimeouts/team-b-timeout.yaml";

before(async () => {
  recipient = await identityToRecipient(parseAgeIdentities(readFileSync(TEST_AGE_KEY_FILE, "utf8"))[0] ?? "");
  sample = await sampleControlPlane(TOKEN, "meshops-export-rt-");
  server = sample.server;
  for (const object of UNOWNED) {
    const at = object.type === "Mesh" ? `/meshes/${object.name as string}` : `/meshes/${object.mesh as string}/${object.type === "MeshRetry" ? "meshretries" : "meshtimeouts"}/${object.name as string}`;
    const response = await fetch(server.url + at, { method: "PUT", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: JSON.stringify(object) });
    assert.ok(response.status === 200 || response.status === 201, `PUT ${at}: ${response.status} ${await response.text()}`);
  }
});
after(async () => {
  await sample.close();
  for (const cleanup of cleanups) cleanup();
});

const cli = (dir: string, ...args: string[]): Promise<CliRun> => runCli([...args, "--cp-url", server.url], dir, env);

/** Every resource with its server-set fields: what export must leave exactly as it was. */
async function everything(): Promise<string> {
  const response = await fetch(`${server.url}/meshes?size=1000`, { headers: { authorization: `Bearer ${TOKEN}` } });
  const meshes = ((await response.json()) as { items: JsonObject[] }).items;
  const out: JsonObject[] = [...meshes];
  for (const mesh of meshes) {
    for (const type of ["meshtimeouts", "meshretries", "meshcircuitbreakers", "meshtrafficpermissions", "meshservices", "meshhttproutes"]) {
      const list = await fetch(`${server.url}/meshes/${mesh.name as string}/${type}?size=1000`, { headers: { authorization: `Bearer ${TOKEN}` } });
      out.push(...((await list.json()) as { items: JsonObject[] }).items);
    }
  }
  return JSON.stringify(out);
}

/** Exports into a fresh directory, commits it as a Git repository, and returns the directory. */
async function exportRepo(name: string, ...flags: string[]): Promise<{ dir: string; run: CliRun }> {
  const dir = path.join(scratch, name);
  const run = await cli(scratch, "export", "--out", name, "--sops-age-recipient", recipient, ...flags);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  git(dir, "init", "-q", "-b", "main");
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "export");
  return { dir, run };
}

function filesOf(dir: string, under = ""): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(dir, under), { withFileTypes: true })) {
    if (entry.name === ".git") continue;
    const rel = under ? `${under}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...filesOf(dir, rel));
    else out.push(rel);
  }
  return out.sort();
}

interface ValidateReport {
  valid: boolean;
  diagnostics: { severity: string; rule: string; resource: string; message: string }[];
}
interface PlanReport {
  summary: { create: number; update: number; delete: number; unchanged: number };
  changes: { action: string; resource: string; diff: string }[];
}

/** Validates (no error, no server-field warning) and plans with prune on; returns the plan. */
async function roundTrip(dir: string): Promise<{ validate: ValidateReport; plan: PlanReport; code: number }> {
  const validateRun = await runCli(["validate", "--format", "json"], dir);
  const validate = JSON.parse(validateRun.stdout) as ValidateReport;
  assert.equal(validateRun.code, 0, validateRun.stdout);
  assert.deepEqual(validate.diagnostics.filter((d) => d.severity === "error" || d.rule === "server-field"), []);
  const planRun = await cli(dir, "plan", "--prune", "--format", "json");
  assert.notEqual(planRun.code, 1, planRun.stdout + planRun.stderr);
  return { validate, plan: JSON.parse(planRun.stdout) as PlanReport, code: planRun.code };
}

test("export (Universal, by mesh) validates and plans no change; unowned resources wait under unmanaged/; nothing is written to the control plane", async () => {
  const before = await everything();
  const { dir, run } = await exportRepo("universal");
  assert.equal(await everything(), before, "export changed nothing on the control plane");

  const files = filesOf(dir);
  assert.ok(files.includes("meshops.yaml"));
  assert.ok(files.includes(SECRET_FILE), files.join("\n"));
  assert.match(readFileSync(path.join(dir, SECRET_FILE), "utf8"), /^data: ENC\[AES256_GCM,[\s\S]*^sops:\n {2}age:\n {4}- recipient: age1/m);
  assert.ok(files.includes("meshes/payments/mesh.yaml"), files.join("\n"));
  assert.ok(files.some((f) => /^meshes\/payments\/meshtrafficpermissions\/[^/]+\.yaml$/.test(f)), files.join("\n"));
  // The control plane's defaults of the unowned Mesh are unowned too; the hand-made policy in an owned mesh as well.
  assert.ok(files.includes("unmanaged/meshes/legacy/mesh.yaml"));
  assert.ok(files.includes("unmanaged/meshes/legacy/meshretries/legacy-retry.yaml"));
  assert.ok(files.includes("unmanaged/meshes/legacy/meshretries/mesh-retry-all-legacy.yaml"));
  assert.ok(files.includes("unmanaged/meshes/payments/meshtimeouts/hand-made.yaml"));
  assert.match(readFileSync(path.join(dir, TEAM_B_FILE), "utf8"), /meshops\.io\/managed-by: team-b/);
  // Default policies identical to what meshops materializes are not files (payments keeps its defaults).
  assert.ok(!files.includes("meshes/payments/meshretries/mesh-retry-all-payments.yaml"), files.join("\n"));
  for (const file of files.filter((f) => f !== TEAM_B_FILE)) {
    const text = readFileSync(path.join(dir, file), "utf8");
    for (const field of ["creationTime", "modificationTime", "kri:", MANAGED_BY_LABEL, "kuma.io/zone", SECRET_VALUE, Buffer.from(SECRET_VALUE).toString("base64")]) {
      assert.ok(!text.includes(field), `${file} holds ${field}`);
    }
  }
  const config = readFileSync(path.join(dir, "meshops.yaml"), "utf8");
  assert.match(config, /version: 2\.14\.3/);
  assert.match(config, /skipDefaultMeshCreation: true/);
  assert.match(config, /- unmanaged\/\*\*/);
  assert.match(run.stdout, /not owned: 7 resources written under unmanaged\//);
  assert.match(run.stdout, /another instance's: 1 resource of meshops instance "team-b" \(1\) written under unmanaged\/, even with --adopt/);
  assert.match(run.stdout, /left out: \d+ default policies identical to what meshops materializes/);
  // The control plane serves Dataplanes and holds none: nothing was left out for it.
  assert.doesNotMatch(run.stdout, /not exported/);

  const { plan, code } = await roundTrip(dir);
  assert.equal(code, 0, JSON.stringify(plan.changes, null, 1));
  assert.deepEqual(plan.changes, []);
  assert.ok(plan.summary.unchanged > 60, `every owned resource is paired: ${plan.summary.unchanged}`);
});

test("export --shape kubernetes --layout by-type round-trips too", async () => {
  const { dir } = await exportRepo("kubernetes", "--shape", "kubernetes", "--layout", "by-type");
  const files = filesOf(dir);
  const secret = readFileSync(path.join(dir, "secrets/payments/acquirer-api-key.sops.yaml"), "utf8");
  assert.match(secret, /^apiVersion: v1\nkind: Secret\ntype: system\.kuma\.io\/secret\n[\s\S]*^data:\n {2}value: ENC\[AES256_GCM,/m);
  assert.ok(!secret.includes(Buffer.from(SECRET_VALUE).toString("base64")));
  assert.ok(files.includes("meshes/payments.yaml"), files.join("\n"));
  assert.ok(files.some((f) => f.startsWith("meshtrafficpermissions/payments/")));
  const mesh = parseAllDocuments(readFileSync(path.join(dir, "meshes/payments.yaml"), "utf8"))[0]?.toJS() as JsonObject;
  assert.equal(mesh.apiVersion, "kuma.io/v1alpha1");
  assert.equal(mesh.kind, "Mesh");
  const { plan, code } = await roundTrip(dir);
  assert.equal(code, 0, JSON.stringify(plan.changes, null, 1));
  assert.deepEqual(plan.changes, []);
});

test("without --sops-age-recipient, Secrets are left out and the summary says what prune would do to them", async () => {
  const run = await cli(scratch, "export", "--out", "no-secrets");
  assert.equal(run.code, 0, run.stderr);
  assert.ok(!filesOf(path.join(scratch, "no-secrets")).some((f) => f.includes("secrets/")));
  assert.match(run.stdout, /left out: 1 secret \(never written in clear text: pass --sops-age-recipient or --sops-pgp-recipient-file to write it SOPS-encrypted; until then `apply --prune` would delete it\)/);
  assert.ok(!run.stdout.includes(SECRET_VALUE));
});

test("--sops-pgp-recipient-file: the Secret is written for a PGP key, and plans no change with that key's private half", async () => {
  const flux = path.join(projectRoot, "test", "fixtures", "sops", "flux", "pgp.asc");
  const publicKey = (await readPrivateKey({ armoredKey: readFileSync(flux, "utf8") })).toPublic().armor();
  writeFileSync(path.join(scratch, "pgp-public.asc"), publicKey);
  const run = await cli(scratch, "export", "--out", "pgp", "--sops-pgp-recipient-file", "pgp-public.asc");
  assert.equal(run.code, 0, run.stderr);
  const dir = path.join(scratch, "pgp");
  const secret = readFileSync(path.join(dir, SECRET_FILE), "utf8");
  assert.match(secret, /^ {4}- created_at: .*\n {6}enc: \|-?\n {8}-----BEGIN PGP MESSAGE-----/m);
  assert.match(secret, /fp: 35C1A64CD7FC0AB6EB66756B2445463C3234ECE1/);
  git(dir, "init", "-q", "-b", "main");
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "export");
  const plan = await runCli(["plan", "--prune", "--format", "json", "--cp-url", server.url, "--sops-pgp-key-file", flux], dir, { ...env, SOPS_AGE_KEY_FILE: "" });
  assert.equal(plan.code, 0, plan.stdout + plan.stderr);
  assert.deepEqual((JSON.parse(plan.stdout) as PlanReport).changes, []);
});

test("export refuses a non-empty --out unless --force", async () => {
  const dir = path.join(scratch, "busy");
  mkdirSync(dir);
  writeFileSync(path.join(dir, "notes.txt"), "mine\n");
  const refused = await cli(scratch, "export", "--out", "busy");
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /--out busy is not empty; choose an empty directory or pass --force/);
  assert.ok(!existsSync(path.join(dir, "meshops.yaml")), "nothing written");
  const forced = await cli(scratch, "export", "--out", "busy", "--force");
  assert.equal(forced.code, 0, forced.stderr);
  assert.equal(readFileSync(path.join(dir, "notes.txt"), "utf8"), "mine\n");
  assert.ok(existsSync(path.join(dir, "meshops.yaml")));
});

// Last: it changes the control plane (the adopted resources get the ownership label).
test("export --adopt --layout flat: the plan only adds the ownership label to what was not owned; after apply, no change", async () => {
  const { dir, run } = await exportRepo("adopted", "--adopt", "--layout", "flat");
  // The legacy Mesh's four defaults, left out as materialized, are adopted too: the summary counts what the plan adopts.
  assert.match(run.stdout, /adopted: 7 resources not owned by meshops until now \(4 of them default policies meshops materializes\); the next apply adds the ownership label/);
  // Only another instance's resource stays under unmanaged/: owning it, each instance's apply would take it back.
  assert.deepEqual(filesOf(dir).filter((f) => f.startsWith("unmanaged/")), ["unmanaged/meshes/payments.yaml"]);
  assert.match(readFileSync(path.join(dir, "unmanaged/meshes/payments.yaml"), "utf8"), /^name: team-b-timeout$[\s\S]*meshops\.io\/managed-by: team-b/m);
  assert.match(run.stdout, /another instance's: 1 resource of meshops instance "team-b" \(1\)/);
  assert.ok(filesOf(dir).includes("meshes/legacy.yaml"));
  const { plan, code } = await roundTrip(dir);
  assert.equal(code, 2);
  // The legacy Mesh's defaults are left out (materialized), so they are updated by the materialized copies.
  const updated = plan.changes.map((c) => `${c.action} ${c.resource}`).sort();
  assert.deepEqual(updated, [
    "update Mesh/legacy",
    "update MeshCircuitBreaker/legacy/mesh-circuit-breaker-all-legacy",
    "update MeshRetry/legacy/legacy-retry",
    "update MeshRetry/legacy/mesh-retry-all-legacy",
    "update MeshTimeout/legacy/mesh-gateways-timeout-all-legacy",
    "update MeshTimeout/legacy/mesh-timeout-all-legacy",
    "update MeshTimeout/payments/hand-made",
  ]);
  for (const change of plan.changes) {
    // Only the label is added (with its `labels:` key when the resource had no labels).
    const edits = change.diff.split("\n").filter((l) => /^[-+](?![-+])/.test(l) && l !== "+labels:");
    assert.deepEqual(edits, [`+  ${MANAGED_BY_LABEL}: meshops`], `${change.resource}: only the label is added\n${change.diff}`);
  }
  const apply = await cli(dir, "apply");
  assert.equal(apply.code, 0, apply.stdout + apply.stderr);
  const again = await roundTrip(dir);
  assert.equal(again.code, 0);
  assert.deepEqual(again.plan.changes, []);
});

test("export reads the embedded control plane from its state directory", async () => {
  const repo = tempRepo("meshops-export-rt-embedded-");
  cleanups.push(repo.cleanup);
  commitFolder(repo.dir, path.join(projectRoot, "sample-repo"), "sample-repo");
  const embedded = path.join(scratch, "embedded-state");
  const apply = await runCli(["apply", "--state-dir", embedded], repo.dir);
  assert.equal(apply.code, 0, apply.stdout + apply.stderr);
  const exported = await runCli(["export", "--out", "out", "--sops-age-recipient", recipient, "--state-dir", embedded], scratch);
  assert.equal(exported.code, 0, exported.stderr);
  const dir = path.join(scratch, "out");
  git(dir, "init", "-q", "-b", "main");
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "export");
  const plan = await runCli(["plan", "--prune", "--format", "json", "--state-dir", embedded], dir);
  assert.equal(plan.code, 0, plan.stdout + plan.stderr);
  assert.deepEqual((JSON.parse(plan.stdout) as PlanReport).changes, []);
});

test("export reads a state directory as the product that wrote it: a Kong Mesh one keeps its MeshOPA policies, and says kong-mesh", async () => {
  const repo = tempRepo("meshops-export-rt-kong-");
  cleanups.push(repo.cleanup);
  commitFolder(repo.dir, path.join(projectRoot, "examples", "kong-mesh"), "kong-mesh example");
  for (const [name, recorded] of [["kong-state", true], ["kong-state-unrecorded", false]] as const) {
    const embedded = path.join(scratch, name);
    const apply = await runCli(["apply", "--state-dir", embedded], repo.dir);
    assert.equal(apply.code, 0, apply.stdout + apply.stderr);
    const statePath = path.join(embedded, "state.json");
    const state = JSON.parse(readFileSync(statePath, "utf8")) as Record<string, unknown>;
    assert.equal(state.product, "kong-mesh", "state.json records the product it was created as");
    // A state directory of an older meshops records none: what it holds says (a Kong Mesh kind).
    if (!recorded) writeFileSync(statePath, JSON.stringify({ ...state, product: undefined }));
    const out = `out-${name}`;
    const exported = await runCli(["export", "--out", out, "--state-dir", embedded], scratch);
    assert.equal(exported.code, 0, exported.stderr);
    assert.match(exported.stdout + exported.stderr, /meshops\.yaml: kong-mesh 2\.14\.3/);
    assert.deepEqual(readdirSync(path.join(scratch, out, "meshes", "default", "meshopas")).sort(), ["mopa-1.yaml", "mopa-gateway.kong-mesh-system.yaml"]);
  }
});

test("export counts what it leaves out of kinds meshops does not manage: a Dataplane kuma-dp registered", async () => {
  const dataplane = { type: "Dataplane", mesh: "payments", name: "web-1", networking: { address: "10.0.0.7", inbound: [{ port: 8080, tags: { "kuma.io/service": "web" } }] } };
  const response = await fetch(`${server.url}/meshes/payments/dataplanes/web-1`, { method: "PUT", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: JSON.stringify(dataplane) });
  assert.ok(response.status === 200 || response.status === 201, `PUT: ${response.status} ${await response.text()}`);
  const { dir, run } = await exportRepo("with-dataplane");
  assert.match(run.stdout, /^ {2}not exported: 1 Dataplane \(kuma-dp registers them; meshops\.yaml's resources\.dataplanes manages them\)$/m);
  assert.ok(!filesOf(dir).some((file) => file.includes("dataplanes")), filesOf(dir).join("\n"));
});

test("export reads a state directory as the version that wrote it: a 2.10 one says 2.10.11, and the repository then plans no change", async () => {
  const repo = tempRepo("meshops-export-rt-version-");
  cleanups.push(repo.cleanup);
  writeFileSync(path.join(repo.dir, "meshops.yaml"), "controlPlane: {version: 2.10.11, skipDefaultMeshCreation: true}\n");
  writeFileSync(path.join(repo.dir, "keep.yaml"), "type: Mesh\nname: keep\n");
  git(repo.dir, "add", "-A");
  git(repo.dir, "commit", "-q", "-m", "2.10");
  const embedded = path.join(scratch, "state-2.10");
  const apply = await runCli(["apply", "--state-dir", embedded, "--yes"], repo.dir);
  assert.equal(apply.code, 0, apply.stdout + apply.stderr);
  const exported = await runCli(["export", "--out", "out-2.10", "--state-dir", embedded], scratch);
  assert.equal(exported.code, 0, exported.stderr);
  assert.match(exported.stdout, /meshops\.yaml: kuma 2\.10\.11,/);
  const dir = path.join(scratch, "out-2.10");
  assert.match(readFileSync(path.join(dir, "meshops.yaml"), "utf8"), /version: 2\.10\.11/);
  const journal = readFileSync(path.join(embedded, "journal-1.log"));
  git(dir, "init", "-q", "-b", "main");
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "export");
  const plan = await runCli(["plan", "--format", "json", "--state-dir", embedded], dir);
  assert.equal(plan.code, 0, plan.stdout + plan.stderr);
  assert.deepEqual((JSON.parse(plan.stdout) as PlanReport).changes, []);
  assert.ok(readFileSync(path.join(embedded, "journal-1.log")).equals(journal), "a plan writes nothing to the control plane's state");
});
