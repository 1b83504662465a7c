/**
 * A field left empty in YAML (`hostname:`) is a null, which the control plane's protobuf decoder (util_proto.FromJSON,
 * go-v2.14.3 pkg/core/resources/model/rest/unversioned/resource.go) reads as unset in a Mesh, MeshGateway or
 * Dataplane. meshops refused it as a schema type error: a wrong refusal of an optional field, and of a required one
 * the wrong error (validation case "logging backend with empty name": Kuma says `cannot be empty`).
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { errors, runCli, validateJson } from "./helpers/cli.js";
import { withControlPlaneServer } from "./helpers/controlPlane.js";
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

test("a null item of a list of strings, or null value of a map of strings, in a protobuf kind is jsonpb's zero value: \"\"", async () => {
  // jsonpb hands each list item and map value to json.Unmarshal into a Go string (golang/protobuf v1.5 jsonpb/decode.go
  // unmarshalValue, unmarshalSingularValue), which leaves "" for null; the envelope's labels are encoding/json's
  // map[string]string, the same (rest/unversioned/resource.go, rest/v1alpha1/meta.go). So the validator judges "":
  // reachableServices takes it, a tag does not ("tag value must be non-empty"), a label value may be empty. meshops said
  // "must be of type string" of each, refusing what Kuma accepts.
  const config = "resources:\n  dataplanes: true\n";
  const dataplane = [
    "type: Dataplane",
    "mesh: default",
    "name: dp-1",
    "labels: {team: null}",
    "networking:",
    "  address: 10.1.2.1",
    "  inbound: [{port: 1234, tags: {kuma.io/service: web}}]",
    "  transparentProxying:",
    "    redirectPortInbound: 15006",
    "    redirectPortOutbound: 15001",
    "    reachableServices: [web, null]",
    "    directAccessServices: [~]",
  ].join("\n");
  const mesh = "type: Mesh\nname: default\nlabels: {team: null}\nconstraints:\n  dataplaneProxy:\n    requirements:\n    - tags: {kuma.io/zone: east, c: null}\n";
  const secret = "type: Secret\nmesh: default\nname: token\nlabels: {team: null}\ndata: dGVzdA==\n";
  const repo = committedRepo({ "meshops.yaml": config + "secrets: {allowPlaintext: true}\n", "mesh.yaml": mesh, "dataplane.yaml": dataplane + "\n", "secret.yaml": secret }, cleanups);
  assert.deepEqual(errors(await validateJson(repo)), ['mesh.yaml:7 Mesh/default constraints.dataplaneProxy.requirements[0].tags["c"]: tag value must be non-empty']);
});

test("applied with a null label value and a null list item, a Dataplane plans no change: both are \"\" on each side", async () => {
  // The control plane stores "" for both (jsonpb for the list, encoding/json for the label); the desired object said
  // the label was null, and plan showed it as a change for ever.
  const repo = committedRepo(
    {
      "meshops.yaml": "controlPlane: {skipDefaultMeshCreation: true}\nresources:\n  dataplanes: true\n",
      "mesh.yaml": "type: Mesh\nname: default\nlabels: {team: null}\nskipCreatingInitialPolicies: ['*']\n",
      "dataplane.yaml": [
        "type: Dataplane",
        "mesh: default",
        "name: dp-1",
        "labels: {team: null}",
        "networking:",
        "  address: 10.1.2.1",
        "  inbound: [{port: 1234, tags: {kuma.io/service: web}}]",
        "  transparentProxying: {redirectPortInbound: 15006, redirectPortOutbound: 15001, reachableServices: [web, null]}",
      ].join("\n") + "\n",
    },
    cleanups,
  );
  await withControlPlaneServer({ skipMeshCreation: true }, async (url) => {
    const apply = await runCli(["apply", "--cp-url", url, "--yes"], repo);
    assert.equal(apply.code, 0, apply.stdout + apply.stderr);
    const plan = await runCli(["plan", "--cp-url", url, "--format", "json"], repo);
    assert.deepEqual((JSON.parse(plan.stdout) as { changes: unknown[] }).changes, [], plan.stdout);
    assert.equal(plan.code, 0);
  });
});
