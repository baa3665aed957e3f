import assert from "node:assert/strict";
import { EventBus } from "../events/mod.ts";
import { IpcServer, proofDirOf, proofText } from "../ipc/mod.ts";
import { identifyClient } from "./client_identity.ts";

/** A served socket (which makes its proof folder) in a temp dir; removed when disposed. */
async function servedSocket() {
  const dir = await Deno.makeTempDir({ prefix: "sshlog-identity-" });
  const path = `${dir}/sshlogd.sock`;
  const server = new IpcServer({
    path,
    bus: new EventBus(),
    version: "0.1.0",
    sessions: { list: () => [], find: () => undefined },
  });
  await server.start();
  return {
    path,
    async [Symbol.asyncDispose]() {
      await server.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

async function proof(socket: string, name: string, text: string): Promise<string> {
  await Deno.writeTextFile(`${proofDirOf(socket)}/${name}`, text, { mode: 0o600 });
  return name;
}

Deno.test("the socket's proof folder takes files but cannot be listed by its group", async () => {
  await using socket = await servedSocket();
  const mode = (await Deno.lstat(proofDirOf(socket.path))).mode! & 0o7777;
  assert.ok(mode === 0o1730 || mode === 0o1700, mode.toString(8));
});

Deno.test("identifyClient() takes the uid from the proof file's owner and consumes it", async () => {
  await using socket = await servedSocket();
  const name = await proof(socket.path, "p1", proofText(4242));
  const me = await identifyClient(
    { op: "attach", admin_user: "alice", client_pid: 4242, proof: name },
    socket.path,
  );
  assert.equal(me.admin_uid, Deno.uid());
  assert.equal(me.clientPid, 4242);
  await assert.rejects(Deno.lstat(`${proofDirOf(socket.path)}/p1`), Deno.errors.NotFound);
  if (Deno.uid() !== 0) return;
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

Deno.test("identifyClient() marks a client without a valid proof unverified", async () => {
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
});
