import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import type { Snapshot, SourceFile } from "../../src/source/types.js";

/**
 * A fixture folder as the snapshot `readSnapshot` would give at `revision`, without Git: renderer goldens then name a
 * fixed revision instead of a commit id that changes with every run.
 */
export function snapshotOf(dir: string, revision: string): Snapshot {
  const files: SourceFile[] = [];
  let config: SourceFile | undefined;
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder).sort()) {
      const absolute = path.join(folder, entry);
      if (statSync(absolute).isDirectory()) walk(absolute);
      else if (/\.ya?ml$/.test(entry)) {
        const text = readFileSync(absolute, "utf8");
        const relative = path.relative(dir, absolute).split(path.sep).join("/");
        const file = { path: relative, text, blobId: createHash("sha1").update(`blob ${Buffer.byteLength(text)}\0${text}`).digest("hex") };
        if (relative === "meshops.yaml") config = file;
        else files.push(file);
      }
    }
  };
  walk(dir);
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { revision, root: "", files, problems: [], ...(config ? { config } : {}) };
}
