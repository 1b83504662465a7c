/**
 * Hostile or broken repository content through `meshops validate --format json` on real Git repositories: alias
 * amplification, bytes that are not UTF-8, binary files, reserved keys, deep nesting, wrong types, upper-case
 * extensions and submodules. Each is one clear diagnostic with file and line, never a crash or a silent drop.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { after, test } from "node:test";
import { runCli, spawnCli } from "./helpers/cli.js";
import { commitFiles, git, tempRepo } from "./helpers/git.js";

const repos: { cleanup: () => void }[] = [];
after(() => {
  for (const r of repos) r.cleanup();
});

interface Diagnostic {
  severity: string;
  file: string;
  line: number;
  column: number;
  message: string;
  rule: string;
  resource: string;
  path: string;
}

const MESH = "type: Mesh\nname: default\n";

/** Commits `files` (text or bytes) to a fresh repository and validates HEAD. */
async function validate(files: Record<string, string | Buffer>): Promise<{ code: number; diagnostics: Diagnostic[]; stderr: string }> {
  const repo = tempRepo("meshops-input-hostile-");
  repos.push(repo);
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(repo.dir, name), content);
  git(repo.dir, "add", "-A");
  git(repo.dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "files");
  const run = await runCli(["validate", "--format", "json"], repo.dir);
  const parsed = JSON.parse(run.stdout || "{}") as { diagnostics?: Diagnostic[] };
  return { code: run.code, diagnostics: parsed.diagnostics ?? [], stderr: run.stderr };
}

test("alias amplification under the alias count (a wide anchor aliased many times) is refused by expanded size", async () => {
  const items = Array.from({ length: 2_000 }, (_, i) => `    - item-${i}`).join("\n");
  const aliases = Array.from({ length: 50 }, (_, i) => `  k${i}: *wide`).join("\n");
  const text = `type: MeshTimeout\nname: bomb\nmesh: default\nx:\n  base: &wide\n${items}\nspec:\n${aliases}\n`;
  const run = await validate({ "mesh.yaml": MESH, "bomb.yaml": text });
  assert.equal(run.code, 1);
  const problem = run.diagnostics.find((d) => d.file === "bomb.yaml");
  assert.equal(problem?.rule, "yaml-alias-limit", JSON.stringify(run.diagnostics));
  assert.match(problem?.message ?? "", /aliases expand the document by \d+ nodes, more than the limit of 10000/);
});

test("bytes that are not UTF-8 are an error at their line, not U+FFFD applied", async () => {
  const text = Buffer.concat([Buffer.from(`${MESH}---\ntype: MeshTimeout\nname: t\nmesh: default\n# caf`), Buffer.from([0xe9]), Buffer.from("\nspec: {}\n")]);
  const run = await validate({ "mesh.yaml": text });
  assert.equal(run.code, 1);
  const problem = run.diagnostics.find((d) => d.rule === "invalid-utf8");
  assert.ok(problem, JSON.stringify(run.diagnostics));
  assert.equal(problem.file, "mesh.yaml");
  assert.equal(problem.line, 7);
});

test("UTF-16 text (what Windows PowerShell's > writes) is one error naming UTF-16, not 'not a text file'", async () => {
  const utf16 = (text: string, bigEndian: boolean) => {
    const bytes = Buffer.from(`\ufeff${text}`, "utf16le");
    return bigEndian ? bytes.swap16() : bytes;
  };
  const run = await validate({ "mesh.yaml": utf16(MESH, false), "other.yaml": utf16(MESH.replace("default", "other"), true) });
  assert.equal(run.code, 1);
  const expected = (endian: string) => `UTF-16 (${endian}) text, not UTF-8 (Windows PowerShell's > and Out-File write it): save the file as UTF-8`;
  assert.deepEqual(
    run.diagnostics.map((d) => [d.file, d.line, d.rule, d.message]),
    [
      ["mesh.yaml", 1, "invalid-utf8", expected("little-endian")],
      ["other.yaml", 1, "invalid-utf8", expected("big-endian")],
    ],
  );
});

test("a binary file is one error, 'not a text file', with none of its bytes echoed", async () => {
  const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x53, 0x45, 0x43, 0x52, 0x45, 0x54]);
  const run = await validate({ "mesh.yaml": MESH, "logo.yaml": bytes });
  assert.equal(run.code, 1);
  const problems = run.diagnostics.filter((d) => d.file === "logo.yaml");
  assert.equal(problems.length, 1, JSON.stringify(problems));
  assert.match(problems[0]?.message ?? "", /^not a text file/);
  assert.doesNotMatch(JSON.stringify(run.diagnostics), /SECRET|IHDR/);
});

test("a Git LFS pointer committed in place of a YAML file is one lfs-pointer error, not 'missing type'", async () => {
  const pointer = "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n";
  const run = await validate({ "mesh.yaml": MESH, "policies.yaml": pointer });
  assert.equal(run.code, 1);
  assert.deepEqual(
    run.diagnostics.map((d) => [d.file, d.line, d.rule, d.message]),
    [["policies.yaml", 1, "lfs-pointer", "a Git LFS pointer, not the file's content (12345 bytes kept in Git LFS): meshops reads the YAML Git holds; keep mesh configuration out of LFS (.gitattributes)"]],
  );
});

test("a Git LFS pointer that states no size (cut short) is said without one, not as '? bytes'", async () => {
  const run = await validate({ "mesh.yaml": MESH, "policies.yaml": "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a2146\n" });
  assert.deepEqual(
    run.diagnostics.map((d) => [d.file, d.rule, d.message]),
    [["policies.yaml", "lfs-pointer", "a Git LFS pointer, not the file's content (kept in Git LFS): meshops reads the YAML Git holds; keep mesh configuration out of LFS (.gitattributes)"]],
  );
});

test("x.YAML (any case) is read; a submodule is a warning", async () => {
  const sub = tempRepo("meshops-input-hostile-sub-");
  repos.push(sub);
  commitFiles(sub.dir, { "other.yaml": MESH }, "sub");
  const run = await validate({ "MESH.YAML": `${MESH}---\ntype: MeshTimeout\nname: t\nmesh: nowhere\nspec: {}\n` });
  assert.ok(
    run.diagnostics.some((d) => d.file === "MESH.YAML" && d.severity === "error"),
    `MESH.YAML was read: ${JSON.stringify(run.diagnostics)}`,
  );

  const repo = tempRepo("meshops-input-hostile-");
  repos.push(repo);
  commitFiles(repo.dir, { "mesh.yaml": MESH }, "mesh");
  git(repo.dir, "-c", "protocol.file.allow=always", "submodule", "add", "-q", sub.dir, "vendor");
  git(repo.dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "submodule");
  const withSub = await runCli(["validate", "--format", "json"], repo.dir);
  const diagnostics = (JSON.parse(withSub.stdout) as { diagnostics: Diagnostic[] }).diagnostics;
  const warning = diagnostics.find((d) => d.rule === "submodule");
  assert.equal(warning?.severity, "warning", JSON.stringify(diagnostics));
  assert.equal(warning?.file, "vendor");
  assert.equal(withSub.code, 0, withSub.stderr);
});

test("deep nesting is a nesting-limit error, not 'Maximum call stack size exceeded'", async () => {
  const flow = `type: MeshTimeout\nname: deep\nmesh: default\nspec: ${"[".repeat(5_000)}${"]".repeat(5_000)}\n`;
  let block = "type: MeshTimeout\nname: deeper\nmesh: default\nspec:\n";
  for (let i = 1; i <= 300; i++) block += `${" ".repeat(i)}a:\n`;
  const run = await validate({ "mesh.yaml": MESH, "flow.yaml": flow, "block.yaml": block });
  assert.equal(run.code, 1);
  assert.doesNotMatch(JSON.stringify(run.diagnostics) + run.stderr, /call stack/);
  for (const file of ["flow.yaml", "block.yaml"]) {
    const problem = run.diagnostics.find((d) => d.file === file);
    assert.equal(problem?.rule, "yaml-nesting-limit", `${file}: ${JSON.stringify(run.diagnostics)}`);
    assert.match(problem?.message ?? "", /more than 100 levels deep/);
  }
});

test("__proto__ in the spec of a Kubernetes protobuf kind is a field like any other, not the object's prototype", async () => {
  const gateway = [
    "apiVersion: kuma.io/v1alpha1",
    "kind: MeshGateway",
    "mesh: default",
    "metadata:",
    "  name: edge",
    "spec:",
    "  __proto__:",
    "    polluted: true",
    "  selectors:",
    "    - match:",
    "        kuma.io/service: edge",
    "  conf:",
    "    listeners:",
    "      - port: 8080",
    "        protocol: HTTP",
    "",
  ].join("\n");
  const run = await validate({ "mesh.yaml": MESH, "gateway.yaml": gateway });
  assert.equal(run.code, 1, JSON.stringify(run.diagnostics));
  const proto = run.diagnostics.find((d) => d.file === "gateway.yaml" && d.path.includes("__proto__"));
  assert.ok(proto, `no diagnostic names __proto__: ${JSON.stringify(run.diagnostics)}`);
  assert.equal(proto.severity, "error");
});

test("a numeric name is a wrong type, not 'name is required'", async () => {
  const run = await validate({ "mesh.yaml": `${MESH}---\ntype: MeshTimeout\nname: 42\nmesh: default\nspec: {}\n` });
  assert.equal(run.code, 1);
  const messages = run.diagnostics.map((d) => d.message).join("\n");
  assert.doesNotMatch(messages, /name is required/);
  assert.match(messages, /name must be a string/);
});

test("__proto__ is an unknown key like any other at the top; a __proto__ label is kept, not dropped, and refused as a label key", async () => {
  const run = await validate({
    "mesh.yaml": `${MESH}---\ntype: MeshTimeout\nname: t\nmesh: default\n__proto__:\n  polluted: true\nspec: {}\n`,
  });
  assert.equal(run.code, 1);
  const proto = run.diagnostics.find((d) => d.path === "__proto__");
  assert.match(proto?.message ?? "", /unknown field "__proto__"/, JSON.stringify(run.diagnostics));
  assert.equal(proto?.line, 7);

  const repo = tempRepo("meshops-input-hostile-");
  repos.push(repo);
  const timeoutSpec = "spec:\n  targetRef:\n    kind: Mesh\n  to:\n    - targetRef:\n        kind: Mesh\n      default:\n        idleTimeout: 1s\n";
  commitFiles(repo.dir, {
    "mesh.yaml": `${MESH}---\napiVersion: kuma.io/v1alpha1\nkind: MeshTimeout\nmetadata:\n  name: k\n  namespace: kuma-system\n  labels:\n    kuma.io/mesh: default\n    __proto__: x\n${timeoutSpec}`,
  });
  // Kept through conversion (not silently dropped), then refused like any invalid label key, as the API server does.
  const checked = await runCli(["validate", "--format", "json"], repo.dir);
  assert.equal(checked.code, 1, checked.stderr);
  const label = (JSON.parse(checked.stdout) as { diagnostics: { rule: string; path: string; line: number; resource: string }[] }).diagnostics.find(
    (d) => d.path === 'metadata.labels["__proto__"]',
  );
  assert.equal(label?.rule, "labels", checked.stdout);
  assert.equal(label?.resource, "MeshTimeout/default/k.kuma-system");
  assert.equal(label?.line, 11);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test("values with line breaks or terminal escapes (`mesh: |`, `type: \"Mesh\\e[2J\"`) are quoted in text output: one line per problem, no control characters", async () => {
  const repo = tempRepo("meshops-input-hostile-");
  repos.push(repo);
  const timeout = "spec:\n  targetRef:\n    kind: Mesh\n  to:\n    - targetRef:\n        kind: Mesh\n      default:\n        idleTimeout: 1s\n";
  commitFiles(repo.dir, {
    "mesh.yaml": `${MESH}---\ntype: MeshTimeout\nname: t\nmesh: |\n  prod\n${timeout}---\ntype: "MeshTimeout\\e[2J\\r"\nname: u\nmesh: default\n${timeout}`,
  });
  const run = await runCli(["validate"], repo.dir);
  assert.equal(run.code, 1, run.stderr);
  // Every problem on a line of its own (file:line:col first), then the summary; the values shown escaped.
  const lines = run.stdout.trimEnd().split("\n");
  for (const line of lines.slice(0, -1)) assert.match(line, /^mesh\.yaml:\d+:\d+: error: /, run.stdout);
  assert.match(lines.at(-1) ?? "", /^✗ invalid: /);
  assert.ok(lines.some((line) => line.includes('mesh "prod\\n" is not defined')), run.stdout);
  assert.ok(lines.some((line) => line.includes('unknown resource type "MeshTimeout\\u001b[2J\\r"')), run.stdout);
  // eslint-disable-next-line no-control-regex -- control characters are what it finds
  assert.doesNotMatch(run.stdout, /[\u0000-\u0009\u000b-\u001f\u007f\u0085\u2028\u2029]/u);
});

test("a template that happens to parse as YAML (`name: {{ .Values.name }}`) says it is a template; collection keys print no Node warning on stderr", async () => {
  const repo = tempRepo("meshops-input-hostile-");
  repos.push(repo);
  const template = "type: MeshTimeout\nname: {{ .Values.name }}\nmesh: default\nspec:\n  targetRef:\n    kind: Mesh\n";
  // An Envoy resource given as YAML with a sequence key, and meshops.yaml with a mapping key: each read by the yaml package.
  const patch = 'type: MeshProxyPatch\nname: mpp\nmesh: default\nspec:\n  targetRef:\n    kind: Mesh\n  default:\n    appendModifications:\n    - cluster:\n        operation: Add\n        value: "[a]: b"\n';
  commitFiles(repo.dir, { "mesh.yaml": MESH, "templates/timeout.yaml": template, "patch.yaml": patch, "meshops.yaml": "{{ .x }}: 1\n" });
  const run = await spawnCli(["validate", "--format", "json"], repo.dir).exit(60_000);
  assert.equal(run.code, 1, run.stderr);
  assert.equal(run.stderr, "");
  const { diagnostics } = JSON.parse(run.stdout) as { diagnostics: Diagnostic[] };
  assert.deepEqual(
    diagnostics.map((d) => [d.file, d.line, d.rule, d.message]),
    [
      ["meshops.yaml", 1, "yaml-syntax", "not YAML until rendered: meshops.yaml holds template syntax ({{ … }}), and meshops reads it as written: commit it rendered"],
      [
        "templates/timeout.yaml",
        2,
        "yaml-syntax",
        "not YAML until rendered: it holds template syntax ({{ … }}); a Helm chart or another template is not mesh configuration: list it under `exclude:` in meshops.yaml",
      ],
    ],
  );
});

test("meshops.yaml that cannot be read as data (an alias of no anchor, an alias bomb, a duplicate key) is a diagnostic at its line, not 'unexpected error'", async () => {
  const bomb = ["a0: &a0 [x]", ...Array.from({ length: 120 }, (_, i) => `a${i + 1}: &a${i + 1} [*a${i}, *a${i}]`)].join("\n");
  const cases: [string, [number, string, string][]][] = [
    ["instance: meshops\nprune:\n  maxDeletes: *limit\n", [[3, "yaml-syntax", "unresolved alias *limit: the document sets no anchor &limit before it (anchors do not carry across documents)"]]],
    [`${bomb}\n`, [[1, "yaml-alias-limit", "aliases expand the document by 7.975367974709495e+36 nodes, more than the limit of 10000; refused"]]],
    ["instance: a\nprune: {enabled: false}\ninstance: b\n", [[3, "duplicate-key", 'duplicate key: "instance"']]],
  ];
  for (const [config, expected] of cases) {
    const run = await validate({ "mesh.yaml": MESH, "meshops.yaml": config });
    assert.equal(run.stderr, "");
    assert.equal(run.code, 1);
    assert.deepEqual(
      run.diagnostics.map((d) => [d.line, d.rule, d.message]),
      expected,
      config.slice(0, 60),
    );
    assert.ok(run.diagnostics.every((d) => d.file === "meshops.yaml"));
  }
});

test("meshops.yaml: a value of the wrong type says what was found; the YAML 1.2 note only where it gives the type asked for; a number for a string (version: 2.10, read as 2.1) says to quote it", async () => {
  const run = await validate({ "mesh.yaml": MESH, "meshops.yaml": "prune:\n  enabled: yes\n  maxDeletes: yes\n  maxDeletePercent: '20'\ncontrolPlane:\n  version: 2.10\ninstance: 7\n" });
  assert.equal(run.code, 1);
  assert.deepEqual(
    run.diagnostics.map((d) => [d.line, d.path, d.message]),
    [
      [2, "prune.enabled", 'must be boolean, found a string ("yes"); meshops.yaml is read as YAML 1.2, where yes is a string: write true'],
      [3, "prune.maxDeletes", 'must be integer, found a string ("yes")'],
      [4, "prune.maxDeletePercent", 'must be number, found a string ("20"); quoted, it is a string: write 20 without quotes'],
      [6, "controlPlane.version", 'must be string, found a number (2.1); YAML reads the plain scalar as a number, so 2.10 is 2.1: quote it ("2.10")'],
      [7, "instance", 'must be string, found a number (7); YAML reads the plain scalar as a number: quote it ("7")'],
    ],
  );
});

test("meshops.yaml: a controlPlane.version that is no version says which are, and a v before it to leave it out, not the schema's pattern", async () => {
  for (const [written, message] of [
    ["v2.14.3", "v2.14.3 is not a version as Kuma writes it: write 2.14.3, without the v"],
    ["latest", "latest is not a version: use 2.10, 2.11, 2.12, 2.13, 2.14 (any patch release) or 3.x"],
    // A version of no line meshops has: said as the others, after the path once (not "controlPlane.version: controlPlane.version 2.9.4").
    ["2.9.4", "2.9.4 is not supported: use 2.10, 2.11, 2.12, 2.13, 2.14 (any patch release) or 3.x"],
  ]) {
    const run = await validate({ "mesh.yaml": MESH, "meshops.yaml": `controlPlane:\n  version: "${written}"\n` });
    assert.equal(run.code, 1);
    assert.deepEqual(run.diagnostics.map((d) => [d.line, d.column, d.path, d.message]), [[2, 3, "controlPlane.version", message]]);
  }
});

test("an alias of no anchor in a resource names the resource it breaks", async () => {
  const text = `${MESH}---\ntype: MeshTimeout\nname: t\nmesh: default\nspec:\n  targetRef: {kind: Mesh}\n  to:\n  - targetRef: {kind: Mesh}\n    default: *defaults\n`;
  const run = await validate({ "mesh.yaml": text });
  assert.equal(run.code, 1);
  assert.deepEqual(
    run.diagnostics.map((d) => [d.line, d.resource, d.rule, d.message]),
    [[11, "MeshTimeout/default/t", "yaml-syntax", "unresolved alias *defaults: the document sets no anchor &defaults before it (anchors do not carry across documents)"]],
  );
});

test("a duplicate key names its field path, in a Universal and in a Kubernetes document", async () => {
  const universal = "type: MeshTimeout\nname: u\nmesh: default\nspec:\n  targetRef: {kind: Mesh}\n  to:\n  - targetRef: {kind: Mesh}\n    default:\n      idleTimeout: 1s\n      idleTimeout: 2s\n";
  const kubernetes =
    "apiVersion: kuma.io/v1alpha1\nkind: MeshTimeout\nmetadata:\n  name: k\n  namespace: kuma-system\n  labels:\n    kuma.io/mesh: default\n    kuma.io/mesh: other\nspec:\n  targetRef: {kind: Mesh}\n";
  const run = await validate({ "mesh.yaml": MESH, "u.yaml": universal, "k.yaml": kubernetes });
  assert.equal(run.code, 1);
  assert.deepEqual(
    run.diagnostics.map((d) => [d.file, d.line, d.resource, d.path, d.rule, d.message]),
    [
      ["k.yaml", 8, "MeshTimeout/default/k.kuma-system", 'metadata.labels["kuma.io/mesh"]', "duplicate-key", 'duplicate key: "kuma.io/mesh"'],
      ["u.yaml", 10, "MeshTimeout/default/u", "spec.to[0].default.idleTimeout", "duplicate-key", 'duplicate key: "idleTimeout"'],
    ],
  );
});

test("meshops.yaml with empty documents (a `---` at its end or start, a comment after one) is read as its one document; a second document of settings is an error at its line", async () => {
  // CRLF and a byte order mark too, as an editor on Windows saves it: the settings apply (the exclude leaves out bad.yaml).
  const config = "\ufeff---\r\n# meshops settings\r\nexclude: [bad.yaml]\r\n---\r\n# end\r\n";
  const read = await validate({ "mesh.yaml": MESH, "bad.yaml": "type: MeshTimeout\n", "meshops.yaml": config });
  assert.deepEqual([read.code, read.diagnostics], [0, []]);
  for (const trailing of ["exclude: [bad.yaml]\n---\n", "---\n---\nexclude: [bad.yaml]\n...\n"]) {
    const run = await validate({ "mesh.yaml": MESH, "bad.yaml": "type: MeshTimeout\n", "meshops.yaml": trailing });
    assert.deepEqual([run.code, run.diagnostics], [0, []], trailing);
  }
  const two = await validate({ "mesh.yaml": MESH, "meshops.yaml": "instance: a\n---\n\n# more\ninstance: b\n" });
  assert.equal(two.code, 1);
  assert.deepEqual(
    two.diagnostics.map((d) => [d.file, d.line, d.rule, d.message]),
    [["meshops.yaml", 5, "config", "meshops.yaml must hold a single YAML document: a second one starts here"]],
  );
});
