import assert from "node:assert/strict";
import { test } from "node:test";
import { parse } from "yaml";
import type { JsonObject, JsonValue, Resource } from "../src/model/resource.js";
import { DEFAULT_CONFIG } from "../src/config/repoConfig.js";
import { buildDesired, targetOf } from "../src/desired/index.js";
import { toResource, type ConvertOptions } from "../src/parse/convert.js";
import { DEFAULT_SYSTEM_NAMESPACES } from "../src/kuma/naming.js";
import { toKubernetes } from "../src/report/render.js";
import { referencedNames } from "../src/kuma/naming.js";

/** Kuma's naming of namespaced Kubernetes resources, as the converter and the renderer apply it. */
const zone: ConvertOptions = { systemNamespaces: DEFAULT_SYSTEM_NAMESPACES, mode: "zone" };
const convert = (value: JsonValue, options = zone) => toResource("k8s.yaml", { index: 0, line: 1, column: 1, value }, options);

const retry = parse(`
apiVersion: kuma.io/v1alpha1
kind: MeshRetry
metadata:
  name: ledger-retries
  namespace: payments
  labels:
    kuma.io/mesh: payments
    team: core
spec:
  to:
    - targetRef: {kind: MeshService, name: ledger}
      default: {tcp: {maxConnectAttempt: 3}}
`) as JsonObject;

test("a namespaced document is name.namespace in the API, with the display-name and namespace labels", () => {
  const { resource, problems } = convert(retry);
  assert.deepEqual(problems, []);
  assert.equal(resource?.name, "ledger-retries.payments");
  assert.deepEqual(resource?.object.labels, { team: "core", "kuma.io/display-name": "ledger-retries", "k8s.kuma.io/namespace": "payments" });
});

test("rendering it for Kubernetes puts it back in its namespace under its own name, and reading that back is the same resource", () => {
  const first = convert(retry).resource;
  assert.ok(first);
  const rendered = toKubernetes(first, "kuma-system");
  assert.deepEqual(rendered.metadata, { name: "ledger-retries", namespace: "payments", labels: { team: "core", "kuma.io/mesh": "payments" } });
  assert.deepEqual(convert(rendered).resource?.object, first.object);
});

test("a document without a namespace keeps its name, and the renderer gives a Universal name the system namespace", () => {
  const { metadata, ...rest } = retry;
  const plain = convert({ ...rest, metadata: { ...(metadata as JsonObject), namespace: null } });
  assert.equal(plain.problems[0]?.rule, "kubernetes-shape", "a null namespace is not a namespace");
  const unnamespaced = convert({ ...rest, metadata: { name: "ledger-retries", labels: { "kuma.io/mesh": "payments" } } }).resource;
  assert.equal(unnamespaced?.name, "ledger-retries");
  assert.equal(unnamespaced?.object.labels, undefined);
  assert.ok(unnamespaced);
  assert.deepEqual(toKubernetes(unnamespaced, "kong-mesh-system").metadata, { name: "ledger-retries", namespace: "kong-mesh-system", labels: { "kuma.io/mesh": "payments" } });
});

test("identity labels that contradict metadata are refused; stating them is fine", () => {
  const labelled = (labels: JsonObject) => ({ ...retry, metadata: { ...(retry.metadata as JsonObject), labels: { "kuma.io/mesh": "payments", ...labels } } });
  assert.deepEqual(convert(labelled({ "k8s.kuma.io/namespace": "payments", "kuma.io/display-name": "ledger-retries" })).problems, []);
  const wrong = convert(labelled({ "k8s.kuma.io/namespace": "orders" }));
  assert.equal(wrong.resource, undefined);
  assert.deepEqual(
    wrong.problems.map((p) => [p.rule, p.sourcePath.join("/"), p.message]),
    [["kubernetes-shape", "metadata/labels/k8s.kuma.io/namespace", 'must be "payments", the resource\'s namespace, found "orders"']],
  );
});

test("the mode decides the namespaces: zone takes application namespaces, global only the system namespace", () => {
  assert.deepEqual(convert(retry, { ...zone, mode: "standalone" }).problems, []);
  const global = convert(retry, { systemNamespaces: ["kuma-system"], mode: "global" });
  assert.equal(global.problems[0]?.rule, "kubernetes-namespace");
  assert.match(global.problems[0]?.message ?? "", /^on Global CP the policy can be created only in the system namespace:kuma-system \(controlPlane\.mode global: /);
  const inSystem = { ...retry, metadata: { ...(retry.metadata as JsonObject), namespace: "kuma-system" } };
  assert.deepEqual(convert(inSystem, { systemNamespaces: ["kuma-system"], mode: "global" }).problems, []);
});

test("a reference without a namespace means the referrer's namespace first, then the plain name; with one, only that", () => {
  const referrer = convert(retry).resource?.object ?? {};
  assert.deepEqual(referencedNames(referrer, "ledger", undefined), ["ledger.payments", "ledger"]);
  assert.deepEqual(referencedNames(referrer, "ledger", "accounting"), ["ledger.accounting"]);
  assert.deepEqual(referencedNames({ type: "MeshRetry", name: "r" }, "ledger", undefined), ["ledger"]);
});

test("for a Kubernetes-mode control plane the desired state is named as it will be: Universal-shaped and default policies in the system namespace", () => {
  const fromKubernetes = (value: JsonValue) => {
    const resource = convert(value).resource;
    assert.ok(resource);
    return resource;
  };
  const mesh = fromKubernetes(parse("apiVersion: kuma.io/v1alpha1\nkind: Mesh\nmetadata: {name: payments}\n") as JsonObject);
  const override = fromKubernetes(
    parse(
      "apiVersion: kuma.io/v1alpha1\nkind: MeshRetry\nmetadata: {name: mesh-retry-all-payments, namespace: kuma-system, labels: {kuma.io/mesh: payments}}\nspec: {targetRef: {kind: Mesh}, to: [{targetRef: {kind: Mesh}, default: {tcp: {maxConnectAttempt: 2}}}]}\n",
    ) as JsonObject,
  );
  const universal: Resource = { type: "MeshTimeout", mesh: "payments", name: "slow", object: { type: "MeshTimeout", mesh: "payments", name: "slow", spec: { targetRef: { kind: "Mesh" } } }, origin: "repository" };
  const resources = [mesh, fromKubernetes(retry), override, universal];
  const names = (environment: "kubernetes" | "universal") =>
    buildDesired(resources, DEFAULT_CONFIG, targetOf(DEFAULT_CONFIG, { version: "2.14.3", environment })).resources.map((r) => `${r.type}/${r.name}`);
  assert.deepEqual(names("kubernetes"), [
    "Mesh/payments",
    "MeshCircuitBreaker/mesh-circuit-breaker-all-payments.kuma-system",
    "MeshRetry/ledger-retries.payments",
    "MeshRetry/mesh-retry-all-payments.kuma-system",
    "MeshTimeout/mesh-gateways-timeout-all-payments.kuma-system",
    "MeshTimeout/mesh-timeout-all-payments.kuma-system",
    "MeshTimeout/slow.kuma-system",
  ]);
  const desired = buildDesired(resources, DEFAULT_CONFIG, targetOf(DEFAULT_CONFIG, { version: "2.14.3", environment: "kubernetes" }));
  const retryDefault = desired.resources.find((r) => r.name === "mesh-retry-all-payments.kuma-system");
  assert.equal(retryDefault?.origin, "repository", "the repository's override, not the default");
  // No ownership label: meshops writes nothing on Kubernetes (what Kubernetes holds is compared with or without it).
  assert.deepEqual(desired.resources.find((r) => r.name === "slow.kuma-system")?.object.labels, {
    "kuma.io/display-name": "slow",
    "k8s.kuma.io/namespace": "kuma-system",
  });
  // On Universal nothing moves: the override and the default are two resources, as the control plane would hold them.
  assert.ok(names("universal").includes("MeshTimeout/slow"));
  assert.ok(names("universal").includes("MeshRetry/mesh-retry-all-payments"));
});
