import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { after, test } from "node:test";
import { identityToRecipient } from "age-encryption";
import { parse } from "yaml";
import type { Product } from "../src/config/repoConfig.js";
import type { JsonObject } from "../src/model/resource.js";
import { parseAgeIdentities } from "../src/secrets/sops.js";
import { runCli, TEST_AGE_KEY_FILE } from "./helpers/cli.js";
import { withControlPlaneServer } from "./helpers/controlPlane.js";
import { git, tempDir } from "./helpers/git.js";

/**
 * `export --shape kubernetes` writes a mesh Secret as a core/v1 Secret of the control plane's system namespace, the
 * only one Kuma reads Secrets from. That is the product's (kong-mesh-system for Kong Mesh) or the one the Kubernetes
 * zone shows, the namespace `validate` then expects: before, export always wrote kuma-system, so the export of a Kong
 * Mesh control plane, or of a zone installed in another namespace, did not validate (kubernetes-namespace error).
 * Against the embedded control plane over HTTP, through the CLI.
 */
const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((c) => c()));

const SECRET_VALUE = "aHVudGVyMi1zdXBlcnNlY3JldA==";
const secretUniversal = { type: "Secret", mesh: "shop", name: "db.password", data: SECRET_VALUE };
const kubernetesDocuments = (systemNamespace: string): string =>
  [
    { apiVersion: "kuma.io/v1alpha1", kind: "Mesh", metadata: { name: "shop" }, spec: {} },
    { apiVersion: "v1", kind: "Secret", type: "system.kuma.io/secret", metadata: { name: "db.password", namespace: systemNamespace, labels: { "kuma.io/mesh": "shop" } }, data: { value: SECRET_VALUE } },
  ]
    .map((d) => JSON.stringify(d))
    .join("\n---\n");

const cases: { product: Product; version: string; environment: "universal" | "kubernetes"; systemNamespace: string }[] = [
  { product: "kong-mesh", version: "2.14.3", environment: "universal", systemNamespace: "kong-mesh-system" },
  { product: "kuma", version: "2.12.5", environment: "kubernetes", systemNamespace: "mesh-system" },
];

for (const { product, version, environment, systemNamespace } of cases) {
  test(`export --shape kubernetes of a ${product} ${version} ${environment} control plane writes its Secret into ${systemNamespace}; the export validates and plans no change`, async () => {
    const recipient = await identityToRecipient(parseAgeIdentities(readFileSync(TEST_AGE_KEY_FILE, "utf8"))[0] ?? "");
    const options = { environment, product, version, skipMeshCreation: true, ...(environment === "kubernetes" ? { systemNamespace } : {}) };
    await withControlPlaneServer(options, async (url) => {
      if (environment === "kubernetes") {
        const applied = await fetch(`${url}/_meshops/kubernetes`, { method: "POST", body: kubernetesDocuments(systemNamespace), headers: { "content-type": "application/yaml" } });
        assert.equal(applied.status, 200, await applied.text());
      } else {
        for (const [at, body] of [["/meshes/shop", { type: "Mesh", name: "shop" }], ["/meshes/shop/secrets/db.password", secretUniversal]] as const) {
          const put = await fetch(url + at, { method: "PUT", body: JSON.stringify(body), headers: { "content-type": "application/json" } });
          assert.ok(put.status === 201 || put.status === 200, `${at}: ${await put.text()}`);
        }
      }
      const out = path.join(tempDir("meshops-export-secret-ns-", cleanups), "repo");
      const exported = await runCli(["export", "--cp-url", url, "--out", out, "--adopt", "--shape", "kubernetes", "--sops-age-recipient", recipient], process.cwd());
      assert.equal(exported.code, 0, exported.stdout + exported.stderr);
      const secret = parse(readFileSync(path.join(out, "meshes/shop/secrets/db.password.sops.yaml"), "utf8")) as JsonObject;
      assert.deepEqual((secret.metadata as JsonObject).namespace, systemNamespace);
      git(out, "init", "-q", "-b", "main");
      git(out, "add", "-A");
      git(out, "commit", "-q", "-m", "export");

      const validated = await runCli(["validate"], out);
      assert.equal(validated.code, 0, validated.stdout + validated.stderr);
      const planned = await runCli(["plan", "--cp-url", url, "--format", "json"], out);
      assert.equal(planned.code, environment === "kubernetes" ? 0 : 2, planned.stdout + planned.stderr);
      const changes = (JSON.parse(planned.stdout) as { changes: { action: string; resource: string }[] }).changes;
      // On Kubernetes nothing is written (no ownership label to add); on Universal adopting only labels what is there.
      assert.deepEqual(changes.filter((c) => c.action !== "update"), []);
      assert.ok(!planned.stdout.includes(SECRET_VALUE) && !planned.stdout.includes("hunter2"));
    });
  });
}
