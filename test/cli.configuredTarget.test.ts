/**
 * The Kuma version `watch` opens the embedded control plane with, from meshops.yaml at the revision it follows
 * (cli/controlPlane.ts configuredTarget): a version meshops does not emulate is said and the default taken, as when
 * meshops.yaml cannot be read, instead of a control plane answering GET / with that version while it behaves as 2.14.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { configuredTarget } from "../src/cli/controlPlane.js";

const settings = (text: string) => ({ ref: "main", root: "", config: { path: "meshops.yaml", text, blobId: "0" } });

test("a supported controlPlane.version and product are the control plane's, without a word", () => {
  const warnings: string[] = [];
  assert.deepEqual(configuredTarget(settings("controlPlane:\n  version: 2.12.3\n  product: kong-mesh\n"), (m) => warnings.push(m)), { version: "2.12.3", product: "kong-mesh", skipDefaultMeshCreation: false });
  assert.deepEqual(warnings, []);
});

test("a controlPlane.version meshops does not emulate: said, and the default version taken (the product kept)", () => {
  const warnings: string[] = [];
  const target = configuredTarget(settings("controlPlane:\n  version: 2.9.4\n  product: kong-mesh\n"), (m) => warnings.push(m));
  assert.equal(target.version, undefined);
  assert.equal(target.product, "kong-mesh");
  assert.deepEqual(warnings, [
    "meshops.yaml's controlPlane.version 2.9.4 is not supported: use 2.10, 2.11, 2.12, 2.13, 2.14 (any patch release) or 3.x: the embedded control plane emulates Kuma 2.14.3",
  ]);
});
