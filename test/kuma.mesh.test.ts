/**
 * The Mesh defaulter is modelled once (src/kuma/mesh.ts): the embedded control plane stores Meshes through it and
 * normalization compares them through it. A prometheus metrics backend, as a repository writes it in several ways,
 * is stored with the defaults the control plane gives it, and what is stored compares equal to what was sent.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { LocalBackend } from "../src/backend/store.js";
import { sameNormalized } from "../src/diff/normalize.js";
import type { JsonObject } from "../src/model/resource.js";

const stateDir = mkdtempSync(path.join(tmpdir(), "meshops-mesh-defaulter-"));
after(() => rmSync(stateDir, { recursive: true, force: true }));

const cases: { name: string; conf?: JsonObject; expected: JsonObject }[] = [
  { name: "no conf", expected: { port: 5670, path: "/metrics", tags: { "kuma.io/service": "dataplane-metrics" }, tls: { mode: "activeMTLSBackend" } } },
  {
    name: "zero values and skipMTLS",
    conf: { port: 0, path: "", tags: {}, skipMTLS: true },
    expected: { port: 5670, path: "/metrics", tags: { "kuma.io/service": "dataplane-metrics" }, skipMTLS: true, tls: { mode: "disabled" } },
  },
  {
    name: "own port, path and tags",
    conf: { port: 1234, path: "/stats", tags: { team: "core" } },
    expected: { port: 1234, path: "/stats", tags: { team: "core" }, tls: { mode: "activeMTLSBackend" } },
  },
  {
    // The defaulter reads the conf into PrometheusMetricsBackendConfig (util_proto.ToTyped: jsonpb with
    // AllowUnknownFields) and writes that back (ToStruct): what the message does not have is gone, at every depth.
    name: "fields the conf's message does not have",
    conf: { port: 1234, scrapeInterval: "10s", envoy: { usedOnly: true, extra: 1 }, tls: { mode: "disabled", ca: "x" } },
    expected: { port: 1234, path: "/metrics", tags: { "kuma.io/service": "dataplane-metrics" }, envoy: { usedOnly: true }, tls: { mode: "disabled" } },
  },
];

test("a prometheus metrics backend is stored with the control plane's defaults, and stays in sync", async () => {
  const backend = await LocalBackend.open({ stateDir, skipMeshCreation: true });
  try {
    for (const [i, c] of cases.entries()) {
      const name = `m${i}`;
      const sent: JsonObject = {
        type: "Mesh",
        name,
        metrics: { enabledBackend: "prom", backends: [{ name: "prom", type: "prometheus", ...(c.conf ? { conf: c.conf } : {}) }] },
      };
      await backend.put(sent);
      const stored = await backend.get({ type: "Mesh", mesh: name, name });
      assert.ok(stored, c.name);
      const backends = (stored.metrics as JsonObject).backends as JsonObject[];
      assert.deepEqual(backends[0]?.conf, c.expected, c.name);
      assert.equal(sameNormalized(stored, sent), true, `${c.name}: no drift right after the PUT`);
    }
  } finally {
    await backend.close();
  }
});
