/** The text drift report's last line says what `driftSummaryLine` says in every other format: one sentence, counted. */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { DriftReport } from "../src/diff/drift.js";
import { driftSummaryLine } from "../src/report/common.js";
import { renderDriftText } from "../src/report/plan.js";

const unmanaged = (name: string): DriftReport["items"][number] => ({ kind: "unmanaged", resource: `MeshTimeout/prod/${name}`, type: "MeshTimeout", mesh: "prod", name, diff: "" });

test("in sync with one unmanaged resource: 'resource', not 'resources', as the other formats say it", () => {
  for (const items of [[unmanaged("handmade")], [unmanaged("handmade"), unmanaged("hotfix")]]) {
    const report: DriftReport = { summary: { missing: 0, modified: 0, orphaned: 0, unmanaged: items.length }, items, leftAlone: [] };
    const last = renderDriftText(report).trimEnd().split("\n").at(-1);
    assert.equal(last, driftSummaryLine(report.summary, report.leftAlone));
  }
  const one: DriftReport = { summary: { missing: 0, modified: 0, orphaned: 0, unmanaged: 1 }, items: [unmanaged("handmade")], leftAlone: [] };
  assert.match(renderDriftText(one), /In sync \(1 unmanaged resource not in the repository, left alone\)\.\n$/);
});
