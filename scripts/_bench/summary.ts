/** Turns the raw runs into the report's rows and its JSON summary. */
import { fmt, median, percentile, type Row } from "./report.ts";
import type { TimedRun } from "./proc.ts";
import type { IdleRun, TimedWorkload, WithRun, WorkloadName } from "./workloads.ts";

/** Every run of one timed workload. */
export interface TimedResults {
  workload: TimedWorkload;
  without: TimedRun[];
  with: WithRun[];
}

/** Everything the benchmark measured. */
export interface Results {
  rounds: number;
  selected: WorkloadName[];
  timed: TimedResults[];
  idle: IdleRun[];
  latency: WithRun[];
  /** Ready times (ms) of every daemon start, in order. */
  readyMs: number[];
  /** Pids of sshlog daemons the benchmark did not start, seen while it ran. */
  otherDaemons: number[];
}

const seconds = (runs: readonly { wallMs: number }[]) => median(runs.map((r) => r.wallMs / 1000));

function wallRows(t: TimedResults, target: number | undefined): Row[] {
  const title = t.workload.title;
  const without = seconds(t.without);
  const withDaemon = seconds(t.with.map((w) => w.run));
  const ratio = withDaemon / without;
  return [
    {
      workload: title,
      metric: "wall s, median without / with",
      value: `${fmt(without, 3)} / ${fmt(withDaemon, 3)}`,
      target: "",
      met: undefined,
    },
    {
      workload: title,
      metric: "wall-time ratio with / without",
      value: fmt(ratio, 3),
      target: target === undefined ? "(info)" : `<= ${target}`,
      met: target === undefined || !Number.isFinite(ratio) ? undefined : ratio <= target,
    },
  ];
}

function cpuRow(t: TimedResults): Row {
  return {
    workload: t.workload.title,
    metric: "CPU s during run, median daemon / watch client",
    value: `${fmt(median(t.with.map((w) => w.daemonCpuS)))} / ${
      fmt(median(t.with.map((w) => w.watchCpuS)))
    }`,
    target: "(info)",
    met: undefined,
  };
}

function captureRow(t: TimedResults, exact: boolean): Row {
  const complete = (w: WithRun) =>
    w.run.code === 0 && w.closed &&
    (exact
      ? w.capturedBytes === w.run.stdoutBytes
      : w.capturedBytes + w.gapBytes >= w.run.stdoutBytes);
  // Show the round with the largest shortfall.
  const worst =
    [...t.with].sort((a, b) =>
      (b.run.stdoutBytes - b.capturedBytes) - (a.run.stdoutBytes - a.capturedBytes)
    )[0];
  const ok = t.with.filter(complete).length;
  return {
    workload: t.workload.title,
    metric: "bytes captured / received / gap (worst round)",
    value: worst === undefined
      ? "n/a"
      : `${worst.capturedBytes} / ${worst.run.stdoutBytes} / ${worst.gapBytes} (${ok}/${t.with.length} rounds ok)`,
    target: exact ? "captured = received" : "captured + gap >= received",
    met: t.with.length > 0 ? ok === t.with.length : undefined,
  };
}

function execRow(t: TimedResults): Row {
  const worst =
    [...t.with].sort((a, b) =>
      Math.min(a.commandStarts, a.commandFinishes) - Math.min(b.commandStarts, b.commandFinishes)
    )[0];
  const ok = t.with.filter((w) => w.commandStarts === 2000 && w.commandFinishes === 2000).length;
  return {
    workload: t.workload.title,
    metric: "/bin/true command_start / command_finish (worst round)",
    value: worst === undefined
      ? "n/a"
      : `${worst.commandStarts} / ${worst.commandFinishes} (${ok}/${t.with.length} rounds ok)`,
    target: "2000 / 2000",
    met: t.with.length > 0 ? ok === t.with.length : undefined,
  };
}

/** The rows of the results table. */
export function rows(results: Results): Row[] {
  const out: Row[] = [];
  for (const t of results.timed) {
    const name = t.workload.name;
    out.push(...wallRows(t, name === "seq" ? 1.05 : name === "dd" ? 1.02 : undefined));
    if (name === "seq") out.push(captureRow(t, true));
    if (name === "base64") out.push(captureRow(t, false));
    if (name === "exec") out.push(execRow(t));
    if (name !== "dd") out.push(cpuRow(t));
  }
  if (results.idle.length > 0) {
    const title = "5 daemon idle";
    const cpu = median(results.idle.map((i) => i.cpuPercent));
    const rss = median(results.idle.map((i) => i.rssMb));
    out.push(
      {
        workload: title,
        metric: "CPU % over 10 s idle, median",
        value: fmt(cpu),
        target: "< 1",
        met: cpu < 1,
      },
      {
        workload: title,
        metric: "VmRSS MB idle, median",
        value: fmt(rss, 1),
        target: "< 150",
        met: rss < 150,
      },
    );
  }
  if (results.readyMs.length > 0) {
    const ready = median(results.readyMs) / 1000;
    const max = Math.max(...results.readyMs) / 1000;
    out.push({
      workload: "5 daemon idle",
      metric: `start to "capturing" s, median / max of ${results.readyMs.length} starts`,
      value: `${fmt(ready, 3)} / ${fmt(max, 3)}`,
      target: "< 2",
      met: ready < 2,
    });
    const hwm = Math.max(...results.timed.flatMap((t) => t.with.map((w) => w.hwmMb)));
    if (Number.isFinite(hwm)) {
      out.push({
        workload: "5 daemon idle",
        metric: "peak VmHWM MB over the loaded runs",
        value: fmt(hwm, 1),
        target: "(info)",
        met: undefined,
      });
    }
  }
  if (results.latency.length > 0) {
    const title = "6 kernel -> watch latency";
    const all = results.latency.flatMap((w) => Object.values(w.latency).flat());
    const p99 = percentile(all, 99);
    out.push({
      workload: title,
      metric: `p50 / p99 / min / max ms, all ${all.length} events`,
      value: `${fmt(percentile(all, 50), 0)} / ${fmt(p99, 0)} / ${fmt(Math.min(...all), 0)} / ${
        fmt(Math.max(...all), 0)
      }`,
      target: "p99 < 50",
      met: Number.isFinite(p99) ? p99 < 50 : undefined,
    });
    const types = [...new Set(results.latency.flatMap((w) => Object.keys(w.latency)))].sort();
    for (const type of types) {
      const samples = results.latency.flatMap((w) => w.latency[type] ?? []);
      out.push({
        workload: title,
        metric: `p50 / p99 ms, ${type} (${samples.length})`,
        value: `${fmt(percentile(samples, 50), 0)} / ${fmt(percentile(samples, 99), 0)}`,
        target: "(info)",
        met: undefined,
      });
    }
  }
  return out;
}

/** First line of each daemon log entry (stack traces dropped). */
function firstLines(entries: readonly string[]): string[] {
  return entries.map((entry) => entry.split("\n")[0] ?? "");
}

function withSummary(w: WithRun): Record<string, unknown> {
  const { latency, daemonProblems, ...rest } = w;
  const latencySummary: Record<string, { n: number; p50: number; p99: number }> = {};
  for (const [type, samples] of Object.entries(latency)) {
    latencySummary[type] = {
      n: samples.length,
      p50: percentile(samples, 50),
      p99: percentile(samples, 99),
    };
  }
  return { ...rest, latency: latencySummary, daemonProblems: firstLines(daemonProblems) };
}

/** The JSON summary printed at the end: the table's figures plus every round's raw numbers. */
export function jsonSummary(results: Results, table: readonly Row[]): Record<string, unknown> {
  return {
    rounds: results.rounds,
    workloads: results.selected,
    otherDaemons: results.otherDaemons,
    table: table.map((r) => ({ ...r, met: r.met ?? null })),
    runs: {
      timed: Object.fromEntries(results.timed.map((t) => [t.workload.name, {
        withoutWallMs: t.without.map((r) => Math.round(r.wallMs)),
        withWallMs: t.with.map((w) => Math.round(w.run.wallMs)),
        with: t.with.map(withSummary),
      }])),
      idle: results.idle.map((i) => ({ ...i, daemonProblems: firstLines(i.daemonProblems) })),
      latency: results.latency.map(withSummary),
      readyMs: results.readyMs.map((ms) => Math.round(ms)),
    },
  };
}
