/**
 * Plain scalars read as Kuma's readers read them: `kumactl apply` and `kubectl apply` turn YAML into JSON with
 * sigs.k8s.io/yaml, whose go-yaml v2 resolves plain scalars with YAML 1.1 rules. The rules themselves (a table written
 * from go-yaml v2's resolve.go and Go's strconv), both parsers on them, `meshops validate` as a process on both shapes,
 * and the writers (render, hydrate's manifests, export) quoting strings YAML 1.1 would read as something else.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { after, describe, it } from "node:test";
import { exportRepository } from "../src/export/repository.js";
import type { JsonObject } from "../src/model/resource.js";
import { parseDocumentsFast } from "../src/parse/fastYaml.js";
import { parseYaml, parseYamlFully } from "../src/parse/documents.js";
import { plainKeyText, readsBackAsString, resolvePlain, stringifyYaml } from "../src/parse/yaml11.js";
import { spawnCli } from "./helpers/cli.js";
import { commitFiles, commitFolder, projectRoot, tempRepo } from "./helpers/git.js";

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((cleanup) => cleanup()));

/** [plain scalar, what go-yaml v2 (through sigs.k8s.io/yaml's JSON) makes of it]. */
const RESOLVED: readonly [string, unknown][] = [
  // booleans: YAML 1.1's words, in the three spellings go-yaml knows
  ...["y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "true", "True", "TRUE"].map((s) => [s, true] as [string, unknown]),
  ...["n", "N", "no", "No", "NO", "off", "Off", "OFF", "false", "False", "FALSE"].map((s) => [s, false] as [string, unknown]),
  ...["yEs", "oN", "ofF", "Y!", "yes-please", "onion", "nope", "tRUE"].map((s) => [s, s] as [string, unknown]),
  // null
  ["~", null],
  ["null", null],
  ["Null", null],
  ["NULL", null],
  ["nULL", "nULL"],
  // integers: strconv.ParseInt(s without "_", 0, 64), then ParseUint
  ["0", 0],
  ["-0", 0],
  ["+12", 12],
  ["0755", 493],
  ["0o17", 15],
  ["0O17", 15],
  ["0x1F", 31],
  ["0X1f", 31],
  ["-0x1F", -31],
  ["+0x1F", 31],
  ["0b101", 5],
  ["0B11", 3],
  ["-0b11", -3],
  ["1_000", 1000],
  ["1__0", 10],
  ["1_", 1],
  ["-1_0", -10],
  ["18446744073709551615", 2 ** 64], // ParseUint; a double here, as every number
  // floats: go-yaml's yamlStyleFloat, then ParseFloat
  ["08", 8],
  ["09.5", 9.5],
  ["1.5", 1.5],
  ["1.", 1],
  [".5", 0.5],
  ["+.5", 0.5],
  ["1e3", 1000],
  ["-1.5e-3", -0.0015],
  ["1_0.5", 10.5],
  ["1e999", "1e999"],
  [".inf", Infinity],
  ["-.Inf", -Infinity],
  ["+.INF", Infinity],
  [".nan", NaN],
  // strings
  ["0x", "0x"],
  ["0b", "0b"],
  ["0b102", "0b102"],
  ["0xFFFFFFFFFFFFFFFFF", "0xFFFFFFFFFFFFFFFFF"],
  ["-", "-"],
  ["_1", "_1"],
  ["1e", "1e"],
  [".5_0", ".5_0"],
  ["+.nan", "+.nan"],
  ["12:30", "12:30"],
  ["5s", "5s"],
  ["2024-01-02", "2024-01-02"], // a timestamp to go-yaml, whose decoder keeps the text in an interface{}
  ["2024-01-02T10:00:00Z", "2024-01-02T10:00:00Z"],
  ["<<", "<<"],
];

describe("plain scalars typed as go-yaml v2 types them", () => {
  it("resolves booleans, nulls, integers (octal, hex, binary, underscores) and floats as YAML 1.1 does", () => {
    for (const [plain, expected] of RESOLVED) assert.deepStrictEqual(resolvePlain(plain), expected, `resolvePlain(${JSON.stringify(plain)})`);
  });

  it("names mapping keys as sigs.k8s.io/yaml names JSON properties", () => {
    const keys: [string, string][] = [
      ["on", "true"],
      ["n", "false"],
      ["0x10", "16"],
      ["0755", "493"],
      ["1e3", "1000"],
      ["1e6", "1e+06"],
      ["1.5", "1.5"],
      ["0.1", "0.1"],
      ["1e-5", "1e-05"],
      [".inf", ".inf"],
      ["~", ""],
      ["name", "name"],
    ];
    for (const [plain, expected] of keys) assert.equal(plainKeyText(plain), expected, `plainKeyText(${JSON.stringify(plain)})`);
  });

  it("types a plain scalar the same in the fast scanner and the full parser, and never a quoted or tagged one", () => {
    const text = [
      "a: on",
      "b: 'on'",
      'c: "0755"',
      "d: 0755",
      "e: [yes, 'no', 0b11, ~]",
      "f: {y: n}",
      "g: !!str off",
      "on: key",
      "",
    ].join("\n");
    const expected = { a: true, b: "on", c: "0755", d: 493, e: [true, "no", 3, null], f: { true: false }, g: "off", true: "key" };
    const fast = parseDocumentsFast(text.replace("g: !!str off\n", ""));
    assert.ok(fast, "the fast scanner takes the text without its tag");
    assert.deepStrictEqual(fast[0]?.value, withoutKey(expected, "g"));
    assert.deepStrictEqual(parseYamlFully(text).documents[0]?.value, expected);
    // Anchors send a file to the full parser: an aliased plain scalar is typed the same.
    assert.deepStrictEqual(parseYaml("a: &x yes\nb: *x\n").documents[0]?.value, { a: true, b: true });
  });
});

function withoutKey(object: Record<string, unknown>, key: string): Record<string, unknown> {
  const copy = { ...object };
  delete copy[key];
  return copy;
}

describe("writing YAML Kuma's readers read back", () => {
  it("quotes every string YAML 1.1 would read as something else, and only those change from the yaml package's text", () => {
    const tricky = ["yes", "No", "on", "OFF", "y", "n", "0o17", "0B11", "0XFF", "1_000", "0b101", "08", "+0x1F", "-0b11", "1__0", "1_0.5", "-1_0", "1_"];
    for (const s of tricky) {
      const text = stringifyYaml({ k: s });
      assert.match(text, /^k: "/, `${JSON.stringify(s)} is quoted: ${text}`);
      assert.deepStrictEqual(parseYaml(text).documents[0]?.value, { k: s }, `${JSON.stringify(s)} reads back`);
    }
    // Keys too, and strings that read back as themselves stay plain.
    assert.equal(stringifyYaml({ on: "5s", mesh: "default", path: "/on" }), '"on": 5s\nmesh: default\npath: /on\n');
    for (const s of ["5s", "default", "kuma-system", "/on", "onion", "a b"]) assert.ok(readsBackAsString(s), s);
  });
});

describe("export writes what kumactl and kubectl read back", () => {
  it("a label value or spec string YAML 1.1 would type is quoted in both shapes, and reads back as the string", () => {
    const live: JsonObject[] = [
      { type: "Mesh", name: "shop" },
      { type: "MeshTimeout", mesh: "shop", name: "api", labels: { team: "on", release: "0o17" }, spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "MeshService", name: "y" }, default: { idleTimeout: "5s" } }] } },
    ];
    for (const shape of ["universal", "kubernetes"] as const) {
      const { files } = exportRepository(live, { info: { product: "Kuma", version: "2.14.3" }, unreadKinds: new Map() }, { layout: "flat", shape, instance: "meshops", adopt: false });
      const text = [...files.entries()].find(([file]) => file !== "meshops.yaml")?.[1] ?? "";
      for (const line of ['team: "on"', 'release: "0o17"', 'name: "y"', "idleTimeout: 5s"]) assert.ok(text.includes(line), `${shape} export writes ${line}:\n${text}`);
      const timeout = parseYaml(text).documents.map((d) => JSON.stringify(d.value)).find((json) => json.includes('"api"')) ?? "";
      assert.ok(timeout.includes('"team":"on"') && timeout.includes('"release":"0o17"') && timeout.includes('"name":"y"'), `${shape}: ${timeout}`);
    }
  });
});

describe("meshops validate and render (processes, on real Git repositories)", () => {
  const fixtures = path.join(projectRoot, "test", "fixtures", "yaml11");

  function repo(files: Record<string, string> = {}): string {
    const r = tempRepo("meshops-yaml11-");
    cleanups.push(r.cleanup);
    commitFolder(r.dir, fixtures);
    if (Object.keys(files).length > 0) commitFiles(r.dir, files);
    return r.dir;
  }

  /** `meshops validate` as a process: its output, and the error lines (each names file:line, resource, field, rule). */
  async function validate(dir: string): Promise<{ stdout: string; errors: string[] }> {
    const run = await spawnCli(["validate"], dir).exit(60_000);
    assert.equal(run.code, 1, run.stderr);
    return { stdout: run.stdout, errors: run.stdout.split("\n").filter((line) => line.includes(": error: ")) };
  }

  it("accepts yes/no/on/off on boolean fields and 0x3, 0b1, 1_0 on integer fields; on, off and 0755 on string fields are one-line errors", async () => {
    const { stdout, errors } = await validate(repo());
    assert.deepEqual(errors, [
      'kubernetes/policies.yaml:19:11: error: MeshHealthCheck/default/checks.kuma-system spec.to[0].default.http.path: in body must be of type string: "boolean"; YAML 1.1 reads the plain scalar off as a boolean (false): quote it [schema]',
      'universal/policies.yaml:21:3: error: MeshHealthCheck/default/checks labels.team: in body must be of type string: "boolean"; YAML 1.1 reads the plain scalar on as a boolean (true): quote it [schema]',
      'universal/policies.yaml:33:11: error: MeshHealthCheck/default/checks spec.to[0].default.http.path: in body must be of type string: "number"; YAML 1.1 reads the plain scalar 0755 as the number 493: quote it [schema]',
    ]);
    assert.match(stdout, /✗ invalid: 3 errors, 0 warnings; 4 resources in 2 files/);
  });

  it("a mesh or name YAML 1.1 reads as a boolean is an error, not mesh default", async () => {
    const dir = repo({
      "universal/policies.yaml": "type: MeshTimeout\nname: yes\nmesh: default\nspec:\n  targetRef: {kind: Mesh}\n---\ntype: MeshTimeout\nname: t\nmesh: on\nspec:\n  targetRef: {kind: Mesh}\n",
      "kubernetes/policies.yaml": "apiVersion: kuma.io/v1alpha1\nkind: MeshTimeout\nmetadata:\n  name: t\n  namespace: kuma-system\n  labels:\n    kuma.io/mesh: no\nspec:\n  targetRef: {kind: Mesh}\n",
    });
    assert.deepEqual((await validate(dir)).errors, [
      'kubernetes/policies.yaml:7:5: error: MeshTimeout/default/t.kuma-system metadata.labels["kuma.io/mesh"]: the kuma.io/mesh label must be a mesh name, found false; YAML 1.1 reads the plain scalar no as a boolean (false): quote it [labels]',
      `universal/policies.yaml:2:1: error: MeshTimeout/default/ name: a MeshTimeout's name must be a string, found true: kumactl refuses the document (invalid meta type: "json: cannot unmarshal bool into Go struct field ResourceMeta.name of type string"); YAML 1.1 reads the plain scalar yes as a boolean (true): quote it [missing-name]`,
      "universal/policies.yaml:9:1: error: MeshTimeout/default/t mesh: mesh must be a mesh name, found true; YAML 1.1 reads the plain scalar on as a boolean (true): quote it [schema]",
    ]);
  });

  it("meshops.yaml is YAML 1.2: a yes on a boolean setting is a string there, and the error says what to write", async () => {
    const { stdout } = await validate(repo({ "meshops.yaml": "prune: {enabled: yes}\n" }));
    assert.ok(stdout.includes('meshops.yaml:1:9: error: prune.enabled: must be boolean, found a string ("yes"); meshops.yaml is read as YAML 1.2, where yes is a string: write true [config]'), stdout);
  });

  it("render quotes label values YAML 1.1 would read as booleans or numbers; meshops.yaml is read as YAML 1.2 (instance: on is the string on)", async () => {
    const dir = repo({
      "meshops.yaml": "instance: on\n",
      "universal/policies.yaml": [
        "type: MeshTimeout",
        "name: t",
        "mesh: default",
        "labels: {team: 'yes', code: '0o17', size: '1_000', plain: default}",
        "spec:",
        "  targetRef: {kind: Mesh}",
        "  to:",
        "    - targetRef: {kind: Mesh}",
        "      default: {idleTimeout: 5s}",
        "",
      ].join("\n"),
      "kubernetes/policies.yaml": "",
    });
    for (const format of ["yaml", "kubernetes"]) {
      const run = await spawnCli(["render", "--format", format], dir).exit(60_000);
      assert.equal(run.code, 0, run.stderr);
      for (const line of ['team: "yes"', 'code: "0o17"', 'size: "1_000"', "plain: default", 'meshops.io/managed-by: "on"']) {
        assert.ok(run.stdout.includes(line), `render --format ${format} writes ${line}:\n${run.stdout}`);
      }
      type Rendered = { name?: string; labels?: Record<string, unknown>; metadata?: { name?: string; labels?: Record<string, unknown> } };
      const timeout = parseYaml(run.stdout).documents.map((d) => d.value as Rendered).find((v) => v.name === "t" || v.metadata?.name === "t");
      const labels = timeout?.labels ?? timeout?.metadata?.labels;
      assert.deepEqual({ team: labels?.team, code: labels?.code, size: labels?.size, owner: labels?.["meshops.io/managed-by"] }, { team: "yes", code: "0o17", size: "1_000", owner: "on" });
    }
  });
});
