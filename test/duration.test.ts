/**
 * Go `time.ParseDuration` / `Duration.String()` semantics. Expected values are what Go 1.22 prints for the same input.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { formatGoDuration, goDurationError, parseGoDuration, parseGoDurationDetailed } from "../src/kuma/duration.js";
import { FORMATS } from "../src/validate/formats.js";

const NS = 1;
const US = 1000 * NS;
const MS = 1000 * US;
const S = 1000 * MS;
const M = 60 * S;
const H = 60 * M;

describe("parseGoDuration", () => {
  const valid: [string, number][] = [
    ["0", 0],
    ["+0", 0],
    ["-0", 0],
    ["0s", 0],
    ["5s", 5 * S],
    ["30s", 30 * S],
    ["1478s", 1478 * S],
    ["-5s", -5 * S],
    ["+5s", 5 * S],
    ["-0s", 0],
    ["5.0s", 5 * S],
    ["5.6s", 5 * S + 600 * MS],
    ["5.s", 5 * S],
    [".5s", 500 * MS],
    ["1.0s", 1 * S],
    ["1.00s", 1 * S],
    ["1.004s", 1 * S + 4 * MS],
    ["1.0040s", 1 * S + 4 * MS],
    ["100.00100s", 100 * S + 1 * MS],
    ["10ns", 10 * NS],
    ["11us", 11 * US],
    ["12µs", 12 * US],
    ["12μs", 12 * US],
    ["13ms", 13 * MS],
    ["14s", 14 * S],
    ["15m", 15 * M],
    ["16h", 16 * H],
    ["3h30m", 3 * H + 30 * M],
    ["10.5s4m", 4 * M + 10 * S + 500 * MS],
    ["-2m3.4s", -(2 * M + 3 * S + 400 * MS)],
    ["1h2m3s4ms5us6ns", 1 * H + 2 * M + 3 * S + 4 * MS + 5 * US + 6 * NS],
    ["39h9m14.425s", 39 * H + 9 * M + 14 * S + 425 * MS],
    ["52763797000ns", 52763797000 * NS],
    ["0.3333333333333333333h", 20 * M],
    ["1h0m0s", H],
    ["60m", H],
    ["2h0m0s", 2 * H],
    ["0.1ns", 0],
    ["1.5h", 90 * M],
  ];
  for (const [text, ns] of valid) {
    test(`${JSON.stringify(text)} is ${ns}ns`, () => {
      assert.equal(parseGoDuration(text), ns);
      assert.equal(goDurationError(text), undefined);
    });
  }

  test("the largest and smallest int64 durations parse exactly, one more overflows", () => {
    const exact = (text: string): bigint | undefined => {
      const parsed = parseGoDurationDetailed(text);
      return parsed.ok ? parsed.nanoseconds : undefined;
    };
    assert.equal(exact("9223372036854775807ns"), 9223372036854775807n);
    assert.equal(exact("-9223372036854775808ns"), -9223372036854775808n);
    assert.equal(exact("2562047h47m16.854775807s"), 9223372036854775807n);
    assert.equal(exact("9223372036854775808ns"), undefined);
    assert.equal(exact("2562048h"), undefined);
    // Beyond 2^53 the number result is the nearest double.
    assert.equal(parseGoDuration("9223372036854775807ns"), Number(9223372036854775807n));
  });

  const invalid: [string, string][] = [
    ["", 'time: invalid duration ""'],
    ["3", 'time: missing unit in duration "3"'],
    ["-", 'time: invalid duration "-"'],
    ["s", 'time: invalid duration "s"'],
    [".", 'time: invalid duration "."'],
    ["-.", 'time: invalid duration "-."'],
    [".s", 'time: invalid duration ".s"'],
    ["+.s", 'time: invalid duration "+.s"'],
    ["1d", 'time: unknown unit "d" in duration "1d"'],
    ["5 s", 'time: unknown unit " s" in duration "5 s"'],
    [" 5s", 'time: invalid duration " 5s"'],
    ["5s ", 'time: unknown unit "s " in duration "5s "'],
    ["1.2.3s", 'time: missing unit in duration "1.2.3s"'],
    ["1S", 'time: unknown unit "S" in duration "1S"'],
    ["10 seconds", 'time: unknown unit " seconds" in duration "10 seconds"'],
    ["--5s", 'time: invalid duration "--5s"'],
    ["5s-3m", 'time: unknown unit "s-" in duration "5s-3m"'],
    ["3000000h", 'time: invalid duration "3000000h"'],
    ["9223372036854775810ns", 'time: invalid duration "9223372036854775810ns"'],
    ['1"s', 'time: unknown unit "\\"s" in duration "1\\"s"'],
    // The time package quotes with its own quote(): a byte that is not printable ASCII is \xNN, not strconv.Quote's form.
    ["5\u00e9", 'time: unknown unit "\\xc3\\xa9" in duration "5\\xc3\\xa9"'],
    ["1\th", 'time: unknown unit "\\x09h" in duration "1\\x09h"'],
    ["\u00a05s", 'time: invalid duration "\\xc2\\xa05s"'],
    ["1\\s", 'time: unknown unit "\\\\s" in duration "1\\\\s"'],
  ];
  for (const [text, error] of invalid) {
    test(`${JSON.stringify(text)} is rejected`, () => {
      assert.equal(parseGoDuration(text), undefined);
      assert.equal(goDurationError(text), error);
    });
  }
});

describe("formatGoDuration", () => {
  const cases: [number, string][] = [
    [0, "0s"],
    [1 * NS, "1ns"],
    [1100 * NS, "1.1µs"],
    [1 * US, "1µs"],
    [2200 * US, "2.2ms"],
    [500 * MS, "500ms"],
    [3300 * MS, "3.3s"],
    [1500 * MS, "1.5s"],
    [1 * S, "1s"],
    [-1 * S, "-1s"],
    [5 * S, "5s"],
    [15 * S, "15s"],
    [4 * M + 5 * S, "4m5s"],
    [4 * M + 5001 * MS, "4m5.001s"],
    [30 * M, "30m0s"],
    [H, "1h0m0s"],
    [2 * H, "2h0m0s"],
    [5 * H + 6 * M + 7001 * MS, "5h6m7.001s"],
    [8 * M + 1 * NS, "8m0.000000001s"],
    [-(2 * M + 3 * S + 400 * MS), "-2m3.4s"],
    [-1 * NS, "-1ns"],
    [1.9, "1ns"],
  ];
  for (const [ns, text] of cases) {
    test(`${ns}ns prints as ${text}`, () => assert.equal(formatGoDuration(ns), text));
  }

  test("the int64 extremes print like Go, beyond them values saturate", () => {
    assert.equal(formatGoDuration(9223372036854775807n), "2562047h47m16.854775807s");
    assert.equal(formatGoDuration(-9223372036854775808n), "-2562047h47m16.854775808s");
    assert.equal(formatGoDuration(Infinity), "2562047h47m16.854775807s");
    assert.equal(formatGoDuration(Number.NaN), "0s");
  });
});

describe("round trips", () => {
  const texts = ["1h0m0s", "30m0s", "500ms", "0s", "1.5s", "-1s", "2h0m0s", "1µs", "16s", "25ms", "4m5.001s", "1ns", "-2m3.4s"];
  for (const text of texts) {
    test(`${text} formats back to itself`, () => {
      const ns = parseGoDuration(text);
      assert.notEqual(ns, undefined);
      assert.equal(formatGoDuration(ns ?? Number.NaN), text);
    });
  }

  const equivalents: [string, string][] = [
    ["60m", "1h0m0s"],
    ["1h", "1h0m0s"],
    ["0", "0s"],
    ["90s", "1m30s"],
    ["1.5h", "1h30m0s"],
    ["1000ms", "1s"],
    ["0.5s", "500ms"],
    ["1us", "1µs"],
    ["1μs", "1µs"],
    ["+5s", "5s"],
    ["2h", "2h0m0s"],
  ];
  for (const [written, stored] of equivalents) {
    test(`${written} is stored as ${stored}`, () => assert.equal(formatGoDuration(parseGoDuration(written) ?? Number.NaN), stored));
  }
});

test("the schema's duration format takes exactly what time.ParseDuration takes (its one-unit shortcut included)", () => {
  const units = ["ns", "us", "µs", "μs", "ms", "s", "m", "h", "d", "S", "", "sm"];
  const numbers = ["0", "1", "01", "15", "300", "999999", "2562047", "2562048", "9999999", "1.5", ".5", "5.", "-1", "+1", ""];
  let checked = 0;
  for (const n of numbers) {
    for (const u of units) {
      const text = `${n}${u}`;
      assert.equal(FORMATS.duration.validate(text), parseGoDurationDetailed(text).ok, JSON.stringify(text));
      checked++;
    }
  }
  for (const text of ["1h30m", "1h 30m", " 1s", "1s ", "0", "-0", "1e3s", "１s"]) assert.equal(FORMATS.duration.validate(text), parseGoDurationDetailed(text).ok, JSON.stringify(text));
  assert.ok(checked > 150);
});
