#!/usr/bin/env node
// `npm start`: the daemon on a scratch copy of sample-repo, against the embedded control plane, with the status page.
// The copy is a Git repository of its own under .meshops/demo/repo (git-ignored), so commits made there never touch
// this checkout; it is created once and kept across runs. The daemon runs in this process (no child): npm hands
// Ctrl-C and SIGTERM to it, and it stops cleanly, releasing the port and the state directory's lock.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
// MESHOPS_DEMO_DIR moves it (the tests run npm start in a temporary directory).
const DEMO = path.resolve(process.env.MESHOPS_DEMO_DIR || path.join(ROOT, ".meshops", "demo"));
const REPO = path.join(DEMO, "repo");
const STATE = path.join(DEMO, "cp");
const LISTEN = process.env.MESHOPS_LISTEN || "127.0.0.1:5680";

if (!existsSync(path.join(ROOT, "dist", "src", "cli", "main.js"))) {
  console.error("meshops: dist/ is missing: run npm ci (or npm run build) first");
  process.exit(1);
}

if (!existsSync(path.join(REPO, ".git"))) {
  mkdirSync(REPO, { recursive: true });
  cpSync(path.join(ROOT, "sample-repo"), REPO, { recursive: true });
  // The identity is given for this one commit only: no git config is written, here or globally.
  const git = (...args) => execFileSync("git", ["-c", "user.name=meshops demo", "-c", "user.email=demo@meshops.invalid", "-c", "commit.gpgsign=false", ...args], { cwd: REPO, stdio: "ignore" });
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-q", "-m", "sample-repo, copied by npm start");
}

const relativeRepo = path.relative(process.cwd(), REPO) || ".";
const [host, port] = [LISTEN.slice(0, LISTEN.lastIndexOf(":")), LISTEN.slice(LISTEN.lastIndexOf(":") + 1)];
const shownHost = host === "0.0.0.0" || host === "" ? "127.0.0.1" : host;
process.stdout.write(
  [
    "",
    `meshops demo: the daemon on ${relativeRepo} (a copy of sample-repo) and the embedded control plane (${path.relative(process.cwd(), STATE)})`,
    `  edit and commit:  cd ${relativeRepo} && $EDITOR meshes/edge/routes.yaml && git commit -am "edge: longer timeout"`,
    // Port 0 (the tests): the OS picks one, and the daemon names it in its first lines.
    `  status page:      ${port === "0" ? "on the port the daemon reports below (status)" : `http://${shownHost}:${port}/`}`,
    `  stop:             Ctrl-C (or SIGTERM); rm -rf ${path.relative(process.cwd(), DEMO)} starts over from sample-repo`,
    "",
    "",
  ].join("\n"),
);

const { main } = await import("../dist/src/cli/main.js");
process.exitCode = await main(["watch", "--repo", REPO, "--state-dir", STATE, "--listen", LISTEN]);
