import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { projectRoot } from "./helpers/git.js";

/**
 * docs/architecture.md's layering, checked on the import graph of src/ so that it cannot come back: data flows one
 * way, so no lower layer imports the differ, and kuma/ and model/ (knowledge, not behaviour) depend on nothing but each
 * other. The TypeScript sources are read rather than dist/src: a type-only import is a dependency too, and dist/ may
 * hold a stale module whose source was moved.
 */
const src = path.join(projectRoot, "src");

/** Each module of src/ (as `folder/file.ts`) with the modules of src/ it imports, statically, for its types, or dynamically. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const modules = (readdirSync(src, { recursive: true }) as string[]).map((f) => f.split(path.sep).join("/")).filter((f) => f.endsWith(".ts"));
  for (const module of modules) {
    const text = readFileSync(path.join(src, module), "utf8");
    const specifiers = [
      ...[...text.matchAll(/^\s*(?:import|export)\b[^"'`;]*?\bfrom\s*["']([^"']+)["']/gm)].map((m) => m[1] as string),
      ...[...text.matchAll(/^\s*import\s*["']([^"']+)["']/gm)].map((m) => m[1] as string),
      ...[...text.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1] as string),
    ];
    const targets = specifiers.map((s) => (s.startsWith(".") ? path.posix.join(path.posix.dirname(module), s).replace(/\.js$/, ".ts") : s));
    graph.set(module, targets);
  }
  return graph;
}

const folderOf = (module: string) => (module.includes("/") ? module.slice(0, module.indexOf("/")) : "");

test("the scanner sees the imports it checks (a static import, a type-only one, a dynamic one)", () => {
  const graph = importGraph();
  assert.ok(graph.size > 150, `${graph.size} modules`);
  assert.ok(graph.get("diff/plan.ts")?.includes("diff/redact.ts"), "diff/plan.ts imports diff/redact.ts");
  assert.ok(graph.get("daemon/events.ts")?.includes("diff/plan.ts"), "daemon/events.ts imports the type Plan");
  assert.ok(graph.get("cli/failure.ts")?.includes("diff/savedPlan.ts"), "cli/failure.ts loads diff/savedPlan.ts when it needs it");
  for (const [module, targets] of graph) for (const target of targets) if (target.endsWith(".ts")) assert.ok(graph.has(target), `${module} imports ${target}, which the scanner did not find`);
});

test("no module of parse/, validate/, backend/, kuma/ or model/ imports diff/: the differ reads them, never the other way", () => {
  const lower = new Set(["parse", "validate", "backend", "kuma", "model"]);
  const upward = [...importGraph()].flatMap(([module, targets]) => (lower.has(folderOf(module)) ? targets.filter((t) => folderOf(t) === "diff").map((t) => `${module} -> ${t}`) : []));
  assert.deepEqual(upward, []);
});

test("kuma/ and model/ depend on nothing but each other (and node's own modules); model/ on nothing but model/", () => {
  const allowed: Record<string, readonly string[]> = { kuma: ["kuma", "model"], model: ["model"] };
  const outside = [...importGraph()].flatMap(([module, targets]) => {
    const mayUse = allowed[folderOf(module)];
    if (!mayUse) return [];
    return targets.filter((t) => (t.endsWith(".ts") ? !mayUse.includes(folderOf(t)) : !t.startsWith("node:"))).map((t) => `${module} -> ${t}`);
  });
  assert.deepEqual(outside, []);
});
