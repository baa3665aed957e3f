import assert from "node:assert/strict";
import { lookupGroupId } from "./_socket_file.ts";
import { startFixtureServer } from "./_fixture_server.ts";

Deno.test("lookupGroupId() finds a group's id in a group file", async () => {
  const file = await Deno.makeTempFile();
  await Deno.writeTextFile(file, "root:x:0:\nbroken\nsshlog:x:997:alice,bob\nbad:x:abc:\n");
  assert.equal(await lookupGroupId("sshlog", file), 997);
  assert.equal(await lookupGroupId("root", file), 0);
  assert.equal(await lookupGroupId("bad", file), undefined);
  assert.equal(await lookupGroupId("nobody-here", file), undefined);
  assert.equal(await lookupGroupId("sshlog", `${file}.missing`), undefined);
  await Deno.remove(file);
});

Deno.test("IpcServer.start() gives the socket to the configured group when it exists", async () => {
  const groups = (await Deno.readTextFile("/etc/group")).split("\n").map((line) => line.split(":"));
  const [name, , gid] = groups.find(([, , id]) => id !== undefined && /^[1-9]\d*$/.test(id)) ?? [];
  if (name === undefined || gid === undefined || Deno.uid() !== 0) return;
  await using fixture = await startFixtureServer({ group: name });
  const info = await Deno.stat(fixture.path);
  assert.equal(info.gid, Number(gid));
  assert.equal(info.uid, 0);
});
