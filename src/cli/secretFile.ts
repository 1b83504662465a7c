/**
 * A secret read from a file given by a flag (`--reconcile-token-file`, `--webhook-secret-file`, the notifications'
 * token files): a TokenFile (backend/tokenFile.ts), read again when the file changes, so rotating a Secret mounted as
 * a volume needs no restart, and a rotated-out token stops working. One that cannot be read or is empty at start is a
 * usage error naming the flag and the file, never what it holds.
 */
import path from "node:path";
import { TokenFile } from "../backend/tokenFile.js";
import type { Logger } from "../daemon/logger.js";
import { UsageError, type CliIo } from "./io.js";

export interface SecretFileSettings {
  readonly file: string;
  readonly flag: string;
  /** Log events: the secret changed, the file cannot be used (the last good secret stays). */
  readonly events: { readonly changed: string; readonly problem: string };
  /** What the new secret is used for, for the log line ("notifications carry the new token"). */
  readonly changed: string;
  /** How often the file may be looked at (default TokenFile's); 0: at every use, for secrets that guard rare requests. */
  readonly checkEveryMs?: number;
}

export function openSecretFile(io: CliIo, log: Logger, settings: SecretFileSettings): TokenFile {
  const { file, flag, events } = settings;
  try {
    return new TokenFile(path.resolve(io.cwd, file), {
      onChange: () => log.info({ event: events.changed, file }, `${flag} changed: ${settings.changed}`),
      onProblem: (message) => log.warn({ event: events.problem }, message),
      ...(settings.checkEveryMs !== undefined ? { checkEveryMs: settings.checkEveryMs } : {}),
    });
  } catch (error) {
    // The path is named, never the content.
    throw new UsageError(`${flag}: ${(error as Error).message}`);
  }
}
