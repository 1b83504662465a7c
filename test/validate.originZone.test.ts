import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_CONFIG } from "../src/config/repoConfig.js";
import { buildDesired } from "../src/desired/index.js";
import type { JsonObject } from "../src/model/resource.js";
import { validateSnapshot } from "../src/validate/index.js";
import { snapshotOfTexts } from "./helpers/snapshot.js";

/**
 * A zone connected to a global control plane takes a policy's PUT only with `kuma.io/origin: zone` in its body: the API
 * server checks the body's labels before it computes any (go-v2.14.3 pkg/api-server/resource_endpoints.go
 * validateOriginForWrite, called from validateResourceRequest; golden
 * test/fixtures/kuma-reference/pkg/api-server/testdata/resource_400onNoOriginLabel.golden.json: "the origin label must
 * be set to 'zone'"; FACTS §2.5). meshops dropped that label from a Universal document as one the control plane
 * computes, so the one way to write a policy for such a zone was refused on apply. A zone that is not federated takes
 * the label as well (only Global and federated zones check it), so it is kept and sent; the zone and env labels, which
 * the control plane does compute and checks against its own name, are still dropped with their warning.
 */
const snapshot = (files: Record<string, string>) => snapshotOfTexts(files);

const SPEC = "spec:\n  targetRef:\n    kind: Mesh\n  to:\n    - targetRef:\n        kind: Mesh\n      default:\n        idleTimeout: 20s\n";

test("a Universal policy's kuma.io/origin: zone is kept and sent on a zone, where a federated zone requires it", () => {
  const result = validateSnapshot(
    snapshot({
      "mesh.yaml": "type: Mesh\nname: default\n",
      "zone.yaml": `type: MeshTimeout\nname: t1\nmesh: default\nlabels:\n  kuma.io/origin: zone\n  team: payments\n${SPEC}`,
      "exported.yaml": `type: MeshTimeout\nname: t2\nmesh: default\nlabels:\n  kuma.io/origin: zone\n  kuma.io/zone: zone-1\n  kuma.io/env: universal\n${SPEC}`,
    }),
  );
  assert.deepEqual(result.diagnostics.filter((d) => d.severity === "error"), []);
  const warnings = result.diagnostics.filter((d) => d.severity === "warning").map((d) => `${d.file} ${d.path} ${d.rule}: ${d.message}`);
  assert.deepEqual(warnings, ['exported.yaml labels["kuma.io/zone"] server-field: set by the control plane; ignored: labels["kuma.io/zone"], labels["kuma.io/env"]']);
  const desired = buildDesired(result.resources, DEFAULT_CONFIG, { major: 2 });
  const labelsOf = (name: string) => (desired.resources.find((r) => r.name === name)?.object.labels ?? {}) as JsonObject;
  assert.equal(labelsOf("t1")["kuma.io/origin"], "zone");
  assert.equal(labelsOf("t1").team, "payments");
  assert.equal(labelsOf("t2")["kuma.io/origin"], "zone");
  assert.equal(labelsOf("t2")["kuma.io/zone"], undefined);
});

/**
 * A global control plane computes no origin, zone or env (go-v2.14.3 pkg/core/resources/labels/compute.go: only when
 * `Mode == Zone`) and checks neither label (resource_endpoints.go validateLabels: `r.mode != Global`), so it keeps
 * `kuma.io/zone` and `kuma.io/env` as written: they are the author's there, sent, and not "set by the control plane".
 */
test("with controlPlane.mode global, a Universal policy's kuma.io/zone and kuma.io/env are kept and sent, with no server-field warning", () => {
  const result = validateSnapshot(
    snapshotOfTexts(
      {
        "mesh.yaml": "type: Mesh\nname: default\n",
        "global.yaml": `type: MeshTimeout\nname: t3\nmesh: default\nlabels:\n  kuma.io/zone: zone-1\n  kuma.io/env: universal\n${SPEC}`,
      },
      "controlPlane:\n  mode: global\n",
    ),
  );
  assert.deepEqual(result.diagnostics.map((d) => `${d.severity} ${d.path} ${d.rule}: ${d.message}`), []);
  const desired = buildDesired(result.resources, { ...DEFAULT_CONFIG, controlPlane: { ...DEFAULT_CONFIG.controlPlane, mode: "global" } }, { major: 2 });
  const labels = (desired.resources.find((r) => r.name === "t3")?.object.labels ?? {}) as JsonObject;
  assert.equal(labels["kuma.io/zone"], "zone-1");
  assert.equal(labels["kuma.io/env"], "universal");
});
