/**
 * Rule engine benchmark: pushes RATE events/s for SECONDS through one rule with three filters and a
 * JSON event-log action, then prints CPU use, events written, lost and reordered (must be 0).
 *   deno run -A scripts/bench_rules.ts [--rate 10000] [--seconds 10]
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { builtinRegistry, compileConfig } from "../src/config/mod.ts";
import { EventBus } from "../src/events/mod.ts";
import { sampleEvent } from "../src/plugins/mod.ts";
import { RuleEngine } from "../src/rules/mod.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    rate: { type: "string", default: "10000" },
    seconds: { type: "string", default: "10" },
  },
});
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const SESSIONS = 20;

const dir = await Deno.makeTempDir({ prefix: "sshlog-bench-" });
const logPath = `${dir}/event.log`;
const yaml = `events:
  - event: bench
    triggers: [command_start, command_finish]
    filters:
      username_regex: '^(alice|bob|billy)$'
      require_tty: true
      ignore_existing_logins: true
    actions:
      - action: log_json
        plugin: eventlogfile_action
        log_file_path: ${logPath}
        output_json: true
        max_size_mb: 4096
`;
const compiled = compileConfig([{ path: "bench.yaml", text: yaml }], builtinRegistry());
if (!compiled.ok) throw new Error(compiled.errors.join("\n"));
const engine = new RuleEngine(compiled.config);
const bus = new EventBus();
await engine.start(bus);

const template = sampleEvent("command_finish");
const total = RATE * SECONDS;
let sent = 0;
let maxPublishMs = 0;
const cpuStart = process.cpuUsage();
const started = performance.now();
await new Promise<void>((resolve) => {
  const tick = () => {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * RATE));
    const t0 = performance.now();
    for (; sent < due; sent++) {
      bus.publish(
        { ...template, pid: sent, session_id: `bench-${sent % SESSIONS}` } as typeof template,
      );
    }
    maxPublishMs = Math.max(maxPublishMs, performance.now() - t0);
    if (sent >= total) resolve();
    else setTimeout(tick, 5);
  };
  tick();
});
const sendSeconds = (performance.now() - started) / 1000;
const queuedAtEnd = engine.stats();
await engine.stop();
const wallSeconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuStart);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;

let written = 0;
let reordered = 0;
let previous = -1;
const seen = new Set<number>();
const text = await Deno.readTextFile(logPath);
for (const line of text.split("\n")) {
  if (line === "") continue;
  const pid = (JSON.parse(line) as { pid: number }).pid;
  written++;
  if (pid < previous) reordered++;
  previous = pid;
  seen.add(pid);
}
const summary = {
  rate: RATE,
  seconds: SECONDS,
  sent,
  written,
  lost: sent - seen.size,
  duplicated: written - seen.size,
  reordered,
  sendSeconds: Number(sendSeconds.toFixed(2)),
  wallSeconds: Number(wallSeconds.toFixed(2)),
  cpuSeconds: Number(cpuSeconds.toFixed(2)),
  cpuPercentOfOneCore: Number(((cpuSeconds / wallSeconds) * 100).toFixed(1)),
  maxPublishBatchMs: Number(maxPublishMs.toFixed(2)),
  logBytes: text.length,
  queueAtEndOfSending: queuedAtEnd,
};
await Deno.remove(dir, { recursive: true });
await Deno.stdout.write(new TextEncoder().encode(JSON.stringify(summary, null, 2) + "\n"));
Deno.exit(summary.lost === 0 && summary.reordered === 0 && summary.duplicated === 0 ? 0 : 1);
