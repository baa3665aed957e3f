import assert from "node:assert/strict";
import { playCast, readCastLines } from "./mod.ts";

const HEADER = '{"version":2,"width":80,"height":24}';

async function* linesOf(lines: string[]): AsyncGenerator<string> {
  yield* lines;
}

/** A fake clock: sleeping advances it; returns the writes with the time each happened. */
async function playWithFakeClock(lines: string[], options: { speed?: number; idleLimit?: number }) {
  let clock = 1000;
  const writes: [number, string][] = [];
  await playCast(linesOf(lines), (data) => {
    writes.push([clock - 1000, data]);
    return Promise.resolve();
  }, {
    ...options,
    now: () => clock,
    sleep: (ms) => {
      clock += ms;
      return Promise.resolve();
    },
  });
  return writes;
}

const LINES = [
  HEADER,
  '[0.5, "o", "a"]',
  '[0.6, "m", "ls"]',
  '[1.5, "o", "b"]',
  '[1.5, "i", "x"]',
  '[11.5, "o", "c"]',
  '[12, "r", "100x30"]',
  '[12.25, "o", "d"]',
];

Deno.test("playCast() writes output at its recorded times", async () => {
  assert.deepEqual(await playWithFakeClock(LINES, {}), [
    [500, "a"],
    [1500, "b"],
    [11500, "c"],
    [12250, "d"],
  ]);
});

Deno.test("playCast() divides pauses by --speed and caps them at --idle-limit", async () => {
  assert.deepEqual(await playWithFakeClock(LINES, { speed: 2 }), [
    [250, "a"],
    [750, "b"],
    [5750, "c"],
    [6125, "d"],
  ]);
  assert.deepEqual(await playWithFakeClock(LINES, { idleLimit: 2 }), [
    [500, "a"],
    [1500, "b"],
    [3500, "c"],
    [4250, "d"],
  ]);
  assert.deepEqual(await playWithFakeClock(LINES, { idleLimit: 2, speed: 4 }), [
    [125, "a"],
    [375, "b"],
    [875, "c"],
    [1062.5, "d"],
  ]);
});

Deno.test("playCast() refuses a bad header, a bad line and a time that goes backwards", async () => {
  await assert.rejects(
    playWithFakeClock(['{"version":1}'], {}),
    (e) => e instanceof SyntaxError && e.message.startsWith("Cannot parse asciicast header"),
  );
  await assert.rejects(
    playWithFakeClock([HEADER, '[1, "o", 1]'], {}),
    (e) => e instanceof SyntaxError && e.message.startsWith("Line 2: Cannot parse asciicast event"),
  );
  await assert.rejects(
    playWithFakeClock([HEADER, '[2, "o", "a"]', '[1, "o", "b"]'], {}),
    (e) =>
      e instanceof SyntaxError &&
      e.message.startsWith("Line 3: Cannot parse asciicast event: time goes backwards"),
  );
});

Deno.test("readCastLines() follows a growing file until the recording ends", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sshlog-play-" });
  const path = `${dir}/a.cast`;
  await Deno.writeTextFile(path, `${HEADER}\n[0.1, "o", "a"]\n[0.2, "o", "b`);
  let polls = 0;
  const lines: string[] = [];
  for await (
    const line of readCastLines(path, {
      pollMs: 1,
      stillRecording: async () => {
        polls++;
        if (polls === 1) await Deno.writeTextFile(path, `"]\n`, { append: true });
        if (polls === 2) await Deno.writeTextFile(path, `[0.3, "o", "c"]\n`, { append: true });
        return polls < 3;
      },
    })
  ) lines.push(line);
  assert.deepEqual(lines, [HEADER, '[0.1, "o", "a"]', '[0.2, "o", "b"]', '[0.3, "o", "c"]']);
});

Deno.test("readCastLines() stops following after followIdleMs without a line", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sshlog-play-" });
  const path = `${dir}/a.cast`;
  await Deno.writeTextFile(path, `${HEADER}\n`);
  let clock = 0;
  const lines: string[] = [];
  for await (
    const line of readCastLines(path, {
      followIdleMs: 1000,
      now: () => clock,
      sleep: (ms) => {
        clock += ms;
        return Promise.resolve();
      },
      stillRecording: () => Promise.resolve(true),
    })
  ) lines.push(line);
  assert.deepEqual(lines, [HEADER]);
  assert.ok(clock > 1000 && clock < 1500);
});
