import assert from "node:assert/strict";
import { AppendFile } from "./writer.ts";

const isRoot = Deno.uid() === 0;

async function run(command: string, ...args: string[]): Promise<void> {
  const { success } = await new Deno.Command(command, { args, stderr: "null" }).output();
  if (!success) throw new Error(`${command} ${args.join(" ")} failed`);
}

Deno.test("AppendFile writes queued chunks in order and flushes them all", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = await AppendFile.open(`${dir}/out`);
    for (let i = 0; i < 100; i++) file.write(new TextEncoder().encode(`${i}\n`));
    await file.close();
    const lines = (await Deno.readTextFile(`${dir}/out`)).trim().split("\n");
    assert.deepEqual(lines, Array.from({ length: 100 }, (_, i) => String(i)));
    assert.deepEqual((await Deno.stat(`${dir}/out`)).mode! & 0o777, 0o600);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "AppendFile on a full disk fails flush and close instead of waiting forever",
  ignore: !isRoot,
  async fn() {
    const dir = await Deno.makeTempDir();
    await run("mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", dir);
    try {
      const file = await AppendFile.open(`${dir}/out`);
      const chunk = new Uint8Array(4096).fill(0x61);
      // The first write is larger than the disk; more output is queued while it is in flight, so
      // it is still waiting when that write fails.
      file.write(new Uint8Array(32 * 1024));
      for (let i = 0; i < 8; i++) file.write(chunk);
      await assert.rejects(() => file.flush(), /Cannot write/);
      assert.throws(() => file.write(chunk), /Cannot write/);
      await assert.rejects(() => file.close(), /Cannot write/);
    } finally {
      await run("umount", dir);
      await Deno.remove(dir, { recursive: true });
    }
  },
});
