/**
 * The state directory's lock (src/backend/local/lock.ts) through openStore, with lock files as earlier processes leave
 * them: a crash of PID 1 in a container (the restarted daemon is PID 1 again, in a new PID namespace), a dead PID, a
 * reused PID, a live owner, another host. Live owners are real child processes.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { openStore } from "../src/backend/store.js";
import { parseOwner, thisProcess } from "../src/backend/local/lock.js";

const root = mkdtempSync(path.join(tmpdir(), "meshops-lock-"));
const children: ChildProcess[] = [];
after(() => {
  for (const child of children) child.kill("SIGKILL");
  rmSync(root, { recursive: true, force: true });
});

let dirs = 0;
function stateDirWithLock(lock: string): string {
  const dir = path.join(root, `state-${dirs++}`);
  mkdirSync(dir);
  writeFileSync(path.join(dir, "LOCK"), lock);
  return dir;
}

/** A live process of this host, and its start time as its own /proc/self/stat gives it (what its lock would record). */
async function liveProcess(): Promise<{ pid: number; owner: ReturnType<typeof thisProcess> }> {
  const script = `import("${new URL("../src/backend/local/lock.js", import.meta.url).href}").then((m) => { console.log(JSON.stringify(m.thisProcess())); setInterval(() => {}, 1000); })`;
  const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  children.push(child);
  const line = await new Promise<string>((resolve) => child.stdout?.once("data", (chunk: Buffer) => resolve(chunk.toString())));
  const owner = parseOwner(line);
  assert.ok(owner && child.pid === owner.pid);
  return { pid: owner.pid, owner };
}

async function opensAndTakesOver(dir: string): Promise<void> {
  const store = await openStore({ stateDir: dir });
  try {
    assert.deepEqual(parseOwner(readFileSync(path.join(dir, "LOCK"), "utf8")), thisProcess(), "the lock now names this process");
  } finally {
    await store.close();
  }
}

const me = thisProcess();

test("the lock records host, PID, PID namespace and start time", async () => {
  const dir = path.join(root, "fresh");
  const store = await openStore({ stateDir: dir });
  try {
    const owner = JSON.parse(readFileSync(path.join(dir, "LOCK"), "utf8")) as Record<string, unknown>;
    assert.equal(owner.host, hostname());
    assert.equal(owner.pid, process.pid);
    if (process.platform === "linux") {
      assert.match(String(owner.pidNamespace), /^pid:\[\d+\]$/);
      assert.match(String(owner.startTime), /^\d+$/);
    }
  } finally {
    await store.close();
  }
});

test("a lock naming this process's PID from an earlier life (PID 1 restarted in a new container) is stale", async () => {
  await opensAndTakesOver(stateDirWithLock(JSON.stringify({ host: me.host, pid: process.pid, pidNamespace: "pid:[4026530001]", startTime: "12" })));
  // Same namespace, same PID: still not this process, since this process never took the lock.
  await opensAndTakesOver(stateDirWithLock(JSON.stringify({ ...me, startTime: "12" })));
  // The bare PID of older versions.
  await opensAndTakesOver(stateDirWithLock(`${process.pid}\n`));
});

test("a lock of a dead process, or of a PID reused by another process, is stale", async () => {
  const dead = spawn(process.execPath, ["-e", ""]);
  await new Promise((resolve) => dead.once("exit", resolve));
  await opensAndTakesOver(stateDirWithLock(JSON.stringify({ ...me, pid: dead.pid })));
  await opensAndTakesOver(stateDirWithLock(`${dead.pid}\n`));
  const live = await liveProcess();
  if (live.owner.startTime !== undefined) {
    await opensAndTakesOver(stateDirWithLock(JSON.stringify({ ...live.owner, startTime: String(Number(live.owner.startTime) - 1) })));
  }
});

test("a lock of a live process, another host or another PID namespace is kept, and the error names its owner", async () => {
  const live = await liveProcess();
  const held = stateDirWithLock(JSON.stringify(live.owner));
  await assert.rejects(openStore({ stateDir: held }), new RegExp(`in use by process ${live.pid} \\(lock file .*LOCK; delete it only if no meshops process uses the directory\\)`));
  assert.deepEqual(parseOwner(readFileSync(path.join(held, "LOCK"), "utf8")), live.owner, "the lock is left alone");
  await assert.rejects(openStore({ stateDir: stateDirWithLock(`${live.pid}\n`) }), /in use by process/);

  await assert.rejects(openStore({ stateDir: stateDirWithLock(JSON.stringify({ ...me, host: "elsewhere", pid: 4242 })) }), /in use by process 4242 on host elsewhere/);
  if (me.pidNamespace !== undefined) {
    await assert.rejects(
      openStore({ stateDir: stateDirWithLock(JSON.stringify({ ...me, pid: live.pid, pidNamespace: "pid:[4026530001]" })) }),
      /in use by process \d+ of another PID namespace \(pid:\[4026530001\]\)/,
    );
  }
});

test("an unreadable lock (a torn write) is stale", async () => {
  await opensAndTakesOver(stateDirWithLock('{"host":"h","pi'));
});
