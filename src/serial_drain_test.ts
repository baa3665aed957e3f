import assert from "node:assert/strict";
import { serialDrain } from "./serial_drain.ts";

/** Calls `f` after `depth` microtask turns. */
function afterTurns(depth: number, f: () => void): void {
  let p = Promise.resolve();
  for (let i = 0; i < depth; i++) p = p.then(() => {});
  p.then(f);
}

Deno.test("serialDrain() takes work queued at any turn while it finishes", async () => {
  for (let depth = 0; depth < 12; depth++) {
    const queue = [0];
    const done: number[] = [];
    let active = 0;
    const start = serialDrain(() => queue.length > 0, async () => {
      active++;
      assert.equal(active, 1, "never two loops at once");
      done.push(queue.shift()!);
      await Promise.resolve();
      active--;
    });
    start();
    afterTurns(depth, () => {
      queue.push(1);
      start();
    });
    await new Promise((resolve) => setTimeout(resolve, 0));
    assert.deepEqual(done, [0, 1], `work queued after ${depth} turns was left waiting`);
  }
});

Deno.test("serialDrain() returns the running loop to a second caller", async () => {
  const queue = [1, 2, 3];
  const start = serialDrain(() => queue.length > 0, async () => {
    queue.shift();
    await new Promise((resolve) => setTimeout(resolve, 1));
  });
  const first = start();
  assert.equal(start(), first);
  await first;
  assert.equal(queue.length, 0);
});
