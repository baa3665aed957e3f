/**
 * The benchmark's workloads: how each is run, and what one run WITH the daemon measured (capture,
 * command counts, latency, daemon CPU).
 */
import {
  CLIENT_KEY_PATH,
  clientPublicKey,
  type SshdHandle,
} from "../../tests/e2e/_harness/sshd.ts";
import { Daemon, type SeenEvent, Watch } from "./daemon.ts";
import { cpuSeconds, runTimed, sleep, statusMb, type TimedRun } from "./proc.ts";

/** Names accepted by `--only`. */
export const WORKLOAD_NAMES = ["seq", "base64", "exec", "dd", "idle", "latency"] as const;
/** One workload name. */
export type WorkloadName = typeof WORKLOAD_NAMES[number];

/** Where sessions go: the harness sshd and the benchmark's user. */
export interface Target {
  sshd: SshdHandle;
  user: string;
}

/** A workload timed WITHOUT and WITH the daemon. */
export interface TimedWorkload {
  name: "seq" | "base64" | "exec" | "dd";
  title: string;
  /** Event types the watch client asks for. */
  types: string[];
  /** Whether it runs in an SSH session (false: a local process unrelated to SSH). */
  inSsh: boolean;
  timeoutMs: number;
  argv(target: Target): string[];
}

const SESSION_TYPES = ["connection_established", "connection_close", "capture_gap"];
const COMMAND_TYPES = ["command_start", "command_finish"];

/** `ssh [-tt] user@127.0.0.1 COMMAND` with the harness's key, no config, loopback only. */
export function sshArgv(target: Target, command: string, tty: boolean): string[] {
  const options = [
    "BatchMode=yes",
    "StrictHostKeyChecking=no",
    "UserKnownHostsFile=/dev/null",
    "GlobalKnownHostsFile=/dev/null",
    "LogLevel=ERROR",
    "ConnectTimeout=10",
    "IdentitiesOnly=yes",
  ].flatMap((option) => ["-o", option]);
  return [
    "ssh",
    "-F",
    "none",
    ...options,
    "-i",
    CLIENT_KEY_PATH,
    "-p",
    String(target.sshd.port),
    ...(tty ? ["-tt"] : []),
    `${target.user}@127.0.0.1`,
    command,
  ];
}

/** Makes sure the client key exists before any timed ssh. */
export async function prepareClient(): Promise<void> {
  await clientPublicKey();
}

/** The four timed workloads of the issue. */
export const TIMED: readonly TimedWorkload[] = [
  {
    name: "seq",
    title: "1 seq 1 2000000 over ssh -tt",
    types: ["terminal_update", ...SESSION_TYPES],
    inSsh: true,
    timeoutMs: 180_000,
    argv: (t) => sshArgv(t, "seq 1 2000000", true),
  },
  {
    name: "base64",
    title: "2 ~50 MB of base64 over ssh -tt",
    types: ["terminal_update", ...SESSION_TYPES],
    inSsh: true,
    timeoutMs: 300_000,
    argv: (t) => sshArgv(t, "head -c 37500000 /dev/urandom | base64", true),
  },
  {
    name: "exec",
    title: "3 2000 x /bin/true in one session",
    types: [...COMMAND_TYPES, ...SESSION_TYPES],
    inSsh: true,
    timeoutMs: 180_000,
    argv: (t) => sshArgv(t, "for i in $(seq 2000); do /bin/true; done", false),
  },
  {
    name: "dd",
    title: "4 unrelated dd bs=1 count=2000000",
    types: SESSION_TYPES,
    inSsh: false,
    timeoutMs: 180_000,
    argv: () => ["dd", "if=/dev/zero", "of=/dev/null", "bs=1", "count=2000000", "status=none"],
  },
];

/** Runs `ssh user true` until `watch` saw a session of it close: the client is subscribed. */
export async function warmUp(target: Target, watch?: Watch): Promise<boolean> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const mark = watch?.events.length ?? 0;
    const result = await runTimed(sshArgv(target, "true", false), { timeoutMs: 30_000 });
    if (result.code !== 0) throw new Error(`Warm-up ssh failed (${result.code}): ${result.stderr}`);
    if (watch === undefined) return true;
    const closed = await watch.until(
      () =>
        watch.events.slice(mark).some((e) =>
          e.type === "connection_close" && e.username === target.user
        ),
      3000,
    );
    if (closed) return true;
    if (watch.exited) return false;
  }
  return false;
}

/** What one run WITH the daemon measured besides its wall time. */
export interface WithRun {
  run: TimedRun;
  readyMs: number;
  /** Daemon CPU seconds from just before the workload to the end of its capture. */
  daemonCpuS: number;
  /** CPU seconds of the watch client over the same span. */
  watchCpuS: number;
  /** Daemon VmRSS and VmHWM after the run, MB. */
  rssMb: number;
  hwmMb: number;
  /** Session ids of the bench user that appeared during the run. */
  sessions: string[];
  /** Whether the session's connection_close reached the watch client. */
  closed: boolean;
  capturedBytes: number;
  gapBytes: number;
  gapEvents: number;
  gapReasons: string[];
  commandStarts: number;
  commandFinishes: number;
  /** Latency samples (receivedAt − timestamp, ms) by event type. */
  latency: Record<string, number[]>;
  /** Problems with the measurement itself (watch dropped, no close seen…). */
  notes: string[];
  /** The daemon's non-info stderr lines. */
  daemonProblems: string[];
}

function isTrue(event: SeenEvent): boolean {
  return /(^|\/)true$/.test(event.filename) || /(^|\/)true$/.test(event.execPath);
}

/**
 * Starts a daemon and a watch client, warms up, runs `argv`, waits for its capture to end, and
 * stops both. `inSsh` workloads wait for their session's connection_close.
 */
export async function runWithDaemon(
  target: Target,
  argv: string[],
  options: { types: string[]; inSsh: boolean; timeoutMs: number },
): Promise<WithRun> {
  const notes: string[] = [];
  const daemon = await Daemon.start();
  let watch: Watch | undefined;
  try {
    watch = await Watch.start(daemon.socket, options.types);
    if (!(await warmUp(target, watch))) {
      notes.push("the watch client never saw the warm-up session");
    }
    const w = watch;
    const mark = w.events.length;
    const cpu0 = cpuSeconds(daemon.pid) ?? 0;
    const watchCpu0 = cpuSeconds(w.pid) ?? 0;
    const run = await runTimed(argv, { timeoutMs: options.timeoutMs });
    const mine = (): SeenEvent[] =>
      w.events.slice(mark).filter((e) => e.username === target.user && e.sessionId !== undefined);
    if (options.inSsh) {
      const closed = await w.until(
        () => mine().some((e) => e.type === "connection_close"),
        Math.max(60_000, options.timeoutMs / 2),
      );
      if (!closed) notes.push("no connection_close reached the watch client");
    }
    // capture_gap events are published once a second: wait for the next report.
    await sleep(1600);
    const cpu1 = cpuSeconds(daemon.pid) ?? cpu0;
    const watchCpu1 = cpuSeconds(w.pid) ?? watchCpu0;
    if (w.exited) notes.push("the watch client exited during the run (dropped by the daemon?)");
    if (w.junk.length > 0) notes.push(`${w.junk.length} watch lines were not JSON`);
    // The run's sessions are those that began after the mark (not a late warm-up event).
    const begun = new Set(
      mine().filter((e) => e.type === "connection_established").map((e) => e.sessionId),
    );
    const events = mine().filter((e) => begun.has(e.sessionId));
    const sessions = [...begun].map((id) => id ?? "");
    if (options.inSsh && sessions.length !== 1) {
      notes.push(`${sessions.length} sessions of ${target.user} seen (expected 1)`);
    }
    const gaps = w.events.slice(mark).filter((e) => e.type === "capture_gap");
    const latency: Record<string, number[]> = {};
    for (const e of events) {
      if (e.type === "connection_established" || e.type === "connection_close") continue;
      (latency[e.type] ??= []).push(e.receivedAt - e.timestamp);
    }
    return {
      run,
      readyMs: daemon.readyMs,
      daemonCpuS: cpu1 - cpu0,
      watchCpuS: watchCpu1 - watchCpu0,
      rssMb: statusMb(daemon.pid, "VmRSS") ?? NaN,
      hwmMb: statusMb(daemon.pid, "VmHWM") ?? NaN,
      sessions,
      closed: events.some((e) => e.type === "connection_close"),
      capturedBytes: events.filter((e) => e.type === "terminal_update")
        .reduce((sum, e) => sum + e.dataLen, 0),
      gapBytes: gaps.reduce((sum, e) => sum + e.lostBytes, 0),
      gapEvents: gaps.reduce((sum, e) => sum + e.lostEvents, 0),
      gapReasons: [...new Set(gaps.map((e) => e.reason))],
      commandStarts: events.filter((e) => e.type === "command_start" && isTrue(e)).length,
      commandFinishes: events.filter((e) => e.type === "command_finish" && isTrue(e)).length,
      latency,
      notes,
      daemonProblems: daemon.problems(),
    };
  } finally {
    const watchStderr = await watch?.stop();
    if (watchStderr) notes.push(`watch stderr: ${watchStderr.slice(0, 300)}`);
    await daemon.stop();
  }
}

/** What one idle measurement gave. */
export interface IdleRun {
  readyMs: number;
  cpuPercent: number;
  rssMb: number;
  daemonProblems: string[];
}

/** Starts a daemon, lets it settle 2 s, then measures its CPU over `seconds` of idleness. */
export async function runIdle(seconds = 10): Promise<IdleRun> {
  const daemon = await Daemon.start();
  try {
    await sleep(2000);
    const cpu0 = cpuSeconds(daemon.pid) ?? 0;
    const t0 = performance.now();
    await sleep(seconds * 1000);
    const cpu1 = cpuSeconds(daemon.pid) ?? cpu0;
    const elapsedS = (performance.now() - t0) / 1000;
    return {
      readyMs: daemon.readyMs,
      cpuPercent: ((cpu1 - cpu0) / elapsedS) * 100,
      rssMb: statusMb(daemon.pid, "VmRSS") ?? NaN,
      daemonProblems: daemon.problems(),
    };
  } finally {
    await daemon.stop();
  }
}

/** The latency session: 200 commands 20 ms apart, each printing a line. */
export function latencyArgv(target: Target): string[] {
  return sshArgv(target, "for i in $(seq 200); do echo line $i; sleep 0.02; done", true);
}

/** Event types the latency run watches. */
export const LATENCY_TYPES = [...COMMAND_TYPES, "terminal_update", ...SESSION_TYPES];
