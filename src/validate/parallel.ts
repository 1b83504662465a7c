/**
 * Cold validation on two cores: the per-file analysis (parse, schema, rules: nine tenths of validating a large
 * repository) is shared between this thread and one worker thread, and the results fill the AnalysisCache that
 * validateSnapshot then reads, so everything after the per-file step, and every diagnostic, is what the one-thread
 * path gives.
 *
 * Files are cut into chunks that either thread claims from a shared counter (Atomics), so the worker's start-up time
 * and the machine's load balance themselves out, and a worker that fails to start or dies costs nothing but its
 * share: this thread analyzes whatever the worker has not delivered. The worker sends each chunk back as JSON text
 * (JSON.parse is about twice as fast as structured clone for these trees); files holding a value JSON cannot carry
 * (`.inf`, `.nan`, `-0`) are left to this thread.
 */
import { existsSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads";
import { parseRepoConfig } from "../config/repoConfig.js";
import type { Snapshot, SourceFile } from "../source/types.js";
import { analysisKey, analyzeFile, AnalysisCache, validateSnapshot, type FileAnalysis, type ValidateOptions, type ValidationResult } from "./index.js";
import { selectFiles } from "./select.js";

/** Below this much YAML a worker's start-up (loading the validators again, ~0.2 s CPU) costs more than it saves. */
export const PARALLEL_MIN_BYTES = 4 * 1024 * 1024;

/** Chunks per thread: small enough that the last one does not leave a thread idle for long. */
const CHUNKS_PER_THREAD = 48;

const WORKER_URL = new URL("./analysisWorker.js", import.meta.url);

/** What the worker is started with. */
export interface WorkerInput {
  readonly config: SourceFile | undefined;
  readonly root: string;
  /**
   * The files' texts as UTF-8 in shared memory, each ending at its offset in `ends` (nothing is copied into the
   * worker's heap: cloning 11,000 texts took half a second), and their paths and blob ids joined with NUL.
   */
  readonly utf8: Uint8Array;
  readonly ends: Int32Array;
  readonly paths: string;
  readonly blobIds: string;
  /** Index of each chunk's first file, and one past the last: chunk i is files[bounds[i]] up to files[bounds[i + 1]]. */
  readonly bounds: readonly number[];
  /** NEXT_CHUNK and POSTED. */
  readonly counters: Int32Array;
  readonly port: MessagePort;
}

/** One chunk's analyses as the worker sends them: per file, JSON text, or null when this thread must do that file. */
export interface ChunkMessage {
  readonly chunk: number;
  readonly analyses: readonly (string | null)[];
}

export interface ParallelOptions {
  readonly exclude?: readonly string[];
  /** Default PARALLEL_MIN_BYTES; tests lower it to exercise the worker on small repositories. */
  readonly minBytes?: number;
  /** False: this thread only waits, and the worker analyzes every file it can (tests: a worker's results in full). */
  readonly analyzeHere?: boolean;
  /** The worker's script (tests: one that fails). */
  readonly workerUrl?: URL;
  /**
   * Default true: use the worker only when a core is idle (load average at least one below the cores). On a machine
   * already busy, the worker's start-up and the JSON both ways only add CPU time the two threads then share.
   */
  readonly requireIdleCore?: boolean;
}

/** How many files were analyzed, and how many of them by the worker (the tests check that it took part). */
export interface ParallelStats {
  readonly files: number;
  readonly byWorker: number;
}

/** validateSnapshot, with the per-file analysis on two threads when the repository is large enough to gain from it. */
export async function validateSnapshotParallel(snapshot: Snapshot, cache: AnalysisCache = new AnalysisCache(), options: ValidateOptions & ParallelOptions = {}): Promise<ValidationResult> {
  await analyzeInParallel(snapshot, cache, options);
  return validateSnapshot(snapshot, cache, options);
}

// Slots of the shared counters.
/** The next chunk to claim. */
export const NEXT_CHUNK = 0;
/** Chunks the worker has posted: it notifies on this slot, so this thread can sleep until one arrives. */
export const POSTED = 1;

/**
 * Fills `cache` with the analysis of every configuration file of the snapshot that it lacks, on this thread and a
 * worker. Does nothing for a small repository, or without an idle core (validateSnapshot then analyzes as before).
 */
export async function analyzeInParallel(snapshot: Snapshot, cache: AnalysisCache, options: ParallelOptions = {}): Promise<ParallelStats> {
  const config = parseRepoConfig(snapshot.config, snapshot.root).config;
  const configKey = analysisKey(config);
  const files = selectFiles(snapshot, config, options.exclude).files.filter((f) => !cache.get(f, configKey));
  let bytes = 0;
  for (const f of files) bytes += f.text.length;
  const workerUrl = options.workerUrl ?? WORKER_URL;
  const idleCore = loadavg()[0]! + 1 <= availableParallelism();
  if (bytes < (options.minBytes ?? PARALLEL_MIN_BYTES) || availableParallelism() < 2 || (options.requireIdleCore !== false && !idleCore) || !existsSync(workerUrl)) {
    return { files: 0, byWorker: 0 };
  }

  const bounds = chunkBounds(files, 2 * CHUNKS_PER_THREAD);
  const chunks = bounds.length - 1;
  const counters = new Int32Array(new SharedArrayBuffer(8));
  const { port1, port2 } = new MessageChannel();
  const input: WorkerInput = { config: snapshot.config, root: snapshot.root, ...sharedTexts(files), bounds, counters, port: port2 };
  // The worker's output is not ours to print; an uncaught error in it must not end this process either.
  const worker = new Worker(workerUrl, { workerData: input, transferList: [port2], stdout: true, stderr: true });
  let workerGone = false;
  const gone = new Promise<void>((resolve) => {
    worker.once("error", () => resolve());
    worker.once("exit", () => resolve());
  }).then(() => {
    workerGone = true;
  });

  const done = new Uint8Array(chunks);
  let byWorker = 0;
  const analyzeChunk = (chunk: number): void => {
    for (let i = bounds[chunk]!; i < bounds[chunk + 1]!; i++) cache.set(files[i]!, analyzeFile(files[i]!, config));
    done[chunk] = 1;
  };
  const take = (message: ChunkMessage): void => {
    const first = bounds[message.chunk]!;
    message.analyses.forEach((json, offset) => {
      const file = files[first + offset]!;
      const theirs = json !== null && sendable(file.text);
      if (theirs) byWorker++;
      cache.set(file, theirs ? (JSON.parse(json) as FileAnalysis) : analyzeFile(file, config));
    });
    done[message.chunk] = 1;
  };
  const drain = (): void => {
    for (let m = receiveMessageOnPort(port1); m; m = receiveMessageOnPort(port1)) take(m.message as ChunkMessage);
  };

  try {
    if (options.analyzeHere !== false) {
      for (let chunk = Atomics.add(counters, NEXT_CHUNK, 1); chunk < chunks; chunk = Atomics.add(counters, NEXT_CHUNK, 1)) {
        analyzeChunk(chunk);
        drain();
      }
    }
    // Wait for the worker's chunks, or for its end (then what it did not deliver is done here).
    for (;;) {
      const posted = Atomics.load(counters, POSTED);
      drain();
      if (!done.includes(0) || workerGone) break;
      const wait = waitAsync(counters, POSTED, posted, 1000);
      if (wait.async) await Promise.race([wait.value, gone]);
    }
    drain();
    for (let chunk = 0; chunk < chunks; chunk++) if (!done[chunk]) analyzeChunk(chunk);
  } finally {
    port1.close();
    void worker.terminate();
  }
  return { files: files.length, byWorker };
}

/**
 * The files' texts written once into shared memory as UTF-8. A text UTF-8 cannot carry (a lone surrogate, which only
 * a caller that built the text itself can produce) is left out: its file then decodes differently, so the worker's
 * jsonSafe check is not enough; such a file gets an empty text there and this thread redoes it (see `take`).
 */
function sharedTexts(files: readonly SourceFile[]): Pick<WorkerInput, "utf8" | "ends" | "paths" | "blobIds"> {
  let bytes = 0;
  for (const f of files) bytes += Buffer.byteLength(f.text);
  const utf8 = Buffer.from(new SharedArrayBuffer(bytes));
  const ends = new Int32Array(new SharedArrayBuffer(4 * files.length));
  let offset = 0;
  files.forEach((f, i) => {
    if (sendable(f.text)) offset += utf8.write(f.text, offset);
    ends[i] = offset;
  });
  return { utf8, ends, paths: files.map((f) => f.path).join("\0"), blobIds: files.map((f) => f.blobId).join("\0") };
}

/** Whether UTF-8 carries the text unchanged: ASCII always does; otherwise, unless it holds a lone surrogate. */
function sendable(text: string): boolean {
  return Buffer.byteLength(text) === text.length || !/\p{Cs}/u.test(text);
}

/** Atomics.waitAsync (Node 16+; its type is in TypeScript's ES2024 library, newer than this project's). */
const waitAsync = (Atomics as unknown as { waitAsync(a: Int32Array, index: number, value: number, timeoutMs: number): { async: boolean; value: Promise<unknown> | string } }).waitAsync;

/** Cuts the files into about `count` runs of similar text length, in file order. */
function chunkBounds(files: readonly SourceFile[], count: number): number[] {
  let total = 0;
  for (const f of files) total += f.text.length;
  const target = total / count;
  const bounds = [0];
  let size = 0;
  files.forEach((f, i) => {
    size += f.text.length;
    if (size >= target && i + 1 < files.length) {
      bounds.push(i + 1);
      size = 0;
    }
  });
  bounds.push(files.length);
  return bounds;
}

/**
 * A plain scalar JSON would not carry back exactly: YAML's infinities and NaN, and negative zero (`-0`, `-0.0`,
 * `-.0e3`). Broad on purpose: a false match only means the file is analyzed on this thread.
 */
const NOT_JSON_SAFE = /(?:^|[\s[,:])[-+]?(?:\.(?:inf|nan)|-(?:0+\.?0*|\.0+)(?:e[-+]?\d+)?)(?=[ \t]*(?:$|[,\]}#]))/im;

/** Whether a file's analysis survives JSON.stringify / JSON.parse unchanged. */
export function jsonSafe(file: SourceFile): boolean {
  return !NOT_JSON_SAFE.test(file.text);
}
