import assert from "node:assert/strict";
import { EventBus } from "../events/mod.ts";
import { IpcServer, proofDirOf, proofText } from "../ipc/mod.ts";
import { identifyClient } from "./client_identity.ts";

/**
 * A served socket (which makes its proof folder) at `path`, or in a fresh temp dir; the server
 * stops and the temp dir goes when disposed.
 */
async function servedSocket(path?: string) {
  const dir = path === undefined ? await Deno.makeTempDir({ prefix: "sshlog-identity-" }) : "";
  const socket = path ?? `${dir}/sshlogd.sock`;
  const server = new IpcServer({
    path: socket,
    bus: new EventBus(),
    version: "0.1.0",
    sessions: { list: () => [], find: () => undefined },
  });
  await server.start();
  return {
    path: socket,
    async [Symbol.asyncDispose]() {
      await server.close();
      if (dir) await Deno.remove(dir, { recursive: true });
    },
  };
}

async function proof(socket: string, name: string, text: string): Promise<string> {
  await Deno.writeTextFile(`${proofDirOf(socket)}/${name}`, text, { mode: 0o600 });
  return name;
}

Deno.test({
  name: "the socket's proof folder takes files of group sshlog but cannot be listed",
  ignore: Deno.uid() !== 0,
}, async () => {
  await using socket = await servedSocket();
  const dir = await Deno.lstat(proofDirOf(socket.path));
  const group = (await Deno.readTextFile("/etc/group")).split("\n")
    .find((line) => line.startsWith("sshlog:"))?.split(":")[2];
  const mode = dir.mode! & 0o7777;
  assert.equal(mode, group === undefined ? 0o1700 : 0o1730, mode.toString(8));
  if (group !== undefined) assert.equal(dir.gid, Number(group));
  const checked = await Deno.lstat(`${proofDirOf(socket.path)}/.checked`);
  assert.equal(checked.mode! & 0o777, 0o700);
  assert.equal(checked.uid, 0);
});

Deno.test({
  name: "identifyClient() takes the uid from the proof file's owner and consumes it",
  ignore: Deno.uid() !== 0, // the proof folder is made only below a root-owned folder
}, async () => {
  await using socket = await servedSocket();
  const name = await proof(socket.path, "p1", proofText(4242));
  const me = await identifyClient(
    { op: "attach", admin_user: "alice", client_pid: 4242, proof: name },
    socket.path,
  );
  assert.equal(me.admin_uid, 0);
  assert.equal(me.clientPid, 4242);
  await assert.rejects(Deno.lstat(`${proofDirOf(socket.path)}/p1`), Deno.errors.NotFound);
  assert.equal(me.admin_user, "alice", "root names itself (sudo callers)");
  // A file the kernel says belongs to nobody: the claimed name is ignored.
  await proof(socket.path, "p2", proofText(7));
  await Deno.chown(`${proofDirOf(socket.path)}/p2`, 65534, null);
  const nobody = await identifyClient(
    { op: "kill", admin_user: "root", client_pid: 7, proof: "p2" },
    socket.path,
  );
  assert.equal(nobody.admin_uid, 65534);
  assert.notEqual(nobody.admin_user, "root");
});

Deno.test({
  name: "identifyClient() marks a client without a valid proof unverified, and never hangs",
  ignore: Deno.uid() !== 0,
}, async () => {
  await using socket = await servedSocket();
  const unverified = (fields: Record<string, unknown>) =>
    identifyClient({ op: "attach", admin_user: "root", client_pid: 99, ...fields }, socket.path);
  const none = await unverified({});
  assert.deepEqual(none, { admin_user: "root (unverified)", admin_uid: -1, clientPid: 99 });
  await proof(socket.path, "other-pid", proofText(98));
  assert.equal((await unverified({ proof: "other-pid" })).admin_uid, -1);
  assert.equal((await unverified({ proof: "../../etc/passwd" })).admin_uid, -1);
  assert.equal((await unverified({ proof: "missing" })).admin_uid, -1);
  await Deno.symlink(`${proofDirOf(socket.path)}/other-pid`, `${proofDirOf(socket.path)}/link`);
  assert.equal((await unverified({ proof: "link" })).admin_uid, -1);
  await proof(socket.path, "open", proofText(99));
  await Deno.chmod(`${proofDirOf(socket.path)}/open`, 0o644);
  assert.equal((await unverified({ proof: "open" })).admin_uid, -1, "a readable proof is no proof");
  await proof(socket.path, "big", proofText(99) + "x".repeat(100));
  assert.equal((await unverified({ proof: "big" })).admin_uid, -1);
  await Deno.mkdir(`${proofDirOf(socket.path)}/dir`);
  assert.equal((await unverified({ proof: "dir" })).admin_uid, -1);
  // A FIFO would block a reader forever: it is refused without being opened.
  const fifo = await new Deno.Command("mkfifo", { args: [`${proofDirOf(socket.path)}/fifo`] })
    .output();
  assert.equal(fifo.code, 0);
  assert.equal((await unverified({ proof: "fifo" })).admin_uid, -1);
  assert.equal((await unverified({ proof: ".checked" })).admin_uid, -1);
  assert.ok((await Deno.lstat(`${proofDirOf(socket.path)}/.checked`)).isDirectory);
});

Deno.test({
  name: "a socket in /tmp (sticky, world-writable) still gets its proof folder",
  ignore: Deno.uid() !== 0,
}, async () => {
  const path = `/tmp/sshlog-identity-${crypto.randomUUID().slice(0, 8)}.sock`;
  {
    await using socket = await servedSocket(path);
    await proof(socket.path, "p", proofText(5));
    const me = await identifyClient({ op: "kill", client_pid: 5, proof: "p" }, path);
    assert.equal(me.admin_uid, 0);
  }
  await assert.rejects(Deno.lstat(proofDirOf(path)), Deno.errors.NotFound, "removed on close");
});
