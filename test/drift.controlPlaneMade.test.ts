import assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { parse, stringify } from "yaml";
import { controlPlaneSource } from "../src/kuma/controlPlaneMade.js";
import type { JsonObject } from "../src/model/resource.js";
import { runCli } from "./helpers/cli.js";
import { suiteControlPlaneServer } from "./helpers/controlPlane.js";
import { commitFiles, git, tempRepo } from "./helpers/git.js";
import { childrenNamed, parseXml, textOf, type XmlElement } from "./helpers/xml.js";

/**
 * What the control plane generated, or another control plane synced to it, is not drift (FACTS §2.8, Kuma's
 * MeshService generator and Kubernetes controllers, IsLocallyOriginated). The embedded control plane, a zone that is
 * not federated, holds them as Kuma's API server would take them (it accepts `kuma.io/origin: global` there): a
 * Universal zone's generated MeshServices (`kuma.io/managed-by: meshservice-generator`), one a Kubernetes zone made
 * from a Service (`k8s-controller`), another zone's service and a policy the global control plane sent
 * (`kuma.io/origin: global`, a hashed name and `kuma.io/display-name`). The repository defines Mesh shop and, under the
 * name of a generated service, a MeshService of its own; one hand-made policy is really unmanaged.
 */
const repo = tempRepo("meshops-cp-made-");
let url = "";
let closeServer: () => Promise<void> = async () => undefined;

const ports = (port: number) => [{ name: "http", port, targetPort: port, appProtocol: "http" }];
const service = (name: string, port: number, labels: Record<string, string>): JsonObject => ({
  type: "MeshService",
  mesh: "shop",
  name,
  labels,
  spec: { selector: { dataplaneTags: { "kuma.io/service": name } }, ports: ports(port) },
});
const timeout = { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { connectionTimeout: "3s" } }] };
const retry = { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { tcp: { maxConnectAttempt: 2 } } }] };

/** What the control plane and the global one put there: never in Git. */
const LIVE: JsonObject[] = [
  service("backend", 8080, { "kuma.io/managed-by": "meshservice-generator" }),
  service("web", 80, { "kuma.io/managed-by": "k8s-controller" }),
  service("ledger", 9090, { "kuma.io/managed-by": "meshservice-generator" }),
  service("payments-5f2b9c1d7e3a4b60", 8443, {
    "kuma.io/origin": "global",
    "kuma.io/managed-by": "meshservice-generator",
    "kuma.io/zone": "east",
    "kuma.io/display-name": "payments",
  }),
  {
    type: "MeshTimeout",
    mesh: "shop",
    name: "global-timeouts-0a1b2c3d4e5f6789",
    labels: { "kuma.io/origin": "global", "kuma.io/display-name": "global-timeouts" },
    spec: timeout,
  },
  { type: "MeshRetry", mesh: "shop", name: "hand-made", spec: retry },
];

const MESH = { "meshes/shop/mesh.yaml": stringify({ type: "Mesh", name: "shop", skipCreatingInitialPolicies: ["*"] }) };
/** The repository's own `ledger`, named as the generated one: paired and compared, so its other port is drift. */
const LEDGER = { "meshes/shop/ledger.yaml": stringify({ type: "MeshService", mesh: "shop", name: "ledger", spec: service("ledger", 8080, {}).spec }) };

async function put(object: JsonObject): Promise<void> {
  const plural = { MeshService: "meshservices", MeshTimeout: "meshtimeouts", MeshRetry: "meshretries" }[object.type as string];
  const response = await fetch(`${url}/meshes/shop/${plural}/${String(object.name)}`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(object),
  });
  assert.ok(response.status === 200 || response.status === 201, `PUT ${String(object.name)}: ${response.status} ${await response.text()}`);
}

const config = (extra: object = {}) => ({ "meshops.yaml": stringify({ controlPlane: { skipDefaultMeshCreation: true }, ...extra }) });
/** Commits exactly these files under meshes/ (a file left out is removed) and meshops.yaml. */
const commitRepository = (files: Record<string, string>, message: string) => {
  rmSync(path.join(repo.dir, "meshes"), { recursive: true, force: true });
  commitFiles(repo.dir, files, message);
};
const drift = (...args: string[]) => runCli(["drift", "--cp-url", url, ...args], repo.dir);

before(async () => {
  ({ url, close: closeServer } = await suiteControlPlaneServer({ skipMeshCreation: true }));
  commitRepository({ ...config(), ...MESH }, "mesh");
  const applied = await runCli(["apply", "--cp-url", url], repo.dir);
  assert.equal(applied.code, 0, applied.stderr);
  for (const object of LIVE) await put(object);
  commitRepository({ ...config(), ...MESH, ...LEDGER }, "ledger");
});
after(async () => {
  await closeServer();
  repo.cleanup();
});

interface SarifRun {
  results: { locations: { logicalLocations?: { fullyQualifiedName: string }[] }[] }[];
  properties?: { leftAlone?: Record<string, number> };
  invocations?: { executionSuccessful: boolean; toolExecutionNotifications: { level: string; message: { text: string } }[] }[];
}

interface DriftJson {
  summary: Record<string, number>;
  leftAlone: Record<string, number>;
  items: { kind: string; resource: string }[];
}

test("drift --format json: generated and synced resources are counted apart, never items; a same-named repository resource is still compared", async () => {
  const result = await drift("--format", "json");
  assert.equal(result.code, 2, result.stderr);
  const report = JSON.parse(result.stdout) as DriftJson;
  assert.deepEqual(
    report.items.map((i) => `${i.kind} ${i.resource}`),
    ["modified MeshService/shop/ledger", "unmanaged MeshRetry/shop/hand-made"],
  );
  assert.deepEqual(report.summary, { missing: 0, modified: 1, orphaned: 0, unmanaged: 1 });
  assert.deepEqual(report.leftAlone, { generated: 2, synced: 2 });
});

test("drift text: one summary line says what was left alone; no line per generated or synced resource", async () => {
  const result = await drift();
  assert.equal(result.code, 2, result.stderr);
  for (const name of ["backend", "web", "payments-5f2b9c1d7e3a4b60", "global-timeouts-0a1b2c3d4e5f6789"]) {
    assert.ok(!result.stdout.includes(name), `${name} is not listed:\n${result.stdout}`);
  }
  assert.match(result.stdout, /^\? unmanaged MeshRetry\/shop\/hand-made$/m);
  assert.match(result.stdout, /^Left alone: 2 generated by the control plane, 2 synced from another control plane\.$/m);
});

test("drift markdown: the same line under the table, and no row for them", async () => {
  const result = await drift("--format", "markdown");
  assert.equal(result.code, 2, result.stderr);
  assert.ok(!result.stdout.includes("global-timeouts"), result.stdout);
  assert.match(result.stdout, /Left alone: 2 generated by the control plane, 2 synced from another control plane\./);
});

test("drift github: the closing summary line says it, once (not in the folded text report too), and no annotation names them", async () => {
  const result = await drift("--format", "github");
  assert.equal(result.code, 2, result.stderr);
  const annotations = result.stdout.split("\n").filter((l) => l.startsWith("::"));
  assert.ok(!annotations.some((l) => /backend|global-timeouts|payments-/.test(l)), annotations.join("\n"));
  assert.match(result.stdout, /^meshops drift at \w+: Drift: 0 missing, 1 modified, 0 orphaned, 1 unmanaged\. Left alone: 2 generated by the control plane, 2 synced from another control plane\.$/m);
  assert.equal(result.stdout.split("\n").filter((l) => l.includes("Left alone")).length, 1, result.stdout);
});

test("drift sarif: no result for them; the run says what was left alone, as a note and in its properties", async () => {
  const result = await drift("--format", "sarif");
  assert.equal(result.code, 2, result.stderr);
  const run = (JSON.parse(result.stdout) as { runs: SarifRun[] }).runs[0] as SarifRun;
  const named = run.results.map((r) => r.locations[0]?.logicalLocations?.[0]?.fullyQualifiedName);
  assert.deepEqual(named, ["MeshService/shop/ledger", "MeshRetry/shop/hand-made"]);
  assert.deepEqual(run.properties?.leftAlone, { generated: 2, synced: 2 });
  const notes = run.invocations?.flatMap((i) => (i.executionSuccessful ? i.toolExecutionNotifications.map((n) => `${n.level}: ${n.message.text}`) : [])) ?? [];
  assert.deepEqual(notes, ["note: Left alone: 2 generated by the control plane, 2 synced from another control plane."]);
});

test("drift junit: no test case for them; a run-level note says what was left alone, with the counts as properties", async () => {
  const result = await drift("--format", "junit");
  assert.equal(result.code, 2, result.stderr);
  const root = parseXml(result.stdout);
  const cases = childrenNamed(root, "testsuite").flatMap((suite) => childrenNamed(suite, "testcase"));
  const named = cases.map((c) => c.attributes.name ?? "");
  assert.ok(!named.some((name) => /backend|web|payments-|global-timeouts/.test(name)), named.join("\n"));
  const note = cases.filter((c) => childrenNamed(c, "system-out").some((out) => textOf(out).includes("Left alone")));
  assert.deepEqual(note.map((c) => [c.attributes.name, c.attributes.classname, childrenNamed(c, "failure").length]), [["left alone", "meshops.drift.left-alone", 0]]);
  assert.equal(textOf(childrenNamed(note[0] as XmlElement, "system-out")[0] as XmlElement), "Left alone: 2 generated by the control plane, 2 synced from another control plane.");
  const properties = childrenNamed(root, "testsuite")
    .flatMap((suite) => childrenNamed(suite, "properties"))
    .flatMap((p) => childrenNamed(p, "property"))
    .map((p) => [p.attributes.name, p.attributes.value]);
  assert.deepEqual(properties, [["meshops.leftAlone.generated", "2"], ["meshops.leftAlone.synced", "2"]]);
});

test("in sync apart from them: the text report says so, and exit 0", async () => {
  commitRepository({ ...config({ drift: { ignoreUnmanaged: [{ name: "hand-made" }] } }), ...MESH }, "no ledger");
  try {
    const result = await drift();
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /^In sync\. Left alone: 3 generated by the control plane, 2 synced from another control plane\.$/m);
  } finally {
    commitRepository({ ...config(), ...MESH, ...LEDGER }, "ledger again");
  }
});

test("controlPlane.mode global: what a zone sent up (kuma.io/origin: zone) is synced; the global's own origin is not", async () => {
  // The embedded control plane is a zone: it labels every policy and service `kuma.io/origin: zone`, as a zone sends
  // them up. Read as a global control plane, `kuma.io/origin: global` is its own: the global timeouts, which nobody
  // generated, are unmanaged, and the synced-down service is what a generator made.
  commitRepository({ ...config({ controlPlane: { skipDefaultMeshCreation: true, mode: "global" } }), ...MESH }, "global");
  try {
    const result = await drift("--format", "json");
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as DriftJson;
    assert.deepEqual(report.items.map((i) => `${i.kind} ${i.resource}`), ["unmanaged MeshTimeout/shop/global-timeouts-0a1b2c3d4e5f6789"]);
    assert.deepEqual(report.leftAlone, { generated: 1, synced: 4 });
  } finally {
    commitRepository({ ...config(), ...MESH, ...LEDGER }, "zone again");
  }
});

test("export over HTTP writes neither generated nor synced resources, and says how many it left out", async () => {
  const out = tempRepo("meshops-cp-made-export-");
  try {
    const result = await runCli(["export", "--cp-url", url, "--out", out.dir, "--force", "--adopt"], repo.dir);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /left out: 3 resources generated by the control plane \(kuma\.io\/managed-by\)/);
    assert.match(result.stdout, /left out: 2 resources synced from another control plane \(kuma\.io\/origin\)/);
    const written = commitAll(out.dir);
    assert.deepEqual(written.filter((f) => f !== "meshops.yaml").sort(), ["meshes/shop/mesh.yaml", "meshes/shop/meshretries/hand-made.yaml"]);
  } finally {
    out.cleanup();
  }
});

test("export --control-plane-mode global: a zone's resources are synced, and meshops.yaml says the mode", async () => {
  const out = tempRepo("meshops-cp-made-export-global-");
  try {
    const result = await runCli(["export", "--cp-url", url, "--out", out.dir, "--force", "--adopt", "--control-plane-mode", "global"], repo.dir);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /left out: 4 resources synced from another control plane/);
    assert.match(result.stdout, /left out: 1 resource generated by the control plane/);
    assert.deepEqual(commitAll(out.dir).filter((f) => f !== "meshops.yaml").sort(), [
      "meshes/shop/mesh.yaml",
      "meshes/shop/meshtimeouts/global-timeouts-0a1b2c3d4e5f6789.yaml",
    ]);
    const written = parse(readFileSync(path.join(out.dir, "meshops.yaml"), "utf8")) as { controlPlane: { mode?: string } };
    assert.equal(written.controlPlane.mode, "global");
  } finally {
    out.cleanup();
  }
});

test("the predicate: synced by the role's other origin, generated by Kuma's makers, nothing else", () => {
  const labelled = (labels: Record<string, string>): JsonObject => ({ type: "MeshService", mesh: "m", name: "s", labels });
  assert.equal(controlPlaneSource(labelled({ "kuma.io/origin": "global" }), "zone"), "synced");
  assert.equal(controlPlaneSource(labelled({ "kuma.io/origin": "global" }), "standalone"), "synced");
  assert.equal(controlPlaneSource(labelled({ "kuma.io/origin": "global" }), "global"), undefined);
  assert.equal(controlPlaneSource(labelled({ "kuma.io/origin": "zone", "kuma.io/zone": "east" }), "global"), "synced");
  assert.equal(controlPlaneSource(labelled({ "kuma.io/origin": "zone" }), "zone"), undefined);
  assert.equal(controlPlaneSource(labelled({ "kuma.io/origin": "zone", "kuma.io/managed-by": "meshservice-generator" }), "zone"), "generated");
  assert.equal(controlPlaneSource(labelled({ "kuma.io/managed-by": "k8s-controller" }), "zone"), "generated");
  assert.equal(controlPlaneSource(labelled({ "kuma.io/origin": "global", "kuma.io/managed-by": "k8s-controller" }), "zone"), "synced");
  assert.equal(controlPlaneSource(labelled({ "kuma.io/managed-by": "helm" }), "zone"), undefined);
  assert.equal(controlPlaneSource({ type: "MeshTimeout", mesh: "m", name: "t" }, "zone"), undefined);
});

test("what the global control plane's meshops (the same instance name) sent down is not this one's: never orphaned, never pruned", async () => {
  // A policy written on the global control plane by meshops carries its ownership label to every zone. The zone's
  // control plane refuses to delete what another one owns (validateOriginForWrite), so a plan to prune it would fail
  // on every apply.
  const sent: JsonObject = {
    type: "MeshTimeout",
    mesh: "shop",
    name: "platform-timeouts-1a2b3c4d5e6f7a8b",
    labels: { "kuma.io/origin": "global", "kuma.io/display-name": "platform-timeouts", "meshops.io/managed-by": "meshops" },
    spec: timeout,
  };
  await put(sent);
  try {
    const report = JSON.parse((await drift("--format", "json")).stdout) as DriftJson;
    assert.ok(!report.items.some((i) => i.resource.includes("platform-timeouts")), JSON.stringify(report.items));
    assert.deepEqual(report.leftAlone, { generated: 2, synced: 3 });
    const plan = await runCli(["plan", "--cp-url", url, "--prune", "--format", "json"], repo.dir);
    const changes = (JSON.parse(plan.stdout) as { changes: { action: string; resource: string }[] }).changes;
    assert.deepEqual(changes.filter((c) => c.action === "delete"), [], plan.stdout);
  } finally {
    const removed = await fetch(`${url}/meshes/shop/meshtimeouts/${String(sent.name)}`, { method: "DELETE" });
    assert.equal(removed.status, 200);
  }
});

/** Commits what export wrote (so validate reads it) and lists the files. */
function commitAll(dir: string): string[] {
  commitFiles(dir, {}, "export");
  return git(dir, "ls-files").split("\n");
}
