/**
 * Recorder benchmark: feeds MB megabytes of terminal output in 64 KiB terminal_update events to
 * one `sessionlog_action` (asciicast + transcript written to a temporary folder) as fast as it
 * takes them, for coloured text (`ls --color` lines) and for random binary output, and prints the
 * CPU the action used per MB and what that is at 50 MB/s.
 *   deno run -A scripts/bench_recorder.ts [--mb 50]
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { sessionLog } from "../src/actions/sessionlog_action.ts";
import { type SshlogEvent, withRawBytes } from "../src/events/mod.ts";
import { sampleEvent } from "../src/plugins/mod.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { mb: { type: "string", default: "50" } },
});
const MB = Number(values.mb);
const CHUNK = 64 * 1024;

function colouredText(): Uint8Array {
  const line =
    "\x1b[01;34mdirectory\x1b[0m  \x1b[01;32mexec.sh\x1b[0m  plain-file.txt  notes.log\r\n";
  return new TextEncoder().encode(line.repeat(Math.ceil(CHUNK / line.length))).subarray(0, CHUNK);
}

function binary(): Uint8Array {
  const bytes = new Uint8Array(CHUNK);
  for (let i = 0; i < CHUNK; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536));
  return bytes;
}

async function run(name: string, chunk: Uint8Array): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "sshlog-bench-rec-" });
  try {
    const action = sessionLog({
      log_directory: dir,
      timestamp_frequency_seconds: -1,
      record_input: false,
    });
    const call = { rule: "bench", signal: new AbortController().signal };
    const start = sampleEvent("connection_established");
    await action.handle(start, call);
    const text = new TextDecoder().decode(chunk);
    const count = Math.ceil((MB * 1e6) / chunk.length);
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < count; i++) {
      const event = withRawBytes({
        ...sampleEvent("terminal_update"),
        session_id: start.session_id,
        terminal_data: text,
        data_len: chunk.length,
      } as SshlogEvent, chunk);
      await action.handle(event, call);
    }
    await action.close?.();
    const used = process.cpuUsage(cpu);
    const cpuMs = (used.user + used.system) / 1000;
    const mb = (count * chunk.length) / 1e6;
    const perMb = cpuMs / mb;
    await Deno.stdout.write(new TextEncoder().encode(
      `${name.padEnd(14)} ${mb.toFixed(0)} MB in ${(performance.now() - t0).toFixed(0)} ms, ` +
        `CPU ${perMb.toFixed(2)} ms/MB = ${
          (perMb * 50 / 10).toFixed(1)
        } % of one core at 50 MB/s\n`,
    ));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

await run("coloured text", colouredText());
await run("binary", binary());
