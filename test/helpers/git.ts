import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const identity = ["-c", "user.name=meshops tests", "-c", "user.email=tests@meshops.dev", "-c", "commit.gpgsign=false"];

/** Runs git in `dir` with a fixed identity, so tests work on machines without a global Git config. */
export function git(dir: string, ...args: string[]): string {
  return execFileSync("git", [...identity, ...args], { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

/** A fresh Git repository in a temporary folder; `cleanup` removes it. */
export function tempRepo(prefix = "meshops-test-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  git(dir, "init", "-q", "-b", "main");
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A fresh temporary folder; its removal goes on `cleanups` (run them in `after`). */
export function tempDir(prefix: string, cleanups: (() => void)[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A new repository with `files` committed; its cleanup goes on `cleanups` (run them in `after`). */
export function committedRepo(files: Record<string, string>, cleanups: (() => void)[]): string {
  const repo = tempRepo();
  cleanups.push(repo.cleanup);
  commitFiles(repo.dir, files);
  return repo.dir;
}

/** Writes files (path → content) into the repository and commits them; returns the commit id. */
export function commitFiles(dir: string, files: Record<string, string>, message = "update"): string {
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), content);
  }
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "--allow-empty", "-m", message);
  return git(dir, "rev-parse", "HEAD");
}

/** Copies a folder (a fixture) into the repository and commits it. */
export function commitFolder(dir: string, folder: string, message = "fixture"): string {
  cpSync(folder, dir, { recursive: true });
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "--allow-empty", "-m", message);
  return git(dir, "rev-parse", "HEAD");
}

/** The repository root (this project), from the compiled test's location dist/test/helpers. */
export const projectRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../..");
