/**
 * The one concurrency bound: requests in flight to a control plane (backend/kumaHttp.ts) and the writes of an apply
 * (sync/apply.ts) both go through a Limiter.
 */

/** At most `max` holders at once; waiters are served in the order they came, each in O(1). */
export class Limiter {
  #free: number;
  #waiting: (() => void)[] = [];
  #head = 0;

  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`a limit must be a positive integer, not ${max}`);
    this.#free = max;
  }

  acquire(): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  release(): void {
    if (this.#head < this.#waiting.length) {
      const next = this.#waiting[this.#head++] as () => void;
      // An apply queues tens of thousands of waiters: drop the served ones now and then rather than shift() each.
      if (this.#head > 1024 && this.#head * 2 > this.#waiting.length) {
        this.#waiting = this.#waiting.slice(this.#head);
        this.#head = 0;
      }
      next();
    } else {
      this.#free++;
    }
  }

  /** Runs `task` once a place is free, and frees it when the task settles. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await task();
    } finally {
      this.release();
    }
  }
}

/**
 * `worker` on every item, at most `limit` at once, started in the items' order; resolves when all have settled, and
 * rejects then with the first failure, if any. `limit` runners take the next item as each finishes one: nothing is
 * made per item up front (an apply of 50,000 writes used to make 100,000 promises and closures in one turn).
 */
export async function forEachLimited<T>(items: readonly T[], limit: number, worker: (item: T) => Promise<void>): Promise<void> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`a limit must be a positive integer, not ${limit}`);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const runner = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      try {
        await worker(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, runner));
  if (failure) throw failure.error;
}
