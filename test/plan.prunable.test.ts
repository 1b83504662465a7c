import assert from "node:assert/strict";
import { after, test } from "node:test";
import { stringify } from "yaml";
import { runCli } from "./helpers/cli.js";
import { withControlPlaneServer } from "./helpers/controlPlane.js";
import { commitFiles, tempRepo } from "./helpers/git.js";

/**
 * `plan` and `apply` without `--prune` say what meshops owns that the repository no longer has (what `--prune` would
 * delete), as Argo CD's "requires pruning" does, where they used to print `No changes` while drift called it orphaned.
 * Only owned resources are named: one written by hand is never meshops' to prune, nor one carrying the prune opt-out
 * (prune keeps it). The exit code stays the contract's (PRODUCT.md: 0 no changes): without --prune nothing is planned.
 * Through the CLI, against the embedded control plane over HTTP.
 */
const repo = tempRepo("meshops-plan-prunable-");
after(() => repo.cleanup());

const timeout = (idle: string) => ({ targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: idle } }] });

async function put(url: string, path: string, object: object): Promise<void> {
  const response = await fetch(`${url}${path}`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(object) });
  assert.ok(response.ok, `PUT ${path}: ${response.status} ${await response.text()}`);
}

const PRUNABLE = ["MeshTimeout/shop/gone", "Secret/shop/token"];
const NOTE = /^! 2 resources meshops owns are no longer in the repository: (.*); --prune deletes them$/m;

test("plan and apply without --prune name the owned resources --prune would delete, and nothing else", async () => {
  await withControlPlaneServer({ version: "2.10.11", skipMeshCreation: true }, async (url) => {
    const config = stringify({ controlPlane: { version: "2.10.11", skipDefaultMeshCreation: true }, prune: { maxDeletes: 10, maxDeletePercent: 100 }, secrets: { allowPlaintext: true } });
    commitFiles(
      repo.dir,
      {
        "meshops.yaml": config,
        "meshes/shop.yaml": stringify({ type: "Mesh", name: "shop", skipCreatingInitialPolicies: ["*"] }),
        "policies/stays.yaml": stringify({ type: "MeshTimeout", mesh: "shop", name: "stays", spec: timeout("1m") }),
        "policies/gone.yaml": stringify({ type: "MeshTimeout", mesh: "shop", name: "gone", spec: timeout("2m") }),
        "policies/pinned.yaml": stringify({ type: "MeshTimeout", mesh: "shop", name: "pinned", labels: { "meshops.io/prune": "disabled" }, spec: timeout("3m") }),
        "secrets/token.yaml": stringify({ type: "Secret", mesh: "shop", name: "token", data: "c2VjcmV0" }),
      },
      "shop",
    );
    const applied = await runCli(["apply", "--cp-url", url], repo.dir);
    assert.equal(applied.code, 0, applied.stderr);
    // Written by hand beside meshops' resources: not meshops' to prune, so never named.
    await put(url, "/meshes/shop/meshtimeouts/by-hand", { type: "MeshTimeout", mesh: "shop", name: "by-hand", spec: timeout("4m") });
    commitFiles(repo.dir, { "policies/gone.yaml": "", "policies/pinned.yaml": "", "secrets/token.yaml": "" }, "drop gone, pinned and the Secret");

    const drift = await runCli(["drift", "--cp-url", url, "--format", "json"], repo.dir);
    const orphaned = (JSON.parse(drift.stdout) as { items: { kind: string; resource: string }[] }).items.filter((i) => i.kind === "orphaned").map((i) => i.resource);
    assert.deepEqual(orphaned.sort(), ["MeshTimeout/shop/gone", "MeshTimeout/shop/pinned", "Secret/shop/token"]);

    const text = await runCli(["plan", "--cp-url", url], repo.dir);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^No changes: 2 resources in sync\.$/m);
    const named = NOTE.exec(text.stdout)?.[1];
    assert.ok(named, text.stdout);
    assert.deepEqual(named.split(", ").sort(), PRUNABLE);
    assert.doesNotMatch(text.stdout, /by-hand|pinned/);

    const json = await runCli(["plan", "--cp-url", url, "--format", "json"], repo.dir);
    assert.equal(json.code, 0, json.stderr);
    const plan = JSON.parse(json.stdout) as { summary: { delete: number }; prunable?: { resource: string; type: string; mesh: string; name: string }[] };
    assert.equal(plan.summary.delete, 0);
    assert.deepEqual(plan.prunable?.map((p) => p.resource).sort(), PRUNABLE);
    assert.deepEqual(plan.prunable?.find((p) => p.type === "Secret"), { resource: "Secret/shop/token", type: "Secret", mesh: "shop", name: "token" });

    const markdown = await runCli(["plan", "--cp-url", url, "--format", "markdown"], repo.dir);
    assert.equal(markdown.code, 0, markdown.stderr);
    assert.match(markdown.stdout, /^> \[!NOTE\]\n> 2 resources meshops owns are no longer in the repository: `[^`]+`, `[^`]+`; `--prune` deletes them$/m);
    assert.match(markdown.stdout, /`Secret\/shop\/token`/);
    assert.doesNotMatch(markdown.stdout, /by-hand|pinned/);

    const github = await runCli(["plan", "--cp-url", url, "--format", "github"], repo.dir);
    assert.equal(github.code, 0, github.stderr);
    // Named once in the folded text report; counted once on the summary line outside it, which the job page shows.
    assert.equal(github.stdout.match(new RegExp(NOTE.source, "gm"))?.length, 1, github.stdout);
    assert.match(github.stdout, /: No changes: 2 resources unchanged\. 2 owned resources no longer in the repository \(--prune deletes them\)\.$/m);
    assert.equal(github.stdout.match(/no longer in the repository/g)?.length, 2, github.stdout);

    // With --prune they are the deletes, and the opt-out's resource is kept: no note.
    const pruning = await runCli(["plan", "--prune", "--cp-url", url], repo.dir);
    assert.equal(pruning.code, 2, pruning.stderr);
    assert.match(pruning.stdout, /^- delete MeshTimeout\/shop\/gone$/m);
    assert.match(pruning.stdout, /^= kept MeshTimeout\/shop\/pinned \(prune disabled\)$/m);
    assert.doesNotMatch(pruning.stdout, /no longer in the repository/);

    // apply without --prune: nothing to write, said once.
    const nothing = await runCli(["apply", "--cp-url", url], repo.dir);
    assert.equal(nothing.code, 0, nothing.stderr);
    assert.equal(`${nothing.stdout}${nothing.stderr}`.match(/no longer in the repository/g)?.length, 1, nothing.stdout + nothing.stderr);
    assert.match(nothing.stdout, NOTE);

    // apply writing something: the report of what it wrote, and the note once (on stderr, as json's stdout is the report).
    for (const [format, idle] of [["text", "5m"], ["json", "6m"]] as const) {
      commitFiles(repo.dir, { "policies/stays.yaml": stringify({ type: "MeshTimeout", mesh: "shop", name: "stays", spec: timeout(idle) }) }, `stays: ${idle}`);
      const writing = await runCli(["apply", "--cp-url", url, "--format", format], repo.dir);
      assert.equal(writing.code, 0, writing.stderr);
      assert.equal(`${writing.stdout}${writing.stderr}`.match(/no longer in the repository/g)?.length, 1, `${format}: ${writing.stdout}${writing.stderr}`);
      assert.match(writing.stderr, /^meshops: note: 2 resources meshops owns are no longer in the repository: .*; --prune deletes them$/m);
      assert.match(writing.stdout, format === "text" ? /update MeshTimeout\/shop\/stays/ : /"resource": "MeshTimeout\/shop\/stays"/);
    }

    // Nothing was deleted without --prune.
    const listed = await fetch(`${url}/meshes/shop/meshtimeouts`);
    const names = ((await listed.json()) as { items: { name: string }[] }).items.map((i) => i.name).sort();
    assert.deepEqual(names, ["by-hand", "gone", "pinned", "stays"]);
  });
});
