/**
 * A resource the repository defines that already exists on the control plane without an ownership label (applied by
 * hand with kumactl or kubectl, by another tool, or made by the control plane, as the default policies of a Mesh that
 * predates the repository): `apply` adopts it, as Argo CD and Flux do (Terraform would refuse until it is imported).
 * Adopting changes what prune may do, so it is said, not only shown as a label in the diff: each such update is marked
 * in the plan (text, JSON) and in apply's report, and plan and apply say on stderr, once, that from then on prune
 * deletes it when it leaves the repository, each named with where the repository defines it (a name clash with what was
 * made by hand is found at its file and line). A resource meshops created is never marked; one no repository defines is
 * left alone. Against the embedded control plane over HTTP, through the CLI.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { stringify } from "yaml";
import { runCli } from "./helpers/cli.js";
import { withControlPlaneServer } from "./helpers/controlPlane.js";
import { commitFiles, tempRepo } from "./helpers/git.js";

const repo = tempRepo("meshops-adoption-");
after(() => repo.cleanup());

const retry = (numRetries: number) => ({
  type: "MeshRetry",
  mesh: "default",
  name: "shared-retry",
  spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { http: { numRetries } } }] },
});
const timeout = (mesh: string, name: string) => ({
  type: "MeshTimeout",
  mesh,
  name,
  spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: "20m" } }] },
});

async function put(url: string, path: string, object: object): Promise<void> {
  const response = await fetch(`${url}${path}`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(object) });
  assert.ok(response.ok, `PUT ${path}: ${response.status} ${await response.text()}`);
}

interface PlanJson {
  readonly changes: { action: string; resource: string; adopts?: boolean }[];
}

const ADOPTED = [
  "Mesh/legacy",
  "MeshRetry/default/shared-retry",
  "MeshCircuitBreaker/legacy/mesh-circuit-breaker-all-legacy",
  "MeshRetry/legacy/mesh-retry-all-legacy",
  "MeshTimeout/legacy/mesh-gateways-timeout-all-legacy",
  "MeshTimeout/legacy/mesh-timeout-all-legacy",
];

test("plan and apply mark and say what applying adopts; prune then treats it as owned; what nobody defines stays unowned", async () => {
  await withControlPlaneServer({ version: "2.14.3" }, async (url) => {
    // Before the repository: a Mesh with the default policies the control plane made for it, and policies by hand.
    await put(url, "/meshes/legacy", { type: "Mesh", name: "legacy" });
    await put(url, "/meshes/default/meshretries/shared-retry", retry(3));
    await put(url, "/meshes/default/meshtimeouts/team-b", timeout("default", "team-b"));
    const files = (withRetry: boolean) => ({
      "meshops.yaml": stringify({ controlPlane: { version: "2.14.3" }, prune: { maxDeletes: 10, maxDeletePercent: 100 } }),
      "meshes.yaml": [{ type: "Mesh", name: "legacy" }, { type: "Mesh", name: "fresh" }, ...(withRetry ? [retry(4)] : [])].map((o) => stringify(o)).join("---\n"),
    });
    commitFiles(repo.dir, files(true), "adopt legacy and shared-retry");

    const planned = await runCli(["plan", "--cp-url", url], repo.dir);
    assert.equal(planned.code, 2, planned.stderr);
    const lines = planned.stdout.split("\n");
    assert.ok(lines.includes("~ update MeshRetry/default/shared-retry (adopts it: made outside meshops)"), planned.stdout);
    assert.ok(lines.includes("~ update Mesh/legacy (adopts it: made outside meshops)"), planned.stdout);
    assert.ok(lines.includes("~ update MeshTimeout/legacy/mesh-timeout-all-legacy (default policy) (adopts it: made outside meshops)"), planned.stdout);
    assert.ok(lines.includes("+ create Mesh/fresh"), "a create adopts nothing");
    assert.equal(lines.filter((l) => l.includes("adopts it")).length, ADOPTED.length, planned.stdout);
    const note =
      "meshops: note: applying adopts 6 resources the control plane holds without an ownership label (made by hand, by another tool, or by the control plane): " +
      "from then on they are this instance's, and --prune deletes them once they leave the repository: Mesh/legacy (meshes.yaml:1), MeshRetry/default/shared-retry (meshes.yaml:7), " +
      "MeshCircuitBreaker/legacy/mesh-circuit-breaker-all-legacy (default policy), MeshRetry/legacy/mesh-retry-all-legacy (default policy), " +
      "MeshTimeout/legacy/mesh-gateways-timeout-all-legacy (default policy) and 1 more";
    assert.ok(planned.stderr.split("\n").includes(note), planned.stderr);

    const json = JSON.parse((await runCli(["plan", "--cp-url", url, "--format", "json"], repo.dir)).stdout) as PlanJson;
    assert.deepEqual(json.changes.filter((c) => c.adopts === true).map((c) => c.resource).sort(), [...ADOPTED].sort());
    assert.ok(!json.changes.some((c) => c.adopts !== undefined && c.adopts !== true), "adopts is true or absent");

    // The pull-request comment says it too, in the change's cell.
    const markdown = (await runCli(["plan", "--cp-url", url, "--format", "markdown"], repo.dir)).stdout;
    assert.ok(markdown.split("\n").includes("| 🔄 update (adopts it: made outside meshops) | `MeshRetry/default/shared-retry` | `meshes.yaml:7` |"), markdown);
    assert.ok(markdown.split("\n").some((l) => l.startsWith("| ➕ create | `Mesh/fresh`")), markdown);

    const applied = await runCli(["apply", "--cp-url", url], repo.dir);
    assert.equal(applied.code, 0, applied.stderr);
    assert.ok(applied.stdout.split("\n").includes("✓ update MeshRetry/default/shared-retry (adopted)"), applied.stdout);
    assert.ok(applied.stdout.split("\n").includes("✓ create Mesh/fresh"), applied.stdout);
    assert.ok(applied.stderr.split("\n").includes(note), applied.stderr);

    // Adopted: in sync, nothing more to say; the policy nobody defines is still not meshops' to touch.
    const again = await runCli(["plan", "--prune", "--cp-url", url], repo.dir);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.doesNotMatch(again.stderr, /adopts/);

    // Gone from the repository, the adopted policy is pruned like anything meshops wrote; team-b stays.
    commitFiles(repo.dir, files(false), "shared-retry leaves the repository");
    const pruning = JSON.parse((await runCli(["plan", "--prune", "--cp-url", url, "--format", "json"], repo.dir)).stdout) as PlanJson;
    assert.deepEqual(pruning.changes.map((c) => `${c.action} ${c.resource}`), ["delete MeshRetry/default/shared-retry"]);
  });
});
