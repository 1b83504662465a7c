/**
 * Repositories as people have them, not as meshops generates them: each shape is a fixture under
 * test/fixtures/shapes/, committed to a real Git repository and run through the CLI.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { after, describe, test } from "node:test";
import { parseAllDocuments } from "yaml";
import { loadRepository } from "../src/cli/repository.js";
import { runCli } from "./helpers/cli.js";
import { killAll, startWatch } from "./helpers/daemon.js";
import { withControlPlaneServer } from "./helpers/controlPlane.js";
import { commitFiles, commitFolder, projectRoot, tempRepo } from "./helpers/git.js";

interface Diagnostic {
  readonly severity: string;
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly rule: string;
  readonly path: string;
  readonly resource: string;
  readonly message: string;
}

const cleanups: (() => void)[] = [];
after(() => {
  killAll();
  cleanups.forEach((cleanup) => cleanup());
});

const fixture = (name: string): string => path.join(projectRoot, "test", "fixtures", "shapes", name);

/** A fresh repository holding the fixture `name`, plus `files` on top. */
function shapeRepo(name: string | undefined, files: Record<string, string> = {}): string {
  const repo = tempRepo("meshops-shapes-");
  cleanups.push(repo.cleanup);
  if (name !== undefined) commitFolder(repo.dir, fixture(name));
  if (Object.keys(files).length > 0) commitFiles(repo.dir, files);
  return repo.dir;
}

async function validateJson(dir: string, ...args: string[]): Promise<{ code: number; diagnostics: Diagnostic[] }> {
  const run = await runCli(["validate", "--format", "json", ...args], dir);
  return { code: run.code, diagnostics: (JSON.parse(run.stdout) as { diagnostics: Diagnostic[] }).diagnostics };
}

/** Each error as [file, line, resource, path, rule, message]: what a one-line error must name. */
function errorsOf(diagnostics: readonly Diagnostic[]): (string | number)[][] {
  return diagnostics.filter((d) => d.severity === "error").map((d) => [d.file, d.line, d.resource, d.path, d.rule, d.message]);
}

/** The other-document warning of a document meshops tells as `tool`'s. */
const skippedAs = (tool: string): string => `${tool}, not mesh configuration: skipped; if meshops should not read it, list it under \`exclude:\` in meshops.yaml`;

async function renderJson(dir: string): Promise<Record<string, unknown>[]> {
  const run = await runCli(["render", "--format", "json"], dir);
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout) as Record<string, unknown>[];
}

describe("YAML as editors and other tools write it", () => {
  test("merge keys (<<: *anchor, <<: [*a, {...}]) are merged as kubectl and kumactl merge them; BOM, CRLF, empty documents and `...` are read", async () => {
    const dir = shapeRepo("yaml-merge-keys");
    const validated = await validateJson(dir);
    assert.deepEqual(
      validated.diagnostics.filter((d) => d.severity !== "info" && d.rule !== "zone-provided-services"),
      [],
    );
    assert.equal(validated.code, 0);
    const timeouts = (await renderJson(dir)).find((r) => r.name === "shop-timeouts") as { spec: { to: { default: unknown }[] } };
    assert.deepEqual(
      timeouts.spec.to.map((item) => item.default),
      [
        { connectionTimeout: "2s", http: { requestTimeout: "5s" } },
        { connectionTimeout: "2s", http: { requestTimeout: "5s" }, idleTimeout: "1h" },
        { connectionTimeout: "1s", http: { requestTimeout: "5s" }, idleTimeout: "30m" },
      ],
    );
  });

  test("a BOM (Windows editors write one) shifts no column: a problem on the first line is at column 1", async () => {
    const dir = shapeRepo("yaml-merge-keys", { "bom.yaml": "\ufefftype: MeshTimout\nname: x\nmesh: shop\n" });
    const { diagnostics } = await validateJson(dir);
    assert.deepEqual(
      diagnostics.filter((d) => d.file === "bom.yaml").map((d) => [d.line, d.column, d.rule]),
      [[1, 1, "unknown-type"]],
    );
    const worktree = await validateJson(dir, "--ref", "WORKTREE");
    assert.deepEqual(
      worktree.diagnostics.filter((d) => d.file === "bom.yaml").map((d) => [d.line, d.column, d.rule]),
      [[1, 1, "unknown-type"]],
    );
  });

  test("meshops.yaml is read the same way: a tenancy rule merged from another (<<: *rule) applies", async () => {
    const config = [
      "\ufefftenancy:",
      "  - &teams",
      "    name: teams",
      '    path: "teams/{mesh}/**"',
      "    forbidTypes: [MeshProxyPatch]",
      "  - <<: *teams",
      "    name: apps",
      '    path: "apps/{mesh}/**"',
      "",
    ].join("\r\n");
    const patch = "type: MeshProxyPatch\nname: p\nmesh: shop\nspec:\n  targetRef: {kind: Mesh}\n  default:\n    appendModifications: []\n";
    const dir = shapeRepo("yaml-merge-keys", { "meshops.yaml": config, "teams/shop/mesh.yaml": "", "apps/shop/patch.yaml": patch });
    const { diagnostics } = await validateJson(dir);
    assert.deepEqual(
      diagnostics.filter((d) => d.rule.startsWith("tenancy") || d.rule === "config").map((d) => [d.file, d.rule]),
      [["apps/shop/patch.yaml", "tenancy/apps"]],
    );
  });

  test('a quoted "<<" is a key like any other (an unknown field), not a merge', async () => {
    const dir = shapeRepo("yaml-merge-keys", {
      "quoted.yaml": 'type: MeshRetry\nname: quoted\nmesh: shop\nspec:\n  targetRef: {kind: Mesh}\n  to:\n    - targetRef: {kind: Mesh}\n      default:\n        "<<": {http: {numRetries: 3}}\n',
    });
    const { code, diagnostics } = await validateJson(dir);
    assert.equal(code, 1);
    assert.deepEqual(
      diagnostics.filter((d) => d.file === "quoted.yaml" && d.rule === "schema").map((d) => [d.file, d.line, d.rule, d.path]),
      [["quoted.yaml", 9, "schema", "spec.to[0].default.<<"]],
    );
  });

  test("an alias of an anchor the document does not set is a syntax error at the alias, not the alias limit", async () => {
    const dir = shapeRepo("yaml-merge-keys", {
      "unresolved.yaml": "x: &elsewhere {kind: Mesh}\n---\ntype: MeshRetry\nname: r\nmesh: shop\nspec:\n  targetRef: *elsewhere\n",
    });
    const { code, diagnostics } = await validateJson(dir);
    assert.equal(code, 1);
    const problems = diagnostics.filter((d) => d.file === "unresolved.yaml");
    assert.deepEqual(
      problems.map((d) => [d.line, d.column, d.rule, d.message]),
      [
        // The first document (only `x`) is no mesh resource: skipped, with a warning.
        [1, 1, "other-document", problems[0]?.message],
        [7, 14, "yaml-syntax", "unresolved alias *elsewhere: the document sets no anchor &elsewhere before it (anchors do not carry across documents)"],
      ],
    );
  });
});

describe("Kubernetes documents in a zone's system namespace", () => {
  interface Manifest {
    readonly kind: string;
    readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string> };
  }
  const renderKubernetes = async (dir: string): Promise<Manifest[]> => {
    const run = await runCli(["render", "--format", "kubernetes"], dir);
    assert.equal(run.code, 0, run.stderr);
    return parseAllDocuments(run.stdout).map((d) => d.toJS() as Manifest);
  };
  const originOf = (manifests: readonly Manifest[]) =>
    Object.fromEntries(manifests.map((m) => [`${m.kind}/${m.metadata.namespace ?? ""}/${m.metadata.name}`, m.metadata.labels?.["kuma.io/origin"] ?? null]));

  test("the kuma.io/origin: zone a federated zone's webhook requires there is not called a server field, and render writes it on every such policy", async () => {
    const dir = shapeRepo("kubernetes-system-namespace");
    const { code, diagnostics } = await validateJson(dir);
    assert.equal(code, 0);
    assert.deepEqual(diagnostics.filter((d) => d.rule === "server-field"), []);
    assert.deepEqual(originOf(await renderKubernetes(dir)), {
      // Mesh and MeshGateway are not plugin kinds: the webhook's origin rule leaves them alone.
      "Mesh//edge": null,
      "MeshGateway//edge-gateway": null,
      "MeshHTTPRoute/kong-mesh-system/edge-routes": "zone",
      "MeshTimeout/kong-mesh-system/gateway-timeouts": "zone",
      // Outside the system namespace the webhook does not ask for it.
      "MeshRetry/shop/shop-retries": null,
      // The default policies, rendered into the system namespace as a zone creates them.
      "MeshCircuitBreaker/kong-mesh-system/mesh-circuit-breaker-all-edge": "zone",
      "MeshRetry/kong-mesh-system/mesh-retry-all-edge": "zone",
      "MeshTimeout/kong-mesh-system/mesh-gateways-timeout-all-edge": "zone",
      "MeshTimeout/kong-mesh-system/mesh-timeout-all-edge": "zone",
    });
  });

  test("outside a zone's system namespace the label is still the control plane's: a warning, and not rendered", async () => {
    const dir = shapeRepo("kubernetes-system-namespace", {
      "shop.yaml": readFileSync(path.join(fixture("kubernetes-system-namespace"), "shop.yaml"), "utf8").replace("    kuma.io/mesh: edge\n", "    kuma.io/mesh: edge\n    kuma.io/origin: zone\n"),
    });
    const { diagnostics } = await validateJson(dir);
    assert.deepEqual(
      diagnostics.filter((d) => d.rule === "server-field").map((d) => [d.file, d.resource, d.path]),
      [["shop.yaml", "MeshRetry/edge/shop-retries.shop", 'metadata.labels["kuma.io/origin"]']],
    );
    assert.equal(originOf(await renderKubernetes(dir))["MeshRetry/shop/shop-retries"], null);
  });

  test("on a global control plane kuma.io/origin: zone is refused, as its webhook and API server refuse it, in either shape", async () => {
    const dir = shapeRepo("kubernetes-system-namespace", {
      "meshops.yaml": "controlPlane:\n  mode: global\nsystemNamespace: kong-mesh-system\n",
      "shop.yaml": "",
      "universal.yaml": "type: MeshTimeout\nname: u\nmesh: edge\nlabels:\n  kuma.io/origin: zone\nspec:\n  targetRef: {kind: Mesh}\n  to:\n    - targetRef: {kind: Mesh}\n      default: {idleTimeout: 1h}\n",
    });
    const { code, diagnostics } = await validateJson(dir);
    assert.equal(code, 1);
    assert.deepEqual(
      errorsOf(diagnostics),
      [
        [
          "gateway-routes.yaml",
          10,
          "MeshHTTPRoute/edge/edge-routes.kong-mesh-system",
          'metadata.labels["kuma.io/origin"]',
          "labels",
          "Operation not allowed. 'kuma.io/origin' label should have 'global' value, got 'zone' (controlPlane.mode global: the admission webhook refuses it)",
        ],
        ["universal.yaml", 5, "MeshTimeout/edge/u", 'labels["kuma.io/origin"]', "labels", "the origin label must be set to 'global'"],
      ],
    );
    assert.deepEqual(diagnostics.filter((d) => d.rule === "server-field"), []);
  });

  test("a global control plane takes no origin label but global: nothing is added there", async () => {
    const dir = shapeRepo("kubernetes-system-namespace", {
      "meshops.yaml": "controlPlane:\n  mode: global\nsystemNamespace: kong-mesh-system\n",
      "shop.yaml": "",
      "gateway-routes.yaml": readFileSync(path.join(fixture("kubernetes-system-namespace"), "gateway-routes.yaml"), "utf8").replace("    kuma.io/origin: zone\n", ""),
    });
    const origins = originOf(await renderKubernetes(dir));
    assert.ok(Object.keys(origins).length > 4, JSON.stringify(origins));
    assert.deepEqual(Object.values(origins).filter((o) => o !== null), []);
  });
});

describe("Argo CD and Flux annotations", () => {
  test("render --format kubernetes keeps the annotations a document wrote (its sync wave is meshops'; last-applied is the server's)", async () => {
    const dir = shapeRepo("argo-annotations");
    const run = await runCli(["render", "--format", "kubernetes"], dir);
    assert.equal(run.code, 0, run.stderr);
    const manifests = parseAllDocuments(run.stdout).map((d) => d.toJS() as { kind: string; metadata: { name: string; annotations?: Record<string, string> } });
    const annotations = (kind: string, name: string) => manifests.find((m) => m.kind === kind && m.metadata.name === name)?.metadata.annotations;
    assert.deepEqual(annotations("MeshTimeout", "shop-timeouts"), {
      "argocd.argoproj.io/sync-options": "Prune=false,ServerSideApply=true",
      "kustomize.toolkit.fluxcd.io/prune": "disabled",
      "argocd.argoproj.io/sync-wave": "6",
    });
    // The write order decides the waves: a Mesh written with a later wave than its policies would be created after them.
    assert.deepEqual(annotations("Mesh", "shop"), { "argocd.argoproj.io/sync-wave": "0" });
  });

  test("an annotation that is not a string (sync-wave: -1 unquoted) is an error at its line, as the API server refuses it", async () => {
    const timeouts = readFileSync(path.join(fixture("argo-annotations"), "timeouts.yaml"), "utf8").replace("    kustomize.toolkit.fluxcd.io/prune: disabled\n", "    argocd.argoproj.io/sync-wave: -1\n");
    const { code, diagnostics } = await validateJson(shapeRepo("argo-annotations", { "timeouts.yaml": timeouts }));
    assert.equal(code, 1);
    assert.deepEqual(
      errorsOf(diagnostics),
      [
        [
          "timeouts.yaml",
          11,
          "MeshTimeout/shop/shop-timeouts.shop",
          'metadata.annotations["argocd.argoproj.io/sync-wave"]',
          "kubernetes-shape",
          "an annotation's value is a string, found -1: quote it",
        ],
      ],
    );
  });

  test("a validation cache entry keeps them: its resources are a cold validation's", async () => {
    const dir = shapeRepo("argo-annotations");
    const cacheDir = path.join(dir, ".cache");
    const io = { stdout: { write: () => true }, stderr: { write: () => true }, env: {}, cwd: dir };
    const load = async () => (await loadRepository({ repo: dir, ref: "HEAD", maxFileSize: 1 << 20 }, io, { cacheDir })).result.resources;
    const cold = await load();
    assert.deepEqual(cold.find((r) => r.type === "MeshTimeout")?.annotations, {
      "argocd.argoproj.io/sync-options": "Prune=false,ServerSideApply=true",
      "kustomize.toolkit.fluxcd.io/prune": "disabled",
    });
    assert.deepEqual(await load(), cold);
  });
});

describe("legacy policies (Kuma 1.x, still served by 2.x)", () => {
  test("each is one error that names it legacy and its replacement, not a 'did you mean' to a kind of another shape", async () => {
    const { code, diagnostics } = await validateJson(shapeRepo("legacy-policies"));
    assert.equal(code, 1);
    assert.deepEqual(
      diagnostics.filter((d) => d.severity === "error").map((d) => [d.line, d.path, d.rule, d.message]),
      [
        [2, "type", "unknown-type", 'TrafficPermission is a legacy kind (removed in Kuma 3), which meshops does not manage: rewrite it as a MeshTrafficPermission'],
        [13, "kind", "unknown-type", 'MeshGatewayRoute is a legacy kind (removed in Kuma 3), which meshops does not manage: rewrite it as a MeshHTTPRoute or MeshTCPRoute whose targetRef is the MeshGateway'],
      ],
    );
  });

  test("a legacy ExternalService names its replacement, and what the control plane records itself (Zone, zone proxies, insights) says so", async () => {
    const legacy = "type: ExternalService\nmesh: default\nname: httpbin\ntags:\n  kuma.io/service: httpbin\nnetworking:\n  address: httpbin.org:443\n";
    const zone = "type: Zone\nname: zone-1\nenabled: false\n---\napiVersion: kuma.io/v1alpha1\nkind: ZoneIngress\nmetadata:\n  name: ingress-1\n  namespace: kuma-system\n---\ntype: DataplaneInsight\nmesh: default\nname: web-1\n";
    const { diagnostics } = await validateJson(shapeRepo(undefined, { "mesh.yaml": "type: Mesh\nname: default\n", "legacy.yaml": legacy, "zones.yaml": zone }));
    const recorded = (kind: string, what: string) => `${kind} is ${what}, which meshops does not manage: leave it out of the repository (or exclude the file)`;
    assert.deepEqual(errorsOf(diagnostics).map(([file, line, , , rule, message]) => [file, line, rule, message]), [
      ["legacy.yaml", 1, "unknown-type", "ExternalService is a legacy kind (removed in Kuma 3), which meshops does not manage: rewrite it as a MeshExternalService"],
      ["zones.yaml", 1, "unknown-type", recorded("Zone", "the global control plane's record of a zone, made when the zone first connects")],
      ["zones.yaml", 6, "unknown-type", recorded("ZoneIngress", "registered by a zone ingress proxy when it starts")],
      ["zones.yaml", 11, "unknown-type", recorded("DataplaneInsight", "the control plane's status of a data plane proxy")],
    ]);
  });
});

describe("Kong Mesh's legacy OPAPolicy (still served by Kong Mesh 2.x)", () => {
  test("its documentation's examples, in either shape, are one error each naming it legacy and MeshOPA its replacement", async () => {
    // Kong's documented examples (test/fixtures/kong-docs/README.md): Kubernetes at line 1, Universal at line 45.
    const opa = readFileSync(path.join(projectRoot, "test/fixtures/kong-docs/opa-policy.yaml"), "utf8");
    const message = "OPAPolicy is a legacy Kong Mesh kind (removed in Kong Mesh 3), which meshops does not manage: rewrite it as a MeshOPA";
    for (const product of ["kong-mesh", "kuma"]) {
      const config = `instance: meshops\ncontrolPlane:\n  product: ${product}\n`;
      const { code, diagnostics } = await validateJson(shapeRepo(undefined, { "meshops.yaml": config, "mesh.yaml": "type: Mesh\nname: default\n", "opa.yaml": opa }));
      assert.equal(code, 1, product);
      assert.deepEqual(errorsOf(diagnostics).map(([file, line, , field, rule, text]) => [file, line, field, rule, text]), [
        ["opa.yaml", 2, "kind", "unknown-type", message],
        ["opa.yaml", 45, "type", "unknown-type", message],
      ], product);
    }
  });
});

describe("what kubectl writes", () => {
  test("a List holding Kuma resources (kubectl get -o yaml) is an error at its first Kuma item, not skipped as another API's document", async () => {
    const dir = shapeRepo("kubectl-list");
    const { code, diagnostics } = await validateJson(dir);
    assert.equal(code, 1);
    assert.deepEqual(
      diagnostics.filter((d) => d.severity === "error").map((d) => [d.file, d.line, d.resource, d.rule, d.path, d.message]),
      [
        [
          "exported-timeouts.yaml",
          4,
          "MeshTimeout/default/ledger-timeouts.payments",
          "kubernetes-shape",
          "items[0]",
          "a List of 1 Kuma resource (what kubectl get -o yaml writes) would be applied by kubectl and Argo CD, but meshops reads one resource per document: write each item as a document of its own (yq '.items[]' splits them)",
        ],
      ],
    );
  });
});

describe("other tools' YAML beside the configuration (values files, Compose files, CI includes)", () => {
  const files = {
    "mesh.yaml": "type: Mesh\nname: default\n",
    "helm/values.yaml": "controlPlane:\n  mode: zone\n  zone: zone-1\n",
    "docker-compose.yml": "services:\n  web:\n    image: nginx\n",
    "ci/build.gitlab-ci.yml": "stages: [test]\ntest:\n  script: [npm test]\n",
    "empty-map.yaml": "{}\n",
  };

  test("a document with nothing of a mesh resource (no type, apiVersion, kind, name, mesh, spec or metadata) is skipped, counted and warned about", async () => {
    const dir = shapeRepo(undefined, files);
    const run = await runCli(["validate"], dir);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /1 resource in 5 files at \w+; 4 documents of other kinds skipped/);
    // Said once each, as a warning: a mesh resource written wholly wrong would look the same.
    const { diagnostics } = await validateJson(dir);
    assert.deepEqual(diagnostics.map((d) => [d.severity, d.file, d.rule]), ["ci/build.gitlab-ci.yml", "docker-compose.yml", "empty-map.yaml", "helm/values.yaml"].map((f) => ["warning", f, "other-document"]));
  });

  test("a top-level `name` beside keys no Kuma kind has (a GitHub Action, a workflow outside .github, a named Compose file) is another tool's document too", async () => {
    const others = {
      "mesh.yaml": "type: Mesh\nname: default\n",
      "action.yml": "name: meshops validate\ndescription: Validate the mesh configuration\nruns:\n  using: composite\n  steps:\n    - run: npx meshops validate\n      shell: bash\n",
      "ci/workflow-templates/validate.yaml": "name: validate\non:\n  pull_request:\njobs:\n  validate:\n    runs-on: ubuntu-latest\n",
      "compose.yaml": "name: local-dev\nservices:\n  cp:\n    image: kong/kuma-cp:2.14.3\n",
    };
    const dir = shapeRepo(undefined, others);
    const run = await runCli(["validate"], dir);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /1 resource in 4 files at \w+; 3 documents of other kinds skipped/);
    const { diagnostics } = await validateJson(dir);
    assert.deepEqual(
      diagnostics.map((d) => [d.severity, d.file, d.line, d.rule]),
      ["action.yml", "ci/workflow-templates/validate.yaml", "compose.yaml"].map((f) => ["warning", f, 1, "other-document"]),
    );
  });

  test("a `name` beside a field of a Kuma kind, or a list holding a mesh resource, is still a mesh resource written wrong: an error", async () => {
    const wrong = {
      "mesh.yaml": "type: Mesh\nname: default\n",
      // A Mesh without its type: mtls is a Mesh's field.
      "untyped-mesh.yaml": "name: payments\nmtls:\n  enabledBackend: ca-1\n  backends: [{name: ca-1, type: builtin}]\n",
      // Two policies written as a YAML list instead of two documents.
      "listed.yaml": "- type: MeshTimeout\n  name: t1\n  spec: {}\n- type: MeshTimeout\n  name: t2\n  spec: {}\n",
    };
    const { code, diagnostics } = await validateJson(shapeRepo(undefined, wrong));
    assert.equal(code, 1);
    assert.deepEqual(errorsOf(diagnostics).map((e) => [e[0], e[4]]), [
      ["listed.yaml", "not-a-mapping"],
      ["untyped-mesh.yaml", "unknown-type"],
    ]);
  });

  test("a number for apiVersion (Grafana's provisioning files: apiVersion: 1) is another API's document, counted; beside a kind meshops knows, a mesh resource's error", async () => {
    const files = {
      "mesh.yaml": "type: Mesh\nname: default\n",
      "grafana/provisioning/datasources/prometheus.yaml": "apiVersion: 1\ndatasources:\n  - name: Prometheus\n    type: prometheus\n    url: http://prometheus:9090\n",
      "grafana/provisioning/dashboards/mesh.yaml": "apiVersion: 1\nproviders:\n  - name: mesh\n    folder: Mesh\n    options:\n      path: /var/lib/grafana/dashboards\n",
    };
    const dir = shapeRepo(undefined, { ...files, "timeout.yaml": "apiVersion: 1\nkind: MeshTimeout\nmetadata:\n  name: t1\n" });
    const { code, diagnostics } = await validateJson(dir);
    assert.equal(code, 1);
    assert.deepEqual(errorsOf(diagnostics).map((e) => [e[0], e[4], e[5]]), [["timeout.yaml", "kubernetes-shape", "apiVersion must be kuma.io/v1alpha1, found 1"]]);
    const run = await runCli(["validate"], shapeRepo(undefined, files));
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /1 resource in 3 files at \w+; 2 documents of other kinds skipped/);
    // Grafana's is named by its keys; another document with a number for apiVersion is said as it is.
    const strict = await validateJson(shapeRepo(undefined, { ...files, "meshops.yaml": "otherDocuments: error\n", "settings.yaml": "apiVersion: 1\nsettings: {}\n" }));
    assert.deepEqual(strict.diagnostics.map((d) => [d.file, d.rule, d.message]), [
      ...["dashboards", "datasources"].map((f) => [`grafana/provisioning/${f}/${f === "dashboards" ? "mesh" : "prometheus"}.yaml`, "other-document", "a Grafana provisioning file (apiVersion 1) is not a mesh resource (meshops.yaml sets otherDocuments: error)"]),
      ["settings.yaml", "other-document", "a document of apiVersion 1 is not a mesh resource (meshops.yaml sets otherDocuments: error)"],
    ]);
  });

  test("one that has a mesh resource's fields but no type is still an error; with otherDocuments: error, the others are errors too", async () => {
    const untyped = shapeRepo(undefined, { ...files, "timeout.yaml": "name: t\nmesh: default\nspec: {}\n" });
    const { code, diagnostics } = await validateJson(untyped);
    assert.equal(code, 1);
    assert.deepEqual(errorsOf(diagnostics).map((e) => [e[0], e[4]]), [["timeout.yaml", "unknown-type"]]);

    const strict = shapeRepo(undefined, { ...files, "meshops.yaml": "otherDocuments: error\n" });
    const refused = await validateJson(strict);
    assert.equal(refused.code, 1);
    assert.deepEqual(
      refused.diagnostics.filter((d) => d.severity === "error").map((d) => [d.file, d.rule, d.message]),
      [
        ["ci/build.gitlab-ci.yml", "a GitLab CI file"],
        ["docker-compose.yml", "a Docker Compose file"],
        ["empty-map.yaml", "a document with no apiVersion, kind or type"],
        ["helm/values.yaml", "a document with no apiVersion, kind or type"],
      ].map(([file, what]) => [file, "other-document", `${what} is not a mesh resource (meshops.yaml sets otherDocuments: error)`]),
    );
  });
});

describe("Ansible beside the configuration (playbooks, a role's tasks and handlers, variables files)", () => {
  const ansible = {
    "mesh.yaml": "type: Mesh\nname: default\n",
    // A playbook: a list of plays.
    "site.yml": "- name: Install the mesh\n  hosts: k8s\n  roles:\n    - kuma\n- import_playbook: upgrade.yml\n",
    "upgrade.yml": "- hosts: k8s\n  tasks:\n    - name: Upgrade\n      ansible.builtin.command: helm upgrade kuma kuma/kuma\n",
    // A task file anywhere: its tasks name modules by their full names, or use task keywords.
    "tasks/render.yml": "- name: Render the policies\n  ansible.builtin.template:\n    src: mesh.yaml.j2\n    dest: /tmp/mesh.yaml\n- name: Apply\n  command: kubectl apply -f /tmp/mesh.yaml\n  when: apply_mesh\n",
    // In a role's tasks or handlers folder, a task with a short module name only.
    "roles/kuma/tasks/main.yml": "- name: Install kumactl\n  apt:\n    name: kumactl\n",
    "roles/kuma/handlers/main.yml": "- name: Restart the control plane\n  service:\n    name: kuma-cp\n    state: restarted\n",
    // Variables that happen to have a mesh resource's keys (mesh, name, spec).
    "group_vars/all.yml": "mesh: payments\nkuma_version: 2.14.3\n",
    "host_vars/cp-1/main.yml": "name: cp-1\nspec:\n  replicas: 2\n",
    "roles/kuma/defaults/main.yml": "mesh: default\ncontrol_plane_replicas: 1\n",
  };
  const skipped: [string, string][] = [
    ["group_vars/all.yml", "an Ansible variables file"],
    ["host_vars/cp-1/main.yml", "an Ansible variables file"],
    ["roles/kuma/defaults/main.yml", "an Ansible variables file"],
    ["roles/kuma/handlers/main.yml", "an Ansible task file"],
    ["roles/kuma/tasks/main.yml", "an Ansible task file"],
    ["site.yml", "an Ansible playbook"],
    ["tasks/render.yml", "an Ansible task file"],
    ["upgrade.yml", "an Ansible playbook"],
  ];

  test("is another tool's: skipped, counted and warned about once per file, as a Compose file is", async () => {
    const dir = shapeRepo(undefined, ansible);
    const run = await runCli(["validate"], dir);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /1 resource in 9 files at \w+; 8 documents of other kinds skipped/);
    const { diagnostics } = await validateJson(dir);
    assert.deepEqual(
      diagnostics.map((d) => [d.severity, d.file, d.line, d.rule, d.message]),
      skipped.map(([f, tool]) => ["warning", f, 1, "other-document", skippedAs(tool)]),
    );

    const strict = await validateJson(shapeRepo(undefined, { ...ansible, "meshops.yaml": "otherDocuments: error\n" }));
    assert.equal(strict.code, 1);
    assert.deepEqual(
      strict.diagnostics.map((d) => [d.severity, d.file, d.rule, d.message]),
      skipped.map(([f, tool]) => ["error", f, "other-document", `${tool} is not a mesh resource (meshops.yaml sets otherDocuments: error)`]),
    );
  });

  test("a list whose items name a kind, or a document in a variables folder that names one, stays a mesh resource: its error at file:line", async () => {
    const listed = {
      "mesh.yaml": "type: Mesh\nname: default\n",
      // Kubernetes documents written as a list, in a role's tasks folder.
      "roles/kuma/tasks/policies.yml": "- apiVersion: kuma.io/v1alpha1\n  kind: MeshTimeout\n  metadata:\n    name: t1\n",
      // A play and a mesh resource in one list.
      "mixed.yml": "- hosts: all\n  tasks: []\n- type: MeshTimeout\n  name: t1\n  mesh: default\n",
      // A Universal resource in group_vars is a resource all the same.
      "group_vars/mesh.yml": "type: Mesh\nname: payments\nmtls: 3\n",
    };
    const { code, diagnostics } = await validateJson(shapeRepo(undefined, listed));
    assert.equal(code, 1);
    assert.deepEqual(errorsOf(diagnostics).map((e) => [e[0], e[1], e[4]]), [
      ["group_vars/mesh.yml", 3, "schema"],
      ["mixed.yml", 1, "not-a-mapping"],
      ["roles/kuma/tasks/policies.yml", 1, "not-a-mapping"],
    ]);
  });

  test("a variable named type or kind that names no kind meshops knows (type: production) leaves a variables file Ansible's; a known kind keeps it a resource", async () => {
    const files = {
      "mesh.yaml": "type: Mesh\nname: default\n",
      "group_vars/production.yml": "type: production\nmesh: payments\nreplicas: 3\n",
      "host_vars/cp-1.yml": "kind: control-plane\nname: cp-1\n",
      "roles/kuma/vars/main.yml": "type: 2\nkind:\n  - zone\n",
      // Kinds meshops knows, in either shape: a policy, a legacy kind, a Kubernetes document without its apiVersion.
      "group_vars/timeout.yml": "type: MeshTimeout\nname: t1\nmesh: default\nspec: 3\n",
      "roles/kuma/defaults/main.yml": "type: TrafficPermission\nname: allow\nmesh: default\n",
      "host_vars/cp-2.yml": "kind: MeshRetry\nmetadata:\n  name: r1\n",
    };
    const { code, diagnostics } = await validateJson(shapeRepo(undefined, files));
    assert.equal(code, 1);
    assert.deepEqual(
      diagnostics.filter((d) => d.rule === "other-document").map((d) => [d.file, d.message]),
      ["group_vars/production.yml", "host_vars/cp-1.yml", "roles/kuma/vars/main.yml"].map((f) => [f, skippedAs("an Ansible variables file")]),
    );
    assert.deepEqual(errorsOf(diagnostics).map((e) => [e[0], e[1], e[4]]), [
      ["group_vars/timeout.yml", 4, "schema"],
      ["host_vars/cp-2.yml", 1, "kubernetes-shape"],
      ["roles/kuma/defaults/main.yml", 1, "unknown-type"],
    ]);
  });
  test("a task file anywhere whose tasks name modules by their short names only (apt, service) with task keywords (tags) is Ansible's; an item with a mesh resource's field keeps the list an error", async () => {
    const files = {
      "mesh.yaml": "type: Mesh\nname: default\n",
      // `tags` is a field of Universal kinds too: it made this list a mesh resource list written wrong.
      "playbooks/install.yml": "- name: Install kumactl\n  apt:\n    name: kumactl\n  tags: [install]\n- name: Start the control plane\n  service:\n    name: kuma-cp\n    state: started\n",
      "setup.yml": "- name: Install kumactl\n  apt:\n    name: kumactl\n- name: Start the control plane\n  systemd:\n    name: kuma-cp\n    enabled: true\n",
      // A task beside a policy whose kind is misspelt, or one with a mesh and spec: mesh resources written as a list.
      "mixed-tasks.yml": "- name: Install kumactl\n  apt:\n    name: kumactl\n  become: true\n- name: t1\n  type: MeshTimout\n  spec: {}\n",
      "meshed-tasks.yml": "- name: t1\n  apt: kumactl\n  mesh: default\n  spec: {}\n",
    };
    const { code, diagnostics } = await validateJson(shapeRepo(undefined, files));
    assert.equal(code, 1);
    assert.deepEqual(
      diagnostics.filter((d) => d.rule === "other-document").map((d) => [d.severity, d.file, d.line, d.message]),
      ["playbooks/install.yml", "setup.yml"].map((f) => ["warning", f, 1, skippedAs("an Ansible task file")]),
    );
    assert.deepEqual(errorsOf(diagnostics).map((e) => [e[0], e[1], e[4]]), [
      ["meshed-tasks.yml", 1, "not-a-mapping"],
      ["mixed-tasks.yml", 1, "not-a-mapping"],
    ]);
  });

  test("in a variables folder, a document that looks like a mesh resource (its kind in another case, or misspelt, beside name, mesh or spec) is still checked", async () => {
    const files = {
      "mesh.yaml": "type: Mesh\nname: default\n",
      // A policy's schema requires `type` as written (an error at `Type` saying so); a Mesh's envelope is read in any case.
      "group_vars/timeout.yml": "Type: MeshTimeout\nname: t1\nmesh: default\nspec: 3\n",
      "group_vars/mesh.yml": "Type: Mesh\nname: payments\nmtls: 3\n",
      "host_vars/cp-1/timeout.yml": "type: MeshTimout\nname: t2\nmesh: default\nspec: {}\n",
      "roles/kuma/defaults/main.yml": "kind: MeshRetyr\nmetadata:\n  name: r1\n",
      // A variable close to a kind's name but beside none of a resource's fields stays a variable.
      "group_vars/all.yml": "type: MeshTimout\nkuma_version: 2.14.3\n",
    };
    const { code, diagnostics } = await validateJson(shapeRepo(undefined, files));
    assert.equal(code, 1);
    assert.deepEqual(
      diagnostics.filter((d) => d.rule === "other-document").map((d) => [d.file, d.message]),
      [["group_vars/all.yml", skippedAs("an Ansible variables file")]],
    );
    assert.deepEqual(
      diagnostics.filter((d) => d.file !== "group_vars/all.yml").map((d) => [d.severity, d.file, d.line, d.rule]),
      [
        ["warning", "group_vars/mesh.yml", 1, "schema"],
        ["error", "group_vars/mesh.yml", 3, "schema"],
        ["error", "group_vars/timeout.yml", 1, "schema"],
        ["error", "host_vars/cp-1/timeout.yml", 1, "unknown-type"],
        ["error", "roles/kuma/defaults/main.yml", 1, "unknown-type"],
      ],
    );
    assert.match(diagnostics.find((d) => d.file === "host_vars/cp-1/timeout.yml")?.message ?? "", /did you mean "MeshTimeout"\?/);
  });
});

describe("other tools named in the warning, where their files say whose they are", () => {
  test("a workflow, an Action, Compose, GitLab CI, MkDocs, OpenAPI, a JSON Schema, Prometheus, Alertmanager, decK, Helmfile", async () => {
    const named: Record<string, [string, string]> = {
      "action.yml": ["name: meshops validate\nruns:\n  using: composite\n  steps: []\n", "a GitHub Action's metadata file"],
      "ci/workflow-templates/validate.yaml": ["name: validate\non:\n  pull_request:\njobs:\n  validate:\n    runs-on: ubuntu-latest\n", "a GitHub Actions workflow"],
      "compose.yaml": ["name: local-dev\nservices:\n  cp:\n    image: kong/kuma-cp:2.14.3\n", "a Docker Compose file"],
      "ci/build.gitlab-ci.yml": ["stages: [test]\ntest:\n  script: [npm test]\n", "a GitLab CI file"],
      "mkdocs.yml": ["site_name: Mesh\nnav:\n  - index.md\n", "an MkDocs configuration"],
      "api/openapi.yaml": ["openapi: 3.0.3\ninfo:\n  title: Mesh\n  version: 1.0.0\npaths: {}\n", "an OpenAPI document"],
      "docs/schema.yaml": ["$schema: https://json-schema.org/draft/2020-12/schema\ntype: object\nproperties: {}\n", "a JSON Schema"],
      "prometheus/rules/mesh.yaml": ["groups:\n  - name: mesh\n    rules:\n      - alert: KumaDown\n        expr: up == 0\n", "a Prometheus rules file"],
      "prometheus/prometheus.yml": ["global:\n  scrape_interval: 15s\nscrape_configs:\n  - job_name: kuma\n", "a Prometheus configuration"],
      "alertmanager/alertmanager.yml": ["route:\n  receiver: team\nreceivers:\n  - name: team\n", "an Alertmanager configuration"],
      "kong/kong.yaml": ['_format_version: "3.0"\nservices: []\n', "a decK declarative configuration (Kong Gateway)"],
      "helmfile.yaml": ["releases:\n  - name: kuma\n    chart: kuma/kuma\n", "a Helmfile"],
    };
    const dir = shapeRepo(undefined, { "mesh.yaml": "type: Mesh\nname: default\n", ...Object.fromEntries(Object.entries(named).map(([f, [text]]) => [f, text])) });
    const { code, diagnostics } = await validateJson(dir);
    assert.equal(code, 0, JSON.stringify(diagnostics));
    assert.deepEqual(
      diagnostics.map((d) => [d.severity, d.file, d.line, d.rule, d.message]),
      Object.entries(named)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([f, [, tool]]) => ["warning", f, 1, "other-document", skippedAs(tool)]),
    );
  });

  test("a file only some tool might have written keeps the general wording (a Helm values file, a Compose-like mapping without images)", async () => {
    const files = {
      "mesh.yaml": "type: Mesh\nname: default\n",
      "helm/values.yaml": "controlPlane:\n  mode: zone\n",
      "services.yaml": "services:\n  web:\n    port: 80\n",
    };
    const { diagnostics } = await validateJson(shapeRepo(undefined, files));
    assert.deepEqual(
      diagnostics.map((d) => [d.file, d.message]),
      ["helm/values.yaml", "services.yaml"].map((f) => [f, "no apiVersion, kind or type, nor a mesh resource's fields: not mesh configuration, skipped; if the file is another tool's, list it under `exclude:` in meshops.yaml"]),
    );
  });
});

describe("more of what platform teams keep beside mesh YAML (JSON Schemas, Grafana provisioning, YAML lists)", () => {
  test("a `type` that names no kind meshops knows nor one close to it, beside none of a mesh resource's fields (a JSON Schema's type: object), is another tool's document", async () => {
    const files = {
      "mesh.yaml": "type: Mesh\nname: default\n",
      // An OpenAPI spec's schema split into a file of its own, and a JSON Schema.
      "schemas/Mesh.yaml": "type: object\nrequired:\n  - name\nproperties:\n  name:\n    type: string\n",
      "docs/types.yaml": "type: [object, \"null\"]\nproperties: {}\n",
      "inventory.yaml": "type: service\nname: web\nport: 80\n",
      // Still mesh resources written wrong: a misspelt kind, or a mesh resource's fields beside an unknown one.
      "misspelt.yaml": "type: MeshTimout\nname: t1\n",
      "unknown.yaml": "type: Timeouts\nname: t2\nmesh: default\n",
      "untyped-mesh.yaml": "type: Secure\nname: payments\nmtls:\n  enabledBackend: ca-1\n",
    };
    const { code, diagnostics } = await validateJson(shapeRepo(undefined, files));
    assert.equal(code, 1);
    assert.deepEqual(
      diagnostics.filter((d) => d.rule === "other-document").map((d) => [d.severity, d.file, d.line, d.message]),
      [
        ["docs/types.yaml", '["object","null"]'],
        ["inventory.yaml", '"service"'],
        ["schemas/Mesh.yaml", '"object"'],
      ].map(([f, type]) => ["warning", f, 1, skippedAs(`a document whose type ${type} is no kind meshops knows, with none of a mesh resource's fields`)]),
    );
    assert.deepEqual(errorsOf(diagnostics).map((e) => [e[0], e[4]]), [
      ["misspelt.yaml", "unknown-type"],
      ["unknown.yaml", "unknown-type"],
      ["untyped-mesh.yaml", "unknown-type"],
    ]);
  });

  test("a `kind` that names no kind meshops knows nor one close to it, without an apiVersion (Zarf's zarf.yaml), is another tool's document; a mesh kind without one stays an error", async () => {
    const files = {
      "mesh.yaml": "type: Mesh\nname: default\n",
      "zarf.yaml": "kind: ZarfPackageConfig\nmetadata:\n  name: kuma\n  version: 2.14.3\ncomponents:\n  - name: kuma\n    required: true\n",
      "timeout.yaml": "kind: MeshTimeout\nmetadata:\n  name: t1\n",
      "misspelt.yaml": "kind: MeshRetyr\nmetadata:\n  name: r1\n",
    };
    const { code, diagnostics } = await validateJson(shapeRepo(undefined, files));
    assert.equal(code, 1);
    assert.deepEqual(
      diagnostics.filter((d) => d.rule === "other-document").map((d) => [d.severity, d.file, d.line, d.message]),
      [["warning", "zarf.yaml", 1, skippedAs('a document of kind "ZarfPackageConfig", which is no kind meshops knows, without an apiVersion')]],
    );
    assert.deepEqual(errorsOf(diagnostics).map((e) => [e[0], e[4]]), [
      ["misspelt.yaml", "unknown-type"],
      ["timeout.yaml", "kubernetes-shape"],
    ]);
  });

  test("a document meshops skips gets no warning about what kumactl would make of its values: tags (CloudFormation's !Sub, mkdocs' !!python/name) and ${var}, which a mesh resource still gets", async () => {
    const files = {
      "mesh.yaml": "type: Mesh\nname: default\n",
      "cfn/template.yaml": 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Sub "${AWS::StackName}-mesh"\n',
      "mkdocs.yml": "site_name: Mesh\nmarkdown_extensions:\n  - pymdownx.emoji:\n      emoji_index: !!python/name:material.extensions.emoji.twemoji\n",
      "deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: !tag web:${TAG}\n",
      // A mesh resource after a skipped document in one file: its own are still said.
      "timeouts.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${APP}\n---\ntype: MeshTimeout\nname: t1\nmesh: default\nlabels:\n  team: !team ${TEAM}\nspec:\n  targetRef:\n    kind: Mesh\n",
    };
    const { diagnostics } = await validateJson(shapeRepo(undefined, files));
    assert.deepEqual(
      diagnostics.filter((d) => d.rule === "substitution-variable" || d.rule === "yaml-decode").map((d) => [d.file, d.line, d.rule]),
      [
        ["timeouts.yaml", 10, "substitution-variable"],
        ["timeouts.yaml", 10, "yaml-decode"],
      ],
    );
    assert.deepEqual(diagnostics.filter((d) => d.rule === "other-document").map((d) => d.file), ["cfn/template.yaml", "mkdocs.yml"]);
  });

  test("a YAML list whose items are mappings with none of a mesh resource's fields (Prometheus file_sd targets, an owners list, GitHub labels) is another tool's document", async () => {
    const files = {
      "mesh.yaml": "type: Mesh\nname: default\n",
      "prometheus/targets/kuma.yaml": "- targets: [\"kuma-cp:5680\"]\n  labels:\n    job: kuma-cp\n",
      "owners.yaml": "- path: /meshes/\n  owners: [\"@platform\"]\n- path: /policies/\n  owners: [\"@security\"]\n",
      "labels.yml": "- name: mesh\n  color: 0e8a16\n  description: Mesh configuration\n",
      // Still a list where mesh resources were meant: an item names a kind, or has a kind's field.
      "listed.yaml": "- path: /x/\n- type: MeshTimeout\n  name: t1\n",
      "meshes.yaml": "- name: payments\n  mtls:\n    enabledBackend: ca-1\n",
      "words.yaml": "- mesh\n- kuma\n",
    };
    const { code, diagnostics } = await validateJson(shapeRepo(undefined, files));
    assert.equal(code, 1);
    assert.deepEqual(
      diagnostics.filter((d) => d.rule === "other-document").map((d) => [d.severity, d.file, d.line, d.message]),
      ["labels.yml", "owners.yaml", "prometheus/targets/kuma.yaml"].map((f) => ["warning", f, 1, skippedAs("a YAML list whose items have none of a mesh resource's fields")]),
    );
    assert.deepEqual(errorsOf(diagnostics).map((e) => [e[0], e[4]]), [
      ["listed.yaml", "not-a-mapping"],
      ["meshes.yaml", "not-a-mapping"],
      ["words.yaml", "not-a-mapping"],
    ]);
  });
});

describe("a Helm chart beside the configuration", () => {
  const chartMessage =
    'a Helm chart (charts/app/Chart.yaml): its templates and values are not mesh configuration until `helm template` renders them; list "charts/app" under `exclude:` in meshops.yaml, and give meshops what it renders';

  test("is one error at its Chart.yaml with the way out, not an error per template and values file (nor a schema error where a template happens to parse)", async () => {
    const dir = shapeRepo("helm-chart");
    const { code, diagnostics } = await validateJson(dir);
    assert.equal(code, 1);
    // templates/timeouts.yaml parses as YAML (`{{ .Values.idleTimeout }}` is a flow mapping): it said "must be of type
    // string" at idleTimeout; values.yaml said "missing `type`"; the subchart (charts/db) is the chart's own.
    assert.deepEqual(
      diagnostics.map((d) => [d.severity, d.file, d.line, d.column, d.rule, d.message]),
      [["error", "charts/app/Chart.yaml", 1, 1, "helm-chart", chartMessage]],
    );
    const excluded = shapeRepo("helm-chart", { "meshops.yaml": "exclude: [charts]\n" });
    assert.equal((await validateJson(excluded)).code, 0);
  });

  test("under --path the folder to exclude is relative to it; a file named Chart.yaml that is not Helm's is read as configuration", async () => {
    const files = {
      "config/mesh.yaml": "type: Mesh\nname: default\n",
      "config/charts/app/Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\n",
      "config/charts/app/values.yaml": "replicaCount: 1\n",
      "config/policies/Chart.yaml": "type: MeshTimeout\nname: chart\nmesh: default\nspec: {targetRef: {kind: Mesh}, to: [{targetRef: {kind: Mesh}, default: {idleTimeout: 5s}}]}\n",
    };
    const { diagnostics } = await validateJson(shapeRepo(undefined, files), "--path", "config");
    assert.deepEqual(
      diagnostics.map((d) => [d.file, d.rule, d.message]),
      [["config/charts/app/Chart.yaml", "helm-chart", chartMessage.replace("(charts/app/Chart.yaml)", "(config/charts/app/Chart.yaml)")]],
    );
  });

  test("a quoted template (MeshIdentity's spiffeID, HostnameGenerator's) is YAML: a real syntax error there is reported as one; an unquoted one outside a chart says it is a template", async () => {
    const identity = 'type: HostnameGenerator\nname: h\nspec:\n  template: "{{ .DisplayName }}.mesh"\n\tselector: {}\n';
    const quoted = await validateJson(shapeRepo(undefined, { "mesh.yaml": "type: Mesh\nname: shop\n", "hostnames.yaml": identity }));
    assert.deepEqual(
      quoted.diagnostics.filter((d) => d.file === "hostnames.yaml").map((d) => [d.line, d.rule, d.message.startsWith("not YAML until rendered")]),
      [[5, "yaml-syntax", false]],
    );
    const loose = await validateJson(shapeRepo(undefined, { "mesh.yaml": "type: Mesh\nname: shop\n", "templates/mt.yaml": "{{- if .Values.on }}\ntype: MeshTimeout\n{{- end }}\n" }));
    assert.deepEqual(
      loose.diagnostics.map((d) => [d.file, d.line, d.column, d.rule, d.message]),
      [["templates/mt.yaml", 1, 1, "yaml-syntax", "not YAML until rendered: it holds template syntax ({{ … }}); a Helm chart or another template is not mesh configuration: list it under `exclude:` in meshops.yaml"]],
    );
  });
});

describe("Flux's post-build variable substitution (${var})", () => {
  const timeouts = (name: string, idleTimeout: string, annotations = "") =>
    `apiVersion: kuma.io/v1alpha1\nkind: MeshTimeout\nmetadata:\n  name: ${name}\n  namespace: kuma-system\n${annotations}  labels:\n    kuma.io/mesh: default\nspec:\n  targetRef:\n    kind: Mesh\n  to:\n  - targetRef:\n      kind: Mesh\n    default:\n      idleTimeout: ${idleTimeout}\n`;
  const mesh = "apiVersion: kuma.io/v1alpha1\nkind: Mesh\nmetadata:\n  name: default\n";

  test("a document Flux would substitute into is one error at its first variable, naming them, instead of an error per substituted field; other errors stay", async () => {
    const files = {
      "clusters/mesh.yaml": mesh,
      "clusters/timeouts.yaml": `${timeouts("${app}-timeouts", "${IDLE_TIMEOUT:=30s}")}---\n${timeouts("plain", "5s")}---\n${timeouts("other", "${TIMEOUT}\n      idleTimout: 5s")}`,
    };
    const { code, diagnostics } = await validateJson(shapeRepo(undefined, files));
    assert.equal(code, 1);
    assert.deepEqual(
      diagnostics.map((d) => [d.severity, d.file, d.line, d.column, d.path, d.rule, d.message]),
      [
        [
          "error",
          "clusters/timeouts.yaml",
          4,
          3,
          "metadata.name",
          "substitution-variable",
          "holds ${app}, ${IDLE_TIMEOUT:=30s}, which Flux's post-build substitution (postBuild.substitute) replaces and meshops does not: it reads documents as written; render the folder (flux build kustomization) into one of its own for meshops, or exclude it",
        ],
        [
          "error",
          "clusters/timeouts.yaml",
          47,
          7,
          "spec.to[0].default.idleTimeout",
          "substitution-variable",
          "holds ${TIMEOUT}, which Flux's post-build substitution (postBuild.substitute) replaces and meshops does not: it reads documents as written; render the folder (flux build kustomization) into one of its own for meshops, or exclude it",
        ],
        // An error about a field without a variable stays.
        ["error", "clusters/timeouts.yaml", 48, 7, "spec.to[0].default.idleTimout", "schema", 'unknown field "idleTimout", did you mean "idleTimeout"?'],
      ],
    );
  });

  test("a valid document holding one is a warning (the control plane would get another value); Flux's opt-out annotation and a bare $var are not substitutions", async () => {
    const route = (name: string, annotations = "") =>
      `apiVersion: kuma.io/v1alpha1\nkind: MeshHTTPRoute\nmetadata:\n  name: ${name}\n  namespace: kuma-system\n${annotations}  labels:\n    kuma.io/mesh: default\nspec:\n  targetRef:\n    kind: Mesh\n  to:\n  - targetRef:\n      kind: MeshService\n      name: web\n    rules:\n    - matches:\n      - headers:\n        - {type: Exact, name: x-region, value: '\${region}'}\n        - {type: Exact, name: x-cost, value: $cost}\n      default: {}\n`;
    const optOut = "  annotations:\n    kustomize.toolkit.fluxcd.io/substitute: disabled\n";
    const files = { "mesh.yaml": mesh, "route.yaml": route("route"), "kept.yaml": `# \${literal} in a comment is nothing\n${route("kept", optOut)}` };
    const { code, diagnostics } = await validateJson(shapeRepo(undefined, files));
    assert.equal(code, 0);
    assert.deepEqual(
      diagnostics.filter((d) => d.rule === "substitution-variable").map((d) => [d.severity, d.file, d.line, d.path, d.message]),
      [
        [
          "warning",
          "route.yaml",
          18,
          "spec.to[0].rules[0].matches[0].headers[0].value",
          "holds ${region}, which Flux's post-build substitution (postBuild.substitute) replaces and meshops does not: the control plane would get another value than meshops compares; render the folder (flux build kustomization) into one of its own for meshops, or exclude it",
        ],
      ],
    );
  });
});

describe("a control plane that already runs, none of it from meshops", () => {
  test("export writes everything under unmanaged/ and says that validate and plan need --allow-empty until something is owned; then plan is a no-op", async () => {
    await withControlPlaneServer({}, async (url) => {
      const put = async (apiPath: string, body: object) => {
        const response = await fetch(url + apiPath, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
        assert.ok(response.ok, `PUT ${apiPath}: ${response.status}`);
      };
      await put("/meshes/payments", { type: "Mesh", name: "payments" });
      const spec = { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { connectionTimeout: "3s" } }] };
      await put("/meshes/payments/meshtimeouts/handmade", { type: "MeshTimeout", mesh: "payments", name: "handmade", spec });

      const repo = tempRepo("meshops-shapes-export-");
      cleanups.push(repo.cleanup);
      const out = path.join(repo.dir, "mesh-config");
      const exported = await runCli(["export", "--cp-url", url, "--out", out], repo.dir);
      assert.equal(exported.code, 0, exported.stderr);
      assert.match(exported.stdout, /Exported 0 resources/);
      assert.match(
        exported.stdout,
        /\n {2}nothing owned: the repository holds no configuration of its own yet, so validate, plan and apply need --allow-empty until you move files out of unmanaged\/ \(or export with --adopt\)\n/,
      );
      commitFiles(repo.dir, {});
      assert.equal((await runCli(["validate", "--path", "mesh-config"], repo.dir)).code, 1);
      assert.equal((await runCli(["validate", "--path", "mesh-config", "--allow-empty"], repo.dir)).code, 0);
      const plan = await runCli(["plan", "--path", "mesh-config", "--allow-empty", "--prune", "--cp-url", url], repo.dir);
      assert.equal(plan.code, 0, plan.stdout + plan.stderr);
    });
  });
});

describe("a control plane that holds only another meshops instance's resources", () => {
  test("export's nothing-owned line names the instance to export as, not --adopt, which leaves them where they are", async () => {
    await withControlPlaneServer({ skipMeshCreation: true }, async (url) => {
      const labels = { "meshops.io/managed-by": "team-b" };
      const response = await fetch(`${url}/meshes/payments`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ type: "Mesh", name: "payments", labels, skipCreatingInitialPolicies: ["*"] }),
      });
      assert.ok(response.ok, `PUT /meshes/payments: ${response.status}`);
      const repo = tempRepo("meshops-shapes-export-");
      cleanups.push(repo.cleanup);
      for (const adopt of [[], ["--adopt"]]) {
        const out = path.join(repo.dir, `mesh-config${adopt.length}`);
        const exported = await runCli(["export", "--cp-url", url, "--out", out, ...adopt], repo.dir);
        assert.equal(exported.code, 0, exported.stderr);
        const nothing = exported.stdout.split("\n").filter((line) => line.includes("nothing owned"));
        assert.deepEqual(nothing, [
          "  nothing owned: the repository holds no configuration of its own yet, so validate, plan and apply need --allow-empty; to manage what meshops instance \"team-b\" owns, export with --instance team-b instead",
        ], exported.stdout);
      }
    });
  });
});

describe("a control plane of an older line than the repository", () => {
  test("plan warns, before apply fails on it, that the control plane does not serve a kind the repository has", async () => {
    await withControlPlaneServer({ version: "2.11.4" }, async (url) => {
      const dir = shapeRepo(undefined, {
        "mesh.yaml": "type: Mesh\nname: edge\n",
        "trust.yaml":
          "type: MeshTrust\nname: trust\nmesh: edge\nspec:\n  caBundles:\n    - type: Pem\n      pem: {value: \"-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----\"}\n  trustDomain: edge.mesh.local\n",
      });
      const plan = await runCli(["plan", "--cp-url", url], dir);
      assert.equal(plan.code, 2, plan.stderr);
      const warnings = plan.stderr.split("\n").filter((line) => line.startsWith("meshops: warning:"));
      // meshops.yaml names no version, so the repository was validated against the newest line: said first, then
      // what tells why the apply would fail.
      assert.deepEqual(warnings, [
        "meshops: warning: the control plane runs Kuma 2.11.4, but meshops.yaml sets no controlPlane.version: the repository was validated against 2.14, the newest line, not 2.11; set controlPlane.version to what the control plane runs",
        "meshops: warning: the control plane does not serve MeshTrust (introduced in Kuma 2.12; GET /_resources does not list it): 1 resource cannot be applied there: MeshTrust/edge/trust (trust.yaml:1:1)",
      ]);
    });
  });
  test("plan names each field or enum value the older control plane lacks, though validation (for 2.14) passed", async () => {
    // A repository written for 2.14 and planned against a 2.10 control plane: MeshTrafficPermission `rules` came with
    // Kuma 2.12 and MeshService identity type SpiffeID with 2.12 (schemas/v2.10/ from Kuma v2.10.11's schema.yaml);
    // the 2.10 control plane refuses them (400) or drops them, so apply would fail half-way or drift for ever.
    await withControlPlaneServer({ version: "2.10.11" }, async (url) => {
      const dir = shapeRepo(undefined, {
        "meshops.yaml": 'controlPlane:\n  version: "2.14.3"\n',
        "mesh.yaml": "type: Mesh\nname: edge\n",
        "mtp.yaml":
          "type: MeshTrafficPermission\nname: by-rules\nmesh: edge\nspec:\n  targetRef: {kind: Mesh}\n  rules:\n    - default:\n        allow:\n          - spiffeID: {type: Exact, value: spiffe://edge/web}\n" +
          "---\ntype: MeshTrafficPermission\nname: by-from\nmesh: edge\nspec:\n  targetRef: {kind: Mesh}\n  from:\n    - targetRef: {kind: Mesh}\n      default: {action: Allow}\n",
        "service.yaml":
          "type: MeshService\nname: web\nmesh: edge\nspec:\n  identities:\n    - {type: SpiffeID, value: spiffe://edge/web}\n  ports:\n    - {port: 80}\n",
      });
      const plan = await runCli(["plan", "--cp-url", url], dir);
      assert.equal(plan.code, 2, plan.stderr);
      // Each field as every diagnostic is written (file:line:col: warning: … [rule]).
      const warnings = plan.stderr.split("\n").filter((line) => line.startsWith("meshops: warning:") || line.includes(": warning: "));
      assert.deepEqual(warnings, [
        "meshops: warning: the control plane runs Kuma 2.10.11, but meshops.yaml says controlPlane.version 2.14.3: the repository was validated against 2.14, not 2.10; set controlPlane.version to what the control plane runs",
        "service.yaml:6:8: warning: MeshService/edge/web spec.identities[0].type: \"SpiffeID\" was introduced in Kuma 2.12; the control plane (Kuma 2.10.11) does not have it, so it would refuse or drop it [control-plane-lacks]",
        "mtp.yaml:6:3: warning: MeshTrafficPermission/edge/by-rules spec.rules: field \"rules\" was introduced in Kuma 2.12; the control plane (Kuma 2.10.11) does not have it, so it would refuse or drop it [control-plane-lacks]",
      ]);
    });
    // The same repository against a 2.14 control plane: nothing to say.
    await withControlPlaneServer({ version: "2.14.3" }, async (url) => {
      const dir = shapeRepo(undefined, {
        "meshops.yaml": 'controlPlane:\n  version: "2.14.3"\n',
        "mesh.yaml": "type: Mesh\nname: edge\n",
        "service.yaml": "type: MeshService\nname: web\nmesh: edge\nspec:\n  identities:\n    - {type: SpiffeID, value: spiffe://edge/web}\n  ports:\n    - {port: 80}\n",
      });
      const plan = await runCli(["plan", "--cp-url", url], dir);
      assert.equal(plan.code, 2, plan.stderr);
      assert.deepEqual(plan.stderr.split("\n").filter((line) => line.startsWith("meshops: warning:") || line.includes(": warning: ")), []);
    });
  });
});

describe("kustomize beside the YAML", () => {
  test("kustomization.yaml is kustomize's own file, and a namespace it gives that a document does not say is a warning at the document", async () => {
    const dir = shapeRepo("kustomize-namespace");
    const { code, diagnostics } = await validateJson(dir);
    assert.equal(code, 0, JSON.stringify(errorsOf(diagnostics)));
    const warnings = diagnostics.filter((d) => d.rule === "kustomize-namespace").map((d) => [d.file, d.line, d.column, d.resource, d.path, d.message]);
    assert.deepEqual(warnings, [
      [
        "apps/base/circuit-breaker.yaml",
        1,
        1,
        "MeshCircuitBreaker/default/shop-breaker",
        "metadata.namespace",
        "kustomize gives this document namespace shop-prod (apps/prod/kustomization.yaml), which meshops does not apply: it reads documents as written, so this is MeshCircuitBreaker/default/shop-breaker, not shop-breaker.shop-prod; write metadata.namespace: shop-prod, or give the folder its namespace in meshops.yaml (namespaces)",
      ],
      [
        "billing/timeouts.yaml",
        5,
        3,
        "MeshTimeout/default/billing-timeouts.finance",
        "metadata.namespace",
        "kustomize gives this document namespace billing (billing/kustomization.yaml) over its namespace finance, which meshops keeps: this is MeshTimeout/default/billing-timeouts.finance, not billing-timeouts.billing; write metadata.namespace: billing",
      ],
      [
        "payments/retries.yaml",
        1,
        1,
        "MeshRetry/default/ledger-retries",
        "metadata.namespace",
        "kustomize gives this document namespace payments (payments/kustomization.yaml), which meshops does not apply: it reads documents as written, so this is MeshRetry/default/ledger-retries, not ledger-retries.payments; write metadata.namespace: payments, or give the folder its namespace in meshops.yaml (namespaces)",
      ],
    ]);
    const run = await runCli(["validate"], dir);
    assert.match(run.stdout, /; 6 documents of other kinds skipped/, "the five kustomization files and the Deployment");
    const strict = await validateJson(shapeRepo("kustomize-namespace", { "meshops.yaml": "otherDocuments: error\n" }));
    assert.deepEqual(
      errorsOf(strict.diagnostics).map(([file, , , , rule]) => [file, rule]),
      [["payments/deployment.yaml", "other-document"]],
      "kustomize's own files are no foreign documents applied to a cluster",
    );
  });

  test("a namespace kustomize gives where the control plane refuses the document (a MeshExternalService) or never reads it (a Kuma Secret) is an error that says so, not advice to write it", async () => {
    const dir = shapeRepo(undefined, {
      "meshops.yaml": "secrets: {allowPlaintext: true}\n",
      "mesh.yaml": "apiVersion: kuma.io/v1alpha1\nkind: Mesh\nmetadata: {name: pay}\n",
      "apps/pay/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: pay\nresources: [psp.yaml, token.yaml]\n",
      "apps/pay/psp.yaml": [
        "apiVersion: kuma.io/v1alpha1",
        "kind: MeshExternalService",
        "metadata: {name: psp, labels: {kuma.io/mesh: pay}}",
        "spec:",
        "  match: {type: HostnameGenerator, port: 443, protocol: tcp}",
        "  endpoints: [{address: psp.example.com, port: 443}]",
        "",
      ].join("\n"),
      "apps/pay/token.yaml": "apiVersion: v1\nkind: Secret\ntype: system.kuma.io/secret\nmetadata: {name: pay-token, labels: {kuma.io/mesh: pay}}\ndata: {value: dG9rZW4=}\n",
      // The system namespace, given by its own kustomization: what kustomize gives is where they belong.
      "platform/kustomization.yaml": "namespace: kuma-system\nresources: [token.yaml]\n",
      "platform/token.yaml": "apiVersion: v1\nkind: Secret\ntype: system.kuma.io/secret\nmetadata: {name: platform-token, labels: {kuma.io/mesh: pay}}\ndata: {value: dG9rZW4=}\n",
    });
    const { code, diagnostics } = await validateJson(dir);
    assert.equal(code, 1);
    const move = "move the document to a kustomization that gives it kuma-system or no namespace";
    assert.deepEqual(errorsOf(diagnostics), [
      [
        "apps/pay/psp.yaml",
        1,
        "MeshExternalService/pay/psp",
        "metadata.namespace",
        "kustomize-namespace",
        `kustomize gives this document namespace pay (apps/pay/kustomization.yaml), where the control plane refuses it: resource type MeshExternalService can be created only in the system namespace:kuma-system; ${move}`,
      ],
      [
        "apps/pay/token.yaml",
        1,
        "Secret/pay/pay-token",
        "metadata.namespace",
        "kustomize-namespace",
        `kustomize gives this document namespace pay (apps/pay/kustomization.yaml), where the control plane never reads it: it reads Secrets of type system.kuma.io/secret only in its system namespace (kuma-system); ${move}`,
      ],
    ]);
    assert.deepEqual(diagnostics.filter((d) => d.file.startsWith("platform/")), []);
  });

  test("a document reached from kustomizations that give it different namespaces names them all", async () => {
    const dir = shapeRepo("kustomize-namespace", { "apps/staging/kustomization.yaml": "namespace: shop-staging\nresources: [../base]\n" });
    const { diagnostics } = await validateJson(dir);
    const base = diagnostics.filter((d) => d.rule === "kustomize-namespace" && d.file === "apps/base/circuit-breaker.yaml");
    assert.deepEqual(
      base.map((d) => d.message),
      [
        "kustomize gives this document namespace shop-prod (apps/prod/kustomization.yaml) and shop-staging (apps/staging/kustomization.yaml), which meshops does not apply: it reads documents as written, so this is MeshCircuitBreaker/default/shop-breaker; a base shared by overlays is one resource here: render each overlay (kustomize build) into a folder of its own for meshops",
      ],
    );
  });
});

describe("kustomize's patches", () => {
  const breakerPatch = "apiVersion: kuma.io/v1alpha1\nkind: MeshCircuitBreaker\nmetadata:\n  name: shop-breaker\nspec:\n  to:\n    - targetRef:\n        kind: MeshService\n        name: shop\n      default:\n        connectionLimits:\n          maxConnections: 300\n";
  const prod = [
    "namespace: shop-prod",
    "resources: [../base]",
    "patches:",
    "  - path: breaker-limits.yaml",
    "  - target: {kind: MeshTimeout, name: orders-.*}",
    "    patch: |-",
    "      - {op: replace, path: /spec/to/0/default/idleTimeout, value: 60s}",
    "patchesStrategicMerge:",
    "  - legacy-patch.yaml",
    "replacements:",
    "  - path: replacements.yaml",
    "",
  ].join("\n");
  const replacements = "- source: {kind: MeshTimeout, name: orders-timeouts, fieldPath: spec.to.0.default.idleTimeout}\n  targets:\n    - select: {kind: MeshRetry}\n      fieldPaths: [spec.to.0.default.http.perTryTimeout]\n";

  test("a patch (or replacements) file is kustomize's input, not a resource (no duplicate); each document a patch or replacement targets is a warning naming it", async () => {
    const dir = shapeRepo("kustomize-namespace", {
      "apps/prod/kustomization.yaml": prod,
      "apps/prod/breaker-limits.yaml": breakerPatch,
      "apps/prod/legacy-patch.yaml": breakerPatch.replace("300", "200"),
      "apps/prod/replacements.yaml": replacements,
      "apps/base/retries.yaml": readFileSync(path.join(fixture("kustomize-namespace"), "payments/retries.yaml"), "utf8").replace("ledger-retries", "shop-retries"),
      "apps/base/kustomization.yaml": "resources: [circuit-breaker.yaml, retries.yaml, ../../orders]\n",
    });
    const { code, diagnostics } = await validateJson(dir);
    assert.equal(code, 0, JSON.stringify(errorsOf(diagnostics)));
    assert.deepEqual(
      diagnostics.filter((d) => d.rule === "kustomize-patch").map((d) => [d.file, d.line, d.column, d.resource, d.message]),
      [
        [
          "apps/base/circuit-breaker.yaml",
          1,
          1,
          "MeshCircuitBreaker/default/shop-breaker",
          "kustomize patches this document (patches[0] breaker-limits.yaml and patchesStrategicMerge[0] legacy-patch.yaml of apps/prod/kustomization.yaml), which meshops does not apply: it reads documents as written, so the control plane gets other values than meshops compares; render the overlay (kustomize build) into a folder of its own for meshops",
        ],
        [
          "apps/base/retries.yaml",
          1,
          1,
          "MeshRetry/default/shop-retries",
          "kustomize patches this document (replacements[0] replacements.yaml of apps/prod/kustomization.yaml), which meshops does not apply: it reads documents as written, so the control plane gets other values than meshops compares; render the overlay (kustomize build) into a folder of its own for meshops",
        ],
        [
          "orders/timeouts.yaml",
          1,
          1,
          "MeshTimeout/default/orders-timeouts.orders",
          "kustomize patches this document (patches[1] of apps/prod/kustomization.yaml), which meshops does not apply: it reads documents as written, so the control plane gets other values than meshops compares; render the overlay (kustomize build) into a folder of its own for meshops",
        ],
      ],
    );
    const run = await runCli(["validate"], dir);
    assert.match(run.stdout, /; 9 documents of other kinds skipped/, "the five kustomization files, the Deployment, the two patches and the replacements");
  });

  test("a Component's patches and labels reach all that the kustomization naming it builds (kustomize applies them there), not only the component's own resources", async () => {
    const files = {
      "base/kustomization.yaml": "resources: [mesh.yaml]\n",
      "base/mesh.yaml": "apiVersion: kuma.io/v1alpha1\nkind: Mesh\nmetadata:\n  name: default\n",
      "components/mtls/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:\n  - path: mtls-patch.yaml\ncommonLabels:\n  environment: prod\n",
      "components/mtls/mtls-patch.yaml": "apiVersion: kuma.io/v1alpha1\nkind: Mesh\nmetadata:\n  name: default\nspec:\n  mtls:\n    enabledBackend: ca-1\n",
      "overlays/prod/kustomization.yaml": "resources: [../../base]\ncomponents: [../../components/mtls]\n",
    };
    const { code, diagnostics } = await validateJson(shapeRepo(undefined, files));
    assert.equal(code, 0, JSON.stringify(errorsOf(diagnostics)));
    assert.deepEqual(
      diagnostics.filter((d) => d.rule.startsWith("kustomize-")).map((d) => [d.file, d.line, d.rule, d.message]),
      [
        [
          "base/mesh.yaml",
          1,
          "kustomize-patch",
          "kustomize patches this document (patches[0] mtls-patch.yaml of components/mtls/kustomization.yaml), which meshops does not apply: it reads documents as written, so the control plane gets other values than meshops compares; render the overlay (kustomize build) into a folder of its own for meshops",
        ],
        [
          "base/mesh.yaml",
          3,
          "kustomize-labels",
          "kustomize adds labels this document does not have (environment: prod by commonLabels (components/mtls/kustomization.yaml)), which meshops does not apply: it reads documents as written, so drift would show them on the control plane's copy; write them in the document, or render the overlay (kustomize build) into a folder of its own for meshops",
        ],
      ],
    );
  });
});

describe("kustomize's commonLabels and labels", () => {
  test("labels a kustomization adds that a document does not have are a warning at the document (drift would show them); labels it already has are not", async () => {
    const dir = shapeRepo("kustomize-namespace", {
      "apps/prod/kustomization.yaml": "namespace: shop-prod\nresources: [../base]\ncommonLabels:\n  environment: prod\nlabels:\n  - pairs: {team: shop}\n",
      "apps/base/circuit-breaker.yaml": readFileSync(path.join(fixture("kustomize-namespace"), "apps/base/circuit-breaker.yaml"), "utf8").replace("    kuma.io/mesh: default", "    kuma.io/mesh: default\n    team: shop"),
      "billing/kustomization.yaml": "namespace: billing\nresources: [timeouts.yaml]\ncommonLabels: {team: billing}\n",
      "billing/timeouts.yaml": readFileSync(path.join(fixture("kustomize-namespace"), "billing/timeouts.yaml"), "utf8").replace("    kuma.io/mesh: default", "    kuma.io/mesh: default\n    team: billing"),
    });
    const { code, diagnostics } = await validateJson(dir);
    assert.equal(code, 0, JSON.stringify(errorsOf(diagnostics)));
    assert.deepEqual(
      diagnostics.filter((d) => d.rule === "kustomize-labels").map((d) => [d.file, d.line, d.column, d.resource, d.path, d.message]),
      [
        [
          "apps/base/circuit-breaker.yaml",
          5,
          3,
          "MeshCircuitBreaker/default/shop-breaker",
          "metadata.labels",
          "kustomize adds labels this document does not have (environment: prod by commonLabels (apps/prod/kustomization.yaml)), which meshops does not apply: it reads documents as written, so drift would show them on the control plane's copy; write them in the document, or render the overlay (kustomize build) into a folder of its own for meshops",
        ],
      ],
    );
  });
});

describe("a Kuma document in a kustomization's folder that no kustomization builds", () => {
  const policy = (name: string, namespace: string) =>
    `apiVersion: kuma.io/v1alpha1\nkind: MeshRetry\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\n  labels:\n    kuma.io/mesh: default\nspec:\n  targetRef:\n    kind: Mesh\n  to:\n  - targetRef:\n      kind: Mesh\n    default:\n      tcp:\n        maxConnectAttempt: 3\n`;
  const deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\n";

  test("is a warning at the document naming the kustomization (kubectl apply -k, Argo CD and Flux never apply it, meshops plans it); a listed one, another tool's document and a folder without a kustomization of its own are not", async () => {
    const files = {
      "kustomization.yaml": "resources:\n  - mesh.yaml\n  - apps/shop/retries.yaml\n  - apps/billing\n",
      "mesh.yaml": "apiVersion: kuma.io/v1alpha1\nkind: Mesh\nmetadata:\n  name: default\n",
      "apps/shop/retries.yaml": policy("shop-retries", "shop"),
      "forgotten.yaml": "# forgotten in kustomization.yaml\n" + policy("shop-late", "shop"),
      // A folder without a kustomization of its own, though one lists a file there (`../common/a.yaml`), may be applied
      // as it is (an Argo CD application or Flux Kustomization of its own path).
      "apps/shop/timeouts.yaml": policy("shop-timeouts", "shop"),
      "apps/shop/deployment.yaml": deployment,
      "apps/billing/kustomization.yaml": "resources: [retries.yaml]\n",
      "apps/billing/retries.yaml": policy("billing-retries", "billing"),
      "apps/billing/draft.yaml": policy("billing-draft", "billing"),
      // So may a sub-folder of a kustomization's, and a folder no kustomization reaches into.
      "apps/billing/extra/later.yaml": policy("billing-later", "billing"),
      "meshes/timeouts.yaml": policy("plain-retries", "shop"),
    };
    const { code, diagnostics } = await validateJson(shapeRepo(undefined, files));
    assert.equal(code, 0, JSON.stringify(errorsOf(diagnostics)));
    assert.deepEqual(
      diagnostics.filter((d) => d.rule.startsWith("kustomize-")).map((d) => [d.file, d.line, d.severity, d.rule, d.resource, d.message]),
      [
        [
          "apps/billing/draft.yaml",
          1,
          "warning",
          "kustomize-unbuilt",
          "MeshRetry/default/billing-draft.billing",
          "no kustomization builds this file, and kustomize builds its folder from apps/billing/kustomization.yaml: kubectl apply -k, Argo CD and Flux never apply it, while meshops plans and applies it; list it in that kustomization's resources, or exclude it in meshops.yaml",
        ],
        [
          "forgotten.yaml",
          2,
          "warning",
          "kustomize-unbuilt",
          "MeshRetry/default/shop-late.shop",
          "no kustomization builds this file, and kustomize builds its folder from kustomization.yaml: kubectl apply -k, Argo CD and Flux never apply it, while meshops plans and applies it; list it in that kustomization's resources, or exclude it in meshops.yaml",
        ],
      ],
    );
    // Without any kustomization, every file is read as it is applied (kubectl apply -f, Argo CD's directory source).
    const plain = await validateJson(shapeRepo(undefined, { "mesh.yaml": files["mesh.yaml"], "forgotten.yaml": files["forgotten.yaml"] }));
    assert.deepEqual(plain.diagnostics.filter((d) => d.rule.startsWith("kustomize-")), []);
  });
});

describe("Flux Kustomizations in the repository (spec.path, targetNamespace, namePrefix, commonMetadata)", () => {
  const fluxKustomization = (name: string, path: string, extra: string) =>
    `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: ${name}\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ${path}\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n${extra}`;
  const retries = "apiVersion: kuma.io/v1alpha1\nkind: MeshRetry\nmetadata:\n  name: ledger-retries\n  labels:\n    kuma.io/mesh: default\nspec:\n  targetRef:\n    kind: Mesh\n  to:\n  - targetRef:\n      kind: Mesh\n    default:\n      tcp:\n        maxConnectAttempt: 3\n";

  test("targetNamespace is the namespace Flux gives what it builds from spec.path (over a kustomization's), said at each document as kustomize's is; namePrefix renames; commonMetadata labels", async () => {
    const files = {
      "mesh.yaml": "apiVersion: kuma.io/v1alpha1\nkind: Mesh\nmetadata:\n  name: default\n",
      "clusters/prod/payments.yaml": fluxKustomization("payments", "./tenants/payments", "  targetNamespace: payments\n"),
      "clusters/prod/orders.yaml": fluxKustomization("orders", "./tenants/orders", "  targetNamespace: orders\n  namePrefix: prod-\n  commonMetadata:\n    labels: {tenant: orders}\n"),
      "tenants/payments/retries.yaml": retries,
      "tenants/payments/nested/kustomization.yaml": "namespace: ignored\nresources: [retries.yaml]\n",
      "tenants/payments/nested/retries.yaml": retries.replace("ledger-retries", "wallet-retries"),
      "tenants/orders/retries.yaml": retries.replace("ledger-retries", "orders-retries").replace("  labels:", "  namespace: orders\n  labels:"),
    };
    const { code, diagnostics } = await validateJson(shapeRepo(undefined, files));
    assert.equal(code, 0, JSON.stringify(errorsOf(diagnostics)));
    assert.deepEqual(
      diagnostics.filter((d) => d.rule.startsWith("kustomize-")).map((d) => [d.file, d.line, d.rule, d.message]),
      [
        [
          "tenants/orders/retries.yaml",
          4,
          "kustomize-name",
          "kustomize renames this document (namePrefix prod- (Flux Kustomization orders, clusters/prod/orders.yaml)), which meshops does not apply: it reads documents as written, so this is MeshRetry/default/orders-retries.orders; render the overlay (kustomize build) into a folder of its own for meshops",
        ],
        [
          "tenants/orders/retries.yaml",
          6,
          "kustomize-labels",
          "kustomize adds labels this document does not have (tenant: orders by commonMetadata.labels (Flux Kustomization orders, clusters/prod/orders.yaml)), which meshops does not apply: it reads documents as written, so drift would show them on the control plane's copy; write them in the document, or render the overlay (kustomize build) into a folder of its own for meshops",
        ],
        [
          "tenants/payments/nested/retries.yaml",
          1,
          "kustomize-namespace",
          "kustomize gives this document namespace payments (Flux Kustomization payments, clusters/prod/payments.yaml), which meshops does not apply: it reads documents as written, so this is MeshRetry/default/wallet-retries, not wallet-retries.payments; write metadata.namespace: payments, or give the folder its namespace in meshops.yaml (namespaces)",
        ],
        [
          "tenants/payments/retries.yaml",
          1,
          "kustomize-namespace",
          "kustomize gives this document namespace payments (Flux Kustomization payments, clusters/prod/payments.yaml), which meshops does not apply: it reads documents as written, so this is MeshRetry/default/ledger-retries, not ledger-retries.payments; write metadata.namespace: payments, or give the folder its namespace in meshops.yaml (namespaces)",
        ],
      ],
    );
    // meshops.yaml's namespaces: rule for the folder says what Flux does: nothing left to say.
    const ruled = await validateJson(shapeRepo(undefined, { ...files, "meshops.yaml": "namespaces:\n  - path: tenants/payments/**\n    namespace: payments\n" }));
    assert.deepEqual(ruled.diagnostics.filter((d) => d.rule === "kustomize-namespace"), []);
  });
});

describe("Flux's postBuild.substitute, when the Flux Kustomization is in the repository", () => {
  const flux = (postBuild: string) =>
    `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: payments\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./tenants/payments\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n  targetNamespace: payments\n  postBuild:\n${postBuild}`;
  const timeouts =
    "apiVersion: kuma.io/v1alpha1\nkind: MeshTimeout\nmetadata:\n  name: ${app}-timeouts\n  namespace: payments\n  labels:\n    kuma.io/mesh: default\nspec:\n  targetRef:\n    kind: Mesh\n  to:\n  - targetRef:\n      kind: Mesh\n    default:\n      idleTimeout: ${timeout}\n      connectionTimeout: ${connect:=2s}\n";
  const route =
    "apiVersion: kuma.io/v1alpha1\nkind: MeshHTTPRoute\nmetadata:\n  name: route\n  namespace: payments\n  labels:\n    kuma.io/mesh: default\nspec:\n  targetRef:\n    kind: Mesh\n  to:\n  - targetRef:\n      kind: MeshService\n      name: web\n    rules:\n    - matches:\n      - headers:\n        - {type: Exact, name: x-literal, value: '$${kept}'}\n        - {type: Exact, name: x-region, value: '${region}'}\n      default: {}\n";
  const mesh = "apiVersion: kuma.io/v1alpha1\nkind: Mesh\nmetadata:\n  name: default\n";

  test("its values (and defaults) are put in as Flux puts them before anything is read: nothing to say, and render shows what Flux applies", async () => {
    const dir = shapeRepo(undefined, {
      "mesh.yaml": mesh,
      "clusters/prod/payments.yaml": flux("    substitute:\n      app: ledger\n      timeout: 10s\n      region: eu-west\n"),
      "tenants/payments/timeouts.yaml": timeouts,
      "tenants/payments/route.yaml": route,
    });
    const { code, diagnostics } = await validateJson(dir);
    assert.equal(code, 0, JSON.stringify(errorsOf(diagnostics)));
    assert.deepEqual(diagnostics.filter((d) => d.rule === "substitution-variable" || d.rule.startsWith("kustomize-")), []);
    const rendered = await renderJson(dir);
    const timeout = rendered.find((r) => r.type === "MeshTimeout") as { name: string; spec: { to: { default: Record<string, string> }[] } };
    assert.equal(timeout.name, "ledger-timeouts.payments");
    assert.deepEqual(timeout.spec.to[0]?.default, { idleTimeout: "10s", connectionTimeout: "2s" });
    const headers = (rendered.find((r) => r.type === "MeshHTTPRoute") as { spec: { to: { rules: { matches: { headers: { value: string }[] }[] }[] }[] } }).spec.to[0]?.rules[0]?.matches[0]?.headers;
    assert.deepEqual(headers?.map((h) => h.value), ["${kept}", "eu-west"], "$${kept} is Flux's escape for a literal ${kept}");
  });

  test("a variable the repository gives no value for (substituteFrom reads the cluster's) is left and said, at its line", async () => {
    const dir = shapeRepo(undefined, {
      "mesh.yaml": mesh,
      "clusters/prod/payments.yaml": flux("    substitute:\n      app: ledger\n      timeout: 10s\n    substituteFrom:\n      - kind: ConfigMap\n        name: cluster-vars\n"),
      "tenants/payments/timeouts.yaml": timeouts,
      "tenants/payments/route.yaml": route,
    });
    const { code, diagnostics } = await validateJson(dir);
    assert.equal(code, 1);
    assert.deepEqual(
      diagnostics.filter((d) => d.severity !== "info" && d.rule !== "zone-provided-services").map((d) => [d.severity, d.file, d.line, d.rule, d.message.split(",")[0]]),
      [
        // A string field takes the variable as written: the control plane would get another value.
        ["warning", "tenants/payments/route.yaml", 19, "substitution-variable", "holds ${region}"],
        // ${connect:=2s}'s default is not taken: the cluster's ConfigMap may set connect. ${app} and ${timeout} are in.
        ["error", "tenants/payments/timeouts.yaml", 16, "substitution-variable", "holds ${connect:=2s}"],
      ],
    );
    assert.equal(
      diagnostics.find((d) => d.file === "tenants/payments/timeouts.yaml")?.message,
      "holds ${connect:=2s}, for which Flux Kustomization payments, clusters/prod/payments.yaml has no value in the repository (its substituteFrom reads the cluster's): it reads documents as written; give it one in postBuild.substitute, or render the folder (flux build kustomization) into one of its own for meshops",
    );
    // A file that opts a document out is read as written (its documents are not told apart): said as before.
    const optedOut = shapeRepo(undefined, {
      "mesh.yaml": mesh,
      "clusters/prod/payments.yaml": flux("    substitute:\n      app: ledger\n      timeout: 10s\n"),
      "tenants/payments/timeouts.yaml": timeouts.replace("  labels:", "  annotations:\n    kustomize.toolkit.fluxcd.io/substitute: disabled\n  labels:"),
    });
    assert.deepEqual((await validateJson(optedOut)).diagnostics.filter((d) => d.rule === "substitution-variable"), []);
  });
});

describe("kustomize's namePrefix and nameSuffix", () => {
  test("a document a kustomization renames is a warning at its name; a renamed Mesh too", async () => {
    const dir = shapeRepo("kustomize-namespace", {
      "apps/prod/kustomization.yaml": "namespace: shop-prod\nnamePrefix: prod-\nresources: [../base]\n",
      "apps/base/kustomization.yaml": "nameSuffix: -v2\nresources: [circuit-breaker.yaml]\n",
      "platform/kustomization.yaml": "namePrefix: team-\nresources: [mesh.yaml]\n",
      "platform/mesh.yaml": "apiVersion: kuma.io/v1alpha1\nkind: Mesh\nmetadata:\n  name: payments\n",
    });
    const { code, diagnostics } = await validateJson(dir);
    assert.equal(code, 0, JSON.stringify(errorsOf(diagnostics)));
    assert.deepEqual(
      diagnostics.filter((d) => d.rule === "kustomize-name").map((d) => [d.file, d.line, d.column, d.resource, d.path, d.message]),
      [
        [
          "apps/base/circuit-breaker.yaml",
          4,
          3,
          "MeshCircuitBreaker/default/shop-breaker",
          "metadata.name",
          "kustomize renames this document (nameSuffix -v2 (apps/base/kustomization.yaml), namePrefix prod- (apps/prod/kustomization.yaml)), which meshops does not apply: it reads documents as written, so this is MeshCircuitBreaker/default/shop-breaker; render the overlay (kustomize build) into a folder of its own for meshops",
        ],
        [
          "platform/mesh.yaml",
          4,
          3,
          "Mesh/payments",
          "metadata.name",
          "kustomize renames this document (namePrefix team- (platform/kustomization.yaml)), which meshops does not apply: it reads documents as written, so this is Mesh/payments; render the overlay (kustomize build) into a folder of its own for meshops",
        ],
      ],
    );
  });
});

describe("meshops.yaml namespaces: the namespace an Argo CD Application or kubectl -n gives documents that state none", () => {
  const retries = (name: string, namespace?: string) =>
    `apiVersion: kuma.io/v1alpha1\nkind: MeshRetry\nmetadata:\n  name: ${name}\n${namespace ? `  namespace: ${namespace}\n` : ""}  labels:\n    kuma.io/mesh: default\nspec:\n  to:\n    - targetRef: {kind: MeshService, name: ledger}\n      default: {http: {numRetries: 3}}\n`;
  const files = {
    "mesh.yaml": "apiVersion: kuma.io/v1alpha1\nkind: Mesh\nmetadata:\n  name: default\n",
    "apps/payments/retries.yaml": retries("ledger-retries"),
    "apps/orders/retries.yaml": retries("orders-retries", "orders-canary"),
    "legacy/retries.yaml": retries("legacy-retries"),
    "elsewhere/retries.yaml": retries("plain-retries"),
  };

  test("a {namespace} segment or a namespace per folder gives it; a document's own namespace wins; elsewhere nothing changes", async () => {
    const config = 'namespaces:\n  - path: "apps/{namespace}/**"\n  - path: "legacy/**"\n    namespace: shop\n';
    const dir = shapeRepo(undefined, { ...files, "meshops.yaml": config });
    const { code, diagnostics } = await validateJson(dir);
    assert.equal(code, 0, JSON.stringify(errorsOf(diagnostics)));
    const retriesOf = (await renderJson(dir)).filter((r) => r.type === "MeshRetry" && r.name !== "mesh-retry-all-default").map((r) => [r.name, (r.labels as Record<string, string>)["k8s.kuma.io/namespace"] ?? null]);
    assert.deepEqual(retriesOf.sort(), [
      ["ledger-retries.payments", "payments"],
      ["legacy-retries.shop", "shop"],
      ["orders-retries.orders-canary", "orders-canary"],
      ["plain-retries", null],
    ]);
  });

  test("the kustomize warning takes it as the document's namespace", async () => {
    const kustomized = { ...files, "apps/payments/kustomization.yaml": "namespace: payments\nresources: [retries.yaml]\n" };
    const without = await validateJson(shapeRepo(undefined, kustomized));
    assert.deepEqual(without.diagnostics.filter((d) => d.rule === "kustomize-namespace").map((d) => d.file), ["apps/payments/retries.yaml"]);
    const mapped = await validateJson(shapeRepo(undefined, { ...kustomized, "meshops.yaml": 'namespaces: [{path: "apps/{namespace}/**"}]\n' }));
    assert.deepEqual(mapped.diagnostics.filter((d) => d.rule === "kustomize-namespace"), []);
  });

  test("a Kuma Secret it gives an application's namespace is refused as one written there: the control plane never reads it", async () => {
    const token = "apiVersion: v1\nkind: Secret\ntype: system.kuma.io/secret\nmetadata:\n  name: ledger-token\n  labels: {kuma.io/mesh: default}\ndata: {value: dG9rZW4=}\n";
    const config = 'secrets: {allowPlaintext: true}\nnamespaces:\n  - path: "apps/{namespace}/**"\n  - path: "platform/**"\n    namespace: kuma-system\n';
    const dir = shapeRepo(undefined, { ...files, "meshops.yaml": config, "apps/payments/token.yaml": token, "platform/token.yaml": token.replace("ledger-token", "platform-token") });
    const { code, diagnostics } = await validateJson(dir);
    assert.equal(code, 1);
    assert.deepEqual(errorsOf(diagnostics), [
      [
        "apps/payments/token.yaml",
        4,
        "Secret/default/ledger-token",
        "metadata.namespace",
        "kubernetes-namespace",
        'the control plane reads Secrets of type system.kuma.io/secret only in its system namespace (kuma-system), not "payments" (the namespace meshops.yaml\'s namespaces gives this document)',
      ],
    ]);
  });

  test("a rule gives a namespace one way: a {namespace} segment or namespace, not both, not neither", async () => {
    for (const rule of ['{path: "apps/{namespace}/**", namespace: shop}', '{path: "apps/**"}']) {
      const { code, diagnostics } = await validateJson(shapeRepo(undefined, { ...files, "meshops.yaml": `namespaces: [${rule}]\n` }));
      assert.equal(code, 1);
      assert.deepEqual(errorsOf(diagnostics).map(([file, , , field, ruleName, message]) => [file, field, ruleName, message]), [
        ["meshops.yaml", "namespaces[0]", "config", "give the namespace either in `namespace` or as a {namespace} segment in `path`, one of them"],
      ]);
    }
  });
});

describe("Kuma's Kubernetes-only kinds (MeshGatewayInstance, MeshGatewayConfig, ContainerPatch)", () => {
  test("are checked against their CRD and counted, never an unknown kind; meshops does not manage them", async () => {
    const dir = shapeRepo("kubernetes-only-kinds");
    const { code, diagnostics } = await validateJson(dir);
    assert.equal(code, 1);
    assert.deepEqual(errorsOf(diagnostics), [
      ["sidecars.yaml", 18, "MeshGatewayConfig/large", "spec.serviceType", "kubernetes-crd", 'unsupported value: must be one of "LoadBalancer", "ClusterIP", "NodePort"'],
    ]);
    const notes = diagnostics.filter((d) => d.rule === "kubernetes-only").map((d) => [d.severity, d.file, d.line, d.resource, d.message]);
    const note = (kind: string) => `${kind} is read by Kuma's Kubernetes controllers, not served by its API: checked against its CRD; kubectl, Argo CD or Flux applies it, not meshops`;
    assert.deepEqual(notes, [
      ["info", "gateway.yaml", 16, "MeshGatewayInstance/kuma-demo/edge-gateway", note("MeshGatewayInstance")],
      ["info", "sidecars.yaml", 1, "ContainerPatch/kuma-system/privileged-sidecar", note("ContainerPatch")],
      ["info", "sidecars.yaml", 12, "MeshGatewayConfig/large", note("MeshGatewayConfig")],
    ]);
    const sidecars = readFileSync(path.join(fixture("kubernetes-only-kinds"), "sidecars.yaml"), "utf8");
    commitFiles(dir, { "sidecars.yaml": sidecars.replace("  name: large\n", "  name: large\n  namespace: kuma-system\n") });
    const namespaced = await validateJson(dir);
    assert.deepEqual(
      namespaced.diagnostics.filter((d) => d.rule === "kubernetes-namespace").map((d) => [d.severity, d.line, d.message]),
      [["warning", 16, "MeshGatewayConfig is cluster-scoped: the API server drops its metadata.namespace (kuma-system); remove it"]],
    );
    commitFiles(dir, { "sidecars.yaml": sidecars.replace("LoadBalancr", "NodePort") });
    const run = await runCli(["validate"], dir);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /2 resources in 3 files at \w+; 3 documents of other kinds skipped/);
    const plan = await runCli(["plan", "--state-dir", path.join(dir, ".state"), "--format", "json"], dir);
    const changes = (JSON.parse(plan.stdout) as { changes: { resource: string }[] }).changes.map((c) => c.resource);
    assert.ok(changes.includes("MeshGateway/default/edge-gateway"), plan.stdout);
    assert.ok(!changes.some((r) => /MeshGatewayInstance|MeshGatewayConfig|ContainerPatch/.test(r)), "never planned: the control plane's API does not serve them");
  });

  test("in the Universal shape, one error saying they have none", async () => {
    const dir = shapeRepo(undefined, { "mesh.yaml": "type: Mesh\nname: default\n", "patch.yaml": "type: ContainerPatch\nname: p\nmesh: default\n" });
    const { diagnostics } = await validateJson(dir);
    assert.deepEqual(errorsOf(diagnostics), [
      ["patch.yaml", 1, "", "type", "kubernetes-only", "ContainerPatch is read by Kuma's Kubernetes controllers, not served by its API, so it has no Universal shape: write it for Kubernetes (apiVersion: kuma.io/v1alpha1, kind: ContainerPatch) and apply it there"],
    ]);
  });
});

describe("settings above --path", () => {
  test("a meshops.yaml above --path, which is not read, is a warning naming it (Git revisions and WORKTREE)", async () => {
    const dir = shapeRepo(undefined, {
      "meshops.yaml": "tenancy:\n  - name: teams\n    path: \"{mesh}/**\"\n",
      "mesh-config/shop/mesh.yaml": "type: Mesh\nname: shop\n",
    });
    for (const ref of ["HEAD", "WORKTREE"]) {
      const run = await runCli(["validate", "--path", "mesh-config", "--ref", ref], dir);
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.equal(
        run.stderr,
        "meshops: warning: meshops.yaml is not read: settings come only from meshops.yaml at the root of --path (mesh-config/meshops.yaml, which does not exist); move it there\n",
        ref,
      );
    }
    commitFiles(dir, { "mesh-config/meshops.yaml": "" });
    assert.equal((await runCli(["validate", "--path", "mesh-config"], dir)).stderr, "");
    assert.equal((await runCli(["validate"], dir)).stderr, "", "without --path the root's is read");

    // A --path that names no folder at all: its error is the answer, not advice to move meshops.yaml into it.
    for (const ref of ["HEAD", "WORKTREE"]) {
      const mistyped = await runCli(["validate", "--path", "mesh-confg", "--ref", ref], dir);
      assert.equal(mistyped.code, 1, ref);
      assert.match(mistyped.stdout, /no YAML configuration files in "mesh-confg"/, ref);
      assert.equal(mistyped.stderr, "", ref);
    }
  });

  test("watch says so in its log when it starts", async () => {
    const dir = shapeRepo(undefined, {
      "meshops.yaml": "instance: team-a\n",
      "mesh-config/shop/mesh.yaml": "type: Mesh\nname: shop\n",
    });
    const stateDir = path.join(dir, ".state");
    const daemon = await startWatch(["--repo", dir, "--path", "mesh-config", "--state-dir", stateDir, "--drift-interval", "1h"], { cwd: dir });
    const warning = await daemon.untilLog("the settings-above warning", (entry) => entry.event === "config.not-read");
    assert.equal(warning.level, "warn");
    assert.equal(
      warning.msg,
      "meshops.yaml is not read: settings come only from meshops.yaml at the root of --path (mesh-config/meshops.yaml, which does not exist); move it there",
    );
    daemon.child.kill("SIGTERM");
    await daemon.exited;
  });
});
