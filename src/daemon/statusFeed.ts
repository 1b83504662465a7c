/**
 * What the status page's event stream carries at 1,000 meshes: the whole status once (`status`, when a stream opens
 * or after it fell behind), then only what changed (`delta`: the status without its meshes, the meshes whose JSON
 * differs from the previous event, and the names of those gone). The comparison is made once per change for every
 * stream, throttled, by each mesh's serialized JSON: a delta is computed from what was sent, never guessed.
 */
import type { DaemonStatus } from "./status.js";
import type { MeshStatus, StatusDelta } from "./statusTypes.js";

export type FeedListener = (event: string) => void;

export class StatusFeed {
  readonly #status: DaemonStatus;
  readonly #throttleMs: number;
  readonly #listeners = new Set<FeedListener>();
  /** Each mesh's JSON as of the last event every listener has had (or been given a snapshot after). */
  #previous = new Map<string, string>();
  #timer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;

  constructor(status: DaemonStatus, throttleMs: number) {
    this.#status = status;
    this.#throttleMs = throttleMs;
  }

  /** The whole status as a `status` event: what a stream starts with, and is sent again when it fell behind. */
  snapshot(): string {
    const json = this.#status.toJSON();
    // With no stream open, the last comparison is stale: start the next one from what this stream is given.
    if (this.#listeners.size === 0) this.#previous = serialized(json.meshes);
    return event("status", json);
  }

  /** Calls `listener` with each `delta` event until the returned function is called. */
  subscribe(listener: FeedListener): () => void {
    this.#listeners.add(listener);
    this.#unsubscribe ??= this.#status.subscribe(() => {
      this.#timer ??= setTimeout(() => {
        this.#timer = undefined;
        this.#publish();
      }, this.#throttleMs);
    });
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size > 0) return;
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#unsubscribe?.();
      this.#unsubscribe = undefined;
    };
  }

  #publish(): void {
    const { meshes, ...rest } = this.#status.toJSON();
    const next = serialized(meshes);
    const changed: MeshStatus[] = meshes.filter((m) => this.#previous.get(m.name) !== next.get(m.name));
    const removed = [...this.#previous.keys()].filter((name) => !next.has(name));
    this.#previous = next;
    const delta: StatusDelta = { ...rest, meshes: changed, removed };
    const text = event("delta", delta);
    for (const listener of this.#listeners) listener(text);
  }
}

function serialized(meshes: readonly MeshStatus[]): Map<string, string> {
  return new Map(meshes.map((m) => [m.name, JSON.stringify(m)]));
}

function event(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}
