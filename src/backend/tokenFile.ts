/**
 * The control plane's token from a file (`--token-file`), read again when the file changes: rotating a Kuma user
 * token, or a Kubernetes Secret mounted as a volume (which swaps a symbolic link), needs no restart.
 *
 * Looked at as rereadFiles.ts says; a 401 looks at once (`refresh`). A file that cannot be read or is empty during a
 * rotation keeps the last good token, said once through `onProblem`. Nothing here ever puts the token in a message.
 */
import { readNamedFile, RereadFiles, type Reading, type RereadOptions } from "./rereadFiles.js";

/** A token that may change while a client runs. */
export interface TokenSource {
  /** The token to send now (undefined: none). Cheap: called for every request. */
  current(): string | undefined;
  /** Looks again at once (the server answered 401); true when the token changed. */
  refresh(): boolean;
  /** Where the token comes from, for a message about a refused one (`--token-file /run/token`, `MESHOPS_CP_TOKEN`). */
  readonly origin?: string;
}

/** How TokenFile reads its file again (rereadFiles.ts). */
export type TokenFileOptions = RereadOptions;

export class TokenFile implements TokenSource {
  readonly #file: RereadFiles<string>;
  /** Reads the file now: a token file that cannot be read at start is an error, not a later surprise. */
  readonly origin: string;

  constructor(path: string, options: TokenFileOptions = {}) {
    this.origin = `--token-file ${path}`;
    this.#file = new RereadFiles({ paths: [path], read: () => readToken(path), name: (p) => `the token file ${p}`, what: "the token", same: (a, b) => a === b }, options);
  }

  current(): string {
    return this.#file.current();
  }

  refresh(): boolean {
    return this.#file.refresh();
  }
}

function readToken(path: string): Reading<string> {
  const text = readNamedFile(path, `the token file ${path}`);
  if (typeof text !== "string") return text;
  const token = text.trim();
  if (token === "") return { problem: `the token file ${path} is empty` };
  if (/[\r\n]/.test(token)) return { problem: `the token file ${path} holds more than one line` };
  return { value: token };
}
