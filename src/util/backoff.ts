/** Waiting times of retries and timers (the daemon's and the HTTP client's). Pure: randomness is a parameter. */

export interface BackoffPolicy {
  /** The first retry waits about this long. */
  readonly baseMs: number;
  /** No wait is longer than this. */
  readonly maxMs: number;
}

/** Daemon-level retries of a failed reconcile: the HTTP client has already retried each request a few times. */
export const DEFAULT_RETRY_BACKOFF: BackoffPolicy = { baseMs: 1_000, maxMs: 60_000 };

/**
 * Delay before retry number `attempt` (1 for the first): base·2^(attempt-1), capped, with jitter. "equal" (the
 * daemon's): half of it fixed, half random; the random half keeps a fleet of daemons that lost the same control plane
 * from coming back in lockstep, the fixed half keeps a retry from firing right after the failure it follows. "full"
 * (one HTTP request's retries): uniform between 0 and the capped value.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random, jitter: "equal" | "full" = "equal"): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 30));
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
  return jitter === "full" ? random() * ceiling : Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** A Retry-After longer than this is shortened: a run should not hang for an hour on one header. */
const MAX_RETRY_AFTER_MS = 60_000;

/** Retry-After in seconds or as an HTTP date, capped at a minute; undefined when absent or unreadable. */
export function retryAfterMs(header: string | string[] | undefined, now: number = Date.now()): number | undefined {
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  if (!value) return undefined;
  const ms = /^\d+(\.\d+)?$/.test(value) ? Number(value) * 1000 : Date.parse(value) - now;
  return Number.isNaN(ms) ? undefined : Math.min(Math.max(0, ms), MAX_RETRY_AFTER_MS);
}

/** `intervalMs` moved by up to ±`fraction` of itself, so pollers started together spread out over time. */
export function withJitter(intervalMs: number, fraction: number, random: () => number = Math.random): number {
  return Math.max(1, Math.round(intervalMs * (1 + fraction * (2 * random() - 1))));
}
