import { CoalescingQueue, type Trigger, type Work } from "./queue.js";

/**
 * Drives the coalescing queue: starts a run when a trigger finds the daemon idle, and after each run starts the
 * pending one, if any. One run at a time, by construction: only the drain loop calls `run`.
 */
export class ReconcileLoop {
  readonly #queue = new CoalescingQueue();
  readonly #run: (work: Work) => Promise<void>;
  readonly #onError: (error: unknown) => void;
  #drained: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(run: (work: Work) => Promise<void>, onError: (error: unknown) => void) {
    this.#run = run;
    this.#onError = onError;
  }

  trigger(trigger: Trigger): void {
    if (this.#stopped) return;
    if (this.#queue.offer(trigger)) this.#drained = this.#drain();
  }

  get busy(): boolean {
    return this.#queue.running !== undefined;
  }

  /** Takes no more triggers, drops pending work and resolves when the run in flight (if any) is over. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#drained;
  }

  async #drain(): Promise<void> {
    while (!this.#stopped) {
      const work = this.#queue.start();
      if (!work) return;
      try {
        await this.#run(work);
      } catch (error) {
        // The run is meant to catch everything itself; this is the last line that keeps the daemon alive.
        this.#onError(error);
      } finally {
        this.#queue.finish();
      }
    }
  }
}
