/**
 * Kong Mesh-only kinds: the example repository (examples/kong-mesh) validates as Kong Mesh and fails, one error per
 * Kong Mesh document, as Kuma; the targetRef matrices and documented rules of MeshOPA and MeshGlobalRateLimit; the
 * embedded control plane serves them over HTTP only when it emulates Kong Mesh; apply then drift round-trips them.
 */
import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, describe, test } from "node:test";
import type { JsonObject } from "../src/model/resource.js";
import { validateSnapshot } from "../src/validate/index.js";
import { semanticViolations } from "../src/validate/rules/index.js";
import { validateSchema } from "../src/validate/schema.js";
import { runCli } from "./helpers/cli.js";
import { withControlPlaneServer } from "./helpers/controlPlane.js";
import { commitFolder, projectRoot, tempRepo } from "./helpers/git.js";
import { snapshotOf } from "./helpers/snapshot.js";

const EXAMPLE = path.join(projectRoot, "examples", "kong-mesh");
const temps: string[] = [];
after(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

function exampleAs(product: string) {
  const snapshot = snapshotOf(EXAMPLE, "example");
  const config = snapshot.config;
  assert.ok(config, "the example has a meshops.yaml");
  const text = config.text.replace("product: kong-mesh", `product: ${product}`);
  return validateSnapshot({ ...snapshot, config: { ...config, text } });
}

describe("examples/kong-mesh", () => {
  test("validates with product kong-mesh: every kind is known, the RBAC kinds are reported as schema-only", () => {
    const result = exampleAs("kong-mesh");
    const errors = result.diagnostics.filter((d) => d.severity === "error");
    assert.deepEqual(errors, []);
    assert.ok(result.valid);
    assert.deepEqual(result.resources.map((r) => `${r.type}/${r.name}`).sort(), [
      "Mesh/default",
      "MeshGateway/edge-gateway",
      "MeshGlobalRateLimit/demo-rate-limit.kong-mesh-system",
      "MeshGlobalRateLimit/gateway-rate-limit",
      "MeshOPA/mopa-1",
      "MeshOPA/mopa-gateway.kong-mesh-system",
    ]);
    const schemaOnly = result.diagnostics.filter((d) => d.rule === "schema-only").map((d) => `${d.file}:${d.line} ${d.resource}`);
    assert.deepEqual(schemaOnly, [
      "access/rbac.yaml:2 AccessRole/team-payments",
      "access/rbac.yaml:10 AccessRoleBinding/team-payments",
      "access/rbac.yaml:20 AccessAudit/audit-writes",
    ]);
  });

  test("the same files with product kuma: one error per Kong Mesh document, at its kind, naming it", () => {
    const result = exampleAs("kuma");
    assert.equal(result.valid, false);
    const errors = result.diagnostics.filter((d) => d.severity === "error");
    assert.deepEqual(
      errors.map((d) => `${d.file}:${d.line} ${d.rule} ${d.resource}`),
      [
        "access/rbac.yaml:2 kong-mesh-kind AccessRole/team-payments",
        "access/rbac.yaml:10 kong-mesh-kind AccessRoleBinding/team-payments",
        "access/rbac.yaml:20 kong-mesh-kind AccessAudit/audit-writes",
        "meshes/default/global-rate-limit.yaml:3 kong-mesh-kind MeshGlobalRateLimit/default/demo-rate-limit.kong-mesh-system",
        "meshes/default/global-rate-limit.yaml:42 kong-mesh-kind MeshGlobalRateLimit/default/gateway-rate-limit",
        "meshes/default/opa.yaml:2 kong-mesh-kind MeshOPA/default/mopa-1",
        "meshes/default/opa.yaml:28 kong-mesh-kind MeshOPA/default/mopa-gateway.kong-mesh-system",
      ],
    );
    for (const d of errors) {
      const kind = d.resource.split("/")[0] as string;
      assert.match(d.message, new RegExp(`^${kind} is a Kong Mesh kind: .*controlPlane\\.product: kong-mesh`));
      assert.ok(!d.message.includes("\n"));
    }
    assert.deepEqual(result.resources.map((r) => r.type), ["MeshGateway", "Mesh"]);
  });
});

const opa = (targetRef: JsonObject, conf: JsonObject = { appendPolicies: [{ rego: { inlineString: "package x" } }] }): JsonObject => ({
  type: "MeshOPA",
  mesh: "default",
  name: "opa",
  spec: { targetRef, default: conf },
});

const rateLimit = (spec: JsonObject): JsonObject => ({ type: "MeshGlobalRateLimit", mesh: "default", name: "mgrl", spec });
const limitDefault = (interval = "1s"): JsonObject => ({
  backend: { rateLimitService: { url: "http://rls:10003", timeout: "100ms" } },
  http: { requestRate: { num: 10, interval } },
});

const kong = { product: "kong-mesh", mode: "zone" } as const;
const messages = (typeName: string, object: JsonObject, version?: string) =>
  semanticViolations(typeName, object, { ...kong, ...(version ? { version } : {}) }).map((v) => `${v.path}: ${v.message}`);

describe("MeshOPA rules (Kong Mesh docs)", () => {
  test("targetRef matrix: Mesh, MeshSubset, MeshService(Subset), MeshGateway; Dataplane from 2.11; nothing else", () => {
    assert.deepEqual(messages("MeshOPA", opa({ kind: "Mesh" })), []);
    assert.deepEqual(messages("MeshOPA", opa({ kind: "MeshGateway", name: "edge" })), []);
    assert.deepEqual(messages("MeshOPA", opa({ kind: "MeshService", name: "backend" })), []);
    assert.deepEqual(messages("MeshOPA", opa({ kind: "MeshHTTPRoute", name: "r" })), ["spec.targetRef.kind: value 'MeshHTTPRoute' is not supported"]);
    assert.deepEqual(messages("MeshOPA", opa({ kind: "MeshExternalService", name: "e" })), ["spec.targetRef.kind: value 'MeshExternalService' is not supported"]);
    const dataplane = opa({ kind: "Dataplane", labels: { app: "web" } });
    assert.deepEqual(messages("MeshOPA", dataplane, "2.11.3"), []);
    assert.deepEqual(messages("MeshOPA", dataplane, "2.10.11"), [
      "spec.targetRef.kind: Dataplane is supported by MeshOPA from Kong Mesh 2.11 on; controlPlane.version 2.10.11 does not have it",
    ]);
  });

  test("each data source has exactly one of inline, inlineString, secret", () => {
    assert.deepEqual(messages("MeshOPA", opa({ kind: "Mesh" }, { appendPolicies: [{ rego: { inlineString: "package x", secret: "s" } }] })), [
      "spec.default.appendPolicies[0].rego: only one of 'inlineString', 'secret' may be defined",
    ]);
    assert.deepEqual(messages("MeshOPA", opa({ kind: "Mesh" }, { agentConfig: { inlineString: "a" }, appendPolicies: [{ rego: {} }] })), [
      "spec.default.appendPolicies[0].rego: one of 'inline', 'inlineString', 'secret' has to be defined",
    ]);
  });

  test("schema: the CRD's fields, enums and Go int32", () => {
    const bad = opa({ kind: "Mesh" }, { authConfig: { onAgentFailure: "allow", statusOnError: 2 ** 31, timeout: "5 seconds" }, extra: true });
    assert.deepEqual(
      validateSchema("MeshOPA", bad).map((v) => `${v.path}: ${v.message}`),
      [
        "spec.default.authConfig.onAgentFailure: should be one of [Allow Deny]",
        "spec.default.authConfig.statusOnError: must be a signed 32-bit integer (Go type int32): 2147483648 cannot be decoded",
        'spec.default.authConfig.timeout: invalid duration "5 seconds": use Go duration syntax such as 300ms, 5s, 1h30m',
        'spec.default.extra: unknown field "extra"',
      ],
    );
  });
});

describe("MeshGlobalRateLimit rules (Kong Mesh docs)", () => {
  test("sidecars limit in `from` (Mesh only), gateways in `to`", () => {
    assert.deepEqual(messages("MeshGlobalRateLimit", rateLimit({ targetRef: { kind: "MeshService", name: "b" }, from: [{ targetRef: { kind: "Mesh" }, default: limitDefault() }] })), []);
    assert.deepEqual(messages("MeshGlobalRateLimit", rateLimit({ targetRef: { kind: "MeshGateway", name: "g" }, to: [{ targetRef: { kind: "Mesh" }, default: limitDefault() }] })), []);
    assert.deepEqual(
      messages("MeshGlobalRateLimit", rateLimit({ targetRef: { kind: "MeshGateway", name: "g" }, from: [{ targetRef: { kind: "Mesh" }, default: limitDefault() }] })),
      ["spec.from: must not be defined when the policy selects only gateways: use spec.to", "spec.to: must not be empty"],
    );
    assert.deepEqual(messages("MeshGlobalRateLimit", rateLimit({ targetRef: { kind: "MeshService", name: "b" } })), ["spec.from: must not be empty"]);
    assert.deepEqual(
      messages("MeshGlobalRateLimit", rateLimit({ targetRef: { kind: "Dataplane" }, from: [{ targetRef: { kind: "MeshService", name: "x" }, default: limitDefault() }] })),
      ["spec.targetRef.kind: value 'Dataplane' is not supported", "spec.from[0].targetRef.kind: value 'MeshService' is not supported"],
    );
  });

  test("intervals are 1s, 1m, 1h or 24h, by value: the control plane returns 1m as 1m0s, which export writes", () => {
    assert.deepEqual(messages("MeshGlobalRateLimit", rateLimit({ targetRef: { kind: "Mesh" }, from: [{ targetRef: { kind: "Mesh" }, default: limitDefault("2s") }] })), [
      "spec.from[0].default.http.requestRate.interval: must be one of 1s, 1m, 1h, 24h: the rate limit service counts in these intervals only",
    ]);
    for (const interval of ["1m0s", "24h0m0s", "60s", "1000ms"]) {
      assert.deepEqual(messages("MeshGlobalRateLimit", rateLimit({ targetRef: { kind: "Mesh" }, from: [{ targetRef: { kind: "Mesh" }, default: limitDefault(interval) }] })), [], interval);
    }
  });

  test("schema: backend and http are required (the published CRD)", () => {
    const object = rateLimit({ targetRef: { kind: "Mesh" }, from: [{ targetRef: { kind: "Mesh" }, default: { http: { requestRate: { num: 1, interval: "1s" } } } }] });
    assert.deepEqual(validateSchema("MeshGlobalRateLimit", object).map((v) => `${v.path}: ${v.message}`), ["spec.from[0].default.backend: Required value"]);
  });
});


const put = (url: string, body: JsonObject) =>
  fetch(url, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

describe("embedded control plane", () => {
  test("emulating Kong Mesh: GET / says so, /_resources lists the kinds, MeshOPA is stored and read back", async () => {
    await withControlPlaneServer({ product: "kong-mesh" }, async (url) => {
      const index = (await (await fetch(`${url}/`)).json()) as JsonObject;
      assert.equal(index.product, "Kong Mesh");
      assert.equal(index.basedOnKuma, index.version);
      const types = ((await (await fetch(`${url}/_resources`)).json()) as { resources: JsonObject[] }).resources;
      const byName = new Map(types.map((t) => [t.name, t]));
      assert.equal(byName.get("MeshOPA")?.path, "meshopas");
      assert.equal(byName.get("MeshGlobalRateLimit")?.path, "meshglobalratelimits");
      const created = await put(`${url}/meshes/default/meshopas/opa`, opa({ kind: "Mesh" }));
      assert.equal(created.status, 201);
      const stored = (await (await fetch(`${url}/meshes/default/meshopas/opa`)).json()) as JsonObject;
      assert.deepEqual(stored.spec, opa({ kind: "Mesh" }).spec);
      const refused = await put(`${url}/meshes/default/meshglobalratelimits/mgrl`, rateLimit({ targetRef: { kind: "MeshGateway", name: "g" }, from: [] }));
      assert.equal(refused.status, 400);
      assert.deepEqual(((await refused.json()) as { invalid_parameters: JsonObject[] }).invalid_parameters, [{ field: "spec.to", reason: "must not be empty" }]);
    });
  });

  test("emulating Kuma: the Kong Mesh paths do not exist", async () => {
    await withControlPlaneServer({}, async (url) => {
      const index = (await (await fetch(`${url}/`)).json()) as JsonObject;
      assert.equal(index.product, "Kuma");
      assert.equal(index.basedOnKuma, undefined);
      const types = ((await (await fetch(`${url}/_resources`)).json()) as { resources: JsonObject[] }).resources;
      assert.ok(types.some((t) => t.name === "MeshTimeout"));
      assert.ok(!types.some((t) => t.name === "MeshOPA" || t.name === "MeshGlobalRateLimit"));
      assert.equal((await put(`${url}/meshes/default/meshopas/opa`, opa({ kind: "Mesh" }))).status, 404);
      assert.equal((await fetch(`${url}/meshes/default/meshglobalratelimits`)).status, 404);
    });
  });
});

test("validate's text summary counts the schema-only RBAC documents as not applied: a reader of the text report is told, not only --format json", async () => {
  const repo = tempRepo("meshops-kong-repo-");
  temps.push(repo.dir);
  commitFolder(repo.dir, EXAMPLE);
  const run = await runCli(["validate"], repo.dir);
  assert.equal(run.code, 0, run.stderr + run.stdout);
  assert.match(
    run.stdout,
    /✓ valid: 0 errors, \d+ warnings?; 6 resources in \d+ files at [0-9a-f]{12}; 3 documents checked against their schema only, never applied by meshops \(AccessAudit, AccessRole, AccessRoleBinding: Kong Mesh access control\)\n$/,
  );
});

test("render, apply then drift: the example repository round-trips through the embedded Kong Mesh control plane", async () => {
  const repo = tempRepo("meshops-kong-repo-");
  temps.push(repo.dir);
  commitFolder(repo.dir, EXAMPLE);
  // Rendered for Kubernetes, a resource without a namespace goes to Kong Mesh's system namespace.
  const render = await runCli(["render", "--format", "kubernetes"], repo.dir);
  assert.equal(render.code, 0, render.stderr);
  assert.match(render.stdout, /kind: MeshOPA\nmetadata:\n {2}name: mopa-1\n {2}namespace: kong-mesh-system\n/);
  assert.match(render.stdout, /kind: MeshGlobalRateLimit\nmetadata:\n {2}name: demo-rate-limit\n {2}namespace: kong-mesh-system\n/);
  const apply = await runCli(["apply", "--format", "json"], repo.dir);
  assert.equal(apply.code, 0, apply.stderr + apply.stdout);
  const drift = await runCli(["drift", "--format", "json"], repo.dir);
  assert.equal(drift.code, 0, drift.stderr + drift.stdout);
  const results = (JSON.parse(apply.stdout) as { results: { action: string; resource: string; outcome: string; warnings?: string[] }[] }).results;
  const kong = results.filter((r) => /^Mesh(OPA|GlobalRateLimit)\//.test(r.resource));
  assert.deepEqual(
    kong.map((r) => `${r.action} ${r.resource} ${r.outcome} ${(r.warnings ?? []).length}`),
    [
      "create MeshGlobalRateLimit/default/demo-rate-limit.kong-mesh-system applied 0",
      "create MeshGlobalRateLimit/default/gateway-rate-limit applied 0",
      "create MeshOPA/default/mopa-1 applied 0",
      "create MeshOPA/default/mopa-gateway.kong-mesh-system applied 0",
    ],
  );
  assert.ok(!results.some((r) => r.resource.startsWith("Access")), "the schema-only kinds are never applied");

  // The same repository as Kuma: validation fails before anything is sent.
  writeFileSync(path.join(repo.dir, "meshops.yaml"), readFileSync(path.join(EXAMPLE, "meshops.yaml"), "utf8").replace("kong-mesh", "kuma"));
  const asKuma = await runCli(["plan", "--ref", "WORKTREE"], repo.dir);
  assert.equal(asKuma.code, 1, asKuma.stdout);
  assert.match(asKuma.stdout + asKuma.stderr, /meshes\/default\/opa\.yaml:2:1: error: MeshOPA\/default\/mopa-1 type: MeshOPA is a Kong Mesh kind/);
});
