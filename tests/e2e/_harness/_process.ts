/**
 * Process helpers private to the harness: run a command with a deadline, poll for a condition,
 * and end a process tree.
 */

/** What a finished command produced. */
export interface CommandResult {
  /** Exit status; 128 + N when the process was killed by signal N. */
  code: number;
  /** Standard output decoded as UTF-8 (lossily). */
  stdout: string;
  /** Standard output as raw bytes. */
  stdoutBytes: Uint8Array;
  /** Standard error decoded as UTF-8 (lossily). */
  stderr: string;
}

/** Options of {@linkcode run}. */
export interface RunOptions {
  /** Bytes or text written to standard input, which is then closed. Default: no input. */
  stdin?: string | Uint8Array;
  /** Extra environment variables. Default: none. */
  env?: Record<string, string>;
  /** Kill the command (SIGKILL) and throw after this many milliseconds. Default 30000. */
  timeoutMs?: number;
  /** Throw when the exit status is not 0. Default false. */
  check?: boolean;
}

const DECODER = new TextDecoder();

/**
 * Runs a command to completion and returns its status and output.
 * @throws {Error} when it outlives `timeoutMs`, or exits non-zero with `check`
 */
export async function run(
  argv: readonly string[],
  options: RunOptions = {},
): Promise<CommandResult> {
  const [program, ...args] = argv;
  if (program === undefined) throw new TypeError("Cannot run a command: argv is empty");
  const child = new Deno.Command(program, {
    args,
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    ...(options.env === undefined ? {} : { env: options.env }),
  }).spawn();
  const timeoutMs = options.timeoutMs ?? 30_000;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killQuietly(child.pid, "SIGKILL");
  }, timeoutMs);
  try {
    if (options.stdin !== undefined) {
      const writer = child.stdin.getWriter();
      const bytes = typeof options.stdin === "string"
        ? new TextEncoder().encode(options.stdin)
        : options.stdin;
      // A command that exits without reading its input makes the write fail: that is fine.
      await writer.write(bytes).catch(() => {});
      await writer.close().catch(() => {});
    }
    const output = await child.output();
    const result: CommandResult = {
      code: output.signal === null ? output.code : 128 + signalNumber(output.signal),
      stdout: DECODER.decode(output.stdout),
      stdoutBytes: output.stdout,
      stderr: DECODER.decode(output.stderr),
    };
    if (timedOut) {
      throw new Error(`Command timed out after ${timeoutMs} ms: "${argv.join(" ")}"`);
    }
    if (options.check && result.code !== 0) {
      throw new Error(
        `Command failed with status ${result.code}: "${argv.join(" ")}": ${result.stderr.trim()}`,
      );
    }
    return result;
  } finally {
    clearTimeout(timer);
  }
}

function signalNumber(signal: Deno.Signal): number {
  const numbers: Partial<Record<Deno.Signal, number>> = {
    SIGHUP: 1,
    SIGINT: 2,
    SIGQUIT: 3,
    SIGABRT: 6,
    SIGKILL: 9,
    SIGPIPE: 13,
    SIGALRM: 14,
    SIGTERM: 15,
  };
  return numbers[signal] ?? 0;
}

/** Options of {@linkcode waitFor}. */
export interface WaitOptions {
  /** Give up after this many milliseconds. Default 15000. */
  timeoutMs?: number;
  /** Milliseconds between two tries. Default 50. */
  intervalMs?: number;
}

/**
 * Polls `probe` until it returns a value other than `undefined`, and returns that value.
 * @throws {Error} naming `what` when the deadline passes first
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  options: WaitOptions = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${options.timeoutMs ?? 15_000} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 50));
  }
}

/** Sends a signal, ignoring a process that is already gone. */
export function killQuietly(pid: number, signal: Deno.Signal): void {
  try {
    Deno.kill(pid, signal);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

/** A process identity that survives PID reuse: its pid and its start time in clock ticks. */
interface ProcessId {
  pid: number;
  start: string;
}

function readStat(pid: number): { state: string; ppid: number; start: string } | undefined {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // Fields after the comm, which may hold spaces and parentheses, start after the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { state: fields[0] ?? "", ppid: Number(fields[1]), start: fields[19] ?? "" };
  } catch {
    return undefined;
  }
}

/** Returns the process and all its descendants, parents first. */
export function processTree(root: number): ProcessId[] {
  const children = new Map<number, number[]>();
  for (const entry of Deno.readDirSync("/proc")) {
    const pid = Number(entry.name);
    if (!Number.isInteger(pid)) continue;
    const stat = readStat(pid);
    if (stat === undefined) continue;
    children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), pid]);
  }
  const tree: ProcessId[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    const stat = readStat(pid);
    if (stat === undefined) continue;
    tree.push({ pid, start: stat.start });
    queue.push(...(children.get(pid) ?? []));
  }
  return tree;
}

function alive(process: ProcessId): boolean {
  const stat = readStat(process.pid);
  return stat !== undefined && stat.start === process.start && stat.state !== "Z";
}

/**
 * Ends a process and every descendant: SIGTERM first, SIGKILL for any still alive after
 * `graceMs`. The tree is read before any signal, since orphans are re-parented.
 */
export async function killTree(root: number, graceMs = 3000): Promise<void> {
  const tree = processTree(root);
  for (const process of tree) killQuietly(process.pid, "SIGTERM");
  try {
    await waitFor("processes to exit", () => tree.some(alive) ? undefined : true, {
      timeoutMs: graceMs,
    });
  } catch {
    for (const process of tree.filter(alive)) killQuietly(process.pid, "SIGKILL");
  }
}
