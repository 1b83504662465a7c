/**
 * Every diagnostic names the field as the file spells it, once, on one bounded line: a Kubernetes document's problems
 * name its own paths (`metadata.labels["team"]`, not the Universal `labels["team"]`), a long value is echoed as a
 * bounded prefix, one mistake gives one problem. Each case runs `meshops validate` on a real Git repository in the
 * text, json and sarif formats, which must say the same.
 */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { runCli } from "./helpers/cli.js";
import { committedRepo } from "./helpers/git.js";
import type { Diagnostic } from "../src/model/diagnostic.js";
import { meshTimeoutYaml } from "./helpers/policies.js";

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((c) => c()));

/** A diagnostic as `--format json` reports it. */
type Reported = Diagnostic;

interface SarifLog {
  runs: {
    results: {
      ruleId: string;
      message: { text: string };
      locations: { physicalLocation?: { artifactLocation: { uri: string }; region?: { startLine: number; startColumn?: number } } }[];
    }[];
  }[];
}

/**
 * `validate` of a repository holding `files`: the json report's errors and warnings, each checked against the text
 * line and the SARIF result that say it (same place, same `resource path: message`), as `file:line:column rule path:
 * message` (the resource left out: the cases name it where it matters).
 */
async function reported(files: Record<string, string>): Promise<{ lines: string[]; diagnostics: Reported[] }> {
  const dir = committedRepo(files, cleanups);
  const json = JSON.parse((await runCli(["validate", "--format", "json"], dir)).stdout) as { diagnostics: Reported[] };
  const diagnostics = json.diagnostics.filter((d) => d.severity !== "info");
  const subject = (d: Reported): string => [d.resource, d.path].filter((s) => s !== "").join(" ");
  const said = (d: Reported): string => `${subject(d)}${subject(d) ? ": " : ""}${d.message}`;

  const text = (await runCli(["validate", "--format", "text"], dir)).stdout.split("\n").filter((l) => / (error|warning): /.test(l));
  assert.deepEqual(
    text,
    diagnostics.map((d) => `${d.file ? `${d.file}:${d.line}:${d.column}` : "(repository)"}: ${d.severity}: ${said(d)} [${d.rule}]`),
  );

  const sarif = JSON.parse((await runCli(["validate", "--format", "sarif"], dir)).stdout) as SarifLog;
  const results = sarif.runs[0]?.results.filter((r) => r.ruleId !== "" && json.diagnostics.some((d) => d.rule === r.ruleId && d.severity !== "info")) ?? [];
  assert.deepEqual(
    results.map((r) => {
      const at = r.locations[0]?.physicalLocation;
      return `${at?.artifactLocation.uri ?? ""}:${at?.region?.startLine ?? 0}:${at?.region?.startColumn ?? 0} ${r.ruleId} ${r.message.text}`;
    }),
    diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.rule} ${said(d)}`),
  );
  return { lines: diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.rule} ${d.path}: ${d.message}`), diagnostics };
}

const MESH = "type: Mesh\nname: default\nskipCreatingInitialPolicies: ['*']\n";

/** A Kubernetes MeshTimeout; `metadata` lines go under `metadata:` (line 4 on), two spaces in. */
const kubernetesTimeout = (...metadata: string[]): string =>
  ["apiVersion: kuma.io/v1alpha1", "kind: MeshTimeout", "metadata:", ...metadata.map((l) => `  ${l}`), "spec:", "  targetRef:", "    kind: Mesh", "  to:", "    - targetRef:", "        kind: Mesh", "      default:", "        idleTimeout: 1s", ""].join("\n");

describe("a Kubernetes document's problems name the fields it has", () => {
  test("a label: metadata.labels[...] at the label's line", async () => {
    const { lines } = await reported({
      "mesh.yaml": MESH,
      "timeout.yaml": kubernetesTimeout("name: t", "namespace: kuma-system", "labels:", "  kuma.io/mesh: default", '  team: "-bad-"'),
    });
    assert.equal(lines.length, 1, lines.join("\n"));
    assert.match(lines[0] ?? "", /^timeout\.yaml:8:5 labels metadata\.labels\["team"\]: a valid label must be/);
  });

  test("a Kubernetes Mesh's label too", async () => {
    const { lines } = await reported({ "mesh.yaml": ["apiVersion: kuma.io/v1alpha1", "kind: Mesh", "metadata:", "  name: default", "  labels:", '    team: "-x-"', ""].join("\n") });
    assert.equal(lines.length, 1, lines.join("\n"));
    assert.match(lines[0] ?? "", /^mesh\.yaml:6:5 labels metadata\.labels\["team"\]: a valid label/);
  });

  test("the name: metadata.name, at its line", async () => {
    const { lines } = await reported({ "mesh.yaml": MESH, "timeout.yaml": kubernetesTimeout("name: Bad_Name", "namespace: kuma-system", "labels:", "  kuma.io/mesh: default") });
    assert.deepEqual(lines.map((l) => l.replace(/: invalid characters\..*/, ": invalid characters.")), ["timeout.yaml:4:3 semantic metadata.name: invalid characters."]);
  });

  test("the mesh: the kuma.io/mesh label, at its line", async () => {
    const { lines } = await reported({ "mesh.yaml": MESH, "timeout.yaml": kubernetesTimeout("name: t", "namespace: kuma-system", "labels:", "  kuma.io/mesh: nope") });
    assert.deepEqual(lines, [
      'timeout.yaml:7:5 unknown-mesh metadata.labels["kuma.io/mesh"]: mesh "nope" is not defined: define the Mesh in the repository or list it under externalMeshes in meshops.yaml',
    ]);
  });

  test("a MeshGateway's mesh is its top-level mesh field", async () => {
    const gateway = ["apiVersion: kuma.io/v1alpha1", "kind: MeshGateway", "mesh: nope", "metadata:", "  name: gw", "spec:", "  selectors:", "    - match:", "        kuma.io/service: gw", "  conf:", "    listeners:", "      - port: 80", "        protocol: HTTP", ""];
    const { lines } = await reported({ "mesh.yaml": MESH, "gateway.yaml": gateway.join("\n") });
    assert.deepEqual(lines, ['gateway.yaml:3:1 unknown-mesh mesh: mesh "nope" is not defined: define the Mesh in the repository or list it under externalMeshes in meshops.yaml']);
  });

  test("a duplicate: metadata.name of the second document, and of the first in its message", async () => {
    const doc = kubernetesTimeout("name: t", "namespace: kuma-system", "labels:", "  kuma.io/mesh: default");
    const { lines } = await reported({ "mesh.yaml": MESH, "timeout.yaml": `${doc}---\n${doc}` });
    assert.deepEqual(lines, ["timeout.yaml:20:3 duplicate-resource metadata.name: MeshTimeout/default/t.kuma-system is defined twice: also at timeout.yaml:4"]);
  });

  test("a Universal duplicate in another file: the first one's name line, wherever the name is written", async () => {
    const first = ["# the retry of the payments team", "type: MeshTimeout", "mesh: default", "spec:", "  targetRef:", "    kind: Mesh", "  to:", "    - targetRef:", "        kind: Mesh", "      default:", "        idleTimeout: 1s", "name: t", ""];
    const other = ["type: MeshTimeout", "name: other", "mesh: default", "spec:", "  targetRef:", "    kind: Mesh", "  to:", "    - targetRef:", "        kind: Mesh", "      default:", "        idleTimeout: 1s", ""];
    const second = ["type: MeshTimeout", "mesh: default", "name: t", "spec:", "  targetRef:", "    kind: Mesh", "  to:", "    - targetRef:", "        kind: Mesh", "      default:", "        idleTimeout: 1s", ""];
    const { lines } = await reported({ "mesh.yaml": MESH, "a.yaml": `${other.join("\n")}---\n${first.join("\n")}`, "b.yaml": second.join("\n") });
    assert.deepEqual(lines, ["b.yaml:3:1 duplicate-resource name: MeshTimeout/default/t is defined twice: also at a.yaml:24"]);
  });

  test("a file written twice: each duplicate names its first document's name line", async () => {
    const doc = (i: number): string => `type: MeshTimeout\nmesh: default\nspec:\n  targetRef:\n    kind: Mesh\n  to:\n    - targetRef:\n        kind: Mesh\n      default:\n        idleTimeout: 1s\nname: t${i}\n`;
    const docs = Array.from({ length: 3 }, (_, i) => doc(i)).join("---\n");
    const { lines } = await reported({ "mesh.yaml": MESH, "timeouts.yaml": `${docs}---\n${docs}` });
    // Each document is 11 lines and a separator: the name of document k (0-based) is on line 12k + 11.
    assert.deepEqual(lines, [0, 1, 2].map((i) => `timeouts.yaml:${12 * (i + 3) + 11}:1 duplicate-resource name: MeshTimeout/default/t${i} is defined twice: also at timeouts.yaml:${12 * i + 11}`));
  });

  test("one Kubernetes object in two meshes: the first document's metadata.name line in the message, as for a duplicate", async () => {
    const payments = "type: Mesh\nname: payments\nskipCreatingInitialPolicies: ['*']\n";
    const first = kubernetesTimeout("labels:", "  kuma.io/mesh: default", "namespace: kuma-system", "name: t");
    const second = kubernetesTimeout("name: t", "namespace: kuma-system", "labels:", "  kuma.io/mesh: payments");
    const { lines } = await reported({ "mesh.yaml": `${MESH}---\n${payments}`, "a.yaml": first, "b.yaml": second });
    assert.deepEqual(lines, [
      "b.yaml:4:3 kubernetes-manifest metadata.name: MeshTimeout t in namespace kuma-system is also MeshTimeout/default/t.kuma-system (a.yaml:7): one Kubernetes object cannot be both; rename one",
    ]);
  });

  test("a Kong Mesh kind on Kuma: its kind", async () => {
    const opa = ["apiVersion: kuma.io/v1alpha1", "kind: MeshOPA", "metadata:", "  name: opa", "  namespace: kuma-system", "  labels:", "    kuma.io/mesh: default", "spec:", "  targetRef:", "    kind: Mesh", ""];
    const role = ["apiVersion: kuma.io/v1alpha1", "kind: AccessRole", "metadata:", "  name: role", "spec:", "  rules:", "    - types: []", ""];
    const { lines } = await reported({ "mesh.yaml": MESH, "opa.yaml": opa.join("\n"), "role.yaml": role.join("\n") });
    assert.deepEqual(
      lines.map((l) => l.replace(/: a Kuma control plane.*/, "")),
      ["opa.yaml:2:1 kong-mesh-kind kind: MeshOPA is a Kong Mesh kind", "role.yaml:2:1 kong-mesh-kind kind: AccessRole is a Kong Mesh kind"],
    );
  });

  test("a schema-only Kong Mesh kind's field: under spec", async () => {
    const role = ["apiVersion: kuma.io/v1alpha1", "kind: AccessRole", "metadata:", "  name: role", "spec:", "  rules:", "    - types: 5", ""];
    const { lines } = await reported({ "meshops.yaml": "controlPlane:\n  product: kong-mesh\n", "mesh.yaml": MESH, "role.yaml": role.join("\n") });
    assert.deepEqual(lines, ['role.yaml:7:7 schema spec.rules[0].types: in body must be of type array or null: "number"']);
  });

  test("a Universal document keeps the Universal paths", async () => {
    const timeout = ["type: MeshTimeout", "name: Bad_Name", "mesh: default", "labels:", '  team: "-bad-"', "spec:", "  targetRef:", "    kind: Mesh", ""];
    const { diagnostics } = await reported({ "mesh.yaml": MESH, "timeout.yaml": timeout.join("\n") });
    assert.deepEqual(
      diagnostics.filter((d) => d.file === "timeout.yaml").map((d) => `${d.line} ${d.path}`),
      ["2 name", '5 labels["team"]', "6 spec"],
    );
  });
});

describe("a long value is echoed as a bounded prefix with its length", () => {
  test("a 200 KB duration: its first 60 characters, an ellipsis and the length, in one short line", async () => {
    const long = "x".repeat(200_000);
    const { lines } = await reported({ "mesh.yaml": MESH, "timeout.yaml": kubernetesTimeout("name: t", "namespace: kuma-system", "labels:", "  kuma.io/mesh: default").replace("idleTimeout: 1s", `idleTimeout: "a b ${long}"`) });
    assert.deepEqual(lines, [
      `timeout.yaml:15:9 schema spec.to[0].default.idleTimeout: invalid duration "a b ${"x".repeat(56)}…" (200004 characters): use Go duration syntax such as 300ms, 5s, 1h30m`,
    ]);
  });

  test("a value of 120 characters is echoed whole", async () => {
    const value = "y".repeat(120);
    const { lines } = await reported({ "mesh.yaml": MESH, "timeout.yaml": kubernetesTimeout("name: t", "namespace: kuma-system", "labels:", "  kuma.io/mesh: default").replace("idleTimeout: 1s", `idleTimeout: ${value}`) });
    assert.deepEqual(lines, [`timeout.yaml:15:9 schema spec.to[0].default.idleTimeout: invalid duration "${value}": use Go duration syntax such as 300ms, 5s, 1h30m`]);
  });

  test("a cut falls neither inside an escape nor inside a surrogate pair", async () => {
    // 59 characters, then a tab (\t in the quoted value), then emoji: the 60th and 61st characters of the quoted text.
    const value = `${"z".repeat(59)}\\t${"😀".repeat(100)}`;
    const { diagnostics } = await reported({ "mesh.yaml": MESH, "timeout.yaml": kubernetesTimeout("name: t", "namespace: kuma-system", "labels:", "  kuma.io/mesh: default").replace("idleTimeout: 1s", `idleTimeout: "${value}"`) });
    assert.equal(diagnostics.length, 1);
    assert.match(diagnostics[0]?.message ?? "", new RegExp(`^invalid duration "z{59}…" \\(261 characters\\): `));
    const emoji = await reported({ "mesh.yaml": MESH, "timeout.yaml": kubernetesTimeout("name: t", "namespace: kuma-system", "labels:", "  kuma.io/mesh: default").replace("idleTimeout: 1s", `idleTimeout: "${"z".repeat(59)}${"😀".repeat(100)}"`) });
    assert.match(emoji.diagnostics[0]?.message ?? "", new RegExp(`^invalid duration "z{59}…" \\(259 characters\\): `));
  });
});

describe("one mistake, one problem", () => {
  test("a Helm template as a Kubernetes name: the name's problem, not also the display-name label the store derives from it", async () => {
    const { lines } = await reported({ "mesh.yaml": MESH, "timeout.yaml": kubernetesTimeout('name: "{{ .Values.name }}"', "namespace: kuma-system", "labels:", "  kuma.io/mesh: default") });
    assert.deepEqual(
      lines.map((l) => l.replace(/: invalid characters\..*/, ": invalid characters.")),
      ["timeout.yaml:4:3 semantic metadata.name: invalid characters."],
    );
  });

  test("a Kubernetes name of 70 characters is fine: the display-name label the store adds is no label of the object", async () => {
    const { lines } = await reported({ "mesh.yaml": MESH, "timeout.yaml": kubernetesTimeout(`name: ${"n".repeat(70)}`, "namespace: kuma-system", "labels:", "  kuma.io/mesh: default") });
    assert.deepEqual(lines, []);
  });

  test("a display-name label the document writes is a label like any other: too long for Kubernetes though the name is fine", async () => {
    const name = "n".repeat(70);
    const { lines } = await reported({
      "mesh.yaml": MESH,
      "timeout.yaml": kubernetesTimeout(`name: ${name}`, "namespace: kuma-system", "labels:", "  kuma.io/mesh: default", `  kuma.io/display-name: ${name}`),
    });
    assert.deepEqual(lines, ['timeout.yaml:8:5 labels metadata.labels["kuma.io/display-name"]: must be no more than 63 characters']);
  });
});

describe("documents without a name", () => {
  const universal = "type: MeshTimeout\nmesh: default\nspec:\n  targetRef:\n    kind: Mesh\n  to:\n    - targetRef:\n        kind: Mesh\n      default:\n        idleTimeout: 1s\n";

  test("two in one file: each says its name is required, and neither is a duplicate of the other", async () => {
    const { lines } = await reported({ "mesh.yaml": MESH, "timeouts.yaml": `${universal}---\n${universal}` });
    assert.deepEqual(lines, ["timeouts.yaml:1:1 missing-name name: name is required", "timeouts.yaml:12:1 missing-name name: name is required"]);
  });

  test("two Kubernetes documents, in two meshes: the name each lacks, no duplicate and no shared object", async () => {
    const kubernetes = (mesh: string) => kubernetesTimeout("namespace: kuma-system", "labels:", `  kuma.io/mesh: ${mesh}`);
    const meshes = `${MESH}---\ntype: Mesh\nname: other\nskipCreatingInitialPolicies: ['*']\n`;
    const { lines } = await reported({ "mesh.yaml": meshes, "a.yaml": `${kubernetes("default")}---\n${kubernetes("default")}`, "b.yaml": kubernetes("other") });
    assert.deepEqual(lines, ["a.yaml:3:1 missing-name metadata.name: name is required", "a.yaml:18:1 missing-name metadata.name: name is required", "b.yaml:3:1 missing-name metadata.name: name is required"]);
  });
});

describe("one syntax mistake, one line", () => {
  test("text after a document marker (`--- some text`): one problem at the text, saying so", async () => {
    const timeout = (name: string) => meshTimeoutYaml(name, "default", "1s");
    const { lines } = await reported({ "mesh.yaml": MESH, "timeouts.yaml": `${timeout("a")}--- some text\n${timeout("b")}` });
    assert.deepEqual(lines, ["timeouts.yaml:12:5 yaml-syntax : text after the document marker `---` on its line: a document starts on the line after it (a comment may follow the marker)"]);
  });
});

describe("a Helm template in meshops.yaml", () => {
  const said = "not YAML until rendered: meshops.yaml holds template syntax ({{ … }}), and meshops reads it as written: commit it rendered";
  for (const [what, text, at] of [
    ["a template line read as a field", "controlPlane:\n  product: kuma\n{{ .Values.extra }}: 1\n", "3:1"],
    ["a template as a value", "controlPlane:\n  product: {{ .Values.product }}\n", "2:12"],
    ["template control lines", "controlPlane:\n  product: kuma\n{{- if .Values.x }}\nexclude: []\n{{- end }}\n", "3:1"],
  ] as const) {
    test(`${what}: one problem, saying it is a template`, async () => {
      const { lines } = await reported({ "meshops.yaml": text, "mesh.yaml": MESH });
      assert.deepEqual(lines, [`meshops.yaml:${at} yaml-syntax : ${said}`]);
    });
  }

  test("a quoted {{ in a valid meshops.yaml is a string like any other", async () => {
    const { lines } = await reported({ "meshops.yaml": 'controlPlane:\n  product: kuma\nexclude: ["{{ not-a-template }}/**"]\n', "mesh.yaml": MESH });
    // No template error: the string is read as the pattern it is, which matches nothing here.
    assert.deepEqual(lines, ['meshops.yaml:3:11 pattern-unmatched exclude[0]: exclude pattern "{{ not-a-template }}/**" matches no path of the revision: it leaves nothing out; check the pattern']);
  });
});

describe("a long input echoed unquoted", () => {
  test("a name of 5,000 characters in a duplicate's message: cut where it is long, the rest of the message kept", async () => {
    const name = "n".repeat(5000);
    const timeout = `type: MeshTimeout\nname: ${name}\nmesh: default\nspec:\n  targetRef:\n    kind: Mesh\n  to:\n    - targetRef:\n        kind: Mesh\n      default:\n        idleTimeout: 1s\n`;
    const { diagnostics } = await reported({ "mesh.yaml": MESH, "timeouts.yaml": `${timeout}---\n${timeout}` });
    const duplicate = diagnostics.find((d) => d.rule === "duplicate-resource");
    assert.equal(duplicate?.message, `MeshTimeout/default/${"n".repeat(40)}… (5020 characters) is defined twice: also at timeouts.yaml:2`);
  });

  test("parse, conversion and document problems echo long input bounded, as the rules' do", async () => {
    const long = (c: string): string => c.repeat(200_000);
    const timeoutSpec = "spec:\n  targetRef:\n    kind: Mesh\n  to:\n    - targetRef:\n        kind: Mesh\n      default:\n        idleTimeout: 1s\n";
    const files = {
      "meshops.yaml": "otherDocuments: error\n",
      "mesh.yaml": MESH,
      // yaml-decode (a parse problem): a tag kumactl ignores, 200,000 characters long.
      "tag.yaml": `type: MeshTimeout\nname: tagged\nmesh: default\nlabels:\n  team: !${long("t")} x\n${timeoutSpec}`,
      // kubernetes-shape (a conversion problem): a Kubernetes Mesh whose spec is a string, not its fields.
      "spec.yaml": `apiVersion: kuma.io/v1alpha1\nkind: Mesh\nmetadata:\n  name: other\nspec: ${long("s")}\n`,
      // other-document: an apiVersion of no Kuma kind.
      "other.yaml": `apiVersion: ${long("v")}\nkind: Thing\nmetadata:\n  name: x\n`,
    };
    const { diagnostics } = await reported(files);
    const said = diagnostics.map((d) => `${d.file} ${d.rule}: ${d.message}`);
    assert.deepEqual(said.map((line) => line.replace(/"s{60}…" \(200000 characters\)$/, "<cut>")), [
      `other.yaml other-document: Thing of apiVersion ${"v".repeat(60)}… (200000 characters) is not a mesh resource (meshops.yaml sets otherDocuments: error)`,
      "spec.yaml kubernetes-shape: spec must be a mapping of the Mesh's fields, found <cut>",
      `tag.yaml yaml-decode: kumactl and kubectl ignore the tag !${"t".repeat(59)}… (200001 characters) and send the value as written (a template left unrendered?)`,
    ]);
  });

  test("a name and a label key of 200,000 characters: the resource and path fields are bounded as messages are, in every format", async () => {
    const name = "n".repeat(200_000);
    const key = "k".repeat(200_000);
    const timeout = (metadata: string): string => `type: MeshTimeout\n${metadata}mesh: default\nspec:\n  targetRef:\n    kind: Mesh\n  to:\n    - targetRef:\n        kind: Mesh\n      default:\n        idleTimeout: 1s\n`;
    // A valid label key of 255 characters (a prefix of 191, a name of 63) is an identifier: shown whole.
    const validKey = `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}/${"n".repeat(63)}`;
    const files = {
      "mesh.yaml": MESH,
      "long.yaml": timeout(`name: ${name}\n`),
      "key.yaml": timeout(`name: u\nlabels:\n  ? ${key}\n  : x\n`),
      "valid.yaml": timeout(`name: v\nlabels:\n  ${validKey}: "-bad-"\n`),
    };
    const { diagnostics } = await reported(files);
    const long = diagnostics.filter((d) => d.file === "long.yaml");
    assert.ok(long.length > 0 && long.every((d) => d.resource === `MeshTimeout/default/${"n".repeat(40)}… (200020 characters)`), JSON.stringify(long.map((d) => d.resource.slice(0, 80))));
    const labelled = diagnostics.filter((d) => d.file === "key.yaml");
    assert.deepEqual(labelled.map((d) => [d.resource, d.path]), [["MeshTimeout/default/u", `labels["${"k".repeat(60)}…" (200000 characters)]`]]);
    assert.deepEqual(diagnostics.filter((d) => d.file === "valid.yaml").map((d) => [d.resource, d.path]), [["MeshTimeout/default/v", `labels["${validKey}"]`]]);
    const dir = committedRepo(files, cleanups);
    for (const format of ["text", "json", "sarif", "markdown", "github", "junit"]) {
      const { stdout } = await runCli(["validate", "--format", format], dir);
      assert.ok(stdout.length < 20_000, `${format}: ${stdout.length} characters`);
    }
  });
});
