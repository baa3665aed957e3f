import assert from "node:assert/strict";
import { configure, type LogRecord, reset } from "@logtape/logtape";
import {
  fixtureEvent,
  fixtureSession,
  RawClient,
  startFixtureServer,
  waitFor,
} from "./_fixture_server.ts";

const TOTAL = 2000;
const BATCH = 50;

async function countLines(client: RawClient): Promise<number> {
  let count = 0;
  while ((await client.read()) !== null) count++;
  return count;
}

Deno.test("IpcConnection drops a slow watch client while another keeps receiving", async () => {
  const records: LogRecord[] = [];
  await configure({
    sinks: { buffer: (record) => void records.push(record) },
    loggers: [
      { category: ["sshlog", "ipc"], sinks: ["buffer"], lowestLevel: "warning" },
      { category: ["logtape", "meta"], sinks: [], lowestLevel: "warning" },
    ],
    reset: true,
  });
  try {
    await using fixture = await startFixtureServer({ maxQueuedBytes: 256 * 1024 });
    using slow = await RawClient.connect(fixture.path);
    using fast = await RawClient.connect(fixture.path);
    assert.deepEqual(await slow.ask({ op: "watch" }), { ok: true });
    assert.deepEqual(await fast.ask({ op: "watch" }), { ok: true });
    let received = 0;
    const reading = (async () => {
      while (received < TOTAL && (await fast.read()) !== null) received++;
    })();
    const alice = fixtureSession("alice", 1);
    const padding = "x".repeat(1000);
    for (let published = 0; published < TOTAL;) {
      for (let i = 0; i < BATCH; i++, published++) {
        fixture.bus.publish(fixtureEvent(alice, `/bin/echo ${published} ${padding}`));
      }
      const target = published;
      await waitFor(() => received >= target);
    }
    await reading;
    assert.equal(received, TOTAL);
    await waitFor(() => fixture.server.watcherCount === 1);
    const slowReceived = await countLines(slow);
    assert.ok(slowReceived < TOTAL, `the slow client got all ${slowReceived} events`);
    const drop = records.find((record) =>
      String(record.rawMessage).startsWith("Dropped IPC client")
    );
    assert.ok(drop !== undefined, "no log line says the client was dropped");
    assert.equal(drop.level, "warning");
    assert.equal(drop.properties.maxQueuedBytes, 256 * 1024);
  } finally {
    await reset();
  }
});

Deno.test("IpcConnection drops a client past the message limit", async () => {
  await using fixture = await startFixtureServer({ maxQueuedMessages: 5, maxStallMs: 0 });
  using slow = await RawClient.connect(fixture.path);
  assert.deepEqual(await slow.ask({ op: "watch" }), { ok: true });
  const alice = fixtureSession("alice", 1);
  for (let i = 0; i < 50; i++) fixture.bus.publish(fixtureEvent(alice, `/bin/true ${i}`));
  await waitFor(() => fixture.server.watcherCount === 0);
  assert.ok((await countLines(slow)) < 50);
});
