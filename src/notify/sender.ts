/**
 * Delivers notification requests (requests.ts) over HTTP(S), through the environment's proxy (util/proxy.ts), one
 * queue per sink so a sink sees notifications in the order they happened, with retries and backoff on what is worth
 * retrying (no answer, 408, 429 with its Retry-After, 5xx). A sink that keeps failing never holds up the reconciler
 * (sending is fire-and-forget) nor other sinks; its queue is bounded, dropping the oldest.
 *
 * Tokens (GitHub, GitLab) come from a TokenSource (a file re-read when it changes) and only ever go into a header;
 * what the server answers is redacted before it reaches a log line.
 */
import http from "node:http";
import https from "node:https";
import type { TokenSource } from "../backend/tokenFile.js";
import type { Logger } from "../daemon/logger.js";
import { backoffDelay, retryAfterMs, type BackoffPolicy } from "../util/backoff.js";
import { agentFor, proxyFor, type Environment } from "../util/proxy.js";
import { alreadyInState, sinkName, type OutboundRequest, type Sink } from "./requests.js";

export interface SenderOptions {
  /** Where HTTP(S)_PROXY and NO_PROXY are read. */
  readonly env: Environment;
  readonly log: Logger;
  readonly tokens?: { readonly github?: TokenSource; readonly gitlab?: TokenSource };
  /** Tries of one request, the first included (default 5). */
  readonly attempts?: number;
  /** Between tries (default: 1 s doubling up to 30 s, equal jitter). */
  readonly backoff?: BackoffPolicy;
  /** Per try (default 10 s). */
  readonly timeoutMs?: number;
  /** Requests waiting per sink, at most (default 100): beyond, the oldest is dropped. */
  readonly maxQueued?: number;
  readonly random?: () => number;
}

interface Queue {
  readonly pending: OutboundRequest[];
  running: boolean;
}

const MAX_ANSWER_BYTES = 64 * 1024;

export class NotificationSender {
  readonly #options: SenderOptions;
  readonly #queues = new Map<Sink, Queue>();
  readonly #agents = new Map<string, http.Agent>();
  readonly #idle = new Set<() => void>();
  readonly #timers = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();
  #closed = false;

  constructor(options: SenderOptions) {
    this.#options = options;
  }

  /** Queues `request` for `sink` and returns at once. */
  send(sink: Sink, request: OutboundRequest): void {
    if (this.#closed) return;
    let queue = this.#queues.get(sink);
    if (!queue) {
      queue = { pending: [], running: false };
      this.#queues.set(sink, queue);
    }
    queue.pending.push(request);
    const max = this.#options.maxQueued ?? 100;
    if (queue.pending.length > max) {
      queue.pending.splice(0, queue.pending.length - max);
      this.#options.log.warn({ event: "notify.dropped", sink: sinkName(sink) }, `${sinkName(sink)}: too many notifications waiting; the oldest was dropped`);
    }
    if (!queue.running) void this.#drain(sink, queue);
  }

  /** Resolves when every queue is empty (tests, shutdown). */
  idle(): Promise<void> {
    if ([...this.#queues.values()].every((q) => !q.running)) return Promise.resolve();
    return new Promise((resolve) => this.#idle.add(resolve));
  }

  /** Stops retrying: what is in flight ends with its try, what waits is dropped. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const { timer, wake } of this.#timers) {
      clearTimeout(timer);
      wake();
    }
    for (const queue of this.#queues.values()) queue.pending.length = 0;
    await this.idle();
    for (const agent of this.#agents.values()) agent.destroy();
  }

  async #drain(sink: Sink, queue: Queue): Promise<void> {
    queue.running = true;
    for (let request = queue.pending.shift(); request && !this.#closed; request = queue.pending.shift()) await this.#deliver(sink, request);
    queue.running = false;
    if ([...this.#queues.values()].every((q) => !q.running)) {
      for (const resolve of this.#idle) resolve();
      this.#idle.clear();
    }
  }

  async #deliver(sink: Sink, request: OutboundRequest): Promise<void> {
    const { log } = this.#options;
    const name = sinkName(sink);
    const attempts = this.#options.attempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      let status: number | undefined;
      let answer = "";
      let retryAfter: number | undefined;
      let failure: string | undefined;
      try {
        ({ status, answer, retryAfter } = await this.#post(sink, request));
      } catch (error) {
        failure = (error as Error).message;
      }
      const ok = status !== undefined && ((status >= 200 && status < 300) || alreadyInState(sink, status, answer));
      if (ok) {
        log.info({ event: "notify.sent", sink: name, status, attempt }, `notified ${name}`);
        return;
      }
      const why = failure ?? `${status} ${this.#redact(answer.replace(/\s+/g, " ").trim().slice(0, 200))}`.trim();
      const retryable = status === undefined || status === 408 || status === 429 || status >= 500;
      if (!retryable || attempt >= attempts || this.#closed) {
        log.error({ event: "notify.failed", sink: name, status, attempt, err: why }, `cannot notify ${name}: ${why}`);
        return;
      }
      const delayMs = retryAfter ?? backoffDelay(attempt, this.#options.backoff ?? { baseMs: 1_000, maxMs: 30_000 }, this.#options.random);
      log.warn({ event: "notify.retry", sink: name, status, attempt, delayMs, err: why }, `notifying ${name} failed (${why}); retrying in ${delayMs} ms`);
      await this.#sleep(delayMs);
      if (this.#closed) {
        log.error({ event: "notify.failed", sink: name, status, attempt, err: why }, `cannot notify ${name}: ${why} (stopping before the next try)`);
        return;
      }
    }
  }

  #post(sink: Sink, request: OutboundRequest): Promise<{ status: number; answer: string; retryAfter: number | undefined }> {
    const url = new URL(request.url);
    const headers: Record<string, string> = { ...request.headers, "content-length": String(Buffer.byteLength(request.body)) };
    const token = sink.kind === "webhook" ? undefined : this.#options.tokens?.[sink.kind]?.current();
    if (token !== undefined) {
      if (sink.kind === "github") headers.authorization = `Bearer ${token}`;
      else headers["private-token"] = token;
    }
    const send = url.protocol === "https:" ? https.request : http.request;
    const timeoutMs = this.#options.timeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const req = send(url, { method: "POST", headers, agent: this.#agent(url) }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_ANSWER_BYTES) chunks.push(chunk);
        });
        res.on("error", reject);
        res.on("end", () => resolve({ status: res.statusCode ?? 0, answer: Buffer.concat(chunks).toString("utf8"), retryAfter: retryAfterMs(res.headers["retry-after"]) }));
      });
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on("error", reject);
      req.end(request.body);
    });
  }

  #agent(url: URL): http.Agent {
    let agent = this.#agents.get(url.origin);
    if (!agent) {
      agent = agentFor(url, { proxy: proxyFor(url, this.#options.env), keepAlive: true, maxSockets: 2 });
      this.#agents.set(url.origin, agent);
    }
    return agent;
  }

  #redact(text: string): string {
    let out = text;
    for (const source of Object.values(this.#options.tokens ?? {})) {
      const token = source?.current();
      if (token) out = out.split(token).join("<redacted>");
    }
    return out;
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => entry.wake(), ms),
        wake: () => {
          this.#timers.delete(entry);
          resolve();
        },
      };
      this.#timers.add(entry);
    });
  }
}
