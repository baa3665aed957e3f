/** One SSH session (one channel's shell, command or subsystem) and its running commands. */
import { withRawBytes } from "../events/raw.ts";
import type {
  CommandFinishEvent,
  SessionFields,
  SessionSnapshot,
  TcpInfo,
  TerminalInputEvent,
  TerminalResizeEvent,
  TerminalUpdateEvent,
} from "../events/types.ts";
import type { Command } from "./command.ts";
import { baseName } from "./openssh.ts";
import { OutputStreams, type ReadCall, writeSourceKey } from "./output_ranges.ts";
import { FdFlag, type FdIdent } from "../tracer/records.ts";

/** Programs whose echo-off input is a password, in or out of line mode. */
const PASSWORD_PROGRAMS = new Set([
  "sudo",
  "su",
  "passwd",
  "gpg",
  "gpg2",
  "pinentry",
  "pinentry-curses",
  "pinentry-tty",
  "ssh",
  "ssh-add",
  "ssh-keygen",
  "scp",
  "sftp",
  "openssl",
  "mysql",
  "psql",
  "kinit",
  "cryptsetup",
  "doas",
  "login",
]);

/** Output kept per live session to rebuild its screen for an attach. */
export const RECENT_OUTPUT_MAX = 256 * 1024;

/** Everything known about a session when it starts. */
export interface SessionInit {
  id: string;
  hostname: string;
  ptmPid: number;
  ptsPid: number;
  shellPid: number;
  uid: number;
  username: string;
  ttyId: number;
  startMs: number;
  tcp: TcpInfo;
  existing: boolean;
  /** Pipe inodes of the root's stdin/stdout/stderr (sessions without a terminal). */
  pipes: bigint[];
  /** sftp-server, internal-sftp or scp: its data is a file transfer, not a terminal. */
  transfer: boolean;
}

/** A live (or just ended) session. */
export class Session {
  readonly init: SessionInit;
  endMs = 0;
  lastActivityMs: number;
  lastCommand = "";
  closed = false;
  /** The terminal's size, once sshd set it (pty sessions). */
  size?: { columns: number; rows: number };
  /** Commands not reported as finished yet (running, or waiting for their last output). */
  open: Command[] = [];
  /** The pending re-check of commands waiting for their last output. */
  flushTimer?: ReturnType<typeof setTimeout>;
  /** Read positions of the session's output streams. */
  readonly streams = new OutputStreams();
  readonly outputDecoder = new TextDecoder("utf-8", { fatal: false });
  #recent: Uint8Array[] = [];
  #recentBytes = 0;
  /** Output read but not yet published: consecutive reads become one terminal_update. */
  #unsent: { chunks: Uint8Array[]; bytes: number; ms: number } = { chunks: [], bytes: 0, ms: 0 };
  readonly inputDecoder = new TextDecoder("utf-8", { fatal: false });

  constructor(init: SessionInit) {
    this.init = init;
    this.lastActivityMs = init.startMs;
  }

  /** The session fields every event of this session carries. */
  fields<T extends SessionFields["event_type"]>(
    eventType: T,
    timestamp: number,
  ): SessionFields & { event_type: T } {
    const i = this.init;
    return {
      event_type: eventType,
      timestamp,
      hostname: i.hostname,
      session_id: i.id,
      ptm_pid: i.ptmPid,
      pts_pid: i.ptsPid,
      shell_pid: i.shellPid,
      user_id: i.uid,
      username: i.username,
      tty_id: i.ttyId,
      start_time: i.startMs,
      end_time: this.endMs,
      tcp_info: { ...i.tcp },
      ...(i.existing ? { existing: true } : {}),
    };
  }

  /**
   * True while a program that asks for passwords runs in the session: input it reads with echo
   * off is a secret even outside line mode (sudo with pwfeedback, pinentry-curses).
   */
  runsPasswordProgram(): boolean {
    return this.open.some((c) =>
      c.exitedAt === 0 && PASSWORD_PROGRAMS.has(baseName(c.fields.exec_path))
    );
  }

  /** True while one of the session's commands is still running. */
  hasRunning(): boolean {
    return this.open.some((c) => c.exitedAt === 0);
  }

  /** Opens a command's ranges: where its output starts in each stream its fds 1/2 write to. */
  startCommand(cmd: Command, fds: FdIdent[]): void {
    cmd.stdoutElsewhere = writeSourceKey(fds[1], this.init) === undefined;
    this.open.push(cmd);
    if (this.init.transfer) return; // its pipes are quiet: no read records to place output by
    for (const [i, fd] of [[1, fds[1]], [2, fds[2]]] as const) {
      const key = writeSourceKey(fd, this.init);
      if (!key || !fd) continue;
      const start = this.streams.position(key, fd);
      const r = cmd.ranges.get(key);
      if (!r) cmd.ranges.set(key, { start, end: Infinity, stdout: i === 1 });
      else r.stdout ||= i === 1;
    }
  }

  /** Closes a command's ranges where its output ends (`fds` as the process had them then). */
  endCommand(cmd: Command, fds: FdIdent[], ktime?: bigint): void {
    for (const [key, r] of cmd.ranges) {
      const fd = [fds[1], fds[2]].find((f) => writeSourceKey(f, this.init) === key);
      const end = fd ? this.streams.position(key, fd) : this.streams.consumed(key);
      r.end = Math.max(r.start, Math.min(r.end, end));
      if (fd && ktime !== undefined && fd.flags & FdFlag.READ_INFLIGHT) r.inflightAt = ktime;
    }
  }

  /**
   * Credits output read from source `read.key` to its commands (`read.advance` bytes moved,
   * `data` holds them, or fewer after a fault) and keeps the bytes for the next terminal_update;
   * returns how many bytes wait for it.
   */
  output(
    data: Uint8Array,
    ms: number,
    read: { key: string; advance: number; call: ReadCall },
  ): number {
    this.lastActivityMs = ms;
    this.streams.read(read.key, { data, advance: read.advance, call: read.call }, this.open);
    if (!data.length || this.init.transfer) return this.#unsent.bytes; // transfers: no screen
    if (!this.#unsent.chunks.length) this.#unsent.ms = ms;
    this.#unsent.chunks.push(data);
    this.#unsent.bytes += data.length;
    this.#keepRecent(data);
    return this.#unsent.bytes;
  }

  /** Keeps the last RECENT_OUTPUT_MAX bytes of output: what an attach rebuilds the screen from. */
  #keepRecent(data: Uint8Array): void {
    this.#recent.push(data);
    this.#recentBytes += data.length;
    while (this.#recentBytes - (this.#recent[0]?.length ?? 0) >= RECENT_OUTPUT_MAX) {
      this.#recentBytes -= this.#recent.shift()!.length;
    }
  }

  /**
   * The session's latest output already published as terminal_update (up to RECENT_OUTPUT_MAX
   * bytes), oldest first: a view rebuilds the screen from it, and later output follows as events.
   */
  recentOutput(): Uint8Array {
    const all = new Uint8Array(this.#recentBytes);
    let at = 0;
    for (const chunk of this.#recent) {
      all.set(chunk, at);
      at += chunk.length;
    }
    return all.subarray(0, Math.max(0, all.length - this.#unsent.bytes));
  }

  /** One terminal_update with the output kept since the last one, or undefined. */
  takeOutput(): TerminalUpdateEvent | undefined {
    const { chunks, bytes, ms } = this.#unsent;
    if (!chunks.length) return undefined;
    this.#unsent = { chunks: [], bytes: 0, ms: 0 };
    let data = chunks[0]!;
    if (chunks.length > 1) {
      data = new Uint8Array(bytes);
      let at = 0;
      for (const c of chunks) {
        data.set(c, at);
        at += c.length;
      }
    }
    const text = this.outputDecoder.decode(data, { stream: true });
    return withRawBytes(
      { ...this.fields("terminal_update", ms), terminal_data: text, data_len: data.length },
      data,
    );
  }

  /** The terminal_input for keystrokes; none while echo was off (passwords), none for transfers. */
  input(data: Uint8Array, ms: number, echoOff: boolean): TerminalInputEvent | undefined {
    this.lastActivityMs = ms;
    if (echoOff || this.init.transfer) return undefined;
    const text = this.inputDecoder.decode(data, { stream: true });
    return withRawBytes(
      { ...this.fields("terminal_input", ms), terminal_data: text, data_len: data.length },
      data,
    );
  }

  /**
   * command_finish events for the commands that exited and whose output sshd has read to the end
   * (or that exited more than `waitMs` ago, or all of them with `force`); forgets them.
   */
  takeFinished(options: { now: number; waitMs: number; force?: boolean }): CommandFinishEvent[] {
    const done = this.open.filter((c) =>
      c.exitedAt !== 0 &&
      (options.force || this.streams.drained(c) || options.now - c.exitedAt >= options.waitMs)
    );
    if (!done.length) return [];
    this.open = this.open.filter((c) => !done.includes(c));
    return done.map((cmd) => ({
      ...this.fields("command_finish", cmd.endMs),
      ...cmd.fields,
      end_time: cmd.endMs,
      exit_code: cmd.exitCode,
      signal: cmd.signal,
      stdout: cmd.stdout(),
      stdout_size: cmd.stdoutSize,
      duration_ms: Math.max(0, cmd.endMs - cmd.fields.command_start_time),
    }));
  }

  /** The terminal_resize for a new size, or undefined when it did not change. */
  resize(size: { columns: number; rows: number }, ms: number): TerminalResizeEvent | undefined {
    if (this.size?.columns === size.columns && this.size.rows === size.rows) return undefined;
    this.size = size;
    return { ...this.fields("terminal_resize", ms), ...size };
  }

  /** The row `sshlog sessions` shows. */
  snapshot(): SessionSnapshot {
    const { event_type: _t, timestamp: _ts, ...rest } = this.fields("connection_established", 0);
    return {
      ...rest,
      last_activity_time: this.lastActivityMs,
      last_command: this.lastCommand,
      existing: this.init.existing,
    };
  }
}

/**
 * A stable, file-name-safe session id: the root process's start second (UTC), ptm pid and root
 * pid. The start second is computed from /proc/stat's btime, so a restarted daemon that finds the
 * session again derives the same id.
 */
export function makeSessionId(startEpochSec: number, ptmPid: number, shellPid: number): string {
  const t = new Date(startEpochSec * 1000).toISOString().replace(/[-:]/g, "").replace(".000", "");
  return `${t}-${ptmPid}-${shellPid}`;
}
