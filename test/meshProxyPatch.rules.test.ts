/**
 * MeshProxyPatch as Kuma 2.14.3's validator checks it (go-v2.14.3
 * pkg/plugins/policies/meshproxypatch/api/v1alpha1/validator.go), one case per branch: `validateDefault` (exactly one
 * modification per item), `validateClusterMod` / `validateListenerMod` / `validateVirtualHostMod` (Add refuses a
 * `match`, a virtual host only its `match.name`; Patch takes `value` or `jsonPatches`; Remove refuses a `value`),
 * `validateHTTPFilterMod` / `validateNetworkFilterMod` (AddBefore/AddAfter/Patch need `match.name`), `validatePatch`
 * (MustHaveOnlyOne / MustHaveExactlyOneOf, messages from pkg/core/validators/messages.go) and `validateResourceValue`.
 * The validator cases of the reference have no MeshProxyPatch case, so these are read off the Go source.
 *
 * What is not checked offline, and why: `value` is decoded into Envoy's Cluster, Listener, VirtualHost, Filter or
 * HttpFilter (`mesh.ValidateAnyResourceYAML` with the proto's `Validate()` for an Add, `ValidateAnyResourceYAMLPatch`,
 * decoding only, for a Patch: pkg/core/resources/apis/mesh/validators.go); meshops has no Envoy descriptors, so it
 * checks that the value decodes to a mapping (YAML's `null`, a list or a scalar never decodes into a message).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { JsonObject } from "../src/model/resource.js";
import { semanticViolations } from "../src/validate/rules/index.js";

const PATH = "spec.default.appendModifications[0]";
const found = (modifications: JsonObject[] | undefined): string[] => {
  const spec: JsonObject = { targetRef: { kind: "Mesh" }, default: modifications === undefined ? {} : { appendModifications: modifications } };
  return semanticViolations("MeshProxyPatch", { type: "MeshProxyPatch", mesh: "default", name: "p", spec }).map((v) => `${v.path}: ${v.message}`);
};
const one = (kind: string, mod: JsonObject) => found([{ [kind]: mod }]);

test("validateDefault: appendModifications must not be empty; each item holds exactly one modification", () => {
  assert.deepEqual(found(undefined), ["spec.default.appendModifications: must not be empty"]);
  assert.deepEqual(found([]), ["spec.default.appendModifications: must not be empty"]);
  assert.deepEqual(found([{}]), [`${PATH}: exactly one modification can be defined at a time. Currently, 0 modifications are defined`]);
  assert.deepEqual(found([{ cluster: { operation: "Remove" }, listener: { operation: "Remove" } }]), [
    `${PATH}: exactly one modification can be defined at a time. Currently, 2 modifications are defined`,
  ]);
  // A pointer left nil: an explicit null is no modification.
  assert.deepEqual(found([{ cluster: { operation: "Remove" }, listener: null }]), []);
});

test("cluster, listener, virtualHost: Add needs a value and no match (a virtual host: no match.name); Remove takes no value", () => {
  assert.deepEqual(one("cluster", { operation: "Add" }), [`${PATH}.cluster.value: must be defined`]);
  assert.deepEqual(one("cluster", { operation: "Add", match: {}, value: "name: c" }), [`${PATH}.cluster.match: must not be defined`]);
  assert.deepEqual(one("listener", { operation: "Add", match: { name: "l" }, value: "name: l" }), [`${PATH}.listener.match: must not be defined`]);
  assert.deepEqual(one("virtualHost", { operation: "Add", match: { routeConfigurationName: "r" }, value: "name: v" }), []);
  assert.deepEqual(one("virtualHost", { operation: "Add", match: { name: "v" }, value: "name: v" }), [`${PATH}.virtualHost.match.name: must not be defined`]);
  // Value is a *string: an empty one is defined.
  assert.deepEqual(one("cluster", { operation: "Remove", value: "" }), [`${PATH}.cluster.value: must not be defined`]);
  assert.deepEqual(one("cluster", { operation: "Remove", match: { name: "c" }, jsonPatches: [{ op: "add", path: "/a", value: 1 }] }), [], "Remove looks at value only");
  assert.deepEqual(one("listener", { operation: "AddFirst", value: "name: l" }), [`${PATH}.listener.operation: invalid operation. Available operations: "Add", "Patch", "Remove"`]);
});

test("validatePatch: value or jsonPatches, exactly one of them, named by the modification's relative path", () => {
  const patch = [{ op: "replace", path: "/connectTimeout", value: "5s" }];
  assert.deepEqual(one("cluster", { operation: "Patch", value: "connectTimeout: 5s" }), []);
  assert.deepEqual(one("cluster", { operation: "Patch", jsonPatches: patch }), []);
  assert.deepEqual(one("cluster", { operation: "Patch", value: "connectTimeout: 5s", jsonPatches: patch }), [`${PATH}.cluster: cluster must have only one type defined: value, jsonPatches`]);
  assert.deepEqual(one("listener", { operation: "Patch" }), [`${PATH}.listener: listener must have exactly one defined: value, jsonPatches`]);
  assert.deepEqual(one("virtualHost", { operation: "Patch", match: {}, jsonPatches: [] }), [`${PATH}.virtualHost: virtualHost must have exactly one defined: value, jsonPatches`]);
});

test("httpFilter, networkFilter: AddBefore, AddAfter and Patch need match.name; AddFirst and AddLast do not", () => {
  for (const kind of ["httpFilter", "networkFilter"]) {
    const at = `${PATH}.${kind}`;
    assert.deepEqual(one(kind, { operation: "AddFirst", value: "name: f" }), []);
    assert.deepEqual(one(kind, { operation: "AddLast", match: { listenerName: "l" }, value: "name: f" }), []);
    assert.deepEqual(one(kind, { operation: "AddBefore", value: "name: f" }), [`${at}.match.name: must be defined. You need to pick a filter before which this one will be added`]);
    assert.deepEqual(one(kind, { operation: "AddAfter", match: { origin: "o" }, value: "name: f" }), [`${at}.match.name: must be defined. You need to pick a filter after which this one will be added`]);
    assert.deepEqual(one(kind, { operation: "AddAfter", match: { name: "envoy.filters.http.router" } }), [`${at}.value: must be defined`]);
    assert.deepEqual(one(kind, { operation: "Patch", value: "name: f" }), [`${at}.match.name: must be defined`]);
    assert.deepEqual(one(kind, { operation: "Patch", match: { name: "f" } }), [`${at}: ${kind} must have exactly one defined: value, jsonPatches`]);
    assert.deepEqual(one(kind, { operation: "Remove", match: { name: "f" }, value: "name: f" }), [`${at}.value: must not be defined`]);
    assert.deepEqual(one(kind, { operation: "Add", value: "name: f" }), [
      `${at}.operation: invalid operation. Available operations: "AddFirst", "AddLast", "AddBefore", "AddAfter", "Patch", "Remove"`,
    ]);
  }
});

test("validateResourceValue: a value that cannot decode into an Envoy message is refused, for Add and Patch alike", () => {
  const refused = (value: string) => one("cluster", { operation: "Add", value });
  const message = `${PATH}.cluster.value: native Envoy resource is not valid: the value must be a YAML or JSON object`;
  assert.deepEqual(refused(""), [message], "YAMLToJSON gives null");
  assert.deepEqual(refused("- name: c"), [message]);
  assert.deepEqual(refused("c"), [message]);
  assert.deepEqual(refused('{"name": "c", "connectTimeout": "5s"}'), []);
  assert.deepEqual(one("cluster", { operation: "Patch", value: "- name: c" }), [message]);
});
