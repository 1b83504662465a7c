/** A full Git object id: 40 hex digits (SHA-1) or 64 (SHA-256), as `git rev-parse` prints it. */
const OBJECT_ID = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

export function isObjectId(text: string): boolean {
  return OBJECT_ID.test(text);
}

/** A revision as reports and logs show it: a full object id's first 12 digits; anything else (`WORKTREE`, a ref) as it is. */
export function shortRevision(revision: string): string {
  return isObjectId(revision) ? revision.slice(0, 12) : revision;
}
