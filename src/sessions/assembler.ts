/**
 * Turns kernel records into sessions and public events. Processes of one connection are known
 * from fork/exec/exit; a session starts when a session leader forked by sshd execs (the login
 * shell, a command, sftp-server, scp) or, for internal-sftp, moves data without exec'ing.
 */
import type { SshlogEvent } from "../events/types.ts";
import {
  type ExecRecord,
  type ExitRecord,
  FdKind,
  IoDir,
  type IoRecord,
  type OpenRecord,
  RecordFlag,
  RecordType,
  type TraceRecord,
  type WinsizeRecord,
} from "../tracer/records.ts";
import type { BootClock } from "./clock.ts";
import { adoptedRootCommand, Command, commandFields, decodeWaitStatus } from "./command.ts";
import { isTransferCommand } from "./openssh.ts";
import { makeSessionId, Session } from "./session.ts";
import { tcpInfoFromSock, tcpInfoOf } from "./tcp_info.ts";
import { cwdOf, pipeInodes, userDev } from "./_proc_fs.ts";
import { readSourceKey } from "./output_ranges.ts";
import { transferEvent } from "./transfer.ts";
import { userName } from "./users.ts";
import { btmpFailure } from "./auth_failed.ts";
import type { FailedLogin } from "./btmp.ts";
import { LiveSessions } from "./live_sessions.ts";
import { noteKeyLookup, reportKeyFailure } from "./key_failures.ts";
import { newConn, type Proc } from "./_tables.ts";
import { ProcessTable, type ScannedProcess } from "./process_table.ts";
import { OutputBatcher } from "./output_batcher.ts";
import type { BinaryHooks } from "./binary_hooks.ts";

export type { BinaryHooks } from "./binary_hooks.ts";

const decoder = new TextDecoder("utf-8", { fatal: false });
const PENDING_IO_MAX = 512;
/** SSHTRACE_CHUNK_MAX of sshtrace.h: the most data bytes one rec_io carries. */
const SSHTRACE_CHUNK_MAX = 16384;

/** Options of SessionAssembler. */
export interface AssemblerOptions {
  hostname: string;
  clock: BootClock;
  /** /proc/stat btime: boot time in whole epoch seconds. */
  bootEpochSec: number;
  /** How long a command that exited waits for sshd to read its last output (default 2 s). */
  outputWaitMs?: number;
  /** How long a session whose first process ended waits for its output (default 2 s). */
  closeDelayMs?: number;
}

/** Session assembly from records. */
export class SessionAssembler {
  #out: OutputBatcher;
  #hooks: BinaryHooks;
  #opts: Required<AssemblerOptions>;
  #table = new ProcessTable();
  /** The live sessions, as `sshlog sessions`, watch and attach look them up. */
  readonly sessions: LiveSessions = new LiveSessions();

  constructor(emit: (event: SshlogEvent) => void, hooks: BinaryHooks, options: AssemblerOptions) {
    this.#out = new OutputBatcher(emit);
    this.#hooks = hooks;
    this.#opts = { outputWaitMs: 2000, closeDelayMs: 2000, ...options };
  }

  /** Publishes the output kept since each session's last terminal_update (after each batch). */
  flushOutput(): void {
    this.#out.flushAll();
  }

  /** Publishes an event; a session's kept output goes first, so that order is kept. */
  #emit(event: SshlogEvent): void {
    this.#out.publish(event);
  }

  /** Ends the processes whose exit record was lost (a full ring buffer): see ProcessTable. */
  sweep(now: bigint): void {
    for (const r of this.#table.lostExits(now)) this.#exit(r);
  }

  /** Handles one record from the tracer. */
  handle(r: TraceRecord): void {
    switch (r.type) {
      case RecordType.FORK:
        return this.#table.fork(r);
      case RecordType.EXEC:
        return this.#exec(r);
      case RecordType.EXIT:
        return this.#exit(r);
      case RecordType.IO:
        return this.#io(r);
      case RecordType.OPEN:
        return this.#open(r);
      case RecordType.WINSIZE:
        return this.#winsize(r);
    }
  }

  /** Registers a process found by the /proc scan (existing connections). */
  adoptProcess(p: ScannedProcess): void {
    this.#table.adopt(p);
  }

  /** Starts a session for an existing root process found by the /proc scan. */
  adoptSession(
    rootPid: number,
    io: { ttyIndex: number; pipes: bigint[]; startMs: number; startSec: number },
  ): void {
    const proc = this.#table.procs.get(rootPid);
    if (!proc) return;
    const session = this.#startSession(proc, io, true);
    const cmd = adoptedRootCommand(proc, io);
    session.open.push(cmd);
    proc.commands.push(cmd);
  }

  /**
   * Reports a failed login that btmp recorded. The connection (found by the recording sshd's
   * pid) gives the full TCP endpoints; an unknown user is reported once per connection.
   */
  authFailed(login: FailedLogin): void {
    const proc = this.#table.procs.get(login.pid);
    const event = btmpFailure(
      login,
      this.#table.connOrEnded(proc?.conn ?? login.pid),
      this.#opts.hostname,
    );
    if (event) this.#emit(event);
  }

  #exec(r: ExecRecord): void {
    const exe = decoder.decode(r.filename);
    const key = `${userDev(r.exeDev)}:${r.exeIno}`;
    if (r.flags & RecordFlag.LISTENER) {
      this.#hooks.onListener(r.tgid);
      this.#hooks.onOpenSshImage(r.tgid, exe, key);
      return;
    }
    const { proc, parent, wasDaemon } = this.#table.exec(r, exe, argvOf(r));
    if (proc.daemon) {
      const conn = this.#table.conns.get(proc.conn);
      const tcp = tcpInfoFromSock(r.sock);
      if (conn && tcp && proc.tgid === conn.tgid) conn.tcp = tcp;
      this.#hooks.onOpenSshImage(r.tgid, exe, key);
      return;
    }
    const ms = this.#opts.clock.toEpochMs(r.ktime);
    let session = proc.session;
    let isRoot = false;
    // sshd starts each session's process with setsid(); PAM helpers are no session leaders.
    // A child of that leader that execs first (~/.ssh/rc, /etc/ssh/sshrc, xauth, run before the
    // shell) starts the session at the leader, so that it and all it runs are recorded too.
    const leader = !session && (wasDaemon || parent?.daemon) && r.sid === r.tgid
      ? proc
      : !session && parent?.daemon && !parent.session && parent.tgid !== proc.conn &&
          r.sid === parent.tgid
      ? parent
      : undefined;
    if (leader) {
      const pipes = r.fds.filter((f) => f.kind === FdKind.PIPE).map((f) => f.ino);
      const startSec = this.#opts.bootEpochSec + Number(r.start / 1_000_000_000n);
      session = this.#startSession(
        leader,
        { ttyIndex: r.ttyIndex, pipes, startMs: ms, startSec },
        false,
      );
      proc.session = session;
      isRoot = leader === proc;
    }
    if (!session) return; // PAM helpers and the like: part of sshd's work, not the user's
    const fields = commandFields(proc, {
      ms,
      cwd: cwdOf(r),
      truncated: (r.flags & RecordFlag.ARGS_TRUNC) !== 0,
    });
    const cmd = new Command(fields, isRoot || proc.tgid === session.init.shellPid);
    cmd.pgid = r.pgid;
    for (const prev of proc.commands) session.endCommand(prev, r.fds); // a re-exec: it ends here
    session.startCommand(cmd, r.fds);
    proc.commands.push(cmd);
    session.lastCommand = fields.args;
    session.lastActivityMs = ms;
    this.#emit({ ...session.fields("command_start", ms), ...fields });
  }

  #startSession(
    proc: Proc,
    io: { ttyIndex: number; pipes: bigint[]; startMs: number; startSec: number },
    existing: boolean,
  ): Session {
    const { ttyIndex, pipes, startMs: ms } = io;
    const conn = this.#table.conns.get(proc.conn) ?? newConn(proc.conn);
    this.#table.conns.set(conn.tgid, conn);
    const tcp = conn.tcp ?? tcpInfoOf(conn.tgid) ?? tcpInfoOf(proc.ppid);
    if (tcp) conn.tcp = tcp;
    const session = new Session({
      id: makeSessionId(io.startSec, conn.tgid, proc.tgid),
      hostname: this.#opts.hostname,
      ptmPid: conn.tgid,
      ptsPid: proc.ppid,
      shellPid: proc.tgid,
      uid: proc.uid,
      username: userName(proc.uid, conn.tgid),
      ttyId: ttyIndex,
      startMs: ms,
      tcp: conn.tcp ?? { client_ip: "", client_port: 0, server_ip: "", server_port: 0 },
      existing,
      pipes,
      transfer: ttyIndex < 0 && (proc.transfer || isTransferCommand(proc.argv, ttyIndex >= 0)),
    });
    proc.session = session;
    conn.sessions.push(session);
    conn.hadSession = true;
    this.sessions.add(session);
    if (session.init.transfer) this.#hooks.quietPipes(pipes, true);
    this.#emit(session.fields("connection_established", ms));
    const size = conn.sizes?.get(ttyIndex);
    if (size) {
      conn.sizes?.delete(ttyIndex);
      this.#resize(session, size, ms);
    }
    const pending = conn.pendingIo;
    conn.pendingIo = [];
    for (const io of pending) this.#io(io);
    return session;
  }

  #exit(r: ExitRecord): void {
    if (r.flags & RecordFlag.LISTENER) return this.#listenerExit(r.tgid);
    const proc = this.#table.procs.get(r.tgid);
    this.#table.procs.delete(r.tgid);
    const ms = this.#opts.clock.toEpochMs(r.ktime);
    if (proc?.session) {
      const session = proc.session;
      const { exitCode, signal } = decodeWaitStatus(r.exitCode);
      for (const cmd of proc.commands) {
        if (cmd.exitedAt === 0) session.endCommand(cmd, r.fds, r.ktime);
        // Output that never reached the session (into a pipe to the next command, a file):
        // the kernel's count of its writes is all that is known of it.
        if (cmd.stdoutElsewhere) cmd.stdoutSize = Math.max(cmd.stdoutSize, Number(r.wchar));
        else if (r.wchar === 0n && r.fds.length) cmd.clearOutput(); // wrote nothing: not its
        cmd.exitCode = exitCode;
        cmd.signal = signal;
        cmd.endMs = ms;
        cmd.exitedAt = Date.now();
      }
      this.#flushFinishing(session);
      if (session.open.length) this.#scheduleFlush(session);
      if (r.tgid === session.init.shellPid) this.#closeWhenDrained(session, ms);
    }
    // The sshd of a session's I/O, or the connection, ended: its sessions are over. Their
    // processes get SIGHUP only now: wait for their command_finish, connection_close comes last.
    for (const session of this.#table.conns.get(proc?.conn ?? r.connTgid)?.sessions ?? []) {
      if (session.init.ptsPid === r.tgid || session.init.ptmPid === r.tgid) {
        if (!session.hasRunning()) this.#close(session, ms);
        else this.#closeWhenDrained(session, ms);
      }
    }
    const conn = this.#table.conns.get(r.connTgid);
    if (conn?.preauthPid === r.tgid) conn.preauthFailed = r.exitCode !== 0;
    if (conn?.tgid === r.tgid) {
      reportKeyFailure(conn, this.#opts.hostname, ms, (e) => this.#emit(e));
    }
    this.#table.endConn(r.tgid);
  }

  /** A listener ended: a daemonizing sshd's child is the listener now (see ProcessTable). */
  #listenerExit(tgid: number): void {
    for (const pid of this.#table.takeDaemonizedChildren(tgid)) this.#hooks.promoteListener(pid);
  }

  #io(r: IoRecord): void {
    const conn = this.#table.conns.get(r.connTgid);
    if (!conn) return;
    const session = conn.sessions.find((s) =>
      !s.closed &&
      (r.kind === FdKind.PTMX ? s.init.ttyId === r.ttyIndex : s.init.pipes.includes(r.ino))
    );
    if (!session) {
      if (this.#internalSftp(r)) return; // a transfer: its bytes are protocol, not a screen
      if (conn.pendingIo.length < PENDING_IO_MAX) conn.pendingIo.push(r);
      return;
    }
    const ms = this.#opts.clock.toEpochMs(r.ktime);
    const key = readSourceKey(r.kind, r.ttyIndex, r.ino);
    if (r.dir === IoDir.OUTPUT && key) {
      // A chunk's share of the call: all of it, even when a fault left `data` empty.
      const advance = Math.min(r.total - r.offset, SSHTRACE_CHUNK_MAX);
      const call = {
        startKtime: r.startKtime,
        total: r.total,
        first: r.offset === 0,
        fgPgrp: r.fgPgrp,
      };
      const unsent = session.output(r.data, ms, { key, advance, call });
      this.#out.kept(session, unsent);
      if (session.open.some((c) => c.exitedAt !== 0)) this.#flushFinishing(session);
    } else if (r.dir === IoDir.INPUT) {
      const secret = (r.flags & RecordFlag.ECHO_OFF) !== 0 ||
        ((r.flags & RecordFlag.NO_ECHO) !== 0 && session.runsPasswordProgram());
      const event = session.input(r.data, ms, secret);
      if (event) this.#emit(event);
    }
  }

  /**
   * A process that still runs sshd's image and moves session data as a session leader of its own
   * is an `internal-sftp` server: sshd forked it for the channel and called setsid(), and it
   * never execs. (The sshd that serves the connection is no session leader; the ptm is the
   * connection's own.) Its session starts at its first read or write; its id comes from the
   * process's start, so a server that ran before the daemon (re)started keeps its id.
   */
  #internalSftp(r: IoRecord): Session | undefined {
    const proc = this.#table.internalSftpServer(r);
    if (!proc) return undefined;
    const ms = this.#opts.clock.toEpochMs(r.ktime);
    const pipes = [...new Set([...pipeInodes(proc.tgid), r.ino])];
    const bootMs = this.#opts.bootEpochSec * 1000;
    const startedMs = proc.startNs === undefined ? ms : bootMs + Number(proc.startNs / 1_000_000n);
    const io = {
      ttyIndex: -1,
      pipes,
      startMs: proc.adopted ? startedMs : ms,
      startSec: Math.floor(startedMs / 1000),
    };
    return this.#startSession(proc, io, proc.adopted === true);
  }

  /** sshd sized a pty: at allocation (before the session's shell runs) and on window changes. */
  #winsize(r: WinsizeRecord): void {
    const conn = this.#table.conns.get(r.connTgid);
    const size = { columns: r.columns, rows: r.rows };
    const session = conn?.sessions.find((s) => !s.closed && s.init.ttyId === r.ttyIndex);
    if (session) this.#resize(session, size, this.#opts.clock.toEpochMs(r.ktime));
    else if (conn) (conn.sizes ??= new Map()).set(r.ttyIndex, size);
  }

  #resize(session: Session, size: { columns: number; rows: number }, ms: number): void {
    const event = session.resize(size, ms);
    if (event) this.#emit(event);
  }

  #open(r: OpenRecord): void {
    const proc = this.#table.procs.get(r.tgid);
    const authConn = proc?.daemon && !proc.session ? this.#table.conns.get(proc.conn) : undefined;
    if (authConn) noteKeyLookup(authConn, r); // sshd checking a user's keys: see key_failures.ts
    if (!proc?.session || r.ret < 0) return;
    if (!proc.transfer && !(proc.daemon && proc.session.init.transfer)) return;
    const ms = this.#opts.clock.toEpochMs(r.ktime);
    const ev = transferEvent(r, proc.session.fields("file_upload", ms));
    if (ev) this.#emit(ev);
  }

  /** Re-checks, until they are all reported, the commands that wait for their last output. */
  #scheduleFlush(session: Session): void {
    if (session.flushTimer !== undefined) return;
    session.flushTimer = setTimeout(() => {
      delete session.flushTimer;
      this.#flushFinishing(session);
      if (session.open.some((c) => c.exitedAt !== 0)) this.#scheduleFlush(session);
    }, 50);
  }

  /** Emits command_finish for the commands that exited and whose output is all read. */
  #flushFinishing(session: Session, force = false): void {
    const now = Date.now();
    for (const event of session.takeFinished({ now, waitMs: this.#opts.outputWaitMs, force })) {
      this.#emit(event);
    }
  }

  /**
   * Closes a session whose first process ended once sshd has read all the output of its
   * commands (or `closeDelayMs` later at the latest, for a client that stopped reading).
   */
  #closeWhenDrained(session: Session, ms: number, since = Date.now()): void {
    if (session.closed) return;
    const drained = session.open.every((c) => c.exitedAt === 0 || session.streams.drained(c));
    if ((drained && Date.now() - since >= 20) || Date.now() - since >= this.#opts.closeDelayMs) {
      return this.#close(session, ms);
    }
    setTimeout(() => this.#closeWhenDrained(session, ms, since), 20);
  }

  #close(session: Session, ms: number): void {
    if (session.closed) return;
    this.#flushFinishing(session, true);
    session.closed = true;
    session.endMs = ms;
    this.sessions.remove(session);
    if (session.init.transfer) this.#hooks.quietPipes(session.init.pipes, false);
    const conn = this.#table.conns.get(session.init.ptmPid);
    if (conn) conn.sessions = conn.sessions.filter((s) => !s.closed);
    this.#emit({
      ...session.fields("connection_close", ms),
      duration_ms: Math.max(0, ms - session.init.startMs),
    });
  }
}

function argvOf(r: ExecRecord): string[] {
  return r.argv.map((a) => decoder.decode(a));
}
