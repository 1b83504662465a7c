/** The daemon's pure parts, without timers, processes or sockets: queue, decisions, backoff, webhook, per-mesh views, status. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_CONFIG, parseRepoConfig } from "../src/config/repoConfig.js";
import type { DriftReport } from "../src/diff/drift.js";
import type { Change, Plan } from "../src/diff/plan.js";
import type { ChangeSet } from "../src/sync/apply.js";
import { backoffDelay, withJitter } from "../src/util/backoff.js";
import { createLogger } from "../src/daemon/logger.js";
import { eventLogger } from "../src/daemon/eventLog.js";
import { errorMessage, withoutCredentials } from "../src/util/errorMessage.js";
import { inventoryByMesh } from "../src/daemon/inventory.js";
import { applyResultsByMesh, driftModeOf } from "../src/sync/meshes.js";
import { driftAfterApply, remainingDrift, restrictPlan } from "../src/sync/remaining.js";
import { classifyDrift, driftReportOf } from "../src/diff/drift.js";
import { planChanges } from "../src/diff/plan.js";
import { CoalescingQueue, mergeWork, onlyForcedByRetry, workFor } from "../src/daemon/queue.js";
import { decideRun } from "../src/daemon/reconciler.js";
import { isRemoteRepository } from "../src/daemon/source.js";
import { DaemonMetrics } from "../src/daemon/metrics.js";
import { DaemonStatus } from "../src/daemon/status.js";
import type { CommitInfo } from "../src/daemon/statusTypes.js";
import { answerWebhook, bearerMatches, signatureOf, verifySignature } from "../src/daemon/webhook.js";
import type { Resource } from "../src/model/resource.js";
import type { Diagnostic } from "../src/model/diagnostic.js";
import { LAST_CHECK_RETRIES, recheckDelays, UnsureWrites } from "../src/daemon/recheck.js";

test("one run at a time: triggers during a run coalesce into a single pending run", () => {
  const queue = new CoalescingQueue();
  assert.equal(queue.offer({ kind: "startup" }), true, "idle: start now");
  const first = queue.start();
  assert.deepEqual(first?.reasons, ["startup"]);
  assert.equal(queue.start(), undefined, "no second run while one is in flight");
  for (let i = 0; i < 40; i++) assert.equal(queue.offer({ kind: "commit" }), false, "busy: the running drain picks it up");
  assert.equal(queue.offer({ kind: "drift-timer" }), false);
  queue.finish();
  const next = queue.start();
  assert.deepEqual(next, { fetch: false, force: false, drift: true, reasons: ["commit", "drift-timer"], triggers: 41 });
  queue.finish();
  assert.equal(queue.start(), undefined, "a burst became exactly one run");
});

test("what each trigger asks for, and merging keeps every request", () => {
  assert.deepEqual(workFor({ kind: "commit" }), { fetch: false, force: false, drift: false, reasons: ["commit"], triggers: 1 });
  assert.equal(workFor({ kind: "poll" }).fetch, true);
  assert.equal(workFor({ kind: "webhook" }).force, false, "a push that changed nothing needs no re-apply");
  assert.deepEqual(workFor({ kind: "api" }), { fetch: true, force: true, drift: false, reasons: ["api"], triggers: 1 });
  const merged = mergeWork(workFor({ kind: "retry" }), workFor({ kind: "drift-timer" }));
  assert.deepEqual(merged, { fetch: true, force: true, drift: true, reasons: ["retry", "drift-timer"], triggers: 2 });
  // A retry merged with a poll or a drift tick is still only the retry's force; with the API's or a recheck's, not.
  assert.equal(onlyForcedByRetry(mergeWork(merged, workFor({ kind: "poll" }))), true);
  assert.equal(onlyForcedByRetry(mergeWork(merged, workFor({ kind: "api" }))), false);
  assert.equal(onlyForcedByRetry(mergeWork(workFor({ kind: "recheck" }), workFor({ kind: "retry" }))), false);
  assert.equal(onlyForcedByRetry(workFor({ kind: "poll" })), false, "not forced at all");
});

test("decideRun: a new revision is synced; an old one only when forced; drift against the last valid one", () => {
  const last = { validated: "a", valid: true, target: "applied" as const };
  const work = (force: boolean, drift: boolean) => ({ force, drift });
  assert.equal(decideRun(work(false, false), "b", last), "sync");
  assert.equal(decideRun(work(false, false), "a", last), "nothing");
  assert.equal(decideRun(work(false, true), "a", last), "drift");
  assert.equal(decideRun(work(true, false), "a", last), "sync");
  // The branch points at a refused commit: forcing does not validate it again, but finishes or checks the last valid one.
  assert.equal(decideRun(work(true, false), "a", { ...last, valid: false }), "drift");
  assert.equal(decideRun(work(true, false), "a", { ...last, valid: false, target: "failed" }), "apply");
  assert.equal(decideRun(work(true, false), "a", { validated: "a", valid: false, target: "none" }), "sync");
  assert.equal(decideRun(work(false, true), "a", { validated: "a", valid: false, target: "none" }), "nothing");
});

test("backoff doubles up to the cap, half of it random; intervals get ±jitter", () => {
  const policy = { baseMs: 1000, maxMs: 60_000 };
  assert.deepEqual([1, 2, 3, 4, 7, 8, 50].map((a) => backoffDelay(a, policy, () => 1)), [1000, 2000, 4000, 8000, 60_000, 60_000, 60_000]);
  assert.deepEqual([1, 2, 3].map((a) => backoffDelay(a, policy, () => 0)), [500, 1000, 2000]);
  assert.equal(withJitter(60_000, 0.1, () => 0), 54_000);
  assert.equal(withJitter(60_000, 0.1, () => 1), 66_000);
  assert.equal(withJitter(60_000, 0.1, () => 0.5), 60_000);
});

test("webhook: signatures are checked before anything else, in constant time; pushes to other branches are ignored", () => {
  const secret = "s3cret";
  const body = Buffer.from(JSON.stringify({ ref: "refs/heads/main", after: "0123456789abcdef" }));
  const signed = (headers: Record<string, string>, b = body) => answerWebhook({ headers: { "x-github-event": "push", ...headers }, body: b }, { secret, branch: "main" });
  // GitHub's documented example: secret "It's a Secret to Everybody", payload "Hello, World!".
  assert.equal(
    signatureOf("It's a Secret to Everybody", Buffer.from("Hello, World!")),
    "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
  );
  assert.ok(verifySignature(secret, body, signatureOf(secret, body)));
  assert.ok(!verifySignature(secret, body, signatureOf(secret, body).slice(0, -1)));
  assert.ok(!verifySignature(secret, body, undefined));
  assert.equal(signed({}).status, 401);
  assert.equal(signed({ "x-hub-signature-256": signatureOf("other", body) }).status, 401);
  const ok = signed({ "x-hub-signature-256": signatureOf(secret, body) });
  assert.equal(ok.status, 202);
  assert.deepEqual(ok.trigger, { kind: "webhook", detail: "push refs/heads/main 0123456789ab" });
  const other = Buffer.from(JSON.stringify({ ref: "refs/heads/dev" }));
  assert.equal(signed({ "x-hub-signature-256": signatureOf(secret, other) }, other).trigger, undefined);
  const form = Buffer.from(`payload=${encodeURIComponent(body.toString())}`);
  assert.equal(signed({ "x-hub-signature-256": signatureOf(secret, form), "content-type": "application/x-www-form-urlencoded" }, form).status, 202);
  const ping = answerWebhook({ headers: { "x-github-event": "ping", "x-hub-signature-256": signatureOf(secret, body) }, body }, { secret, branch: "main" });
  assert.equal(ping.status, 200);
  assert.equal(answerWebhook({ headers: {}, body }, { secret: undefined, branch: "main" }).status, 404, "off without a secret");
  // Following HEAD (no --branch): any push may have moved it.
  const anyBranch = answerWebhook({ headers: { "x-github-event": "push", "x-hub-signature-256": signatureOf(secret, other) }, body: other }, { secret, branch: undefined });
  assert.equal(anyBranch.status, 202);
});

test("bearer tokens compare exactly", () => {
  assert.ok(bearerMatches("Bearer abc", "abc"));
  assert.ok(bearerMatches("bearer  abc ", "abc"));
  assert.ok(!bearerMatches("Bearer abcd", "abc"));
  assert.ok(!bearerMatches("Basic abc", "abc"));
  assert.ok(!bearerMatches(undefined, "abc"));
});

test("drift mode: the flag wins, then the mesh's entry, then the repository default", () => {
  const config = { ...DEFAULT_CONFIG, drift: { ...DEFAULT_CONFIG.drift, mode: "report" as const, meshes: { payments: "correct" as const } } };
  assert.equal(driftModeOf("payments", config, undefined), "correct");
  assert.equal(driftModeOf("edge", config, undefined), "report");
  assert.equal(driftModeOf("payments", config, "report"), "report");
  assert.equal(driftModeOf("edge", config, "correct"), "correct");
});

const change = (action: Change["action"], mesh: string, name: string): Change => ({
  action,
  resource: `MeshTimeout/${mesh}/${name}`,
  type: "MeshTimeout",
  mesh,
  name,
  diff: "",
});

test("per-mesh views of a plan, its apply and the drift left after it", () => {
  const plan: Plan = {
    changes: [change("create", "a", "x"), change("update", "b", "y"), change("unchanged", "a", "z"), change("delete", "b", "w")],
    summary: { create: 1, update: 1, delete: 1, unchanged: 1 },
    kept: [],
  };
  assert.deepEqual(restrictPlan(plan, (c) => c.mesh === "b" && c.action !== "unchanged").summary, { create: 0, update: 1, delete: 1, unchanged: 0 });

  const changes: ChangeSet = {
    results: [
      { change: plan.changes[0] as Change, outcome: "applied" },
      { change: plan.changes[1] as Change, outcome: "failed", error: "MeshTimeout/b/y: 400" },
      { change: plan.changes[3] as Change, outcome: "skipped", error: "an earlier change of mesh b failed" },
    ],
    summary: { applied: 1, failed: 1, skipped: 1 },
    failedMeshes: ["b"],
  };
  const byMesh = applyResultsByMesh(changes);
  assert.deepEqual(byMesh.get("a"), { applied: 1, failed: 0, skipped: 0, errors: [] });
  assert.deepEqual(byMesh.get("b"), { applied: 0, failed: 1, skipped: 1, errors: [{ resource: "MeshTimeout/b/y", message: "MeshTimeout/b/y: 400" }] });

  const item = (kind: "missing" | "modified" | "unmanaged", mesh: string, name: string) => ({ kind, resource: `MeshTimeout/${mesh}/${name}`, type: "MeshTimeout", mesh, name, diff: "" });
  const before: DriftReport = {
    items: [item("missing", "a", "x"), item("modified", "b", "y"), item("unmanaged", "b", "v")],
    summary: { missing: 1, modified: 1, orphaned: 0, unmanaged: 1 },
    leftAlone: [],
  };
  const after = remainingDrift(before, changes);
  assert.deepEqual(after.items.map((i) => i.resource), ["MeshTimeout/b/y", "MeshTimeout/b/v"]);
  assert.deepEqual(after.summary, { missing: 0, modified: 1, orphaned: 0, unmanaged: 1 });
});

test("the drift after an apply, classified from what the apply left over, equals a full classification minus the fixes", () => {
  const labels = { "meshops.io/managed-by": "meshops" };
  const timeout = (name: string, idleTimeout: string, extra: Record<string, unknown> = {}) => ({
    type: "MeshTimeout",
    mesh: "m",
    name,
    labels,
    spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout } }] },
    ...extra,
  });
  const resource = (name: string, idleTimeout: string): Resource => ({ type: "MeshTimeout", mesh: "m", name, object: timeout(name, idleTimeout), origin: "repository" });
  const desired = [resource("same", "1m"), resource("edited", "2m"), resource("absent", "3m"), resource("failing", "4m")];
  const live = [
    timeout("same", "1m0s", { creationTime: "2026-01-01T00:00:00Z" }),
    timeout("edited", "9m"),
    timeout("failing", "8m"),
    timeout("orphan", "5m"),
    { ...timeout("foreign", "6m"), labels: {} },
  ];
  const comparison = { info: { product: "Kuma", version: "2.14.3" }, types: [], desired: { basis: "", meshes: new Map(), resources: desired, size: desired.length }, live, ownedCount: 4, unknownReferences: [], meshesHoldingOthers: new Set<string>(), lacking: { groups: [], diagnostics: [] } };
  for (const prune of [false, true]) {
    const plan = planChanges(desired, live, { instance: "meshops", prune });
    const changes: ChangeSet = {
      results: plan.changes
        .filter((c) => c.action !== "unchanged")
        .map((c) => (c.name === "failing" ? { change: c, outcome: "failed" as const, error: "500" } : { change: c, outcome: "applied" as const })),
      summary: { applied: 0, failed: 1, skipped: 0 },
      failedMeshes: ["m"],
    };
    const expected = remainingDrift(classifyDrift(desired, live, { instance: "meshops" }), changes);
    const actual = driftAfterApply(comparison, plan, changes, { instance: "meshops" });
    assert.deepEqual(actual, expected);
    assert.deepEqual(
      actual.items.map((i) => `${i.kind} ${i.name}`).sort(),
      prune ? ["modified failing", "unmanaged foreign"] : ["modified failing", "orphaned orphan", "unmanaged foreign"],
    );
  }
});

test("inventory: resource counts per mesh and what became of each default policy", () => {
  const mesh: Resource = { type: "Mesh", mesh: "p", name: "p", object: { type: "Mesh", name: "p", skipCreatingInitialPolicies: ["MeshRetry"] }, origin: "repository" };
  const own: Resource = { type: "MeshTimeout", mesh: "p", name: "mesh-timeout-all-p", object: {}, origin: "repository" };
  const materialized: Resource = { type: "MeshCircuitBreaker", mesh: "p", name: "mesh-circuit-breaker-all-p", object: {}, origin: "default" };
  const inventory = inventoryByMesh([mesh, own, materialized], DEFAULT_CONFIG).get("p");
  assert.deepEqual(inventory?.byType, { Mesh: 1, MeshTimeout: 1, MeshCircuitBreaker: 1 });
  assert.deepEqual(
    inventory?.defaultPolicies.map((p) => `${p.name}:${p.state}`),
    ["mesh-timeout-all-p:overridden", "mesh-gateways-timeout-all-p:materialized", "mesh-retry-all-p:skipped", "mesh-circuit-breaker-all-p:materialized"],
  );
});

test("status: mesh states, applied versus attempted revisions, bounded history", () => {
  let clock = 0;
  const status = new DaemonStatus(
    {
      repository: { url: "/r", kind: "local", branch: null, remote: null, path: "" },
      controlPlane: { url: "http://cp", embedded: false },
      driftIntervalMs: 1000,
      pollIntervalMs: null,
      webhook: false,
      reconcileEndpoint: true,
      historySize: 3,
    },
    () => new Date(Date.UTC(2026, 0, 1) + clock++ * 1000),
  );
  const commit = (id: string): CommitInfo => ({ commit: id, message: `m ${id}`, author: "a", date: "" });
  const json = () => status.toJSON();
  assert.equal(status.ready, false);
  status.record({ type: "run.started", run: 1, reasons: ["startup"] });
  status.record({ type: "revision.validated", commit: commit("r1"), valid: true, diagnostics: [], kept: "r1" });
  status.record({ type: "apply.started", revision: "r1", meshes: new Set(["a", "b"]) });
  assert.deepEqual(json().meshes.map((m) => m.state), ["applying", "applying"]);
  const results = new Map([
    ["a", { applied: 2, failed: 0, skipped: 0, errors: [] }],
    ["b", { applied: 0, failed: 1, skipped: 1, errors: [{ resource: "MeshTimeout/b/y", message: "400" }] }],
  ]);
  status.record({ type: "meshes.synced", commit: commit("r1"), meshes: ["a", "b", "c"], results, inventory: () => new Map(), driftMode: () => "report", stopped: false });
  status.record({ type: "drift.checked", revision: "r1", meshes: ["a", "b", "c"], report: driftReportOf([]), desiredCounts: new Map(), driftMode: () => "report" });
  const end = { kind: "sync", revision: "r1", commit: null, result: "failed", summary: { applied: 2, failed: 1, skipped: 1, drift: 0 } } as const;
  status.record({ type: "run.finished", run: 1, revision: "r1", reasons: ["startup"], triggers: 1, durationMs: 12, end });
  let s = json();
  assert.equal(s.ready, true, "a run compared the control plane with a valid revision");
  assert.deepEqual(
    s.meshes.map((m) => [m.name, m.state, m.appliedRevision, m.attemptedRevision]),
    [
      ["a", "in-sync", "r1", "r1"],
      ["b", "failed", null, "r1"],
      ["c", "in-sync", "r1", "r1"],
    ],
  );
  assert.equal(s.revision.applied, null, "not every mesh has r1");
  const report = driftReportOf([{ kind: "modified", resource: "MeshTimeout/c/z", type: "MeshTimeout", mesh: "c", name: "z", diff: "" }]);
  status.record({ type: "drift.checked", revision: "r1", meshes: ["c"], report, desiredCounts: new Map(), driftMode: () => "report" });
  assert.deepEqual(
    ((m) => [m?.state, m?.reason])(json().meshes.find((m) => m.name === "c")),
    ["drifted", "1 resource in the control plane differs from revision r1"],
    "one resource differs, in the singular",
  );
  for (let run = 2; run <= 6; run++) {
    status.record({ type: "run.started", run, reasons: ["drift-timer"] });
    const inSync = { kind: "drift", revision: "r1", commit: null, result: "in-sync", summary: { applied: 0, failed: 0, skipped: 0, drift: 0 } } as const;
    status.record({ type: "run.finished", run, revision: "r1", reasons: ["drift-timer"], triggers: 1, durationMs: 1, end: inSync });
  }
  s = json();
  assert.deepEqual(s.reconciles.map((r) => r.id), [6, 5, 4]);
});

test("logs: credentials are cut out of URLs and secret-named fields are redacted", () => {
  assert.equal(withoutCredentials("fatal: unable to access 'https://x-access-token:ghp_abc@github.com/o/r.git/'"), "fatal: unable to access 'https://***@github.com/o/r.git/'");
  assert.equal(errorMessage(new Error("line one\n  line two\n")), "line one | line two");
  let out = "";
  const log = createLogger({ stream: { write: (s: string) => (out += s) }, format: "json" });
  log.info({ event: "x", token: "t0k3n", headers: { authorization: "Bearer t0k3n" }, revision: "abc" }, "hello");
  const line = JSON.parse(out) as Record<string, unknown>;
  assert.equal(line.event, "x");
  assert.equal(line.revision, "abc");
  assert.ok(!out.includes("t0k3n"), out);
  let pretty = "";
  createLogger({ stream: { write: (s: string) => (pretty += s), isTTY: true }, env: { NO_COLOR: "1" } }).info({ event: "x", resource: "Mesh/a" }, "hello");
  assert.match(pretty, /INFO.*hello/);
  assert.throws(() => JSON.parse(pretty), "a terminal gets readable lines, not JSON");
});

test("logs: a 3.x controlPlane.version is said once, at the setting, that 2.14's schemas check it (as the one-shot commands say on stderr)", () => {
  const { diagnostics } = parseRepoConfig({ path: "meshops.yaml", text: 'controlPlane:\n  version: "3.1.0"\n' }, "");
  const lines: string[] = [];
  const logEvent = eventLogger(createLogger({ stream: { write: (line: string) => lines.push(line) > 0 }, format: "json" }));
  const commit = (id: string): CommitInfo => ({ commit: id.repeat(40), message: "m", author: "a", date: "2026-01-01T00:00:00Z" });
  for (const id of ["1", "2"]) logEvent({ type: "revision.validated", commit: commit(id), valid: true, diagnostics, kept: id.repeat(40) });
  const notes = lines.map((l) => JSON.parse(l) as { event: string; level: string; msg: string }).filter((l) => l.event === "config.note");
  assert.deepEqual(
    notes.map((l) => [l.level, l.msg]),
    [["info", "meshops.yaml:2:3: controlPlane.version 3.1.0 is newer than the newest line meshops carries (2.14): checked with 2.14's schemas and rules, so what 3.1 changed is not known here"]],
    "once, not at every revision",
  );
});

test("logs: a path setting that matches nothing is one warning per meshops.yaml that says it, not one per revision", () => {
  const lines: string[] = [];
  const logEvent = eventLogger(createLogger({ stream: { write: (line: string) => lines.push(line) > 0 }, format: "json" }));
  const commit = (id: string): CommitInfo => ({ commit: id.repeat(40), message: "m", author: "a", date: "2026-01-01T00:00:00Z" });
  const unmatched = (pattern: string): Diagnostic => ({
    severity: "warning",
    file: "meshops.yaml",
    line: 2,
    column: 5,
    resource: "",
    path: "exclude[0]",
    message: `exclude pattern "${pattern}" matches no path of the revision: it leaves nothing out; check the pattern`,
    rule: "pattern-unmatched",
  });
  for (const [id, pattern] of [["1", "ci/**"], ["2", "ci/**"], ["3", "tests/**"], ["4", "tests/**"]] as const) {
    logEvent({ type: "revision.validated", commit: commit(id), valid: true, diagnostics: [unmatched(pattern)], kept: id.repeat(40) });
  }
  const warnings = lines.map((l) => JSON.parse(l) as { event: string; level: string; msg: string }).filter((l) => l.event === "config.warning");
  assert.deepEqual(
    warnings.map((l) => [l.level, l.msg]),
    [
      ["warn", 'meshops.yaml:2:5: warning: exclude[0]: exclude pattern "ci/**" matches no path of the revision: it leaves nothing out; check the pattern [pattern-unmatched]'],
      ["warn", 'meshops.yaml:2:5: warning: exclude[0]: exclude pattern "tests/**" matches no path of the revision: it leaves nothing out; check the pattern [pattern-unmatched]'],
    ],
  );
});

test("logs: writes of unknown outcome and their rewrites name at most 50 resources a line, with how many there were", () => {
  const lines: string[] = [];
  const logEvent = eventLogger(createLogger({ stream: { write: (line: string) => lines.push(line) > 0 }, format: "json" }));
  const resources = Array.from({ length: 120 }, (_, i) => `MeshTimeout/shop/t${i}`);
  logEvent({ type: "write.outcome-unknown", revision: "a".repeat(40), resources });
  logEvent({ type: "write.rechecked", revision: "a".repeat(40), checked: resources, rewritten: resources, left: 0 });
  const [unknown, rechecked] = lines.map((l) => JSON.parse(l) as { event: string; msg: string; count?: number; resources?: string[]; rewritten?: string[] });
  assert.equal(unknown?.event, "write.outcome-unknown");
  assert.deepEqual([unknown?.count, unknown?.resources?.length], [120, 50]);
  assert.match(unknown?.msg ?? "", /^no answer came to the write of MeshTimeout\/shop\/t0, .*MeshTimeout\/shop\/t49 and 70 more \(/);
  assert.equal(rechecked?.rewritten?.length, 50);
  assert.match(rechecked?.msg ?? "", /MeshTimeout\/shop\/t49 and 70 more no longer as/);
});

test("status: the resources rechecked after writes of unknown outcome are counted, and named up to 50", () => {
  const status = new DaemonStatus({ repository: { url: "/r", kind: "local", branch: null, remote: null, path: "" }, controlPlane: { url: "http://cp", embedded: false }, driftIntervalMs: 1000, pollIntervalMs: null, webhook: false, reconcileEndpoint: true });
  const resources = Array.from({ length: 120 }, (_, i) => `MeshTimeout/shop/t${String(i).padStart(3, "0")}`);
  status.record({ type: "write.outcome-unknown", revision: "a".repeat(40), resources: resources.slice(0, 100) });
  status.record({ type: "write.outcome-unknown", revision: "b".repeat(40), resources: resources.slice(90) });
  const writes = status.toJSON().writes;
  assert.deepEqual([writes.outcomeUnknown, writes.recheckingCount, writes.rechecking], [130, 120, resources.slice(0, 50)]);
  status.record({ type: "write.rechecked", revision: "b".repeat(40), checked: resources, rewritten: [], left: 2 });
  assert.equal(status.toJSON().writes.recheckingCount, 120, "checks still to come");
  status.record({ type: "write.rechecked", revision: "b".repeat(40), checked: resources, rewritten: [], left: 0 });
  assert.deepEqual([status.toJSON().writes.recheckingCount, status.toJSON().writes.rechecking], [0, []]);
});

test("remote or local: URLs and scp-like addresses are remote, paths are directories", () => {
  for (const remote of ["https://github.com/o/r.git", "ssh://git@host/r.git", "file:///tmp/r.git", "git@github.com:o/r.git"]) assert.ok(isRemoteRepository(remote), remote);
  for (const local of [".", "/srv/config", "../config", "C:\\config"]) assert.ok(!isRemoteRepository(local), local);
});

test("metrics: per-mesh gauges follow each comparison; a mesh that is gone disappears, a mesh that changed is updated", async () => {
  const metrics = new DaemonMetrics({ processMetrics: false });
  const item = (mesh: string, kind: "missing" | "modified"): DriftReport["items"][number] => ({ kind, resource: `MeshTimeout/${mesh}/t`, type: "MeshTimeout", mesh, name: "t", diff: "" });
  const compared = (desiredCounts: Map<string, number>, items: DriftReport["items"]) =>
    metrics.record({ type: "drift.checked", revision: "r", meshes: [...desiredCounts.keys()], report: driftReportOf(items), desiredCounts, driftMode: () => "report" });
  const lines = async () => (await metrics.text()).split("\n").filter((l) => /^meshops_(resources|drift_items)\{/.test(l)).sort();
  compared(new Map([["a", 3], ["b", 2]]), [item("a", "modified")]);
  assert.ok((await lines()).includes('meshops_resources{mesh="a",state="in-sync"} 2'));
  assert.ok((await lines()).includes('meshops_drift_items{mesh="a",kind="modified"} 1'));
  assert.ok((await lines()).includes('meshops_resources{mesh="b",state="in-sync"} 2'));
  compared(new Map([["a", 4], ["c", 1]]), [item("c", "missing")]);
  const after = await lines();
  assert.ok(!after.some((l) => l.includes('mesh="b"')), "mesh b is gone");
  assert.ok(after.includes('meshops_resources{mesh="a",state="in-sync"} 4'));
  assert.ok(after.includes('meshops_drift_items{mesh="a",kind="modified"} 0'));
  assert.ok(after.includes('meshops_drift_items{mesh="c",kind="missing"} 1'));
  assert.ok(after.includes('meshops_resources{mesh="c",state="in-sync"} 0'));
  // The same figures again: the same text.
  compared(new Map([["a", 4], ["c", 1]]), [item("c", "missing")]);
  assert.deepEqual(await lines(), after);
});

test("metrics: what drift left alone is a resource state of its own per mesh, generated or synced, in meshes the comparison has", async () => {
  const metrics = new DaemonMetrics({ processMetrics: false });
  const alone = (mesh: string, name: string, source: "generated" | "synced") => ({ resource: `MeshService/${mesh}/${name}`, mesh, source });
  const compared = (desiredCounts: Map<string, number>, leftAlone: ReturnType<typeof alone>[]) =>
    metrics.record({ type: "drift.checked", revision: "r", meshes: [...desiredCounts.keys()], report: driftReportOf([], leftAlone), desiredCounts, driftMode: () => "report" });
  const lines = async () => (await metrics.text()).split("\n").filter((l) => /^meshops_resources\{/.test(l));
  compared(new Map([["a", 3]]), [alone("a", "x", "generated"), alone("a", "y", "generated"), alone("a", "z-0123456789abcdef", "synced"), alone("other", "w", "synced")]);
  const first = await lines();
  assert.ok(first.includes('meshops_resources{mesh="a",state="generated"} 2'), first.join("\n"));
  assert.ok(first.includes('meshops_resources{mesh="a",state="synced"} 1'), first.join("\n"));
  assert.ok(first.includes('meshops_resources{mesh="a",state="in-sync"} 3'), first.join("\n"));
  assert.ok(!first.some((l) => l.includes('mesh="other"')), "a mesh only the control plane has is not one of the daemon's");
  compared(new Map([["a", 3]]), [alone("a", "x", "generated")]);
  const second = await lines();
  assert.ok(second.includes('meshops_resources{mesh="a",state="generated"} 1'), second.join("\n"));
  assert.ok(second.includes('meshops_resources{mesh="a",state="synced"} 0'), second.join("\n"));
});

test("writes of unknown outcome are checked again soon and a few more times, then forgotten; a newer one starts the count again", () => {
  assert.deepEqual(recheckDelays(400), [800, 2400, 8000, 24000]);
  const unsure = new UnsureWrites([10, 30, 100]);
  assert.equal(unsure.nextInMs(0), undefined, "nothing to check");
  unsure.add([], 0);
  assert.equal(unsure.nextInMs(0), undefined, "no write of unknown outcome, no check");
  unsure.add(["MeshTimeout/shop/t1"], 1000);
  assert.equal(unsure.nextInMs(1000), 10);
  assert.deepEqual(unsure.checked(1010), { left: 2 });
  assert.equal(unsure.nextInMs(1012), 18);
  unsure.add(["MeshTimeout/shop/t2"], 1020);
  assert.deepEqual([...unsure.resources], ["MeshTimeout/shop/t1", "MeshTimeout/shop/t2"]);
  assert.equal(unsure.nextInMs(1020), 10, "counted again from the newer write");
  assert.equal(unsure.nextInMs(5000), 0, "a check overdue is due now");
  assert.deepEqual(unsure.checked(1050), { left: 1 }, "the checks due by then are done at once");
  assert.deepEqual(unsure.checked(1120), { left: 0 });
  assert.deepEqual([...unsure.resources], [], "forgotten after the last check");
  assert.equal(unsure.nextInMs(1120), undefined);
});

test("a check that fails is not done: the next still comes, the last is tried again a bounded number of times, then the outcome stays unknown", () => {
  const unsure = new UnsureWrites([10, 30]);
  unsure.add(["MeshTimeout/shop/t1"], 1000);
  assert.deepEqual(unsure.failed(1025), { left: 1, gaveUp: [] }, "the first failed; the second still comes");
  assert.equal(unsure.nextInMs(1025), 5);
  assert.deepEqual([...unsure.resources], ["MeshTimeout/shop/t1"]);
  // The last fails: tried again after the first delay, doubled at each try.
  const waits: number[] = [];
  let now = 1030;
  for (let tries = 0; tries < LAST_CHECK_RETRIES; tries++) {
    assert.deepEqual(unsure.failed(now), { left: 1, gaveUp: [] }, `try ${tries + 1} of the last check`);
    const wait = unsure.nextInMs(now) as number;
    waits.push(wait);
    now += wait;
  }
  assert.deepEqual(waits, [10, 20, 40, 80, 160].slice(0, LAST_CHECK_RETRIES));
  assert.deepEqual(unsure.failed(now), { left: 0, gaveUp: ["MeshTimeout/shop/t1"] }, "bounded: given up on, the outcome unknown");
  assert.deepEqual([unsure.nextInMs(now), [...unsure.resources]], [undefined, []]);

  // A retry of the last check that succeeds ends the checks; a newer write starts the count (and its tries) anew.
  unsure.add(["MeshTimeout/shop/t2"], 5000);
  unsure.checked(5010);
  unsure.failed(5030);
  assert.deepEqual(unsure.checked(5040), { left: 0 });
  unsure.add(["MeshTimeout/shop/t3"], 6000);
  unsure.checked(6010);
  assert.deepEqual(unsure.failed(6030), { left: 1, gaveUp: [] });
  unsure.add(["MeshTimeout/shop/t4"], 6040);
  assert.equal(unsure.nextInMs(6040), 10, "counted again from the newer write");
  unsure.checked(6050);
  for (let tries = 0; tries < LAST_CHECK_RETRIES; tries++) assert.equal(unsure.failed(7000 + tries * 1000).left, 1, "the tries counted anew");
  assert.deepEqual(unsure.failed(20_000).gaveUp, ["MeshTimeout/shop/t3", "MeshTimeout/shop/t4"]);
});

test("a check that cannot write back because the mesh is shut (suspended, blocked) waits: kept after the last check and its failed tries, checked at once when the mesh opens", () => {
  const unsure = new UnsureWrites([10, 30]);
  unsure.add(["MeshTimeout/shop/t1", "MeshTimeout/blog/t2"], 1000);
  const waiting = new Map([["MeshTimeout/shop/t1", "shop"]]);
  assert.deepEqual(unsure.checked(1010, waiting), { left: 1 });
  assert.deepEqual(unsure.checked(1030, waiting), { left: 0 });
  assert.deepEqual([[...unsure.resources], unsure.waiting, unsure.nextInMs(1030)], [["MeshTimeout/shop/t1"], ["MeshTimeout/shop/t1"], undefined], "kept, with no check due");
  unsure.reopen((mesh) => mesh === "shop", 2000);
  assert.equal(unsure.nextInMs(2000), undefined, "still shut: still waiting");
  unsure.reopen(() => false, 2000);
  assert.deepEqual([unsure.nextInMs(2000), unsure.waiting], [0, []], "open: checked at once");
  assert.deepEqual(unsure.checked(2000), { left: 0 });
  assert.deepEqual([...unsure.resources], [], "written back (or found in place): forgotten");

  // Given up on after the last check's tries, except what waits for its mesh; a run that planned nothing keeps it waiting.
  unsure.add(["MeshTimeout/shop/t1", "MeshTimeout/blog/t2"], 3000);
  unsure.checked(3010, waiting);
  let gaveUp: readonly string[] = [];
  for (let tries = 0; tries <= LAST_CHECK_RETRIES; tries++) gaveUp = unsure.failed(3030 + tries * 1000).gaveUp;
  assert.deepEqual([gaveUp, [...unsure.resources]], [["MeshTimeout/blog/t2"], ["MeshTimeout/shop/t1"]]);
});

test("what waits for its mesh, written back by a run that opened it (an upgrade lifted a block): waits no more, forgotten once no check is left", () => {
  const unsure = new UnsureWrites([10, 30]);
  unsure.add(["MeshTimeout/edge/t1", "MeshTimeout/edge/t2"], 1000);
  const waiting = new Map([["MeshTimeout/edge/t1", "edge"], ["MeshTimeout/edge/t2", "edge"]]);
  assert.deepEqual(unsure.checked(1010, waiting), { left: 1 });
  assert.equal(unsure.isWaiting("MeshTimeout/edge/t1"), true);
  assert.deepEqual(unsure.writtenBack(["MeshTimeout/edge/t1"]), { left: 1 }, "a check still to come");
  assert.deepEqual([unsure.isWaiting("MeshTimeout/edge/t1"), unsure.waiting, [...unsure.resources]], [false, ["MeshTimeout/edge/t2"], ["MeshTimeout/edge/t1", "MeshTimeout/edge/t2"]], "still checked by the check to come");
  // The last check: t1 is in place (the plan writes it no more), t2 still waits for edge.
  assert.deepEqual(unsure.checked(1030, new Map([["MeshTimeout/edge/t2", "edge"]])), { left: 0 });
  assert.deepEqual(unsure.writtenBack(["MeshTimeout/edge/t2"]), { left: 0 });
  assert.deepEqual([unsure.waiting, [...unsure.resources], unsure.nextInMs(1030)], [[], [], undefined], "no check left: forgotten, and none scheduled");
});

test("status: what waits for its mesh after the last check is still listed as rechecked", () => {
  const status = new DaemonStatus({ repository: { url: "/r", kind: "local", branch: null, remote: null, path: "" }, controlPlane: { url: "http://cp", embedded: false }, driftIntervalMs: 1000, pollIntervalMs: null, webhook: false, reconcileEndpoint: true });
  status.record({ type: "write.outcome-unknown", revision: "a".repeat(40), resources: ["MeshTimeout/shop/t2", "MeshTimeout/blog/t1", "MeshTimeout/shop/t2"] });
  status.record({ type: "write.outcome-unknown", revision: "a".repeat(40), resources: ["MeshTimeout/shop/t1", "MeshTimeout/blog/t1"] });
  assert.deepEqual(status.toJSON().writes.rechecking, ["MeshTimeout/blog/t1", "MeshTimeout/shop/t1", "MeshTimeout/shop/t2"], "sorted, each once");
  status.record({ type: "write.rechecked", revision: "a".repeat(40), checked: ["MeshTimeout/blog/t1", "MeshTimeout/shop/t1", "MeshTimeout/shop/t2"], rewritten: [], left: 0, waiting: ["MeshTimeout/shop/t1"] });
  const writes = status.toJSON().writes;
  assert.deepEqual([writes.recheckingCount, writes.rechecking, writes.stayedUnknown], [1, ["MeshTimeout/shop/t1"], 0]);
});

test("status: the writes waiting for their mesh to open are counted and named apart, for the page to say so", () => {
  const status = new DaemonStatus({ repository: { url: "/r", kind: "local", branch: null, remote: null, path: "" }, controlPlane: { url: "http://cp", embedded: false }, driftIntervalMs: 1000, pollIntervalMs: null, webhook: false, reconcileEndpoint: true });
  const resources = Array.from({ length: 60 }, (_, i) => `MeshTimeout/shop/t${String(i).padStart(2, "0")}`);
  status.record({ type: "write.outcome-unknown", revision: "a".repeat(40), resources: [...resources, "MeshTimeout/blog/t1"] });
  assert.deepEqual([status.toJSON().writes.waitingCount, status.toJSON().writes.waiting], [0, []], "none waits before a check found so");
  // A check before the last finds shop shut: those still have checks to come, and wait for shop besides.
  status.record({ type: "write.rechecked", revision: "a".repeat(40), checked: [...resources, "MeshTimeout/blog/t1"], rewritten: [], left: 2, waiting: resources });
  let writes = status.toJSON().writes;
  assert.deepEqual([writes.recheckingCount, writes.waitingCount, writes.waiting], [61, 60, resources.slice(0, 50)], "bounded as rechecking is");
  // After the last check only what waits is left; a check after shop opens finds nothing waiting.
  status.record({ type: "write.rechecked", revision: "a".repeat(40), checked: [...resources, "MeshTimeout/blog/t1"], rewritten: [], left: 0, waiting: resources.slice(0, 3) });
  writes = status.toJSON().writes;
  assert.deepEqual([writes.recheckingCount, writes.rechecking, writes.waitingCount, writes.waiting], [3, resources.slice(0, 3), 3, resources.slice(0, 3)]);
  status.record({ type: "write.rechecked", revision: "a".repeat(40), checked: resources.slice(0, 3), rewritten: resources.slice(0, 3), left: 0, waiting: [] });
  writes = status.toJSON().writes;
  assert.deepEqual([writes.recheckingCount, writes.waitingCount, writes.waiting], [0, 0, []]);
});

test("status: checks given up on say why they failed, never that the control plane could not be compared when a write back did", () => {
  const status = new DaemonStatus({ repository: { url: "/r", kind: "local", branch: null, remote: null, path: "" }, controlPlane: { url: "http://cp", embedded: false }, driftIntervalMs: 1000, pollIntervalMs: null, webhook: false, reconcileEndpoint: true });
  const subject = "MeshTimeout/shop/t1";
  const end = { kind: "sync", revision: "b".repeat(40), commit: null, result: "unchanged", summary: { applied: 0, failed: 0, skipped: 0, drift: 0 } } as const;
  status.record({ type: "run.started", run: 1, reasons: ["recheck"] });
  status.record({ type: "write.rechecked", revision: "b".repeat(40), checked: [subject], rewritten: [], left: 0, failed: `writing back ${subject} failed`, gaveUp: [subject] });
  status.record({ type: "run.finished", run: 1, revision: "b".repeat(40), reasons: ["recheck"], triggers: 1, durationMs: 5, end });
  const warnings = status.toJSON().reconciles[0]?.warnings ?? [];
  assert.deepEqual(warnings, [`the last check after writes of unknown outcome failed, and its tries again too (writing back ${subject} failed): the checks gave up, the outcome of ${subject} stays unknown`]);
});

test("status: a mesh the repository defines nothing in, holding only what meshops did not make, is not said to have a revision applied", () => {
  const status = new DaemonStatus({ repository: { url: "/r", kind: "local", branch: null, remote: null, path: "" }, controlPlane: { url: "http://cp", embedded: false }, driftIntervalMs: 1000, pollIntervalMs: null, webhook: false, reconcileEndpoint: true });
  const commit: CommitInfo = { commit: "r1", message: "m", author: "a", date: "" };
  const unmanaged = (name: string) => ({ kind: "unmanaged", resource: `MeshTimeout/legacy/${name}`, type: "MeshTimeout", mesh: "legacy", name, diff: "" }) as const;
  status.record({ type: "run.started", run: 1, reasons: ["startup"] });
  status.record({ type: "revision.validated", commit, valid: true, diagnostics: [], kept: "r1" });
  // As the reconciler says it: every mesh of the plan or the drift is synced and compared, `legacy` by its unmanaged items.
  status.record({ type: "meshes.synced", commit, meshes: ["a", "legacy"], results: new Map(), inventory: () => new Map(), driftMode: () => "report", stopped: false });
  const report = driftReportOf([unmanaged("hand-made"), unmanaged("other")]);
  status.record({ type: "drift.checked", revision: "r1", meshes: ["a", "legacy"], report, desiredCounts: new Map([["a", 3]]), driftMode: () => "report" });
  const meshes = status.toJSON().meshes.map((m) => [m.name, m.state, m.reason]);
  assert.deepEqual(meshes, [
    ["a", "in-sync", "revision r1 is applied"],
    ["legacy", "in-sync", "not in the repository: 2 resources made outside meshops, left alone"],
  ]);
});

test("status: a mesh made outside meshops after the last sync, first seen by a drift check, is in sync and left alone, not behind", () => {
  const status = new DaemonStatus({ repository: { url: "/r", kind: "local", branch: null, remote: null, path: "" }, controlPlane: { url: "http://cp", embedded: false }, driftIntervalMs: 1000, pollIntervalMs: null, webhook: false, reconcileEndpoint: true });
  const commit: CommitInfo = { commit: "r1", message: "m", author: "a", date: "" };
  status.record({ type: "run.started", run: 1, reasons: ["startup"] });
  status.record({ type: "revision.validated", commit, valid: true, diagnostics: [], kept: "r1" });
  status.record({ type: "meshes.gated", revision: "r1", repositoryWide: null, meshes: ["a"], invalid: new Map(), lacking: new Map(), held: new Map(), suspended: new Map() });
  status.record({ type: "meshes.synced", commit, meshes: ["a"], results: new Map(), inventory: () => new Map(), driftMode: () => "report", stopped: false });
  status.record({ type: "drift.checked", revision: "r1", meshes: ["a"], report: driftReportOf([]), desiredCounts: new Map([["a", 3]]), driftMode: () => "report" });
  // Then someone (kumactl, another meshops instance) makes mesh `shop`; the next drift check is the first to see it.
  status.record({ type: "run.started", run: 2, reasons: ["drift-timer"] });
  const made = (type: string, name: string) => ({ kind: "unmanaged", resource: type === "Mesh" ? `Mesh/${name}` : `${type}/shop/${name}`, type, mesh: "shop", name, diff: "" }) as const;
  const report = driftReportOf([made("Mesh", "shop"), made("MeshTimeout", "shop-timeouts")]);
  status.record({ type: "drift.checked", revision: "r1", meshes: ["a", "shop"], report, desiredCounts: new Map([["a", 3]]), driftMode: () => "report" });
  const shop = status.toJSON().meshes.find((m) => m.name === "shop");
  assert.deepEqual([shop?.state, shop?.reason, shop?.headApplied], ["in-sync", "not in the repository: 2 resources made outside meshops, left alone", false]);
});
