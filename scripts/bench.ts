/**
 * `deno task bench [--rounds N] [--only NAME[,NAME…]]`: measures what the sshlog daemon costs and
 * captures on the workloads of the performance issue, against a real sshd on loopback.
 *
 * Each timed workload runs WITHOUT and WITH the daemon, alternating (odd rounds without first,
 * even rounds with first), N rounds in one run. "WITH" means a freshly started daemon (empty
 * conf.d) plus one `sshlog watch --json` client, which is how the capture is checked. It reports
 * medians, ratios and whether each target is met, then a JSON summary; it exits 0 even when
 * targets are missed. Needs root (eBPF). Leaves no process or temp file behind.
 */
import { parseArgs } from "node:util";
import { type SshdHandle, startSshd } from "../tests/e2e/_harness/sshd.ts";
import { REPO } from "./_bench/daemon.ts";
import {
  cleanupAll,
  installSignalHandlers,
  onCleanup,
  otherSshlogDaemons,
  out,
  runTimed,
  type TimedRun,
  wasInterrupted,
} from "./_bench/proc.ts";
import { fmt, table } from "./_bench/report.ts";
import { jsonSummary, type Results, rows, type TimedResults } from "./_bench/summary.ts";
import {
  LATENCY_TYPES,
  latencyArgv,
  prepareClient,
  runIdle,
  runWithDaemon,
  type Target,
  TIMED,
  warmUp,
  type WithRun,
  WORKLOAD_NAMES,
  type WorkloadName,
} from "./_bench/workloads.ts";

const BENCH_USER = "sshlogbench";
const USAGE = `Usage: deno task bench [--rounds N] [--only NAME[,NAME...]]
  --rounds N   rounds of every workload (default 3, 1 to 50)
  --only NAMES run only these workloads: ${WORKLOAD_NAMES.join(", ")}`;

function parseOptions(): { rounds: number; selected: WorkloadName[] } | string {
  let values;
  try {
    ({ values } = parseArgs({
      args: Deno.args,
      options: {
        rounds: { type: "string" },
        only: { type: "string", multiple: true },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  if (values.help) return "";
  const rounds = Number(values.rounds ?? 3);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 50) {
    return `Invalid --rounds "${values.rounds}": use a whole number from 1 to 50`;
  }
  const names = (values.only ?? [...WORKLOAD_NAMES]).flatMap((v) => v.split(","));
  const unknown = names.find((n) => !(WORKLOAD_NAMES as readonly string[]).includes(n.trim()));
  if (unknown !== undefined) return `Unknown workload "${unknown}"`;
  const selected = WORKLOAD_NAMES.filter((n) => names.some((v) => v.trim() === n));
  return { rounds, selected };
}

function describeWithout(run: TimedRun): string {
  const failed = run.code === 0 ? "" : ` EXIT ${run.code}${run.timedOut ? " (timed out)" : ""}`;
  return `wall ${fmt(run.wallMs / 1000, 3)} s, ${run.stdoutBytes} bytes out${failed}`;
}

function describeWith(w: WithRun): string {
  const parts = [
    describeWithout(w.run),
    `ready ${fmt(w.readyMs / 1000, 3)} s`,
    `daemon CPU ${fmt(w.daemonCpuS)} s`,
    `watch CPU ${fmt(w.watchCpuS)} s`,
    `captured ${w.capturedBytes} B`,
    `gap ${w.gapBytes} B/${w.gapEvents} ev${
      w.gapReasons.length ? ` (${w.gapReasons.join("; ")})` : ""
    }`,
    `true start/finish ${w.commandStarts}/${w.commandFinishes}`,
    `RSS ${fmt(w.rssMb, 1)} MB`,
  ];
  return parts.join(", ") + w.notes.map((n) => `\n      note: ${n}`).join("");
}

async function main(): Promise<number> {
  const options = parseOptions();
  if (typeof options === "string") {
    out(options === "" ? USAGE : `${options}\n${USAGE}`);
    return options === "" ? 0 : 2;
  }
  if (Deno.uid() !== 0) {
    out("The benchmark must run as root: the daemon loads eBPF programs.");
    return 1;
  }
  installSignalHandlers();
  const build = await new Deno.Command("bash", { args: [`${REPO}/scripts/build_bpf.sh`] }).output();
  if (!build.success) {
    out(`Cannot build the BPF object: ${new TextDecoder().decode(build.stderr)}`);
    return 1;
  }
  const others = new Set<number>();
  const checkOthers = () => otherSshlogDaemons([]).forEach((pid) => others.add(pid));
  checkOthers();
  const sshd: SshdHandle = await startSshd();
  onCleanup(() => sshd.stop());
  await sshd.ensureUser(BENCH_USER);
  await prepareClient();
  const target: Target = { sshd, user: BENCH_USER };
  await warmUp(target);

  const { rounds, selected } = options;
  const results: Results = {
    rounds,
    selected,
    timed: [],
    idle: [],
    latency: [],
    readyMs: [],
    otherDaemons: [],
  };
  const timed: TimedResults[] = TIMED.filter((w) => selected.includes(w.name))
    .map((workload) => ({ workload, without: [], with: [] }));
  results.timed = timed;
  // Daemon log entries other than info, by text without the timestamp: count and first entry.
  const problems = new Map<string, { count: number; entry: string }>();
  const note = (w: { readyMs: number; daemonProblems: string[] }) => {
    results.readyMs.push(w.readyMs);
    for (const entry of w.daemonProblems) {
      const first = entry.split("\n")[0]!.replace(/^\S+ \S+ \S+ /, "");
      const key = first.replace(/sshlog-bench-[0-9a-f]+/g, "sshlog-bench-X").replace(/\d+/g, "N");
      const seen = problems.get(key) ?? { count: 0, entry };
      problems.set(key, { count: seen.count + 1, entry: seen.entry });
    }
  };
  out(
    `sshlog benchmark: ${rounds} round(s) of ${selected.join(", ")}; sshd on 127.0.0.1:` +
      `${sshd.port} (${sshd.version}), user ${BENCH_USER}`,
  );
  const warn = () => {
    if (others.size === 0) return;
    out(
      `WARNING: sshlog daemons not started by the benchmark ran (pids ${[...others].join(", ")}):` +
        " their BPF programs also ran during the WITHOUT runs, and they used CPU.",
    );
  };
  warn();

  for (let round = 1; round <= rounds && !wasInterrupted(); round++) {
    out(`\n== round ${round}/${rounds}`);
    checkOthers();
    for (const t of timed) {
      const order = round % 2 === 1 ? ["without", "with"] : ["with", "without"];
      for (const mode of order) {
        const argv = t.workload.argv(target);
        if (mode === "without") {
          if (t.workload.inSsh) await warmUp(target);
          const run = await runTimed(argv, { timeoutMs: t.workload.timeoutMs });
          t.without.push(run);
          out(`  ${t.workload.title} WITHOUT: ${describeWithout(run)}`);
        } else {
          const run = await runWithDaemon(target, argv, t.workload);
          t.with.push(run);
          note(run);
          out(`  ${t.workload.title} WITH:    ${describeWith(run)}`);
        }
      }
    }
    if (selected.includes("idle")) {
      const idle = await runIdle(10);
      results.idle.push(idle);
      note(idle);
      out(
        `  5 daemon idle: ready ${fmt(idle.readyMs / 1000, 3)} s, CPU ${fmt(idle.cpuPercent)} %` +
          ` over 10 s, VmRSS ${fmt(idle.rssMb, 1)} MB`,
      );
    }
    if (selected.includes("latency")) {
      const run = await runWithDaemon(target, latencyArgv(target), {
        types: LATENCY_TYPES,
        inSsh: true,
        timeoutMs: 120_000,
      });
      results.latency.push(run);
      note(run);
      const n = Object.values(run.latency).reduce((sum, s) => sum + s.length, 0);
      out(`  6 latency session: ${n} events, ${describeWith(run)}`);
    }
  }

  if (wasInterrupted()) return 130;
  results.otherDaemons = [...others];
  const tableRows = rows(results);
  out(`\n== results (medians of ${rounds} round(s); WITH = daemon + one watch --json client)\n`);
  out(table(tableRows));
  out("\nDaemon stderr entries other than info, over all daemon starts (first of each kind):");
  if (problems.size === 0) out("  none");
  for (const { count, entry } of problems.values()) {
    const lines = entry.split("\n");
    out(`  ${count}x ${lines[0]}`);
    for (const line of lines.slice(1, 4)) out(`      ${line.trim()}`);
  }
  const latencies = results.latency.flatMap((w) => Object.values(w.latency).flat());
  if (latencies.some((ms) => ms < 0)) {
    out(
      "NOTE: negative latencies mean event timestamps ahead of the wall clock: the daemon's " +
        "boot-to-epoch offset and the watch client's clock differ by about a millisecond.",
    );
  }
  warn();
  out("\nJSON summary:");
  out(JSON.stringify(jsonSummary(results, tableRows)));
  return 0;
}

let code = 1;
try {
  code = await main();
} catch (error) {
  if (!wasInterrupted()) {
    out(`The benchmark failed: ${error instanceof Error ? error.stack ?? error.message : error}`);
  }
} finally {
  await cleanupAll();
}
Deno.exit(wasInterrupted() ? 130 : code);
