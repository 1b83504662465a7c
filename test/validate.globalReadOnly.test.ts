/**
 * On a global control plane the kinds only zones provide (kds_flags without ProvidedByGlobalFlag: MeshService,
 * MeshZoneAddress, Workload, Dataplane) are read-only (go-v2.14.3 pkg/core/resources/model/resource.go IsReadOnly):
 * its API answers 405 and its admission webhook refuses them (pkg/plugins/runtime/k8s/webhooks/
 * resourceadmissionchecker.go). With `controlPlane.mode: global` they passed validate and render, and an Argo CD or
 * Flux sync then failed at that object.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { errors, validateJson } from "./helpers/cli.js";
import { committedRepo } from "./helpers/git.js";

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((cleanup) => cleanup()));

const SERVICE = "type: MeshService\nname: ledger\nmesh: default\nspec:\n  selector: {dataplaneTags: {app: ledger}}\n  ports: [{port: 80, targetPort: 8080, appProtocol: http}]\n";
const WORKLOAD = "apiVersion: kuma.io/v1alpha1\nkind: Workload\nmetadata:\n  name: ledger\n  namespace: kuma-system\n  labels: {kuma.io/mesh: default}\nspec: {}\n";
const MESH = "type: Mesh\nname: default\n";

test("a kind only zones provide is an error on a global control plane, in either shape; on a zone it is not", async () => {
  const global = committedRepo({ "meshops.yaml": "controlPlane: {mode: global}\n", "mesh.yaml": MESH, "service.yaml": SERVICE, "workload.yaml": WORKLOAD }, cleanups);
  const report = await validateJson(global);
  assert.equal(report.valid, false);
  assert.deepEqual(errors(report), [
    "service.yaml:1 MeshService/default/ledger type: On global control plane you can not modify dataplane resources with 'kumactl apply' or via the HTTP API. You can still use 'kumactl' or the HTTP API to modify them on the zone control plane. (controlPlane.mode global: MeshService is provided by zones; define it in a zone's repository)",
    "workload.yaml:2 Workload/default/ledger.kuma-system kind: Operation not allowed. Kuma resources like Workload can be updated or deleted only from the ZONE control plane and not from a GLOBAL control plane. (controlPlane.mode global: Workload is provided by zones; define it in a zone's repository)",
  ]);
  const zone = committedRepo({ "meshops.yaml": "controlPlane: {mode: zone}\n", "mesh.yaml": MESH, "service.yaml": SERVICE, "workload.yaml": WORKLOAD }, cleanups);
  assert.deepEqual(errors(await validateJson(zone)), []);
});
