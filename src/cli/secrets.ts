/**
 * The keys for SOPS-encrypted files: the age key file (`--sops-age-key-file`, else SOPS_AGE_KEY_FILE, as sops and Flux
 * read it) and the PGP key file (`--sops-pgp-key-file`, else MESHOPS_SOPS_PGP_KEY_FILE: armored private keys, as
 * `gpg --export-secret-keys --armor` writes them). Each file is read here and its keys kept in memory for this run
 * only; its path may be named in a message, its content never.
 */
import { readFileSync } from "node:fs";
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
  const age = keyFile(options.sopsAgeKeyFile, "--sops-age-key-file", SOPS_AGE_KEY_FILE_ENV, io, (text) => {
    const identities = parseAgeIdentities(text);
    if (identities.length === 0) throw new SopsError("no AGE-SECRET-KEY-1... line in the file");
    return identities;
  });
  const pgp = keyFile(options.sopsPgpKeyFile, "--sops-pgp-key-file", SOPS_PGP_KEY_FILE_ENV, io, parsePgpPrivateKeys);
  return age === undefined && pgp === undefined ? undefined : [...(age ?? []), ...(pgp ?? [])];
}

function keyFile(flag: string | undefined, flagName: string, envName: string, io: CliIo, parse: (text: string) => string[]): string[] | undefined {
  const given = flag ?? io.env[envName];
  if (given === undefined || given === "") return undefined;
  const source = flag !== undefined ? `${flagName} ${flag}` : `${envName}=${given}`;
  let text: string;
  try {
    text = readFileSync(path.resolve(io.cwd, given), "utf8");
  } catch (error) {
    throw new UsageError(`${source}: cannot read the key file (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
  try {
    return parse(text);
  } catch (error) {
    throw new UsageError(`${source}: ${(error as Error).message}`);
  }
}
