/**
 * The pull-request check, one implementation for the Action (src/action/main.ts) and for scripts/pr-check.sh (through
 * src/action/prCheckCli.ts): validate the head once and, when it validates, plan it against the base once, each
 * command writing every report into the report folder through --output; then the pull-request comment.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { main } from "../cli/main.js";
import type { CliIo } from "../cli/io.js";
import { ANNOTATIONS_LIMIT, type AnnotationLevel } from "../report/github.js";
import { isFailedSarif } from "../report/sarif.js";
import type { PlanFailOn } from "../report/common.js";
import { unresolvedRevision } from "../source/index.js";

export const COMMENT_MARKER = "<!-- meshops:pr-check -->";
/** GitHub's limit is 65,536 characters per comment: 16,000 for validation problems, 48,000 for the plan. */
const VALIDATE_MARKDOWN_LIMIT = "16000";
const PLAN_MARKDOWN_LIMIT = "48000";

/** Where meshops runs and where its output goes. */
export interface Run {
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** The report folder. */
  readonly out: string;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/**
 * One meshops command, in this process: the report on stdout (annotations) to `run.stdout`, and each of `reports`
 * (file name → format) into the report folder through --output, so a command runs once however many formats it writes.
 */
export async function runMeshops(run: Run, args: readonly string[], reports: Readonly<Record<string, string>> = {}): Promise<number> {
  const io: CliIo = { stdout: { write: run.stdout }, stderr: { write: run.stderr }, env: run.env, cwd: run.cwd };
  const outputs = Object.entries(reports).flatMap(([file, format]) => ["--output", `${format}=${path.join(run.out, file)}`]);
  return main([...args, ...outputs], io);
}

export interface PullRequestCheck {
  /** The revision the pull request is planned against, and the one it brings. */
  readonly base: string;
  readonly ref: string;
  /** Where `base` and `ref` came from, as their user knows them (`BASE`, `the base input`): said when one names no commit. */
  readonly baseNamed: string;
  readonly refNamed: string;
  /** --repo and --path of every command (default: the working directory, the repository root). */
  readonly repo?: string;
  readonly path?: string;
  /** What is printed: annotations (github) or text for a terminal. */
  readonly format: "github" | "text";
  readonly warningsAsErrors: boolean;
  /** A --path with no configuration files is valid (--allow-empty of both commands). */
  readonly allowEmpty: boolean;
  readonly planFailOn: PlanFailOn;
}

export interface PullRequestCheckResult {
  /** 0 passed, 1 invalid or an error, 2 failed by planFailOn. */
  readonly code: number;
  /** The pull-request comment (also in comment.md), when the check got as far as writing one. */
  readonly comment?: string;
  /** Whether the plan was computed (false: the head does not validate, or a command failed). */
  readonly planned: boolean;
  /** Why the check stopped before a command could say it, in one line for the caller to say as its own problems. */
  readonly problem?: string;
}

/** Whether `value` is one of `choices`: an input or flag of the check that takes one of a few values. */
export function isOneOf<T extends string>(value: string, choices: readonly T[]): value is T {
  return (choices as readonly string[]).includes(value);
}

/**
 * What is wrong with such a value, said before anything runs; `name` as the user wrote it: the Action's input, the
 * script's flag.
 */
export function notOneOf(name: string, value: string, choices: readonly string[]): string {
  return `${name} must be ${choices.slice(0, -1).join(", ")} or ${choices.at(-1)}, not ${JSON.stringify(value)}`;
}

/** The reports each command writes into the report folder: file name → format. */
const VALIDATE_REPORTS = { "validate.md": "markdown", "validate.sarif": "sarif", "validate.junit.xml": "junit" } as const;
const PLAN_REPORTS = { "plan.md": "markdown", "plan.json": "json", "plan.junit.xml": "junit" } as const;

/**
 * Removes an earlier run's reports from `run.out`, so nothing of it is taken for this one's (CI uploads what it finds):
 * before the check, and before the action's own checks, which may stop it first.
 */
export function removeReports(run: Pick<Run, "out">): void {
  for (const file of ["comment.md", ...Object.keys(VALIDATE_REPORTS), ...Object.keys(PLAN_REPORTS)]) rmSync(path.join(run.out, file), { force: true });
}

/** validate (once), then plan --base (once, when valid): the reports in `run.out`, the comment in comment.md. */
export async function checkPullRequest(run: Run, check: PullRequestCheck): Promise<PullRequestCheckResult> {
  const common = [
    ...(check.repo ? ["--repo", check.repo] : []),
    ...(check.path ? ["--path", check.path] : []),
    ...(check.allowEmpty ? ["--allow-empty"] : []),
    "--ref", check.ref,
  ];
  removeReports(run);

  const validate = ["validate", ...common, ...(check.warningsAsErrors ? ["--warnings-as-errors"] : []), "--format", check.format];
  const printed = { error: 0, warning: 0, notice: 0 };
  const counting: Run = { ...run, stdout: (text) => (countAnnotations(text, printed), run.stdout(text)) };
  // validate --ref would say only that the revision does not resolve, not that it is the head its user gave. It still
  // runs, unheard, for its reports of the failure (what CI uploads); the caller says the problem once.
  const repoDir = path.resolve(run.cwd, check.repo ?? ".");
  const headUnresolved = await unresolvedRevision(repoDir, check.ref);
  const unheard: Run = { ...run, stdout: () => undefined, stderr: () => undefined };
  const valid = await runMeshops(headUnresolved === undefined ? counting : unheard, [...validate, "--markdown-limit", VALIDATE_MARKDOWN_LIMIT], VALIDATE_REPORTS);
  if (headUnresolved !== undefined) return { code: 1, planned: false, problem: `${check.refNamed}: ${headUnresolved}` };
  if (!validated(run.out)) return { code: 1, planned: false };
  const validateMarkdown = readFileSync(path.join(run.out, "validate.md"), "utf8");
  if (valid !== 0) {
    return { code: 1, planned: false, comment: writeComment(run, `${validateMarkdown}\n_The plan was not computed: the pull request does not validate._\n`) };
  }

  // plan --base would say only that the revision does not resolve, not that it is the base its user gave.
  const unresolved = await unresolvedRevision(repoDir, check.base);
  if (unresolved !== undefined) return { code: 1, planned: false, problem: `${check.baseNamed}: ${unresolved}` };

  // One step: GitHub shows 10 annotations of each level in all, so the plan gets what validation left (and counts the rest).
  const left = Object.entries(printed).map(([level, n]) => `${level}=${Math.max(0, ANNOTATIONS_LIMIT - n)}`).join(",");
  const plan = ["plan", ...common, "--base", check.base, "--fail-on", check.planFailOn, "--format", check.format, "--annotations-limit", left];
  const planned = await runMeshops(run, [...plan, "--markdown-limit", PLAN_MARKDOWN_LIMIT], PLAN_REPORTS);
  if (planned !== 0 && planned !== 2) return { code: 1, planned: false };
  return { code: planned, planned: true, comment: writeComment(run, `${validateMarkdown}\n${readFileSync(path.join(run.out, "plan.md"), "utf8")}`) };
}

/**
 * Whether validate got as far as a report in `out`: not when it failed before it could validate (an unknown revision,
 * a --repo that is not one), whose reports say only that it failed (SARIF's `executionSuccessful: false`), or wrote
 * none or a damaged one (a report file it could not write, or not all of it). All exit 1, as an invalid repository does.
 */
export function validated(out: string): boolean {
  let sarif: string;
  try {
    sarif = readFileSync(path.join(out, "validate.sarif"), "utf8");
  } catch {
    return false;
  }
  return !isFailedSarif(sarif);
}

/** Adds the annotations (`::error …`, `::warning …`, `::notice …` workflow commands) in `text` to `printed`. */
function countAnnotations(text: string, printed: Record<AnnotationLevel, number>): void {
  for (const match of text.matchAll(/^::(error|warning|notice)[ :]/gm)) printed[match[1] as AnnotationLevel]++;
}

function writeComment(run: Run, body: string): string {
  const comment = `${COMMENT_MARKER}\n${body}`;
  writeFileSync(path.join(run.out, "comment.md"), comment);
  return comment;
}
