import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { redact, redactedValue } from "../src/diff/redact.js";
import type { JsonObject, JsonValue } from "../src/model/resource.js";

const R = (value: JsonValue) => redactedValue(value);

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

test("redacted values are a short sha256 of the value, so a change shows as a different digest", () => {
  const digest = createHash("sha256").update("hunter2").digest("hex").slice(0, 12);
  assert.equal(redactedValue("hunter2"), `(redacted, sha256:${digest})`);
  assert.notEqual(redactedValue("hunter2"), redactedValue("hunter3"));
});

test("redact does not modify its input", () => {
  const input: JsonObject = { tls: { cert: "C", key: "K" } };
  redact(input);
  assert.deepEqual(input, { tls: { cert: "C", key: "K" } });
});
