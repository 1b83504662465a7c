/**
 * Sync benchmark in a fresh process, against `meshops cp` over loopback HTTP:
 *   node dist/bench/syncRepo.js <repo> <cp-url>
 * initial apply (writes/s), a no-op plan, then a one-policy commit that must lead to exactly one PUT. One JSON line.
 */
import { performance } from "node:perf_hooks";
import { KumaHttpBackend, type RequestEvent } from "../src/backend/kumaHttp.js";
import { readSnapshot } from "../src/source/index.js";
import { applyPlan } from "../src/sync/apply.js";
import { compare, planFor } from "../src/sync/reconcile.js";
import { planOptionsOf } from "../src/diff/plan.js";
import { AnalysisCache, validateSnapshot } from "../src/validate/index.js";
import { commitOneChange } from "./generate.js";

const [repo, cpUrl] = process.argv.slice(2);
if (!repo || !cpUrl) {
  console.error("usage: syncRepo.js <repo> <cp-url>");
  process.exit(2);
}

const requests: RequestEvent[] = [];
const backend = new KumaHttpBackend({ baseUrl: cpUrl, concurrency: 32, onRequest: (e) => requests.push(e) });
const cache = new AnalysisCache();
const blobCache = new Map<string, string>();
const load = async () => validateSnapshot(await readSnapshot({ repo, ref: "HEAD", blobCache }), cache);
const count = (method: string) => requests.filter((r) => r.method === method).length;

const result = await load();
const planOptions = planOptionsOf(result.config, false);

/** The initial apply, in a function so its plan and results can be collected before the next phase is timed. */
async function initialApply(): Promise<{ planMs: number; applyMs: number; applied: number; requests: number }> {
  let t = performance.now();
  const initial = planFor(await compare(backend, result, { needWrite: true }), planOptions);
  const planMs = performance.now() - t;
  t = performance.now();
  requests.length = 0;
  const changes = await applyPlan(backend, initial, { concurrency: 32 });
  const applyMs = performance.now() - t;
  if (changes.summary.failed > 0) throw new Error(`initial apply failed: ${changes.results.find((r) => r.outcome === "failed")?.error}`);
  return { planMs, applyMs, applied: changes.summary.applied, requests: requests.length };
}

const first = await initialApply();
const { planMs, applyMs } = first;
const applied = { summary: { applied: first.applied } };
const applyRequests = first.requests;

requests.length = 0;
const t = performance.now();
const reloaded = await load();
const noopLoadMs = performance.now() - t;
const comparison = await compare(backend, reloaded, { needWrite: false });
const noopCompareMs = performance.now() - t - noopLoadMs;
const noop = planFor(comparison, planOptions);
const noopMs = performance.now() - t;
const noopGets = count("GET");

await commitOneChange(repo);
requests.length = 0;
const changed = planFor(await compare(backend, await load(), { needWrite: true }), planOptions);
await applyPlan(backend, changed);
const puts = count("PUT");
await backend.close();

console.log(
  JSON.stringify({
    writes: applied.summary.applied,
    initialPlanMs: Math.round(planMs),
    applyMs: Math.round(applyMs),
    writesPerSecond: Math.round((applied.summary.applied / applyMs) * 1000),
    requestsPerSecond: Math.round((applyRequests / applyMs) * 1000),
    noopPlanMs: Math.round(noopMs),
    noopPhasesMs: { readAndValidate: Math.round(noopLoadMs), listAndDesired: Math.round(noopCompareMs), diff: Math.round(noopMs - noopLoadMs - noopCompareMs) },
    noopChanges: noop.summary.create + noop.summary.update + noop.summary.delete,
    noopListRequests: noopGets,
    oneChangePuts: puts,
    oneChangeSummary: changed.summary,
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  }),
);
