import assert from "node:assert/strict";
import { test } from "node:test";
import { REDACTED, isSecretPath, redact, secretSpellingsOf } from "../src/kuma/secretFields.js";
import { REDACTED_CHANGED, REDACTED_UNKNOWN, redactPair } from "../src/diff/redact.js";
import type { JsonObject, JsonValue } from "../src/model/resource.js";

/** Every secret value becomes the same marker, whatever it was. */
const R = (_value: unknown) => REDACTED;

/** Input and the expected redacted output: what is secret, and what only looks like it. */
const rows: { name: string; input: JsonObject; expected: JsonObject }[] = [
  { name: "Secret data", input: { type: "Secret", name: "s", data: "c2VjcmV0" }, expected: { type: "Secret", name: "s", data: R("c2VjcmV0") } },
  { name: "data anywhere, whole", input: { conf: { data: { a: 1 } } }, expected: { conf: { data: R({ a: 1 }) } } },
  {
    name: "DataSource inline forms; a reference by name or file stays",
    input: { caCert: { secret: "billing-ca" }, clientCert: { inline: "QUJD" }, clientKey: { inlineString: "-----BEGIN" }, bundle: { file: "/etc/ca.pem" }, raw: { inlineBytes: "AAEC" } },
    expected: { caCert: { secret: "billing-ca" }, clientCert: { inline: R("QUJD") }, clientKey: { inlineString: R("-----BEGIN") }, bundle: { file: "/etc/ca.pem" }, raw: { inlineBytes: R("AAEC") } },
  },
  { name: "value inside a secret object", input: { secret: { name: "n", value: "hunter2" } }, expected: { secret: { name: "n", value: R("hunter2") } } },
  { name: "value of a GlobalSecret", input: { type: "GlobalSecret", value: "x" }, expected: { type: "GlobalSecret", value: R("x") } },
  {
    name: "token and password; a token given by DataSource keeps its reference",
    input: { auth: { token: "hvs.abc", password: "p4ss" }, vault: { token: { secret: "vault-token" } }, other: { token: { inlineString: "hvs.def" } } },
    expected: { auth: { token: R("hvs.abc"), password: R("p4ss") }, vault: { token: { secret: "vault-token" } }, other: { token: { inlineString: R("hvs.def") } } },
  },
  { name: "key of an inline TLS object", input: { tls: { cert: "CERT", key: "KEY" } }, expected: { tls: { cert: "CERT", key: R("KEY") } } },
  { name: "key next to a cert anywhere", input: { conf: { cert: "CERT", key: "KEY" } }, expected: { conf: { cert: "CERT", key: R("KEY") } } },
  { name: "key in a keys list", input: { keys: [{ id: "1", key: "K1" }] }, expected: { keys: [{ id: "1", key: R("K1") }] } },
  {
    name: "key/value pairs of access-log formats and attributes are not secrets",
    input: { format: { type: "Json", json: [{ key: "start", value: "%START_TIME%" }] }, attributes: [{ key: "env", value: "prod" }] },
    expected: { format: { type: "Json", json: [{ key: "start", value: "%START_TIME%" }] }, attributes: [{ key: "env", value: "prod" }] },
  },
  { name: "privateKey as a string", input: { identity: { privateKey: "PK" } }, expected: { identity: { privateKey: R("PK") } } },
];

for (const row of rows) {
  test(`redact: ${row.name}`, () => {
    assert.deepEqual(redact(row.input), row.expected);
  });
}

test("no digest or fragment of a secret is shown: two different values redact to the same marker", () => {
  const a = redact({ type: "Secret", mesh: "m", name: "s", data: "aHVudGVyMg==" });
  const b = redact({ type: "Secret", mesh: "m", name: "s", data: "aHVudGVyMw==" });
  assert.deepEqual(a, b);
  assert.ok(!JSON.stringify(a).includes("aHVudGVy"));
});

test("redactPair: a secret that differs is marked changed on the new side only; an equal one is not", () => {
  const before: JsonObject = { type: "Secret", mesh: "m", name: "s", data: "b2xk", labels: { a: "1" } };
  const after: JsonObject = { type: "Secret", mesh: "m", name: "s", data: "bmV3", labels: { a: "1" } };
  const changed = redactPair(before, after);
  assert.equal(changed.before?.data, REDACTED);
  assert.equal(changed.after?.data, REDACTED_CHANGED);
  const same = redactPair(before, { ...before });
  assert.equal(same.before?.data, REDACTED);
  assert.equal(same.after?.data, REDACTED);
});

test("redactPair: nested secrets compare at their own place (a rotated client key, an unchanged cert)", () => {
  const before: JsonObject = { spec: { tls: { clientCert: { inline: "Q0VSVA==" }, clientKey: { inlineString: "OLDKEY" } } } };
  const after: JsonObject = { spec: { tls: { clientCert: { inline: "Q0VSVA==" }, clientKey: { inlineString: "NEWKEY" } } } };
  const shown = redactPair(before, after);
  assert.deepEqual(shown.after, { spec: { tls: { clientCert: { inline: REDACTED }, clientKey: { inlineString: REDACTED_CHANGED } } } });
  assert.ok(!JSON.stringify(shown).includes("KEY\""), JSON.stringify(shown));
});

test("redactPair: a create has nothing to compare with, so nothing is marked changed", () => {
  const shown = redactPair(undefined, { type: "Secret", mesh: "m", name: "s", data: "bmV3" });
  assert.equal(shown.before, undefined);
  assert.equal(shown.after?.data, REDACTED);
});

test("a value still encrypted with SOPS is shown as unknown, never as its ciphertext", () => {
  const enc = "ENC[AES256_GCM,data:bmV3,iv:aXZpdml2aXZpdml2aXZpdg==,tag:dGFndGFndGFndGFndGFndA==,type:str]";
  const shown = redactPair({ type: "Secret", mesh: "m", name: "s", data: "b2xk" }, { type: "Secret", mesh: "m", name: "s", data: enc });
  assert.equal(shown.after?.data, REDACTED_UNKNOWN);
  // Shown alone (render), ciphertext is simply redacted: nothing is being compared.
  assert.equal(redact({ note: enc }).note, REDACTED);
});

test("redact does not modify its input", () => {
  const input: JsonObject = { tls: { cert: "C", key: "K" } };
  redact(input);
  assert.deepEqual(input, { tls: { cert: "C", key: "K" } });
});

/** Every path of a value, from the root down to each leaf. */
function pathsOf(value: JsonValue, at: (string | number)[] = []): (string | number)[][] {
  const children: [string | number, JsonValue][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : value !== null && typeof value === "object" ? Object.entries(value) : [];
  return [at, ...children.flatMap(([k, v]) => pathsOf(v, [...at, k]))];
}

test("isSecretPath says of every path of every row what redact does: at or under a field it hides", () => {
  for (const row of rows) {
    const hidden = (path: (string | number)[]): boolean => {
      let value: JsonValue | undefined = row.expected;
      for (const segment of path) {
        if (value === REDACTED) return true;
        value = Array.isArray(value) ? value[segment as number] : (value as JsonObject)[segment];
      }
      return value === REDACTED;
    };
    for (const path of pathsOf(row.input)) assert.equal(isSecretPath(row.input, path), hidden(path), `${row.name}: ${path.join(".")}`);
  }
  // A Kubernetes Secret as written, and a path that leads nowhere.
  const kubernetes: JsonObject = { apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, stringData: { value: "plain" } };
  assert.equal(isSecretPath(kubernetes, ["stringData", "value"]), true);
  assert.equal(isSecretPath(kubernetes, ["metadata", "name"]), false);
  assert.equal(isSecretPath(kubernetes, ["spec", "nothing"]), false);
});

test("secretSpellingsOf: every hidden value as written, as JSON writes it and, for base64, decoded; longest first; nothing else", () => {
  const pem = "-----BEGIN KEY-----\nMIIB\n-----END KEY-----";
  const object: JsonObject = { type: "Secret", mesh: "m", name: "s", data: Buffer.from("hunter2-plain").toString("base64"), conf: { cert: "C", key: pem } };
  const spellings = secretSpellingsOf(object);
  for (const expected of [object.data as string, "hunter2-plain", pem, JSON.stringify(pem).slice(1, -1)]) assert.ok(spellings.includes(expected), expected);
  for (const shown of ["Secret", "m", "s", "C"]) assert.ok(!spellings.includes(shown), shown);
  assert.deepEqual(spellings, [...spellings].sort((a, b) => b.length - a.length));
});
