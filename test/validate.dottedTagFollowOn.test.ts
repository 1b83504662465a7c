/**
 * A tag whose key has dots (`kuma.io/service`) written with a value YAML 1.1 reads as a boolean (`y`, `on`): the schema
 * error says it, and no tag rule restates it. Kuma stops there (a MeshGateway's jsonpb decode fails, a policy's schema
 * check; go-v2.14.3 pkg/core/resources/model/rest/unmarshaller.go), so its validators never see the value: a second
 * error ("tag value must be non-empty", of the boolean read as no text) was meshops' own. The schema reports the key
 * dot-joined (`match.kuma.io/service`), the validators bracketed (`match["kuma.io/service"]`): one field all the same.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { validateSnapshot } from "../src/validate/index.js";
import { snapshotOfTexts } from "./helpers/snapshot.js";

const MESH = "type: Mesh\nname: default\n";

function errorsOf(text: string): string[] {
  const result = validateSnapshot(snapshotOfTexts({ "mesh.yaml": MESH, "r.yaml": text }));
  return result.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.line} ${d.path} ${d.rule}`);
}

test("validate: a MeshGateway selector's kuma.io/service: y is one schema error, with no tag-value error after it", () => {
  const gateway = [
    "type: MeshGateway",
    "mesh: default",
    "name: gw",
    "selectors:",
    "  - match:",
    "      kuma.io/service: y",
    "tags:",
    "  example.com/env: on",
    "conf:",
    "  listeners:",
    "    - port: 8080",
    "      protocol: HTTP",
    "      tags:",
    '        kuma.io/part: ""',
  ].join("\n");
  assert.deepEqual(errorsOf(gateway), [
    "6 selectors[0].match.kuma.io/service schema",
    "8 tags.example.com/env schema",
    // A real problem of its own, still said.
    '14 conf.listeners[0].tags["kuma.io/part"] semantic',
  ]);
});

test("validate: a policy's targetRef tag kuma.io/service: y is one schema error", () => {
  const policy = [
    "type: MeshTimeout",
    "mesh: default",
    "name: mt",
    "spec:",
    "  targetRef:",
    "    kind: MeshSubset",
    "    tags:",
    "      kuma.io/zone: y",
    "  to:",
    "    - targetRef: { kind: Mesh }",
    "      default: { idleTimeout: 20s }",
  ].join("\n");
  assert.deepEqual(errorsOf(policy), ["8 spec.targetRef.tags.kuma.io/zone schema"]);
});
