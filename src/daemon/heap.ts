/**
 * How far V8 lets the old generation grow past what its last full collection found alive before it collects again.
 * Left to itself, V8 picks a multiple of up to four for a process that allocates steadily: a daemon holding 236 MB of
 * live state and planning a commit a second grew to ~740 MB RSS over 150 commits with nothing kept (its heap after a
 * full collection stayed at 236 MB). A bound keeps the steady state near what is live, for collections that come
 * sooner (their marking runs beside the event loop). V8 reads the setting at each collection, so it can be set at run
 * time; NODE_OPTIONS does not accept the flag, hence the option.
 */
import v8 from "node:v8";

export const DEFAULT_HEAP_GROWTH_PERCENT = 30;

export interface HeapGrowth {
  /** The bound in percent of the live heap; 0 for V8's own choice. */
  readonly percent: number;
  /** Who set it: `--heap-growth`, node's own `--heap-growing-percent` on its command line (which wins), or nobody. */
  readonly setBy: "option" | "node-flag" | "none";
}

/** Bounds the heap's growth to `percent` (0: V8's own choice), unless node was started with its own flag for it. */
export function limitHeapGrowth(percent: number, execArgv: readonly string[] = process.execArgv): HeapGrowth {
  const flag = execArgv.find((arg) => /^--heap[-_]growing[-_]percent=/.test(arg));
  if (flag !== undefined) return { percent: Number(flag.slice(flag.indexOf("=") + 1)), setBy: "node-flag" };
  if (percent <= 0) return { percent: 0, setBy: "none" };
  v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
  return { percent, setBy: "option" };
}
