/**
 * `meshops watch` with global resources (issue 13): they are applied like a mesh's, as a unit of their own (the status,
 * the metrics and the log name it `_global`), so an invalid HostnameGenerator holds back the global resources only, and a mesh's
 * change in the same commit is applied. The daemon as a child process, the embedded control plane over HTTP.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { openStore } from "../src/backend/store.js";
import { startControlPlaneServer } from "../src/cp/server.js";
import type { StatusJson } from "../src/daemon/statusTypes.js";
import { killAll, startWatch, waitFor } from "./helpers/daemon.js";
import { commitFiles, git, projectRoot, tempRepo } from "./helpers/git.js";
import { encryptDocument } from "../src/secrets/sops.js";

const work = mkdtempSync(path.join(tmpdir(), "meshops-global-daemon-"));
after(() => {
  killAll();
  rmSync(work, { recursive: true, force: true });
});

const CONFIG = "controlPlane:\n  skipDefaultMeshCreation: true\ndefaults:\n  materialize: false\n";
const generator = (template: string) =>
  `type: HostnameGenerator\nname: internal\nspec:\n  selector:\n    meshService: { matchLabels: { kuma.io/origin: zone } }\n  template: "${template}"\n`;
const timeout = (idle: string) =>
  `type: MeshTimeout\nname: checkout\nmesh: shop\nspec:\n  targetRef: { kind: Mesh }\n  to:\n    - targetRef: { kind: Mesh }\n      default: { idleTimeout: ${idle} }\n`;

/** The value of the encrypted GlobalSecret below, and its base64: neither may appear anywhere the daemon shows. */
const SECRET = "global-signing-Pa55";
const SECRET_BASE64 = Buffer.from(SECRET).toString("base64");

test("the global resources are a unit of their own: applied, and held back alone when invalid; a GlobalSecret's value never shown", async () => {
  const recipient = /public key: (age1\w+)/.exec(readFileSync(path.join(projectRoot, "test", "fixtures", "sops", "test-age-key.txt"), "utf8"))?.[1] ?? "";
  const sealed = await encryptDocument({ type: "GlobalSecret", name: "signing-key", data: SECRET_BASE64 }, { recipients: [recipient], encryptedRegex: "^data$", lastModified: "2026-01-01T00:00:00Z" });
  const repo = tempRepo("meshops-global-daemon-repo-");
  const store = await openStore({ stateDir: path.join(work, "cp"), skipMeshCreation: true });
  const server = await startControlPlaneServer({ store, port: 0 });
  try {
    commitFiles(repo.dir, {
      "meshops.yaml": CONFIG,
      "meshes/shop/mesh.yaml": "type: Mesh\nname: shop\n",
      "meshes/shop/timeouts.yaml": timeout("1m"),
      "global/generators.yaml": generator("{{ .DisplayName }}.svc.mesh.local"),
      "global/signing-key.sops.yaml": JSON.stringify(sealed),
    });
    const daemon = await startWatch(["--repo", repo.dir, "--cp-url", server.url, "--drift-interval", "1h"], { cwd: work });
    const first = git(repo.dir, "rev-parse", "HEAD");
    const untilStatus = <T>(what: string, check: (s: StatusJson) => T | undefined) => waitFor(what, async () => check(await daemon.status()), 15_000);
    const synced = await untilStatus("the first sync", (s) => (s.revision.applied?.commit === first ? s : undefined));
    assert.deepEqual(synced.meshes.map((m) => [m.name, m.state, m.resources.total]), [["_global", "in-sync", 2], ["shop", "in-sync", 2]]);
    assert.equal(((await (await fetch(`${server.url}/global-secrets/signing-key`)).json()) as { data: string }).data, SECRET_BASE64, "applied decrypted");
    const templateOf = async () => ((await (await fetch(`${server.url}/hostnamegenerators/internal`)).json()) as { spec: { template: string } }).spec.template;
    assert.equal(await templateOf(), "{{ .DisplayName }}.svc.mesh.local");

    commitFiles(repo.dir, { "global/generators.yaml": generator("{{ .DisplayName }}.UPPER"), "meshes/shop/timeouts.yaml": timeout("2m") });
    const second = git(repo.dir, "rev-parse", "HEAD");
    const held = await untilStatus("the global unit invalid, shop applied", (s) => {
      const global = s.meshes.find((m) => m.name === "_global");
      const shop = s.meshes.find((m) => m.name === "shop");
      return global?.state === "invalid" && shop?.appliedRevision === second ? { global, shop } : undefined;
    });
    assert.match(held.global.reason, /1 validation error at [0-9a-f]{12}, first global\/generators\.yaml:6/);
    assert.equal(await templateOf(), "{{ .DisplayName }}.svc.mesh.local", "the invalid generator is not applied");
    const idle = ((await (await fetch(`${server.url}/meshes/shop/meshtimeouts/checkout`)).json()) as { spec: { to: { default: { idleTimeout: string } }[] } }).spec.to[0]?.default.idleTimeout;
    assert.equal(idle, "2m0s");

    // Fixed: the global unit is applied again, by itself (the daemon's incremental plan covers it like a mesh).
    commitFiles(repo.dir, { "global/generators.yaml": generator("{{ .DisplayName }}.svc.internal") });
    const third = git(repo.dir, "rev-parse", "HEAD");
    await untilStatus("the global unit in sync again", (s) => (s.meshes.find((m) => m.name === "_global")?.appliedRevision === third ? s : undefined));
    assert.equal(await templateOf(), "{{ .DisplayName }}.svc.internal");

    const shown = [
      await (await fetch(`${daemon.url}/api/status`)).text(),
      await (await fetch(`${daemon.url}/`)).text(),
      await (await fetch(`${daemon.url}/metrics`)).text(),
      daemon.lines.join("\n"),
      daemon.stderr(),
    ].join("\n");
    assert.ok(!shown.includes(SECRET) && !shown.includes(SECRET_BASE64), "no GlobalSecret value in the status, page, metrics or log");
    // People and tools read the global unit as `_global` (its name in --mesh, meshops.yaml and the API), never "": the
    // status (and its ?mesh= filter), the metrics and the log's fields alike.
    const filtered = (await (await fetch(`${daemon.url}/api/status?mesh=_global`)).json()) as StatusJson;
    assert.deepEqual(filtered.meshes.map((m) => m.name), ["_global"]);
    const invalidLine = daemon.lines.map((line) => JSON.parse(line) as { event?: string; mesh?: string }).find((line) => line.event === "mesh.invalid");
    assert.equal(invalidLine?.mesh, "_global");
    const metrics = await (await fetch(`${daemon.url}/metrics`)).text();
    assert.match(metrics, /^meshops_mesh_state\{mesh="_global",state="in-sync"\} 1$/m);
    assert.ok(!metrics.includes('mesh=""'), "no metric labelled with an empty mesh");
    assert.ok(daemon.lines.some((line) => line.includes("_global (the global resources) keeps its last valid revision")), "the log names the global unit");
  } finally {
    killAll();
    await server.close();
    await store.close();
    repo.cleanup();
  }
});
