/**
 * The control plane's token from a file (`--token-file`), read again when the file changes: rotating a Kuma user
 * token, or a Kubernetes Secret mounted as a volume (which swaps a symbolic link), needs no restart.
 *
 * The file's identity (inode, size, modification time) is looked at, at most once per `checkEveryMs`, on the request
 * path; a 401 looks at once (`refresh`). A file that cannot be read or is empty during a rotation keeps the last good
 * token, said once through `onProblem`. Nothing here ever puts the token in a message.
 */
import { readFileSync, statSync } from "node:fs";
import { BackendError } from "./types.js";

/** A token that may change while a client runs. */
export interface TokenSource {
  /** The token to send now (undefined: none). Cheap: called for every request. */
  current(): string | undefined;
  /** Looks again at once (the server answered 401); true when the token changed. */
  refresh(): boolean;
  /** Where the token comes from, for a message about a refused one (`--token-file /run/token`, `MESHOPS_CP_TOKEN`). */
  readonly origin?: string;
}

export interface TokenFileOptions {
  /** How often the file is looked at, at most (default 1 s). */
  readonly checkEveryMs?: number;
  /** The token changed (never given the token). */
  readonly onChange?: () => void;
  /** The file cannot be read, is empty or holds a line break: the last good token stays. */
  readonly onProblem?: (message: string) => void;
  readonly now?: () => number;
}

export class TokenFile implements TokenSource {
  readonly #path: string;
  readonly #checkEveryMs: number;
  readonly #options: TokenFileOptions;
  readonly #now: () => number;
  #token: string;
  #stamp: string;
  #checkedAt: number;
  #problem: string | undefined;

  /** Reads the file now: a token file that cannot be read at start is an error, not a later surprise. */
  readonly origin: string;

  constructor(path: string, options: TokenFileOptions = {}) {
    this.#path = path;
    this.origin = `--token-file ${path}`;
    this.#options = options;
    this.#checkEveryMs = options.checkEveryMs ?? 1_000;
    this.#now = options.now ?? Date.now;
    const read = this.#read();
    if (typeof read === "object") throw new BackendError(read.problem, { cause: read.cause });
    this.#token = read;
    this.#stamp = this.#identity() ?? "";
    this.#checkedAt = this.#now();
  }

  current(): string {
    if (this.#now() - this.#checkedAt >= this.#checkEveryMs) this.refresh();
    return this.#token;
  }

  refresh(): boolean {
    this.#checkedAt = this.#now();
    const stamp = this.#identity();
    if (stamp === undefined || stamp === this.#stamp) {
      if (stamp === undefined) this.#report(`cannot read the token file ${this.#path}: keeping the token read before`);
      return false;
    }
    const read = this.#read();
    if (typeof read === "object") {
      this.#report(`${read.problem}: keeping the token read before`);
      return false;
    }
    this.#stamp = stamp;
    this.#problem = undefined;
    if (read === this.#token) return false;
    this.#token = read;
    this.#options.onChange?.();
    return true;
  }

  /** Inode, size and modification time (statSync follows links: a swapped Secret volume link changes them). */
  #identity(): string | undefined {
    try {
      const s = statSync(this.#path);
      return `${s.ino}:${s.size}:${s.mtimeMs}`;
    } catch {
      return undefined;
    }
  }

  #read(): string | { readonly problem: string; readonly cause?: unknown } {
    let text: string;
    try {
      text = readFileSync(this.#path, "utf8");
    } catch (cause) {
      return { problem: `cannot read the token file ${this.#path} (${(cause as NodeJS.ErrnoException).code ?? "error"})`, cause };
    }
    const token = text.trim();
    if (token === "") return { problem: `the token file ${this.#path} is empty` };
    if (/[\r\n]/.test(token)) return { problem: `the token file ${this.#path} holds more than one line` };
    return token;
  }

  /** Each problem once, until the file is good again. */
  #report(message: string): void {
    if (this.#problem === message) return;
    this.#problem = message;
    this.#options.onProblem?.(message);
  }
}
