/**
 * Structured logs: one JSON object per line per event (pino), each naming what it is about (`resource`: the
 * `Type/mesh/name` key, or `revision`), and an `event` field to filter on (`reconcile.done`, `change.failed`...).
 * On a terminal the same events are formatted for people by pino-pretty, in-process and synchronously (no worker
 * thread: a daemon that exits must not lose its last lines).
 *
 * Secrets: the daemon never passes a token, a webhook secret or a credential-bearing URL to the logger; the redact
 * list below is a second line of defence for fields with those names.
 */
import { pino, type Logger, type LevelWithSilent } from "pino";
import { prettyFactory } from "pino-pretty";

export type { Logger };
export type LogFormat = "auto" | "json" | "pretty";

export interface LoggerOptions {
  readonly stream: { write(s: string): unknown; isTTY?: boolean };
  readonly level?: LevelWithSilent;
  /** auto: pretty on a terminal, JSON otherwise. */
  readonly format?: LogFormat;
  readonly env?: NodeJS.ProcessEnv;
}

const REDACTED_FIELDS = ["token", "secret", "password", "authorization", "*.token", "*.secret", "*.password", "*.authorization", "headers.authorization"];

export function createLogger(options: LoggerOptions): Logger {
  const pretty = options.format === "pretty" || (options.format !== "json" && options.stream.isTTY === true);
  const format = pretty ? prettyFactory({ colorize: !options.env?.NO_COLOR && options.stream.isTTY === true, translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname,name", singleLine: true }) : undefined;
  return pino(
    {
      name: "meshops",
      level: options.level ?? "info",
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_FIELDS, censor: "[redacted]" },
      formatters: { level: (label) => ({ level: label }) },
    },
    { write: (line: string) => options.stream.write(format ? format(line) : line) },
  );
}

