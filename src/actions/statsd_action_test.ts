import assert from "node:assert/strict";
import dgram from "node:dgram";
import { sampleEvent } from "../plugins/mod.ts";
import { waitFor } from "./_test_receivers.ts";
import { statsd } from "./statsd_action.ts";

const HOSTILE = "<!channel> & $(touch /tmp/x)";

async function listener() {
  const socket = dgram.createSocket("udp4");
  const lines: string[] = [];
  socket.on(
    "message",
    (data) => lines.push(...new TextDecoder().decode(data).split("\n").filter(Boolean)),
  );
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  return {
    port: socket.address().port,
    lines,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

function call() {
  return { rule: "test", signal: new AbortController().signal };
}

Deno.test("statsdAction() counts events, gauges active sessions and times sessions and commands", async () => {
  const receiver = await listener();
  const handler = statsd({
    server_address: "127.0.0.1",
    port: receiver.port,
    statsd_prefix: "ssh",
  });
  try {
    await handler.handle(sampleEvent("connection_established"), call());
    await handler.handle(sampleEvent("connection_established", { session_id: "s2" }), call());
    await handler.handle(sampleEvent("command_finish"), call());
    await handler.handle(sampleEvent("connection_close"), call());
    await waitFor(() => receiver.lines.length >= 13);
  } finally {
    await handler.close?.();
    await receiver.close();
  }
  const lines = receiver.lines;
  assert.ok(
    lines.includes("ssh.events:1|c|#event_type:connection_established,host:server1,user:billy"),
    lines.join("\n"),
  );
  assert.ok(lines.includes("ssh.connection_established:1|c|#host:server1,user:billy"));
  assert.deepEqual(lines.filter((l) => l.startsWith("ssh.active_sessions")), [
    "ssh.active_sessions:1|g|#host:server1",
    "ssh.active_sessions:2|g|#host:server1",
    "ssh.active_sessions:1|g|#host:server1",
  ]);
  assert.ok(lines.includes("ssh.command_duration:1000|ms|#host:server1,user:billy"));
  assert.ok(lines.includes("ssh.session_duration:5000|ms|#host:server1,user:billy"));
  for (const line of lines) {
    assert.doesNotMatch(line, /970236|59120|s-970236|session_id|pid|port/);
  }
});

Deno.test("statsdAction() does not tag the untrusted name of a failed login", async () => {
  const receiver = await listener();
  const handler = statsd({
    server_address: "127.0.0.1",
    port: receiver.port,
    statsd_prefix: "sshlog",
  });
  try {
    await handler.handle(sampleEvent("connection_auth_failed", { username: HOSTILE }), call());
    await handler.handle(sampleEvent("connection_established", { username: "a|b,c#d" }), call());
    await waitFor(() => receiver.lines.length >= 4);
  } finally {
    await handler.close?.();
    await receiver.close();
  }
  assert.ok(
    receiver.lines.includes(
      "sshlog.events:1|c|#event_type:connection_auth_failed,host:server1,user:unknown",
    ),
  );
  assert.ok(
    receiver.lines.includes(
      "sshlog.events:1|c|#event_type:connection_established,host:server1,user:a_b_c_d",
    ),
  );
});
