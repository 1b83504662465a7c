import type { GitObjects } from "./gitBatch.js";
import { isUtf8 } from "node:buffer";

/** One YAML file of the config repository, as read at a revision. */
export interface SourceFile {
  /** Relative to the repository root, `/` separated. */
  readonly path: string;
  readonly text: string;
  /** Git blob id of the content (computed the same way for working-tree files), the key of every cache. */
  readonly blobId: string;
}

/** A file that was found but cannot be read as configuration (too large, a link out of the repository...). */
export interface SourceProblem {
  readonly path: string;
  readonly message: string;
  readonly rule: "file-too-large" | "symlink-escape" | "unreadable-file" | "not-text" | "invalid-utf8" | "submodule" | "lfs-pointer";
  /** 1-based, when the problem is at a line (invalid UTF-8). */
  readonly line?: number;
  /** Default error; a submodule is only a warning (its files are another repository's). */
  readonly severity?: "error" | "warning";
}

/** A file over `--max-file-size`: the same words from every reader (a commit, an incremental read, the working tree). */
export function fileTooLarge(path: string, size: number, maxBytes: number): SourceProblem {
  return { path, rule: "file-too-large", message: `file is ${size} bytes, over the limit of ${maxBytes} bytes: raise it with --max-file-size, or exclude the file` };
}

export interface Snapshot {
  /** The commit id read, or "WORKTREE". */
  readonly revision: string;
  /** Repository-relative folder that was read ("" for the root). */
  readonly root: string;
  readonly files: readonly SourceFile[];
  /** Text of `<root>/meshops.yaml`, when present (not one of `files`). */
  readonly config?: SourceFile;
  readonly problems: readonly SourceProblem[];
  /**
   * Every path below `root` that the revision has, of any kind (not only configuration: JSON, dot-files, links,
   * submodules), repository-relative: what a kustomization's entries are checked against. Absent: not known.
   */
  readonly paths?: ReadonlySet<string>;
}

export interface ReadOptions {
  /** A directory inside a Git working copy. */
  readonly repo: string;
  /** A revision (`HEAD`, a branch, a commit id) or `WORKTREE` for uncommitted files. */
  readonly ref: string;
  /** Sub-folder of the repository to read; default: the root. */
  readonly path?: string;
  /** Files larger than this are refused. Default 1 MiB. */
  readonly maxFileBytes?: number;
  /** Texts already read, by blob id: a long-running process passes the same map on every read. */
  readonly blobCache?: Map<string, string>;
  /**
   * A snapshot of an earlier commit that this process read from the same repository, path and size limit: only the
   * files that changed between the two commits are read, the rest is taken over. Ignored (a full read) when that
   * cannot be done safely, e.g. when the configuration holds symbolic links. Commits only, not WORKTREE.
   */
  readonly previous?: Snapshot;
  /** A long-running reader's git cat-file process (gitBatch.ts): reads after `previous` spawn nothing. */
  readonly objects?: GitObjects;
  /**
   * Called when a commit's whole tree is listed, before any file is read, with the bytes of the files to read: what
   * a large read will need can be started while the heap is still small (cli/parallelValidation.ts forks its child).
   */
  readonly onListed?: (bytes: number) => void;
  /**
   * What the caller needs a commit for (`hydrate renders a commit`): a folder outside Git, or a repository without
   * commits, is then said with it, instead of suggesting `--ref WORKTREE`, which such a caller refuses.
   */
  readonly commitFor?: string;
}

export const WORKTREE = "WORKTREE";
export const CONFIG_FILE = "meshops.yaml";
export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;

export class SourceError extends Error {
  override readonly name = "SourceError";
}

/**
 * One line for a git process that failed (`what`: which, and how) with `stderr`: Git's safe.directory refusal said as
 * such, else git's first line (the rest is hints).
 */
export function gitFailure(dir: string, what: string, stderr: string): string {
  return refusedAsAnotherUsers(dir, stderr) ?? `${what}: ${stderr.trim().split("\n")[0] ?? ""}`;
}

/** What to say when Git's error (`said`) is its safe.directory refusal; undefined for any other. */
export function refusedAsAnotherUsers(dir: string, said: string): string | undefined {
  if (!/detected dubious ownership/.test(said)) return undefined;
  const at = /repository at '([^'\n]+)'/.exec(said)?.[1] ?? dir;
  return `Git refuses the repository at ${at}: it is owned by another user than this process's (detected dubious ownership); if it is yours to read, allow it: git config --global --add safe.directory ${at}`;
}

/**
 * The byte order a UTF-16 byte order mark states, if `bytes` start with one. meshops reads UTF-8 only, and Git shows
 * a UTF-16 file as binary (a pull request's reviewer sees no diff): asking for UTF-8 beats reading it.
 */
function utf16ByteOrder(bytes: Buffer): "little-endian" | "big-endian" | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return "little-endian";
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return "big-endian";
  return undefined;
}

/** Git LFS pointers are at most this long (its specification: under 1024 bytes). */
const MAX_LFS_POINTER_BYTES = 1024;

/**
 * What a Git LFS pointer says of the content it stands for (its size, when it states one), or undefined when `text` is
 * not one (its first line is the spec's version URL).
 */
function lfsPointerContent(text: string): string | undefined {
  if (!/^version https:\/\/git-lfs\.github\.com\/spec\/v1\r?\n/.test(text)) return undefined;
  const size = /^size (\d+)\r?$/m.exec(text)?.[1];
  return size === undefined ? "kept in Git LFS" : `${size} bytes kept in Git LFS`;
}

/** `.yaml` or `.yml`, in any case (`x.YAML` is as much YAML as `x.yaml`). */
export function isYamlPath(path: string): boolean {
  return /\.ya?ml$/i.test(path);
}

/**
 * The text of a file's bytes, or why it has none: a NUL byte means a binary file (one error, no bytes echoed), and
 * bytes that are not UTF-8 are an error at their line rather than U+FFFD silently applied. A leading byte order mark
 * is dropped.
 */
export function decodeFile(path: string, bytes: Buffer): { readonly text: string } | { readonly problem: SourceProblem } {
  const utf16 = utf16ByteOrder(bytes);
  if (utf16) return { problem: { path, line: 1, rule: "invalid-utf8", message: `UTF-16 (${utf16}) text, not UTF-8 (Windows PowerShell's > and Out-File write it): save the file as UTF-8` } };
  if (bytes.includes(0)) return { problem: { path, rule: "not-text", message: "not a text file (it holds NUL bytes); YAML configuration must be UTF-8 text" } };
  const lfs = bytes.length < MAX_LFS_POINTER_BYTES && bytes[0] === 0x76 ? lfsPointerContent(bytes.toString("utf8")) : undefined;
  if (lfs !== undefined) {
    const message = `a Git LFS pointer, not the file's content (${lfs}): meshops reads the YAML Git holds; keep mesh configuration out of LFS (.gitattributes)`;
    return { problem: { path, line: 1, rule: "lfs-pointer", message } };
  }
  if (isUtf8(bytes)) {
    // A byte order mark is no content (YAML and editors ignore it): kept, it would count as column 1 of line 1.
    const text = bytes.toString("utf8");
    return { text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text };
  }
  const line = firstInvalidUtf8Line(bytes);
  return { problem: { path, line, rule: "invalid-utf8", message: `line ${line} is not valid UTF-8; save the file as UTF-8` } };
}

function firstInvalidUtf8Line(bytes: Buffer): number {
  let line = 1;
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a) {
      if (!isUtf8(bytes.subarray(start, i))) return line;
      line++;
      start = i + 1;
    }
  }
  return line;
}

/** Normalizes a user-given sub-folder to a repository-relative prefix: "" or "a/b". */
export function normalizeRoot(path: string | undefined): string {
  const parts = (path ?? "").split(/[\\/]+/).filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) throw new SourceError(`--path must stay inside the repository: ${path}`);
  return parts.join("/");
}

/**
 * A file that may hold configuration: a YAML file inside `root`, neither a dot-file nor inside a dot-directory below
 * it. Those are tools' own settings (`.github/`, `.gitlab-ci.yml`, SOPS's `.sops.yaml`, `.pre-commit-config.yaml`),
 * never mesh resources, and a repository of mesh configuration has them beside it.
 */
export function isConfigCandidate(root: string, file: string): boolean {
  if (!isUnder(root, file) || !isYamlPath(file)) return false;
  const below = root === "" ? file : file.slice(root.length + 1);
  return !(below.startsWith(".") || below.includes("/."));
}

/** True when `file` is inside `root` (a normalized root). */
export function isUnder(root: string, file: string): boolean {
  return root === "" || file === root || file.startsWith(root + "/");
}
