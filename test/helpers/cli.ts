import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { main } from "../../src/cli/main.js";
import { projectRoot } from "./git.js";

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The age key of the test fixtures and sample-repo's encrypted Secret: every CLI run gets it as SOPS_AGE_KEY_FILE unless
 * the test's own env says otherwise (`SOPS_AGE_KEY_FILE: ""` runs without a key).
 */
export const TEST_AGE_KEY_FILE = path.join(projectRoot, "test", "fixtures", "sops", "test-age-key.txt");

/** Runs the CLI in-process with captured output, as a user would from `dir`. */
export async function runCli(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const code = await main(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: { SOPS_AGE_KEY_FILE: TEST_AGE_KEY_FILE, ...env },
    cwd,
  });
  return { code, stdout, stderr };
}

export interface CliProcess {
  readonly child: ChildProcess;
  /** Output so far. */
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** The exit, or a failure after `timeoutMs`. */
  exit(timeoutMs: number): Promise<CliRun & { signal: NodeJS.Signals | null }>;
}

/** `node bin/meshops.js <args>` as a child process (the real process: signals, exit codes, unhandled errors). */
export function spawnCli(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): CliProcess {
  const child = spawn(process.execPath, [path.join(projectRoot, "bin", "meshops.js"), ...args], {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, SOPS_AGE_KEY_FILE: TEST_AGE_KEY_FILE, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (c: string) => (stdout += c));
  child.stderr?.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("close", (code, signal) => resolve({ code, signal })));
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exit: async (timeoutMs) => {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          child.kill("SIGKILL");
          reject(new Error(`meshops ${args.join(" ")} did not exit within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
        }, timeoutMs);
      });
      try {
        const { code, signal } = await Promise.race([closed, deadline]);
        return { code: code ?? -1, signal, stdout, stderr };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** What `validate --format json` prints, as far as tests read it. */
export interface ValidateReport {
  valid: boolean;
  diagnostics: { severity: string; file: string; line: number; path: string; message: string; rule: string; resource: string }[];
}

/** `meshops validate --format json` in `dir`, parsed. */
export async function validateJson(dir: string): Promise<ValidateReport> {
  const run = await runCli(["validate", "--format", "json"], dir);
  return JSON.parse(run.stdout) as ValidateReport;
}

/** A report's errors, one `file:line resource path: message` line each: what assertions compare. */
export const errors = (report: ValidateReport): string[] =>
  report.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.file}:${d.line} ${d.resource} ${d.path}: ${d.message}`);
