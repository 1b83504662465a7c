import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import path from "node:path";
import { after, test } from "node:test";
import { runCli } from "./helpers/cli.js";
import { commitFolder, projectRoot, tempRepo } from "./helpers/git.js";
import { assertGolden } from "./helpers/golden.js";

/**
 * One fixture per error class: a small repository under test/fixtures/validate/<case>/repo, committed to a real Git
 * repository, validated through the CLI. The golden expected.json pins file, line, column, resource, path and message;
 * the table below states what each case is about, so a golden file cannot drift into proving nothing.
 */
const cases: Record<string, { valid: boolean; rules: string[] }> = {
  "yaml-syntax": { valid: false, rules: ["yaml-syntax"] },
  "duplicate-key": { valid: false, rules: ["duplicate-key"] },
  "alias-bomb": { valid: false, rules: ["yaml-alias-limit"] },
  "not-a-mapping": { valid: false, rules: ["not-a-mapping"] },
  "unknown-type": { valid: false, rules: ["unknown-type"] },
  "kubernetes-namespace": { valid: false, rules: ["kubernetes-namespace"] },
  "schema-errors": { valid: false, rules: ["schema"] },
  "semantic-errors": { valid: false, rules: ["semantic"] },
  "duplicate-resource": { valid: false, rules: ["duplicate-resource"] },
  "unknown-mesh": { valid: false, rules: ["unknown-mesh"] },
  "cross-mesh-reference": { valid: false, rules: ["cross-mesh-reference"] },
  "dangling-reference": { valid: true, rules: ["dangling-reference", "zone-provided-services"] },
  tenancy: { valid: false, rules: ["tenancy/tenant-folders", "tenancy/payments-no-mesh-wide"] },
  "skip-list": { valid: true, rules: ["skip-list"] },
  "config-errors": { valid: false, rules: ["config"] },
  "missing-name": { valid: false, rules: ["missing-name"] },
};

const fixtures = path.join(projectRoot, "test/fixtures/validate");
const repos: (() => void)[] = [];
after(() => repos.forEach((cleanup) => cleanup()));

test("every fixture folder has a case in the table", () => {
  assert.deepEqual(readdirSync(fixtures).sort(), Object.keys(cases).sort());
});

for (const [name, expected] of Object.entries(cases)) {
  test(`validate fixture: ${name}`, async () => {
    const repo = tempRepo();
    repos.push(repo.cleanup);
    commitFolder(repo.dir, path.join(fixtures, name, "repo"));
    const run = await runCli(["validate", "--format", "json"], repo.dir);
    const report = JSON.parse(run.stdout) as { valid: boolean; diagnostics: { severity: string; file: string; line: number; column: number; rule: string; path: string; resource: string }[] };

    assert.equal(run.code, expected.valid ? 0 : 1, run.stdout + run.stderr);
    assert.equal(report.valid, expected.valid);
    const rules = new Set(report.diagnostics.map((d) => d.rule));
    for (const rule of expected.rules) assert.ok(rules.has(rule), `expected a ${rule} diagnostic, got ${[...rules].join(", ")}`);
    for (const d of report.diagnostics) {
      assert.ok(d.file !== "" && d.line >= 1 && d.column >= 1, `every diagnostic points at a file and line: ${JSON.stringify(d)}`);
    }
    assertGolden(path.join(fixtures, name, "expected.json"), run.stdout);
  });
}
