import assert from "node:assert/strict";
import { IpcError } from "./ipc_error.ts";
import { IpcServer } from "./server.ts";
import {
  fixtureDirectory,
  fixtureEvent,
  fixtureSession,
  RawClient,
  startFixtureServer,
  waitFor,
} from "./_fixture_server.ts";
import { EventBus } from "../events/mod.ts";

Deno.test("IpcServer answers sessions and version requests on one connection", async () => {
  await using fixture = await startFixtureServer();
  using client = await RawClient.connect(fixture.path);
  const sessions = await client.ask({ op: "sessions" });
  assert.equal(sessions?.ok, true);
  assert.deepEqual(
    (sessions?.sessions as { username: string }[]).map((s) => s.username),
    ["alice", "bob"],
  );
  assert.deepEqual(await client.ask({ op: "version" }), { ok: true, version: "9.9.9" });
});

Deno.test("IpcServer.start() makes the socket file mode 0660", async () => {
  await using fixture = await startFixtureServer();
  const info = await Deno.stat(fixture.path);
  assert.ok(info.isSocket);
  assert.equal((info.mode ?? 0) & 0o777, 0o660);
});

Deno.test("IpcServer answers malformed requests with an error and keeps serving", async () => {
  await using fixture = await startFixtureServer();
  using client = await RawClient.connect(fixture.path);
  await client.write("this is not json\n");
  assert.deepEqual(await client.read(), {
    ok: false,
    error: "Malformed request: not a JSON line in UTF-8",
  });
  await client.write(new Uint8Array([0x7b, 0xff, 0x7d, 0x0a]));
  assert.equal((await client.read())?.ok, false);
  const noOp = await client.ask({ hello: 1 });
  assert.match(String(noOp?.error), /^Malformed request: expected an object with a string "op"/);
  assert.deepEqual(await client.ask(["op"]), noOp);
  assert.deepEqual(await client.ask({ op: "nope" }), { ok: false, error: 'Unknown op "nope"' });
  const badWatch = await client.ask({ op: "watch", types: ["no_such_type"] });
  assert.deepEqual(badWatch, { ok: false, error: 'Unknown event type "no_such_type"' });
  assert.deepEqual(await client.ask({ op: "version" }), { ok: true, version: "9.9.9" });
  using other = await RawClient.connect(fixture.path);
  assert.equal((await other.ask({ op: "version" }))?.ok, true);
});

Deno.test("IpcServer refuses an over-long line and closes the connection", async () => {
  await using fixture = await startFixtureServer();
  using client = await RawClient.connect(fixture.path);
  const huge = `{"op":"version","pad":"${"x".repeat(1024 * 1024 + 10)}"}\n`;
  const writing = client.write(huge).catch(() => {});
  assert.deepEqual(await client.read(), { ok: false, error: "Request line exceeds 1048576 bytes" });
  assert.equal(await client.read(), null);
  await writing;
  using other = await RawClient.connect(fixture.path);
  assert.equal((await other.ask({ op: "version" }))?.ok, true);
});

Deno.test("IpcServer sends watchers only the events their filter asks for", async () => {
  await using fixture = await startFixtureServer();
  using all = await RawClient.connect(fixture.path);
  using bobOnly = await RawClient.connect(fixture.path);
  using tty1 = await RawClient.connect(fixture.path);
  using finishes = await RawClient.connect(fixture.path);
  assert.deepEqual(await all.ask({ op: "watch" }), { ok: true });
  assert.deepEqual(await bobOnly.ask({ op: "watch", user: "bob" }), { ok: true });
  assert.deepEqual(await tty1.ask({ op: "watch", session: "1" }), { ok: true });
  assert.deepEqual(await finishes.ask({ op: "watch", types: ["command_finish"] }), { ok: true });
  const [alice, bob] = [fixtureSession("alice", 1), fixtureSession("bob", 2)];
  fixture.bus.publish(fixtureEvent(alice, "/bin/a1"));
  fixture.bus.publish(fixtureEvent(bob, "/bin/b1"));
  fixture.bus.publish(fixtureEvent(alice, "/bin/a2"));
  const argsOf = async (client: RawClient, count: number) => {
    const seen: string[] = [];
    for (let i = 0; i < count; i++) {
      seen.push(String(((await client.read())?.event as { args: string }).args));
    }
    return seen;
  };
  assert.deepEqual(await argsOf(all, 3), ["/bin/a1", "/bin/b1", "/bin/a2"]);
  assert.deepEqual(await argsOf(bobOnly, 1), ["/bin/b1"]);
  assert.deepEqual(await argsOf(tty1, 2), ["/bin/a1", "/bin/a2"]);
  fixture.bus.publish({ ...bob, timestamp: 1, "event_type": "connection_established" });
  assert.equal(
    ((await bobOnly.read())?.event as { "event_type": string }).event_type,
    "connection_established",
  );
  assert.equal(fixture.server.watcherCount, 4);
});

Deno.test("IpcServer refuses to watch a session it does not track", async () => {
  await using fixture = await startFixtureServer();
  using client = await RawClient.connect(fixture.path);
  assert.deepEqual(await client.ask({ op: "watch", session: "77" }), {
    ok: false,
    error: 'No live session matches "77"',
  });
  assert.equal(fixture.server.watcherCount, 0);
});

Deno.test("IpcServer answers further requests on a watching connection with an error", async () => {
  await using fixture = await startFixtureServer();
  using client = await RawClient.connect(fixture.path);
  await client.ask({ op: "watch" });
  const answer = await client.ask({ op: "sessions" });
  assert.equal(answer?.ok, false);
  assert.match(String(answer?.error), /^This connection streams events/);
});

Deno.test("IpcServer.handle() adds an op that parses its own request", async () => {
  await using fixture = await startFixtureServer();
  fixture.server.handle("kill", {
    parse(envelope) {
      if (typeof envelope.session !== "string") throw new TypeError('"session" is required');
      return { session: envelope.session };
    },
    run(request, connection) {
      if (request.session === "0") throw new IpcError('No live session matches "0"', "refused");
      connection.send({ ok: true, killed: request.session });
    },
  });
  using client = await RawClient.connect(fixture.path);
  assert.deepEqual(await client.ask({ op: "kill", session: "3" }), { ok: true, killed: "3" });
  assert.deepEqual(await client.ask({ op: "kill" }), { ok: false, error: '"session" is required' });
  assert.deepEqual(await client.ask({ op: "kill", session: "0" }), {
    ok: false,
    error: 'No live session matches "0"',
  });
});

Deno.test("IpcServer.start() replaces a stale socket file", async () => {
  await using first = await startFixtureServer();
  const stale = Deno.listen({ transport: "unix", path: `${first.dir}/stale.sock` });
  stale.close();
  const server = new IpcServer({
    path: `${first.dir}/stale.sock`,
    bus: new EventBus(),
    sessions: fixtureDirectory([]),
    version: "1",
  });
  await server.start();
  using client = await RawClient.connect(`${first.dir}/stale.sock`);
  assert.equal((await client.ask({ op: "version" }))?.version, "1");
  await server.close();
  await assert.rejects(Deno.lstat(`${first.dir}/stale.sock`), Deno.errors.NotFound);
});

Deno.test("IpcServer.start() refuses a path where another daemon answers", async () => {
  await using first = await startFixtureServer();
  const second = new IpcServer({
    path: first.path,
    bus: new EventBus(),
    sessions: fixtureDirectory([]),
    version: "1",
  });
  await assert.rejects(second.start(), (error: unknown) => {
    assert.ok(error instanceof IpcError);
    assert.equal(error.code, "in_use");
    assert.match(error.message, /^Cannot listen on ".*": another sshlog daemon answers on it/);
    return true;
  });
  using client = await RawClient.connect(first.path);
  assert.equal((await client.ask({ op: "version" }))?.ok, true);
});

Deno.test("IpcServer.start() refuses to replace a file that is not a socket", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/file`, "keep me");
  const server = new IpcServer({
    path: `${dir}/file`,
    bus: new EventBus(),
    sessions: fixtureDirectory([]),
    version: "1",
  });
  await assert.rejects(server.start(), /a file that is not a socket is in the way/);
  assert.equal(await Deno.readTextFile(`${dir}/file`), "keep me");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("IpcServer.close() disconnects watchers", async () => {
  const fixture = await startFixtureServer();
  using client = await RawClient.connect(fixture.path);
  await client.ask({ op: "watch" });
  await fixture[Symbol.asyncDispose]();
  assert.equal(await client.read(), null);
  await waitFor(() => fixture.server.connectionCount === 0);
});
