/**
 * `meshops watch` end to end: a real Git repository in a temporary folder (sample-repo committed to it), the daemon as
 * a child process, and the embedded control plane served over HTTP in this process (so the test can edit it out of
 * band, take it away and bring it back). The tests run in order against one daemon; each bounds its own waiting.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { before, test } from "node:test";
import { signatureOf } from "../src/daemon/webhook.js";
import { METRIC_NAMES } from "../src/daemon/metrics.js";
import { runCli } from "./helpers/cli.js";
import { exitWithin, startWatch, waitFor, type DaemonProcess } from "./helpers/daemon.js";
import { daemonTestBed, untilStatus as untilStatusOf } from "./helpers/daemonBed.js";
import type { StatusJson } from "../src/daemon/statusTypes.js";
import { commitFiles, commitFolder, git, projectRoot } from "./helpers/git.js";
import { meshTimeoutYaml } from "./helpers/policies.js";

const CP_TOKEN = "cp-token-never-logged-7c1e";
const WEBHOOK_SECRET = "webhook-secret-never-logged-91ab";
const RECONCILE_TOKEN = "reconcile-token-never-logged-5d2f";

const bed = daemonTestBed("meshops-daemon", { token: CP_TOKEN });
const repo = bed.repo;
let daemon: DaemonProcess;

/** A policy of this test, Universal shape, in a file of its own (meshes/<mesh>/ satisfies the tenancy rule). */
const policy = (mesh: string, name: string, idleTimeout: string) => meshTimeoutYaml(name, mesh, idleTimeout);

/** A resource as the control plane has it now (undefined when absent). */
async function live(mesh: string, name: string): Promise<{ spec: { to: { default: { idleTimeout?: string } }[] }; labels?: Record<string, string> } | undefined> {
  const res = await bed.cp(`/meshes/${mesh}/meshtimeouts/${name}`);
  if (res.status === 404) return undefined;
  assert.equal(res.status, 200);
  return (await res.json()) as { spec: { to: { default: { idleTimeout?: string } }[] } };
}
const idleTimeoutOf = async (mesh: string, name: string) => (await live(mesh, name))?.spec.to[0]?.default.idleTimeout;

async function putLive(mesh: string, name: string, idleTimeout: string): Promise<void> {
  const current = await live(mesh, name);
  const res = await bed.cp(`/meshes/${mesh}/meshtimeouts/${name}`, {
    method: "PUT",
    body: JSON.stringify({
      type: "MeshTimeout",
      mesh,
      name,
      ...(current?.labels ? { labels: Object.fromEntries(Object.entries(current.labels).filter(([k]) => !k.startsWith("kuma.io/"))) } : {}),
      spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout } }] },
    }),
  });
  assert.ok(res.ok, `PUT ${mesh}/${name}: ${res.status}`);
}

/** Waits until the daemon's status satisfies `check` (which returns a value when it does). */
const untilStatus = <T>(what: string, check: (s: StatusJson) => T | undefined, timeoutMs = 10_000): Promise<T> => untilStatusOf(daemon, what, check, timeoutMs);

before(async () => {
  await bed.open();
  commitFolder(repo.dir, path.join(projectRoot, "sample-repo"), "sample repository");
  commitFiles(repo.dir, { "meshes/payments/daemon-test.yaml": policy("payments", "daemon-test", "1m") }, "add daemon-test");
  daemon = await startWatch(
    [
      "--repo", repo.dir,
      "--branch", "main",
      "--cp-url", bed.server.url,
      "--token-file", bed.secretFile("cp-token", CP_TOKEN),
      "--drift-interval", "500ms",
      "--webhook-secret-file", bed.secretFile("webhook-secret", WEBHOOK_SECRET),
      "--reconcile-token-file", bed.secretFile("reconcile-token", RECONCILE_TOKEN),
    ],
    { cwd: bed.work },
  );
});

test("the branch is applied at startup, and /readyz turns ready once it is", async () => {
  const head = git(repo.dir, "rev-parse", "HEAD");
  const status = await untilStatus("the first sync", (s) => (s.revision.applied?.commit === head ? s : undefined));
  assert.equal(status.ready, true);
  assert.equal((await fetch(`${daemon.url}/readyz`)).status, 200);
  assert.equal((await fetch(`${daemon.url}/healthz`)).status, 200);
  assert.equal(status.revision.applied?.message, "add daemon-test");
  assert.equal(status.revision.applied?.author, "meshops tests");
  assert.deepEqual(
    status.meshes.map((m) => [m.name, m.state, m.driftMode]),
    [
      ["_global", "in-sync", "report"], // sample-repo's global resources (its HostnameGenerator): a unit of their own
      ["analytics", "in-sync", "report"],
      ["default", "in-sync", "report"],
      ["edge", "in-sync", "report"],
      ["payments", "in-sync", "correct"],
    ],
  );
  assert.equal(await idleTimeoutOf("payments", "daemon-test"), "1m0s");
  // The daemon's apply leaves nothing for `meshops drift` to find.
  const drift = await runCli(["drift", "--cp-url", bed.server.url], repo.dir, { MESHOPS_CP_TOKEN: CP_TOKEN });
  assert.equal(drift.code, 0, drift.stdout + drift.stderr);
});

// Speed is the benchmark's to measure (npm run bench: commit to applied); here only that every commit is seen and applied.
test("each new commit is seen by the watcher and applied", async (t) => {
  const latencies: number[] = [];
  for (const value of ["2m", "3m", "4m"]) {
    const committed = Date.now();
    commitFiles(repo.dir, { "meshes/payments/daemon-test.yaml": policy("payments", "daemon-test", value) }, `idle timeout ${value}`);
    await waitFor(`idleTimeout ${value} on the control plane`, async () => ((await idleTimeoutOf("payments", "daemon-test")) === `${value}0s` ? true : undefined), 10_000, 10);
    latencies.push(Date.now() - committed);
  }
  t.diagnostic(`commit to applied: ${latencies.join(", ")} ms`);
});

let lastGood = "";
test("an invalid file in one mesh holds back that mesh only: another mesh's change in the same commit is applied, the errors in the status with file:line", async () => {
  lastGood = git(repo.dir, "rev-parse", "HEAD");
  const bad = commitFiles(
    repo.dir,
    {
      // A valid change in payments next to an invalid file in analytics: payments gets it, analytics keeps its revision.
      "meshes/payments/daemon-test.yaml": policy("payments", "daemon-test", "9m"),
      "meshes/analytics/broken.yaml": policy("analytics", "broken", "10m").replace("idleTimeout", "idleTimout"),
    },
    "a typo",
  );
  // The validation and the reconcile's record are published one after the other: wait for the sync run of this
  // revision (a periodic drift check may be recorded after it, at the same revision).
  const syncOf = (s: StatusJson) => s.reconciles.find((r) => r.kind === "sync" && r.revision === bad);
  const status = await untilStatus("the invalid commit to be validated and recorded", (s) =>
    s.validation?.revision === bad && syncOf(s) ? s : undefined,
  );
  assert.equal(status.validation?.valid, false);
  const error = status.validation?.diagnostics.find((d) => d.file === "meshes/analytics/broken.yaml" && /idleTimout/.test(d.message));
  assert.ok(error && error.line > 0 && error.column > 0, JSON.stringify(status.validation));
  // The same diagnostics, file:line:column included, as `meshops validate` gives for that commit (but info items, which
  // the status leaves out as text reports do: a Secret the gateway names that the repository does not define is one).
  const validate = await runCli(["validate", "--format", "json", "--ref", bad], repo.dir);
  const shown = (JSON.parse(validate.stdout) as { diagnostics: { severity: string }[] }).diagnostics.filter((d) => d.severity !== "info");
  assert.deepEqual(status.validation?.diagnostics, shown);
  // "Applied" is the last revision every mesh has: analytics does not have this one.
  assert.equal(status.revision.applied?.commit, lastGood);
  assert.equal(status.revision.attempted?.commit, bad);
  assert.equal(status.revision.attempted?.valid, false);
  assert.equal(syncOf(status)?.result, "invalid");
  assert.equal(await idleTimeoutOf("payments", "daemon-test"), "9m0s");
  assert.equal(await live("analytics", "broken"), undefined);
  const mesh = (name: string) => status.meshes.find((m) => m.name === name);
  assert.deepEqual([mesh("payments")?.state, mesh("payments")?.appliedRevision, mesh("payments")?.headApplied], ["in-sync", bad, true]);
  assert.deepEqual([mesh("analytics")?.state, mesh("analytics")?.appliedRevision, mesh("analytics")?.headApplied], ["invalid", lastGood, false]);
  assert.match(mesh("analytics")?.reason ?? "", /^2 validation errors at [0-9a-f]{12}, first meshes\/analytics\/broken\.yaml:\d+:\d+: MeshTimeout\/analytics\/broken /);
  for (const name of ["default", "edge"]) assert.equal(mesh(name)?.state, "in-sync", name);
  const metrics = await (await fetch(`${daemon.url}/metrics`)).text();
  assert.match(metrics, /meshops_mesh_state\{mesh="analytics",state="invalid"\} 1/);
  assert.match(metrics, /meshops_mesh_head_applied\{mesh="analytics"\} 0/);
  assert.match(metrics, /meshops_mesh_head_applied\{mesh="payments"\} 1/);
  await daemon.untilLog("the diagnostic as a log line", (e) => e.event === "validation.error" && e.file === "meshes/analytics/broken.yaml" && e.line === error.line);
});

test("a later valid commit is applied, with the change the invalid one carried", async () => {
  const fixed = commitFiles(repo.dir, { "meshes/analytics/broken.yaml": policy("analytics", "broken", "10m") }, "fix the typo");
  const status = await untilStatus("the fix to be applied", (s) => (s.revision.applied?.commit === fixed ? s : undefined));
  assert.equal(status.validation?.valid, true);
  assert.equal(status.meshes.find((m) => m.name === "analytics")?.state, "in-sync");
  assert.equal(await idleTimeoutOf("payments", "daemon-test"), "9m0s");
  assert.equal(await idleTimeoutOf("analytics", "broken"), "10m0s");
});

test("an out-of-band edit in a report-mode mesh is reported, not reverted", async () => {
  await putLive("analytics", "broken", "42m");
  const mesh = await untilStatus("the drift to be reported", (s) => {
    const m = s.meshes.find((x) => x.name === "analytics");
    return m?.drift?.items.some((i) => i.resource === "MeshTimeout/analytics/broken" && i.kind === "modified") ? m : undefined;
  });
  assert.equal(mesh.state, "drifted");
  assert.match(mesh.drift?.items[0]?.diff ?? "", /-\s+idleTimeout: 42m0s\n\+\s+idleTimeout: 10m0s/);
  // Several more drift checks later, the edit is still there.
  const checked = mesh.drift?.checkedAt ?? "";
  await untilStatus("two more drift checks", (s) => (s.reconciles.filter((r) => r.kind === "drift").length >= 2 && s.meshes.find((m) => m.name === "analytics")?.drift?.checkedAt !== checked ? true : undefined));
  assert.equal(await idleTimeoutOf("analytics", "broken"), "42m0s");
  const metrics = await (await fetch(`${daemon.url}/metrics`)).text();
  assert.match(metrics, /meshops_drift_items\{mesh="analytics",kind="modified"\} 1/);
});

test("an out-of-band edit or delete in a correct-mode mesh is reverted", async () => {
  await putLive("payments", "daemon-test", "77m");
  const del = await bed.cp("/meshes/payments/meshtimeouts/ledger-timeouts.kuma-system", { method: "DELETE" });
  assert.equal(del.status, 200);
  await waitFor("the edit to be reverted", async () => ((await idleTimeoutOf("payments", "daemon-test")) === "9m0s" ? true : undefined), 10_000);
  await waitFor("the deleted policy to be back", async () => ((await live("payments", "ledger-timeouts.kuma-system")) ? true : undefined), 10_000);
  const status = await untilStatus("a corrected drift check", (s) => (s.reconciles.some((r) => r.kind === "drift" && r.result === "corrected") ? s : undefined));
  assert.equal(status.meshes.find((m) => m.name === "payments")?.state, "in-sync");
  await daemon.untilLog("the correction as a log line", (e) => e.event === "change.applied" && e.resource === "MeshTimeout/payments/ledger-timeouts.kuma-system");
});

test("the webhook takes a correctly signed push and refuses a bad or missing signature", async () => {
  const body = JSON.stringify({ ref: "refs/heads/main", after: git(repo.dir, "rev-parse", "HEAD"), pusher: { name: "someone" } });
  const post = (headers: Record<string, string>) =>
    fetch(`${daemon.url}/api/webhook`, { method: "POST", headers: { "content-type": "application/json", "x-github-event": "push", ...headers }, body });
  assert.equal((await post({})).status, 401);
  assert.equal((await post({ "x-hub-signature-256": signatureOf("wrong secret", Buffer.from(body)) })).status, 401);
  assert.equal((await post({ "x-hub-signature-256": "sha256=" + "0".repeat(64) })).status, 401);
  const accepted = await post({ "x-hub-signature-256": signatureOf(WEBHOOK_SECRET, Buffer.from(body)), "x-github-delivery": "delivery-1" });
  assert.equal(accepted.status, 202);
  // The branch has not moved, so the run it queues finds nothing to do (the remote test sees a webhook fetch a push).
  await daemon.untilLog("the accepted delivery", (e) => e.event === "webhook.received" && e.status === 202 && e.delivery === "delivery-1");
  const otherBranch = JSON.stringify({ ref: "refs/heads/feature" });
  const ignored = await fetch(`${daemon.url}/api/webhook`, {
    method: "POST",
    headers: { "x-github-event": "push", "x-hub-signature-256": signatureOf(WEBHOOK_SECRET, Buffer.from(otherBranch)) },
    body: otherBranch,
  });
  assert.equal(ignored.status, 200);
  assert.match(JSON.stringify(await ignored.json()), /not refs\/heads\/main/);
});

test("POST /api/reconcile needs the reconcile token", async () => {
  const post = (authorization?: string) => fetch(`${daemon.url}/api/reconcile`, { method: "POST", headers: authorization ? { authorization } : {} });
  assert.equal((await post()).status, 401);
  assert.equal((await post("Bearer not-the-token")).status, 401);
  const before = (await daemon.status()).reconciles[0]?.id ?? 0;
  assert.equal((await post(`Bearer ${RECONCILE_TOKEN}`)).status, 202);
  const status = await untilStatus("a reconcile asked for through the API", (s) => (s.reconciles.some((r) => r.id > before && r.reasons.includes("api")) ? s : undefined));
  assert.equal(status.endpoints.reconcile, true);
  assert.equal((await fetch(`${daemon.url}/api/reconcile`)).status, 405);
});

test("the control plane going away and coming back converges", async () => {
  await bed.server.close();
  const commit = commitFiles(repo.dir, { "meshes/payments/daemon-test.yaml": policy("payments", "daemon-test", "11m") }, "while the control plane is away");
  const status = await untilStatus("the failure to show", (s) => (s.reconciles.some((r) => r.revision === commit && r.result === "error") ? s : undefined), 15_000);
  assert.notEqual(status.revision.applied?.commit, commit);
  assert.match(status.lastError?.message ?? "", /ECONNREFUSED|connect|refused/i);
  // What the control plane holds is not known now: no mesh claims to be in sync.
  for (const mesh of status.meshes) {
    assert.equal(mesh.state, "unknown", mesh.name);
    assert.match(mesh.reason, /^control plane: /);
  }
  await bed.restartServer();
  await untilStatus("the commit to be applied once the control plane is back", (s) => (s.revision.applied?.commit === commit ? true : undefined), 20_000);
  assert.equal(await idleTimeoutOf("payments", "daemon-test"), "11m0s");
  await daemon.untilLog("a retry scheduled", (e) => e.event === "retry.scheduled");
});

test("/api/events streams the status as server-sent events", async () => {
  const controller = new AbortController();
  const res = await fetch(`${daemon.url}/api/events`, { signal: controller.signal });
  assert.equal(res.headers.get("content-type"), "text/event-stream");
  const reader = res.body?.getReader();
  let text = "";
  while (reader && !text.includes("\n\n")) text += new TextDecoder().decode((await reader.read()).value);
  controller.abort();
  assert.match(text, /^event: status\ndata: \{"repository"/);
  assert.equal((JSON.parse(text.split("data: ")[1] ?? "{}") as StatusJson).ready, true);
});

test("/metrics exposes the daemon's metrics", async () => {
  const res = await fetch(`${daemon.url}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /text\/plain/);
  const text = await res.text();
  for (const name of METRIC_NAMES) assert.match(text, new RegExp(`^# TYPE ${name} `, "m"), name);
  assert.match(text, /meshops_reconcile_total\{kind="sync",result="applied"\} \d+/);
  assert.match(text, /meshops_backend_requests_total\{method="PUT",status="200"\} \d+/);
  assert.match(text, /meshops_resources\{mesh="payments",state="in-sync"\} \d+/);
  assert.match(text, /meshops_mesh_state\{mesh="payments",state="in-sync"\} 1/);
  assert.match(text, /meshops_mesh_state\{mesh="payments",state="failed"\} 0/);
  assert.match(text, /meshops_mesh_applied_revision_age_seconds\{mesh="payments"\} \d/);
  assert.match(text, /meshops_ready 1/);
  assert.match(text, /process_resident_memory_bytes \d+/);
});

test("SIGTERM exits 0; the log is JSON lines, each about a revision or a resource, and never holds a secret", async () => {
  daemon.child.kill("SIGTERM");
  const { code } = await exitWithin(daemon, 10_000);
  assert.equal(code, 0, daemon.stderr());
  assert.ok(daemon.lines.length > 50);
  const events = daemon.lines.map((line) => JSON.parse(line) as { event?: string; revision?: string; resource?: string; level: string; time: string });
  for (const e of events) assert.ok(e.event && e.level && e.time, JSON.stringify(e));
  for (const e of events.filter((x) => x.event?.startsWith("change.") || x.event === "drift.detected")) assert.ok(e.resource, JSON.stringify(e));
  for (const e of events.filter((x) => x.event === "reconcile.done" || x.event === "reconcile.start")) assert.ok(e.revision !== undefined, JSON.stringify(e));
  assert.equal(events.at(-1)?.event, "daemon.stopped");
  const everything = daemon.lines.join("\n") + daemon.stderr();
  for (const secret of [CP_TOKEN, WEBHOOK_SECRET, RECONCILE_TOKEN]) assert.ok(!everything.includes(secret), "a secret was logged");
});
