/**
 * A route or policy that targets a MeshGateway the repository does not define is a `dangling-reference` warning at the
 * name, as one that targets a missing MeshHTTPRoute is: the control plane accepts it and it applies to no gateway (a
 * renamed gateway, a typo). A MeshGateway is cluster-scoped, so a Kubernetes-shaped referrer's namespace is not part
 * of the name it means. Real Git, the CLI.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { readSnapshot } from "../src/source/index.js";
import type { Snapshot } from "../src/source/types.js";
import { AnalysisCache, validateSnapshot } from "../src/validate/index.js";
import { runCli } from "./helpers/cli.js";
import { commitFiles, committedRepo, git } from "./helpers/git.js";

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((c) => c()));

const GATEWAY = [
  "type: MeshGateway",
  "mesh: shop",
  "name: edge",
  "selectors:",
  "  - match: {kuma.io/service: edge-gateway}",
  "conf:",
  "  listeners:",
  "    - {port: 8080, protocol: HTTP, hostname: shop.example.com}",
  "",
].join("\n");

const route = (name: string, gateway: string) =>
  [
    "type: MeshHTTPRoute",
    "mesh: shop",
    `name: ${name}`,
    "spec:",
    `  targetRef: {kind: MeshGateway, name: ${gateway}}`,
    "  to:",
    "    - targetRef: {kind: Mesh}",
    "      rules:",
    "        - matches: [{path: {type: PathPrefix, value: /}}]",
    "          default:",
    "            backendRefs: [{kind: MeshService, name: web, port: 80}]",
    "",
  ].join("\n");

const kubernetesTimeout = (name: string, gateway: string) =>
  [
    "apiVersion: kuma.io/v1alpha1",
    "kind: MeshTimeout",
    "metadata:",
    `  name: ${name}`,
    "  namespace: kuma-system",
    "  labels: {kuma.io/mesh: shop}",
    "spec:",
    `  targetRef: {kind: MeshGateway, name: ${gateway}}`,
    "  to:",
    "    - targetRef: {kind: Mesh}",
    "      default: {idleTimeout: 30s}",
    "",
  ].join("\n");

const WEB = "type: MeshService\nmesh: shop\nname: web\nspec:\n  selector: {dataplaneTags: {app: web}}\n  ports: [{port: 80, targetPort: 8080, appProtocol: http}]\n";

test("a policy targeting a MeshGateway the repository does not define is a dangling-reference warning at the name; a defined one, from either shape, is not", async () => {
  const repo = committedRepo(
    {
      "meshops.yaml": 'controlPlane: {version: "2.14.3"}\n',
      "shop.yaml": ["type: Mesh\nname: shop\n", GATEWAY, WEB].join("---\n"),
      "routes.yaml": [route("to-edge", "edge"), route("to-typo", "egde")].join("---\n"),
      "timeouts.yaml": [kubernetesTimeout("edge-timeouts", "edge"), kubernetesTimeout("ghost-timeouts", "ghost")].join("---\n"),
    },
    cleanups,
  );
  const run = await runCli(["validate", "--format", "json"], repo);
  assert.equal(run.code, 0, run.stdout);
  const found = (JSON.parse(run.stdout) as { diagnostics: { severity: string; file: string; line: number; resource: string; path: string; rule: string; message: string }[] }).diagnostics
    .filter((d) => d.rule === "dangling-reference")
    .map(({ severity, file, line, resource, path, message }) => ({ severity, at: `${file}:${line}`, resource, path, target: /^(\S+)/.exec(message)?.[1] }));
  assert.deepEqual(found, [
    { severity: "warning", at: "routes.yaml:17", resource: "MeshHTTPRoute/shop/to-typo", path: "spec.targetRef.name", target: "MeshGateway/shop/egde" },
    { severity: "warning", at: "timeouts.yaml:20", resource: "MeshTimeout/shop/ghost-timeouts.kuma-system", path: "spec.targetRef.name", target: "MeshGateway/shop/ghost" },
  ]);
  const text = await runCli(["validate"], repo);
  assert.match(text.stdout, /routes\.yaml:17:\d+: warning: MeshHTTPRoute\/shop\/to-typo spec\.targetRef\.name: MeshGateway\/shop\/egde is not defined in this repository: .*applies to no gateway/);
});

test("in a long-running process, a commit that removes the MeshGateway finds its routes' dangling references, and one that brings it back clears them, as a fresh validation does", async () => {
  const repo = committedRepo(
    {
      "meshops.yaml": 'controlPlane: {version: "2.14.3"}\n',
      "shop.yaml": ["type: Mesh\nname: shop\n", WEB].join("---\n"),
      "gateway.yaml": GATEWAY,
      "routes.yaml": route("to-edge", "edge"),
    },
    cleanups,
  );
  const cache = new AnalysisCache();
  let previous: Snapshot | undefined;
  const danglingAtHead = async () => {
    const snapshot = await readSnapshot({ repo, ref: "HEAD", ...(previous ? { previous } : {}) });
    previous = snapshot;
    const result = validateSnapshot(snapshot, cache);
    assert.deepEqual(result, validateSnapshot(snapshot, new AnalysisCache()), "the cached validation is a fresh one's");
    return result.diagnostics.filter((d) => d.rule === "dangling-reference").map((d) => `${d.file}:${d.line} ${d.resource}`);
  };
  assert.deepEqual(await danglingAtHead(), []);
  git(repo, "rm", "-q", "gateway.yaml");
  git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "gateway removed");
  assert.deepEqual(await danglingAtHead(), ["routes.yaml:5 MeshHTTPRoute/shop/to-edge"]);
  commitFiles(repo, { "gateway.yaml": GATEWAY }, "gateway back");
  assert.deepEqual(await danglingAtHead(), []);
});
