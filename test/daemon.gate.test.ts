/**
 * The daemon's per-mesh gates (gate.ts), the approvals and suspensions people give (controls.ts, meshApi.ts), and the
 * one state per mesh the status works out of the reconciler's events (status.ts). Pure: no process, no clock.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_CONFIG } from "../src/config/repoConfig.js";
import { MeshControls } from "../src/daemon/controls.js";
import { composeTarget, gatePlan, invalidityOf, lackingByMesh, meshesOfSubjects, planFingerprint, unplannable, type GateInput } from "../src/daemon/gate.js";
import { answerMeshRequest, type MeshApiRequest } from "../src/daemon/meshApi.js";
import { commitOf, testStatus } from "./helpers/statusServer.js";
import { eventLogger } from "../src/daemon/eventLog.js";
import { createLogger } from "../src/daemon/logger.js";
import { DaemonMetrics } from "../src/daemon/metrics.js";
import { noticeOf } from "../src/notify/notification.js";
import type { CommitInfo, StatusJson } from "../src/daemon/statusTypes.js";
import { buildDesired, targetOf } from "../src/desired/index.js";
import { driftReportOf } from "../src/diff/drift.js";
import { planChanges, type Change, type Plan } from "../src/diff/plan.js";
import type { Diagnostic } from "../src/model/diagnostic.js";
import type { JsonObject, Resource } from "../src/model/resource.js";
import type { ValidationResult } from "../src/validate/index.js";
import { unknownServiceWarnings } from "../src/validate/services.js";
import { GLOBAL_SCOPE } from "../src/model/key.js";

const error = (resource: string, file = "f.yaml", message = "bad"): Diagnostic => ({ severity: "error", file, line: 3, column: 1, resource, path: "spec", message, rule: "schema" });
const resource = (type: string, mesh: string, name: string): Resource => ({
  type,
  mesh,
  name,
  object: type === "Mesh" ? { type, name } : { type, mesh, name, spec: { targetRef: { kind: "Mesh" } } },
  origin: "repository",
});
const result = (resources: Resource[], diagnostics: Diagnostic[] = []): ValidationResult => ({
  revision: "r",
  config: { ...DEFAULT_CONFIG, defaults: { materialize: false } },
  resources,
  diagnostics,
  valid: diagnostics.length === 0,
  files: 1,
  otherDocuments: 0,
  serviceReferences: [],
});

/** Two plan fingerprints (gate.ts planFingerprint). */
const PLAN_1 = "1".repeat(64);
const PLAN_2 = "2".repeat(64);
const awaiting = (mesh: string, revision: string, plan = PLAN_1) => new Map([[mesh, { revision, plan }]]);

test("validation errors block the meshes they name; one no mesh can be named for blocks the repository", () => {
  assert.deepEqual(meshesOfSubjects("MeshTimeout/shop/a, Secret/blog/s"), ["shop", "blog"]);
  assert.deepEqual(meshesOfSubjects("Mesh/shop"), ["shop"]);
  assert.equal(meshesOfSubjects(""), undefined);
  assert.deepEqual(meshesOfSubjects("HostnameGenerator/internal"), [GLOBAL_SCOPE], "a global kind blocks the global unit only");
  // A document without a name (missing-name) still says its mesh: it blocks that mesh, not the whole repository.
  assert.deepEqual(meshesOfSubjects("MeshTimeout/shop/"), ["shop"]);
  assert.equal(meshesOfSubjects("Mesh/"), undefined, "an unnamed Mesh names no mesh");
  assert.equal(meshesOfSubjects("MeshTimeout//"), undefined);
  const unnamed = invalidityOf([error("MeshTimeout/shop/")], "0123456789abcdef0123456789abcdef01234567");
  assert.equal(unnamed.repositoryWide, null);
  assert.deepEqual([...unnamed.byMesh.keys()], ["shop"]);

  const perMesh = invalidityOf([error("MeshTimeout/shop/a"), error("Mesh/shop"), error("Secret/blog/s, Secret/blog/t"), { ...error(""), severity: "warning" }], "0123456789abcdef0123456789abcdef01234567");
  assert.equal(perMesh.repositoryWide, null, "a warning blocks nothing");
  assert.deepEqual([...perMesh.byMesh.keys()], ["shop", "blog"]);
  assert.equal(perMesh.byMesh.get("shop"), "2 validation errors at 0123456789ab, first f.yaml:3:1: MeshTimeout/shop/a spec: bad");

  const whole = invalidityOf([error("MeshTimeout/shop/a"), error("", "meshops.yaml", "unknown field")], "0123456789abcdef0123456789abcdef01234567");
  assert.match(whole.repositoryWide ?? "", /^1 error no mesh can be named for at 0123456789ab \(the whole repository waits\), first meshops\.yaml:3:1: spec: unknown field$/);
});

test("an error about a resource of a 200,000-character name blocks its mesh; the reason, the status and the log say the name bounded", () => {
  const name = "n".repeat(200_000);
  const invalid = invalidityOf([error(`MeshTimeout/shop/${name}`), error(`MeshTimeout/${name}/a`)], "0123456789abcdef0123456789abcdef01234567");
  assert.deepEqual([...invalid.byMesh.keys()], ["shop", name], "the meshes are read from the whole subject");
  assert.equal(invalid.byMesh.get("shop"), `1 validation error at 0123456789ab, first f.yaml:3:1: MeshTimeout/shop/${"n".repeat(43)}… (200017 characters) spec: bad`);
  assert.equal(invalid.byMesh.get(name), `1 validation error at 0123456789ab, first f.yaml:3:1: MeshTimeout/${"n".repeat(48)}… (200014 characters) spec: bad`);

  // The status and the log show it bounded too.
  const diagnostics = [error(`MeshTimeout/shop/${name}`)];
  const status = testStatus();
  status.record({ type: "revision.validated", commit: commitOf("c1"), valid: false, diagnostics, kept: null });
  const shown = status.toJSON().validation?.diagnostics ?? [];
  assert.deepEqual(shown.map((d) => d.resource), [`MeshTimeout/shop/${"n".repeat(43)}… (200017 characters)`]);
  const lines: string[] = [];
  eventLogger(createLogger({ stream: { write: (line: string) => lines.push(line) > 0 }, format: "json" }))({ type: "revision.validated", commit: commitOf("c1"), valid: false, diagnostics, kept: null });
  const logged = lines.map((l) => JSON.parse(l) as { event: string; resource?: string; msg: string }).filter((l) => l.event === "validation.error");
  assert.deepEqual(logged.map((l) => [l.resource, l.msg]), [[`MeshTimeout/shop/${"n".repeat(43)}… (200017 characters)`, `f.yaml:3:1: MeshTimeout/shop/${"n".repeat(43)}… (200017 characters) spec: bad`]]);
  assert.equal(diagnostics[0]?.resource, `MeshTimeout/shop/${name}`, "the diagnostic itself keeps its resource whole");
  assert.deepEqual(
    lines.map((l) => JSON.parse(l) as { event: string; msg: string }).filter((l) => l.event === "validation.failed").map((l) => l.msg),
    ["revision c10000000000 has 1 error: nothing applied"],
  );
});

test("an invalid mesh keeps what the last target had there; one the last target lacks cannot be planned", () => {
  const previous = result([resource("Mesh", "shop", "shop"), resource("MeshTimeout", "shop", "old"), resource("Mesh", "blog", "blog")]);
  const next = result([resource("Mesh", "shop", "shop"), resource("MeshTimeout", "shop", "new"), resource("Mesh", "blog", "blog"), resource("MeshTimeout", "blog", "b")], [error("MeshTimeout/shop/new")]);
  const composed = composeTarget(next, previous, new Set(["shop"]));
  assert.equal(composed.valid, true);
  assert.deepEqual(composed.resources.map((r) => `${r.type}/${r.mesh}/${r.name}`).sort(), ["Mesh/blog/blog", "Mesh/shop/shop", "MeshTimeout/blog/b", "MeshTimeout/shop/old"]);
  assert.deepEqual([...unplannable(new Set(["shop", "news"]), previous)], ["news"]);
});

test("a composed target's texts are the head's: an invalid mesh's kept resources, which an earlier revision wrote, are not located in them", async () => {
  const from = (r: Resource, file: string, docIndex = 0): Resource => ({ ...r, source: { file, docIndex, line: 1 + 5 * docIndex, column: 1, format: "universal" } });
  const read: string[][] = [];
  const text = (...names: string[]) => names.map((name) => `type: MeshTimeout\nname: ${name}\nspec:\n  field: x\n`).join("---\n");
  const heads = new Map([["shop.yaml", text("new", "b")]]);
  const texts = { read: (files: readonly string[]) => (read.push([...files]), Promise.resolve(new Map(files.map((file) => [file, heads.get(file) ?? ""])))) };
  // shop.yaml holds shop's timeout and one of blog's; shop is invalid at the head and keeps the earlier revision's.
  const previous = result([from(resource("MeshTimeout", "shop", "old"), "shop.yaml")]);
  const next = { ...result([from(resource("MeshTimeout", "shop", "new"), "shop.yaml"), from(resource("MeshTimeout", "blog", "b"), "shop.yaml", 1)]), texts };
  const composed = composeTarget(next, previous, new Set(["shop"]));
  const [blog, old] = composed.resources;
  assert.deepEqual([blog?.name, old?.name], ["b", "old"]);
  const references = [old, blog].map((r) => ({ resource: r as Resource, targets: ["MeshService/x/y"], path: "spec.field" }));
  const positions = (await unknownServiceWarnings(references, composed.texts)).map((d) => [d.resource, d.line, d.column]);
  // blog's is at its field in the head's text of the shared file; shop's kept one at its document.
  assert.deepEqual(positions, [["MeshTimeout/shop/old", 1, 1], ["MeshTimeout/blog/b", 9, 3]]);
  assert.deepEqual(read, [["shop.yaml"]]);
  assert.equal(composeTarget(next, previous, new Set()).texts, texts, "all of the head: every text");
});

/** A plan of `desired` against `live` (the desired resources with ownership labels, as the daemon writes them). */
function planOf(desired: Resource[], live: Resource[], unowned: Resource[] = []): { plan: Plan; desired: ReturnType<typeof buildDesired>; live: JsonObject[] } {
  const config = result(desired).config;
  const state = buildDesired(desired, config, targetOf(config, { version: "2.14.3" }));
  const liveObjects = [...buildDesired(live, config, targetOf(config, { version: "2.14.3" })).resources.map((r) => r.object), ...unowned.map((r) => r.object)];
  return { plan: planChanges(state.resources, liveObjects, { instance: "meshops", prune: true }), desired: state, live: liveObjects };
}

test("the gate holds a guard-flagged mesh until that revision is approved; the other meshes go on", () => {
  const keep = [resource("Mesh", "shop", "shop"), resource("MeshTimeout", "shop", "t1"), resource("Mesh", "blog", "blog"), resource("MeshTimeout", "blog", "b1")];
  const { plan, desired, live } = planOf([...keep, resource("MeshTimeout", "blog", "b2")], [...keep, resource("MeshTrafficPermission", "shop", "allow")]);
  const limits = { enabled: true, maxDeletes: 10, maxDeletePercent: 100 };
  const gate = gatePlan({ plan, desired, live, ownedCount: 5, limits, revision: "rev", closed: new Set(), approved: () => undefined });
  assert.deepEqual([...gate.held.keys()], ["shop"]);
  const held = gate.held.get("shop");
  assert.deepEqual(held?.reasons.map((r) => r.split(";")[0]), ["removes MeshTrafficPermission/shop/allow"]);
  assert.deepEqual(held?.changes.map((c) => `${c.action} ${c.resource}`), ["delete MeshTrafficPermission/shop/allow"]);
  assert.deepEqual(gate.plan.changes.filter((c) => c.action !== "unchanged").map((c) => `${c.action} ${c.resource}`), ["create MeshTimeout/blog/b2"]);

  assert.match(held?.plan ?? "", /^[0-9a-f]{64}$/);
  assert.equal(held?.plan, planFingerprint(plan.changes.filter((c) => c.mesh === "shop" && c.action !== "unchanged")), "the fingerprint of every change held in the mesh");
  const approved = gatePlan({ plan, desired, live, ownedCount: 5, limits, revision: "rev", closed: new Set(), approved: (mesh) => (mesh === "shop" ? held?.plan : undefined) });
  assert.equal(approved.held.size, 0);
  assert.equal(approved.plan.summary.delete, 1);

  // An approval of another plan of this revision (the one shown before the control plane changed) applies nothing.
  const changed = gatePlan({ plan, desired, live, ownedCount: 5, limits, revision: "rev", closed: new Set(), approved: () => PLAN_2 });
  assert.deepEqual([...changed.held.keys()], ["shop"]);
  assert.equal(changed.held.get("shop")?.plan, held?.plan);
  assert.equal(changed.plan.summary.delete, 0);
  const why =
    `plan changed since approval: plan 222222222222 of revision rev was approved, the revision now plans ${held?.plan.slice(0, 12)} (the control plane changed since the plan was shown); ` +
    `the approval is dropped and nothing of it applied: review the changes held now, and approve plan ${held?.plan.slice(0, 12)} if they are meant`;
  assert.equal(changed.held.get("shop")?.reasons.at(-1), why);
  assert.deepEqual([...changed.dropped], [["shop", { approved: PLAN_2, plan: held?.plan }]], "the approval no longer applies");
  assert.equal(approved.dropped.size, 0);
  // Once dropped, later runs still say why, as long as the plan held is not the one approved (nor apply it when it is).
  const later = gatePlan({ plan, desired, live, ownedCount: 5, limits, revision: "rev", closed: new Set(), approved: () => undefined, dropped: () => PLAN_2 });
  assert.deepEqual([later.held.get("shop")?.reasons.at(-1), later.dropped.size], [why, 0]);
  const back = gatePlan({ plan, desired, live, ownedCount: 5, limits, revision: "rev", closed: new Set(), approved: () => undefined, dropped: () => held?.plan });
  assert.deepEqual([back.held.get("shop")?.reasons, back.plan.summary.delete], [held?.reasons, 0]);

  const closed = gatePlan({ plan, desired, live, ownedCount: 5, limits, revision: "rev", closed: new Set(["shop", "blog"]), approved: () => undefined });
  assert.deepEqual([closed.held.size, closed.plan.changes.length], [0, 0], "nothing of a closed mesh is planned nor held");
});

test("a plan's fingerprint: each change's subject, action and object written; not their order, not the diff shown, not a secret's value", () => {
  const change = (action: Change["action"], name: string, desired?: JsonObject): Change => ({ action, resource: `MeshTimeout/shop/${name}`, type: "MeshTimeout", mesh: "shop", name, diff: `diff of ${name}`, ...(desired ? { desired } : {}) });
  const body = (idle: string): JsonObject => ({ type: "MeshTimeout", mesh: "shop", name: "a", spec: { to: [{ default: { idleTimeout: idle } }] } });
  const base = planFingerprint([change("update", "a", body("1m")), change("delete", "b")]);
  // The value a person approves is sent back as shown: however it is worked out, the same changes give this digest.
  assert.equal(base, "ba105fc3de25ff3de5b2eeff211e9efedfd2bf75ec6074eedf5080d307a2f294");
  assert.equal(planFingerprint([{ ...change("delete", "b"), diff: "another diff" }, change("update", "a", body("1m"))]), base);
  assert.notEqual(planFingerprint([change("update", "a", body("2m")), change("delete", "b")]), base, "another object written");
  assert.notEqual(planFingerprint([change("create", "a", body("1m")), change("delete", "b")]), base, "another action");
  assert.notEqual(planFingerprint([change("update", "a", body("1m")), change("delete", "b"), change("delete", "c")]), base, "one more change");
  // Shown on the page: a digest of a weak secret could be guessed, so the values are redacted first.
  const secret = (value: string): Change => ({ action: "create", resource: "Secret/shop/s", type: "Secret", mesh: "shop", name: "s", diff: "", desired: { type: "Secret", mesh: "shop", name: "s", data: value } });
  assert.equal(planFingerprint([secret("aHVudGVyMg==")]), planFingerprint([secret("cGFzc3dvcmQ=")]));
});

test("the gate sees whole meshes in an incremental plan: deleting one of several policies is not 'all policies removed'", () => {
  const keep = [resource("Mesh", "shop", "shop"), resource("MeshTimeout", "shop", "t1"), resource("MeshRetry", "shop", "r1")];
  const { plan, desired, live } = planOf(keep, [...keep, resource("MeshTimeout", "shop", "t2")]);
  // What an incremental plan looks like: only the subject that changed.
  const incremental: Plan = { ...plan, changes: plan.changes.filter((c: Change) => c.action === "delete") };
  const gate = gatePlan({ plan: incremental, desired, live, ownedCount: 4, limits: { enabled: true, maxDeletes: 10, maxDeletePercent: 100 }, revision: "rev", closed: new Set(), approved: () => undefined });
  assert.equal(gate.held.size, 0);
  assert.equal(gate.plan.summary.delete, 1);

  // Past the prune limits, every mesh that deletes is held, with the limit as the reason.
  const limited = gatePlan({ plan: incremental, desired, live, ownedCount: 4, limits: { enabled: true, maxDeletes: 0, maxDeletePercent: 100 }, revision: "rev", closed: new Set(), approved: () => undefined });
  assert.deepEqual(limited.held.get("shop")?.reasons, ["the plan deletes 1 of 4 owned resources (25%), more than meshops.yaml prune.maxDeletes 0"]);
});

test("a policy the control plane holds without meshops' label stays: removing meshops' last one there is not 'all policies removed'", () => {
  const meshes = [resource("Mesh", "shop", "shop"), resource("Mesh", "blog", "blog")];
  const owned = [resource("MeshTimeout", "shop", "t1"), resource("MeshTimeout", "blog", "b1")];
  // shop also holds a policy written before meshops (no ownership label): prune never deletes it.
  const { plan, desired, live } = planOf(meshes, [...meshes, ...owned], [resource("MeshRetry", "shop", "by-hand")]);
  const limits = { enabled: true, maxDeletes: 10, maxDeletePercent: 100 };
  const incremental: Plan = { ...plan, changes: plan.changes.filter((c: Change) => c.action === "delete") };
  for (const input of [plan, incremental]) {
    const gate = gatePlan({ plan: input, desired, live, ownedCount: 4, limits, revision: "rev", closed: new Set(), approved: () => undefined });
    assert.deepEqual([...gate.held.keys()], ["blog"]);
    assert.deepEqual(gate.held.get("blog")?.reasons, ["removes all 1 policy of Mesh/blog; none is left in the mesh"]);
    assert.deepEqual(gate.plan.changes.filter((c) => c.action === "delete").map((c) => c.resource), ["MeshTimeout/shop/t1"]);
  }
});

test("approvals name the held revision and bind to the plan held; a newer hold supersedes them; a mesh suspended by meshops.yaml is resumed there", () => {
  const controls = new MeshControls();
  assert.deepEqual(controls.approve("shop", "abcdef1"), { ok: false, status: 409, error: "mesh shop is not awaiting approval" });
  controls.setAwaiting("abcdef1234", awaiting("shop", "abcdef1234"));
  assert.equal(controls.approve("shop", "abc").ok, false, "a prefix shorter than 7 is not enough");
  assert.deepEqual(controls.approve("shop", "abcdef1"), { ok: true, message: "revision abcdef1234 of mesh shop approved, plan 111111111111: applying it" });
  assert.equal(controls.approvedPlan("shop", "abcdef1234"), PLAN_1, "the plan held when the approval was given");
  // The same revision plans other changes (the control plane changed): the approval still names the plan shown.
  controls.setAwaiting("abcdef1234", awaiting("shop", "abcdef1234", PLAN_2));
  assert.equal(controls.approvedPlan("shop", "abcdef1234"), PLAN_1);
  const shownBefore = controls.approve("shop", "abcdef1234", PLAN_1);
  assert.ok(!shownBefore.ok && shownBefore.status === 409);
  assert.equal(shownBefore.error, `mesh shop awaits approval of plan ${PLAN_2} of revision abcdef1234, not plan ${PLAN_1}: the plan changed since it was shown; review the changes held now and approve those`);
  assert.equal(controls.approve("shop", "abcdef1234", PLAN_2.slice(0, 11)).ok, false, "a plan prefix shorter than 12 is not enough");
  assert.equal(controls.approvedPlan("shop", "abcdef1234"), PLAN_1, "refusals change nothing");
  assert.equal(controls.approve("shop", "abcdef1234", PLAN_2.slice(0, 12).toUpperCase()).ok, true);
  assert.equal(controls.approvedPlan("shop", "abcdef1234"), PLAN_2);
  // A newer commit: the approval of the older revision is dropped, and the new hold needs its own.
  controls.setAwaiting("fedcba9876", awaiting("shop", "fedcba9876"));
  assert.equal(controls.approvedPlan("shop", "abcdef1234"), undefined);
  assert.equal(controls.approvedPlan("shop", "fedcba9876"), undefined);
  const stale = controls.approve("shop", "abcdef1234");
  assert.ok(!stale.ok && stale.status === 409 && /superseded/.test(stale.error));

  assert.equal(controls.suspend("blog").ok, true);
  assert.equal(controls.suspendedBy("blog"), "api");
  controls.setConfigSuspended(["news"]);
  assert.deepEqual([...controls.suspensions()], [["blog", "api"], ["news", "config"]]);
  const resume = controls.resume("news");
  assert.ok(!resume.ok && resume.status === 409);
  assert.equal(controls.resume("blog").ok, true);
  assert.equal(controls.suspendedBy("blog"), undefined);
});

test("the per-mesh API: route, method, token, body and mesh checked before anything changes", () => {
  const controls = new MeshControls();
  controls.setAwaiting("abcdef1234", awaiting("shop", "abcdef1234"));
  const context = { token: "t0k", controls, knownMesh: (mesh: string) => mesh === "shop" };
  const ask = (over: Partial<MeshApiRequest>) =>
    answerMeshRequest({ method: "POST", path: "/api/meshes/shop/approve", authorization: "Bearer t0k", body: Buffer.from('{"revision":"abcdef1234"}'), ...over }, context);
  assert.equal(ask({ path: "/api/meshes/shop/explode" }).status, 404);
  assert.equal(ask({ path: "/api/meshes/Sh%20op/approve" }).status, 404);
  assert.equal(ask({ method: "GET" }).status, 405);
  assert.equal(ask({ authorization: undefined }).status, 401);
  assert.equal(answerMeshRequest({ method: "POST", path: "/api/meshes/shop/suspend", authorization: undefined, body: Buffer.alloc(0) }, { ...context, token: undefined }).status, 404);
  assert.equal(ask({ body: undefined }).status, 413);
  assert.equal(ask({ body: Buffer.from("{") }).status, 400);
  assert.equal(ask({ path: "/api/meshes/blog/suspend" }).status, 404, "an unknown mesh");
  const withPlan = (plan: unknown) => ask({ body: Buffer.from(JSON.stringify({ revision: "abcdef1234", plan })) });
  assert.equal(withPlan("not hex").status, 400);
  assert.equal(withPlan(12).status, 400);
  assert.equal(withPlan(PLAN_2).status, 409, "not the plan held");
  assert.equal(controls.approvedPlan("shop", "abcdef1234"), undefined, "nothing changed so far");
  const ok = ask({});
  assert.deepEqual([ok.status, ok.trigger?.kind, ok.trigger?.detail], [202, "api", "approve mesh shop"]);
  assert.equal(controls.approvedPlan("shop", "abcdef1234"), PLAN_1, "a revision alone approves the plan held when asked");
  assert.equal(withPlan(PLAN_1).status, 202);
});

test("the per-mesh API reaches the global unit as _global (no Mesh can be named so)", () => {
  const controls = new MeshControls();
  controls.setAwaiting("abcdef1234", awaiting(GLOBAL_SCOPE, "abcdef1234"));
  const context = { token: "t0k", controls, knownMesh: (mesh: string) => mesh === GLOBAL_SCOPE };
  const ask = (path: string, body = "{}") => answerMeshRequest({ method: "POST", path, authorization: "Bearer t0k", body: Buffer.from(body) }, context);
  assert.equal(ask("/api/meshes//approve").status, 404);
  const approved = ask("/api/meshes/_global/approve", '{"revision":"abcdef1234"}');
  assert.deepEqual([approved.status, approved.trigger?.detail], [202, "approve _global (the global resources)"]);
  assert.equal(controls.approvedPlan(GLOBAL_SCOPE, "abcdef1234"), PLAN_1);
  assert.equal(ask("/api/meshes/_global/suspend").status, 202);
  assert.ok(controls.suspensions().has(GLOBAL_SCOPE));
});

test("one state per mesh, with a reason and a since-time that moves only when the state does", () => {
  let clock = 0;
  const status = testStatus({ driftIntervalMs: 1000, reconcileEndpoint: true }, () => new Date(Date.UTC(2026, 0, 1) + clock++ * 1000));
  const commit = (id: string): CommitInfo => ({ commit: id, message: id, author: "a", date: "2026-01-01T00:00:00.000Z" });
  const state = (s: StatusJson, name: string) => {
    const m = s.meshes.find((x) => x.name === name);
    return m ? `${m.state}: ${m.reason}` : undefined;
  };
  const gated = (revision: string, over: { invalid?: [string, string][]; held?: boolean; suspended?: [string, "config" | "api"][]; repositoryWide?: string } = {}) =>
    status.record({
      type: "meshes.gated",
      revision,
      meshes: ["blog", "shop"],
      repositoryWide: over.repositoryWide ?? null,
      invalid: new Map(over.invalid ?? []),
      lacking: new Map(),
      held: new Map(over.held ? [["shop", { revision, plan: PLAN_1, reasons: ["removes MeshTrafficPermission/shop/a"], summary: { create: 0, update: 0, delete: 1 }, changes: [], truncated: 0 }]] : []),
      suspended: new Map(over.suspended ?? []),
    });
  const synced = (revision: string, meshes: string[]) => {
    status.record({ type: "meshes.synced", commit: commit(revision), meshes, results: new Map(), inventory: () => new Map(), driftMode: () => "report", stopped: false });
    status.record({ type: "drift.checked", revision, meshes: ["blog", "shop"], report: driftReportOf([]), desiredCounts: new Map([["blog", 1], ["shop", 1]]), driftMode: () => "report" });
  };
  const run = (id: number, revision: string, result: "applied" | "invalid" | "refused" | "error", body: () => void) => {
    status.record({ type: "run.started", run: id, reasons: ["commit"] });
    status.record({ type: "sync.started", revision, commit: commit(revision), reasons: ["commit"] });
    body();
    status.record({ type: "run.finished", run: id, revision, reasons: ["commit"], triggers: 1, durationMs: 1, end: { kind: "sync", result, revision, commit: commit(revision), summary: { applied: 0, failed: 0, skipped: 0, drift: 0 } } });
  };

  run(1, "r1", "error", () => {
    gated("r1");
    status.record({ type: "run.failed", kind: "sync", revision: "r1", message: "connect ECONNREFUSED", controlPlane: true });
  });
  let s = status.toJSON();
  assert.equal(s.ready, false, "the control plane never answered");
  assert.equal(state(s, "shop"), "unknown: control plane: connect ECONNREFUSED");
  assert.equal(s.lastSuccessAt, null);

  run(2, "r1", "applied", () => synced("r1", ["blog", "shop"]));
  s = status.toJSON();
  assert.equal(s.ready, true);
  assert.equal(state(s, "shop"), "in-sync: revision r1 is applied");
  const since = s.meshes.find((m) => m.name === "shop")?.since;
  assert.ok(s.lastSuccessAt);
  // A drift check that finds nothing: the state stays, and so does its since-time.
  status.record({ type: "run.started", run: 3, reasons: ["drift-timer"] });
  status.record({ type: "drift.checked", revision: "r1", meshes: ["blog", "shop"], report: driftReportOf([]), desiredCounts: new Map([["blog", 1], ["shop", 1]]), driftMode: () => "report" });
  status.record({ type: "run.finished", run: 3, revision: "r1", reasons: ["drift-timer"], triggers: 1, durationMs: 1, end: { kind: "drift", result: "in-sync", revision: "r1", commit: null, summary: { applied: 0, failed: 0, skipped: 0, drift: 0 } } });
  s = status.toJSON();
  assert.equal(s.meshes.find((m) => m.name === "shop")?.since, since);

  run(4, "r2", "invalid", () => {
    gated("r2", { invalid: [["blog", "1 validation error at r2, first x"]] });
    synced("r2", ["shop"]);
  });
  s = status.toJSON();
  assert.equal(state(s, "blog"), "invalid: 1 validation error at r2, first x");
  assert.equal(state(s, "shop"), "in-sync: revision r2 is applied");
  assert.equal(s.meshes.find((m) => m.name === "shop")?.since, since, "in sync before and after the commit: not behind in between");
  assert.equal(s.revision.applied?.commit, "r1", "blog does not have r2");
  const lastSuccess = s.lastSuccessAt;

  run(5, "r3", "refused", () => {
    gated("r3", { held: true, suspended: [["blog", "config"]] });
    synced("r3", []);
  });
  s = status.toJSON();
  assert.equal(state(s, "shop"), "awaiting-approval: revision r3 waits for approval: removes MeshTrafficPermission/shop/a");
  assert.equal(state(s, "blog"), "suspended: suspended by meshops.yaml");
  assert.equal(s.lastSuccessAt, lastSuccess, "neither an invalid nor a held run is a success");
  const heldSince = s.meshes.find((m) => m.name === "shop")?.approval?.since;
  gated("r3", { held: true, suspended: [["blog", "config"]] });
  assert.equal(status.toJSON().meshes.find((m) => m.name === "shop")?.approval?.since, heldSince, "the same hold keeps its since");

  run(6, "r4", "invalid", () => gated("r4", { repositoryWide: "1 error no mesh can be named for at r4 (the whole repository waits), first meshops.yaml:1: x" }));
  s = status.toJSON();
  for (const name of ["blog", "shop"]) assert.match(state(s, name) ?? "", /^invalid: 1 error no mesh can be named for/);
  assert.deepEqual(
    status.meshConditions().map((m) => [m.mesh, m.state, m.headApplied]),
    [
      ["blog", "invalid", false],
      ["shop", "invalid", false],
    ],
  );
});

test("what the control plane lacks holds each mesh it is in, one line each: the resources counted, the first field at its file and line", () => {
  const at = (file: string, line: number, resource: string, path: string, message: string): Diagnostic => ({ severity: "error", file, line, column: 3, resource, path, message, rule: "control-plane-lacks" });
  const rules = 'field "rules" was introduced in Kuma 2.12; the control plane (Kuma 2.10.11) does not have it, so it would refuse or drop it';
  const reasons = lackingByMesh(
    [
      at("edge/mtp.yaml", 6, "MeshTrafficPermission/edge/a", "spec.rules", rules),
      at("edge/mtp.yaml", 14, "MeshTrafficPermission/edge/a", "spec.rules[0].default", rules),
      at("edge/mtp2.yaml", 6, "MeshTrafficPermission/edge/b", "spec.rules", rules),
      at("shop/trust.yaml", 1, "MeshTrust/shop/t", "type", "the control plane (Kuma 2.10.11) does not serve MeshTrust (introduced in Kuma 2.12), so it would refuse it"),
    ],
    "the control plane (Kuma 2.10.11)",
  );
  assert.deepEqual([...reasons.keys()], ["edge", "shop"]);
  assert.equal(
    reasons.get("edge"),
    `2 resources hold what the control plane (Kuma 2.10.11) does not have, nothing of it written until the control plane has it or the repository changes; first edge/mtp.yaml:6:3: MeshTrafficPermission/edge/a spec.rules: ${rules}`,
  );
  assert.match(reasons.get("shop") ?? "", /^1 resource holds what .*; first shop\/trust.yaml:1:3: MeshTrust\/shop\/t type: the control plane \(Kuma 2.10.11\) does not serve MeshTrust/);
});

test("a mesh held for what the control plane lacks is `blocked`, reason control-plane-lacks: in the status, the metrics, the log and notifications alike", async () => {
  const status = testStatus();
  const metrics = new DaemonMetrics({ processMetrics: false });
  metrics.observeMeshes({ meshes: () => status.meshConditions(), ready: () => status.ready });
  const lines: string[] = [];
  const log = eventLogger(createLogger({ stream: { write: (line: string) => lines.push(line) > 0 }, format: "json" }));
  const message = "1 resource holds what the control plane (Kuma 2.11.4) does not have, nothing of it written until the control plane has it or the repository changes; first edge/p.yaml:10: x";
  const gated = (lacking: [string, string][]) => {
    const event = { type: "meshes.gated", revision: "r1", meshes: ["edge", "shop"], repositoryWide: null, invalid: new Map(), lacking: new Map(lacking), held: new Map(), suspended: new Map() } as const;
    status.record(event);
    log(event);
  };
  gated([["edge", message]]);
  status.record({ type: "meshes.synced", commit: commitOf("r1"), meshes: ["shop"], results: new Map(), inventory: () => new Map(), driftMode: () => "report", stopped: false });
  const meshOf = (name: string) => status.toJSON().meshes.find((m) => m.name === name);
  const edge = meshOf("edge");
  assert.deepEqual([edge?.state, edge?.reason, edge?.blocked], ["blocked", message, { reason: "control-plane-lacks", message }]);
  assert.equal(meshOf("shop")?.blocked, null);
  let scraped = await metrics.registry.metrics();
  assert.match(scraped, /^meshops_mesh_state\{mesh="edge",state="blocked"\} 1$/m);
  assert.match(scraped, /^meshops_mesh_blocked\{mesh="edge",reason="control-plane-lacks"\} 1$/m);
  assert.doesNotMatch(scraped, /^meshops_mesh_blocked\{mesh="shop"/m, "only blocked meshes have the series, as Argo CD's argocd_app_condition");
  const logged = lines.map((l) => JSON.parse(l) as { event: string; mesh?: string; reason?: string; msg: string }).filter((l) => l.mesh === "edge");
  assert.deepEqual(logged, [{ ...logged[0], event: "mesh.blocked", mesh: "edge", reason: "control-plane-lacks", msg: `mesh edge is blocked (control-plane-lacks): ${message}` }]);
  const view = (m: typeof edge) => ({ state: m?.state ?? "", appliedRevision: m?.appliedRevision ?? null, reason: m?.reason ?? "", inRepository: true });
  assert.deepEqual(noticeOf("edge", undefined, view(edge)), { mesh: "edge", kind: "blocked", reason: message });

  // The repository changed and the mesh applies: the block and its series are gone.
  gated([]);
  assert.deepEqual([meshOf("edge")?.state, meshOf("edge")?.blocked], ["behind", null], "not applied yet: behind, no longer blocked");
  scraped = await metrics.registry.metrics();
  assert.doesNotMatch(scraped, /^meshops_mesh_blocked\{/m);
});

test("a plan past the prune limits names the setting that set the limit: meshops.yaml's prune settings, or watch's flags", () => {
  const keep = [resource("Mesh", "shop", "shop"), resource("MeshTimeout", "shop", "t1")];
  const { plan, desired, live } = planOf(keep, [...keep, resource("MeshTimeout", "shop", "t2"), resource("MeshRetry", "shop", "r2")]);
  const reasons = (limits: GateInput["limits"]) => gatePlan({ plan, desired, live, ownedCount: 4, limits, revision: "rev", closed: new Set(), approved: () => undefined }).held.get("shop")?.reasons;
  // No flag given: the limits are meshops.yaml's (or its defaults), which an operator who never passed a flag raises.
  assert.deepEqual(reasons({ enabled: true, maxDeletes: 1, maxDeletePercent: 100 }), ["the plan deletes 2 of 4 owned resources (50%), more than meshops.yaml prune.maxDeletes 1"]);
  assert.deepEqual(reasons({ enabled: true, maxDeletes: 10, maxDeletePercent: 25 }), ["the plan deletes 2 of 4 owned resources (50%), more than meshops.yaml prune.maxDeletePercent 25%"]);
  assert.deepEqual(reasons({ enabled: true, maxDeletes: 1, maxDeletePercent: 100, flags: { maxDeletes: true } }), ["the plan deletes 2 of 4 owned resources (50%), more than --max-deletes 1"]);
  assert.deepEqual(reasons({ enabled: true, maxDeletes: 10, maxDeletePercent: 25, flags: { maxDeletePercent: true } }), ["the plan deletes 2 of 4 owned resources (50%), more than --max-delete-percent 25%"]);
});
