/**
 * scripts/pr-check.sh's engine: the script parses its options and runs this with them in a fixed order, so a local run
 * is the Action's pull-request check (src/action/prCheck.ts), in one process.
 *
 *   node dist/src/action/prCheckCli.js REPO PATH OUT FORMAT WARNINGS_AS_ERRORS ALLOW_EMPTY PLAN_FAIL_ON BASE HEAD
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { checkPullRequest, isOneOf, notOneOf } from "./prCheck.js";
import { PLAN_FAIL_ON } from "../report/common.js";
import { makeDirectorySync } from "../util/directory.js";

const [repo = ".", configPath = "", out = "", format = "github", warningsAsErrors = "false", allowEmpty = "false", planFailOn = "risky", base = "", head = "HEAD"] = process.argv.slice(2);
if (!out || !base || (format !== "github" && format !== "text")) {
  process.stderr.write("prCheckCli: run through scripts/pr-check.sh\n");
  process.exit(1);
}
if (!isOneOf(planFailOn, PLAN_FAIL_ON)) stop(notOneOf("--plan-fail-on", planFailOn, PLAN_FAIL_ON));
makeOutFolder(out);
const result = await checkPullRequest(
  { env: process.env, cwd: process.cwd(), out: path.resolve(out), stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) },
  { base, baseNamed: "BASE", ref: head, refNamed: "HEAD", repo, ...(configPath ? { path: configPath } : {}), format, warningsAsErrors: warningsAsErrors === "true", allowEmpty: allowEmpty === "true", planFailOn },
);
const comment = path.join(out, "comment.md");
if (result.problem !== undefined) process.stderr.write(`pr-check: ${result.problem}\n`);
else if (result.planned) process.stderr.write(`pr-check: comment in ${comment} (exit ${result.code})\n`);
else if (result.comment) process.stderr.write(`pr-check: ${head} does not validate; comment in ${comment}\n`);
else process.stderr.write(`pr-check: meshops failed (exit ${result.code}), see above: no comment written${existsSync(path.join(out, "validate.md")) ? ` (validate's reports are in ${out})` : ""}\n`);
process.exitCode = result.code;

/** An option the check cannot run with: one line, exit 1, before anything runs. */
function stop(problem: string): never {
  process.stderr.write(`pr-check: ${problem}\n`);
  process.exit(1);
}

/** Makes the report folder; what stops it (a file in the way, no permission) is one line naming --out. */
function makeOutFolder(dir: string): void {
  try {
    makeDirectorySync(dir);
  } catch (error) {
    stop(`--out ${dir}: ${(error as Error).message}`);
  }
}
