/**
 * Large JSON documents written and read a line at a time (util/jsonLines.ts, backend/local/journal.ts
 * readJsonLinesFile): the layout is still one JSON document, every line of it parses on its own, and a file laid out
 * otherwise is read whole. Real files in a temporary directory, across the reader's 1 MiB chunks.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { after, test } from "node:test";
import { readJsonLinesFile } from "../src/backend/local/journal.js";
import { JsonLinesParser, jsonLinesText, NotJsonLines } from "../src/util/jsonLines.js";
import { tempDir } from "./helpers/git.js";

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((c) => c()));
const dir = tempDir("meshops-jsonlines-", cleanups);

/** Small fields of every JSON kind (a string with newlines and non-ASCII), lists empty, short and of many pieces. */
const DOCUMENT = {
  format: "test/v1",
  note: "two\nlines, \"quoted\", ünïcødé ✓ and \u2028",
  count: 3,
  nested: { a: [1, { b: null }], c: true },
  empty: [] as unknown[],
  one: [{ name: "only" }],
  many: Array.from({ length: 1_000 }, (_, i) => ({ name: `item-${i}`, text: "é".repeat(i % 7), list: [i, `${i}\n`] })),
  after: "a small field after the lists in key order",
};
const LISTS = ["empty", "one", "many"];

function parseByLine(text: string): Record<string, unknown> {
  const parser = new JsonLinesParser();
  for (const line of text.split("\n").slice(0, -1)) parser.line(line);
  return parser.result();
}

test("the layout is one JSON document, every line of which parses on its own, and a line at a time gives the same value", () => {
  const text = [...jsonLinesText(DOCUMENT, LISTS)].join("");
  assert.deepEqual(JSON.parse(text), DOCUMENT);
  assert.deepEqual(parseByLine(text), DOCUMENT);
  const lines = text.split("\n").slice(0, -1);
  // Small fields first (on the line that opens the first list), one item per line, each list closed on a line of its own.
  assert.equal(lines.length, 1 + 0 + 1 + 1 + 1 + 1_000 + 1);
  assert.ok(lines[0]?.startsWith('{"format":"test/v1",') && lines[0].endsWith('"after":"a small field after the lists in key order","empty":['), lines[0]);
  assert.deepEqual(lines.slice(1, 3), ['],"one":[', '{"name":"only"}']);
  for (const line of lines.slice(4, -1)) assert.ok(JSON.parse(line.replace(/,$/, "")), line);
  assert.equal(lines.at(-1), "]}");
});

test("a document without lists is one line; with only empty lists, still opened and closed", () => {
  assert.deepEqual([...jsonLinesText({ a: 1, b: "x" }, ["missing"])], ['{"a":1,"b":"x"}\n']);
  const text = [...jsonLinesText({ list: [] }, ["list"])].join("");
  assert.equal(text, '{"list":[\n]}\n');
  assert.deepEqual(parseByLine(text), { list: [] });
});

test("a document laid out otherwise is not taken for the layout: the reader parses it whole", () => {
  const pretty = JSON.stringify(DOCUMENT, null, 2);
  assert.throws(() => parseByLine(`${pretty}\n`), NotJsonLines);
  assert.throws(() => parseByLine('{"a":[\n1,\n2\n'), NotJsonLines, "a document that does not end");
  assert.throws(() => parseByLine('{"a":[\n1,\n]}\n{"b":2}\n'), NotJsonLines, "text after the end");
  assert.throws(() => parseByLine('{"a":[\n1,\n{"broken": \n]}\n'), /line 3/);
});

test("readJsonLinesFile: across 1 MiB chunks (multi-byte characters on the boundaries), a file laid out otherwise, a damaged one, none", async () => {
  // About 5 MiB of lines of varying length, so that chunk boundaries fall inside lines and inside characters.
  const big = { format: "big", items: Array.from({ length: 20_000 }, (_, i) => ({ i, text: "ü✓".repeat(40 + (i % 61)) })) };
  const laidOut = path.join(dir, "big.json");
  writeFileSync(laidOut, [...jsonLinesText(big, ["items"])].join(""));
  const read = await readJsonLinesFile(laidOut);
  assert.deepEqual(read?.value, big);
  assert.equal(read?.bytes, Buffer.byteLength([...jsonLinesText(big, ["items"])].join("")));

  const pretty = path.join(dir, "pretty.json");
  writeFileSync(pretty, JSON.stringify(DOCUMENT, null, 2));
  assert.deepEqual((await readJsonLinesFile(pretty))?.value, DOCUMENT);

  const damaged = path.join(dir, "damaged.json");
  writeFileSync(damaged, [...jsonLinesText(DOCUMENT, LISTS)].join("").replace('"item-500"', '"item-500'));
  await assert.rejects(readJsonLinesFile(damaged), SyntaxError);

  assert.equal(await readJsonLinesFile(path.join(dir, "none.json")), undefined);
});
