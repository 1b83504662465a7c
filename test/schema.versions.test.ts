import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { JsonObject } from "../src/model/index.js";
import { parseRepoConfig } from "../src/config/repoConfig.js";
import { RESOURCE_TYPES } from "../src/kuma/types.js";
import { LATEST_MINOR, SUPPORTED_MINORS, compareMinors, schemaLine } from "../src/kuma/versions.js";
import { AJV_OPTIONS } from "../src/validate/formats.js";
import { schemaFor } from "../src/kuma/schemas.js";
import { validateSchema } from "../src/validate/schema.js";
import { projectRoot } from "./helpers/git.js";

/**
 * Version-aware validation: `controlPlane.version` selects the schemas of that Kuma minor line (schemas/v<minor>/,
 * generated from each release's schema files), and a field or kind the line does not have names the release that
 * introduced it. The expectations below come from the Kuma releases' schemas, as the generator read them.
 */
const mtpWithRules = (): JsonObject => ({
  type: "MeshTrafficPermission",
  mesh: "default",
  name: "rules",
  spec: { targetRef: { kind: "Mesh" }, rules: [{ default: { allow: [{ spiffeID: { type: "Exact", value: "spiffe://default/backend" } }] } }] },
});

const messages = (typeName: string, object: JsonObject, version?: string) => validateSchema(typeName, object, version).map((v) => `${v.path}: ${v.message}`);

describe("Kuma minor lines", () => {
  void it("selects a line by controlPlane.version", () => {
    assert.deepEqual(SUPPORTED_MINORS, ["2.10", "2.11", "2.12", "2.13", "2.14"]);
    assert.equal(LATEST_MINOR, "2.14");
    assert.deepEqual(schemaLine("2.10.11"), { minor: "2.10", version: "2.10.11" });
    assert.deepEqual(schemaLine("2.13"), { minor: "2.13", version: "2.13" });
    // As Kuma writes its versions: a tag's v is not one.
    assert.ok("error" in schemaLine("v2.10.3"));
    assert.deepEqual(schemaLine(undefined), { minor: "2.14", version: undefined });
    assert.deepEqual(schemaLine("3.0.0"), { minor: "2.14", version: "3.0.0" }); // 3.x stays on the newest schemas
    assert.deepEqual(schemaLine("2.9.4"), { error: "controlPlane.version 2.9.4 is not supported: use 2.10, 2.11, 2.12, 2.13, 2.14 (any patch release) or 3.x" });
  });

  void it("an unsupported controlPlane.version is a config error on its line, listing the supported ones", () => {
    const text = "instance: test\ncontrolPlane:\n  product: kuma\n  version: \"2.8.1\"\n";
    const { diagnostics } = parseRepoConfig({ path: "meshops.yaml", text }, "");
    assert.deepEqual(
      diagnostics.map((d) => [d.line, d.path, d.message]),
      [[4, "controlPlane.version", "2.8.1 is not supported: use 2.10, 2.11, 2.12, 2.13, 2.14 (any patch release) or 3.x"]],
    );
    assert.deepEqual(parseRepoConfig({ path: "meshops.yaml", text: text.replace("2.8.1", "2.12.3") }, "").diagnostics, []);
  });

  void it("a 3.x controlPlane.version is checked with the newest line's schemas, and an info item on its line says so", () => {
    // Not a warning: a repository targeting 3.x must pass `--warnings-as-errors`; but nothing may pretend that 3.x's own
    // schemas were checked.
    const text = "instance: test\ncontrolPlane:\n  product: kuma\n  version: \"3.0.1\"\n";
    const { diagnostics } = parseRepoConfig({ path: "meshops.yaml", text }, "");
    assert.deepEqual(
      diagnostics.map((d) => [d.severity, d.line, d.column, d.path, d.rule, d.message]),
      [["info", 4, 3, "controlPlane.version", "config", "controlPlane.version 3.0.1 is newer than the newest line meshops carries (2.14): checked with 2.14's schemas and rules, so what 3.0 changed is not known here"]],
    );
  });

  void it("a field added in 2.12 (MeshTrafficPermission rules) is an error for 2.10 and 2.11 that names 2.12", () => {
    for (const version of ["2.10.11", "2.11.2"]) {
      assert.deepEqual(messages("MeshTrafficPermission", mtpWithRules(), version), [
        `spec.rules: field "rules" was introduced in Kuma 2.12; controlPlane.version ${version} does not have it`,
      ]);
    }
    for (const version of ["2.12.0", "2.13.10", "2.14.3", undefined]) assert.deepEqual(messages("MeshTrafficPermission", mtpWithRules(), version), [], version);
  });

  void it("a nested field names its release too, and a typo stays a typo", () => {
    const service: JsonObject = {
      type: "MeshService",
      mesh: "default",
      name: "web",
      spec: { selector: { dataplaneLabels: { matchLabels: { app: "web" } } }, ports: [{ port: 80, appProtocol: "http" }] },
    };
    assert.deepEqual(messages("MeshService", service, "2.13.4"), [
      'spec.selector.dataplaneLabels: field "dataplaneLabels" was introduced in Kuma 2.14; controlPlane.version 2.13.4 does not have it',
    ]);
    assert.deepEqual(messages("MeshService", service, "2.14.0"), []);
    const typo = mtpWithRules();
    (typo.spec as { targetRef: JsonObject }).targetRef = { kind: "Mesh", nmae: "x" };
    assert.deepEqual(messages("MeshTrafficPermission", typo, "2.12.1"), ['spec.targetRef.nmae: unknown field "nmae", did you mean "name"?']);
  });

  void it("an enum value added later names its release; other values keep the enum message", () => {
    const service = (type: string): JsonObject => ({
      type: "MeshService",
      mesh: "default",
      name: "web",
      spec: { identities: [{ type, value: "spiffe://default/web" }], ports: [{ port: 80 }] },
    });
    assert.deepEqual(messages("MeshService", service("SpiffeID"), "2.11.3"), [
      'spec.identities[0].type: "SpiffeID" was introduced in Kuma 2.12; controlPlane.version 2.11.3 does not have it',
    ]);
    assert.deepEqual(messages("MeshService", service("SpiffeID"), "2.12.0"), []);
    assert.deepEqual(messages("MeshService", service("Spiffe"), "2.10.1"), ["spec.identities[0].type: should be one of [ServiceTag]"]);
  });

  void it("a kind added in 2.12 (MeshIdentity) is an error for 2.10 and 2.11 that names 2.12", () => {
    const identity: JsonObject = { type: "MeshIdentity", mesh: "default", name: "id", spec: {} };
    assert.deepEqual(messages("MeshIdentity", identity, "2.11.18"), ["type: MeshIdentity was introduced in Kuma 2.12; controlPlane.version 2.11.18 does not have it"]);
    // From 2.12 on the kind exists, with that line's schema: 2.12 requires a provider, 2.14 no longer does.
    assert.deepEqual(messages("MeshIdentity", identity, "2.12.0"), ["spec.provider: Required value"]);
    assert.deepEqual(messages("MeshIdentity", identity, "2.14.3"), []);
    // ...and an enum value 2.14 added (the Extension provider) names 2.14 for a 2.12 or 2.13 target.
    const extension: JsonObject = { ...identity, spec: { provider: { type: "Extension", extension: { name: "vault" } } } };
    assert.deepEqual(messages("MeshIdentity", extension, "2.13.10"), [
      'spec.provider.extension: field "extension" was introduced in Kuma 2.14; controlPlane.version 2.13.10 does not have it',
      'spec.provider.type: "Extension" was introduced in Kuma 2.14; controlPlane.version 2.13.10 does not have it',
    ]);
    assert.deepEqual(messages("MeshIdentity", extension, "2.14.0"), []);
  });

  void it("each new kind names the line that introduced it", () => {
    const introduced: Record<string, string> = { MeshTrust: "2.12", MeshIdentity: "2.12", Workload: "2.13", MeshOpenTelemetryBackend: "2.14", MeshZoneAddress: "2.14" };
    for (const [typeName, minor] of Object.entries(introduced)) {
      const object: JsonObject = { type: typeName, mesh: "default", name: "x", spec: {} };
      for (const line of SUPPORTED_MINORS) {
        const first = messages(typeName, object, `${line}.0`)[0] ?? "";
        const missing = `type: ${typeName} was introduced in Kuma ${minor}; controlPlane.version ${line}.0 does not have it`;
        if (compareMinors(line, minor) < 0) assert.equal(first, missing, `${typeName} as ${line}`);
        else assert.notEqual(first, missing, `${typeName} as ${line}`);
      }
    }
    // Kinds every supported line has are never refused for their version.
    for (const typeName of ["MeshGateway", "Dataplane"]) {
      for (const line of SUPPORTED_MINORS) assert.ok(!messages(typeName, { type: typeName, mesh: "default", name: "x" }, line).some((m) => m.includes("introduced")), typeName);
    }
  });

  void it("a Dataplane field added in 2.14 (listeners, inbound protocol) is an error for 2.10 as for 2.11-2.13", () => {
    // Kuma's Dataplane proto (versions/v<release>/docs/generated/raw/protos/Dataplane.json in the reference) has
    // Networking.listeners and Inbound.protocol from v2.14.3 on; v2.10.11's message is the same as v2.11.18's, without them.
    // 2.10 has no dataplane rest.yaml, so its line took the newest schema and let both through.
    const dataplane: JsonObject = {
      type: "Dataplane",
      mesh: "default",
      name: "dp1",
      networking: {
        address: "10.0.0.1",
        inbound: [{ port: 8080, protocol: "http", tags: { "kuma.io/service": "web" } }],
        listeners: [{ address: "10.0.0.1", port: 10001, type: "ZoneIngress" }],
      },
    };
    for (const version of ["2.10.11", "2.11.18", "2.13.10"]) {
      assert.deepEqual(messages("Dataplane", dataplane, version), [
        `networking.inbound[0].protocol: field "protocol" was introduced in Kuma 2.14; controlPlane.version ${version} does not have it`,
        `networking.listeners: field "listeners" was introduced in Kuma 2.14; controlPlane.version ${version} does not have it`,
      ], version);
    }
    assert.deepEqual(messages("Dataplane", dataplane, "2.14.3"), []);
  });

  void it("a HostnameGenerator extension (added in 2.11) is an error for 2.10 that names 2.11", () => {
    // Kuma v2.10.11 pkg/core/resources/apis/hostnamegenerator/api/v1alpha1/schema.yaml and its Go type
    // (HostnameGenerator{Selector, Template}) have no `extension`; v2.11.18's have it, as v2.14.3's rest.yaml does.
    const generator: JsonObject = {
      type: "HostnameGenerator",
      name: "ext",
      spec: { selector: { meshService: { matchLabels: { app: "web" } } }, template: "{{ .DisplayName }}.mesh", extension: { type: "dns" } },
    };
    assert.deepEqual(messages("HostnameGenerator", generator, "2.10.11"), [
      'spec.extension: field "extension" was introduced in Kuma 2.11; controlPlane.version 2.10.11 does not have it',
    ]);
    for (const version of ["2.11.18", "2.12.14", "2.14.3"]) assert.deepEqual(messages("HostnameGenerator", generator, version), [], version);
  });

  void it("a MeshGateway listener's connectionLimit is accepted on every line, as jsonpb reads and writes it", () => {
    // Kuma v2.10.11's api/mesh/v1alpha1/meshgateway/schema.yaml spells the field `connection_limit` (the proto name; 2.11
    // fixed the file), but a MeshGateway is a protobuf kind the 2.10 API server does not check against that file: it
    // decodes with jsonpb (pkg/util/proto FromJSON), which takes `connectionLimit` (gateway.pb.go json=connectionLimit),
    // and GET prints `connectionLimit` (jsonpb.Marshaler, OrigName false).
    const gateway: JsonObject = {
      type: "MeshGateway",
      mesh: "default",
      name: "gw",
      selectors: [{ match: { "kuma.io/service": "gw" } }],
      conf: { listeners: [{ port: 8080, protocol: "HTTP", resources: { connectionLimit: 100 } }] },
    };
    for (const version of SUPPORTED_MINORS) assert.deepEqual(messages("MeshGateway", gateway, version), [], version);
  });

  void it("the Go decode rules hold on every line", () => {
    const rateLimit: JsonObject = {
      type: "MeshRateLimit",
      mesh: "default",
      name: "rl",
      spec: { targetRef: { kind: "Mesh" }, from: [{ targetRef: { kind: "Mesh" }, default: { local: { tcp: { connectionRate: { num: -1, interval: "1s" } } } } }] },
    };
    for (const version of SUPPORTED_MINORS) {
      assert.deepEqual(messages("MeshRateLimit", rateLimit, version), [
        "spec.from[0].default.local.tcp.connectionRate.num: must be an unsigned 32-bit integer (Go type uint32): -1 cannot be decoded",
      ]);
    }
  });

  void it("every line's own schemas exist, compile in strict mode, and differ from the newest", () => {
    const index = JSON.parse(readFileSync(path.join(projectRoot, "schemas/versions.json"), "utf8")) as { versions: Record<string, { ownSchemas: string[] }> };
    const ajv = new Ajv2020(AJV_OPTIONS);
    for (const minor of SUPPORTED_MINORS.filter((m) => m !== LATEST_MINOR)) {
      for (const typeName of index.versions[minor]?.ownSchemas ?? []) {
        assert.ok(existsSync(path.join(projectRoot, `schemas/v${minor}/${typeName}.schema.json`)), `${minor} ${typeName}`);
        const schema = schemaFor(typeName, minor);
        assert.ok(schema);
        ajv.compile(schema);
        assert.notDeepEqual({ ...schema, $id: "", description: "" }, { ...schemaFor(typeName), $id: "", description: "" }, `${minor} ${typeName}`);
      }
    }
    for (const type of RESOURCE_TYPES) assert.ok(schemaFor(type.name, "2.10"), type.name);
  });
});
