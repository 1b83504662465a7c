/**
 * The last line of defence of a long-running process against running out of file descriptors. Anything that opens
 * one (an accepted connection, a spawned git, a file) can fail with EMFILE/ENFILE when a client holds them all, and
 * some libraries then emit an `'error'` nobody listens to (simple-git on a failed spawn). Such an error is logged and
 * the process serves on: the descriptors come back when the clients go, and the failed reconcile is retried. Any
 * other uncaught error still ends the process, as it would without the guard.
 */
import type { Logger } from "./logger.js";
import { errorMessage } from "../util/errorMessage.js";

const EXHAUSTION_CODES = new Set(["EMFILE", "ENFILE"]);

export function isDescriptorExhaustion(error: unknown): boolean {
  return typeof error === "object" && error !== null && EXHAUSTION_CODES.has(String((error as NodeJS.ErrnoException).code));
}

/** Installs the guard on `process`; returns its removal. */
export function guardDescriptorExhaustion(log: Logger, exit: (code: number) => void = (code) => process.exit(code)): () => void {
  const onException = (error: unknown) => {
    if (isDescriptorExhaustion(error)) {
      const e = error as NodeJS.ErrnoException;
      log.error({ event: "process.descriptors-exhausted", code: e.code, syscall: e.syscall, err: errorMessage(error) }, `out of file descriptors (${e.code}): serving on`);
      return;
    }
    // What Node does without a handler: the stack on stderr, exit code 1.
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    exit(1);
  };
  const onRejection = (reason: unknown) => onException(reason);
  process.on("uncaughtException", onException);
  process.on("unhandledRejection", onRejection);
  return () => {
    process.off("uncaughtException", onException);
    process.off("unhandledRejection", onRejection);
  };
}
