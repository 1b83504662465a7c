/**
 * Durability of the embedded control plane: snapshot + append-only journal with group commit, atomic file writes
 * (temp file, fsync, rename, fsync of the directory). The lock that keeps one store per state directory: lock.ts.
 * Why a journal rather than rewriting state.json on every write, and what a crash can leave behind: see DurableLog.
 */
import { randomUUID } from "node:crypto";
import { constants as fsConstants, promises as fsp } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import path from "node:path";
import { crc32 } from "node:zlib";
import type { Op, StoredResource } from "./records.js";

export const STATE_FILE = "state.json";
export const STATE_FORMAT = "meshops-cp-state/v1";
export const journalFile = (generation: number) => `journal-${generation}.log`;
export const JOURNAL_NAME = /^journal-(\d+)\.log$/;

export interface Snapshot {
  readonly format: string;
  readonly generation: number;
  readonly clusterId: string;
  readonly resources: StoredResource[];
}

/** fsync of a directory makes a rename or a new file in it durable. Windows cannot open directories: nothing to do there. */
export async function fsyncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await fsp.open(dir, "r");
    await handle.sync();
  } catch (error) {
    if (process.platform !== "win32") throw error;
  } finally {
    await handle?.close();
  }
}

/** Write to a temporary file in the same directory, fsync it, rename it over the old file, fsync the directory. */
export async function writeFileAtomic(dir: string, name: string, data: string): Promise<number> {
  const tmp = path.join(dir, `${name}.tmp-${process.pid}-${randomUUID().slice(0, 8)}`);
  const handle = await fsp.open(tmp, "w", 0o600);
  let bytes: number;
  try {
    const buffer = Buffer.from(data, "utf8");
    await writeAll(handle, buffer);
    await handle.sync();
    bytes = buffer.length;
  } catch (error) {
    await handle.close();
    await fsp.rm(tmp, { force: true });
    throw error;
  }
  await handle.close();
  await fsp.rename(tmp, path.join(dir, name));
  await fsyncDir(dir);
  return bytes;
}

async function writeAll(handle: FileHandle, buffer: Buffer): Promise<void> {
  let offset = 0;
  while (offset < buffer.length) {
    const { bytesWritten } = await handle.write(buffer, offset, buffer.length - offset);
    offset += bytesWritten;
  }
}

/**
 * The journal is opened for appending with O_DSYNC where the platform has it: each write returns once its data is on
 * stable storage, which saves a second round trip through libuv's thread pool per flush (write, then fdatasync).
 */
const JOURNAL_DSYNC = process.platform !== "win32" && typeof fsConstants.O_DSYNC === "number";

export function openJournal(file: string): Promise<FileHandle> {
  const flags = JOURNAL_DSYNC ? fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_APPEND | fsConstants.O_DSYNC : "a";
  return fsp.open(file, flags, 0o600);
}

/** `<crc32 hex> <json>\n`: a line whose checksum does not match (a torn write) ends the valid part of the journal. */
function journalLine(ops: readonly Op[]): string {
  const json = JSON.stringify({ ops });
  return `${crc32(json).toString(16).padStart(8, "0")} ${json}\n`;
}

interface JournalRead {
  readonly records: Op[][];
  /** Bytes of the valid prefix; anything after it is a torn tail. */
  readonly validBytes: number;
  /** Whether valid-looking lines follow the first bad one (real corruption rather than a torn last write). */
  readonly validAfterBad: boolean;
}

export function readJournal(data: Buffer): JournalRead {
  const records: Op[][] = [];
  let offset = 0;
  let validBytes = -1;
  let validAfterBad = false;
  while (offset < data.length) {
    const newline = data.indexOf(0x0a, offset);
    const end = newline === -1 ? data.length : newline;
    const ops = newline === -1 ? undefined : parseJournalLine(data.subarray(offset, end));
    if (ops && validBytes === -1) records.push(ops);
    else if (ops) validAfterBad = true;
    else if (validBytes === -1) validBytes = offset;
    offset = end + 1;
  }
  return { records, validBytes: validBytes === -1 ? data.length : validBytes, validAfterBad };
}

function parseJournalLine(line: Buffer): Op[] | undefined {
  if (line.length < 10 || line[8] !== 0x20) return undefined;
  const sum = Number.parseInt(line.subarray(0, 8).toString("latin1"), 16);
  const json = line.subarray(9);
  if (!Number.isFinite(sum) || crc32(json) !== sum) return undefined;
  try {
    const parsed = JSON.parse(json.toString("utf8")) as { ops?: unknown };
    return Array.isArray(parsed.ops) ? (parsed.ops as Op[]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Why a journal and not "rewrite state.json on every PUT": the state is up to ~50,000 resources (tens of MB) and the
 * benchmark pushes ≥2,000 writes/s, so rewriting the whole file per write (even batched) would cost one full
 * serialization + fsync of everything per batch. Instead:
 *
 * - `state.json` is a full snapshot (JSON) tagged with a generation G, always replaced atomically: temp file in the same
 *   directory, fsync, rename over the old one, fsync the directory.
 * - `journal-G.log` holds the operations since snapshot G, one checksummed line per client-visible operation (a Mesh
 *   create with its default policies, or a Mesh delete with its cascade, is one line: replayed all or nothing).
 * - Group commit: mutations are applied in memory and their lines queued; one flush at a time writes every queued line
 *   with a single write (O_DSYNC, or write + fdatasync); lines queued while a flush is in flight go together in the next one. A PUT/DELETE
 *   is answered only after the flush holding its line completed, so an answered write is durable. Reads also wait until
 *   what they saw is durable, so nothing a client was shown can vanish in a crash.
 * - Compaction, when the journal outgrows the snapshot: serialize the state (synchronously, a consistent cut that also
 *   covers the queued lines, which are then dropped), write state.json for G+1 atomically, then start journal-(G+1).log
 *   and delete journal-G.log. Flushes wait meanwhile.
 *
 * A crash at any point leaves: the old snapshot + its journal (whose torn last line, never acknowledged, is detected by
 * its checksum and cut off at load), or the new snapshot (+ possibly no journal yet). Stray temp files and journals of
 * other generations are deleted at load. Never half a state.
 */
export class DurableLog {
  private pendingLines: string[] = [];
  private appliedSeq = 0;
  private durableSeq = 0;
  private readonly waiters: { seq: number; resolve: () => void; reject: (error: Error) => void }[] = [];
  private flushing = false;
  private idle: Promise<void> = Promise.resolve();
  private failure: Error | undefined;
  private journalBytes: number;
  private snapshotBytes: number;

  constructor(
    private readonly dir: string,
    private handle: FileHandle,
    private generation: number,
    journalBytes: number,
    snapshotBytes: number,
    private readonly compactAfterBytes: number,
    private readonly snapshot: (generation: number) => string,
  ) {
    this.journalBytes = journalBytes;
    this.snapshotBytes = snapshotBytes;
  }

  get sequence(): number {
    return this.appliedSeq;
  }

  /** Throws when an earlier flush failed: memory and disk may disagree, so no more writes are accepted. */
  checkHealthy(): void {
    if (this.failure) throw this.failure;
  }

  /** Queues one operation (already applied in memory); returns its sequence number for `whenDurable`. */
  append(ops: readonly Op[]): number {
    this.checkHealthy();
    this.pendingLines.push(journalLine(ops));
    this.appliedSeq++;
    if (!this.flushing) {
      this.flushing = true;
      this.idle = new Promise((resolve) => setImmediate(() => void this.flushLoop().finally(resolve)));
    }
    return this.appliedSeq;
  }

  whenDurable(seq: number): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (seq <= this.durableSeq) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ seq, resolve, reject }));
  }

  async close(): Promise<void> {
    await this.idle;
    await this.handle.close();
  }

  private async flushLoop(): Promise<void> {
    try {
      while (this.pendingLines.length > 0) {
        const lines = this.pendingLines;
        const upTo = this.appliedSeq;
        this.pendingLines = [];
        const buffer = Buffer.from(lines.join(""), "utf8");
        await writeAll(this.handle, buffer);
        if (!JOURNAL_DSYNC) await this.handle.datasync();
        this.journalBytes += buffer.length;
        this.markDurable(upTo);
        if (this.journalBytes > this.compactAfterBytes && this.journalBytes > this.snapshotBytes) await this.compact();
      }
    } catch (error) {
      this.failure = new Error(`control-plane state in ${this.dir} could not be written: ${String(error)}`, { cause: error });
      for (const waiter of this.waiters.splice(0)) waiter.reject(this.failure);
    } finally {
      this.flushing = false;
    }
  }

  private markDurable(seq: number): void {
    this.durableSeq = Math.max(this.durableSeq, seq);
    while (this.waiters.length > 0 && (this.waiters[0]?.seq ?? Infinity) <= this.durableSeq) this.waiters.shift()?.resolve();
  }

  private async compact(): Promise<void> {
    const next = this.generation + 1;
    // A consistent cut: everything applied so far, including the lines not yet in the journal, which it makes redundant.
    const text = this.snapshot(next);
    const upTo = this.appliedSeq;
    this.pendingLines = [];
    this.snapshotBytes = await writeFileAtomic(this.dir, STATE_FILE, text);
    this.markDurable(upTo);
    const handle = await openJournal(path.join(this.dir, journalFile(next)));
    await fsyncDir(this.dir);
    const old = this.handle;
    this.handle = handle;
    const oldGeneration = this.generation;
    this.generation = next;
    this.journalBytes = 0;
    await old.close();
    await fsp.rm(path.join(this.dir, journalFile(oldGeneration)), { force: true });
  }
}
