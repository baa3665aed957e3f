/** The processes of every SSH connection, as fork and exec records and the /proc scan tell. */
import type { ExecRecord, ExitRecord, ForkRecord, IoRecord } from "../tracer/records.ts";
import { RecordFlag, RecordType } from "../tracer/records.ts";
import { processAlive } from "./_proc_fs.ts";
import { type Conn, newConn, type Proc } from "./_tables.ts";
import { isOpenSshDaemon, isTransferProgram } from "./openssh.ts";

/** How long an ended connection stays known, for failed logins btmp reports after its end. */
const ENDED_KEEP_MS = 10_000;

/** A process as the /proc scan found it, with its connection. */
export interface ScannedProcess {
  tgid: number;
  ppid: number;
  conn: number;
  uid: number;
  exe: string;
  argv: string[];
  /** Its start in clock ticks (10 ms) since boot, /proc/PID/stat field 22; unknown when absent. */
  startTicks?: number;
}

/** Connections and their processes, by tgid. */
export class ProcessTable {
  readonly procs = new Map<number, Proc>();
  readonly conns = new Map<number, Conn>();
  #ended = new Map<number, { conn: Conn; endedAt: number }>();

  /** Registers a process found by the /proc scan. */
  adopt(p: ScannedProcess): void {
    if (!this.conns.has(p.conn)) this.conns.set(p.conn, newConn(p.conn));
    const parent = this.procs.get(p.ppid);
    this.procs.set(p.tgid, {
      ...p,
      execd: true, // whatever it runs, it is no daemonizing listener's successor
      daemon: isOpenSshDaemon(p.exe) || p.tgid === p.conn,
      transfer: isTransferProgram(p.exe, p.argv),
      commands: [],
      ...(Number.isSafeInteger(p.startTicks)
        ? { startNs: BigInt(p.startTicks!) * 10_000_000n } // clock ticks of 10 ms
        : {}),
      adopted: true,
      ...(parent?.session ? { session: parent.session } : {}),
    });
  }

  /** A fork: a new connection when a listener forked, else a child inheriting its parent's. */
  fork(r: ForkRecord): void {
    // The connection's TCP endpoints come with its first exec (sshd -R, sshd-session), read
    // from the socket in the kernel: nothing is read from /proc on this path.
    if (r.flags & RecordFlag.NEW_CONN) this.conns.set(r.childTgid, newConn(r.childTgid));
    const owner = this.conns.get(r.parentTgid);
    if (owner && owner.preauthPid === undefined) owner.preauthPid = r.childTgid;
    const parent = this.procs.get(r.parentTgid);
    const proc: Proc = {
      tgid: r.childTgid,
      ppid: r.parentTgid,
      conn: r.connTgid,
      uid: r.uid,
      exe: parent?.exe ?? "",
      argv: parent?.argv ?? [],
      daemon: parent ? parent.daemon : (r.flags & RecordFlag.NEW_CONN) !== 0,
      transfer: parent?.transfer ?? false,
      commands: [],
      startNs: r.childStart,
    };
    if (parent?.session) proc.session = parent.session;
    this.procs.set(r.childTgid, proc);
  }

  /** An exec: the process takes its new image; returns it, its parent, and whether it ran sshd. */
  exec(
    r: ExecRecord,
    exe: string,
    argv: string[],
  ): { proc: Proc; parent?: Proc; wasDaemon: boolean } {
    let proc = this.procs.get(r.tgid);
    if (!proc) {
      proc = {
        tgid: r.tgid,
        ppid: r.ppid,
        conn: r.connTgid,
        uid: r.uid,
        exe,
        argv: [],
        daemon: false,
        transfer: false,
        commands: [],
      };
      this.procs.set(r.tgid, proc);
    }
    const wasDaemon = proc.daemon;
    proc.execd = true;
    proc.exe = exe;
    proc.argv = argv;
    proc.uid = r.uid;
    proc.transfer = isTransferProgram(exe, argv);
    // Only a process that ran sshd's image may become an OpenSSH image again (rexec, sshd-session,
    // sshd-auth): a user's own file named sshd is a command like any other.
    proc.daemon = wasDaemon && isOpenSshDaemon(exe);
    const parent = this.procs.get(proc.ppid);
    return parent ? { proc, parent, wasDaemon } : { proc, wasDaemon };
  }

  /**
   * Synthetic exit records for tracked processes that are gone without their exit record (lost
   * to a full ring buffer): exit status unknown, taken as 0.
   */
  lostExits(now: bigint): ExitRecord[] {
    return [...this.procs.values()].filter((p) => !processAlive(p.tgid)).map((p) => ({
      type: RecordType.EXIT,
      flags: 0,
      size: 0,
      ktime: now,
      tgid: p.tgid,
      ppid: p.ppid,
      connTgid: p.conn,
      exitCode: 0,
      start: 0n,
      wchar: 0n,
      fds: [],
    }));
  }

  /**
   * The internal-sftp server an I/O record comes from, marked as a transfer, if it is one: a
   * process still running sshd's image, forked by an sshd, leader of its own session (sshd made
   * it so for the channel) and not the connection's first process.
   */
  internalSftpServer(r: IoRecord): Proc | undefined {
    const proc = this.procs.get(r.tgid);
    if (!proc || proc.session || !proc.daemon || r.sid !== r.tgid || r.tgid === r.connTgid) {
      return undefined;
    }
    if (!this.procs.get(proc.ppid)?.daemon) return undefined;
    proc.transfer = true;
    return proc;
  }

  /** Forgets a connection whose first process ended (kept a while for late failed logins). */
  endConn(tgid: number): void {
    const ended = this.conns.get(tgid);
    if (!ended) return;
    this.conns.delete(tgid);
    const now = Date.now();
    this.#ended.set(tgid, { conn: ended, endedAt: now });
    for (const [k, c] of this.#ended) if (now - c.endedAt > ENDED_KEEP_MS) this.#ended.delete(k);
  }

  /** A live connection, or one that ended a short while ago. */
  connOrEnded(tgid: number): Conn | undefined {
    return this.conns.get(tgid) ?? this.#ended.get(tgid)?.conn;
  }

  /**
   * A listener that daemonizes (sshd started without -D) forks its successor and exits. That
   * child never execs, unlike a connection (9.x rexecs `sshd -R`, 10.x execs sshd-session): it
   * is the listener now. Removes such children of `tgid` and returns their pids.
   */
  takeDaemonizedChildren(tgid: number): number[] {
    const out: number[] = [];
    for (const conn of [...this.conns.values()]) {
      const p = this.procs.get(conn.tgid);
      if (!p || p.ppid !== tgid || p.execd || conn.sessions.length) continue;
      this.conns.delete(conn.tgid);
      this.procs.delete(conn.tgid);
      out.push(conn.tgid);
    }
    return out;
  }
}
