import { readCommit } from "./git.js";
import { readWorktree } from "./worktree.js";
import type { ReadOptions, Snapshot } from "./types.js";
import { WORKTREE } from "./types.js";

export * from "./types.js";

/** Reads the configuration repository at `options.ref`: committed content from Git objects, or the working tree. */
export function readSnapshot(options: ReadOptions): Promise<Snapshot> {
  return options.ref === WORKTREE ? readWorktree(options) : readCommit(options);
}
