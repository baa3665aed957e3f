import assert from "node:assert/strict";
import { describeConnectError, IpcClient } from "./client.ts";
import { IpcError } from "./ipc_error.ts";
import { fixtureEvent, fixtureSession, startFixtureServer } from "./_fixture_server.ts";

Deno.test("IpcClient.connect() says the daemon may not run when the socket is missing", async () => {
  const dir = await Deno.makeTempDir();
  await assert.rejects(IpcClient.connect(`${dir}/none.sock`), (error: unknown) => {
    assert.ok(error instanceof IpcError);
    assert.equal(error.code, "not_running");
    assert.equal(
      error.message,
      `Cannot connect to the sshlog daemon at "${dir}/none.sock": is it running? (sshlog daemon)`,
    );
    return true;
  });
  await Deno.remove(dir);
});

Deno.test("describeConnectError() tells how to fix permission denied", () => {
  const error = describeConnectError("/run/x.sock", new Deno.errors.PermissionDenied("EACCES"));
  assert.equal(error.code, "permission_denied");
  assert.equal(
    error.message,
    'Permission denied on "/run/x.sock": run as root or join group sshlog',
  );
  assert.ok(error.cause instanceof Deno.errors.PermissionDenied);
});

Deno.test("describeConnectError() treats a refused connection as a stopped daemon", () => {
  const error = describeConnectError("/s", new Deno.errors.ConnectionRefused("refused"));
  assert.match(error.message, /^Cannot connect to the sshlog daemon at "\/s": is it running\?/);
});

Deno.test("IpcClient.sessions() and version() return the daemon's answers", async () => {
  await using fixture = await startFixtureServer();
  const client = await IpcClient.connect(fixture.path);
  try {
    assert.deepEqual((await client.sessions()).map((s) => s.tty_id), [1, 2]);
    assert.equal(await client.version(), "9.9.9");
  } finally {
    client.close();
  }
});

Deno.test("IpcClient.request() throws IpcError with the daemon's refusal", async () => {
  await using fixture = await startFixtureServer();
  const client = await IpcClient.connect(fixture.path);
  try {
    await assert.rejects(client.request({ op: "bogus" }), (error: unknown) => {
      assert.ok(error instanceof IpcError);
      assert.equal(error.code, "refused");
      assert.equal(error.message, 'Unknown op "bogus"');
      return true;
    });
    await assert.rejects(
      client.watch({ session: "42" }),
      /^IpcError: No live session matches "42"/,
    );
  } finally {
    client.close();
  }
});

Deno.test("IpcClient.watch() yields matching events until close()", async () => {
  await using fixture = await startFixtureServer();
  const client = await IpcClient.connect(fixture.path);
  const events = await client.watch({ user: "bob", types: ["command_start"] });
  fixture.bus.publish(fixtureEvent(fixtureSession("alice", 1), "/bin/a"));
  fixture.bus.publish(fixtureEvent(fixtureSession("bob", 2), "/bin/b"));
  const first = await events.next();
  assert.equal(first.done, false);
  assert.equal(first.value?.username, "bob");
  client.close();
  assert.deepEqual(await events.next(), { done: true, value: undefined });
});

Deno.test("IpcClient.watch() iterator throws IpcError when the daemon goes away", async () => {
  const fixture = await startFixtureServer();
  const client = await IpcClient.connect(fixture.path);
  try {
    const events = await client.watch();
    await fixture[Symbol.asyncDispose]();
    await assert.rejects(events.next(), (error: unknown) => {
      assert.ok(error instanceof IpcError);
      assert.equal(error.code, "closed");
      assert.match(error.message, /^The sshlog daemon at ".*" closed the connection/);
      return true;
    });
  } finally {
    client.close();
  }
});
