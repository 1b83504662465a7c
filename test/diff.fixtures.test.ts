import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { DEFAULT_CONFIG } from "../src/config/repoConfig.js";
import { buildDesired } from "../src/desired/index.js";
import { classifyDrift, driftExitCode, leftAloneSummary, type DriftReport, type DriftSummary, type LeftAloneSummary } from "../src/diff/drift.js";
import { normalize } from "../src/diff/normalize.js";
import { planChanges, type Plan } from "../src/diff/plan.js";
import { renderDriftJson } from "../src/report/plan.js";
import type { JsonObject, Resource } from "../src/model/resource.js";
import { toResource } from "../src/parse/convert.js";
import { DEFAULT_SYSTEM_NAMESPACES } from "../src/kuma/naming.js";
import { parseYaml } from "../src/parse/documents.js";
import { validateSchema } from "../src/validate/schema.js";
import { projectRoot } from "./helpers/git.js";
import { assertGolden } from "./helpers/golden.js";

/**
 * One folder per case under test/fixtures/diff/<case>: `desired.yaml` (repository documents), `live.json` (the
 * objects exactly as a control plane returns them on GET: timestamps, kri, computed labels, Go-spelled durations,
 * schema defaults, status) and the goldens `expected-plan.json` and `expected-drift.json`. The table says what each
 * case is about and pins its summaries, so a golden file cannot quietly drift into proving nothing.
 */
interface Case {
  readonly about: string;
  /** Materialize each Mesh's default policies (DEFAULT_CONFIG does). */
  readonly materialize: boolean;
  readonly prune: boolean;
  readonly plan: Plan["summary"];
  readonly drift: DriftSummary;
  /** What drift leaves alone as the control plane's (none unless given). */
  readonly leftAlone?: LeftAloneSummary;
  /** `action resource` of every change, in plan order, when the order is the point of the case. */
  readonly order?: readonly string[];
}

const none = { missing: 0, modified: 0, orphaned: 0, unmanaged: 0 };

const cases: Record<string, Case> = {
  "no-false-drift": {
    about: "durations (1h vs 1h0m0s, 0 vs 0s, 0.5s vs 0.500s), schema defaults, computed labels, kri/timestamps/status, MeshService state, Mesh zero values and prometheus defaulter, key order",
    materialize: true,
    prune: true,
    plan: { create: 0, update: 0, delete: 0, unchanged: 5 },
    drift: none,
  },
  "spec-change": {
    about: "a real spec and label change is one update with a readable diff",
    materialize: true,
    prune: false,
    plan: { create: 0, update: 1, delete: 0, unchanged: 1 },
    drift: { ...none, modified: 1 },
  },
  create: {
    about: "a resource absent from the control plane is created",
    materialize: true,
    prune: false,
    plan: { create: 1, update: 0, delete: 0, unchanged: 1 },
    drift: { ...none, missing: 1 },
  },
  "prune-orphan": {
    about: "an owned resource no longer desired is deleted with prune; another instance's resource never is",
    materialize: true,
    prune: true,
    plan: { create: 0, update: 0, delete: 1, unchanged: 2 },
    drift: { ...none, orphaned: 1, unmanaged: 1 },
  },
  unmanaged: {
    about: "live-only resources meshops does not own are never deleted, even with prune, and drift reports them as unmanaged",
    materialize: true,
    prune: true,
    plan: { create: 0, update: 0, delete: 0, unchanged: 2 },
    drift: { ...none, unmanaged: 3 },
  },
  "control-plane-made": {
    about: "what the zone generated or the global control plane synced is never planned nor drift, only counted; a generated service the repository also defines is compared",
    materialize: true,
    prune: true,
    plan: { create: 0, update: 1, delete: 0, unchanged: 1 },
    drift: { ...none, modified: 1, unmanaged: 1 },
    leftAlone: { generated: 1, synced: 2 },
  },
  adoption: {
    about: "the control plane's own default policies, equal in spec but without the ownership label, are updates that adopt them",
    materialize: true,
    prune: false,
    plan: { create: 0, update: 4, delete: 0, unchanged: 1 },
    drift: { ...none, modified: 4 },
  },
  "secret-redaction": {
    about: "rotated inline certificates and keys show as changed, never as content or digest",
    materialize: true,
    prune: false,
    plan: { create: 0, update: 2, delete: 0, unchanged: 0 },
    drift: { ...none, modified: 2 },
  },
  ordering: {
    about: "writes in dependency order (Mesh, MeshService, MeshHTTPRoute, policies), deletes reversed and last",
    materialize: false,
    prune: true,
    plan: { create: 10, update: 0, delete: 5, unchanged: 0 },
    drift: { ...none, missing: 10, orphaned: 5 },
    order: [
      "create Mesh/billing",
      "create Mesh/payments",
      "create MeshService/billing/api",
      "create MeshService/payments/web",
      "create MeshHTTPRoute/billing/api-route",
      "create MeshHTTPRoute/payments/web-route",
      "create MeshTimeout/billing/api-timeouts",
      "create MeshTrafficPermission/billing/api-allow",
      "create MeshTimeout/payments/web-timeouts",
      "create MeshTrafficPermission/payments/web-allow",
      "delete MeshTrafficPermission/legacy/old-allow",
      "delete MeshRetry/legacy/old-retries",
      "delete MeshHTTPRoute/legacy/old-route",
      "delete MeshService/legacy/old",
      "delete Mesh/legacy",
    ],
  },
};

const fixtures = path.join(projectRoot, "test/fixtures/diff");
const INSTANCE = DEFAULT_CONFIG.instance;

function loadCase(name: string, c: Case): { desired: readonly Resource[]; live: JsonObject[] } {
  const dir = path.join(fixtures, name);
  const parsed = parseYaml(readFileSync(path.join(dir, "desired.yaml"), "utf8"));
  assert.deepEqual(parsed.problems, [], `${name}/desired.yaml must parse`);
  const resources = parsed.documents.map((doc) => {
    const conversion = toResource("desired.yaml", doc, { systemNamespaces: DEFAULT_SYSTEM_NAMESPACES });
    assert.ok(conversion.resource && conversion.problems.length === 0, JSON.stringify(conversion.problems));
    return conversion.resource;
  });
  const config = { ...DEFAULT_CONFIG, defaults: { materialize: c.materialize } };
  const live = JSON.parse(readFileSync(path.join(dir, "live.json"), "utf8")) as JsonObject[];
  return { desired: buildDesired(resources, config, { major: 2 }).resources, live };
}

/** The plan as `meshops plan --format json` shows it (PRODUCT.md); the objects to PUT are not part of the output. */
function planJson(plan: Plan): string {
  const changes = plan.changes.map(({ action, resource, type, mesh, name, origin, diff }) => ({ action, resource, type, mesh, name, ...(origin ? { origin } : {}), diff }));
  return `${JSON.stringify({ summary: plan.summary, changes }, null, 2)}\n`;
}

/** The drift as `meshops drift --format json` shows it (PRODUCT.md). */
const driftJson: (report: DriftReport) => string = renderDriftJson;

test("every diff fixture folder has a case in the table", () => {
  assert.deepEqual(readdirSync(fixtures).sort(), Object.keys(cases).sort());
});

for (const [name, c] of Object.entries(cases)) {
  test(`diff fixture: ${name} (${c.about})`, () => {
    const { desired, live } = loadCase(name, c);

    // The fixture's desired side is a valid repository: otherwise the case would test something meshops never plans.
    for (const r of desired) assert.deepEqual(validateSchema(r.type, r.object), [], `${name}: ${r.type}/${r.mesh}/${r.name} is schema-valid`);
    // Normalization is idempotent on both sides.
    for (const object of [...desired.map((r) => r.object), ...live]) assert.deepEqual(normalize(normalize(object)), normalize(object));

    const plan = planChanges(desired, live, { instance: INSTANCE, prune: c.prune });
    assert.deepEqual(plan.summary, c.plan);
    for (const change of plan.changes) {
      assert.equal(change.diff === "", change.action === "unchanged", `${change.resource}: a diff exactly when something changes`);
      if (change.action !== "delete") assert.ok(change.desired, `${change.resource}: writes carry the object to PUT`);
    }
    if (c.order) assert.deepEqual(plan.changes.map((ch) => `${ch.action} ${ch.resource}`), c.order);
    assertGolden(path.join(fixtures, name, "expected-plan.json"), planJson(plan));

    const drift = classifyDrift(desired, live, { instance: INSTANCE });
    assert.deepEqual(drift.summary, c.drift);
    assert.deepEqual(leftAloneSummary(drift.leftAlone), c.leftAlone ?? { generated: 0, synced: 0 });
    assert.equal(driftExitCode(drift.summary), c.drift.missing + c.drift.modified + c.drift.orphaned > 0 ? 2 : 0);
    assertGolden(path.join(fixtures, name, "expected-drift.json"), driftJson(drift));
  });
}

test("prune-orphan: without prune nothing is deleted, and the unowned resource never is", () => {
  const c = cases["prune-orphan"];
  assert.ok(c);
  const { desired, live } = loadCase("prune-orphan", c);
  const withoutPrune = planChanges(desired, live, { instance: INSTANCE, prune: false });
  assert.deepEqual(withoutPrune.summary, { create: 0, update: 0, delete: 0, unchanged: 2 });
  const withPrune = planChanges(desired, live, { instance: INSTANCE, prune: true });
  assert.deepEqual(withPrune.changes.filter((ch) => ch.action === "delete").map((ch) => ch.resource), ["MeshRetry/payments/old-retries"]);
  // The other instance prunes its own resource and leaves ours alone.
  const staging = planChanges(desired, live, { instance: "meshops-staging", prune: true });
  const stagingDeletes = staging.changes.filter((ch) => ch.action === "delete").map((ch) => ch.resource);
  assert.deepEqual(stagingDeletes, ["MeshCircuitBreaker/payments/staging-breaker"]);
});

test("adoption: the only difference is the ownership label", () => {
  const c = cases.adoption;
  assert.ok(c);
  const { desired, live } = loadCase("adoption", c);
  const plan = planChanges(desired, live, { instance: INSTANCE, prune: false });
  for (const change of plan.changes.filter((ch) => ch.action === "update")) {
    assert.equal(change.origin, "default");
    const edits = change.diff.split("\n").filter((line) => /^[-+][^-+]/.test(line));
    assert.deepEqual(edits, ["+labels:", "+  meshops.io/managed-by: meshops"], change.diff);
  }
});

test("secret-redaction: no secret reaches a diff, but every change is visible", () => {
  const c = cases["secret-redaction"];
  assert.ok(c);
  const { desired, live } = loadCase("secret-redaction", c);
  const plan = planChanges(desired, live, { instance: INSTANCE, prune: false });
  const drift = classifyDrift(desired, live, { instance: INSTANCE });
  const shown = planJson(plan) + driftJson(drift);
  for (const secret of ["CAROOTCERTIFICATE", "CAPRIVATEKEY", "CLIENTKEY", "TkVXQ0xJRU5U", "T0xEQ0xJRU5U", "BEGIN PRIVATE KEY", "BEGIN CERTIFICATE"]) {
    assert.ok(!shown.includes(secret), `"${secret}" must not appear in a plan or drift report`);
  }
  assert.ok(shown.includes("secret: billing-ca"), "a reference to a Secret by name is not secret");
  for (const change of plan.changes) {
    const removed = change.diff.split("\n").filter((l) => l.startsWith("-") && l.endsWith(": (redacted)"));
    const added = change.diff.split("\n").filter((l) => l.startsWith("+") && l.endsWith(": (redacted, changed)"));
    assert.ok(removed.length > 0 && removed.length === added.length, `${change.resource}: each rotated secret shows as changed, and only that\n${change.diff}`);
  }
});
