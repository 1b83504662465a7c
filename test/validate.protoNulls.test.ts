/**
 * A field left empty in YAML (`hostname:`) is a null, which the control plane's protobuf decoder (util_proto.FromJSON,
 * go-v2.14.3 pkg/core/resources/model/rest/unversioned/resource.go) reads as unset in a Mesh, MeshGateway or
 * Dataplane. meshops refused it as a schema type error: a wrong refusal of an optional field, and of a required one
 * the wrong error (validation case "logging backend with empty name": Kuma says `cannot be empty`).
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { errors, validateJson } from "./helpers/cli.js";
import { committedRepo } from "./helpers/git.js";

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((cleanup) => cleanup()));

test("a null in a protobuf kind is an unset field: accepted where optional, the validator's own error where required", async () => {
  const gateway = [
    "type: MeshGateway",
    "mesh: default",
    "name: gw",
    "selectors: [{match: {kuma.io/service: gw}}]",
    "conf:",
    "  listeners:",
    "  - port: 8080",
    "    protocol: HTTP",
    "    hostname:",
    "    tags:",
  ].join("\n");
  const mesh = "type: Mesh\nname: default\nmtls:\n  enabledBackend:\nlogging:\n  backends:\n  - name:\n    type: tcp\n    conf:\n      address: kibana:1234\n";
  const repo = committedRepo({ "mesh.yaml": mesh, "gateway.yaml": gateway + "\n" }, cleanups);
  assert.deepEqual(errors(await validateJson(repo)), ["mesh.yaml:7 Mesh/default logging.backends[0].name: cannot be empty"]);
});
