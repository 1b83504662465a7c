import { readCommit } from "./git.js";
import { readWorktree } from "./worktree.js";
import type { ReadOptions, Snapshot } from "./types.js";
import { WORKTREE } from "./types.js";

export * from "./types.js";

/** Reads the configuration repository at `options.ref`: committed content from Git objects, or the working tree. */
export function readSnapshot(options: ReadOptions): Promise<Snapshot> {
  return options.ref === WORKTREE ? readWorktree(options) : readCommit(options);
}

/**
 * Keeps a long-running reader's blob cache to the texts of `snapshot`'s files: every commit adds the new version of
 * what it changed, and the old ones would pile up. Pruned once the stale entries are more than a few (a scan of the
 * snapshot per prune, not per commit).
 */
export function retainBlobs(cache: Map<string, string>, snapshot: Snapshot): void {
  const current = snapshot.files.length + (snapshot.config ? 1 : 0);
  if (cache.size <= current + Math.max(16, current >> 6)) return;
  const keep = new Set(snapshot.files.map((f) => f.blobId));
  if (snapshot.config) keep.add(snapshot.config.blobId);
  for (const id of cache.keys()) if (!keep.has(id)) cache.delete(id);
}
