/**
 * `render` prints exactly what `apply` PUTs: both come from the one desired-state builder, shaped for the version
 * meshops.yaml targets. Checked against the bodies an embedded control plane of that version receives over HTTP
 * (a recording proxy in front of it), for a 2.x and a 3.x target: 3.x dropped `skipCreatingInitialPolicies`, so
 * neither render nor apply may carry it there.
 */
import assert from "node:assert/strict";
import http from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { openStore } from "../src/backend/store.js";
import { startControlPlaneServer } from "../src/cp/server.js";
import type { JsonObject } from "../src/model/resource.js";
import { runCli } from "./helpers/cli.js";
import { commitFiles, tempRepo } from "./helpers/git.js";

const work = mkdtempSync(path.join(tmpdir(), "meshops-render-apply-"));
after(() => rmSync(work, { recursive: true, force: true }));

const files = (version: string): Record<string, string> => ({
  "meshops.yaml": `controlPlane:\n  version: "${version}"\nresources:\n  dataplanes: true\n`,
  // The kinds group: written before what relies on them (identity after the Mesh, the gateway before its route),
  // Dataplanes last. Listed here in the reverse of that order, so the order on the wire is meshops's own.
  "meshes/payments-gateway.yaml": [
    "type: Dataplane",
    "mesh: payments",
    "name: gateway-1",
    "networking:",
    "  address: 10.0.0.9",
    "  gateway: { type: BUILTIN, tags: { kuma.io/service: payments-gateway } }",
    "---",
    "type: MeshService",
    "mesh: payments",
    "name: checkout",
    "spec: { selector: { dataplaneTags: { kuma.io/service: checkout } }, ports: [{ port: 8080, appProtocol: http }] }",
    "---",
    "type: MeshHTTPRoute",
    "mesh: payments",
    "name: gateway-route",
    "spec:",
    "  targetRef: { kind: MeshGateway, name: payments-gateway }",
    "  to:",
    "    - targetRef: { kind: Mesh }",
    "      rules:",
    "        - matches: [{ path: { type: PathPrefix, value: / } }]",
    "          default: { backendRefs: [{ kind: MeshService, name: checkout, port: 8080 }] }",
    "---",
    "type: MeshGateway",
    "mesh: payments",
    "name: payments-gateway",
    "selectors: [{ match: { kuma.io/service: payments-gateway } }]",
    "conf: { listeners: [{ port: 8080, protocol: HTTP, crossMesh: false }] }",
    "---",
    "type: MeshIdentity",
    "mesh: payments",
    "name: identity",
    "spec: { provider: { type: Bundled, bundled: { autogenerate: { enabled: true } } } }",
    "---",
    "type: MeshTrust",
    "mesh: payments",
    "name: trust",
    "spec:",
    "  trustDomain: payments.local",
    "  caBundles: [{ type: Pem, pem: { value: \"-----BEGIN CERTIFICATE-----\\nMIIBdzCCAR2gAwIBAgIUQ2lyY3VpdA==\\n-----END CERTIFICATE-----\\n\" } }]",
    "",
  ].join("\n"),
  "meshes/payments.yaml": [
    "type: Mesh",
    "name: payments",
    "skipCreatingInitialPolicies: [MeshRetry]",
    "---",
    "type: MeshTimeout",
    "mesh: payments",
    "name: web-timeout",
    "spec:",
    "  targetRef: { kind: Mesh }",
    "  to:",
    "    - targetRef: { kind: Mesh }",
    "      default: { idleTimeout: 30s }",
    "",
  ].join("\n"),
});

/** A proxy that forwards everything to `target` and records the body of every PUT, parsed. */
async function recordingProxy(target: string): Promise<{ url: string; puts: JsonObject[]; close(): Promise<void> }> {
  const puts: JsonObject[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      if (req.method === "PUT") puts.push(JSON.parse(body.toString("utf8")) as JsonObject);
      const headers = { ...req.headers, host: new URL(target).host };
      const forward = http.request(new URL(req.url ?? "/", target), { method: req.method, headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      forward.on("error", () => res.destroy());
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    puts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const subject = (o: JsonObject) => (o.type === "Mesh" ? `Mesh/${String(o.name)}` : `${String(o.type)}/${String(o.mesh)}/${String(o.name)}`);
const bySubject = (objects: readonly JsonObject[]) => new Map(objects.map((o) => [subject(o), o]));

for (const version of ["2.14.3", "3.0.0"]) {
  test(`render prints the bodies apply PUTs to a Kuma ${version} control plane`, async () => {
    const repo = tempRepo();
    const store = await openStore({ stateDir: path.join(work, version), version, skipMeshCreation: true });
    const cp = await startControlPlaneServer({ store, port: 0 });
    const proxy = await recordingProxy(cp.url);
    try {
      commitFiles(repo.dir, files(version));
      const render = await runCli(["render", "--format", "json"], repo.dir);
      assert.equal(render.code, 0, render.stderr);
      const rendered = JSON.parse(render.stdout) as JsonObject[];

      const apply = await runCli(["apply", "--cp-url", proxy.url], repo.dir);
      assert.equal(apply.code, 0, apply.stderr);

      assert.deepEqual(bySubject(proxy.puts), bySubject(rendered), "every rendered object is PUT as rendered, and nothing else");
      assert.equal(proxy.puts.length, rendered.length, "each object is PUT once");
      const mesh = rendered.find((o) => o.type === "Mesh");
      assert.ok(mesh);
      if (version.startsWith("3.")) assert.equal("skipCreatingInitialPolicies" in mesh, false, "3.x dropped the field");
      else assert.deepEqual(mesh.skipCreatingInitialPolicies, ["MeshRetry"]);
      // The skip list holds in both: meshops materializes the defaults it does not leave out.
      assert.equal(rendered.some((o) => o.name === "mesh-retry-all-payments"), false);
      assert.equal(rendered.some((o) => o.name === "mesh-timeout-all-payments"), true);
      // The new kinds in dependency order on the wire; the gateway's zero value (crossMesh: false) is rendered as written.
      const at = (type: string): number => proxy.puts.findIndex((o) => o.type === type);
      const identity = Math.max(at("MeshTrust"), at("MeshIdentity"));
      assert.ok(Math.min(at("MeshTrust"), at("MeshIdentity")) > at("Mesh") && identity < at("MeshService"), "identity right after the Mesh");
      assert.ok(at("MeshService") < at("MeshGateway") && at("MeshGateway") < at("MeshHTTPRoute"), "the gateway before the route on it");
      assert.equal(proxy.puts.at(-1)?.type, "Dataplane", "Dataplanes are written last");
      const plan = await runCli(["plan", "--cp-url", proxy.url, "--format", "json"], repo.dir);
      assert.equal(plan.code, 0, plan.stderr);
      assert.deepEqual((JSON.parse(plan.stdout) as { changes: unknown[] }).changes, [], "the protobuf kinds compare equal after the round trip");
    } finally {
      await proxy.close();
      await cp.close();
      await store.close();
      repo.cleanup();
    }
  });
}
