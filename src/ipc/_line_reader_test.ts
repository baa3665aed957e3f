import assert from "node:assert/strict";
import { type ByteSource, LineReader } from "./_line_reader.ts";

function source(chunks: string[]): ByteSource {
  const queue = chunks.map((chunk) => new TextEncoder().encode(chunk));
  return {
    read(buffer: Uint8Array): Promise<number | null> {
      const chunk = queue.shift();
      if (chunk === undefined) return Promise.resolve(null);
      const count = Math.min(buffer.length, chunk.length);
      buffer.set(chunk.subarray(0, count));
      if (count < chunk.length) queue.unshift(chunk.subarray(count));
      return Promise.resolve(count);
    },
  };
}

async function readAll(reader: LineReader): Promise<string[]> {
  const lines: string[] = [];
  for (let line = await reader.next(); line !== null; line = await reader.next()) {
    lines.push(new TextDecoder().decode(line));
  }
  return lines;
}

Deno.test("LineReader.next() splits lines across and within chunks", async () => {
  const reader = new LineReader(source(["a\nb", "c\n\nd", "ef\n"]), 100);
  assert.deepEqual(await readAll(reader), ["a", "bc", "", "def"]);
});

Deno.test("LineReader.next() discards a final line cut short", async () => {
  const reader = new LineReader(source(['{"ok":true}\n{"ev']), 100);
  assert.deepEqual(await readAll(reader), ['{"ok":true}']);
});

Deno.test("LineReader.next() accepts a line of exactly the limit", async () => {
  const reader = new LineReader(source(["x".repeat(10) + "\n"]), 10);
  assert.deepEqual(await readAll(reader), ["x".repeat(10)]);
});

Deno.test("LineReader.next() throws RangeError for a line over the limit", async () => {
  const reader = new LineReader(source(["ok\n", "x".repeat(11) + "\n"]), 10);
  assert.equal(new TextDecoder().decode((await reader.next()) ?? undefined), "ok");
  await assert.rejects(reader.next(), RangeError);
});

Deno.test("LineReader.next() throws RangeError for an endless line without a newline", async () => {
  const reader = new LineReader(source(Array(40).fill("y".repeat(100_000))), 1024 * 1024);
  await assert.rejects(reader.next(), (error: unknown) => {
    assert.ok(error instanceof RangeError);
    assert.match(error.message, /^Line exceeds the limit of 1048576 bytes/);
    return true;
  });
});
