import { Option, type Command } from "commander";
import { numberFlag } from "./io.js";

/** `--max-deletes` and `--max-delete-percent`, overriding meshops.yaml's prune limits (apply, watch). */
export interface PruneLimitOptions {
  maxDeletes?: number;
  maxDeletePercent?: number;
}

const nonNegative = numberFlag("a number, 0 or more", (n) => Number.isFinite(n) && n >= 0);

/** `what` completes "refuse …" / "hold …": what happens to a plan past the limits. */
export function addPruneLimitOptions(command: Command, what: string): Command {
  return command
    .addOption(new Option("--max-deletes <n>", `${what} a plan deleting more than this (default: meshops.yaml prune.maxDeletes, 10)`).argParser(nonNegative))
    .addOption(
      new Option("--max-delete-percent <p>", `${what} a plan deleting more than this share of owned resources (default: prune.maxDeletePercent, 25)`).argParser(nonNegative),
    );
}
