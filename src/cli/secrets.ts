/**
 * The keys for SOPS-encrypted files: the age key file (`--sops-age-key-file`, else SOPS_AGE_KEY_FILE, as sops and Flux
 * read it) and the PGP key file (`--sops-pgp-key-file`, else MESHOPS_SOPS_PGP_KEY_FILE: armored private keys, as
 * `gpg --export-secret-keys --armor` writes them). Each file is read here and its keys kept in memory for this run
 * only; its path may be named in a message, its content never.
 */
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { parseAgeIdentities, parsePgpPrivateKeys, SopsError } from "../secrets/sops.js";
import { UsageError, type CliIo } from "./io.js";

export const SOPS_AGE_KEY_FILE_ENV = "SOPS_AGE_KEY_FILE";
export const SOPS_PGP_KEY_FILE_ENV = "MESHOPS_SOPS_PGP_KEY_FILE";

export interface SopsKeyOptions {
  readonly sopsAgeKeyFile?: string;
  readonly sopsPgpKeyFile?: string;
}

/** The age identities and PGP private keys to decrypt with, or undefined when no key is configured. */
export function sopsKeys(options: SopsKeyOptions, io: CliIo): string[] | undefined {
  const files = keyFilesOf(options, io);
  return files.length === 0 ? undefined : files.flatMap(readKeyFile);
}

/**
 * The daemon's keys, read again when a key file changes (a Kubernetes Secret mounted as a volume is rotated by swapping
 * a symbolic link; sops files re-encrypted for a new key need it at once): each file's identity (inode, size,
 * modification time) is looked at on every `current()`, once per reconcile. A file that cannot be read or holds no key
 * during a rotation keeps the last keys, said once through `onProblem` (its path, never its content).
 */
export class SopsKeyFiles {
  readonly #files: { readonly file: KeyFile; stamp: string; keys: readonly string[]; problem: string | undefined }[];
  readonly #onProblem: (message: string) => void;
  #keys: readonly string[];

  /** Reads every file now: one that cannot be read at start is an error (UsageError), not a later surprise. */
  constructor(files: readonly KeyFile[], onProblem: (message: string) => void) {
    this.#files = files.map((file) => ({ file, stamp: stampOf(file.path), keys: readKeyFile(file), problem: undefined }));
    this.#onProblem = onProblem;
    this.#keys = this.#files.flatMap((f) => f.keys);
  }

  /** The keys now: the same array until a file's keys change. */
  current(): readonly string[] {
    let changed = false;
    for (const entry of this.#files) {
      const stamp = stampOf(entry.file.path);
      if (stamp === entry.stamp) continue;
      entry.stamp = stamp;
      try {
        entry.keys = readKeyFile(entry.file);
        entry.problem = undefined;
        changed = true;
      } catch (error) {
        const problem = `${(error as Error).message}; keeps the last keys`;
        if (problem !== entry.problem) this.#onProblem(problem);
        entry.problem = problem;
      }
    }
    if (changed) this.#keys = this.#files.flatMap((f) => f.keys);
    return this.#keys;
  }
}

/** The key files configured (flags, else the environment), as a SopsKeyFiles; undefined when none is. */
export function sopsKeyFiles(options: SopsKeyOptions, io: CliIo, onProblem: (message: string) => void): SopsKeyFiles | undefined {
  const files = keyFilesOf(options, io);
  return files.length === 0 ? undefined : new SopsKeyFiles(files, onProblem);
}

/** A key file: where it is, how it was given (for messages), how its keys are read. */
interface KeyFile {
  readonly path: string;
  readonly source: string;
  readonly parse: (text: string) => string[];
}

function keyFilesOf(options: SopsKeyOptions, io: CliIo): KeyFile[] {
  const age = keyFile(options.sopsAgeKeyFile, "--sops-age-key-file", SOPS_AGE_KEY_FILE_ENV, io, (text) => {
    const identities = parseAgeIdentities(text);
    if (identities.length === 0) throw new SopsError("no AGE-SECRET-KEY-1... line in the file");
    return identities;
  });
  const pgp = keyFile(options.sopsPgpKeyFile, "--sops-pgp-key-file", SOPS_PGP_KEY_FILE_ENV, io, parsePgpPrivateKeys);
  return [age, pgp].filter((f) => f !== undefined);
}

function keyFile(flag: string | undefined, flagName: string, envName: string, io: CliIo, parse: (text: string) => string[]): KeyFile | undefined {
  const given = flag ?? io.env[envName];
  if (given === undefined || given === "") return undefined;
  return { path: path.resolve(io.cwd, given), source: flag !== undefined ? `${flagName} ${flag}` : `${envName}=${given}`, parse };
}

function readKeyFile({ path: file, source, parse }: KeyFile): string[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new UsageError(`${source}: cannot read the key file (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
  try {
    return parse(text);
  } catch (error) {
    throw new UsageError(`${source}: ${(error as Error).message}`);
  }
}

/** A file's identity as a rotation changes it ("" when it cannot be looked at: read, and said, as a change). */
function stampOf(file: string): string {
  try {
    const stat = statSync(file);
    return `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
  } catch {
    return "";
  }
}
