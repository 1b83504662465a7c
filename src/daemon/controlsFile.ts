/**
 * Where `watch` keeps the suspensions made through the API (`--controls-file`), so a restart keeps them: a mesh a
 * person stopped must not be applied because the pod was rescheduled. A small JSON file, `{"suspended": [mesh…]}`,
 * replaced whole (written aside, then renamed) on every change. Approvals are not kept: they name a revision, and a
 * restarted daemon plans again.
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { makeDirectorySync } from "../util/directory.js";

export class ControlsFileError extends Error {}

/** The meshes suspended through the API when the daemon last ran (none when the file does not exist yet). */
export function readSuspensions(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new ControlsFileError(`${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
  let suspended: unknown;
  try {
    suspended = (JSON.parse(text) as { suspended?: unknown } | null)?.suspended;
  } catch (error) {
    throw new ControlsFileError(`${file}: not a meshops controls file (${(error as Error).message}): fix or delete it`);
  }
  if (!Array.isArray(suspended) || !suspended.every((m) => typeof m === "string")) {
    throw new ControlsFileError(`${file}: not a meshops controls file (no "suspended" list of mesh names): fix or delete it`);
  }
  return suspended as string[];
}

/** Replaces the file with `suspended` (sorted); throws a ControlsFileError when it cannot be written. */
export function writeSuspensions(file: string, suspended: Iterable<string>): void {
  const aside = `${file}.${process.pid}.tmp`;
  try {
    makeDirectorySync(path.dirname(file));
    writeFileSync(aside, JSON.stringify({ suspended: [...suspended].sort() }) + "\n");
    renameSync(aside, file);
  } catch (error) {
    throw new ControlsFileError(`${file}: cannot write it (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
}
