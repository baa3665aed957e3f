/** One command of a session: an exec, its output attribution and its end. */
import type { CommandFields } from "../events/types.ts";
import type { OutputOwner, Range } from "./output_ranges.ts";
import { baseName } from "./openssh.ts";
import { readCwd } from "./_proc_fs.ts";

/** Bytes of output kept per command for `stdout` (SPEC: first 4 KiB or more). */
export const STDOUT_KEPT = 4096;

/** The public fields of a command from its process's image, argv and cwd. */
export function commandFields(
  proc: { tgid: number; ppid: number; exe: string; argv: string[] },
  at: { ms: number; cwd: string; truncated?: boolean },
): CommandFields {
  return {
    pid: proc.tgid,
    parent_pid: proc.ppid,
    filename: proc.argv[0] ?? baseName(proc.exe),
    args: [proc.exe, ...proc.argv.slice(1)].join(" ") + (at.truncated ? " …" : ""),
    argv: proc.argv,
    cwd: at.cwd,
    exec_path: proc.exe,
    command_start_time: at.ms,
  };
}

let nextSeq = 0;

/**
 * The command of a session's first process found running by the /proc scan: its output so far is
 * unknown, so it owns whatever later commands do not cover.
 */
export function adoptedRootCommand(
  proc: { tgid: number; ppid: number; exe: string; argv: string[] },
  io: { ttyIndex: number; pipes: bigint[]; startMs: number },
): Command {
  const cmd = new Command(
    commandFields(proc, { ms: io.startMs, cwd: readCwd(proc.tgid) ?? "" }),
    true,
  );
  for (const key of [`t${io.ttyIndex}`, ...io.pipes.map((p) => `p${p}`)]) {
    cmd.ranges.set(key, { start: 0, end: Infinity, stdout: true });
  }
  return cmd;
}

/** A command in flight. */
export class Command implements OutputOwner {
  readonly fields: CommandFields;
  readonly isRoot: boolean;
  /** Its spans of the session's output streams, by source key. */
  readonly ranges = new Map<string, Range>();
  readonly seq = nextSeq++;
  /** Process group at exec (0 when unknown). */
  pgid = 0;
  /** Its fd 1 did not write to the session (a pipe to the next command, a file). */
  stdoutElsewhere = false;
  /** When it exited (Date.now()), for the wait on its last output. */
  exitedAt = 0;
  #kept: Uint8Array[] = [];
  #keptLen = 0;
  stdoutSize = 0;
  exitCode = 0;
  signal: string | null = null;
  endMs = 0;

  constructor(fields: CommandFields, isRoot: boolean) {
    this.fields = fields;
    this.isRoot = isRoot;
  }

  /** Attributes output bytes to this command. */
  addOutput(data: Uint8Array): void {
    this.stdoutSize += data.length;
    if (this.#keptLen >= STDOUT_KEPT) return;
    const part = data.subarray(0, STDOUT_KEPT - this.#keptLen);
    this.#kept.push(part.slice());
    this.#keptLen += part.length;
  }

  /** Forgets the output credited so far (a process that wrote nothing, e.g. a background job). */
  clearOutput(): void {
    this.#kept = [];
    this.#keptLen = 0;
    this.stdoutSize = 0;
  }

  /** The kept output, decoded lossily. */
  stdout(): string {
    const all = new Uint8Array(this.#keptLen);
    let at = 0;
    for (const p of this.#kept) {
      all.set(p, at);
      at += p.length;
    }
    return new TextDecoder("utf-8", { fatal: false }).decode(all);
  }
}

const SIGNAL_NAMES = [
  "",
  "SIGHUP",
  "SIGINT",
  "SIGQUIT",
  "SIGILL",
  "SIGTRAP",
  "SIGABRT",
  "SIGBUS",
  "SIGFPE",
  "SIGKILL",
  "SIGUSR1",
  "SIGSEGV",
  "SIGUSR2",
  "SIGPIPE",
  "SIGALRM",
  "SIGTERM",
  "SIGSTKFLT",
  "SIGCHLD",
  "SIGCONT",
  "SIGSTOP",
  "SIGTSTP",
  "SIGTTIN",
  "SIGTTOU",
  "SIGURG",
  "SIGXCPU",
  "SIGXFSZ",
  "SIGVTALRM",
  "SIGPROF",
  "SIGWINCH",
  "SIGIO",
  "SIGPWR",
  "SIGSYS",
];

/** Splits a wait status into the exit code (-1 when killed) and the signal name. */
export function decodeWaitStatus(status: number): { exitCode: number; signal: string | null } {
  const sig = status & 0x7f;
  if (sig === 0) return { exitCode: (status >> 8) & 0xff, signal: null };
  return { exitCode: -1, signal: SIGNAL_NAMES[sig] ?? `SIG${sig}` };
}
