import assert from "node:assert/strict";
import { RotatingFile } from "./_rotating_file.ts";

const line = (text: string) => new TextEncoder().encode(`${text}\n`);

Deno.test("RotatingFile follows a file moved away by logrotate with a new one", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/event.log`;
    const file = await RotatingFile.open(path, { maxBytes: 1 << 20, backups: 2, reopenCheckMs: 0 });
    await file.writeLines([line("before")]);
    await Deno.rename(path, `${path}.1`);
    await file.writeLines([line("after")]);
    await Deno.remove(`${path}.1`).then(() => Deno.writeTextFile(`${path}.old`, ""));
    await file.writeLines([line("still")]);
    file.close();
    assert.equal(await Deno.readTextFile(path), "after\nstill\n");
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("RotatingFile recreates its file when it was deleted", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/event.log`;
    const file = await RotatingFile.open(path, { maxBytes: 1 << 20, backups: 0, reopenCheckMs: 0 });
    await file.writeLines([line("one")]);
    await Deno.remove(path);
    await file.writeLines([line("two")]);
    file.close();
    assert.equal(await Deno.readTextFile(path), "two\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
