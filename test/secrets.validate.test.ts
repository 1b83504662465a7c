/**
 * `validate`'s messages about a secret field say what is wrong with it, where, and never what it holds: a Secret's
 * `data` (Universal, or a Kubernetes Secret's `data.value` / `stringData.value`), a GlobalSecret's, and an inline
 * key elsewhere (a Mesh's provided CA) written with a tag that does not fit it, as a plain scalar YAML 1.1 types, as
 * an integer beyond 2^53 or with an escape go-yaml refuses. Real Git, the CLI in every report format.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { REPORT_FORMATS } from "../src/report/common.js";
import { runCli } from "./helpers/cli.js";
import { committedRepo } from "./helpers/git.js";

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((c) => c()));

/**
 * Each secret as written (the offending value on its last line), and what a message may not show of it (the text, or
 * what YAML 1.1 reads it as).
 */
const SECRETS: { file: string; text: string; forbidden: string[]; resource: string; path: string; rule: string }[] = [
  {
    file: "tag-int.yaml",
    text: "type: Secret\nmesh: default\nname: tag-int\ndata: !!int c2VjcmV0LXRhZy1pbnQ=\n",
    forbidden: ["c2VjcmV0LXRhZy1pbnQ", "secret-tag-int"],
    resource: "Secret/default/tag-int",
    path: "data",
    rule: "yaml-decode",
  },
  {
    file: "tag-float.yaml",
    text: "type: GlobalSecret\nname: tag-float\ndata: !!float Z2xvYmFsLWZsb2F0LXNlY3JldA==\n",
    forbidden: ["Z2xvYmFsLWZsb2F0LXNlY3JldA", "global-float-secret"],
    resource: "GlobalSecret/tag-float",
    path: "data",
    rule: "yaml-decode",
  },
  {
    file: "octal.yaml",
    text: "type: Secret\nmesh: default\nname: octal\ndata: 0755123\n",
    forbidden: ["0755123", "252499"],
    resource: "Secret/default/octal",
    path: "data",
    rule: "schema",
  },
  {
    file: "boolean.yaml",
    text: "type: Secret\nmesh: default\nname: boolean\ndata: yes\n",
    forbidden: ["plain scalar yes", "(true)"],
    resource: "Secret/default/boolean",
    path: "data",
    rule: "schema",
  },
  {
    file: "big.yaml",
    text: "type: Secret\nmesh: default\nname: big\ndata: !!int 98765432109876543219\n",
    forbidden: ["98765432109876543219", "98765432109876540000", "98765432109876543"],
    resource: "Secret/default/big",
    path: "data",
    rule: "yaml-decode",
  },
  {
    file: "surrogate.yaml",
    text: 'type: Secret\nmesh: default\nname: surrogate\ndata: "c2Vj\\udbffcmV0"\n',
    forbidden: ["\\udbff", "udbff", "c2Vj"],
    resource: "Secret/default/surrogate",
    path: "data",
    rule: "yaml-decode",
  },
  {
    file: "kube-string-data.yaml",
    text: "apiVersion: v1\nkind: Secret\ntype: system.kuma.io/secret\nmetadata: {name: kube-tag, namespace: kuma-system, labels: {kuma.io/mesh: default}}\nstringData:\n  value: !!bool kube-tagged-plaintext\n",
    forbidden: ["kube-tagged-plaintext"],
    resource: "Secret/default/kube-tag",
    path: "stringData.value",
    rule: "yaml-decode",
  },
  {
    file: "kube-global.yaml",
    text: "apiVersion: v1\nkind: Secret\ntype: system.kuma.io/global-secret\nmetadata: {name: kube-global, namespace: kuma-system}\ndata:\n  value: !!int a3ViZS1nbG9iYWwtc2VjcmV0\n",
    forbidden: ["a3ViZS1nbG9iYWwtc2VjcmV0", "kube-global-secret"],
    resource: "GlobalSecret/kube-global",
    path: "data.value",
    rule: "yaml-decode",
  },
  {
    file: "kube-number.yaml",
    text: "apiVersion: v1\nkind: Secret\ntype: system.kuma.io/secret\nmetadata: {name: kube-number, namespace: kuma-system}\nstringData:\n  value: 0x1F2E3D\n",
    forbidden: ["0x1F2E3D", "2043453"],
    resource: "Secret/default/kube-number",
    path: "stringData.value",
    rule: "kubernetes-shape",
  },
  {
    file: "kube-data-number.yaml",
    text: "apiVersion: v1\nkind: Secret\ntype: system.kuma.io/secret\nmetadata: {name: kube-data-number, namespace: kuma-system}\ndata:\n  value: 0755\n",
    forbidden: ["0755", "493"],
    resource: "Secret/default/kube-data-number",
    path: "data.value",
    rule: "schema",
  },
  {
    file: "mesh-ca.yaml",
    text: [
      "type: Mesh",
      "name: default",
      "mtls:",
      "  enabledBackend: ca-1",
      "  backends:",
      "    - name: ca-1",
      "      type: provided",
      "      conf:",
      "        cert: {secret: ca-cert}",
      "        key: {inlineString: !!int inline-private-key-text}",
      "",
    ].join("\n"),
    forbidden: ["inline-private-key-text"],
    resource: "Mesh/default",
    path: "mtls.backends[0].conf.key.inlineString",
    rule: "yaml-decode",
  },
];

function repository(): string {
  const files: Record<string, string> = { "meshops.yaml": 'controlPlane: {version: "2.14.3"}\nsecrets: {allowPlaintext: true}\n' };
  for (const s of SECRETS) files[s.file] = s.text;
  return committedRepo(files, cleanups);
}

test("validate's error names the resource (a Kubernetes Secret as Secret/mesh/name), the field and the value's line", async () => {
  const json = await runCli(["validate", "--format", "json"], repository());
  assert.equal(json.code, 1, json.stderr);
  const diagnostics = (JSON.parse(json.stdout) as { diagnostics: { file: string; line: number; resource: string; path: string; rule: string; severity: string }[] }).diagnostics;
  for (const s of SECRETS) {
    const found = diagnostics.find((d) => d.file === s.file && d.severity === "error");
    assert.ok(found, `${s.file}: an error`);
    assert.deepEqual({ resource: found.resource, path: found.path, rule: found.rule }, { resource: s.resource, path: s.path, rule: s.rule }, s.file);
    assert.equal(found.line, s.text.trimEnd().split("\n").length, `${s.file}: at the value's line (the last)`);
  }
});

test("validate shows nothing of a secret field's value, in any format", async () => {
  const repo = repository();
  for (const format of REPORT_FORMATS) {
    const run = await runCli(["validate", "--format", format], repo);
    assert.equal(run.code, 1, `${format}: ${run.stderr}`);
    assert.match(run.stdout, /tag-int/, `${format}: the report is about the Secrets`);
    for (const s of SECRETS) for (const secret of s.forbidden) assert.ok(!`${run.stdout}${run.stderr}`.includes(secret), `validate --format ${format} shows "${secret}" of ${s.file}`);
  }
});

test("a Secret named but not defined in the referrer's mesh: a Mesh's CA is a warning (refused without it), other references info", async () => {
  const mesh = (name: string, skipValidation: boolean) =>
    `type: Mesh\nname: ${name}\nmtls:\n  enabledBackend: ca-1\n${skipValidation ? "  skipValidation: true\n" : ""}  backends:\n    - name: ca-1\n      type: provided\n      conf:\n        cert: {secret: ca-cert}\n        key: {secret: ca-key}\n`;
  const secret = (meshName: string, name: string) => `type: Secret\nmesh: ${meshName}\nname: ${name}\ndata: c2VjcmV0\n`;
  const identity = [
    "type: MeshIdentity",
    "mesh: shop",
    "name: id",
    "spec:",
    "  selector: {dataplane: {matchLabels: {}}}",
    "  spiffeID: {trustDomain: shop.mesh}",
    "  provider:",
    "    type: Bundled",
    "    bundled:",
    "      meshTrustCreation: Disabled",
    "      certificateParameters: {expiry: 24h}",
    "      ca:",
    "        certificate: {type: Secret, secretRef: {kind: Secret, name: ca-cert}}",
    "        privateKey: {type: Secret, secretRef: {kind: Secret, name: id-key}}",
    "",
  ].join("\n");
  const repo = committedRepo(
    {
      "meshops.yaml": 'controlPlane: {version: "2.14.3", skipDefaultMeshCreation: true}\nsecrets: {allowPlaintext: true}\n',
      // shop has ca-cert; ca-key is only in mesh other, which does not count for shop.
      "shop.yaml": [mesh("shop", false), secret("shop", "ca-cert"), identity].join("---\n"),
      "other.yaml": [mesh("other", true), secret("other", "ca-key"), secret("other", "ca-cert")].join("---\n"),
    },
    cleanups,
  );
  const run = await runCli(["validate", "--format", "json"], repo);
  assert.equal(run.code, 0, run.stdout);
  const found = (JSON.parse(run.stdout) as { diagnostics: { severity: string; file: string; line: number; resource: string; path: string; rule: string; message: string }[] }).diagnostics
    .filter((d) => d.rule === "dangling-reference")
    .map(({ severity, file, line, resource, path, message }) => ({ severity, at: `${file}:${line}`, resource, path, secret: /^(Secret\/\S+)/.exec(message)?.[1] }));
  assert.deepEqual(found, [
    { severity: "warning", at: "shop.yaml:10", resource: "Mesh/shop", path: "mtls.backends[0].conf.key.secret", secret: "Secret/shop/ca-key" },
    { severity: "info", at: "shop.yaml:30", resource: "MeshIdentity/shop/id", path: "spec.provider.bundled.ca.privateKey.secretRef.name", secret: "Secret/shop/id-key" },
  ]);
  const text = await runCli(["validate"], repo);
  assert.match(text.stdout, /shop\.yaml:10:\d+: warning: Mesh\/shop mtls\.backends\[0\]\.conf\.key\.secret: Secret\/shop\/ca-key is not defined in this repository: the control plane refuses this Mesh unless it holds that Secret already/);
});

test("a Kubernetes Kuma Secret or GlobalSecret without a value is refused as the admission webhook refuses it (data.value: cannot be empty)", async () => {
  const secret = (type: string, name: string, body: string) =>
    `apiVersion: v1\nkind: Secret\ntype: system.kuma.io/${type}\nmetadata:\n  name: ${name}\n  namespace: kuma-system\n${body}`;
  const repo = committedRepo(
    {
      "meshops.yaml": 'controlPlane: {version: "2.14.3"}\nsecrets: {allowPlaintext: true}\n',
      "mesh.yaml": "type: Mesh\nname: default\n",
      "empty.yaml": secret("secret", "empty", 'data:\n  value: ""\n'),
      "missing.yaml": secret("secret", "missing", "data: {}\n"),
      "global-empty.yaml": secret("global-secret", "global-empty", 'stringData:\n  value: ""\n'),
      "fine.yaml": secret("secret", "fine", "data:\n  value: dG9rZW4=\n"),
    },
    cleanups,
  );
  const json = await runCli(["validate", "--format", "json"], repo);
  assert.equal(json.code, 1, json.stderr);
  const diagnostics = (JSON.parse(json.stdout) as { diagnostics: { file: string; line: number; resource: string; path: string; rule: string; severity: string; message: string }[] }).diagnostics;
  const message = "cannot be empty: the admission webhook refuses a Kuma Secret without a value in data.value (or stringData.value)";
  assert.deepEqual(
    diagnostics.map((d) => [d.severity, d.file, d.line, d.resource, d.path, d.rule, d.message]),
    [
      ["error", "empty.yaml", 8, "Secret/default/empty", "data.value", "kubernetes-shape", message],
      ["error", "global-empty.yaml", 8, "GlobalSecret/global-empty", "stringData.value", "kubernetes-shape", message],
      ["error", "missing.yaml", 7, "Secret/default/missing", "data.value", "kubernetes-shape", message],
    ],
  );
});
