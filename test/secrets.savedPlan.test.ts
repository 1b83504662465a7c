/**
 * A saved plan (`plan --out FILE`) is a file on disk, often a CI artifact: it holds no Secret value, not even the
 * plaintext a SOPS key decrypted in memory. `apply FILE` still writes the real values (taken again from the
 * repository, which the plan's digests prove unchanged). Real Git, the CLI, the embedded control plane over HTTP.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { after, test } from "node:test";
import { encryptDocument } from "../src/secrets/sops.js";
import { runCli } from "./helpers/cli.js";
import { withControlPlaneServer } from "./helpers/controlPlane.js";
import { commitFiles, projectRoot, tempDir, tempRepo } from "./helpers/git.js";

const RECIPIENT = /public key: (age1\w+)/.exec(readFileSync(path.join(projectRoot, "test", "fixtures", "sops", "test-age-key.txt"), "utf8"))?.[1] ?? "";
const VALUES = ["saved-plan-secret-one-5e1f", "saved-plan-secret-two-a9c3", "saved-plan-global-7b20"];
const FORBIDDEN = VALUES.flatMap((v) => [v, Buffer.from(v).toString("base64").replace(/=+$/, "")]);

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((c) => c()));

async function sealed(document: Record<string, string>): Promise<string> {
  return JSON.stringify(await encryptDocument(document, { recipients: [RECIPIENT], encryptedRegex: "^data$", lastModified: "2026-01-01T00:00:00Z" }));
}

async function secrets(value: string): Promise<Record<string, string>> {
  return {
    "meshes/shop/secrets/acquirer.sops.yaml": await sealed({ type: "Secret", mesh: "shop", name: "acquirer", data: Buffer.from(value).toString("base64") }),
    "global/signing.sops.yaml": await sealed({ type: "GlobalSecret", name: "signing", data: Buffer.from(VALUES[2] as string).toString("base64") }),
  };
}

test("plan --out writes no Secret value to disk; apply FILE writes the real ones", async () => {
  const repo = tempRepo("meshops-saved-secret-");
  cleanups.push(repo.cleanup);
  const work = tempDir("meshops-saved-plan-", cleanups);
  commitFiles(repo.dir, {
    "meshops.yaml": 'controlPlane: {version: "2.14.3", skipDefaultMeshCreation: true}\n',
    "meshes/shop/mesh.yaml": "type: Mesh\nname: shop\nskipCreatingInitialPolicies: ['*']\n",
    ...(await secrets(VALUES[0] as string)),
  });
  await withControlPlaneServer({ skipMeshCreation: true }, async (url) => {
    const read = async (route: string) => ((await (await fetch(`${url}${route}`)).json()) as { data: string }).data;
    for (const [value, action] of [[VALUES[0] as string, "create"], [VALUES[1] as string, "update"]] as const) {
      if (action === "update") commitFiles(repo.dir, await secrets(value), "rotate");
      const file = path.join(work, `${action}.json`);
      const plan = await runCli(["plan", "--cp-url", url, "--out", file], repo.dir);
      assert.equal(plan.code, 2, plan.stderr);
      const saved = readFileSync(file, "utf8");
      assert.match(saved, new RegExp(`"action": "${action}",\\s*"resource": "Secret/shop/acquirer"`), "the plan changes the Secret");
      for (const secret of FORBIDDEN) assert.ok(!saved.includes(secret), `the saved plan (${action}) holds "${secret}"`);

      const applied = await runCli(["apply", file, "--cp-url", url], repo.dir);
      assert.equal(applied.code, 0, applied.stderr);
      assert.equal(Buffer.from(await read("/meshes/shop/secrets/acquirer"), "base64").toString(), value, `apply FILE wrote the real value (${action})`);
      assert.equal(Buffer.from(await read("/global-secrets/signing"), "base64").toString(), VALUES[2]);
      assert.equal((await runCli(["plan", "--cp-url", url], repo.dir)).code, 0, "nothing left to do");
    }
  });
});
