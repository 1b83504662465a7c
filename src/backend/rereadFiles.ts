/**
 * A value read from files a flag names, read again when one of them changes: rotating a Kuma user token, a client
 * certificate, or a Kubernetes Secret mounted as a volume (which swaps a symbolic link) needs no restart.
 *
 * The files' identity (inode, size, modification time) is looked at, at most once per `checkEveryMs`, on the request
 * path; `refresh` looks at once. Files that cannot be read or hold nothing good during a rotation (one file of a pair
 * written before the other) keep the last good value, said once through `onProblem`; at start they throw. Messages
 * come from `name` and `read`, which name files, never what they hold.
 */
import { readFileSync, statSync } from "node:fs";
import { BackendError } from "./types.js";

/** What `read` made of the files: the value, or why there is none (naming a file, never its content). */
export type Reading<T> = { readonly value: T } | { readonly problem: string; readonly cause?: unknown };

/**
 * The text of the file at `path`, or why it cannot be read: `named` is how messages name it ("the token file /run/t",
 * "--client-cert-file tls.crt"); the error's code is said, never the file's content.
 */
export function readNamedFile(path: string, named: string): string | { readonly problem: string; readonly cause: unknown } {
  try {
    return readFileSync(path, "utf8");
  } catch (cause) {
    return { problem: `cannot read ${named} (${(cause as NodeJS.ErrnoException).code ?? "error"})`, cause };
  }
}

export interface RereadOptions {
  /** How often the files are looked at, at most (default 1 s). */
  readonly checkEveryMs?: number;
  /** The value changed (never given the value). */
  readonly onChange?: () => void;
  /** The files cannot be used: the last good value stays. */
  readonly onProblem?: (message: string) => void;
  readonly now?: () => number;
}

export interface RereadSettings<T> {
  readonly paths: readonly string[];
  readonly read: () => Reading<T>;
  /** A file that cannot be looked at, for a message ("the token file /run/token"). */
  readonly name: (path: string) => string;
  /** What is kept when the files cannot be used, for a message ("the token"). */
  readonly what: string;
  readonly same: (a: T, b: T) => boolean;
}

export class RereadFiles<T> {
  readonly #settings: RereadSettings<T>;
  readonly #options: RereadOptions;
  readonly #checkEveryMs: number;
  readonly #now: () => number;
  #value: T;
  #stamp: string;
  #checkedAt: number;
  #problem: string | undefined;

  /** Reads the files now: files that cannot be used at start are an error, not a later surprise. */
  constructor(settings: RereadSettings<T>, options: RereadOptions = {}) {
    this.#settings = settings;
    this.#options = options;
    this.#checkEveryMs = options.checkEveryMs ?? 1_000;
    this.#now = options.now ?? Date.now;
    // Looked at before the read, as refresh does: a rotation landing in between then differs at the next look.
    this.#stamp = this.#identity().stamp;
    const read = settings.read();
    if ("problem" in read) throw new BackendError(read.problem, { cause: read.cause });
    this.#value = read.value;
    this.#checkedAt = this.#now();
  }

  current(): T {
    if (this.#now() - this.#checkedAt >= this.#checkEveryMs) this.refresh();
    return this.#value;
  }

  /** Looks again at once; true when the value changed. */
  refresh(): boolean {
    this.#checkedAt = this.#now();
    const { stamp, unreadable } = this.#identity();
    if (unreadable !== undefined) {
      this.#report(`cannot read ${this.#settings.name(unreadable)}: keeping ${this.#settings.what} read before`);
      return false;
    }
    // The files as last read well (back from a rename, say): good again, so the next problem is said again.
    if (stamp === this.#stamp) {
      this.#problem = undefined;
      return false;
    }
    const read = this.#settings.read();
    if ("problem" in read) {
      this.#report(`${read.problem}: keeping ${this.#settings.what} read before`);
      return false;
    }
    this.#stamp = stamp;
    this.#problem = undefined;
    if (this.#settings.same(read.value, this.#value)) return false;
    this.#value = read.value;
    this.#options.onChange?.();
    return true;
  }

  /** Inode, size and modification time of each file (statSync follows links: a swapped Secret volume link changes them). */
  #identity(): { readonly stamp: string; readonly unreadable?: string } {
    const stamps: string[] = [];
    for (const path of this.#settings.paths) {
      try {
        const s = statSync(path);
        stamps.push(`${s.ino}:${s.size}:${s.mtimeMs}`);
      } catch {
        return { stamp: "", unreadable: path };
      }
    }
    return { stamp: stamps.join("/") };
  }

  /** Each problem once, until the files are good again (readable, as last read or holding a good value). */
  #report(message: string): void {
    if (this.#problem === message) return;
    this.#problem = message;
    this.#options.onProblem?.(message);
  }
}
