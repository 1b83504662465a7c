/**
 * Hostile clients against the daemon's status server, with no credentials: descriptor exhaustion under a low
 * `ulimit -n`, and the daemon must keep serving and reconciling once the flood is gone. All on 127.0.0.1, bounded.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { killAll, startWatch, waitFor, type LogEntry } from "./helpers/daemon.js";
import { commitFiles, tempRepo } from "./helpers/git.js";
import { meshTimeoutYaml } from "./helpers/policies.js";

const repo = tempRepo("meshops-hostile-");
const work = mkdtempSync(path.join(tmpdir(), "meshops-hostile-work-"));
after(() => {
  killAll();
  repo.cleanup();
  rmSync(work, { recursive: true, force: true });
});

const timeout = (name: string, seconds: number) => meshTimeoutYaml(name, "default", `${seconds}s`);

/** Opens up to `count` idle TCP connections (fewer if the server stops accepting), and never sends a byte. */
async function flood(url: string, count: number): Promise<net.Socket[]> {
  const { hostname, port } = new URL(url);
  const sockets: net.Socket[] = [];
  for (let i = 0; i < count; i++) {
    const socket = net.connect(Number(port), hostname);
    socket.on("error", () => undefined);
    sockets.push(socket);
    await new Promise<void>((resolve) => {
      socket.once("connect", () => resolve());
      socket.once("error", () => resolve());
      socket.once("close", () => resolve());
    });
  }
  return sockets;
}

test("under ulimit -n 128, a flood of idle connections and a commit during it do not kill the daemon; it converges after", async () => {
  commitFiles(repo.dir, { "mesh.yaml": `type: Mesh\nname: default\n---\n${timeout("first", 10)}` }, "first");
  const daemon = await startWatch(["--repo", repo.dir, "--state-dir", "cp", "--drift-interval", "1h"], { cwd: work, maxOpenFiles: 128 });
  await waitFor("the first reconcile", async () => ((await daemon.status()).revision.applied ? true : undefined), 15_000);

  const sockets = await flood(daemon.url, 300);
  try {
    // The descriptors are gone: a commit now needs the ref watcher to see it (the daemon reads it through the git
    // process it already runs) and a new connection for nothing.
    const second = commitFiles(repo.dir, { "more.yaml": timeout("second", 20) }, "second");
    await daemon.untilLog("a reconcile of the second commit that failed or finished", (e: LogEntry) => e.event === "reconcile.done" || e.event === "reconcile.error", 15_000).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(daemon.child.exitCode, null, `the daemon exited: ${daemon.stderr()}`);
    // The flood did exhaust the descriptors (else this test proves nothing), and the daemon said so.
    const entries = daemon.lines.map((l) => JSON.parse(l) as LogEntry);
    const exhausted = entries.some((e) => e.event === "http.accept-error" || e.event === "process.descriptors-exhausted" || /EMFILE/.test(String(e.err ?? "")));
    assert.ok(exhausted, entries.map((e) => `${e.event} ${String(e.err ?? "")}`).join(", "));
    for (const socket of sockets) socket.destroy();
    const status = await waitFor(
      "the daemon to apply the second commit after the flood",
      async () => {
        const s = await daemon.status();
        return s.revision.applied?.commit === second ? s : undefined;
      },
      20_000,
      200,
    );
    assert.equal(status.revision.applied?.commit, second);
    assert.equal((await fetch(`${daemon.url}/healthz`)).status, 200);
  } finally {
    for (const socket of sockets) socket.destroy();
  }
});
