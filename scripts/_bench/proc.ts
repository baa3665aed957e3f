/**
 * Process helpers of the benchmark: CPU and memory of a pid from /proc, timed child processes with
 * deadlines, and a registry of clean-up steps that also runs on Ctrl-C.
 */

const ENCODER = new TextEncoder();

/** Writes one line to stdout (the benchmark's report). */
export function out(line = ""): void {
  const bytes = ENCODER.encode(line + "\n");
  let written = 0;
  while (written < bytes.length) written += Deno.stdout.writeSync(bytes.subarray(written));
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Clock ticks per second of /proc/PID/stat times (`getconf CLK_TCK`, 100 on Linux x86_64). */
export function clockTicks(): number {
  try {
    const output = new Deno.Command("getconf", { args: ["CLK_TCK"], stderr: "null" }).outputSync();
    const value = Number(new TextDecoder().decode(output.stdout).trim());
    return Number.isInteger(value) && value > 0 ? value : 100;
  } catch {
    return 100;
  }
}

const TICKS = clockTicks();

function statFields(pid: number): string[] | undefined {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // The comm may hold spaces and parentheses: the fields after it start after the last ")".
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) a process has used so far; undefined when it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  const fields = statFields(pid);
  if (fields === undefined) return undefined;
  // Fields 14 and 15 of stat (utime, stime) are 11 and 12 after the state field.
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

/** A `VmRSS`/`VmHWM`-style line of /proc/PID/status in MB; undefined when absent. */
export function statusMb(pid: number, key: "VmRSS" | "VmHWM"): number | undefined {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const match = new RegExp(`^${key}:\\s+(\\d+) kB$`, "m").exec(status);
    return match?.[1] === undefined ? undefined : Number(match[1]) / 1024;
  } catch {
    return undefined;
  }
}

/** The process's command name (`/proc/PID/comm`); undefined when it is gone. */
export function comm(pid: number): string | undefined {
  try {
    return Deno.readTextFileSync(`/proc/${pid}/comm`).trim();
  } catch {
    return undefined;
  }
}

/** Pids (other than ours) whose command line runs an sshlog daemon. */
export function otherSshlogDaemons(ours: readonly number[]): number[] {
  const found: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    const pid = Number(entry.name);
    if (!Number.isInteger(pid) || pid === Deno.pid || ours.includes(pid)) continue;
    try {
      const argv = Deno.readTextFileSync(`/proc/${pid}/cmdline`).split("\0");
      const main = argv.findIndex((arg) => arg.endsWith("mod.ts") || arg.endsWith("sshlog"));
      if (main >= 0 && argv[main + 1] === "daemon") found.push(pid);
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

/** Sends a signal, ignoring a process that already exited. */
export function signal(child: Deno.ChildProcess, sig: Deno.Signal): void {
  try {
    child.kill(sig);
  } catch {
    // Already gone.
  }
}

/**
 * Ends a child: SIGTERM, then SIGKILL after `graceMs`, and waits for it to be reaped.
 * @returns the milliseconds it took to exit
 */
export async function stopChild(child: Deno.ChildProcess, graceMs = 10_000): Promise<number> {
  const start = performance.now();
  signal(child, "SIGTERM");
  const timer = setTimeout(() => signal(child, "SIGKILL"), graceMs);
  try {
    await child.status;
  } finally {
    clearTimeout(timer);
  }
  return performance.now() - start;
}

type CleanupStep = () => Promise<void>;
const cleanups = new Set<CleanupStep>();
/** Steps started and not yet finished, wherever they were started from. */
const inflight = new Set<Promise<void>>();
let interrupted = false;

/** Registers a clean-up step; the returned function runs it once and deregisters it. */
export function onCleanup(step: CleanupStep): () => Promise<void> {
  let done: Promise<void> | undefined;
  const once: CleanupStep = () => {
    cleanups.delete(once);
    if (done === undefined) {
      const running = step().finally(() => inflight.delete(running));
      inflight.add(running);
      done = running;
    }
    return done;
  };
  cleanups.add(once);
  return once;
}

/**
 * Runs every registered clean-up step, newest first, ignoring their errors, then waits for the
 * steps that other code paths started.
 */
export async function cleanupAll(): Promise<void> {
  // Bounded: each step waits for one process (killed after its grace time) or one removal.
  for (let i = 0; i < 100 && (cleanups.size > 0 || inflight.size > 0); i++) {
    for (const step of [...cleanups].reverse()) await step().catch(() => {});
    await Promise.allSettled([...inflight]);
  }
}

/**
 * Throws once Ctrl-C was pressed, so that nothing new starts while the benchmark cleans up.
 * @throws {Error} after SIGINT/SIGTERM
 */
export function assertNotInterrupted(): void {
  if (interrupted) throw new Error("Interrupted");
}

/** Whether Ctrl-C (or SIGTERM) asked the benchmark to stop. */
export function wasInterrupted(): boolean {
  return interrupted;
}

/** On SIGINT/SIGTERM: clean up everything registered and exit 130. */
export function installSignalHandlers(): void {
  const handler = () => {
    if (interrupted) return;
    interrupted = true;
    out("\nInterrupted: stopping the processes the benchmark started…");
    cleanupAll().finally(() => Deno.exit(130));
  };
  Deno.addSignalListener("SIGINT", handler);
  Deno.addSignalListener("SIGTERM", handler);
}

/** What a timed child produced. */
export interface TimedRun {
  /** Exit status (128 + signal number when killed by a signal). */
  code: number;
  /** Milliseconds from spawn to exit. */
  wallMs: number;
  /** Bytes it wrote to stdout. */
  stdoutBytes: number;
  /** Up to the last 2000 characters of its stderr. */
  stderr: string;
  /** True when it outlived its deadline and was killed. */
  timedOut: boolean;
}

/**
 * Runs a command with stdout counted (not kept), stdin open but silent until it exits, and a
 * deadline after which it is killed.
 */
export async function runTimed(
  argv: readonly string[],
  options: { timeoutMs: number; env?: Record<string, string> },
): Promise<TimedRun> {
  const [program, ...args] = argv;
  if (program === undefined) throw new TypeError("Cannot run an empty command");
  assertNotInterrupted();
  const start = performance.now();
  const child = new Deno.Command(program, {
    args,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    ...(options.env === undefined ? {} : { env: options.env }),
  }).spawn();
  const release = onCleanup(async () => {
    signal(child, "SIGKILL");
    await child.status;
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    signal(child, "SIGKILL");
  }, options.timeoutMs);
  let stdoutBytes = 0;
  const counting = (async () => {
    for await (const chunk of child.stdout) stdoutBytes += chunk.length;
  })();
  const stderr = new Response(child.stderr).text();
  try {
    const status = await child.status;
    const wallMs = performance.now() - start;
    await counting;
    await child.stdin.close().catch(() => {});
    const code = status.signal === null
      ? status.code
      : 128 + (status.signal === "SIGKILL" ? 9 : 15);
    return { code, wallMs, stdoutBytes, stderr: (await stderr).slice(-2000), timedOut };
  } finally {
    clearTimeout(timer);
    await release();
  }
}
