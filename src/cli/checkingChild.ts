/**
 * The child process of parallelValidation.ts: analysisFor on the job's files from the front, read with its own
 * `git cat-file`, each chunk's diagnostics sent back as soon as it is done, until the parent's limit. It imports no
 * more than that needs (not simple-git, not the CLI), so it is ready while the parent still reads the files.
 */
import { parseRepoConfig } from "../config/repoConfig.js";
import { GitObjects } from "../source/gitBatch.js";
import { decodeFile } from "../source/types.js";
import { yieldToEventLoop } from "../util/steps.js";
import { analysisFor, type FileAnalysis } from "../validate/index.js";
import type { FromChild, ToChild } from "./parallelValidation.js";

type Job = Extract<ToChild, { kind: "job" }>;
/** Texts of files `from`, `from + 1`... */
interface Batch {
  readonly from: number;
  readonly texts: readonly string[];
}

/** Files read from Git per request; the next request is on its way while a batch is analyzed. */
const READ_BATCH = 256;
/** Files per report: the parent's limit is looked at between chunks. */
const CHUNK_FILES = 32;

let limit = Number.POSITIVE_INFINITY;

function send(message: FromChild): void {
  process.send?.(message);
}

process.on("message", (message: ToChild) => {
  if (message.kind === "limit") limit = Math.min(limit, message.limit);
  else run(message).catch((error: unknown) => send({ kind: "failed", message: String(error) }));
});
// The parent went away (or is done with us).
process.on("disconnect", () => process.exit(0));

async function run(job: Job): Promise<void> {
  const { config } = parseRepoConfig(job.config, job.root);
  const objects = new GitObjects(job.repo);
  const fetch = async (from: number): Promise<Batch> => {
    const ids = job.blobIds.slice(from, Math.min(from + READ_BATCH, limit, job.blobIds.length));
    const answers = await objects.contents(ids);
    const texts = answers.map((object, k) => {
      const decoded = object?.type === "blob" ? decodeFile(job.paths[from + k] ?? "", object.content) : undefined;
      if (!decoded || !("text" in decoded)) throw new Error(`blob ${ids[k]} is not the text the parent read`);
      return decoded.text;
    });
    return { from, texts };
  };
  // Observed at once: a read that fails after the loop stopped waiting for it must not end the process unreported.
  const read = (from: number): Promise<Batch> => {
    const reading = fetch(from);
    reading.catch(() => undefined);
    return reading;
  };
  let next: Promise<Batch> | undefined = read(0);
  while (next) {
    const batch: Batch = await next;
    const { from, texts } = batch;
    const end: number = from + texts.length;
    next = end < Math.min(limit, job.paths.length) ? read(end) : undefined;
    for (let at = from; at < Math.min(end, limit); ) {
      const stop = Math.min(at + CHUNK_FILES, end, limit);
      const analyses: FileAnalysis[] = [];
      for (let i = at; i < stop; i++) {
        const file = { path: job.paths[i] ?? "", text: texts[i - from] ?? "", blobId: job.blobIds[i] ?? "" };
        analyses.push(analysisFor(file, config, job));
      }
      const cpu = process.cpuUsage();
      const reported = job.reportOnly ? { analyses } : { diagnostics: analyses.map((a) => a.diagnostics) };
      send({ kind: "checked", from: at, ...reported, cpuMicros: cpu.user + cpu.system });
      at = stop;
      await yieldToEventLoop(); // the parent's new limit, if any
    }
    if (end >= limit) next = undefined;
  }
  objects.close();
}
