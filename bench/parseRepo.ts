/**
 * The parse half of a cold validation, alone, in a fresh process: read the commit, parse every file, convert every
 * document, and what the parsed resources keep once the garbage is gone (issue 12: memory retained per resource).
 *   node dist/bench/parseRepo.js <repo>
 * Prints one JSON line: read and parse CPU, heap retained by the parsed resources (bytes per resource, file texts
 * counted apart), page faults and peak RSS. Page faults count: on a VM each fresh page costs tens of microseconds.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { toResource } from "../src/parse/convert.js";
import { parseYaml } from "../src/parse/documents.js";
import type { Resource } from "../src/model/resource.js";
import { readSnapshot } from "../src/source/index.js";

const [repo] = process.argv.slice(2);
if (!repo) {
  console.error("usage: parseRepo.js <repo>");
  process.exit(2);
}

setFlagsFromString("--expose-gc");
const collect = runInNewContext("gc") as () => void;
const cpuMs = (): number => {
  const usage = process.resourceUsage();
  return (usage.userCPUTime + usage.systemCPUTime) / 1000;
};

const start = cpuMs();
const snapshot = await readSnapshot({ repo, ref: "HEAD" });
const read = cpuMs();
collect();
const heapBefore = process.memoryUsage().heapUsed;
const resources: Resource[] = [];
for (const file of snapshot.files) {
  for (const doc of parseYaml(file.text).documents) {
    const resource = toResource(file.path, doc, { systemNamespaces: ["kuma-system"] }).resource;
    if (resource) resources.push(resource);
  }
}
const parsed = cpuMs();
const usage = process.resourceUsage();
collect();
const retained = process.memoryUsage().heapUsed - heapBefore;
const textBytes = snapshot.files.reduce((sum, f) => sum + f.text.length, 0);
console.log(
  JSON.stringify({
    files: snapshot.files.length,
    resources: resources.length,
    readCpuMs: Math.round(read - start),
    parseCpuMs: Math.round(parsed - read),
    retainedBytesPerResource: Math.round(retained / Math.max(1, resources.length)),
    textMb: Math.round(textBytes / 1048576),
    pageFaults: usage.minorPageFault,
    maxRssMb: Math.round(usage.maxRSS / 1024),
  }),
);
