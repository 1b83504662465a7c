/**
 * A no-op plan as `meshops plan` runs it, in a fresh process: validate the repository (timed apart), then list
 * everything from the control plane, build the desired state and compare (timed: the target's "list everything,
 * diff, nothing to write").
 *   node dist/bench/noopPlan.js <repo> <cp-url>
 */
import { performance } from "node:perf_hooks";
import { KumaHttpBackend } from "../src/backend/kumaHttp.js";
import { readSnapshot } from "../src/source/index.js";
import { planOptionsOf } from "../src/diff/plan.js";
import { compare, planFor } from "../src/sync/reconcile.js";
import { validateSnapshot } from "../src/validate/index.js";

const [repo, cpUrl] = process.argv.slice(2);
if (!repo || !cpUrl) {
  console.error("usage: noopPlan.js <repo> <cp-url>");
  process.exit(2);
}
const backend = new KumaHttpBackend({ baseUrl: cpUrl });
let t = performance.now();
const result = validateSnapshot(await readSnapshot({ repo, ref: "HEAD" }));
const validateMs = performance.now() - t;
t = performance.now();
const comparison = await compare(backend, result, { needWrite: false });
const listMs = performance.now() - t;
t = performance.now();
const plan = planFor(comparison, planOptionsOf(result.config, false));
const diffMs = performance.now() - t;
await backend.close();
console.log(
  JSON.stringify({
    validateMs: Math.round(validateMs),
    listAndDesiredMs: Math.round(listMs),
    diffMs: Math.round(diffMs),
    planMs: Math.round(listMs + diffMs),
    changes: plan.summary.create + plan.summary.update + plan.summary.delete,
    unchanged: plan.summary.unchanged,
    listed: comparison.live.length,
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  }),
);
