import { parseRetryAfter, PermanentError, RetryLaterError } from "./_retry.ts";
import { errorMessage } from "../error_message.ts";

/**
 * Turns an HTTP status into the retry decision of the network actions: 2xx passes, 429 waits for
 * its `Retry-After` (or backs off), other 4xx are permanent, 5xx and the rest are retried.
 * @throws PermanentError, RetryLaterError or Error
 */
export function checkHttpStatus(
  what: string,
  status: number,
  retryAfter: string | null,
): void {
  if (status >= 200 && status < 300) return;
  const message = `${what} answered HTTP ${status}`;
  if (status === 429) {
    const afterMs = parseRetryAfter(retryAfter);
    if (afterMs !== undefined) {
      throw new RetryLaterError(`${message}: retry after ${afterMs} ms`, afterMs);
    }
    throw new Error(message);
  }
  if (status >= 400 && status < 500) throw new PermanentError(`${message}: not retried`);
  throw new Error(message);
}

/** A signal that aborts after `timeoutMs` or with `signal`, whichever comes first. */
export function timeoutSignal(signal: AbortSignal, timeoutMs: number): AbortSignal {
  return AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
}

/** Names a failed fetch without its URL (webhook URLs are secrets). */
export function describeFetchError(what: string, error: unknown, signal: AbortSignal): Error {
  if (signal.aborted) {
    return new Error(`${what} did not answer in time`, { cause: error });
  }
  const detail = errorMessage(error);
  return new Error(`${what} cannot be reached: ${detail}`, { cause: error });
}
