/**
 * Dataplane checks ported from Kuma 2.14.3's dataplane_validator.go (issue 13): the Envoy admin port must not be an
 * address:port an inbound or outbound listens on (Envoy binds admin to 127.0.0.1), and the prometheus `conf` of
 * `metrics` is checked as the Mesh's metrics backends are. Paths and messages as the control plane reports them.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { JsonObject } from "../src/model/resource.js";
import { semanticViolations } from "../src/validate/rules/index.js";

const dataplane = (networking: JsonObject, extra: JsonObject = {}): JsonObject => ({
  type: "Dataplane",
  mesh: "default",
  name: "web-1",
  networking: { address: "192.168.0.1", ...networking },
  ...extra,
});
const inbound = (more: JsonObject = {}) => ({ port: 8080, tags: { "kuma.io/service": "web" }, ...more });
const found = (object: JsonObject) => semanticViolations("Dataplane", object).map((v) => `${v.path}: ${v.message}`);

test("admin port: an inbound's port on 127.0.0.1 (its own address, or its service address) collides; another address does not", () => {
  assert.deepEqual(found(dataplane({ admin: { port: 8080 }, inbound: [inbound()] })), [], "the inbound listens on 192.168.0.1, admin on 127.0.0.1");
  assert.deepEqual(found(dataplane({ address: "127.0.0.1", admin: { port: 8080 }, inbound: [inbound()] })), ["networking.admin.port: must differ from inbound"]);
  // The workload's side: serviceAddress (default: the inbound's address) and servicePort (default: port).
  assert.deepEqual(found(dataplane({ admin: { port: 9000 }, inbound: [inbound({ serviceAddress: "127.0.0.1", servicePort: 9000 })] })), [
    "networking.admin.port: must differ from inbound",
  ]);
  assert.deepEqual(found(dataplane({ admin: { port: 9000 }, inbound: [inbound({ servicePort: 9000 })] })), []);
  assert.deepEqual(found(dataplane({ admin: { port: 8080 }, inbound: [inbound({ address: "127.0.0.1" })] })), ["networking.admin.port: must differ from inbound"]);
});

test("admin port: an outbound's port (127.0.0.1 unless it names an address) collides; a wildcard address overlaps everything", () => {
  const outbound = (more: JsonObject = {}) => ({ port: 9901, tags: { "kuma.io/service": "db" }, ...more });
  assert.deepEqual(found(dataplane({ admin: { port: 9901 }, inbound: [inbound()], outbound: [outbound()] })), ["networking.admin.port: must differ from outbound"]);
  assert.deepEqual(found(dataplane({ admin: { port: 9901 }, inbound: [inbound()], outbound: [outbound({ address: "10.0.0.9" })] })), []);
  assert.deepEqual(found(dataplane({ admin: { port: 9901 }, inbound: [inbound()], outbound: [outbound({ address: "0.0.0.0" })] })), ["networking.admin.port: must differ from outbound"]);
  // Checked for gateways too, before anything else.
  const gateway = { gateway: { tags: { "kuma.io/service": "edge" } }, admin: { port: 9901 }, outbound: [outbound()] };
  assert.deepEqual(found(dataplane(gateway))[0], "networking.admin.port: must differ from outbound");
});

test("metrics: the prometheus conf is checked as a Mesh's backend conf is", () => {
  const withMetrics = (conf: JsonObject) => dataplane({ inbound: [inbound()] }, { metrics: { type: "prometheus", conf } });
  assert.deepEqual(found(withMetrics({ port: 5670, path: "/metrics" })), []);
  assert.deepEqual(found(withMetrics({ skipMTLS: true, tls: { mode: "activeMTLSBackend" } })), ["metrics.conf: skipMTLS and tls configuration cannot be defined together"]);
  assert.deepEqual(found(withMetrics({ skipMTLS: true, tls: { mode: "disabled" } })), [], "the same thing said twice");
  assert.deepEqual(found(withMetrics({ envoy: { filterRegex: "a(" } })), ["metrics.conf.envoy.filterRegex: provided regexp isn't correct: error parsing regexp: missing closing ): `a(`"]);
  assert.deepEqual(found(withMetrics({ aggregate: [{ name: "app", port: 1 }, { name: "app", port: 2 }] })), ["metrics.conf.aggregate[1].name: duplicate entry: app, values have to be unique"]);
});
