/**
 * Wrong answers reported against `meshops validate` (issue 9, item 6), each reproduced on one file as a user would
 * write it: where a diagnostic points, how many a single mistake gives, and the path it reports.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Product } from "../src/config/repoConfig.js";
import type { Diagnostic } from "../src/model/diagnostic.js";
import { analyzeFile } from "../src/validate/index.js";

function diagnosticsOf(text: string, product: Product = "kuma"): readonly Diagnostic[] {
  return analyzeFile(
    { path: "mesh/file.yaml", blobId: "blob", text },
    { systemNamespaces: ["kuma-system"], otherDocuments: "skip", tenancy: [], controlPlane: { product, mode: "zone" } },
  ).diagnostics;
}

function errorsOf(text: string, product?: Product): { path: string; message: string; line: number; column: number }[] {
  return diagnosticsOf(text, product)
    .filter((d) => d.severity === "error")
    .map(({ path, message, line, column }) => ({ path, message, line, column }));
}

/** A policy of `type` with one `to` item on the whole mesh, whose `default:` holds `lines` (from line 9 on). */
function policyWithDefault(type: string, ...lines: string[]): string {
  const head = [`type: ${type}`, "name: policy", "mesh: default", "spec:", "  to:", "    - targetRef:", "        kind: Mesh", "      default:"];
  return [...head, ...lines.map((line) => `        ${line}`), ""].join("\n");
}

describe("MeshRetry's `.default.conf.` paths point at the field", () => {
  test("a rule on `default.tcp` is located at the field under `default:`", () => {
    const text = policyWithDefault("MeshRetry", "tcp:", "  maxConnectAttempt: 0");
    assert.deepEqual(errorsOf(text), [
      { path: "spec.to[0].default.conf.tcp.maxConnectAttempt", message: "must be greater than 0", line: 10, column: 11 },
    ]);
  });
});

describe("one bad duration gives one error", () => {
  test("a Go duration with an unknown unit under MeshRetry's default", () => {
    const text = policyWithDefault("MeshRetry", "http:", "  perTryTimeout: 1d");
    const errors = errorsOf(text);
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.equal(errors[0]?.line, 10);
    assert.equal(errors[0]?.column, 11);
  });

  test("a Go duration with an unknown unit under MeshTimeout's default", () => {
    const text = policyWithDefault("MeshTimeout", "idleTimeout: 1d");
    assert.equal(errorsOf(text).length, 1, JSON.stringify(errorsOf(text)));
  });
});

describe("Mesh paths follow the document's shape", () => {
  const mtls = ["  mtls:", "    enabledBackend: ca-2", "    backends:", "      - name: ca-1", "        type: builtin"];

  test("a Kubernetes Mesh reports `spec.mtls...`, as the admission webhook does, at the field", () => {
    const text = ["apiVersion: kuma.io/v1alpha1", "kind: Mesh", "metadata:", "  name: default", "spec:", ...mtls, ""].join("\n");
    assert.deepEqual(errorsOf(text), [
      { path: "spec.mtls.enabledBackend", message: "has to be set to one of the backends in the mesh", line: 7, column: 5 },
    ]);
  });

  test("a Universal Mesh keeps `mtls...`", () => {
    const text = ["type: Mesh", "name: default", ...mtls.map((l) => l.slice(2)), ""].join("\n");
    assert.deepEqual(errorsOf(text), [{ path: "mtls.enabledBackend", message: "has to be set to one of the backends in the mesh", line: 4, column: 3 }]);
  });
});

describe("the mTLS backend limit follows the product", () => {
  const text = [
    "type: Mesh",
    "name: default",
    "mtls:",
    "  enabledBackend: ca-1",
    "  backends:",
    "    - name: ca-1",
    "      type: builtin",
    "    - name: ca-2",
    "      type: builtin",
    "",
  ].join("\n");

  test("Kuma allows one backend", () => {
    assert.deepEqual(errorsOf(text, "kuma"), [{ path: "mtls.backends", message: "cannot have more than 1 backends", line: 5, column: 3 }]);
  });

  test("Kong Mesh allows two, for CA rotation", () => {
    assert.deepEqual(errorsOf(text, "kong-mesh"), []);
  });
});

describe("labels in documents, as the API server checks them", () => {
  test("a Universal document gets the API server's label checks, at the label", () => {
    const text = ["type: MeshTimeout", "name: t", "mesh: payments", "labels:", "  kuma.io/mesh: default", "  team!: a", "spec:", "  rules:", "    - default:", "        idleTimeout: 1s", ""].join("\n");
    const labels = diagnosticsOf(text).filter((d) => d.rule === "labels");
    assert.deepEqual(
      labels.map(({ severity, path, line, column }) => ({ severity, path, line, column })),
      [
        { severity: "error", path: 'labels["kuma.io/mesh"]', line: 5, column: 3 },
        { severity: "error", path: 'labels["team!"]', line: 6, column: 3 },
      ],
    );
  });

  test("a Kubernetes document gets Kubernetes' label syntax and the webhook's origin check (an unknown origin), under metadata.labels", () => {
    const text = [
      "apiVersion: kuma.io/v1alpha1",
      "kind: MeshTimeout",
      "metadata:",
      "  name: t",
      "  namespace: kuma-system",
      "  labels:",
      "    kuma.io/origin: somewhere",
      "    team!: a",
      "spec:",
      "  rules:",
      "    - default:",
      "        idleTimeout: 1s",
      "",
    ].join("\n");
    const labels = diagnosticsOf(text).filter((d) => d.rule === "labels");
    assert.deepEqual(
      labels.map(({ path, line, column }) => ({ path, line, column })),
      [
        { path: 'metadata.labels["kuma.io/origin"]', line: 7, column: 5 },
        { path: 'metadata.labels["team!"]', line: 8, column: 5 },
      ],
    );
  });
});
