/**
 * The global kinds (issue 13): HostnameGenerator and GlobalSecret belong to no mesh. Read in both shapes, checked as
 * the v2.14.3 control plane checks them, kept out of mesh-scoped commands and tenant folders, and written to (and
 * pruned from) the embedded control plane's global routes, GlobalSecrets before everything else, values never shown.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { encryptDocument } from "../src/secrets/sops.js";
import { errors, runCli, validateJson } from "./helpers/cli.js";
import { withControlPlaneServer } from "./helpers/controlPlane.js";
import { commitFiles, git, projectRoot, tempRepo } from "./helpers/git.js";
import { classifyDrift } from "../src/diff/drift.js";
import { hostnameGeneratorViolations } from "../src/validate/rules/hostnameGenerator.js";
import { buildNotification } from "../src/notify/notification.js";
import { parseRepoConfig } from "../src/config/repoConfig.js";
import { GLOBAL_SCOPE } from "../src/model/key.js";

const CONFIG = "controlPlane:\n  skipDefaultMeshCreation: true\nsecrets:\n  allowPlaintext: true\nprune: { enabled: true }\n";
const MESH = "type: Mesh\nname: default\nskipCreatingInitialPolicies: ['*']\n";
const GENERATOR = [
  "type: HostnameGenerator",
  "name: internal",
  "spec:",
  "  selector:",
  "    meshService:",
  "      matchLabels: { kuma.io/origin: zone }",
  '  template: "{{ .DisplayName }}.{{ .Namespace }}.svc.mesh.local"',
  "",
].join("\n");
const KUBERNETES_GENERATOR = [
  "apiVersion: kuma.io/v1alpha1",
  "kind: HostnameGenerator",
  "metadata:",
  "  name: external",
  "  namespace: kuma-system",
  "spec:",
  "  selector:",
  "    meshExternalService: { matchLabels: { team: edge } }",
  '  template: "{{ .DisplayName }}.extsvc.mesh.local"',
  "",
].join("\n");
// "c2lnbmluZy1rZXk=" is base64 of a value no output may show.
const SECRET_VALUE = "c2lnbmluZy1rZXk=";
const GLOBAL_SECRET = `type: GlobalSecret\nname: signing-key\ndata: ${SECRET_VALUE}\n`;
const KUBERNETES_GLOBAL_SECRET = [
  "apiVersion: v1",
  "kind: Secret",
  "type: system.kuma.io/global-secret",
  "metadata:",
  "  name: other-key",
  "  namespace: kuma-system",
  "data:",
  `  value: ${SECRET_VALUE}`,
  "",
].join("\n");

test("HostnameGenerator and GlobalSecret in both shapes validate and render without a mesh", async () => {
  const repo = tempRepo();
  try {
    commitFiles(repo.dir, {
      "meshops.yaml": CONFIG,
      "mesh.yaml": MESH,
      "global/generators.yaml": `${GENERATOR}---\n${KUBERNETES_GENERATOR}`,
      "global/secrets.yaml": `${GLOBAL_SECRET}---\n${KUBERNETES_GLOBAL_SECRET}`,
    });
    const report = await validateJson(repo.dir);
    assert.deepEqual(errors(report), []);
    assert.equal(report.valid, true);

    const render = await runCli(["render", "--format", "json"], repo.dir);
    assert.equal(render.code, 0, render.stderr);
    assert.doesNotMatch(render.stdout, new RegExp(SECRET_VALUE), "render never prints a secret value");
    const objects = JSON.parse(render.stdout) as { type: string; name: string; mesh?: string }[];
    // GlobalSecrets first (what follows may name them), then the Mesh; none of them carries a mesh.
    assert.deepEqual(
      objects.map((o) => `${o.type}/${o.name}${o.mesh === undefined ? "" : ` mesh=${o.mesh}`}`),
      ["GlobalSecret/other-key", "GlobalSecret/signing-key", "HostnameGenerator/external.kuma-system", "HostnameGenerator/internal", "Mesh/default"],
    );
    assert.deepEqual(objects.find((o) => o.name === "internal"), {
      type: "HostnameGenerator",
      name: "internal",
      labels: { "meshops.io/managed-by": "meshops" },
      spec: { selector: { meshService: { matchLabels: { "kuma.io/origin": "zone" } } }, template: "{{ .DisplayName }}.{{ .Namespace }}.svc.mesh.local" },
    });

    // For Argo CD and Flux: in the system namespace, without a mesh label; GlobalSecrets left out like Secrets.
    const manifests = await runCli(["render", "--format", "kubernetes"], repo.dir);
    assert.equal(manifests.code, 0, manifests.stderr);
    assert.match(manifests.stderr, /2 Secrets left out/);
    assert.doesNotMatch(manifests.stdout, new RegExp(`${SECRET_VALUE}|kind: Secret|kuma\\.io/mesh: ""`));
    assert.match(manifests.stdout, /kind: HostnameGenerator\nmetadata:\n {2}name: internal\n {2}namespace: kuma-system\n {2}labels:\n {4}meshops\.io\/managed-by: meshops\n {4}kuma\.io\/origin: zone\n {2}annotations:\n {4}argocd\.argoproj\.io\/sync-wave: "-1"\n/);
  } finally {
    repo.cleanup();
  }
});

test("bad global resources: the control plane's messages, a mesh they cannot have, the system namespace, a tenant folder", async () => {
  const repo = tempRepo();
  try {
    const generator = (extra: string) => GENERATOR.replace("spec:\n", `${extra}spec:\n`);
    commitFiles(repo.dir, {
      "meshops.yaml": `${CONFIG}tenancy:\n  - name: tenant-folder\n    path: "meshes/{mesh}/**"\n`,
      "meshes/default/mesh.yaml": MESH,
      "a.yaml": generator("mesh: default\n"),
      "b.yaml": [
        "type: HostnameGenerator",
        "name: two-selectors",
        "spec:",
        "  selector: { meshService: {}, meshExternalService: {} }",
        '  template: "{{ .Name }}.UPPER.mesh"',
        "",
      ].join("\n"),
      "c.yaml": ["type: HostnameGenerator", "name: broken", "spec:", "  selector: { meshService: {} }", "  template: '{{ .Name \"'", '  extension: { type: "" }', ""].join("\n"),
      "d.yaml": KUBERNETES_GENERATOR.replace("namespace: kuma-system", "namespace: apps"),
      "e.yaml": KUBERNETES_GLOBAL_SECRET.replace("  namespace: kuma-system\n", "  namespace: kuma-system\n  labels: { kuma.io/mesh: default }\n"),
      "meshes/default/generator.yaml": GENERATOR,
    });
    const report = await validateJson(repo.dir);
    assert.equal(report.valid, false);
    assert.deepEqual(errors(report), [
      'a.yaml:3 HostnameGenerator/internal mesh: HostnameGenerator is global: it belongs to no mesh, remove "mesh"',
      "b.yaml:4 HostnameGenerator/two-selectors spec.selector: exact one selector (meshService, meshExternalService) must be defined",
      'b.yaml:5 HostnameGenerator/two-selectors spec.template: template renders to "name.UPPER.mesh" which is not a valid DNS name: ' +
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character " +
        "(e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      'c.yaml:5 HostnameGenerator/broken spec.template: couldn\'t parse template: template: :1: unterminated quoted string',
      "c.yaml:6 HostnameGenerator/broken spec.extension.type: must not be empty",
      'd.yaml:5 HostnameGenerator/external.apps metadata.namespace: resource type HostnameGenerator can be created only in the system namespace:kuma-system (controlPlane.mode zone: the admission webhook keeps this type out of namespace "apps"; systemNamespace in meshops.yaml names another)',
      'e.yaml:7 GlobalSecret/other-key metadata.labels["kuma.io/mesh"]: GlobalSecret is global: it belongs to no mesh, remove the kuma.io/mesh label',
      'meshes/default/generator.yaml:2 HostnameGenerator/internal name: tenancy rule "tenant-folder": files matching meshes/{mesh}/** belong to mesh "default", but HostnameGenerator is global (it belongs to no mesh): keep it outside tenant folders',
    ]);
  } finally {
    repo.cleanup();
  }
});

test("a Kubernetes HostnameGenerator with a kuma.io/mesh label is accepted, with a warning: the admission webhook checks a mesh only for mesh-scoped kinds", async () => {
  // go-v2.14.3 pkg/plugins/runtime/k8s/webhooks/validation.go Handle: ValidateMesh(k8sObj.GetMesh(), scope), and
  // meta_validator.go ValidateMesh checks nothing for ScopeGlobal; the REST API server's label check is Universal's.
  const repo = tempRepo();
  try {
    commitFiles(repo.dir, {
      "meshops.yaml": CONFIG,
      "meshes/default/mesh.yaml": MESH,
      "generator.yaml": KUBERNETES_GENERATOR.replace("  namespace: kuma-system\n", "  namespace: kuma-system\n  labels: { kuma.io/mesh: default }\n"),
    });
    const report = await validateJson(repo.dir);
    assert.deepEqual(errors(report), []);
    assert.equal(report.valid, true);
    const warnings = report.diagnostics.filter((d) => d.rule === "global-scope").map((d) => `${d.file}:${d.line} ${d.severity} ${d.path}: ${d.message}`);
    assert.deepEqual(warnings, [
      'generator.yaml:6 warning metadata.labels["kuma.io/mesh"]: HostnameGenerator is global: it belongs to no mesh, and the control plane ignores the kuma.io/mesh label: remove it',
    ]);
  } finally {
    repo.cleanup();
  }
});

test("meshops.yaml globalResources.paths keeps global resources in the files it names", async () => {
  const repo = tempRepo();
  try {
    commitFiles(repo.dir, {
      "meshops.yaml": `${CONFIG}globalResources:\n  paths: ["global/**"]\n`,
      "mesh.yaml": MESH,
      "global/generators.yaml": GENERATOR,
      "elsewhere.yaml": GLOBAL_SECRET,
    });
    assert.deepEqual(errors(await validateJson(repo.dir)), [
      "elsewhere.yaml:2 GlobalSecret/signing-key name: GlobalSecret is global (it belongs to no mesh): meshops.yaml globalResources.paths keeps such resources in global/**",
    ]);
    commitFiles(repo.dir, { "meshops.yaml": `${CONFIG}globalResources:\n  paths: ["global/**", "elsewhere.yaml"]\n` });
    assert.deepEqual(errors(await validateJson(repo.dir)), []);
  } finally {
    repo.cleanup();
  }
});

test("plan --base between two revisions: a changed HostnameGenerator and a removed GlobalSecret, the value never shown", async () => {
  const repo = tempRepo();
  try {
    const base = commitFiles(repo.dir, { "meshops.yaml": CONFIG, "mesh.yaml": MESH, "generators.yaml": GENERATOR, "secrets.yaml": GLOBAL_SECRET });
    commitFiles(repo.dir, { "generators.yaml": GENERATOR.replace("svc.mesh.local", "svc.internal"), "secrets.yaml": "" });
    const plan = await runCli(["plan", "--base", base, "--format", "json"], repo.dir);
    assert.equal(plan.code, 2, plan.stderr);
    const changes = (JSON.parse(plan.stdout) as { changes: { action: string; resource: string }[] }).changes;
    assert.deepEqual(changes.map((c) => `${c.action} ${c.resource}`), ["update HostnameGenerator/internal", "delete GlobalSecret/signing-key"]);
    assert.doesNotMatch(plan.stdout, new RegExp(SECRET_VALUE));
    // Shown as they are: no mesh in their diffs, and their own heading in the pull-request comment.
    const markdown = await runCli(["plan", "--base", base, "--format", "markdown"], repo.dir);
    assert.doesNotMatch(markdown.stdout, /mesh: default|\| `` \||Mesh ``/);
    // Named as everywhere else (model/key.ts GLOBAL_UNIT_LABEL); the underscore escaped so no emphasis starts there.
    assert.match(markdown.stdout, /\| \\_global \(the global resources\) \| 0 \| 1 \| 1 \| 0 \|/);
    assert.match(markdown.stdout, /#### \\_global \(the global resources\)\n/);
  } finally {
    repo.cleanup();
  }
});

test("a clear-text GlobalSecret is refused like a Secret", async () => {
  const repo = tempRepo();
  try {
    commitFiles(repo.dir, { "meshops.yaml": "controlPlane:\n  skipDefaultMeshCreation: true\n", "mesh.yaml": MESH, "secret.yaml": GLOBAL_SECRET });
    const report = await validateJson(repo.dir);
    const refused = report.diagnostics.find((d) => d.rule === "plaintext-secret");
    assert.equal(refused?.resource, "GlobalSecret/signing-key");
    assert.equal(refused?.severity, "error");
    assert.doesNotMatch(JSON.stringify(report), new RegExp(SECRET_VALUE));
  } finally {
    repo.cleanup();
  }
});

test("apply writes the global kinds to the embedded control plane's global routes; plan is then empty; --mesh leaves them out; prune deletes them", async () => {
  const repo = tempRepo();
  try {
    await withControlPlaneServer({ skipMeshCreation: true }, async (url) => {
      commitFiles(repo.dir, { "meshops.yaml": CONFIG, "mesh.yaml": MESH, "generators.yaml": `${GENERATOR}---\n${KUBERNETES_GENERATOR}`, "secrets.yaml": GLOBAL_SECRET });
      const apply = await runCli(["apply", "--cp-url", url, "--yes"], repo.dir);
      assert.equal(apply.code, 0, apply.stdout + apply.stderr);
      assert.doesNotMatch(apply.stdout + apply.stderr, new RegExp(SECRET_VALUE));
      const created = [...apply.stdout.matchAll(/create (\S+)/g)].map((m) => m[1]);
      assert.deepEqual(created, ["GlobalSecret/signing-key", "HostnameGenerator/external.kuma-system", "HostnameGenerator/internal", "Mesh/default"]);

      const generator = (await (await fetch(`${url}/hostnamegenerators/internal`)).json()) as Record<string, unknown>;
      assert.equal(generator.type, "HostnameGenerator");
      assert.equal(generator.mesh, undefined);
      const secret = (await (await fetch(`${url}/global-secrets/signing-key`)).json()) as Record<string, unknown>;
      assert.equal(secret.data, SECRET_VALUE);
      const listed = (await (await fetch(`${url}/hostnamegenerators`)).json()) as { total: number };
      assert.equal(listed.total, 2);
      assert.equal((await fetch(`${url}/meshes/default/hostnamegenerators/internal`)).status, 404, "a global kind has no mesh-scoped route");

      const again = await runCli(["plan", "--cp-url", url, "--format", "json"], repo.dir);
      assert.equal(again.code, 0, again.stderr);
      assert.deepEqual((JSON.parse(again.stdout) as { changes: unknown[] }).changes, []);

      commitFiles(repo.dir, {
        "generators.yaml": GENERATOR.replace("svc.mesh.local", "svc.internal"),
        "secrets.yaml": GLOBAL_SECRET.replace(SECRET_VALUE, "b3RoZXI="),
        "mesh.yaml": `${MESH}labels: { team: platform }\n`,
      });
      const scoped = await runCli(["plan", "--cp-url", url, "--prune", "--mesh", "default", "--format", "json"], repo.dir);
      assert.equal(scoped.code, 2, scoped.stderr);
      const scopedChanges = (JSON.parse(scoped.stdout) as { changes: { action: string; resource: string }[] }).changes;
      assert.deepEqual(scopedChanges.map((c) => `${c.action} ${c.resource}`), ["update Mesh/default"], "--mesh leaves global resources out");
      const onlyGlobal = await runCli(["plan", "--cp-url", url, "--mesh", "_global", "--format", "json"], repo.dir);
      const globalChanges = (JSON.parse(onlyGlobal.stdout) as { changes: { action: string; resource: string }[] }).changes;
      assert.deepEqual(globalChanges.map((c) => `${c.action} ${c.resource}`), ["update GlobalSecret/signing-key", "update HostnameGenerator/internal"], "--mesh _global: the global unit");
      const withoutGlobal = await runCli(["plan", "--cp-url", url, "--exclude-mesh", "_global", "--format", "json"], repo.dir);
      assert.deepEqual((JSON.parse(withoutGlobal.stdout) as { changes: { resource: string }[] }).changes.map((c) => c.resource), ["Mesh/default"]);
      const byType = await runCli(["plan", "--cp-url", url, "--type", "HostnameGenerator", "--exclude-mesh", "default", "--format", "json"], repo.dir);
      const typeChanges = (JSON.parse(byType.stdout) as { changes: { action: string; resource: string }[] }).changes;
      assert.deepEqual(typeChanges.map((c) => `${c.action} ${c.resource}`), ["update HostnameGenerator/internal"], "--type selects them; --exclude-mesh keeps them");

      const plan = await runCli(["plan", "--cp-url", url, "--prune"], repo.dir);
      assert.equal(plan.code, 2, plan.stderr);
      assert.doesNotMatch(plan.stdout, new RegExp(`${SECRET_VALUE}|b3RoZXI=`));
      assert.match(plan.stdout, /~ update GlobalSecret\/signing-key\n[\s\S]*-data: \(redacted\)\n\s+\+data: \(redacted, changed\)\n/);
      const pruned = await runCli(["apply", "--cp-url", url, "--prune", "--yes", "--max-delete-percent", "100"], repo.dir);
      assert.equal(pruned.code, 0, pruned.stdout + pruned.stderr);
      assert.match(pruned.stdout, /delete HostnameGenerator\/external\.kuma-system/);
      assert.equal((await fetch(`${url}/hostnamegenerators/external.kuma-system`)).status, 404);
      const updated = (await (await fetch(`${url}/global-secrets/signing-key`)).json()) as Record<string, unknown>;
      assert.equal(updated.data, "b3RoZXI=");
    });
  } finally {
    repo.cleanup();
  }
});

const TEST_RECIPIENT = (): string => /public key: (age1\w+)/.exec(readFileSync(path.join(projectRoot, "test", "fixtures", "sops", "test-age-key.txt"), "utf8"))?.[1] ?? "";

test("a SOPS-encrypted GlobalSecret validates without the key, is applied decrypted with it, and refused without it", async () => {
  const recipient = TEST_RECIPIENT();
  const encrypted = await encryptDocument({ type: "GlobalSecret", name: "signing-key", data: SECRET_VALUE }, { recipients: [recipient], encryptedRegex: "^data$", lastModified: "2026-01-01T00:00:00Z" });
  const repo = tempRepo();
  try {
    await withControlPlaneServer({ skipMeshCreation: true }, async (url) => {
      commitFiles(repo.dir, { "meshops.yaml": "controlPlane:\n  skipDefaultMeshCreation: true\n", "mesh.yaml": MESH, "global/signing-key.sops.yaml": JSON.stringify(encrypted) });
      const noKey = { SOPS_AGE_KEY_FILE: "" };
      assert.equal((await runCli(["validate"], repo.dir, noKey)).code, 0, "validated without the key");
      const refused = await runCli(["apply", "--cp-url", url, "--yes"], repo.dir, noKey);
      assert.equal(refused.code, 1);
      assert.match(refused.stdout + refused.stderr, /GlobalSecret\/signing-key sops: global\/signing-key\.sops\.yaml: no age key to decrypt it/);
      assert.equal((await fetch(`${url}/global-secrets/signing-key`)).status, 404);
      const applied = await runCli(["apply", "--cp-url", url, "--yes"], repo.dir);
      assert.equal(applied.code, 0, applied.stdout + applied.stderr);
      assert.doesNotMatch(applied.stdout + applied.stderr, new RegExp(SECRET_VALUE));
      assert.equal(((await (await fetch(`${url}/global-secrets/signing-key`)).json()) as { data: string }).data, SECRET_VALUE);
      const again = await runCli(["plan", "--cp-url", url, "--format", "json"], repo.dir);
      assert.deepEqual((JSON.parse(again.stdout) as { changes: unknown[] }).changes, [], "the decrypted value compares equal");
    });
  } finally {
    repo.cleanup();
  }
});

test("export writes the global kinds under global/ (GlobalSecrets encrypted), and the export plans empty", async () => {
  const repo = tempRepo();
  const out = mkdtempSync(path.join(tmpdir(), "meshops-global-export-"));
  try {
    await withControlPlaneServer({ skipMeshCreation: true }, async (url) => {
      commitFiles(repo.dir, { "meshops.yaml": CONFIG, "mesh.yaml": MESH, "generators.yaml": `${GENERATOR}---\n${KUBERNETES_GENERATOR}`, "secrets.yaml": GLOBAL_SECRET });
      assert.equal((await runCli(["apply", "--cp-url", url, "--yes"], repo.dir)).code, 0);
      const exported = await runCli(["export", "--out", "repo", "--sops-age-recipient", TEST_RECIPIENT(), "--cp-url", url], out);
      assert.equal(exported.code, 0, exported.stderr);
      const dir = path.join(out, "repo");
      const files = (sub: string) => readdirSync(path.join(dir, sub)).sort();
      assert.deepEqual(files("global"), ["global-secrets", "hostnamegenerators"]);
      assert.deepEqual(files("global/hostnamegenerators"), ["external.kuma-system.yaml", "internal.yaml"]);
      assert.deepEqual(files("global/global-secrets"), ["signing-key.sops.yaml"]);
      assert.doesNotMatch(readFileSync(path.join(dir, "global/global-secrets/signing-key.sops.yaml"), "utf8"), new RegExp(SECRET_VALUE));
      git(dir, "init", "-q", "-b", "main");
      git(dir, "add", "-A");
      git(dir, "commit", "-q", "-m", "export");
      const plan = await runCli(["plan", "--prune", "--format", "json", "--cp-url", url], dir);
      assert.equal(plan.code, 0, plan.stdout + plan.stderr);
      assert.deepEqual((JSON.parse(plan.stdout) as { changes: unknown[] }).changes, []);
    });
  } finally {
    repo.cleanup();
    rmSync(out, { recursive: true, force: true });
  }
});

test("drift and export leave out the global resources the control plane makes for itself", () => {
  const generator = (name: string) => ({ type: "HostnameGenerator", name, spec: { selector: { meshService: {} }, template: "{{ .Name }}.mesh" } });
  const secret = (name: string) => ({ type: "GlobalSecret", name, data: "eA==" });
  const live = [
    generator("local-universal-mesh-service"),
    generator("synced-kube-mesh-service"),
    generator("hand-made"),
    secret("admin-user-token"),
    secret("user-token-signing-key-1"),
    secret("zone-token-signing-key-1"),
    secret("other"),
  ];
  const report = classifyDrift([], live, { instance: "meshops" });
  assert.deepEqual(report.items.map((i) => `${i.kind} ${i.resource}`), ["unmanaged GlobalSecret/other", "unmanaged HostnameGenerator/hand-made"]);
  assert.doesNotMatch(JSON.stringify(report), /eA==/);
});

test("a Kubernetes-mode control plane: render, kubectl apply (the emulator's stand-in), then plan and drift find nothing", async () => {
  const repo = tempRepo();
  try {
    await withControlPlaneServer({ environment: "kubernetes" }, async (url) => {
      // Universal-shaped and Kubernetes-shaped generators: both land in the system namespace.
      commitFiles(repo.dir, { "meshops.yaml": CONFIG, "mesh.yaml": MESH, "generators.yaml": `${GENERATOR}---\n${KUBERNETES_GENERATOR}` });
      const rendered = await runCli(["render", "--format", "kubernetes"], repo.dir);
      assert.equal(rendered.code, 0, rendered.stderr);
      const applied = await fetch(`${url}/_meshops/kubernetes`, { method: "POST", body: rendered.stdout, headers: { "content-type": "application/yaml" } });
      assert.equal(applied.status, 200, await applied.text());
      const stored = (await (await fetch(`${url}/hostnamegenerators/internal.kuma-system`)).json()) as { labels: Record<string, string> };
      assert.equal(stored.labels["kuma.io/mesh"], undefined, "no mesh label on a global resource");
      assert.equal(stored.labels["k8s.kuma.io/namespace"], "kuma-system");
      const plan = await runCli(["plan", "--cp-url", url, "--format", "json"], repo.dir);
      assert.equal(plan.code, 0, plan.stdout + plan.stderr);
      assert.deepEqual((JSON.parse(plan.stdout) as { changes: unknown[] }).changes, []);
      const drift = await runCli(["drift", "--cp-url", url, "--format", "json"], repo.dir);
      assert.equal(drift.code, 0, drift.stdout + drift.stderr);
    });
  } finally {
    repo.cleanup();
  }
});

test("notifications name the global unit as the page, the log and the API do, not as the repository", () => {
  const view = (state: string, reason = "") => ({ state, appliedRevision: state === "in-sync" ? "c2" : "c1", reason, inRepository: true });
  const before = new Map([["", view("in-sync")], ["shop", view("in-sync")]]);
  const after = new Map([["", view("invalid", "1 validation error at c2, first g.yaml:6: bad template")], ["shop", view("in-sync")]]);
  const notification = buildNotification(before, after, { revision: "c2", commit: null, repository: [] });
  assert.equal(notification?.description, "invalid in _global (the global resources): 1 validation error at c2, first g.yaml:6: bad template");
  assert.match(notification?.text ?? "", /\ninvalid: _global \(the global resources\) \(1 validation error/);
  assert.doesNotMatch(notification?.text ?? "", /repository/);
});

test("meshops.yaml names the global unit _global where it names meshes: suspend and drift.meshes", () => {
  const { config, diagnostics } = parseRepoConfig({ path: "meshops.yaml", text: "suspend: [_global, blog]\ndrift:\n  meshes: {_global: correct, shop: report}\n" }, "");
  assert.deepEqual(diagnostics, []);
  assert.deepEqual(config.suspend, [GLOBAL_SCOPE, "blog"]);
  assert.deepEqual(config.drift.meshes, { [GLOBAL_SCOPE]: "correct", shop: "report" });
});

test("a HostnameGenerator template naming a field the validator's stub lacks fails as Go's execution fails", () => {
  const violations = (template: string) =>
    hostnameGeneratorViolations({ type: "HostnameGenerator", name: "hg", spec: { selector: { meshService: { matchLabels: { a: "b" } } }, template } }).map((v) => `${v.path}: ${v.message}`);
  const stub = "struct { Name string; DisplayName string; Namespace string; Mesh string; Zone string }";
  // go-v2.14.3 hostnamegenerator/api/v1alpha1/validate.go validateTemplate: parsed.Execute(&sb, stub).
  assert.deepEqual(violations("{{ .ServiceName }}.{{ .Namespace }}.mesh"), [
    `spec.template: couldn't render template with stub values: template: :1:3: executing "" at <.ServiceName>: can't evaluate field ServiceName in type ${stub}`,
  ]);
  assert.deepEqual(violations("{{ .DisplayName }}.{{- .name }}.mesh"), [`spec.template: couldn't render template with stub values: template: :1:23: executing "" at <.name>: can't evaluate field name in type ${stub}`]);
  assert.deepEqual(violations("{{ .DisplayName }}.{{ .Namespace }}.mesh"), []);
  assert.deepEqual(violations('{{ label "team" }}.{{ .Mesh }}.mesh'), []);
});
