import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { LocalBackend } from "../src/backend/store.js";
import { equalWithoutNormalizing, normalize, sameNormalized } from "../src/diff/normalize.js";
import { subjectOf } from "../src/model/key.js";
import type { JsonObject, JsonValue } from "../src/model/resource.js";
import { readSnapshot } from "../src/source/index.js";
import { buildDesired } from "../src/desired/index.js";
import { commitFolder, projectRoot, tempRepo } from "./helpers/git.js";
import { validateWithTestKey } from "./helpers/snapshot.js";

/**
 * sameNormalized compares without normalizing when it can (a no-op plan of 50,000 resources depends on it). The fast
 * path may say "not sure" (false) as often as it likes, but must never say "equal" when the normalized forms differ.
 */
const repo = tempRepo();
const stateDir = mkdtempSync(path.join(tmpdir(), "meshops-fastpath-"));
after(() => {
  repo.cleanup();
  rmSync(stateDir, { recursive: true, force: true });
});

const sameByFullPath = (a: JsonObject, b: JsonObject) => JSON.stringify(normalize(a)) === JSON.stringify(normalize(b));

/** Small edits of the kind a person makes out of band, each of which must be seen as a difference (or not) exactly as the full path sees it. */
function edits(object: JsonObject): JsonObject[] {
  const text = JSON.stringify(object);
  const variants = [
    text.replace(/"(\d+)s"/, '"$1m"'),
    text.replace(/"(\d+)s"/, '"$1000ms"'),
    text.replace(/"weight":1/, '"weight":2'),
    text.replace(/"kind":"Mesh"/, '"kind":"Dataplane"'),
    text.replace(/"name":"([a-z-]+)"/, '"name":"$1-x"'),
    text.replace(/,"labels":\{[^}]*\}/, ""),
    text.replace(/"default":\{/, '"default":{"extra":true,'),
    text.replace(/\[\{/, "[{},{"),
  ];
  return variants.filter((v) => v !== text).map((v) => JSON.parse(v) as JsonObject);
}

test("the fast path agrees with full normalization on live objects from the embedded control plane", async () => {
  commitFolder(repo.dir, path.join(projectRoot, "sample-repo"));
  const result = await validateWithTestKey(await readSnapshot({ repo: repo.dir, ref: "HEAD" }));
  const desired = buildDesired(result.resources, result.config, { major: 2 }).resources;
  const backend = await LocalBackend.open({ stateDir, skipMeshCreation: true });
  try {
    for (const r of desired) await backend.put(r.object);
    let fast = 0;
    let pairs = 0;
    for (const r of desired) {
      const live = await backend.get(r);
      assert.ok(live, subjectOf(r));
      assert.equal(sameNormalized(live, r.object), true, `${subjectOf(r)} is in sync right after a PUT`);
      if (equalWithoutNormalizing(live, r.object)) fast++;
      for (const edited of edits(r.object)) {
        pairs++;
        const quick = equalWithoutNormalizing(live, edited);
        if (quick) assert.ok(sameByFullPath(live, edited), `fast path said equal, full path differs: ${subjectOf(r)} ${JSON.stringify(edited).slice(0, 200)}`);
        assert.equal(sameNormalized(live, edited), sameByFullPath(live, edited), subjectOf(r));
      }
    }
    // Most policies are decided without normalizing (Meshes always take the full path).
    assert.ok(fast / desired.length > 0.8, `fast path used for ${fast} of ${desired.length}`);
    assert.ok(pairs > 200);
  } finally {
    await backend.close();
  }
});

test("defaults, durations, computed labels and server fields are equal on the fast path; nulls and empties are left to the full path", () => {
  const base = (extra: JsonValue): JsonObject => ({
    type: "MeshHTTPRoute",
    mesh: "m",
    name: "r",
    spec: {
      targetRef: { kind: "Mesh" },
      to: [{ targetRef: { kind: "MeshService", name: "b" }, rules: [{ matches: [{ path: { type: "PathPrefix", value: "/" } }], default: { backendRefs: [extra as JsonObject] } }] }],
    },
  });
  const desired = base({ kind: "MeshService", name: "b", port: 80 });
  const live: JsonObject = {
    ...base({ kind: "MeshService", name: "b", port: 80, weight: 1 }),
    creationTime: "2026-01-01T00:00:00Z",
    kri: "kri_mhttpr_m_default__r_",
    labels: { "kuma.io/origin": "zone", "kuma.io/zone": "default" },
  };
  assert.equal(equalWithoutNormalizing(live, desired), true);
  assert.equal(equalWithoutNormalizing(base({ kind: "MeshService", name: "b", port: 80, weight: 2 }), desired), false);
  const timeoutA: JsonObject = { type: "MeshTimeout", mesh: "m", name: "t", spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: "1h" } }] } };
  const timeoutB: JsonObject = { type: "MeshTimeout", mesh: "m", name: "t", spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: "60m0s" } }] } };
  assert.equal(equalWithoutNormalizing(timeoutA, timeoutB), true);
  const withNull: JsonObject = { ...timeoutA, labels: null };
  assert.equal(sameNormalized(withNull, timeoutA), sameByFullPath(withNull, timeoutA));
});
