/**
 * The worker thread of parallel.ts: claims chunks of files from the shared counter, analyzes them exactly as the main
 * thread would (analyzeFile, same configuration parsed from the same meshops.yaml text), and posts each chunk back.
 */
import { workerData } from "node:worker_threads";
import { parseRepoConfig } from "../config/repoConfig.js";
import { analyzeFile } from "./index.js";
import { jsonSafe, NEXT_CHUNK, POSTED, type ChunkMessage, type WorkerInput } from "./parallel.js";

const input = workerData as WorkerInput;
const { texts, bounds, counters, port } = input;
const files = input.files.map(({ path, blobId, end }, i) => ({ path, blobId, text: texts.slice(i === 0 ? 0 : input.files[i - 1]!.end, end) }));
const config = parseRepoConfig(input.config, input.root).config;
const chunks = bounds.length - 1;
for (let chunk = Atomics.add(counters, NEXT_CHUNK, 1); chunk < chunks; chunk = Atomics.add(counters, NEXT_CHUNK, 1)) {
  const analyses: (string | null)[] = [];
  for (let i = bounds[chunk]!; i < bounds[chunk + 1]!; i++) {
    const file = files[i]!;
    analyses.push(jsonSafe(file) ? JSON.stringify(analyzeFile(file, config)) : null);
  }
  const message: ChunkMessage = { chunk, analyses };
  port.postMessage(message);
  Atomics.add(counters, POSTED, 1);
  Atomics.notify(counters, POSTED);
}
port.close();
