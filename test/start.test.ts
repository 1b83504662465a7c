/**
 * `npm start`, the README's quick start, as a user runs it: npm, then the daemon on a scratch copy of sample-repo with
 * the embedded control plane and the status page. A signal to npm (SIGTERM) or to the terminal's process group
 * (Ctrl-C: SIGINT) must stop the daemon cleanly: no process left, the port free, the state directory unlocked.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { waitFor } from "./helpers/daemon.js";
import type { StatusJson } from "../src/daemon/statusTypes.js";
import { git, projectRoot } from "./helpers/git.js";

const work = mkdtempSync(path.join(tmpdir(), "meshops-start-"));
after(() => rmSync(work, { recursive: true, force: true }));

interface Started {
  readonly npm: ChildProcess;
  readonly output: () => string;
  readonly url: string;
  readonly demo: string;
}

/**
 * npm start in a process group of its own, as a shell runs a foreground job, on a port the OS picks: the daemon names
 * it in its daemon.started log line.
 */
async function npmStart(name: string): Promise<Started> {
  const demo = path.join(work, name);
  const npm = spawn("npm", ["start"], {
    cwd: projectRoot,
    detached: true,
    env: { ...process.env, MESHOPS_DEMO_DIR: demo, MESHOPS_LISTEN: "127.0.0.1:0", NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  npm.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  npm.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  try {
    const url = await waitFor("the daemon.started line naming the status address", () => /"event":"daemon\.started".*?"status":"(http:\/\/[^"]+)"/.exec(output)?.[1], 60_000, 100);
    return { npm, output: () => output, url, demo };
  } catch (error) {
    if (npm.pid && groupAlive(npm.pid)) process.kill(-npm.pid, "SIGKILL");
    throw error;
  }
}

async function appliedRevision(s: Started): Promise<string> {
  return waitFor(
    "the first revision applied",
    async () => {
      const status = (await (await fetch(`${s.url}/api/status`)).json()) as StatusJson;
      return status.revision.applied?.commit;
    },
    60_000,
    200,
  );
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

async function portFree(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname);
    socket.once("connect", () => (socket.destroy(), resolve(false)));
    socket.once("error", () => resolve(true));
  });
}

async function assertStoppedCleanly(s: Started): Promise<void> {
  const pgid = s.npm.pid ?? 0;
  try {
    await waitFor("every process of npm start to exit", () => (groupAlive(pgid) ? undefined : true), 20_000, 100);
  } finally {
    if (groupAlive(pgid)) process.kill(-pgid, "SIGKILL");
  }
  assert.ok(await portFree(s.url), "the status port is still taken");
  assert.equal(existsSync(path.join(s.demo, "cp", "LOCK")), false, "the state directory is still locked");
  assert.match(s.output(), /"event":"daemon\.stopped"/, s.output());
}

for (const [how, stop] of [
  ["SIGTERM to npm", (s: Started) => s.npm.kill("SIGTERM")],
  ["Ctrl-C (SIGINT to the process group)", (s: Started) => process.kill(-(s.npm.pid ?? 0), "SIGINT")],
] as const) {
  test(`npm start serves a scratch copy of sample-repo; ${how} stops it cleanly`, async () => {
    const s = await npmStart(how.startsWith("SIGTERM") ? "term" : "int");
    try {
      const applied = await appliedRevision(s);
      const repo = path.join(s.demo, "repo");
      assert.equal(applied, git(repo, "rev-parse", "HEAD"), "the daemon applies the scratch repository's HEAD");
      assert.equal(git(repo, "status", "--porcelain"), "", "the copy is committed whole");
      assert.ok(existsSync(path.join(repo, "meshes", "edge", "routes.yaml")));
      assert.ok(existsSync(path.join(s.demo, "cp", "LOCK")), "the embedded control plane holds its lock while running");
      const banner = s.output();
      assert.ok(banner.includes("status page:      on the port the daemon reports below (status)"), banner);
      assert.ok(banner.includes(`cd ${path.relative(projectRoot, repo)}`), banner);
      assert.match(banner, /stop: {13}Ctrl-C/);
      const page = await fetch(`${s.url}/`);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<html/i);
    } catch (error) {
      if (s.npm.pid && groupAlive(s.npm.pid)) process.kill(-s.npm.pid, "SIGKILL");
      throw error;
    }
    stop(s);
    await assertStoppedCleanly(s);
  });
}
