/**
 * Where `watch` keeps what people decided through the API (`--controls-file`), so a restart keeps it: a mesh a person
 * stopped must not be applied because the pod was rescheduled, and a plan a person approved must not wait for a second
 * approval. A small JSON file, `{"suspended": [mesh…], "approved": [{"mesh", "revision", "plan"}…]}`, replaced whole
 * (written aside, then renamed) on every change; a file without "approved" (written before approvals were kept) has
 * none. Keeping an approval is safe: it binds to the plan's fingerprint (gate.ts), and a restarted daemon plans the
 * revision again, applying it only if it still plans what was approved.
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { makeDirectorySync } from "../util/directory.js";
import type { RevisionPlan, SavedControls } from "./controls.js";

export class ControlsFileError extends Error {}

/** A full commit id (SHA-1 or SHA-256) and a plan fingerprint (gate.ts planFingerprint): nothing shorter is kept. */
const REVISION = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
const PLAN = /^[0-9a-f]{64}$/;

/** What the API decided when the daemon last ran (nothing when the file does not exist yet). */
export function readControls(file: string): SavedControls {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { suspended: [], approved: new Map() };
    throw new ControlsFileError(`${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
  let saved: { suspended?: unknown; approved?: unknown } | null;
  try {
    saved = JSON.parse(text) as typeof saved;
  } catch (error) {
    throw new ControlsFileError(`${file}: not a meshops controls file (${(error as Error).message}): fix or delete it`);
  }
  const suspended = saved?.suspended;
  if (!Array.isArray(suspended) || !suspended.every((m) => typeof m === "string")) {
    throw new ControlsFileError(`${file}: not a meshops controls file (no "suspended" list of mesh names): fix or delete it`);
  }
  const approved = saved?.approved ?? [];
  if (!Array.isArray(approved) || !approved.every(isApproval)) {
    throw new ControlsFileError(`${file}: not a meshops controls file ("approved" is not a list of {"mesh", "revision", "plan"} with full commit ids and plan fingerprints): fix or delete it`);
  }
  return { suspended: suspended as string[], approved: new Map(approved.map(({ mesh, revision, plan }) => [mesh, { revision, plan }])) };
}

/** Replaces the file with `controls` (sorted by mesh); throws a ControlsFileError when it cannot be written. */
export function writeControls(file: string, controls: SavedControls): void {
  const aside = `${file}.${process.pid}.tmp`;
  const approved = [...controls.approved].sort(([a], [b]) => (a < b ? -1 : 1)).map(([mesh, { revision, plan }]) => ({ mesh, revision, plan }));
  try {
    makeDirectorySync(path.dirname(file));
    writeFileSync(aside, JSON.stringify({ suspended: [...controls.suspended].sort(), approved }) + "\n");
    renameSync(aside, file);
  } catch (error) {
    throw new ControlsFileError(`${file}: cannot write it (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
}

function isApproval(value: unknown): value is RevisionPlan & { readonly mesh: string } {
  if (typeof value !== "object" || value === null) return false;
  const { mesh, revision, plan } = value as Record<string, unknown>;
  return typeof mesh === "string" && typeof revision === "string" && REVISION.test(revision) && typeof plan === "string" && PLAN.test(plan);
}
