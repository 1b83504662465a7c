/**
 * A resource the repository defines that the control plane holds without meshops' ownership label (applied by hand,
 * by another tool) is drift, `modified`: apply writes the label and adopts it. When that label is the only
 * difference, nothing was changed outside Git: drift says so, and that apply adopts it, in text, JSON and markdown,
 * as plan marks an adoption. Against the embedded control plane over HTTP, through the CLI.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { stringify } from "yaml";
import { runCli } from "./helpers/cli.js";
import { withControlPlaneServer } from "./helpers/controlPlane.js";
import { commitFiles, tempRepo } from "./helpers/git.js";

const repo = tempRepo("meshops-drift-not-owned-");
after(() => repo.cleanup());

const retry = (numRetries: number) => ({
  type: "MeshRetry",
  mesh: "default",
  name: "by-hand-retry",
  spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { http: { numRetries } } }] },
});
const timeout = (name: string) => ({
  type: "MeshTimeout",
  mesh: "default",
  name,
  spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: "20m" } }] },
});

async function put(url: string, path: string, object: object): Promise<void> {
  const response = await fetch(`${url}${path}`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(object) });
  assert.ok(response.ok, `PUT ${path}: ${response.status} ${await response.text()}`);
}

interface DriftJson {
  readonly items: { kind: string; resource: string; adopts?: boolean; ownershipLabelOnly?: boolean }[];
}

const ONLY_LABEL = "(not owned: only meshops' ownership label differs; apply adopts it)";
const ALSO_CHANGED = "(not owned: made outside meshops; apply adopts it)";
const SAME_AS_GIT = "as the repository has it, but made outside meshops";
const SAME_AS_GIT_SENTENCE = "As the repository has it, but made outside meshops.";

test("drift marks a modified resource nobody owns, and says when meshops' ownership label is its only difference", async () => {
  await withControlPlaneServer({ version: "2.14.3" }, async (url) => {
    // By hand, before the repository: one as the repository has it, one with another value.
    await put(url, "/meshes/default/meshtimeouts/by-hand-same", timeout("by-hand-same"));
    await put(url, "/meshes/default/meshretries/by-hand-retry", retry(3));
    commitFiles(repo.dir, {
      "meshops.yaml": stringify({ controlPlane: { version: "2.14.3" } }),
      "policies.yaml": [timeout("by-hand-same"), retry(4), timeout("applied")].map((o) => stringify(o)).join("---\n"),
    });
    // One resource meshops itself wrote and that then changed by hand: modified, owned, unmarked.
    const applied = await runCli(["apply", "--cp-url", url], repo.dir);
    assert.equal(applied.code, 0, applied.stderr);
    await put(url, "/meshes/default/meshtimeouts/by-hand-same", timeout("by-hand-same"));
    await put(url, "/meshes/default/meshretries/by-hand-retry", retry(3));
    const edited = timeout("applied");
    edited.spec.to[0]!.default.idleTimeout = "5m";
    await put(url, "/meshes/default/meshtimeouts/applied", { ...edited, labels: await ownerLabels(url) });

    const text = await runCli(["drift", "--cp-url", url], repo.dir);
    assert.equal(text.code, 2, text.stderr);
    const lines = text.stdout.split("\n");
    assert.ok(lines.includes(`~ modified MeshTimeout/default/by-hand-same ${ONLY_LABEL}`), text.stdout);
    assert.ok(lines.includes(`~ modified MeshRetry/default/by-hand-retry ${ALSO_CHANGED}`), text.stdout);
    assert.ok(lines.includes("~ modified MeshTimeout/default/applied"), `owned: unmarked\n${text.stdout}`);

    const json = JSON.parse((await runCli(["drift", "--cp-url", url, "--format", "json"], repo.dir)).stdout) as DriftJson;
    const modified = json.items.filter((i) => i.kind === "modified").map((i) => [i.resource, i.adopts ?? false, i.ownershipLabelOnly ?? false]);
    assert.deepEqual(modified.sort(), [
      ["MeshRetry/default/by-hand-retry", true, false],
      ["MeshTimeout/default/applied", false, false],
      ["MeshTimeout/default/by-hand-same", true, true],
    ]);

    const markdown = (await runCli(["drift", "--cp-url", url, "--format", "markdown"], repo.dir)).stdout.split("\n");
    assert.ok(markdown.some((l) => l.startsWith(`| 🔄 modified ${ONLY_LABEL} | \`MeshTimeout/default/by-hand-same\` |`)), markdown.join("\n"));
    assert.ok(markdown.some((l) => l.startsWith(`| 🔄 modified ${ALSO_CHANGED} | \`MeshRetry/default/by-hand-retry\` |`)), markdown.join("\n"));
    assert.ok(markdown.some((l) => l.startsWith("| 🔄 modified | `MeshTimeout/default/applied` |")), markdown.join("\n"));

    // The annotations and code scanning say it too, and do not call the label-only one changed outside Git.
    const github = (await runCli(["drift", "--cp-url", url, "--format", "github"], repo.dir)).stdout.split("\n");
    const annotation = (resource: string) => github.find((l) => l.includes(`::modified ${resource}`)) ?? "";
    assert.ok(annotation("MeshTimeout/default/by-hand-same").includes(`::modified MeshTimeout/default/by-hand-same ${ONLY_LABEL}: ${SAME_AS_GIT}%0A`), github.join("\n"));
    assert.ok(annotation("MeshRetry/default/by-hand-retry").includes(`::modified MeshRetry/default/by-hand-retry ${ALSO_CHANGED}: changed on the control plane outside Git%0A`), github.join("\n"));
    assert.ok(annotation("MeshTimeout/default/applied").includes("::modified MeshTimeout/default/applied: changed on the control plane outside Git%0A"), github.join("\n"));
    const sarif = JSON.parse((await runCli(["drift", "--cp-url", url, "--format", "sarif"], repo.dir)).stdout) as { runs: { results: { message: { text: string } }[] }[] };
    const firstLines = sarif.runs[0]!.results.map((r) => r.message.text.split("\n")[0]).sort();
    assert.deepEqual(firstLines, [
      `modified MeshRetry/default/by-hand-retry ${ALSO_CHANGED}: Changed on the control plane outside Git.`,
      "modified MeshTimeout/default/applied: Changed on the control plane outside Git.",
      `modified MeshTimeout/default/by-hand-same ${ONLY_LABEL}: ${SAME_AS_GIT_SENTENCE}`,
    ]);
  });
});

/** The labels meshops stamped on what it applied, as the control plane holds them. */
async function ownerLabels(url: string): Promise<Record<string, string>> {
  const response = await fetch(`${url}/meshes/default/meshtimeouts/applied`);
  const object = (await response.json()) as { labels: Record<string, string> };
  return object.labels;
}
