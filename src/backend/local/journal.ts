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
import { JsonLinesParser, NotJsonLines } from "../../util/jsonLines.js";
import { runStepsSliced, type Steps } from "../../util/steps.js";
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
export async function writeFileAtomic(dir: string, name: string, data: string | Iterable<string>): Promise<number> {
  const tmp = path.join(dir, `${name}.tmp-${process.pid}-${randomUUID().slice(0, 8)}`);
  const handle = await fsp.open(tmp, "w", 0o600);
  let bytes = 0;
  try {
    // Text in chunks is encoded and written chunk by chunk: no copy of the whole file in memory, no long turn (and
    // chunks made as they are asked for are never all in memory at once).
    for (const chunk of typeof data === "string" ? [data] : data) {
      const buffer = Buffer.from(chunk, "utf8");
      await writeAll(handle, buffer);
      bytes += buffer.length;
    }
    await handle.sync();
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

/** Bytes read per turn by readJsonLinesFile: one buffer, reused. */
const READ_CHUNK = 1 << 20;

/**
 * A JSON document from a file: a line at a time when laid out as util/jsonLines.ts lays it out (only the parsed
 * objects are ever in memory, not the text or its bytes), else parsed whole. Undefined when there is no such file;
 * a SyntaxError when the file is not JSON.
 */
export async function readJsonLinesFile(file: string): Promise<{ readonly value: unknown; readonly bytes: number } | undefined> {
  let handle: FileHandle;
  try {
    handle = await fsp.open(file, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  try {
    const parser = new JsonLinesParser();
    const chunk = Buffer.allocUnsafe(READ_CHUNK);
    let bytes = 0;
    let carry: Buffer | undefined; // a line begun in an earlier chunk
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      bytes += bytesRead;
      const data = chunk.subarray(0, bytesRead);
      let start = 0;
      for (let end = data.indexOf(0x0a); end !== -1; end = data.indexOf(0x0a, start)) {
        parser.line(carry ? Buffer.concat([carry, data.subarray(start, end)]).toString("utf8") : data.toString("utf8", start, end));
        carry = undefined;
        start = end + 1;
      }
      if (start < bytesRead) carry = Buffer.concat(carry ? [carry, data.subarray(start)] : [data.subarray(start)]);
    }
    if (carry) parser.line(carry.toString("utf8"));
    return { value: parser.result(), bytes };
  } catch (error) {
    if (!(error instanceof NotJsonLines) && !(error instanceof SyntaxError)) throw error;
    // Laid out otherwise (written by hand, or by an older meshops), or damaged: the whole text decides.
    const text = await fsp.readFile(file, "utf8");
    return { value: JSON.parse(text) as unknown, bytes: Buffer.byteLength(text) };
  } finally {
    await handle.close();
  }
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
  /** The records of the valid prefix. */
  readonly records: Op[][];
  /** Bytes of the valid prefix. */
  readonly validBytes: number;
  /** What follows the valid prefix, when something does. */
  readonly damage?: JournalDamage;
}

export interface JournalDamage {
  /** Byte offset of the first bad record. */
  readonly offset: number;
  readonly bytes: number;
  /**
   * A last line without its newline: a write the crash interrupted. Acknowledgements wait for the whole write, so it
   * was never acknowledged. Anything else (a complete line that fails its checksum, or lines after a bad one) is
   * damage to acknowledged records.
   */
  readonly tornWrite: boolean;
  /** Records after the bad one that still pass their checksum: acknowledged writes that recovery would drop. */
  readonly intactAfter: Op[][];
}

export function readJournal(data: Buffer): JournalRead {
  const records: Op[][] = [];
  const intactAfter: Op[][] = [];
  let offset = 0;
  let badAt = -1;
  let lastLineComplete = true;
  while (offset < data.length) {
    const newline = data.indexOf(0x0a, offset);
    const end = newline === -1 ? data.length : newline;
    lastLineComplete = newline !== -1;
    const ops = newline === -1 ? undefined : parseJournalLine(data.subarray(offset, end));
    if (ops && badAt === -1) records.push(ops);
    else if (ops) intactAfter.push(ops);
    else if (badAt === -1) badAt = offset;
    offset = end + 1;
  }
  if (badAt === -1) return { records, validBytes: data.length };
  const tornWrite = !lastLineComplete && data.indexOf(0x0a, badAt) === -1;
  return { records, validBytes: badAt, damage: { offset: badAt, bytes: data.length - badAt, tornWrite, intactAfter } };
}

/** `Type/mesh/name` of what a journal record writes or deletes: for recovery reports. */
export function describeRecord(ops: readonly Op[]): string[] {
  return ops.map((op) => ("put" in op ? `${op.put.type}/${op.put.mesh}/${op.put.name}` : "del" in op ? `delete ${op.del.join("/")}` : `delete Mesh/${op.delMesh}`));
}

/**
 * Journal damage that loading will not paper over: acknowledged records would be lost. The message names the file, the
 * offset and the command that keeps the valid prefix.
 */
export class JournalDamagedError extends Error {
  constructor(
    readonly file: string,
    readonly damage: JournalDamage,
    stateDir: string,
  ) {
    super(
      `the control-plane journal ${file} is damaged at byte ${damage.offset} (${damage.bytes} bytes from there, ${damage.intactAfter.length} intact records after the damage); ` +
        `nothing was loaded. To keep the records before byte ${damage.offset} and set the rest aside in a copy, run: meshops cp --recover --state-dir ${stateDir}`,
    );
    this.name = "JournalDamagedError";
  }
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
  private failure: StorageFailure | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private closing = false;
  /** Undefined after a compaction wrote the next snapshot but could not open its journal yet. */
  private handle: FileHandle | undefined;
  private journalBytes: number;
  private snapshotBytes: number;

  constructor(
    private readonly dir: string,
    handle: FileHandle,
    private generation: number,
    journalBytes: number,
    snapshotBytes: number,
    private readonly compactAfterBytes: number,
    /** state.json's text in chunks, as steps: the state is cut when it is called, the text is made by the steps. */
    private readonly snapshot: (generation: number) => Steps<readonly string[]>,
    private readonly health: HealthOptions = {},
  ) {
    this.handle = handle;
    this.journalBytes = journalBytes;
    this.snapshotBytes = snapshotBytes;
  }

  get sequence(): number {
    return this.appliedSeq;
  }

  /** The failure that makes the store refuse writes until a retried write succeeds; undefined when healthy. */
  get unhealthy(): StorageFailure | undefined {
    return this.failure;
  }

  /** Throws while writes fail (no space, a read-only disk...): nothing more is accepted into memory meanwhile. */
  checkHealthy(): void {
    if (this.failure) throw this.failure;
  }

  /** Queues one operation (already applied in memory); returns its sequence number for `whenDurable`. */
  append(ops: readonly Op[]): number {
    this.checkHealthy();
    this.pendingLines.push(journalLine(ops));
    this.appliedSeq++;
    this.startFlush();
    return this.appliedSeq;
  }

  whenDurable(seq: number): Promise<void> {
    if (seq <= this.durableSeq) return Promise.resolve();
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.waiters.push({ seq, resolve, reject }));
  }

  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.retryTimer);
    await this.idle;
    await this.handle?.close();
  }

  private startFlush(): void {
    if (this.flushing) return;
    this.flushing = true;
    this.idle = new Promise((resolve) => setImmediate(() => void this.flushLoop().finally(resolve)));
  }

  private async flushLoop(): Promise<void> {
    try {
      while (this.pendingLines.length > 0) {
        const count = this.pendingLines.length;
        const upTo = this.appliedSeq;
        const buffer = Buffer.from(this.pendingLines.join(""), "utf8");
        const handle = await this.journalHandle();
        this.health.beforeWrite?.();
        await writeAll(handle, buffer).catch(async (error: unknown) => {
          // A partial line would read as damage at the next start: cut the journal back to its last whole record.
          await handle.truncate(this.journalBytes).catch(() => undefined);
          throw error;
        });
        if (!JOURNAL_DSYNC) await handle.datasync();
        this.pendingLines.splice(0, count);
        this.journalBytes += buffer.length;
        this.markDurable(upTo);
        if (this.journalBytes > this.compactAfterBytes && this.journalBytes > this.snapshotBytes) await this.compact();
      }
      if (this.failure) {
        this.failure = undefined;
        this.health.onHealthy?.();
      }
    } catch (error) {
      this.fail(error);
    } finally {
      this.flushing = false;
    }
  }

  /**
   * The lines stay queued (they are in memory and were answered with this error, an outcome "unknown until written"),
   * new writes are refused, and the flush is retried until one succeeds: the store heals itself once space is back.
   */
  private fail(error: unknown): void {
    const first = this.failure === undefined;
    this.failure = new StorageFailure(`control-plane state in ${this.dir} could not be written: ${String(error)}`, { cause: error });
    for (const waiter of this.waiters.splice(0)) waiter.reject(this.failure);
    if (first) this.health.onUnhealthy?.(this.failure);
    if (this.closing) return;
    this.retryTimer = setTimeout(() => this.startFlush(), this.health.retryMs ?? 1_000);
    this.retryTimer.unref();
  }

  private markDurable(seq: number): void {
    this.durableSeq = Math.max(this.durableSeq, seq);
    while (this.waiters.length > 0 && (this.waiters[0]?.seq ?? Infinity) <= this.durableSeq) this.waiters.shift()?.resolve();
  }

  private async journalHandle(): Promise<FileHandle> {
    if (!this.handle) {
      this.handle = await openJournal(path.join(this.dir, journalFile(this.generation)));
      await fsyncDir(this.dir);
    }
    return this.handle;
  }

  private async compact(): Promise<void> {
    const next = this.generation + 1;
    // A consistent cut: everything applied so far, including the lines not yet in the journal, which it makes redundant.
    const serializing = this.snapshot(next);
    const upTo = this.appliedSeq;
    const covered = this.pendingLines.length;
    // 30 MB of text at 50,000 resources: made in slices, so that the process's other work (a daemon's probes, the
    // control plane's requests) keeps its turns (issue 14).
    const chunks = await runStepsSliced(serializing);
    this.snapshotBytes = await writeFileAtomic(this.dir, STATE_FILE, chunks);
    // From here the new snapshot is the state: lines queued meanwhile go to the next generation's journal.
    this.pendingLines.splice(0, covered);
    this.markDurable(upTo);
    const old = this.handle;
    const oldGeneration = this.generation;
    this.handle = undefined;
    this.generation = next;
    this.journalBytes = 0;
    await old?.close();
    await fsp.rm(path.join(this.dir, journalFile(oldGeneration)), { force: true });
    await this.journalHandle();
  }
}

/** The store cannot write its state (ENOSPC, EROFS, EIO...): writes are refused with 503 until a retry succeeds. */
export class StorageFailure extends Error {
  override readonly name = "StorageFailure";
}

export interface HealthOptions {
  /** How often a failed flush is retried (default 1 s). */
  readonly retryMs?: number;
  readonly onUnhealthy?: (error: StorageFailure) => void;
  readonly onHealthy?: () => void;
  /** Tests: called before each journal write; what it throws is the write's failure (ENOSPC without filling a disk). */
  readonly beforeWrite?: () => void;
}
