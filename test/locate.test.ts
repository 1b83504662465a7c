/**
 * The locator's fast path (positions from the fast scanner's recorded entry offsets) against its full path (the yaml
 * package's CST): for every document of every YAML file in sample-repo and the test fixtures that the fast scanner
 * accepts, every field path (existing, partly existing, dotted keys) must land on the same line and column.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import type { JsonValue } from "../src/model/resource.js";
import { parseDocumentsFast } from "../src/parse/fastYaml.js";
import type { PathSegments } from "../src/model/fieldPath.js";
import { Locator } from "../src/parse/locate.js";
import { parseYaml } from "../src/parse/documents.js";
import { parseAllDocuments } from "yaml";
import { projectRoot } from "./helpers/git.js";

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return yamlFiles(full);
    return /\.ya?ml$/i.test(name) ? [full] : [];
  });
}

/** Every path into a value, plus paths that leave it (a missing key, an index past the end, a step into a scalar). */
function pathsOf(value: JsonValue, prefix: PathSegments = []): PathSegments[] {
  const out: PathSegments[] = [prefix, [...prefix, "no-such-key"], [...prefix, 999]];
  if (Array.isArray(value)) value.forEach((item, i) => out.push(...pathsOf(item, [...prefix, i])));
  else if (typeof value === "object" && value !== null) {
    // As reported paths are parsed: a key with dots (`kuma.io/mesh`) arrives as several segments.
    for (const [key, child] of Object.entries(value)) out.push(...pathsOf(child, [...prefix, ...key.split(".")]));
  }
  return out;
}

const files = [...yamlFiles(path.join(projectRoot, "sample-repo")), ...yamlFiles(path.join(projectRoot, "test/fixtures"))];

test("the fast locator agrees with the full parser on every field of every fast-parsed file", () => {
  let compared = 0;
  let fastFiles = 0;
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    const documents = parseDocumentsFast(text);
    if (!documents) continue;
    fastFiles++;
    const fast = new Locator(() => text);
    const full = new Locator(() => text, false);
    documents.forEach((doc, index) => {
      for (const segments of pathsOf(doc.value)) {
        const where = `${path.relative(projectRoot, file)} #${index} ${JSON.stringify(segments)}`;
        assert.deepEqual(fast.locate("f", index, segments), full.locate("f", index, segments), where);
        compared++;
      }
    });
  }
  assert.ok(fastFiles >= 50, `fast-parsed files: ${fastFiles}`);
  assert.ok(compared >= 5_000, `paths compared: ${compared}`);
});

test("flow collections, compact sequence items, nested sequences and a byte order mark", () => {
  const texts = [
    "type: MeshTimeout\nspec:\n  targetRef: {kind: MeshService, name: web}\n  to:\n    - targetRef: {kind: Mesh}\n      default: {connectionTimeout: 2s}\n",
    "a:\n- - x\n  - y\n-\n  b: 1\nlist: [1, two, \"three\"]\n",
    "\uFEFFkey: value\nother:\n  - 1\n  -\n    - nested\n",
    "first: 1\n---\nsecond:\n  deep:\n    deeper: [a, b]\n...\n",
    "crlf: 1\r\nnext:\r\n  - item\r\n",
    "items:\n  - [a, b]\n  - {k: v, l: w}\n  -\n    - - deep\n      - er\n  - key: 1\n    other: {x: y}\nlast: 2\n",
    // Integer-like keys: JavaScript enumerates them first, so the locator reads the file with the full parser.
    "codes:\n  b: 1\n  200: ok\n  a: [x]\n  404: missing\nafter: {k: 1}\n",
  ];
  for (const text of texts) {
    const documents = parseDocumentsFast(text);
    assert.ok(documents, JSON.stringify(text));
    assertSamePositions(new Locator(() => text), new Locator(() => text, false), text, documents.map((doc) => doc.value));
  }
});

/** Both locators put every path into each document's value (null: the document is not read) at the same place. */
function assertSamePositions(a: Locator, b: Locator, text: string, values: readonly JsonValue[]): void {
  values.forEach((value, index) => {
    for (const segments of pathsOf(value)) {
      assert.deepEqual(a.locate("f", index, segments), b.locate("f", index, segments), `${JSON.stringify(text)} #${index} ${JSON.stringify(segments)}`);
    }
  });
}

test("a file the fast scanner does not read is located from the parse that read it: the same positions, no second parse", () => {
  const texts = [
    // A block scalar with an indentation indicator, an anchor and its alias, a quoted scalar go-yaml reads across a
    // short line (indented before parsing: positions are into that text), and a document with a syntax error beside
    // a good one.
    "type: MeshOPA\nname: opa\nspec:\n  default:\n    appendPolicies:\n      - rego:\n          inlineString: |2\n            package envoy.authz\n            default allow = true\n  targetRef:\n    kind: Mesh\n",
    "base: &base\n  idleTimeout: 1s\nuse:\n  <<: *base\n  other: [a, b]\n",
    "type: MeshProxyPatch\nspec:\n  value: '{\n  \"k\": 1\n}'\n  after: 2\n",
    "key: [unclosed\n---\ntype: MeshTimeout\nname: t\nspec:\n  targetRef:\n    kind: Mesh\n",
  ];
  for (const text of texts) {
    const parsed = parseYaml(text);
    assert.equal(parsed.fast, undefined, `the full parser reads ${JSON.stringify(text)}`);
    const handedOver = new Locator(() => assert.fail(`read again: ${JSON.stringify(text)}`));
    handedOver.remember("f", text, parsed);
    const values = parseAllDocuments(text).map((doc) => (doc.errors.length === 0 ? doc.toJS() : null) as JsonValue);
    assertSamePositions(handedOver, new Locator(() => text), text, values);
  }
});
