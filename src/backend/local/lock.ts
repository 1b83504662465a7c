/**
 * One store per state directory: a second process would interleave journals. The lock is a file created exclusively
 * that records who holds it: host, PID, PID namespace and the process's start time. A PID alone is not enough: in a
 * container the daemon is PID 1 after every restart, so a lock left by a crash names the new process's own PID, and
 * PIDs are reused. The lock is stale, and taken over, when its owner is provably gone:
 * - it names this process's PID but this process does not hold it (the same PID in an earlier life: a restart);
 * - it names a PID of this host and namespace that no longer runs, or that runs but started at another time (reused).
 * A lock from another host, or from another PID namespace under another PID, cannot be checked from here: it is kept,
 * and the error says how to clear it.
 */
import { readFileSync, readlinkSync } from "node:fs";
import fsp from "node:fs/promises";
import { hostname } from "node:os";
import path from "node:path";

const LOCK_FILE = "LOCK";

/** The state directory is locked by a live (or uncheckable) owner: an operator error, reported as one line. */
export class StateDirectoryInUseError extends Error {
  override readonly name = "StateDirectoryInUseError";
}

/** What a lock file says about its owner. Fields other than pid are absent in locks of older versions (a bare PID). */
export interface LockOwner {
  readonly host?: string;
  readonly pid: number;
  /** The inode of /proc/<pid>/ns/pid (Linux), e.g. "pid:[4026531836]". */
  readonly pidNamespace?: string;
  /** Field 22 of /proc/<pid>/stat: clock ticks after boot (Linux). */
  readonly startTime?: string;
}

/** The lock files this process holds: a lock naming our PID but missing here belongs to an earlier process. */
const heldHere = new Set<string>();

export function thisProcess(): LockOwner {
  return { host: hostname(), pid: process.pid, ...optional("pidNamespace", pidNamespaceOf("self")), ...optional("startTime", startTimeOf("self")) };
}

/** Takes the lock of `dir`, taking over a stale one; throws, naming the owner, when it is in use. */
export async function acquireLock(dir: string, me: LockOwner = thisProcess()): Promise<string> {
  const file = path.join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await fsp.writeFile(file, `${JSON.stringify(me)}\n`, { flag: "wx", mode: 0o600 });
      heldHere.add(file);
      return file;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const owner = parseOwner(await fsp.readFile(file, "utf8").catch(() => ""));
    const verdict = owner ? judge(owner, me, heldHere.has(file)) : { stale: true as const };
    if (!verdict.stale) {
      throw new StateDirectoryInUseError(`control-plane state directory ${dir} is in use by ${verdict.holder} (lock file ${file}; ${verdict.fix})`);
    }
    await fsp.rm(file, { force: true });
  }
  throw new Error(`could not lock control-plane state directory ${dir}`);
}

export async function releaseLock(file: string): Promise<void> {
  heldHere.delete(file);
  await fsp.rm(file, { force: true });
}

type Verdict = { readonly stale: true } | { readonly stale: false; readonly holder: string; readonly fix: string };

const DELETE_IF_UNUSED = "delete it only if no meshops process uses the directory";

/** Whether a lock's owner is provably gone. Pure but for the liveness probes of a local PID. */
export function judge(owner: LockOwner, me: LockOwner, heldByThisProcess: boolean): Verdict {
  if (owner.host !== undefined && me.host !== undefined && owner.host !== me.host) {
    return { stale: false, holder: `process ${owner.pid} on host ${owner.host}`, fix: `stop it, or ${DELETE_IF_UNUSED}` };
  }
  if (owner.pid === me.pid) {
    // Our own PID: either this process holds it (a second store here) or an earlier process with our PID left it.
    return heldByThisProcess ? { stale: false, holder: "another store in this process", fix: "close the first store" } : { stale: true };
  }
  if (owner.pidNamespace !== undefined && me.pidNamespace !== undefined && owner.pidNamespace !== me.pidNamespace) {
    return { stale: false, holder: `process ${owner.pid} of another PID namespace (${owner.pidNamespace})`, fix: DELETE_IF_UNUSED };
  }
  if (!isAlive(owner.pid)) return { stale: true };
  const startTime = startTimeOf(String(owner.pid));
  if (owner.startTime !== undefined && startTime !== undefined && startTime !== owner.startTime) return { stale: true }; // PID reused
  return { stale: false, holder: `process ${owner.pid}`, fix: DELETE_IF_UNUSED };
}

/** A JSON lock, or the bare PID of older versions; undefined when unreadable (a torn write: stale). */
export function parseOwner(text: string): LockOwner | undefined {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return { pid: Number(trimmed) };
  try {
    const value = JSON.parse(trimmed) as Partial<LockOwner>;
    if (!Number.isInteger(value.pid) || (value.pid ?? 0) <= 0) return undefined;
    return {
      pid: value.pid as number,
      ...optional("host", typeof value.host === "string" ? value.host : undefined),
      ...optional("pidNamespace", typeof value.pidNamespace === "string" ? value.pidNamespace : undefined),
      ...optional("startTime", typeof value.startTime === "string" ? value.startTime : undefined),
    };
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function pidNamespaceOf(pid: string): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return undefined;
  }
}

function startTimeOf(pid: string): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
