/**
 * Diagnostics kept in order from run to run (src/validate/sortedParts.ts): whatever parts come and go, the result is
 * exactly the plain stable sort of all their items, in the order the parts are given.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { compareDiagnostics, type Diagnostic, type Severity } from "../src/model/diagnostic.js";
import { SortedDiagnostics } from "../src/validate/sortedParts.js";

/** A deterministic pseudo-random sequence (the test must fail the same way every time). */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

test("sorted diagnostics: parts replaced, added and removed over many runs, always the plain sort's order", () => {
  const next = random(7);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  let made = 0;
  const part = (file: string, count: number): Diagnostic[] =>
    Array.from({ length: count }, () => ({
      severity: pick<Severity>(["error", "warning", "info"]),
      file,
      line: 1 + Math.floor(next() * 40),
      column: 1 + Math.floor(next() * 3),
      resource: `MeshTimeout/m/r${made++}`,
      path: pick(["", "spec", "spec.to[0]"]),
      message: pick(["a", "b"]),
      rule: "r",
    }));
  const files = Array.from({ length: 60 }, (_, i) => `meshes/f${String(i).padStart(2, "0")}.yaml`);
  let parts = files.map((f) => part(f, Math.floor(next() * 6)));
  const sorted = new SortedDiagnostics();
  for (let run = 0; run < 400; run++) {
    const expected = parts.flat().sort(compareDiagnostics);
    const got = sorted.sort(parts);
    assert.deepEqual(got, expected, `run ${run}`);
    assert.ok(got.every((d, i) => d === expected[i]), `run ${run}: the same objects`);
    // Next run: one to three parts replaced, sometimes one dropped or added, sometimes many (the full sort).
    parts = [...parts];
    for (let k = 1 + Math.floor(next() * 3); k > 0; k--) {
      const i = Math.floor(next() * parts.length);
      parts[i] = part(files[i % files.length] as string, Math.floor(next() * 6));
    }
    if (next() < 0.2) parts.splice(Math.floor(next() * parts.length), 1);
    if (next() < 0.2) parts.push(part(pick(files), 3));
    if (next() < 0.05) parts = parts.map((p) => (next() < 0.5 ? part(p[0]?.file ?? pick(files), 80) : p));
    // A part listed twice counts twice, and the next run must not take the duplicate for one part.
    if (next() < 0.05 && parts.length > 0) parts.push(parts[0] as Diagnostic[]);
  }
});
