/**
 * The value predicates ported from Go's standard library and govalidator, on inputs where a JavaScript built-in
 * would answer differently from the control plane (leading zeros, zones, RE2-only syntax, govalidator's URL rules).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { goRegexpError, isDNSName, isFilePath, isGoCIDR, isGoIP, isURL, validateTlsVersion } from "../src/validate/rules/values.js";
import { parseGoURL, parseRequestURI } from "../src/validate/rules/goNet.js";

function table(name: string, predicate: (value: string) => boolean, rows: readonly [string, boolean][]): void {
  describe(name, () => {
    for (const [value, expected] of rows) test(`${JSON.stringify(value)} → ${expected}`, () => assert.equal(predicate(value), expected));
  });
}

table("isGoIP (net.ParseIP)", isGoIP, [
  ["192.168.0.1", true],
  ["0.0.0.0", true],
  ["010.0.0.1", false], // Go 1.17+ rejects leading zeros
  ["256.0.0.1", false],
  ["::1", true],
  ["::ffff:10.0.0.1", true],
  ["fe80::1%eth0", false], // no zones
  ["example.com", false],
  ["", false],
]);

table("isGoCIDR (net.ParseCIDR)", isGoCIDR, [
  ["10.0.0.0/8", true],
  ["10.0.0.1/32", true],
  ["10.0.0.0/33", false],
  ["10.0.0.0", false],
  ["fd00::/64", true],
  ["::/128", true],
  ["::/129", false],
  ["10.0.0.0/-1", false],
  ["10.0.0.0/ 8", false],
]);

table("isDNSName (govalidator)", isDNSName, [
  ["example.com", true],
  ["my_host.example.com", true],
  ["example.com.", true],
  ["-example.com", false],
  ["exa mple.com", false],
  ["1.2.3.4", false], // an IP is not a DNS name
  ["a".repeat(64), false], // a label is at most 63 characters
]);

table("isURL (govalidator)", isURL, [
  ["http://jaeger-collector:9411/api/v2/spans", true],
  ["127.0.0.1:5000", true],
  ["logs.example.com:514", true],
  ["https://example.com/path?q=1#f", true],
  ["not a url", false],
  ["abc", false], // too short
  [".example.com", false],
  ["http://", false],
  ["aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", false], // linear, not catastrophic
]);

table("isFilePath (govalidator)", isFilePath, [
  ["/dev/stdout", true],
  ["/var/log/", true],
  ["C:\\logs\\access.log", true],
  ["logs/access.log", false],
  ["", false],
]);

describe("goRegexpError (RE2 syntax)", () => {
  for (const pattern of ["envoy_.*", "(?i)abc", "\\pL+", "(?P<name>x)", "a{2,5}"]) {
    test(`${pattern} compiles`, () => assert.equal(goRegexpError(pattern), undefined));
  }
  for (const pattern of ["a(?=b)", "(a)\\1", "[", "a++", "a{1001}"]) {
    test(`${pattern} does not`, () => assert.match(goRegexpError(pattern) ?? "", /error parsing regexp/));
  }
});

describe("url.Parse and url.ParseRequestURI", () => {
  test("parts of an absolute URL", () => {
    assert.deepEqual(parseGoURL("http://user@host:8126/p%20q?x=1#frag"), {
      scheme: "http",
      opaque: "",
      hasUser: true,
      host: "host:8126",
      path: "/p q",
      rawQuery: "x=1",
      fragment: "frag",
    });
  });
  test("an opaque URL and a relative one", () => {
    assert.equal(parseGoURL("agent:8126")?.opaque, "8126");
    assert.equal(parseGoURL("a:b/c:d")?.scheme, "a");
    assert.equal(parseGoURL("dir/file")?.path, "dir/file");
    assert.equal(parseRequestURI("dir/file"), undefined); // not a request URI
  });
  test("errors", () => {
    for (const raw of [":8126", "http://[::1", "http://host:port", "http://a b", "%zz", "/a\nb"]) assert.equal(parseGoURL(raw), undefined, raw);
  });
});

describe("validateTlsVersion", () => {
  test("auto on either side never conflicts", () => assert.deepEqual(validateTlsVersion("v", "TLS13", "TLSAuto"), []));
  test("min above max", () => assert.deepEqual(validateTlsVersion("v", "TLS13", "TLS12"), [{ path: "v.min", message: "min version must be lower than max" }]));
});
