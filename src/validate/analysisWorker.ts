/**
 * The worker thread of parallel.ts: claims chunks of files from the shared counter, analyzes them exactly as the main
 * thread would (analyzeFile, same configuration parsed from the same meshops.yaml text), and posts each chunk back.
 */
import { workerData } from "node:worker_threads";
import { parseRepoConfig } from "../config/repoConfig.js";
import { analyzeFile } from "./index.js";
import { jsonSafe, NEXT_CHUNK, POSTED, type ChunkMessage, type WorkerInput } from "./parallel.js";

const input = workerData as WorkerInput;
const { utf8, ends, bounds, counters, port } = input;
const paths = input.paths.split("\0");
const blobIds = input.blobIds.split("\0");
const bytes = Buffer.from(utf8.buffer, utf8.byteOffset, utf8.byteLength);
const text = (i: number): string => bytes.toString("utf8", i === 0 ? 0 : ends[i - 1], ends[i]);
const config = parseRepoConfig(input.config, input.root).config;
const chunks = bounds.length - 1;
for (let chunk = Atomics.add(counters, NEXT_CHUNK, 1); chunk < chunks; chunk = Atomics.add(counters, NEXT_CHUNK, 1)) {
  const analyses: (string | null)[] = [];
  for (let i = bounds[chunk]!; i < bounds[chunk + 1]!; i++) {
    const file = { path: paths[i]!, blobId: blobIds[i]!, text: text(i) };
    analyses.push(jsonSafe(file) ? JSON.stringify(analyzeFile(file, config)) : null);
  }
  const message: ChunkMessage = { chunk, analyses };
  port.postMessage(message);
  Atomics.add(counters, POSTED, 1);
  Atomics.notify(counters, POSTED);
}
port.close();
