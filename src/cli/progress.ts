/**
 * Progress of long work on stderr (an apply's writes, an export's files): counts, rate and time left, every few
 * seconds (one line rewritten in place on a terminal, a new line otherwise, so CI logs stay readable). With `verbose`,
 * a line per finished change as well.
 */
import type { ChangeResult } from "../sync/apply.js";
import type { CliIo } from "./io.js";

export interface Progress {
  /** One change (or, without a result, one unit of other work) finished. */
  done(result?: ChangeResult): void;
  /** Stops the timer and ends the line in place, if any. */
  stop(): void;
}

export function startProgress(io: CliIo, total: number, options: { verbose: boolean; everyMs?: number; doing?: string }): Progress {
  const tty = io.stderr.isTTY === true;
  const started = Date.now();
  let finished = 0;
  let drawn = false;
  const draw = () => {
    const seconds = (Date.now() - started) / 1000;
    const rate = seconds > 0 ? finished / seconds : 0;
    const left = rate > 0 ? Math.ceil((total - finished) / rate) : undefined;
    const line = `${options.doing ?? "applying"}: ${finished} of ${total} (${Math.floor((finished / total) * 100)}%), ${rate.toFixed(0)}/s${left === undefined ? "" : `, about ${left}s left`}`;
    io.stderr.write(tty ? `\r\x1b[K${line}` : `${line}\n`);
    drawn = true;
  };
  const timer = setInterval(draw, options.everyMs ?? (tty ? 500 : 2_000));
  timer.unref();
  return {
    done: (result) => {
      finished++;
      if (!options.verbose || !result) return;
      if (tty && drawn) io.stderr.write("\r\x1b[K");
      io.stderr.write(`${result.outcome} ${result.change.action} ${result.change.resource}${result.error ? `: ${result.error}` : ""}\n`);
    },
    stop: () => {
      clearInterval(timer);
      if (tty && drawn) io.stderr.write("\r\x1b[K");
    },
  };
}
