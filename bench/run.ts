/**
 * `npm run bench`: generates the synthetic repository (1,000 meshes x 50 policies by default; override with
 * BENCH_MESHES / BENCH_POLICIES) in a temporary Git repository, then measures each phase in a fresh process.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { generateRepo } from "./generate.js";

const meshes = Number(process.env.BENCH_MESHES ?? 1000);
const policies = Number(process.env.BENCH_POLICIES ?? 50);
const here = path.dirname(new URL(import.meta.url).pathname);
const dir = mkdtempSync(path.join(tmpdir(), "meshops-bench-"));

function measure(script: string, ...args: string[]): Record<string, unknown> {
  const out = execFileSync(process.execPath, [path.join(here, script), ...args], { encoding: "utf8", maxBuffer: 64 << 20 });
  return JSON.parse(out.trim().split("\n").at(-1) ?? "{}") as Record<string, unknown>;
}

try {
  const t0 = performance.now();
  const generated = await generateRepo(dir, { meshes, policiesPerMesh: policies, shape: "mixed" });
  // A repository meshops reads is a clone, whose objects are packed; a fresh commit of 12,000 files is 12,000 loose
  // zlib files instead, which measures the file system more than meshops.
  execFileSync("git", ["gc", "--quiet"], { cwd: dir });
  console.log(`generated ${generated.resources} resources in ${generated.files} files in ${Math.round(performance.now() - t0)} ms (${dir}, packed)`);

  const cold = [1, 2, 3].map(() => measure("validateRepo.js", "cold", dir));
  const sorted = [...cold].sort((a, b) => (a.totalMs as number) - (b.totalMs as number));
  const median = sorted[1] as Record<string, unknown>;
  const perSecond = Math.round(((median.resources as number) / (median.totalMs as number)) * 1000);
  console.log(
    `validate (cold, median of 3): ${median.totalMs} ms total (read ${median.readMs} ms, validate ${median.validateMs} ms), ` +
      `${perSecond} resources/s, peak RSS ${median.maxRssMb} MB, valid=${median.valid}, desired=${median.desired}`,
  );
  if (!median.valid) console.log("  errors:", JSON.stringify(median.errors));

  const incremental = measure("validateRepo.js", "incremental", dir);
  console.log(
    `re-validate after a one-file commit (warm process, median of ${incremental.runs}): ${incremental.medianMs} ms (max ${incremental.maxMs} ms), peak RSS ${incremental.maxRssMb} MB`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
