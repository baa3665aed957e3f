import assert from "node:assert/strict";
import { type ActionHandler, sampleEvent, type SshlogEvent } from "../plugins/mod.ts";
import { ActionQueue } from "./mod.ts";

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

Deno.test("ActionQueue.push() drops new events when full and counts them", async () => {
  const gate = deferred();
  const seen: number[] = [];
  const handler: ActionHandler = {
    async handle(event) {
      await gate.promise;
      seen.push((event as { pid: number }).pid);
    },
  };
  const queue = new ActionQueue("full", handler, { capacity: 3 });
  const accepted = [];
  for (let pid = 0; pid < 6; pid++) {
    accepted.push(queue.push(sampleEvent("command_start", { pid }), "r"));
  }
  // The first event is being handled at once, so three more fit in the queue.
  assert.deepEqual(accepted, [true, true, true, true, false, false]);
  assert.equal(queue.stats().dropped, 2);
  gate.resolve();
  await queue.close();
  assert.deepEqual(seen, [0, 1, 2, 3]);
});

Deno.test("ActionQueue.push() drops terminal output past its memory limit, and recovers", async () => {
  const gate = deferred();
  let handled = 0;
  const handler: ActionHandler = {
    async handle() {
      await gate.promise;
      handled++;
    },
  };
  // 1 MiB of memory: 64 KiB chunks weigh about 192 KiB each while they wait.
  const queue = new ActionQueue("flood", handler, { maxBytes: 1024 * 1024 });
  const chunk = (n: number) =>
    sampleEvent("terminal_update", { terminal_data: String(n), data_len: 64 * 1024 });
  const accepted = Array.from({ length: 20 }, (_, n) => queue.push(chunk(n), "r"));
  // The first is being handled at once; five more fit in 1 MiB; the rest are dropped.
  assert.deepEqual(accepted.filter(Boolean).length, 6);
  assert.equal(queue.stats().dropped, 14);
  assert.equal(queue.push(sampleEvent("command_start"), "r"), true, "small events still fit");
  gate.resolve();
  await queue.drained();
  assert.equal(queue.push(chunk(99), "r"), true, "room again once drained");
  await queue.close();
  assert.equal(handled, 8);
});

Deno.test("ActionQueue keeps each session in order while sessions run concurrently", async () => {
  const seen = new Map<string, number[]>();
  let running = 0;
  let peak = 0;
  const handler: ActionHandler = {
    concurrency: 3,
    async handle(event) {
      running++;
      peak = Math.max(peak, running);
      const e = event as SshlogEvent & { session_id: string; pid: number };
      await new Promise((r) => setTimeout(r, (e.pid * 7) % 5));
      seen.set(e.session_id, [...(seen.get(e.session_id) ?? []), e.pid]);
      running--;
    },
  };
  const queue = new ActionQueue("lanes", handler);
  for (let pid = 0; pid < 60; pid++) {
    queue.push(sampleEvent("command_start", { pid, session_id: `s${pid % 4}` }), "r");
  }
  await queue.drained();
  for (let s = 0; s < 4; s++) {
    assert.deepEqual(seen.get(`s${s}`), [...Array(15).keys()].map((i) => i * 4 + s));
  }
  assert.equal(peak, 3);
  await queue.close();
});

Deno.test("ActionQueue times out a hung call and goes on with the next event", async () => {
  const seen: number[] = [];
  const aborted: boolean[] = [];
  const handler: ActionHandler = {
    timeoutMs: 50,
    handle(event, call) {
      const pid = (event as { pid: number }).pid;
      if (pid === 0) {
        call.signal.addEventListener("abort", () => aborted.push(true));
        return new Promise(() => {});
      }
      seen.push(pid);
    },
  };
  const queue = new ActionQueue("hang", handler);
  for (let pid = 0; pid < 3; pid++) queue.push(sampleEvent("command_start", { pid }), "r");
  await queue.drained();
  assert.deepEqual(seen, [1, 2]);
  assert.deepEqual(aborted, [true]);
  assert.equal(queue.stats().timedOut, 1);
  await queue.close();
});

Deno.test("ActionQueue.close() drains queued events before closing the handler", async () => {
  const log: string[] = [];
  const handler: ActionHandler = {
    async handle(event) {
      await new Promise((r) => setTimeout(r, 1));
      log.push(String((event as { pid: number }).pid));
    },
    close() {
      log.push("closed");
    },
  };
  const queue = new ActionQueue("drain", handler);
  for (let pid = 0; pid < 5; pid++) queue.push(sampleEvent("command_start", { pid }), "r");
  await queue.close();
  assert.deepEqual(log, ["0", "1", "2", "3", "4", "closed"]);
  assert.equal(queue.push(sampleEvent("command_start"), "r"), false);
});
