/**
 * A meshops.yaml with one mistake: the mistake is an error at its line, and the settings written correctly still
 * hold, so the rest of the report is about the repository, not about the defaults standing in for everything
 * (an unquoted `version: 2.14` made a Kong Mesh repository's MeshOPA an error that said to set the product it set).
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { parseRepoConfig } from "../src/config/repoConfig.js";
import { runCli } from "./helpers/cli.js";
import { committedRepo } from "./helpers/git.js";

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((cleanup) => cleanup()));

const meshOpa = `apiVersion: kuma.io/v1alpha1
kind: MeshOPA
metadata:
  name: opa-web
  namespace: kuma-system
  labels:
    kuma.io/mesh: default
spec:
  targetRef:
    kind: Mesh
  default:
    appendPolicies:
      - rego:
          inlineString: |
            package envoy.authz
            default allow = true
`;

const files = (config: string): Record<string, string> => ({
  "meshops.yaml": config,
  "mesh/opa.yaml": meshOpa,
  "charts/shop/Chart.yaml": "apiVersion: v2\nname: shop\nversion: 0.1.0\n",
  "charts/shop/values.yaml": "replicas: 2\n",
});

const settings = `systemNamespace: kuma-system
controlPlane:
  product: kong-mesh
  mode: zone
exclude: ["charts/**"]
`;

test("the settings written correctly hold when another one is wrong: only the mistake is an error", async () => {
  const valid = committedRepo(files(`${settings}`), cleanups);
  const clean = await runCli(["validate", "--format", "json"], valid);
  assert.equal(clean.code, 0, clean.stdout);

  for (const [mistake, error] of [
    ["  version: 2.14\n", ["meshops.yaml", 5, "controlPlane.version"]],
    ["  systemNamespaces: kuma-system\n", ["meshops.yaml", 5, "controlPlane.systemNamespaces"]],
  ] as const) {
    const dir = committedRepo(files(settings.replace("  mode: zone\n", `  mode: zone\n${mistake}`)), cleanups);
    const run = await runCli(["validate", "--format", "json"], dir);
    assert.equal(run.code, 1);
    const diagnostics = (JSON.parse(run.stdout) as { diagnostics: { severity: string; file: string; line: number; path: string; rule: string }[] }).diagnostics;
    // Before, the Helm chart (excluded) and the MeshOPA (product kong-mesh, in the system namespace given) were errors too.
    assert.deepEqual(
      diagnostics.filter((d) => d.severity === "error").map((d) => [d.file, d.line, d.path]),
      [error],
    );
  }
});

test("parseRepoConfig drops only what the schema refuses: an unknown field, a wrong type, a list item missing a required field", () => {
  const text = `instance: team-a
systemNamespace: mesh-system
controlPlane:
  version: 2.12
  product: kong-mesh
  colour: blue
prune:
  maxDeletes: "5"
  maxDeletePercent: 10
tenancy:
  - name: a
    path: "meshes/{mesh}/**"
  - path: "teams/**"
exclude: [docs]
`;
  const { config, diagnostics } = parseRepoConfig({ path: "meshops.yaml", text }, "");
  assert.deepEqual(
    diagnostics.map((d) => [d.severity, d.line, d.path]).sort((a, b) => Number(a[1]) - Number(b[1])),
    [
      ["error", 4, "controlPlane.version"],
      ["error", 6, "controlPlane.colour"],
      ["error", 8, "prune.maxDeletes"],
      ["error", 13, "tenancy[1].name"],
    ],
  );
  assert.equal(config.instance, "team-a");
  assert.deepEqual(config.systemNamespaces, ["mesh-system"]);
  assert.equal(config.controlPlane.product, "kong-mesh");
  assert.equal(config.controlPlane.version, undefined);
  assert.equal(config.prune.maxDeletePercent, 10);
  assert.deepEqual(
    config.tenancy.map((rule) => rule.name),
    ["a"],
  );
  assert.deepEqual(config.exclude, ["docs"]);

  // A document that is no mapping at all keeps the defaults.
  const scalar = parseRepoConfig({ path: "meshops.yaml", text: "just text\n" }, "");
  assert.equal(scalar.config.controlPlane.product, "kuma");
  assert.equal(scalar.diagnostics.length, 1);
});
