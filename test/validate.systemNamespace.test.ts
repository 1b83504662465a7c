/**
 * A control plane has one system namespace (store.kubernetes.systemNamespace; FACTS §5): the admission webhook keeps
 * system-only kinds out of every other namespace and applies the policy role rules there
 * (resourceadmissionchecker.go isNamespaceAllowed, labels/compute.go). Without `systemNamespace` in meshops.yaml,
 * that namespace is the product's: kuma-system for Kuma, kong-mesh-system for Kong Mesh, never either of them.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { errors, validateJson } from "./helpers/cli.js";
import { commitFiles, tempRepo } from "./helpers/git.js";

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((cleanup) => cleanup()));

const MESH = "apiVersion: kuma.io/v1alpha1\nkind: Mesh\nmetadata:\n  name: default\n";
const external = (namespace: string) =>
  `apiVersion: kuma.io/v1alpha1\nkind: MeshExternalService\nmetadata:\n  name: bank\n  namespace: ${namespace}\n  labels:\n    kuma.io/mesh: default\n` +
  "spec:\n  match:\n    type: HostnameGenerator\n    port: 443\n    protocol: tcp\n  endpoints:\n    - address: api.bank.example\n      port: 443\n";
const bothDirections = (namespace: string) =>
  `apiVersion: kuma.io/v1alpha1\nkind: MeshTimeout\nmetadata:\n  name: mixed\n  namespace: ${namespace}\n  labels:\n    kuma.io/mesh: default\n` +
  "spec:\n  targetRef:\n    kind: Mesh\n  to:\n    - targetRef:\n        kind: Mesh\n      default:\n        connectionTimeout: 1s\n  from:\n    - targetRef:\n        kind: Mesh\n      default:\n        connectionTimeout: 1s\n";

async function errorsOf(config: string | undefined, namespace: string): Promise<string[]> {
  const repo = tempRepo("meshops-system-namespace-");
  cleanups.push(repo.cleanup);
  commitFiles(repo.dir, { ...(config !== undefined ? { "meshops.yaml": config } : {}), "mesh.yaml": MESH, "external.yaml": external(namespace), "timeout.yaml": bothDirections(namespace) });
  return errors(await validateJson(repo.dir));
}

test("Kuma (meshops.yaml silent, or product kuma): kuma-system is the system namespace, kong-mesh-system an application's", async () => {
  for (const config of [undefined, "controlPlane:\n  product: kuma\n"]) {
    assert.deepEqual(await errorsOf(config, "kuma-system"), []);
    const refused = await errorsOf(config, "kong-mesh-system");
    assert.equal(refused.length, 2, refused.join("\n"));
    assert.match(refused[0] ?? "", /^external\.yaml:5 MeshExternalService\/default\/bank\.kong-mesh-system metadata\.namespace: resource type MeshExternalService can be created only in the system namespace:kuma-system \(/);
    assert.match(refused[0] ?? "", /systemNamespace in meshops\.yaml names another/);
    assert.match(refused[1] ?? "", /^timeout\.yaml:\d+ MeshTimeout\/default\/mixed\.kong-mesh-system /);
  }
});

test("Kong Mesh (product kong-mesh): kong-mesh-system is the system namespace, kuma-system an application's", async () => {
  const config = "controlPlane:\n  product: kong-mesh\n";
  assert.deepEqual(await errorsOf(config, "kong-mesh-system"), []);
  const refused = await errorsOf(config, "kuma-system");
  assert.equal(refused.length, 2, refused.join("\n"));
  assert.match(refused[0] ?? "", /resource type MeshExternalService can be created only in the system namespace:kong-mesh-system \(/);
});

test("systemNamespace in meshops.yaml is the one system namespace, whatever the product", async () => {
  const config = "systemNamespace: mesh-system\ncontrolPlane:\n  product: kong-mesh\n";
  assert.deepEqual(await errorsOf(config, "mesh-system"), []);
  for (const namespace of ["kuma-system", "kong-mesh-system"]) {
    const refused = await errorsOf(config, namespace);
    assert.equal(refused.length, 2, refused.join("\n"));
    assert.match(refused[0] ?? "", /only in the system namespace:mesh-system \(/);
  }
});

test("a systemNamespace that is no namespace name is meshops.yaml's error, not four render errors without a file", async () => {
  const repo = tempRepo("meshops-system-namespace-");
  cleanups.push(repo.cleanup);
  commitFiles(repo.dir, { "meshops.yaml": "systemNamespace: Kuma_System\n", "mesh.yaml": MESH });
  assert.deepEqual(errors(await validateJson(repo.dir)), ['meshops.yaml:1  systemNamespace: must match pattern "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"']);
});
