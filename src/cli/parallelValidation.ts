/**
 * Cold validation of a large repository on a second core (machines of three or more: hasIdleCore). A child process
 * (not a worker thread: those crashed Node 24's V8) runs the per-file checks of files from the front of the list,
 * reading them with its own `git cat-file`, and sends back their diagnostics; this process parses those files again,
 * since it needs every resource for the repository's checks and the desired state. A report-only validation (`meshops
 * validate`) keeps no bodies, so the child sends whole analyses without them instead, and nothing is parsed twice. This
 * process checks files itself from the back of the list. Each side takes the next chunk
 * from its own end, until they meet: a slow or busy child simply leaves more to this process.
 *
 * The result is the same as validateSnapshot's, whatever the child does: its diagnostics are analyzeFile's own, and
 * any file it has not reported (it failed to start, crashed, or is late) is analyzed here.
 */
import { fork, type ChildProcess } from "node:child_process";
import { availableParallelism, loadavg } from "node:os";
import { setFlagsFromString } from "node:v8";
import { fileURLToPath } from "node:url";
import type { Diagnostic } from "../model/diagnostic.js";
import { readSnapshot } from "../source/index.js";
import type { ReadOptions, Snapshot, SourceFile } from "../source/types.js";
import { runStepsSliced, yieldToEventLoop } from "../util/steps.js";
import { AnalysisCache, analysisFor, analysisInputs, parseFileResources, type AnalyzeOptions, validateSnapshot, validateSnapshotSteps, type FileAnalysis, type ValidateOptions, type ValidationResult } from "../validate/index.js";

/**
 * Below this many bytes of YAML (about 15,000 resources) the child is of little use: its start-up (about 0.5 s of
 * module loading) is as long as this process's whole read and per-file work on 5 MB.
 */
export const PARALLEL_MIN_BYTES = 8 * 1024 * 1024;

/**
 * From this many bytes of YAML (about 10,000 resources) on, functions first called after the tree is listed collect
 * type feedback from their first call (V8's --no-lazy-feedback-allocation), so the per-file checks reach optimized
 * code sooner: 5–7% off a cold validation of 51,000 resources on Node 20 and 24, where the rules run for seconds
 * mostly in code not yet optimized. A small repository pays for the vectors and gains nothing (0.57 → 0.65 s for
 * 1,000 resources), hence the threshold. Process-wide, and harmless to whatever runs later (a daemon's loop).
 */
export const EAGER_FEEDBACK_MIN_BYTES = 6 * 1024 * 1024;

let feedbackEager = false;

function eagerFeedback(): void {
  if (feedbackEager) return;
  feedbackEager = true;
  setFlagsFromString("--no-lazy-feedback-allocation");
}

/** Files per chunk on either side: small enough that the last chunk either side may both do is cheap. */
const CHUNK_FILES = 32;

/** What the parent sends: the job (once), then how far the child may go (only ever lower). */
export type ToChild =
  | {
      readonly kind: "job";
      /** The Git working copy's directory, for `git cat-file`. */
      readonly repo: string;
      readonly root: string;
      /** meshops.yaml, which the child parses itself (parseRepoConfig is pure: the same config). */
      readonly config: SourceFile | undefined;
      readonly paths: readonly string[];
      readonly blobIds: readonly string[];
      /** A report-only validation: the child sends whole analyses without bodies (validate/bodies.ts), not diagnostics. */
      readonly reportOnly?: boolean;
    }
  | { readonly kind: "limit"; readonly limit: number };

/**
 * What the child sends: for files `from`, `from + 1`... in job order, their diagnostics, or (a report-only job) their
 * analyses without bodies, which this process then need not parse at all; or why it stopped.
 */
export type FromChild =
  | {
      readonly kind: "checked";
      readonly from: number;
      readonly diagnostics?: readonly (readonly Diagnostic[])[];
      readonly analyses?: readonly FileAnalysis[];
      /** The child's CPU time so far (user + system, µs), for benchmarks. */
      readonly cpuMicros: number;
    }
  | { readonly kind: "failed"; readonly message: string };

/** The child process and what it has reported so far. */
export class CheckingChild {
  readonly #process: ChildProcess;
  /** Diagnostics (or a report-only job's analyses) by job index, as reported. */
  readonly #reported = new Map<number, readonly Diagnostic[] | FileAnalysis>();
  /** Every file below this has been reported. */
  #frontier = 0;
  #alive = true;
  #cpuMicros = 0;
  #firstNews: Promise<void>;

  private constructor(child: ChildProcess) {
    this.#process = child;
    let news: () => void = () => undefined;
    this.#firstNews = new Promise((resolve) => (news = resolve));
    child.on("message", (message: FromChild) => {
      if (message.kind === "failed") this.#end();
      else {
        (message.analyses ?? message.diagnostics ?? []).forEach((d, k) => this.#reported.set(message.from + k, d));
        this.#cpuMicros = message.cpuMicros;
        while (this.#reported.has(this.#frontier)) this.#frontier++;
      }
      news();
    });
    child.on("error", () => this.#end());
    child.on("exit", () => this.#end());
    child.on("exit", news);
    child.on("error", news);
    // Never what keeps this process running: it is asked for nothing once the files are analyzed.
    this.#hold(false);
  }

  /**
   * Forks the child for a read of `bytes` of YAML, when that is worth it and a core is idle; undefined if not. On a
   * busy machine the child would only add its start-up and its own parse to the work. Called before the files are
   * read: a fork from a process holding the repository's texts copies its page tables.
   */
  static start(bytes: number, options: Pick<ParallelOptions, "minBytes" | "module" | "idleCore"> = {}): CheckingChild | undefined {
    if (bytes < (options.minBytes ?? PARALLEL_MIN_BYTES) || !(options.idleCore ?? hasIdleCore())) return undefined;
    const module = options.module ?? fileURLToPath(new URL("./checkingChild.js", import.meta.url));
    try {
      // No execArgv of this process's (--inspect would take its port, --cpu-prof write over its profile).
      return new CheckingChild(fork(module, [], { execArgv: [], serialization: "advanced", stdio: ["ignore", "ignore", "ignore", "ipc"] }));
    } catch {
      return undefined; // e.g. EMFILE: this process does all the work
    }
  }

  /** Files 0 .. frontier - 1 are reported. */
  get frontier(): number {
    return this.#frontier;
  }

  /** The child's CPU time (µs) at its last report. */
  get cpuMicros(): number {
    return this.#cpuMicros;
  }

  /** What the child reported of file `index`: its diagnostics, or (a report-only job) its analysis. */
  reportOf(index: number): readonly Diagnostic[] | FileAnalysis | undefined {
    return this.#reported.get(index);
  }

  /** Resolves when the child first reports, fails or exits. */
  async firstNews(): Promise<void> {
    this.#hold(true);
    await this.#firstNews;
    this.#hold(false);
  }

  /** Keeps this process running for the child, while it is waited for (and only then). */
  #hold(held: boolean): void {
    for (const handle of [this.#process, this.#process.channel]) {
      if (held) handle?.ref();
      else handle?.unref();
    }
  }

  send(message: ToChild): void {
    if (!this.#alive) return;
    try {
      this.#process.send(message, (error) => error && this.#end());
    } catch {
      this.#end();
    }
  }

  /** Ends the child. This process then waits for its exit before its own (not before anything else): the child is reaped, and its CPU time counted in this process's children's. */
  stop(): void {
    this.#end();
    this.#process.kill();
    this.#process.ref();
  }

  #end(): void {
    this.#alive = false;
  }
}

/**
 * A core the validation does not use already: a validation alone keeps about one and a half busy (its own thread,
 * V8's garbage-collector threads, git), so three cores or more, and the last minute's load average below their number
 * minus that. On two cores the child was slower: 4.5 s against 3.95 s for ns51k on an idle machine.
 */
export function hasIdleCore(cores = availableParallelism(), load = loadavg()[0] ?? 0): boolean {
  return cores >= 3 && load < cores - 1.5;
}

export interface ParallelOptions {
  /** A child only for this many bytes of YAML or more (default PARALLEL_MIN_BYTES; infinity: never). */
  readonly minBytes?: number;
  /** Whether a core is idle (default: hasIdleCore()); a child only then. */
  readonly idleCore?: boolean;
  /** The child's module (tests: one that fails). */
  readonly module?: string;
  /** Wait for the child's first report before taking files from the back (tests: so the child's part is not empty). */
  readonly headStart?: boolean;
  /**
   * Validate in slices that give the event loop turns (util/steps.ts), for a process with other work going on
   * meanwhile (a control plane's state read ahead: its answers are taken in as they come, not after validation).
   */
  readonly sliced?: boolean;
  /** Counts of who did what, for tests and benchmarks. */
  readonly stats?: { byChild: number; byParent: number; childCpuMs?: number; reparsed?: number };
}

/**
 * Reads the repository and validates it as validateSnapshot does; for a large commit, with a child process forked
 * once the tree is listed (before the files are read, while the heap is small).
 */
export async function readAndValidate(
  read: ReadOptions,
  cache: AnalysisCache | undefined,
  options: ValidateOptions,
  parallel: ParallelOptions = {},
  /** Called with the snapshot before it is validated: what puts analyses known elsewhere into `cache` (validationCache.ts). */
  prepare?: (snapshot: Snapshot) => void,
): Promise<{ readonly snapshot: Snapshot; readonly result: ValidationResult }> {
  let child: CheckingChild | undefined;
  const onListed = (bytes: number): void => {
    if (bytes >= EAGER_FEEDBACK_MIN_BYTES) eagerFeedback();
    child = CheckingChild.start(bytes, parallel);
  };
  const snapshot = await readSnapshot({ ...read, onListed }).catch((error: unknown) => {
    child?.stop();
    throw error;
  });
  prepare?.(snapshot);
  return { snapshot, result: await validateWithChild(snapshot, read.repo, child, cache, options, parallel) };
}

/**
 * validateSnapshot, with the per-file checks shared with `child` (which this stops). Without a child, or with nothing
 * to analyze (a cache holding every file), validateSnapshot itself.
 */
export async function validateWithChild(
  snapshot: Snapshot,
  repo: string,
  child: CheckingChild | undefined,
  cache: AnalysisCache = new AnalysisCache(),
  options: ValidateOptions = {},
  parallel: ParallelOptions = {},
): Promise<ValidationResult> {
  try {
    if (child) {
      const { config, selection, configKey } = analysisInputs(snapshot, cache, options);
      // The child reads files from Git by blob id: one Flux's values were put into (a file object of its own) stays here.
      const asRead = new Set(snapshot.files);
      const files = selection.files.filter((f) => asRead.has(f) && cache.get(f, configKey) === undefined);
      if (files.length > 0) {
        const reportOnly = options.reportOnly === true;
        const job = { kind: "job", repo, root: snapshot.root, config: snapshot.config, paths: files.map((f) => f.path), blobIds: files.map((f) => f.blobId), reportOnly } as const;
        const analyses = await analyzeWithChild(files, job, config, child, parallel, reportOnly);
        files.forEach((file, i) => cache.set(file, analyses[i] as FileAnalysis));
      }
    }
  } finally {
    child?.stop();
  }
  return parallel.sliced ? runStepsSliced(validateSnapshotSteps(snapshot, cache, options)) : validateSnapshot(snapshot, cache, options);
}

/** Every file's analysis, in order: the child's diagnostics with this process's parse, or this process's own. */
async function analyzeWithChild(
  files: readonly SourceFile[],
  job: ToChild,
  config: AnalyzeOptions,
  child: CheckingChild,
  parallel: ParallelOptions,
  reportOnly: boolean,
): Promise<FileAnalysis[]> {
  const own = (file: SourceFile): FileAnalysis => analysisFor(file, config, { reportOnly });
  child.send(job);
  if (parallel.headStart) await child.firstNews();
  const analyses: FileAnalysis[] = new Array<FileAnalysis>(files.length);
  // This process has analyzed files top .. end itself, and parsed the child's files 0 .. parsed - 1.
  let top = files.length;
  let parsed = 0;
  while (parsed < top) {
    await yieldToEventLoop(); // the child's reports come in
    // What the child reported is analyzeFile's, even if it died since.
    const reported = Math.min(child.frontier, top);
    if (parsed < reported) {
      for (const end = Math.min(parsed + CHUNK_FILES, reported); parsed < end; parsed++) {
        const report = child.reportOf(parsed) as readonly Diagnostic[] | FileAnalysis;
        if ("resources" in report) analyses[parsed] = report;
        else {
          analyses[parsed] = { ...parseFileResources(files[parsed] as SourceFile, config), diagnostics: report };
          if (parallel.stats) parallel.stats.reparsed = (parallel.stats.reparsed ?? 0) + 1;
        }
      }
      if (parallel.stats) parallel.stats.byChild = parsed;
      continue;
    }
    // Nothing reported to take over: a chunk from the back, which the child is told to leave alone.
    const from = Math.max(top - CHUNK_FILES, parsed);
    child.send({ kind: "limit", limit: from });
    for (let i = from; i < top; i++) analyses[i] = own(files[i] as SourceFile);
    if (parallel.stats) parallel.stats.byParent += top - from;
    top = from;
  }
  if (parallel.stats) parallel.stats.childCpuMs = Math.round(child.cpuMicros / 1000);
  return analyses;
}
