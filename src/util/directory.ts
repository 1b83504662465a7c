/**
 * `mkdir -p`, without Node's `{ recursive: true }`: where mkdir answers ENOENT below a parent that exists (/proc, /sys,
 * some FUSE mounts) Node's recursive mkdir retries forever at full CPU, so `--state-dir /proc/x` hung instead of
 * failing. Here each level is made once and a second ENOENT is the error. A path that exists as something else than a
 * folder is said in those words (mkdir's own EEXIST reads as if it had worked).
 */
import { mkdirSync, statSync } from "node:fs";
import { mkdir, stat } from "node:fs/promises";
import path from "node:path";

function notADirectory(dir: string): Error {
  return Object.assign(new Error(`${dir} exists and is not a directory`), { code: "ENOTDIR" });
}

const codeOf = (error: unknown): string | undefined => (error as NodeJS.ErrnoException).code;

/** Makes `dir` and the folders above it that are missing; `mode` for those it makes. */
export async function makeDirectory(dir: string, mode?: number): Promise<void> {
  const options = mode === undefined ? {} : { mode };
  try {
    await mkdir(dir, options);
    return;
  } catch (error) {
    if (codeOf(error) === "EEXIST") {
      if (!(await stat(dir)).isDirectory()) throw notADirectory(dir);
      return;
    }
    const parent = path.dirname(dir);
    if (codeOf(error) !== "ENOENT" || parent === dir) throw error;
    await makeDirectory(parent, mode);
  }
  await mkdir(dir, options).catch((error: unknown) => {
    if (codeOf(error) !== "EEXIST") throw error;
  });
}

/** makeDirectory for the synchronous callers. */
export function makeDirectorySync(dir: string, mode?: number): void {
  const options = mode === undefined ? {} : { mode };
  try {
    mkdirSync(dir, options);
    return;
  } catch (error) {
    if (codeOf(error) === "EEXIST") {
      if (!statSync(dir).isDirectory()) throw notADirectory(dir);
      return;
    }
    const parent = path.dirname(dir);
    if (codeOf(error) !== "ENOENT" || parent === dir) throw error;
    makeDirectorySync(parent, mode);
  }
  try {
    mkdirSync(dir, options);
  } catch (error) {
    if (codeOf(error) !== "EEXIST") throw error;
  }
}
