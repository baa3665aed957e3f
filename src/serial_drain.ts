/**
 * A drain loop that never runs twice at once and never misses work: `start()` begins
 * `while (hasWork()) await step()` unless it is running, and returns the running loop. The loop
 * is marked finished in the same turn as its last `hasWork()` check, so work queued at any moment
 * is either seen by the running loop or starts a new one. (Clearing the flag in a `.finally()`
 * leaves a turn in between where queued work waits for the next start.)
 */
export function serialDrain(
  hasWork: () => boolean,
  step: () => Promise<void>,
): () => Promise<void> {
  let running = false;
  let current: Promise<void> = Promise.resolve();
  return () => {
    if (running) return current;
    running = true;
    current = (async () => {
      try {
        while (hasWork()) await step();
      } finally {
        running = false;
      }
    })();
    return current;
  };
}
