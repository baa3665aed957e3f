/** How an action retries a delivery: attempts, exponential backoff, and the longest wait allowed. */
export interface RetryPolicy {
  /** Tries in all, the first included. */
  readonly attempts: number;
  /** Wait before the first retry, ms; doubled for each later one. */
  readonly baseDelayMs: number;
  /** Longest backoff wait, ms. */
  readonly maxDelayMs: number;
  /** Longest `Retry-After` honoured, ms; a longer one is cut to this. */
  readonly maxRetryAfterMs: number;
}

/** The policy of the network actions: 4 tries, waits of 1, 2 and 4 s, `Retry-After` up to 60 s. */
export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 4,
  baseDelayMs: 1000,
  maxDelayMs: 15_000,
  maxRetryAfterMs: 60_000,
};

/** A failure that another try cannot fix (an HTTP 4xx, an SMTP 5xx): it is not retried. */
export class PermanentError extends Error {}

/** A failure whose sender asked to wait (HTTP 429 with `Retry-After`). */
export class RetryLaterError extends Error {
  /** How long the other side asked to wait, ms. */
  readonly afterMs: number;
  /** Carries the wait the other side asked for. */
  constructor(message: string, afterMs: number, options?: ErrorOptions) {
    super(message, options);
    this.afterMs = afterMs;
  }
}

/** Reads a `Retry-After` header (seconds or an HTTP date) as ms, or undefined. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The longest time a delivery may take under a policy, each try lasting at most `attemptMs`. */
export function retryBudgetMs(policy: RetryPolicy, attemptMs: number): number {
  let waits = 0;
  for (let i = 0; i < policy.attempts - 1; i++) {
    waits += Math.max(backoffMs(policy, i), policy.maxRetryAfterMs);
  }
  return policy.attempts * attemptMs + waits + 1000;
}

function backoffMs(policy: RetryPolicy, retry: number): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const done = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", done);
      resolve();
    }, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Options of {@linkcode withRetries}. */
export interface WithRetriesOptions {
  /** The policy [DEFAULT_RETRY]. */
  readonly policy?: RetryPolicy;
  /** Stops waiting and trying when aborted. */
  readonly signal: AbortSignal;
  /** Told before each retry, with the failure and the wait. */
  readonly onRetry?: (error: unknown, attempt: number, waitMs: number) => void;
}

/**
 * Runs `attempt` until it succeeds, it throws a {@linkcode PermanentError}, the tries are used up or
 * the signal aborts. Waits the backoff between tries, or the `Retry-After` of a
 * {@linkcode RetryLaterError}.
 * @throws the last failure
 */
export async function withRetries<T>(
  attempt: (attempt: number) => Promise<T>,
  options: WithRetriesOptions,
): Promise<T> {
  const policy = options.policy ?? DEFAULT_RETRY;
  for (let n = 1;; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (error instanceof PermanentError || n >= policy.attempts || options.signal.aborted) {
        throw error;
      }
      const waitMs = error instanceof RetryLaterError
        ? Math.min(error.afterMs, policy.maxRetryAfterMs)
        : backoffMs(policy, n - 1);
      options.onRetry?.(error, n, waitMs);
      await sleep(waitMs, options.signal);
    }
  }
}
