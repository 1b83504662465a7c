/**
 * Values Kuma's readers refuse or change, which meshops must not pass or change: `kumactl apply` and `kubectl apply`
 * turn YAML into JSON with sigs.k8s.io/yaml (go-yaml v2's decoding into interface{}, convertToJSONableObject, then
 * Go's json.Marshal), and Kuma decodes that JSON. Written from go-yaml v2's resolve.go and decode.go, sigs.k8s.io/yaml's
 * yaml.go and Go's encoding/json: a non-finite float (json: unsupported value), an integer JavaScript cannot hold
 * exactly, explicit tags (`!!int 0755`, `!!binary`, a mismatch, a local tag), a null or collection mapping key. Each
 * case through both parsers (the fast scanner and, for what sends a file to it, the full parser), then `meshops
 * validate` and `render` as processes.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, describe, it } from "node:test";
import { MAX_REINDENTED_REGIONS, parseYaml, type ParsedYaml } from "../src/parse/documents.js";
import { plainKeyText, stringifyYaml } from "../src/parse/yaml11.js";
import { runCli } from "./helpers/cli.js";
import { commitFiles, committedRepo } from "./helpers/git.js";

const cleanups: (() => void)[] = [];
/** Examples copied from Kong's documentation (test/fixtures/kong-docs/README.md says where from). */
const kongDocs = (file: string) => readFileSync(new URL(`../../test/fixtures/kong-docs/${file}`, import.meta.url), "utf8");
after(() => cleanups.forEach((cleanup) => cleanup()));

/** The text once as it is (the fast scanner reads it) and once with an anchor, which sends it to the full parser. */
function bothParsers(text: string): [string, ParsedYaml][] {
  const full = parseYaml(`anchored: &a 1\n${text}`);
  return [
    ["fast", parseYaml(text)],
    ["full", { ...full, problems: full.problems.map((p) => ({ ...p, line: p.line - 1 })) }],
  ];
}

const summary = (parsed: ParsedYaml) => parsed.problems.map((p) => `${p.line}:${p.column} ${p.severity ?? "error"} ${p.rule} ${(p.sourcePath ?? []).join("/")}: ${p.message}`);

/** Both parsers report exactly `expected` (summary lines) and read none of the text's documents. */
function assertRefused(text: string, expected: readonly string[]): void {
  for (const [parser, parsed] of bothParsers(text)) {
    assert.deepEqual(summary(parsed), expected, parser);
    assert.deepEqual(parsed.documents, [], parser);
  }
}

describe("values JSON cannot hold", () => {
  it("a plain .inf, -.inf or .nan is one error per occurrence with its field, and its document is not read", () => {
    const text = ["type: Mesh", "name: default", "tracing:", "  backends:", "    - name: z", "      sampling: .nan", "      conf: {weight: .inf, low: -.Inf}", "---", "type: Mesh", "name: other", "note: '.nan'", ""].join("\n");
    for (const [parser, parsed] of bothParsers(text)) {
      assert.deepEqual(summary(parsed), [
        "6:17 error yaml-decode tracing/backends/0/sampling: YAML 1.1 reads the plain scalar .nan as the float NaN, which JSON cannot hold: kumactl and kubectl refuse the file (json: unsupported value: NaN); quote it if a string was meant",
        "7:22 error yaml-decode tracing/backends/0/conf/weight: YAML 1.1 reads the plain scalar .inf as the float +Inf, which JSON cannot hold: kumactl and kubectl refuse the file (json: unsupported value: +Inf); quote it if a string was meant",
        "7:33 error yaml-decode tracing/backends/0/conf/low: YAML 1.1 reads the plain scalar -.Inf as the float -Inf, which JSON cannot hold: kumactl and kubectl refuse the file (json: unsupported value: -Inf); quote it if a string was meant",
      ], parser);
      assert.equal(parsed.problems[0]?.identity?.name, "default", parser);
      // The broken document is not read (as a document with a syntax error); the next one is, its quoted ".nan" a string.
      assert.deepEqual(parsed.documents.map((d) => (d.value as { name?: unknown }).name), ["other"], parser);
      assert.equal((parsed.documents[0]?.value as { note?: unknown }).note, ".nan", parser);
    }
  });

  it("an integer beyond 2^53 that a JavaScript number cannot hold exactly is refused; one it holds exactly is read", () => {
    const text = ["type: Mesh", "name: default", "a: 9007199254740993", "b: 18446744073709551615", "c: -9007199254740993", "d: 9007199254740992", "e: 1e20", "f: 0x20000000000001", ""].join("\n");
    assertRefused(text, [
      "3:4 error yaml-decode a: the integer 9007199254740993 is beyond 2^53, where a JavaScript number cannot hold it: meshops would send 9007199254740992; write 9007199254740992, or quote it if a string was meant",
      "4:4 error yaml-decode b: the integer 18446744073709551615 is beyond 2^53, where a JavaScript number cannot hold it: meshops would send 18446744073709552000; write 18446744073709552000, or quote it if a string was meant",
      "5:4 error yaml-decode c: the integer -9007199254740993 is beyond 2^53, where a JavaScript number cannot hold it: meshops would send -9007199254740992; write -9007199254740992, or quote it if a string was meant",
      "8:4 error yaml-decode f: the integer 0x20000000000001 is beyond 2^53, where a JavaScript number cannot hold it: meshops would send 9007199254740992; write 9007199254740992, or quote it if a string was meant",
    ]);
    // Exact ones (2^53, a float written as a float) are read as they are.
    assert.deepEqual(parseYaml("d: 9007199254740992\ne: 1e20\n").documents[0]?.value, { d: 2 ** 53, e: 1e20 });
  });
});

describe("explicit tags as go-yaml v2 resolves them", () => {
  it("types a tagged scalar by go-yaml's rules, decodes !!binary, and keeps a timestamp's text", () => {
    const parsed = parseYaml(
      ["a: !!str 123", "b: !!int 0755", "c: !!int 1_000", "d: !!bool yes", "e: !!float 5", "f: !!null ~", "g: !!binary aGVsbG8=", 'h: !!int "5"', "i: !!timestamp 2024-01-02", "j: !!str", "k: ! 12", ""].join("\n"),
    );
    assert.deepEqual(parsed.problems, []);
    assert.deepStrictEqual(parsed.documents[0]?.value, { a: "123", b: 493, c: 1000, d: true, e: 5, f: null, g: "hello", h: 5, i: "2024-01-02", j: "", k: "12" });
    // !!float asks for a float64: go-yaml rounds an integer beyond 2^53 itself (float64(int)), as JavaScript does.
    const tagged = parseYaml("a: !!float 9007199254740993\n");
    assert.deepEqual([tagged.problems, tagged.documents[0]?.value], [[], { a: 9007199254740992 }]);
  });

  it("a tag its scalar does not resolve to, or !!binary that is not base64, is an error; a non-finite !!float too", () => {
    const parsed = parseYaml(["type: Mesh", "name: default", "a: !!int abc", "b: !!bool 5", "c: !!null foo", "d: !!binary '@@@'", "e: !!float .inf", "f: !!int 9007199254740993", ""].join("\n"));
    assert.deepEqual(summary(parsed), [
      "3:10 error yaml-decode a: cannot decode !!str `abc` as a !!int: kumactl and kubectl refuse the file (go-yaml v2)",
      "4:11 error yaml-decode b: cannot decode !!int `5` as a !!bool: kumactl and kubectl refuse the file (go-yaml v2)",
      "5:11 error yaml-decode c: cannot decode !!str `foo` as a !!null: kumactl and kubectl refuse the file (go-yaml v2)",
      "6:13 error yaml-decode d: !!binary value contains invalid base64 data: kumactl and kubectl refuse the file (go-yaml v2)",
      "7:12 error yaml-decode e: !!float .inf reads as the float +Inf, which JSON cannot hold: kumactl and kubectl refuse the file (json: unsupported value: +Inf); quote it if a string was meant",
      "8:10 error yaml-decode f: the integer 9007199254740993 is beyond 2^53, where a JavaScript number cannot hold it: meshops would send 9007199254740992; write 9007199254740992, or quote it if a string was meant",
    ]);
    assert.deepEqual(parsed.documents, []);
  });

  it("a local tag (a template's !vault, !Ref) is a warning: kumactl and kubectl send its text as it is", () => {
    const parsed = parseYaml(["type: Mesh", "name: default", "a: !vault secret/data/x", "b: !Ref {name: x}", ""].join("\n"));
    assert.deepEqual(summary(parsed), [
      "3:11 warning yaml-decode a: kumactl and kubectl ignore the tag !vault and send the value as written (a template left unrendered?)",
      "4:9 warning yaml-decode b: kumactl and kubectl ignore the tag !Ref and send the value as written (a template left unrendered?)",
    ]);
    assert.deepStrictEqual(parsed.documents[0]?.value, { type: "Mesh", name: "default", a: "secret/data/x", b: { name: "x" } });
  });
});

describe("mapping keys JSON cannot name", () => {
  it("a null key (~, null) or a collection key is an error where sigs.k8s.io/yaml and go-yaml refuse it; 1 and on are named", () => {
    const text = ["type: Mesh", "name: default", "labels:", "  ~: x", "  1: z", "  on: w", "annotations:", "  null: y", "? [a, b]", ": v", ""].join("\n");
    const parsed = parseYaml(text);
    assert.deepEqual(summary(parsed), [
      "4:3 error yaml-decode labels: a null mapping key (~): kumactl and kubectl refuse the file (sigs.k8s.io/yaml: unsupported map key of type: %!s(<nil>)); quote it if the text was meant",
      "8:3 error yaml-decode annotations: a null mapping key (null): kumactl and kubectl refuse the file (sigs.k8s.io/yaml: unsupported map key of type: %!s(<nil>)); quote it if the text was meant",
      "9:3 error yaml-decode : a sequence as a mapping key: kumactl and kubectl refuse the file (go-yaml v2: invalid map key)",
    ]);
    // The fast scanner reads the null keys (the collection key is beyond it) and finds the same.
    const fast = parseYaml(text.split("? [a, b]")[0] ?? "");
    assert.deepEqual(summary(fast), summary(parsed).slice(0, 2));
    assert.deepStrictEqual(parseYaml("labels: {1: z, on: w}\n").documents[0]?.value, { labels: { 1: "z", true: "w" } });
  });
});

describe("double-quoted escapes go-yaml v2's scanner refuses", () => {
  it("\\/ and a UTF-16 surrogate half (\\ud83d, even paired) are errors at the escape; \\U0001F600 and \\u00e9 are read", () => {
    const text = ["type: Mesh", "name: default", 'a: "x\\/api"', 'b: "\\ud83d\\ude00"', 'c: "\\U0001F600 \\u00e9 \\\\/"', 'd: {"\\/": 1}', ""].join("\n");
    assertRefused(text, [
      "3:6 error yaml-decode a: found unknown escape character \\/: kumactl and kubectl refuse the file (go-yaml v2); write / alone",
      "4:5 error yaml-decode b: found invalid Unicode character escape code \\ud83d (half of a UTF-16 surrogate pair): kumactl and kubectl refuse the file (go-yaml v2); write the character itself, or its \\U escape of eight hex digits",
      "6:6 error yaml-decode d: found unknown escape character \\/: kumactl and kubectl refuse the file (go-yaml v2); write / alone",
    ]);
    assert.deepStrictEqual(parseYaml('c: "\\U0001F600 \\u00e9 \\\\/"\n').documents[0]?.value, { c: "\u{1F600} \u00e9 \\/" });
  });

  it("\\' (a YAML 1.1 escape go-yaml v2 reads as ', which YAML 1.2 lacks) is read as ' by both parsers, on one line or folded over several", () => {
    const text = ["type: Mesh", "name: default", `a: "it\\'s"`, `b: "\\\\'"`, `c: "x \\'y\\'`, `  z"`, `d: {"k\\'": "\\\\\\'"}`, ""].join("\n");
    for (const [parser, parsed] of bothParsers(text)) {
      assert.deepEqual(summary(parsed), [], parser);
      const { anchored: _, ...value } = parsed.documents.at(-1)?.value as Record<string, unknown>;
      assert.deepStrictEqual(value, { type: "Mesh", name: "default", a: "it's", b: "\\'", c: "x 'y' z", d: { "k'": "\\'" } }, parser);
    }
  });
});

describe("YAML 1.1's other line breaks (NEL, LS, PS)", () => {
  it("a raw U+0085, U+2028 or U+2029 (a line break to go-yaml v2, a character to YAML 1.2) is an error where it is, comments included", () => {
    const text = ["type: Mesh", "name: default", 'a: "x\u2028y"', "b: x\u0085y", "# note\u2029more", ""].join("\n");
    assertRefused(text, [
      "3:6 error yaml-decode : a raw U+2028 (line separator) is a line break to go-yaml v2 (YAML 1.1), not to YAML 1.2: kumactl and kubectl would read another value, or refuse the file; write \\L inside double quotes, or remove it",
      "4:5 error yaml-decode : a raw U+0085 (next line) is a line break to go-yaml v2 (YAML 1.1), not to YAML 1.2: kumactl and kubectl would read another value, or refuse the file; write \\N inside double quotes, or remove it",
      "5:7 error yaml-decode : a raw U+2029 (paragraph separator) is a line break to go-yaml v2 (YAML 1.1), not to YAML 1.2: kumactl and kubectl would read another value, or refuse the file; write \\P inside double quotes, or remove it",
    ]);
    // Escaped, they are the characters to both.
    assert.deepStrictEqual(parseYaml('a: "x\\Ly\\Nz\\P"\n').documents[0]?.value, { a: "x\u2028y\u0085z\u2029" });
  });

  it("the writers escape them inside double quotes, so kumactl and kubectl read back the string meshops wrote", () => {
    const value = { k: "a\u2028b\u0085c\u2029d", ["x\u2028"]: 1 };
    const text = stringifyYaml(value);
    assert.equal(text, 'k: "a\\Lb\\Nc\\Pd"\n"x\\L": 1\n');
    assert.deepStrictEqual(parseYaml(text).documents[0]?.value, value);
  });
});

describe("characters go-yaml v2's reader refuses", () => {
  it("a raw control character (C0 but tab and line breaks, DEL, C1) or U+FFFE/U+FFFF anywhere is an error where it is", () => {
    const text = ["type: Mesh", "name: default", "a: x\u0001y", "b: 'x\u007fy'", 'c: "x\u009fy"', "d: x\uffffy # \u0002", "e: \"tab\tok\"", ""].join("\n");
    const controls = (code: string, line: number, column: number) =>
      `${line}:${column} error yaml-decode : a raw control character ${code}: go-yaml v2, the reader of kumactl and kubectl, refuses the file (control characters are not allowed); remove it, or escape it inside double quotes`;
    assertRefused(text, [controls("U+0001", 3, 5), controls("U+007F", 4, 6), controls("U+009F", 5, 6), controls("U+FFFF", 6, 5), controls("U+0002", 6, 10)]);
  });

  it("the writers escape them inside double quotes", () => {
    const value = { k: "a\u007fb\u0080c\ufffed\uffff", e: "\u0001" };
    const text = stringifyYaml(value);
    assert.equal(text, 'k: "a\\x7Fb\\x80c\\uFFFEd\\uFFFF"\ne: "\\x01"\n');
    assert.deepStrictEqual(parseYaml(text).documents[0]?.value, value);
  });
});

describe("integer mapping keys as sigs.k8s.io/yaml names them", () => {
  it("an int64 key is named exactly however large; a key beyond int64 (a uint64 to go-yaml) is refused, in either parser", () => {
    assert.equal(plainKeyText("9007199254740993"), "9007199254740993");
    assert.equal(plainKeyText("-9223372036854775808"), "-9223372036854775808");
    const text = ["type: Mesh", "name: default", "a:", "  9007199254740993: x", "  18446744073709551615: y", ""].join("\n");
    assertRefused(text, ["5:3 error yaml-decode a: the key 18446744073709551615 is beyond int64: kumactl and kubectl refuse the file (sigs.k8s.io/yaml: unsupported map key of type: uint64); quote it"]);
    assert.deepStrictEqual(parseYaml("a:\n  9007199254740993: x\n").documents[0]?.value, { a: { "9007199254740993": "x" } });
  });

  it("an empty key (`? ` alone) is a null key", () => {
    assert.deepEqual(summary(parseYaml("a:\n  ?\n  : x\n")), [
      "2:4 error yaml-decode a: a null mapping key (empty): kumactl and kubectl refuse the file (sigs.k8s.io/yaml: unsupported map key of type: %!s(<nil>)); quote it if the text was meant",
    ]);
  });
});

describe("a quoted scalar's or a flow collection's lines, which go-yaml v2 reads at any indentation", () => {
  // go-yaml v2's yaml_parser_scan_flow_scalar checks no indentation inside quotes (only a document marker at column 0
  // ends the stream); it folds the line breaks and drops each continuation line's leading blanks, wherever they start.
  it("a line indented less than its key, or not at all, continues the single- or double-quoted scalar", () => {
    const text = [
      "type: Mesh",
      "name: default",
      "a:",
      "  single: 'one",
      " two''s",
      "",
      "three'",
      "  double: \"x \\\"q\\\"",
      "y\\",
      "    z\"",
      "  after: .nan",
      "",
    ].join("\n");
    for (const [parser, parsed] of bothParsers(text)) {
      assert.deepEqual(summary(parsed), ["11:10 error yaml-decode a/after: YAML 1.1 reads the plain scalar .nan as the float NaN, which JSON cannot hold: kumactl and kubectl refuse the file (json: unsupported value: NaN); quote it if a string was meant"], parser);
    }
    const read = parseYaml(text.replace(".nan", "'.nan'"));
    assert.deepEqual(read.problems, []);
    assert.deepEqual(read.documents[0]?.value, { type: "Mesh", name: "default", a: { single: "one two's\nthree", double: 'x "q" yz', after: ".nan" } });
  });

  it(`at most ${MAX_REINDENTED_REGIONS} such regions a file are read so (each costs a parse); beyond, the yaml package's error stands`, () => {
    const region = (k: number) => [`  k${k}: 'a`, `b'`];
    const text = (regions: number) => ["type: Mesh", "name: default", "a:", ...Array.from({ length: regions }, (_, k) => region(k)).flat(), ""].join("\n");
    const read = parseYaml(text(MAX_REINDENTED_REGIONS));
    assert.deepEqual(read.problems, []);
    assert.equal((read.documents[0]?.value as { a: Record<string, string> }).a[`k${MAX_REINDENTED_REGIONS - 1}`], "a b");
    const beyond = parseYaml(text(MAX_REINDENTED_REGIONS + 1));
    assert.deepEqual(beyond.documents, []);
    assert.equal(beyond.problems[0]?.rule, "yaml-syntax");
    assert.equal(beyond.problems[0]?.line, 4 + 2 * MAX_REINDENTED_REGIONS, JSON.stringify(beyond.problems[0]));
  });

  it("so is a flow collection's line indented less than its key (JSON written into YAML), comments and quotes inside", () => {
    const text = [
      "type: Mesh",
      "name: default",
      "a:",
      "  map: { # written as JSON",
      "  \"x\": 1, 'y': \"it's\",",
      "b: [1,",
      "  2]}",
      "  seq: [one,",
      "two]",
      "  after: .nan",
      "",
    ].join("\n");
    for (const [parser, parsed] of bothParsers(text)) {
      assert.deepEqual(summary(parsed), ["10:10 error yaml-decode a/after: YAML 1.1 reads the plain scalar .nan as the float NaN, which JSON cannot hold: kumactl and kubectl refuse the file (json: unsupported value: NaN); quote it if a string was meant"], parser);
    }
    const read = parseYaml(text.replace(".nan", "'.nan'"));
    assert.deepEqual(read.problems, []);
    assert.deepEqual(read.documents[0]?.value, { type: "Mesh", name: "default", a: { map: { x: 1, y: "it's", b: [1, 2] }, seq: ["one", "two"], after: ".nan" } });
    // A collection go-yaml cannot close either stays a syntax error.
    assert.ok(parseYaml("a:\n  b: {\n  c: 1\n  ]\n").problems.some((p) => p.rule === "yaml-syntax"));
  });

  it("Kong's documented ContainerPatch, whose closing line is indented less than its key, is read as kubectl reads it", () => {
    const parsed = parseYaml(kongDocs("container-patch-reuse-port.yaml"));
    assert.deepEqual(parsed.problems, []);
    const value = parsed.documents[0]?.value as { spec: { sidecarPatch: { value: string }[] } };
    assert.equal(value.spec.sidecarPatch[0]?.value, '{ \\"name\\": \\"KUMA_DATAPLANE_RUNTIME_REUSE_PORT_ENABLED\\", \\"value\\": \\"false\\" }');
  });

  it("a document marker at column 0 inside the quotes, or no closing quote, is still a syntax error", () => {
    for (const text of ["a:\n  b: 'one\n---\ntwo'\n", "a:\n  b: \"one\n...\ntwo\"\n", "a:\n  b: 'one\n two\n"]) {
      const parsed = parseYaml(text);
      assert.deepEqual(parsed.documents.filter((d) => (d.value as { a?: unknown }).a !== undefined), [], text);
      assert.ok(parsed.problems.some((p) => p.rule === "yaml-syntax"), text);
    }
  });
});

describe("meshops validate and render (processes, on a real Git repository)", () => {
  it("Kong's documented ContainerPatch validates; a problem after its under-indented quoted scalar is at its own line", async () => {
    const patch = kongDocs("container-patch-reuse-port.yaml");
    const dir = committedRepo({ "mesh.yaml": "type: Mesh\nname: default\n", "patch.yaml": patch }, cleanups);
    const run = await runCli(["validate"], dir);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /✓ valid: 0 errors, 0 warnings; 1 resource in 2 files at \w+; 1 document of other kinds skipped/);
    commitFiles(dir, { "patch.yaml": `${patch}  - op: bogus\n    path: /env/-\n    value: '{}'\n` });
    const broken = await runCli(["validate"], dir);
    assert.equal(broken.code, 1, broken.stdout + broken.stderr);
    assert.match(broken.stdout, /^patch\.yaml:14:5: error: ContainerPatch\/kuma-system\/disable-reuse-port spec\.sidecarPatch\[1\]\.op: unsupported value: must be one of /m);
    assert.doesNotMatch(broken.stdout, /yaml-syntax/);
  });

  it("a .nan on a typed field, a .inf in a free-form one, an integer beyond 2^53 and a null label key are one yaml-decode error each; render sends nothing", async () => {
    const dir = committedRepo(
      {
        "mesh.yaml": [
          "type: Mesh",
          "name: default",
          "tracing:",
          "  backends:",
          "    - name: zipkin",
          "      type: zipkin",
          "      sampling: .nan",
          "      conf: {url: 'http://zipkin:9411/api/v2/spans'}",
          "",
        ].join("\n"),
        "k8s.yaml": ["apiVersion: kuma.io/v1alpha1", "kind: MeshTimeout", "metadata:", "  name: t", "  namespace: kuma-system", "  labels:", "    kuma.io/mesh: default", "    ~: x", "spec:", "  targetRef: {kind: Mesh}", ""].join("\n"),
        "patch.yaml": [
          "type: MeshProxyPatch",
          "name: pp",
          "mesh: default",
          "spec:",
          "  targetRef: {kind: Mesh}",
          "  default:",
          "    appendModifications:",
          "      - cluster:",
          "          operation: Patch",
          "          match: {name: foo}",
          "          jsonPatches:",
          "            - {op: replace, path: /connectTimeout, value: -.inf}",
          "            - {op: replace, path: /x, value: 9007199254740993}",
          "",
        ].join("\n"),
      },
      cleanups,
    );
    const run = await runCli(["validate", "--format", "json"], dir);
    assert.equal(run.code, 1, run.stderr);
    const report = JSON.parse(run.stdout) as { diagnostics: { severity: string; file: string; line: number; column: number; resource: string; path: string; message: string; rule: string }[] };
    assert.deepEqual(
      report.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.file}:${d.line}:${d.column} ${d.resource} ${d.path} [${d.rule}]`),
      [
        "k8s.yaml:8:5 MeshTimeout/default/t.kuma-system metadata.labels [yaml-decode]",
        "mesh.yaml:7:17 Mesh/default tracing.backends[0].sampling [yaml-decode]",
        "patch.yaml:12:59 MeshProxyPatch/default/pp spec.default.appendModifications[0].cluster.jsonPatches[0].value [yaml-decode]",
        "patch.yaml:13:46 MeshProxyPatch/default/pp spec.default.appendModifications[0].cluster.jsonPatches[1].value [yaml-decode]",
      ],
      run.stdout,
    );
    assert.ok(!run.stdout.includes('must be of type number: \\"number\\"'), run.stdout);
    const render = await runCli(["render", "--format", "json"], dir);
    assert.equal(render.code, 1, render.stdout);
    assert.ok(!/"value": null|9007199254740992/.test(render.stdout), render.stdout);
  });
});
