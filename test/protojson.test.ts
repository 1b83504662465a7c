/**
 * The protobuf kinds (Mesh, MeshGateway, Dataplane, Secret, GlobalSecret) as the control plane decodes them: with
 * util_proto.FromJSON (go-v2.14.3 pkg/core/resources/model/rest/unversioned/resource.go for the REST API, the same
 * function for a Kubernetes object's spec in zz_generated.mesh.go), which is github.com/golang/protobuf v1.5.4's jsonpb
 * with AllowUnknownFields, not protojson (Kuma's go.mod keeps it on purpose). What jsonpb's decoder (jsonpb/decode.go,
 * `wrapJSONUnmarshalV2 = false`) does, and so what meshops must accept and refuse, each with Kuma's own error text:
 *   - a field by its proto name (`connection_limit`) or its JSON name (`connectionLimit`); both written, the JSON name's
 *     value wins (it is looked up second) and the other is lost;
 *   - google.protobuf.Duration through time.ParseDuration (`1m30s`, `300ms`), printed back as seconds (`90s`);
 *   - a wrapper's value as its scalar: DoubleValue and UInt32Value also from a numeric string (trimQuote), BoolValue
 *     only from true/false (`json: cannot unmarshal string into Go value of type bool`);
 *   - a number field's string has its quotes trimmed and the rest read by encoding/json: spaces around the number are
 *     JSON's whitespace (" 8080 " is 8080), `null` leaves the field unset ("null" is 0), a number the Go type cannot
 *     hold is refused ("4294967296", "1e400"), and text that is no JSON gets the scanner's error;
 *   - a double also takes "NaN", "Infinity" and "-Infinity", exactly; the Mesh validator's range check (`< 0.0 ||
 *     > 100.0`) passes NaN and refuses the infinities;
 *   - an enum by name, or by any int32 unquoted, never by a numeric string (`unknown value "\"4\"" for enum ...`): a
 *     number without a name is kept and printed as that number, and the validators switch on it as Go does;
 *   - uint32 from a number or a numeric string, in range (`json: cannot unmarshal number -1 into Go value of type uint32`);
 *   - bytes (a Secret's BytesValue `data`, a DataSource's `inline`) through encoding/json: padded standard base64 only
 *     (`illegal base64 data at input byte 4`), unlike protojson, which would take unpadded and URL-safe text.
 * The API answers what jsonpb refuses with 400 "Bad Request", `invalid <Type> object: "<jsonpb's error>"` (golden
 * put_dataplanes_08), never "Resource is not valid". The model itself is held against jsonpb in kuma.jsonpb.test.ts.
 * None of these kinds has an int64 or uint64 field (every field of dataplane.pb.go, gateway.pb.go, mesh.pb.go and the
 * messages they use), so the JSON-string form of 64-bit integers has nothing to apply to.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { sameNormalized } from "../src/diff/normalize.js";
import { protoNamedFields } from "../src/kuma/protoForm.js";
import { propertySchema, schemaFor } from "../src/kuma/schemas.js";
import { SUPPORTED_MINORS } from "../src/kuma/versions.js";
import type { JsonObject } from "../src/model/resource.js";
import { validateSnapshot } from "../src/validate/index.js";
import { runCli } from "./helpers/cli.js";
import { withControlPlaneServer } from "./helpers/controlPlane.js";
import { committedRepo } from "./helpers/git.js";
import { snapshotOfTexts } from "./helpers/snapshot.js";

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((cleanup) => cleanup()));

const CONFIG = "resources:\n  dataplanes: true\nsecrets:\n  allowPlaintext: true\n";

const errorsOf = (files: Record<string, string>): string[] =>
  validateSnapshot(snapshotOfTexts(files, CONFIG))
    .diagnostics.filter((d) => d.severity === "error")
    .map((d) => `${d.file}:${d.line} ${d.resource} ${d.path}: ${d.message}`);

const objectsOf = (files: Record<string, string>): Map<string, JsonObject> =>
  new Map(validateSnapshot(snapshotOfTexts(files, CONFIG)).resources.map((r) => [`${r.type}/${r.name}`, r.object]));

const MESH = "type: Mesh\nname: default\n";

const gateway = (resources: string) =>
  [
    "type: MeshGateway",
    "mesh: default",
    "name: edge",
    "selectors:",
    "  - match:",
    "      kuma.io/service: edge",
    "conf:",
    "  listeners:",
    "    - port: 8080",
    "      protocol: HTTP",
    "      resources:",
    `        ${resources}`,
    "",
  ].join("\n");

/** The gateway in the Kubernetes shape: its listener's `resources:` is on line 12, column 9. */
const kubernetesGateway = (resources: string) =>
  [
    "apiVersion: kuma.io/v1alpha1",
    "kind: MeshGateway",
    "mesh: default",
    "metadata:",
    "  name: edge-k8s",
    "spec:",
    "  selectors: [{match: {kuma.io/service: edge-k8s}}]",
    "  conf:",
    "    listeners:",
    "      - port: 8080",
    "        protocol: HTTP",
    `        resources: ${resources}`,
    "",
  ].join("\n");

const dataplane = (transparentProxying: string, serviceProbe: string) =>
  [
    "type: Dataplane",
    "mesh: default",
    "name: web-1",
    "networking:",
    "  address: 10.0.0.1",
    "  inbound:",
    "    - port: 8080",
    "      tags:",
    "        kuma.io/service: web",
    "      serviceProbe:",
    `        ${serviceProbe}`,
    `  ${transparentProxying}`,
    "",
  ].join("\n");

// --- field names ------------------------------------------------------------------------------------------------------

test("a protobuf field by its proto name is the field: accepted, and read as its JSON name", () => {
  const files = {
    "mesh.yaml": MESH,
    "gateway.yaml": gateway("connection_limit: 10"),
    "dataplane.yaml": dataplane("transparent_proxying: {redirect_port_inbound: 15006, redirect_port_outbound: 15001, ip_family_mode: IPv4}", "healthy_threshold: 2"),
    "kubernetes.yaml": kubernetesGateway("{connection_limit: 20}"),
  };
  assert.deepEqual(errorsOf(files), []);
  const objects = objectsOf(files);
  const listener = (name: string) => ((objects.get(name)?.conf as JsonObject).listeners as JsonObject[])[0];
  assert.deepEqual(listener("MeshGateway/edge")?.resources, { connectionLimit: 10 });
  assert.deepEqual(listener("MeshGateway/edge-k8s")?.resources, { connectionLimit: 20 });
  const networking = objects.get("Dataplane/web-1")?.networking as JsonObject;
  assert.deepEqual(networking.transparentProxying, { redirectPortInbound: 15006, redirectPortOutbound: 15001, ipFamilyMode: "IPv4" });
  assert.deepEqual((networking.inbound as JsonObject[])[0]?.serviceProbe, { healthyThreshold: 2 });
});

test("a protobuf field written by both of its names is an error: the control plane keeps the JSON name's value and loses the other", () => {
  assert.deepEqual(errorsOf({ "mesh.yaml": MESH, "gateway.yaml": gateway("{connection_limit: 10, connectionLimit: 20}") }), [
    'gateway.yaml:12 MeshGateway/default/edge conf.listeners[0].resources.connection_limit: "connection_limit" is the protobuf name of "connectionLimit", which is written too: the control plane takes connectionLimit\'s value and drops this one; write the field once',
  ]);
});

test("a problem with a field written by its proto name is at that field's line and column, as the control plane's path names it", () => {
  const located = (files: Record<string, string>) =>
    validateSnapshot(snapshotOfTexts({ "mesh.yaml": MESH, ...files }, CONFIG))
      .diagnostics.filter((d) => d.severity === "error")
      .map((d) => `${d.file}:${d.line}:${d.column} ${d.path}: ${d.message}`);
  const kubernetes = kubernetesGateway("\n          connection_limit: -1");
  const probe = ["healthy_threshold: 0", "        unhealthy_threshold: 1"].join("\n");
  const proxying = ["transparent_proxying:", "    redirect_port_inbound: 15006", "    ip_family_mode: Bogus", "    direct_access_services: [yes]"].join("\n");
  assert.deepEqual(located({ "gateway.yaml": gateway("connection_limit: -1"), "kubernetes.yaml": kubernetes, "dataplane.yaml": dataplane(proxying, probe) }), [
    'dataplane.yaml:11:9 networking.inbound[0].serviceProbe.healthyThreshold: must have a positive value',
    'dataplane.yaml:15:5 networking.transparentProxying.ipFamilyMode: should be one of [UnSpecified DualStack IPv4 IPv6], or a signed 32-bit integer',
    'dataplane.yaml:16:30 networking.transparentProxying.directAccessServices[0]: in body must be of type string: "boolean"; YAML 1.1 reads the plain scalar yes as a boolean (true): quote it',
    "gateway.yaml:12:9 conf.listeners[0].resources.connectionLimit: must be an unsigned 32-bit integer (Go type uint32): -1 cannot be decoded",
    "kubernetes.yaml:13:11 spec.conf.listeners[0].resources.connectionLimit: must be an unsigned 32-bit integer (Go type uint32): -1 cannot be decoded",
  ]);
});

test("a name that is neither the proto nor the JSON name stays an unknown field", () => {
  // jsonpb matches the proto name exactly: `connection-limit` or `Connection_limit` are dropped by the control plane.
  assert.deepEqual(errorsOf({ "mesh.yaml": MESH, "gateway.yaml": gateway("Connection_limit: 10") }), [
    'gateway.yaml:12 MeshGateway/default/edge conf.listeners[0].resources.Connection_limit: unknown field "Connection_limit", did you mean "connectionLimit"?',
  ]);
});

test("every proto name meshops knows is a field of its kind's schema in every Kuma line, under its JSON name", () => {
  for (const typeName of ["Mesh", "MeshGateway", "Dataplane", "Secret", "GlobalSecret"]) {
    for (const minor of SUPPORTED_MINORS) {
      const schema = schemaFor(typeName, minor);
      assert.ok(schema, `${typeName} ${minor}`);
      for (const [jsonPath, protoName] of protoNamedFields(typeName)) {
        let node: JsonObject | undefined = schema;
        let parent: JsonObject | undefined;
        for (const segment of jsonPath.split(".")) {
          parent = node;
          node = node ? propertySchema(node, segment.replace(/\[\]$/, "")) : undefined;
          if (node && segment.endsWith("[]")) node = node.items as JsonObject | undefined;
        }
        assert.ok(node, `${typeName} ${minor}: ${jsonPath}`);
        assert.equal(Object.hasOwn((parent?.properties ?? {}) as JsonObject, protoName), false, `${protoName} is no JSON name`);
      }
    }
  }
  assert.deepEqual(protoNamedFields("Mesh"), []);
});

// --- durations, wrappers, enums, integers -----------------------------------------------------------------------------

const meshWith = (requestTimeout: string) =>
  `${MESH}mtls:\n  enabledBackend: ca-1\n  backends:\n    - name: ca-1\n      type: builtin\n      dpCert: {rotation: {expiration: 1d}, requestTimeout: ${requestTimeout}}\n`;

test("google.protobuf.Duration takes Go's duration syntax (time.ParseDuration), not only seconds", () => {
  assert.deepEqual(errorsOf({ "mesh.yaml": meshWith("1m30s"), "dataplane.yaml": dataplane("transparentProxying: {redirectPortInbound: 15006}", "interval: 300ms") }), []);
  // ValidateDuration (go-v2.14.3 validators.go): AsDuration() == 0, whichever unit spells the zero.
  assert.deepEqual(errorsOf({ "mesh.yaml": MESH, "dataplane.yaml": dataplane("transparentProxying: {redirectPortInbound: 15006}", "interval: 0m") }), [
    "dataplane.yaml:11 Dataplane/default/web-1 networking.inbound[0].serviceProbe.interval: must have a positive value",
  ]);
  // jsonpb: `bad Duration: time: missing unit in duration "5"`.
  assert.deepEqual(errorsOf({ "mesh.yaml": meshWith("'5'") }), [
    'mesh.yaml:8 Mesh/default mtls.backends[0].dpCert.requestTimeout: invalid duration "5": use Go duration syntax such as 300ms, 5s, 1h30m',
  ]);
});

const tracing = (sampling: string) => `${MESH}tracing:\n  backends:\n    - name: zipkin\n      type: zipkin\n      sampling: ${sampling}\n      conf: {url: 'http://zipkin:9411/api/v2/spans'}\n`;

/** The gateway with its listener's port, protocol and connection limit as written. */
const listener = (port: string, protocol: string, connectionLimit = "1") =>
  gateway(`connectionLimit: ${connectionLimit}`).replace("port: 8080", `port: ${port}`).replace("protocol: HTTP", `protocol: ${protocol}`);

test("a DoubleValue or UInt32Value takes a numeric string, a BoolValue does not take a string", () => {
  assert.deepEqual(errorsOf({ "mesh.yaml": tracing('"50.5"'), "dataplane.yaml": dataplane("transparentProxying: {redirectPortInbound: 15006}", 'unhealthyThreshold: "3"') }), []);
  // Compared as the control plane prints it back: the number.
  const written = objectsOf({ "mesh.yaml": tracing('"50.5"') }).get("Mesh/default") as JsonObject;
  assert.ok(sameNormalized(written, objectsOf({ "mesh.yaml": tracing("50.5") }).get("Mesh/default") as JsonObject));
  assert.equal(sameNormalized(written, objectsOf({ "mesh.yaml": tracing("50") }).get("Mesh/default") as JsonObject), false);
  // jsonpb: `json: cannot unmarshal string into Go value of type bool`.
  assert.deepEqual(errorsOf({ "mesh.yaml": `${MESH}networking:\n  outbound:\n    passthrough: "true"\n` }), [
    'mesh.yaml:5 Mesh/default networking.outbound.passthrough: in body must be of type boolean: "string"',
  ]);
  // jsonpb: `invalid character 'a' looking for beginning of value` (the quotes trimmed, the rest read as a number).
  assert.deepEqual(errorsOf({ "mesh.yaml": tracing('"abc"') }), ['mesh.yaml:7 Mesh/default tracing.backends[0].sampling: must be a number, or a string of one: found "abc"']);
});

test("an enum by name or number, not by a numeric string; a uint32 by number or numeric string, in range", () => {
  assert.deepEqual(errorsOf({ "mesh.yaml": MESH, "gateway.yaml": listener('"8080"', "4") }), []);
  const gatewayOf = (port: string, protocol: string) => objectsOf({ "mesh.yaml": MESH, "gateway.yaml": listener(port, protocol) }).get("MeshGateway/edge") as JsonObject;
  assert.ok(sameNormalized(gatewayOf('"8080"', "4"), gatewayOf("8080", "HTTP")), "printed back as 8080 and HTTP");
  assert.equal(sameNormalized(gatewayOf("8080", "5"), gatewayOf("8080", "HTTP")), false);
  // jsonpb: `unknown value "\"4\"" for enum kuma.mesh.v1alpha1.MeshGateway.Listener.Protocol`.
  assert.deepEqual(errorsOf({ "mesh.yaml": MESH, "gateway.yaml": listener("8080", '"4"') }), [
    'gateway.yaml:10 MeshGateway/default/edge conf.listeners[0].protocol: should be one of [NONE TCP TLS HTTP HTTPS], or a signed 32-bit integer: found the string "4", write the number without quotes',
  ]);
  // jsonpb: `json: cannot unmarshal number -1 into Go value of type uint32`.
  assert.deepEqual(errorsOf({ "mesh.yaml": MESH, "gateway.yaml": listener("-1", "HTTP") }), [
    "gateway.yaml:9 MeshGateway/default/edge conf.listeners[0].port: must be an unsigned 32-bit integer (Go type uint32): -1 cannot be decoded",
  ]);
});

test("a numeric string is read as JSON reads a number: a leading zero is refused, as jsonpb refuses it", () => {
  // jsonpb trims the quotes and hands the rest to encoding/json: `"08080"` is `invalid character '8' after top-level
  // value` (checked against github.com/golang/protobuf v1.5.4's jsonpb: UInt32Value and DoubleValue alike).
  const leadingZero = (field: string) => `must be a non-negative integer, or a string of one: found "${field}" (a leading zero is not JSON's number syntax, which the control plane reads inside the quotes)`;
  assert.deepEqual(errorsOf({ "mesh.yaml": MESH, "gateway.yaml": gateway('connectionLimit: "010"').replace("port: 8080", 'port: "08080"') }), [
    `gateway.yaml:9 MeshGateway/default/edge conf.listeners[0].port: ${leadingZero("08080")}`,
    `gateway.yaml:12 MeshGateway/default/edge conf.listeners[0].resources.connectionLimit: ${leadingZero("010")}`,
  ]);
  assert.deepEqual(errorsOf({ "mesh.yaml": MESH, "dataplane.yaml": dataplane("transparentProxying: {redirectPortInbound: '0'}", 'healthyThreshold: "00"') }), [
    `dataplane.yaml:11 Dataplane/default/web-1 networking.inbound[0].serviceProbe.healthyThreshold: ${leadingZero("00")}`,
  ]);
  assert.deepEqual(errorsOf({ "mesh.yaml": MESH, "gateway.yaml": gateway('connectionLimit: "0"') }), [], "a lone zero is a JSON number");
});

// --- what jsonpb takes beyond the schema's quick checks ---------------------------------------------------------------

test("a double takes NaN and the infinities as jsonpb does: NaN passes the Mesh validator, the infinities get its range message", () => {
  assert.deepEqual(errorsOf({ "mesh.yaml": tracing("NaN") }), []);
  assert.deepEqual(errorsOf({ "mesh.yaml": tracing('"NaN"') }), []);
  for (const infinity of ["Infinity", '"-Infinity"']) {
    assert.deepEqual(errorsOf({ "mesh.yaml": tracing(infinity) }), ["mesh.yaml:7 Mesh/default tracing.backends[0].sampling: has to be in [0.0 - 100.0] range"], infinity);
  }
  // Only those spellings: jsonpb compares the raw text, quotes included (`"nan"` goes to encoding/json and fails).
  assert.deepEqual(errorsOf({ "mesh.yaml": tracing("nan") }), ['mesh.yaml:7 Mesh/default tracing.backends[0].sampling: must be a number, or a string of one: found "nan"']);
});

/** A Dataplane whose inbound has `port` and `state` as written, with a listener (2.14's networking.listeners) of `listenerType`. */
const inboundDataplane = (port: string, state: string, listenerType = "ZoneIngress") =>
  `${dataplane("transparentProxying: {redirectPortInbound: 15006}", "healthyThreshold: 1").replace("    - port: 8080", `    - port: ${port}\n      state: ${state}`)}  listeners:\n    - {type: ${listenerType}, address: 10.0.0.1, port: 10001}\n`;

test("a number field's string is read by encoding/json inside the quotes: spaces around it are fine, a number beyond the Go type is not", () => {
  assert.deepEqual(errorsOf({ "mesh.yaml": tracing('" 50 "'), "dataplane.yaml": inboundDataplane('" 8080 "', "Ready"), "gateway.yaml": listener("8080", "HTTP", '"10 "') }), []);
  assert.deepEqual(errorsOf({ "mesh.yaml": tracing('"1e400"'), "gateway.yaml": listener("8080", "HTTP", '"4294967296"') }), [
    'gateway.yaml:12 MeshGateway/default/edge conf.listeners[0].resources.connectionLimit: must be a non-negative integer, or a string of one: found "4294967296" (beyond the range of Go type uint32)',
    'mesh.yaml:7 Mesh/default tracing.backends[0].sampling: must be a number, or a string of one: found "1e400" (beyond the range of Go type float64)',
  ]);
  // "null" leaves the port unset, 0, which the Dataplane validator refuses as it refuses no port.
  assert.deepEqual(errorsOf({ "mesh.yaml": MESH, "dataplane.yaml": inboundDataplane('"null"', "Ready") }), [
    "dataplane.yaml:7 Dataplane/default/web-1 networking.inbound[0].port: port must be in the range [1, 65535]",
  ]);
  // A tab is escaped by every JSON encoder, so jsonpb sees a backslash: refused.
  assert.deepEqual(errorsOf({ "mesh.yaml": MESH, "dataplane.yaml": inboundDataplane('"\\t8080"', "Ready") }), [
    'dataplane.yaml:7 Dataplane/default/web-1 networking.inbound[0].port: must be a non-negative integer, or a string of one: found "\\t8080"',
  ]);
});

test("an enum takes any int32 unquoted, and the validators switch on a number without a name as Go does", () => {
  // Inbound state 7; listener type 7 (not Unspecified: no "type must be ZoneIngress or ZoneEgress"); MeshGateway
  // protocol 2 (the number MeshGateway.Listener.Protocol skips: no "cannot be empty").
  assert.deepEqual(errorsOf({ "mesh.yaml": MESH, "dataplane.yaml": inboundDataplane("8080", "7", "7"), "gateway.yaml": listener("8080", "2") }), []);
  // A gateway type without a name is neither delegated nor builtin (IsDelegatedGateway, IsBuiltinGateway): the
  // Dataplane is validated as one without a gateway, its inbounds allowed.
  const typed = (type: string) => inboundDataplane("8080", "Ready").replace("  inbound:", `  gateway: {type: ${type}, tags: {kuma.io/service: gw}}\n  inbound:`);
  assert.deepEqual(errorsOf({ "mesh.yaml": MESH, "dataplane.yaml": typed("5") }), []);
  assert.deepEqual(errorsOf({ "mesh.yaml": MESH, "dataplane.yaml": typed("0") }), [
    "dataplane.yaml:7 Dataplane/default/web-1 networking.inbound: inbound cannot be defined for delegated gateways",
    "dataplane.yaml:15 Dataplane/default/web-1 networking.listeners: listeners cannot be defined for delegated gateways",
  ]);
  // Beyond int32, or a number in quotes (jsonpb reads a quoted enum by name only), is refused.
  assert.deepEqual(errorsOf({ "mesh.yaml": MESH, "dataplane.yaml": inboundDataplane("8080", "2147483648"), "gateway.yaml": listener("8080", '"4"') }), [
    "dataplane.yaml:8 Dataplane/default/web-1 networking.inbound[0].state: should be one of [Ready NotReady Ignored], or a signed 32-bit integer: 2147483648 is beyond it",
    'gateway.yaml:10 MeshGateway/default/edge conf.listeners[0].protocol: should be one of [NONE TCP TLS HTTP HTTPS], or a signed 32-bit integer: found the string "4", write the number without quotes',
  ]);
});

// --- bytes ------------------------------------------------------------------------------------------------------------

const SECRET_VALUE = "aGVsbG8"; // "hello", unpadded
const secret = (data: string) => `type: Secret\nmesh: default\nname: token\ndata: ${data}\n`;

test("a Secret's bytes are padded standard base64, as jsonpb decodes them (encoding/json), and no message shows them", () => {
  assert.deepEqual(errorsOf({ "mesh.yaml": MESH, "secret.yaml": secret(`${SECRET_VALUE}=`) }), []);
  // Go: base64.StdEncoding, `illegal base64 data at input byte N` (jsonpb's error, the API's 400 detail).
  const refused = {
    "unpadded.yaml": secret(SECRET_VALUE),
    "urlsafe.yaml": secret("aGV-bG8=").replace("token", "url"),
    "global.yaml": `type: GlobalSecret\nname: shared\ndata: ${SECRET_VALUE}\n`,
    "kubernetes.yaml": `apiVersion: v1\nkind: Secret\ntype: system.kuma.io/secret\nmetadata:\n  name: k8s\n  namespace: kuma-system\ndata:\n  value: ${SECRET_VALUE}\n`,
  };
  const errors = errorsOf({ "mesh.yaml": MESH, ...refused });
  assert.deepEqual(errors, [
    "global.yaml:3 GlobalSecret/shared data: must be base64-encoded bytes, padded, in the standard alphabet: illegal base64 data at input byte 4",
    "kubernetes.yaml:8 Secret/default/k8s data.value: must be base64-encoded bytes, padded, in the standard alphabet: illegal base64 data at input byte 4",
    "unpadded.yaml:4 Secret/default/token data: must be base64-encoded bytes, padded, in the standard alphabet: illegal base64 data at input byte 4",
    "urlsafe.yaml:4 Secret/default/url data: must be base64-encoded bytes, padded, in the standard alphabet: illegal base64 data at input byte 3",
  ]);
  for (const line of errors) assert.equal(line.includes(SECRET_VALUE) || line.includes("aGV-"), false, line);
});

test("a MeshGateway certificate's inline bytes are base64 too (DataSource.inline is a BytesValue)", () => {
  const tls = (inline: string) =>
    gateway("connectionLimit: 1").replace("protocol: HTTP", `protocol: HTTPS\n      hostname: edge.example.com\n      tls:\n        mode: TERMINATE\n        certificates:\n          - inline: ${inline}`);
  assert.deepEqual(errorsOf({ "mesh.yaml": MESH, "gateway.yaml": tls("aGVsbG8=") }), []);
  assert.deepEqual(errorsOf({ "mesh.yaml": MESH, "gateway.yaml": tls("not-base64") }), [
    "gateway.yaml:15 MeshGateway/default/edge conf.listeners[0].tls.certificates[0].inline: must be base64-encoded bytes, padded, in the standard alphabet: illegal base64 data at input byte 3",
  ]);
});

test("bytes written as a JSON list of numbers are those bytes, as encoding/json reads a []byte from an array (jsonpb hands it bytes)", async () => {
  // golang/protobuf v1.5 jsonpb/decode.go unmarshalSingularValue: BytesKind is json.Unmarshal into a []byte, which takes
  // a base64 string or an array of uint8 (a null item 0). [104, 105] is "hi", "aGk=". Kuma accepts and stores them.
  const tls = (inline: string) =>
    gateway("connectionLimit: 1").replace("protocol: HTTP", `protocol: HTTPS\n      hostname: edge.example.com\n      tls:\n        mode: TERMINATE\n        certificates:\n          - inline: ${inline}`);
  const files = {
    "mesh.yaml": MESH,
    "secret.yaml": secret("[104, 105]"),
    "global.yaml": "type: GlobalSecret\nname: shared\ndata: [104, 105, null]\n",
    "gateway.yaml": tls("[104, 105]"),
  };
  assert.deepEqual(errorsOf(files), []);
  const repo = committedRepo({ "meshops.yaml": CONFIG, ...files }, cleanups);
  await withControlPlaneServer({ skipMeshCreation: true }, async (url) => {
    const apply = await runCli(["apply", "--cp-url", url, "--yes"], repo);
    assert.equal(apply.code, 0, apply.stdout + apply.stderr);
    const get = async (apiPath: string) => (await (await fetch(url + apiPath)).json()) as JsonObject;
    assert.equal((await get("/meshes/default/secrets/token")).data, "aGk=");
    assert.equal((await get("/global-secrets/shared")).data, "aGkA");
    const listener = ((await get("/meshes/default/meshgateways/edge")).conf as { listeners: { tls: { certificates: JsonObject[] } }[] }).listeners[0];
    assert.deepEqual(listener?.tls.certificates, [{ inline: "aGk=" }]);
    const plan = await runCli(["plan", "--cp-url", url, "--format", "json"], repo);
    assert.deepEqual((JSON.parse(plan.stdout) as { changes: unknown[] }).changes, [], plan.stdout);
    // The embedded control plane takes the list as Kuma does, from any client.
    const put = await fetch(url + "/meshes/default/secrets/listed", { method: "PUT", body: JSON.stringify({ type: "Secret", mesh: "default", name: "listed", data: [104, 105] }) });
    assert.equal(put.status, 201, await put.text());
    assert.equal((await get("/meshes/default/secrets/listed")).data, "aGk=");
  });
});

// --- applied, then compared -------------------------------------------------------------------------------------------

test("written by proto names, Go durations and numeric strings: applied with JSON names, and no drift afterwards", async () => {
  const repo = committedRepo(
    {
      "meshops.yaml": CONFIG,
      "mesh.yaml": `${meshWith("1m30s")}tracing:\n  backends:\n    - name: zipkin\n      type: zipkin\n      sampling: "50"\n      conf: {url: 'http://zipkin:9411/api/v2/spans'}\n`,
      "gateway.yaml": gateway("connection_limit: 10"),
      "dataplane.yaml": dataplane("transparent_proxying: {redirect_port_inbound: 15006}", "interval: 1m"),
      "secret.yaml": secret(`${SECRET_VALUE}=`),
    },
    cleanups,
  );
  await withControlPlaneServer({ skipMeshCreation: true }, async (url) => {
    const render = await runCli(["render", "--format", "json"], repo);
    assert.equal(render.code, 0, render.stderr);
    const rendered = new Map((JSON.parse(render.stdout) as JsonObject[]).map((o) => [`${String(o.type)}/${String(o.name)}`, o]));
    const gatewayListener = ((rendered.get("MeshGateway/edge")?.conf as JsonObject).listeners as JsonObject[])[0];
    assert.deepEqual(gatewayListener?.resources, { connectionLimit: 10 }, "the desired state carries the JSON name");
    assert.deepEqual((rendered.get("Dataplane/web-1")?.networking as JsonObject).transparentProxying, { redirectPortInbound: 15006 });

    const apply = await runCli(["apply", "--cp-url", url], repo);
    assert.equal(apply.code, 0, apply.stdout + apply.stderr);
    const live = (await (await fetch(`${url}/meshes/default/meshgateways/edge`)).json()) as JsonObject;
    assert.deepEqual((((live.conf as JsonObject).listeners as JsonObject[])[0] as JsonObject).resources, { connectionLimit: 10 });
    const mesh = (await (await fetch(`${url}/meshes/default`)).json()) as JsonObject;
    const backend = ((mesh.mtls as JsonObject).backends as JsonObject[])[0] as JsonObject;
    assert.equal((backend.dpCert as JsonObject).requestTimeout, "90s", "the control plane prints a Duration in seconds");

    const drift = await runCli(["drift", "--cp-url", url], repo);
    assert.equal(drift.code, 0, drift.stdout + drift.stderr);
    const plan = await runCli(["plan", "--cp-url", url, "--format", "json"], repo);
    assert.equal(plan.code, 0, plan.stderr);
    const changes = (JSON.parse(plan.stdout) as { changes?: { action: string }[] }).changes ?? [];
    assert.deepEqual(changes.filter((c) => c.action !== "noop"), []);
  });
});

test("the embedded control plane decodes as Kuma's: a proto name stored under its JSON name, bad base64 a 400 naming the offset", async () => {
  await withControlPlaneServer({ skipMeshCreation: true }, async (url) => {
    const put = (path: string, body: JsonObject) => fetch(`${url}${path}`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    assert.equal((await put("/meshes/default", { type: "Mesh", name: "default" })).status, 201);
    const listener = { port: 8080, protocol: "HTTP", resources: { connection_limit: 10 } };
    const gatewayBody = { type: "MeshGateway", mesh: "default", name: "edge", selectors: [{ match: { "kuma.io/service": "edge" } }], conf: { listeners: [listener] } };
    assert.equal((await put("/meshes/default/meshgateways/edge", gatewayBody)).status, 201);
    const live = (await (await fetch(`${url}/meshes/default/meshgateways/edge`)).json()) as JsonObject;
    assert.deepEqual((((live.conf as JsonObject).listeners as JsonObject[])[0] as JsonObject).resources, { connectionLimit: 10 });

    // Kuma: 400 "Bad Request", `invalid Secret object: "illegal base64 data at input byte 4"` (jsonpb's error).
    const refused = await put("/meshes/default/secrets/token", { type: "Secret", mesh: "default", name: "token", data: SECRET_VALUE });
    assert.equal(refused.status, 400);
    const problem = (await refused.json()) as JsonObject;
    assert.equal(problem.title, "Bad Request");
    assert.equal(problem.detail, 'invalid Secret object: "illegal base64 data at input byte 4"');
    assert.equal(JSON.stringify(problem).includes(SECRET_VALUE), false);

    // Kuma: 400 "Bad Request", `invalid MeshGateway object: "invalid character '8' after top-level value"`.
    const zeroPadded = await put("/meshes/default/meshgateways/padded", { ...gatewayBody, name: "padded", conf: { listeners: [{ ...listener, port: "08080" }] } });
    assert.equal(zeroPadded.status, 400);
    const decoded = (await zeroPadded.json()) as JsonObject;
    assert.deepEqual([decoded.title, decoded.detail], ["Bad Request", `invalid MeshGateway object: "invalid character '8' after top-level value"`]);
  });
});

const put = (url: string, path: string, body: JsonObject) => fetch(`${url}${path}`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
const dataplaneBody = (inbound: JsonObject): JsonObject => ({
  type: "Dataplane",
  mesh: "default",
  name: "web-1",
  networking: { address: "10.0.0.1", inbound: [{ port: 8080, tags: { "kuma.io/service": "web" }, ...inbound }] },
});
const tracingBody = (sampling: string): JsonObject => ({
  type: "Mesh",
  name: "traced",
  tracing: { backends: [{ name: "zipkin", type: "zipkin", sampling, conf: { url: "http://zipkin:9411/api/v2/spans" } }] },
});

test("the embedded control plane answers what jsonpb refuses in a number or enum field with jsonpb's error, as a 400 Bad Request", async () => {
  await withControlPlaneServer({ skipMeshCreation: true }, async (url) => {
    assert.equal((await put(url, "/meshes/default", { type: "Mesh", name: "default" })).status, 201);
    const refusal = async (inbound: JsonObject) => {
      const response = await put(url, "/meshes/default/dataplanes/web-1", dataplaneBody(inbound));
      const problem = (await response.json()) as JsonObject;
      return [response.status, problem.title, problem.detail, problem.invalid_parameters];
    };
    const badRequest = (goError: string) => [400, "Bad Request", `invalid Dataplane object: ${JSON.stringify(goError)}`, undefined];
    assert.deepEqual(await refusal({ port: "abc" }), badRequest("invalid character 'a' looking for beginning of value"));
    assert.deepEqual(await refusal({ port: "8080 x" }), badRequest("invalid character 'x' after top-level value"));
    assert.deepEqual(await refusal({ port: "" }), badRequest("unexpected end of JSON input"));
    // jsonpb decodes the value alone (json.Unmarshal into a uint32): no struct field in the error.
    assert.deepEqual(await refusal({ port: -1 }), badRequest("json: cannot unmarshal number -1 into Go value of type uint32"));
    assert.deepEqual(await refusal({ port: "4294967296" }), badRequest("json: cannot unmarshal number 4294967296 into Go value of type uint32"));
    assert.deepEqual(await refusal({ port: true }), badRequest("json: cannot unmarshal bool into Go value of type uint32"));
    assert.deepEqual(await refusal({ state: "Bogus" }), badRequest('unknown value "\\"Bogus\\"" for enum kuma.mesh.v1alpha1.Dataplane.Networking.Inbound.State'));
    assert.deepEqual(await refusal({ state: 2147483648 }), badRequest("json: cannot unmarshal number 2147483648 into Go value of type protoreflect.EnumNumber"));
    assert.equal((await fetch(`${url}/meshes/default/dataplanes/web-1`)).status, 404, "nothing was stored");
  });
});

test("the embedded control plane answers a type error in any other field of a protobuf kind with jsonpb's error, as a 400 Bad Request", async () => {
  // jsonpb hands a string, bool or bytes field to json.Unmarshal, and reads a message, a map, a list and a Struct
  // through json.Unmarshal into map[string]json.RawMessage or []json.RawMessage (golang/protobuf v1.5.4 jsonpb/decode.go
  // unmarshalMessage, unmarshalValue, unmarshalSingularValue): the value alone, no struct field in the error.
  await withControlPlaneServer({ skipMeshCreation: true }, async (url) => {
    assert.equal((await put(url, "/meshes/default", { type: "Mesh", name: "default" })).status, 201);
    const answer = async (path: string, body: JsonObject) => {
      const response = await put(url, path, body);
      const problem = (await response.json()) as JsonObject;
      return [response.status, problem.title, problem.detail, problem.invalid_parameters];
    };
    const badRequest = (typeName: string, goError: string) => [400, "Bad Request", `invalid ${typeName} object: ${JSON.stringify(goError)}`, undefined];
    const dataplane = (networking: JsonObject, more: JsonObject = {}) => answer("/meshes/default/dataplanes/web-1", { ...dataplaneBody({}), networking: { ...(dataplaneBody({}).networking as JsonObject), ...networking }, ...more });
    const inbound = (fields: JsonObject) => answer("/meshes/default/dataplanes/web-1", dataplaneBody(fields));
    const typeError = (value: string, goType: string) => `json: cannot unmarshal ${value} into Go value of type ${goType}`;

    assert.deepEqual(await dataplane({ address: 10 }), badRequest("Dataplane", typeError("number", "string")));
    assert.deepEqual(await inbound({ tags: { "kuma.io/service": 5 } }), badRequest("Dataplane", typeError("number", "string")));
    assert.deepEqual(await inbound({ tags: ["web"] }), badRequest("Dataplane", typeError("array", "map[string]json.RawMessage")));
    assert.deepEqual(await inbound({ health: { ready: "yes" } }), badRequest("Dataplane", typeError("string", "bool")));
    assert.deepEqual(await inbound({ serviceProbe: "fast" }), badRequest("Dataplane", typeError("string", "map[string]json.RawMessage")));
    // google.protobuf.Duration reads its string with json.Unmarshal first (unquoteString), without "bad Duration".
    assert.deepEqual(await inbound({ serviceProbe: { interval: 5 } }), badRequest("Dataplane", typeError("number", "string")));
    assert.deepEqual(await dataplane({ inbound: { port: 8080 } }), badRequest("Dataplane", typeError("object", "[]json.RawMessage")));
    assert.deepEqual(await dataplane({}, { metrics: { type: "prometheus", conf: "port=1234" } }), badRequest("Dataplane", `bad StructValue: ${typeError("string", "map[string]json.RawMessage")}`));
    assert.deepEqual(await answer("/meshes/default/dataplanes/web-1", { ...dataplaneBody({}), networking: true }), badRequest("Dataplane", typeError("bool", "map[string]json.RawMessage")));
    assert.equal((await fetch(`${url}/meshes/default/dataplanes/web-1`)).status, 404, "nothing was stored");

    const gatewayBody = (listener: JsonObject): JsonObject => ({ type: "MeshGateway", mesh: "default", name: "edge", selectors: [{ match: { "kuma.io/service": "edge" } }], conf: { listeners: [{ port: 8443, protocol: "HTTPS", ...listener }] } });
    const inline = gatewayBody({ tls: { mode: "TERMINATE", certificates: [{ inline: 5 }] } });
    assert.deepEqual(await answer("/meshes/default/meshgateways/edge", inline), badRequest("MeshGateway", typeError("number", "[]uint8")));

    assert.deepEqual(await answer("/meshes/strict", { type: "Mesh", name: "strict", mtls: { enabledBackend: 1 } }), badRequest("Mesh", typeError("number", "string")));
    assert.deepEqual(await answer("/meshes/strict", { type: "Mesh", name: "strict", skipCreatingInitialPolicies: "*" }), badRequest("Mesh", typeError("string", "[]json.RawMessage")));
    assert.deepEqual(await answer("/meshes/strict", { type: "Mesh", name: "strict", routing: { zoneEgress: "true" } }), badRequest("Mesh", typeError("string", "bool")));
    assert.equal((await fetch(`${url}/meshes/strict`)).status, 404, "nothing was stored");
  });
});

// The REST unmarshaller reads a protobuf kind without a schema stage (go-v2.14.3 rest/unmarshaller.go: no
// StructuralSchema): encoding/json fills ResourceMeta first (rest/unversioned/resource.go UnmarshalJSON; golden
// put_dataplanes_08), then jsonpb walks the message's fields in .proto order and stops at the first error.
const refusals = async (url: string) => {
  assert.equal((await put(url, "/meshes/default", { type: "Mesh", name: "default" })).status, 201);
  return async (path: string, body: JsonObject) => {
    const response = await put(url, path, body);
    const problem = (await response.json()) as JsonObject;
    return [response.status, problem.title, problem.detail, problem.invalid_parameters];
  };
};
const decodeRefusal = (typeName: string, goError: string) => [400, "Bad Request", `invalid ${typeName} object: ${JSON.stringify(goError)}`, undefined];
const negativePort = "json: cannot unmarshal number -1 into Go value of type uint32";

test("a decode error in a protobuf kind comes before what meshops's schema refuses (an unknown field, which jsonpb would drop)", async () => {
  await withControlPlaneServer({ skipMeshCreation: true }, async (url) => {
    const answer = await refusals(url);
    const body = dataplaneBody({ port: -1 });
    (body.networking as JsonObject).bogusField = true;
    assert.deepEqual(await answer("/meshes/default/dataplanes/web-1", body), decodeRefusal("Dataplane", negativePort));
    assert.equal((await fetch(`${url}/meshes/default/dataplanes/web-1`)).status, 404, "nothing was stored");
  });
});

test("of two decode errors in a protobuf kind, the one in the field declared first in the .proto is answered, whatever the paths' order", async () => {
  await withControlPlaneServer({ skipMeshCreation: true }, async (url) => {
    const answer = await refusals(url);
    // `port` is declared before `health` (dataplane.pb.go), though its path sorts after.
    assert.deepEqual(await answer("/meshes/default/dataplanes/web-1", dataplaneBody({ health: 5, port: -1 })), decodeRefusal("Dataplane", negativePort));
    // Mesh: mtls (field 1) and tracing (2) before logging (3).
    const notString = "json: cannot unmarshal number into Go value of type string";
    assert.deepEqual(await answer("/meshes/strict", { type: "Mesh", name: "strict", logging: { backends: "x" }, mtls: { enabledBackend: 5 } }), decodeRefusal("Mesh", notString));
    assert.deepEqual(await answer("/meshes/strict", { type: "Mesh", name: "strict", logging: { backends: "x" }, tracing: { defaultBackend: 5 } }), decodeRefusal("Mesh", notString));
    assert.equal((await fetch(`${url}/meshes/strict`)).status, 404, "nothing was stored");
  });
});

test("an envelope field of the wrong JSON type in a protobuf kind gets ResourceMeta's decode error, before the message's, the first in the body's order", async () => {
  await withControlPlaneServer({ skipMeshCreation: true }, async (url) => {
    const answer = await refusals(url);
    const metaError = (value: string, field: string, goType = "string") => `json: cannot unmarshal ${value} into Go struct field ResourceMeta.${field} of type ${goType}`;
    assert.deepEqual(await answer("/meshes/default/dataplanes/web-1", { ...dataplaneBody({}), name: 4 }), decodeRefusal("Dataplane", metaError("number", "name")));
    assert.deepEqual(await answer("/meshes/default/dataplanes/web-1", { ...dataplaneBody({ port: -1 }), labels: { team: 5 } }), decodeRefusal("Dataplane", metaError("number", "labels")));
    assert.deepEqual(await answer("/meshes/strict", { type: "Mesh", labels: "team=a", name: true, mtls: { enabledBackend: 5 } }), decodeRefusal("Mesh", metaError("string", "labels", "map[string]string")));
    assert.deepEqual(await answer("/meshes/strict", { type: 5, name: "strict" }), decodeRefusal("Mesh", metaError("number", "type")));
    const gateway = { type: "MeshGateway", mesh: ["default"], name: "edge", selectors: [{ match: { "kuma.io/service": "edge" } }], conf: { listeners: [{ port: 8080, protocol: "HTTP" }] } };
    assert.deepEqual(await answer("/meshes/default/meshgateways/edge", gateway), decodeRefusal("MeshGateway", metaError("array", "mesh")));
    assert.equal((await fetch(`${url}/meshes/strict`)).status, 404, "nothing was stored");
    assert.equal((await fetch(`${url}/meshes/default/dataplanes/web-1`)).status, 404, "nothing was stored");
  });
});

test("meshops validate still reports every problem of such a body, in the schema's wording, by file position", () => {
  const files = { "mesh.yaml": MESH, "dataplane.yaml": dataplane("transparentProxying: {redirectPortInbound: 15006}", "bogus: 1") };
  files["dataplane.yaml"] = files["dataplane.yaml"].replace("    - port: 8080", "    - port: -1");
  assert.deepEqual(errorsOf(files), [
    "dataplane.yaml:7 Dataplane/default/web-1 networking.inbound[0].port: must be an unsigned 32-bit integer (Go type uint32): -1 cannot be decoded",
    "dataplane.yaml:11 Dataplane/default/web-1 networking.inbound[0].serviceProbe.bogus: unknown field \"bogus\"",
  ]);
});

test("a null item of a list of messages is an empty message, as jsonpb reads it: the validator judges it", async () => {
  // jsonpb/decode.go unmarshalValue: each item of a repeated message field through unmarshalMessage, which reads `null`
  // as an empty message; Kuma's Mesh validator then wants a tag (requirements, RequireAtLeastOneTag).
  await withControlPlaneServer({ skipMeshCreation: true }, async (url) => {
    const response = await put(url, "/meshes/strict", { type: "Mesh", name: "strict", constraints: { dataplaneProxy: { requirements: [{ tags: { zone: "a" } }, null] } } });
    const problem = (await response.json()) as JsonObject;
    assert.deepEqual(
      [response.status, problem.detail, problem.invalid_parameters],
      [400, "Resource is not valid", [{ field: "constraints.dataplaneProxy.requirements[1].tags", reason: "must have at least one tag" }]],
    );
  });
});

test("the embedded control plane stores what jsonpb reads as jsonpb prints it, and refuses what the Mesh validator refuses", async () => {
  await withControlPlaneServer({ skipMeshCreation: true }, async (url) => {
    assert.equal((await put(url, "/meshes/default", { type: "Mesh", name: "default" })).status, 201);
    assert.equal((await put(url, "/meshes/default/dataplanes/web-1", dataplaneBody({ port: " 8080 ", state: 7 }))).status, 201);
    const live = (await (await fetch(`${url}/meshes/default/dataplanes/web-1`)).json()) as JsonObject;
    const inbound = ((live.networking as JsonObject).inbound as JsonObject[])[0] as JsonObject;
    assert.deepEqual([inbound.port, inbound.state], [8080, 7], "the number, and the enum number without a name");

    assert.equal((await put(url, "/meshes/traced", tracingBody("NaN"))).status, 201);
    const mesh = (await (await fetch(`${url}/meshes/traced`)).json()) as JsonObject;
    assert.equal(((mesh.tracing as JsonObject).backends as JsonObject[])[0]?.sampling, "NaN", 'jsonpb prints a NaN double as "NaN"');

    const infinite = await put(url, "/meshes/traced", tracingBody("Infinity"));
    const problem = (await infinite.json()) as JsonObject;
    assert.deepEqual(
      [infinite.status, problem.detail, problem.invalid_parameters],
      [400, "Resource is not valid", [{ field: "tracing.backends[0].sampling", reason: "has to be in [0.0 - 100.0] range" }]],
    );
  });
});

test("written as jsonpb reads it (NaN, numeric strings with spaces, enum numbers without a name): applied, and no drift afterwards", async () => {
  const repo = committedRepo(
    {
      "meshops.yaml": CONFIG,
      "mesh.yaml": tracing("NaN"),
      "dataplane.yaml": inboundDataplane('" 8080 "', "7"),
      "gateway.yaml": listener("8080", "2", '" 10"'),
    },
    cleanups,
  );
  await withControlPlaneServer({ skipMeshCreation: true }, async (url) => {
    const apply = await runCli(["apply", "--cp-url", url], repo);
    assert.equal(apply.code, 0, apply.stdout + apply.stderr);
    const drift = await runCli(["drift", "--cp-url", url], repo);
    assert.equal(drift.code, 0, drift.stdout + drift.stderr);
  });
});
