/**
 * No Secret value leaves meshops: every command in every output format, their error messages, and the daemon's status
 * API, status page, event stream, metrics and log are searched for the plaintext (and its base64) of sample-repo's
 * encrypted Secret and of a Secret rotated during the test. Real Git, the embedded control plane over HTTP, the real
 * `meshops watch` process.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { before, test } from "node:test";
import { encryptDocument } from "../src/secrets/sops.js";
import { REPORT_FORMATS } from "../src/report/common.js";
import { runCli, type CliRun } from "./helpers/cli.js";
import { startWatch, waitFor, type DaemonProcess } from "./helpers/daemon.js";
import { daemonTestBed, untilApplied } from "./helpers/daemonBed.js";
import { commitFiles, commitFolder, git, projectRoot } from "./helpers/git.js";

const RECIPIENT = /public key: (age1\w+)/.exec(readFileSync(path.join(projectRoot, "test", "fixtures", "sops", "test-age-key.txt"), "utf8"))?.[1] ?? "";
/** Plaintexts: sample-repo's Secret, and the two values of a Secret rotated below. */
const PLAINTEXTS = ["acq-live-key-SAMPLE-0042", "rotating-Secret-one-91b2", "rotating-Secret-two-c7d4"];
const FORBIDDEN = PLAINTEXTS.flatMap((p) => [p, Buffer.from(p).toString("base64"), Buffer.from(p).toString("base64").replace(/=+$/, "")]);

const bed = daemonTestBed("meshops-leak");
const { repo, work } = bed;
const shown: [string, string][] = [];

async function rotatingSecret(value: string): Promise<string> {
  const document = { type: "Secret", mesh: "payments", name: "rotating", data: Buffer.from(value).toString("base64") };
  return JSON.stringify(await encryptDocument(document, { recipients: [RECIPIENT], encryptedRegex: "^data$", lastModified: "2026-01-01T00:00:00Z" }));
}

function record(what: string, run: CliRun): CliRun {
  shown.push([`${what} (stdout)`, run.stdout], [`${what} (stderr)`, run.stderr]);
  return run;
}

const cli = (what: string, args: string[], env: NodeJS.ProcessEnv = {}) => runCli([...args, "--cp-url", bed.server.url], repo.dir, env).then((r) => record(what, r));

function assertNoLeak(): void {
  assert.ok(shown.length > 0);
  for (const [what, text] of shown) for (const secret of FORBIDDEN) assert.ok(!text.includes(secret), `${what} shows "${secret}"`);
}

before(async () => {
  await bed.open();
  commitFolder(repo.dir, path.join(projectRoot, "sample-repo"), "sample repository");
  commitFiles(repo.dir, { "meshes/payments/rotating.sops.yaml": await rotatingSecret(PLAINTEXTS[1] as string) }, "a secret to rotate");
});

test("CLI: validate, render, plan, apply, drift in every format, before and after a rotation, with and without the key", async () => {
  for (const format of REPORT_FORMATS) record(`validate --format ${format}`, await runCli(["validate", "--format", format], repo.dir));
  for (const format of ["yaml", "json", "kubernetes"]) {
    const run = record(`render --format ${format}`, await runCli(["render", "--format", format], repo.dir));
    assert.equal(run.code, 0, run.stderr);
  }
  for (const format of REPORT_FORMATS) assert.equal((await cli(`plan (creates) --format ${format}`, ["plan", "--format", format])).code, 2);
  const applied = await cli("apply --verbose", ["apply", "--verbose"]);
  assert.equal(applied.code, 0, applied.stderr);
  assert.match(applied.stdout, /✓ create Secret\/payments\/rotating/);

  // Rotate: every report now carries a change of that Secret.
  commitFiles(repo.dir, { "meshes/payments/rotating.sops.yaml": await rotatingSecret(PLAINTEXTS[2] as string) }, "rotate");
  for (const format of REPORT_FORMATS) {
    const plan = await cli(`plan (rotation) --format ${format}`, ["plan", "--format", format]);
    assert.equal(plan.code, 2, `${format}: ${plan.stderr}`);
    assert.ok(plan.stdout.includes("Secret/payments/rotating"), `${format} names the rotated Secret`);
    const drift = await cli(`drift --format ${format}`, ["drift", "--format", format]);
    assert.equal(drift.code, 2, `${format}: ${drift.stderr}`);
    const base = record(`plan --base --format ${format}`, await runCli(["plan", "--base", "HEAD~1", "--format", format], repo.dir));
    assert.equal(base.code, 2, `${format}: ${base.stderr}`);
  }
  for (const format of ["text", "json"]) record(`plan (rotation, no key) --format ${format}`, await runCli(["plan", "--format", format, "--cp-url", bed.server.url], repo.dir, { SOPS_AGE_KEY_FILE: "" }));
  record("apply --dry-run --format json", await cli("apply --dry-run", ["apply", "--dry-run", "--format", "json"]));
  const rotated = await cli("apply --format json", ["apply", "--format", "json"]);
  assert.equal(rotated.code, 0, rotated.stderr);

  // The control plane holds the real value (the plan compared it in memory): meshops wrote it, and showed none of it.
  const live = (await (await bed.cp("/meshes/payments/secrets/rotating")).json()) as { data: string };
  assert.equal(Buffer.from(live.data, "base64").toString(), PLAINTEXTS[2]);

  // Errors: a wrong key file, and a tampered file.
  const wrongKey = path.join(work, "wrong.key");
  writeFileSync(wrongKey, "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ\n");
  record("apply with a wrong key", await runCli(["apply", "--cp-url", bed.server.url, "--sops-age-key-file", wrongKey], repo.dir));
  assertNoLeak();
});

test("daemon: status API, status page, event stream, metrics and log show no Secret value", async () => {
  const daemon: DaemonProcess = await startWatch(["--repo", repo.dir, "--branch", "main", "--cp-url", bed.server.url, "--drift-interval", "300ms", "--drift-mode", "report"], { cwd: work });
  const head = git(repo.dir, "rev-parse", "HEAD");
  await untilApplied(daemon, head, 20_000);
  // Rotate back out of band: the daemon sees drift on the Secret (reports it), then a commit rotates it again.
  await bed.cp("/meshes/payments/secrets/rotating", {
    method: "PUT",
    body: JSON.stringify({ type: "Secret", mesh: "payments", name: "rotating", data: Buffer.from(PLAINTEXTS[1] as string).toString("base64") }),
  });
  await waitFor("drift on the Secret", async () => {
    const s = await daemon.status();
    return s.meshes.some((m) => m.drift?.items.some((i) => i.resource === "Secret/payments/rotating")) ? true : undefined;
  }, 20_000);
  const status = await (await fetch(`${daemon.url}/api/status`)).text();
  const page = await (await fetch(`${daemon.url}/`)).text();
  const metrics = await (await fetch(`${daemon.url}/metrics`)).text();
  const events = await firstEvent(`${daemon.url}/api/events`);
  shown.push(["GET /api/status", status], ["GET /", page], ["GET /metrics", metrics], ["GET /api/events", events], ["log", daemon.lines.join("\n")], ["stderr", daemon.stderr()]);
  assert.match(status, /Secret\/payments\/rotating/, "the drifted Secret is in the status, redacted");
  assertNoLeak();
});

/** The first server-sent event of a stream (the current status), then the connection is closed. */
async function firstEvent(url: string): Promise<string> {
  const controller = new AbortController();
  const res = await fetch(url, { signal: controller.signal });
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  let text = "";
  while (!text.includes("\n\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  controller.abort();
  return text;
}
