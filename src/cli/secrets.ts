/**
 * The age key for SOPS-encrypted files: `--sops-age-key-file`, else the SOPS_AGE_KEY_FILE variable (as sops and Flux
 * read it). The key file is read here and its identities kept in memory for this run only; its path may be named in a
 * message, its content never.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseAgeIdentities } from "../secrets/sops.js";
import { UsageError, type CliIo } from "./io.js";

export const SOPS_AGE_KEY_FILE_ENV = "SOPS_AGE_KEY_FILE";

/** The age identities to decrypt with, or undefined when no key is configured. */
export function ageIdentities(flag: string | undefined, io: CliIo): string[] | undefined {
  const given = flag ?? io.env[SOPS_AGE_KEY_FILE_ENV];
  if (given === undefined || given === "") return undefined;
  const source = flag !== undefined ? `--sops-age-key-file ${flag}` : `${SOPS_AGE_KEY_FILE_ENV}=${given}`;
  let text: string;
  try {
    text = readFileSync(path.resolve(io.cwd, given), "utf8");
  } catch (error) {
    throw new UsageError(`${source}: cannot read the age key file (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
  const identities = parseAgeIdentities(text);
  if (identities.length === 0) throw new UsageError(`${source}: no AGE-SECRET-KEY-1... line in the file`);
  return identities;
}
