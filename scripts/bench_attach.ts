/**
 * `deno run -A scripts/bench_attach.ts [--keys N]`: keystroke-to-echo latency through an
 * interactive `sshlog attach` on loopback (issue #6 target: p99 < 50 ms). A real sshd runs a pty
 * session; the benchmark attaches over the daemon socket, types one key at a time and times the
 * echo coming back. Prints p50/p90/p99/max in ms.
 */
import { parseArgs } from "node:util";
import { encodeBase64 } from "../src/events/base64.ts";
import { IpcClient } from "../src/ipc/mod.ts";
import { startSshd } from "../tests/e2e/_harness/sshd.ts";
import { startDaemon } from "../tests/e2e/_harness/daemon.ts";

const USER = "sshlogbench";
const { values } = parseArgs({ args: Deno.args, options: { keys: { type: "string" } } });
const keys = Number(values.keys ?? 300);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
}

await using sshd = await startSshd();
await sshd.ensureUser(USER);
await using daemon = await startDaemon({ args: ["--enable-session-injection"] });
const session = await sshd.spawnSsh(USER, ["stty -icanon; cat"], { tty: true });
try {
  const start = await daemon.events.waitForType(
    "command_start",
    (e) => e.argv[0] === "cat" && e.tcp_info.server_port === sshd.port,
  );
  const client = await IpcClient.connect(daemon.socket);
  const stream = await client.openStream({
    op: "attach",
    session: start.session_id,
    mode: "interactive",
    admin_user: "bench",
    admin_uid: 0,
    client_pid: Deno.pid,
  });
  const samples: number[] = [];
  for (let i = 0; i < keys; i++) {
    const key = String.fromCharCode(97 + (i % 26));
    const t0 = performance.now();
    await stream.send({ input: encodeBase64(new TextEncoder().encode(key)) });
    for (;;) {
      const message = await stream.next();
      if (message === null) throw new Error("The attach stream ended");
      if (typeof message.output === "string" && atob(message.output).includes(key)) break;
    }
    samples.push(performance.now() - t0);
  }
  client.close();
  samples.sort((a, b) => a - b);
  const f = (n: number) => n.toFixed(1);
  const line =
    `keystroke -> echo through attach, ${samples.length} keys: p50 ${
      f(percentile(samples, 0.5))
    } ms, ` +
    `p90 ${f(percentile(samples, 0.9))} ms, p99 ${f(percentile(samples, 0.99))} ms, ` +
    `max ${f(samples.at(-1) ?? NaN)} ms (target p99 < 50 ms)\n`;
  await Deno.stdout.write(new TextEncoder().encode(line));
} finally {
  session.kill();
}
