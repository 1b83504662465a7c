/**
 * The ownership label stamped on every desired resource (src/desired/ownership.ts): the labels keep their order, an
 * ownership label already written is replaced where it stands, any key stays a key, and the parsed object is not changed.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { MANAGED_BY_LABEL, withOwnership } from "../src/desired/ownership.js";
import type { JsonObject, Resource } from "../src/model/resource.js";

function policy(labels?: JsonObject): Resource {
  const object: JsonObject = { type: "MeshTimeout", mesh: "m", name: "t", ...(labels ? { labels } : {}), spec: { targetRef: { kind: "Mesh" } } };
  return { type: "MeshTimeout", mesh: "m", name: "t", object, origin: "repository" };
}

test("the ownership label follows the resource's own labels, in their order", () => {
  const input = policy({ team: "a", app: "b" });
  const owned = withOwnership(input, "prod");
  assert.deepEqual(Object.entries(owned.object.labels as JsonObject), [["team", "a"], ["app", "b"], [MANAGED_BY_LABEL, "prod"]]);
  assert.deepEqual(input.object.labels, { team: "a", app: "b" }, "the parsed labels are unchanged");
  assert.equal(owned.object.spec, input.object.spec, "the spec is shared, not copied");
});

test("an ownership label the repository wrote is replaced in its place", () => {
  const owned = withOwnership(policy({ [MANAGED_BY_LABEL]: "other", team: "a" }), "prod");
  assert.deepEqual(Object.entries(owned.object.labels as JsonObject), [[MANAGED_BY_LABEL, "prod"], ["team", "a"]]);
});

test("a resource without labels gets the ownership label alone; a __proto__ key stays a key", () => {
  assert.deepEqual(withOwnership(policy(), "prod").object.labels, { [MANAGED_BY_LABEL]: "prod" });
  const labels: JsonObject = {};
  Object.defineProperty(labels, "__proto__", { value: "x", enumerable: true, writable: true, configurable: true });
  const owned = withOwnership(policy(labels), "prod").object.labels as JsonObject;
  assert.deepEqual(Object.keys(owned), ["__proto__", MANAGED_BY_LABEL]);
  assert.equal(Object.getPrototypeOf(owned), Object.prototype);
});
