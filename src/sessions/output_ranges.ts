/**
 * Credits session output to the commands that wrote it, by position in the stream sshd reads.
 *
 * At each exec and exit the kernel reports, for fds 1 and 2, how many bytes were written to the
 * session's pty or pipe and not yet read by sshd. With the bytes sshd has read so far, that gives
 * the stream position where a command's output starts and where it ends: a byte at position x
 * belongs to the command whose range holds x, preferring a range opened by stdout over one opened
 * by stderr alone, then the command that started last (a command's children win over it; the
 * login shell gets what no command covers). A command's stdout is complete once sshd
 * has read up to its end position.
 */
import { type FdIdent, FdKind } from "../tracer/records.ts";

/** One command's span of one output source: [start, end) in bytes of that source's stream. */
export interface Range {
  start: number;
  end: number;
  /** Opened by fd 1: stdout ranges win over ranges opened by fd 2 alone. */
  stdout: boolean;
  /**
   * Set at exit when sshd was inside a read of this source: that read's bytes may have left the
   * buffer before the exit while its record comes after. The next read record settles it.
   */
  inflightAt?: bigint;
}

/** The read call a chunk belongs to. */
export interface ReadCall {
  /** When the read began (boot-clock ns). */
  startKtime: bigint;
  /** Bytes the whole call moved. */
  total: number;
  /** True for the call's first chunk. */
  first: boolean;
  /** The pty's foreground process group during the read (0: none, a pipe). */
  fgPgrp?: number;
}

/** Something that can be credited with output: a command. */
export interface OutputOwner {
  readonly ranges: Map<string, Range>;
  /** Exec order, to pick the most recent owner of a byte. */
  readonly seq: number;
  /** Process group (0 when unknown): the pty's foreground group owns what is read. */
  readonly pgid: number;
  addOutput(data: Uint8Array): void;
}

/** The source key of an sshd-side read: "t<pts>" for the terminal, "p<inode>" for a pipe. */
export function readSourceKey(kind: number, ttyIndex: number, ino: bigint): string | undefined {
  if (kind === FdKind.PTMX) return `t${ttyIndex}`;
  if (kind === FdKind.PIPE) return `p${ino}`;
  return undefined;
}

/** The source key of a command's fd, when it writes to this session's terminal or pipes. */
export function writeSourceKey(
  fd: FdIdent | undefined,
  session: { ttyId: number; pipes: bigint[] },
): string | undefined {
  if (!fd) return undefined;
  if (fd.kind === FdKind.PTS && fd.ttyIndex === session.ttyId) return `t${fd.ttyIndex}`;
  if (fd.kind === FdKind.PIPE && session.pipes.includes(fd.ino)) return `p${fd.ino}`;
  return undefined;
}

/** Per-source read positions of one session, and the crediting of what is read. */
export class OutputStreams {
  #consumed = new Map<string, number>();

  /** Bytes sshd has read from a source so far. */
  consumed(key: string): number {
    return this.#consumed.get(key) ?? 0;
  }

  /** Where the next byte written to `fd` lands in its source's stream (pending included). */
  position(key: string, fd: FdIdent): number {
    return this.consumed(key) + fd.pending;
  }

  /**
   * Records that sshd read `advance` bytes of `key` (data holds them, or fewer after a fault) and
   * credits each byte to its owner among `owners`.
   */
  read(
    key: string,
    chunk: { data: Uint8Array; advance: number; call: ReadCall },
    owners: Iterable<OutputOwner>,
  ): void {
    const { data, advance, call } = chunk;
    const all = [...owners];
    if (call.first) settleInflight(key, call, all);
    const a = this.consumed(key);
    this.#consumed.set(key, a + advance);
    const b = a + data.length;
    const candidates = all.filter((o) => {
      const r = o.ranges.get(key);
      return r !== undefined && r.start < b && r.end > a;
    });
    if (!candidates.length || !data.length) return;
    const cuts = new Set([a, b]);
    for (const o of candidates) {
      const r = o.ranges.get(key)!;
      if (r.start > a && r.start < b) cuts.add(r.start);
      if (r.end > a && r.end < b) cuts.add(r.end);
    }
    const points = [...cuts].sort((x, y) => x - y);
    for (let i = 0; i + 1 < points.length; i++) {
      const lo = points[i]!;
      const hi = points[i + 1]!;
      // The owner: a command of the terminal's foreground process group (a background job does
      // not own the prompt), then one whose stdout writes here over one whose stderr does (the
      // left side of a pipe keeps the terminal as stderr), then the most recently exec'd.
      let best: OutputOwner | undefined;
      let bestRank = -1;
      for (const o of candidates) {
        const r = o.ranges.get(key)!;
        if (r.start > lo || r.end < hi) continue;
        const rank = (call.fgPgrp && o.pgid === call.fgPgrp ? 2 : 0) + (r.stdout ? 1 : 0);
        if (!best || rank > bestRank || (rank === bestRank && o.seq > best.seq)) {
          best = o;
          bestRank = rank;
        }
      }
      best?.addOutput(data.subarray(lo - a, hi - a));
    }
  }

  /** True once sshd has read every byte of every range of `owner`. */
  drained(owner: OutputOwner): boolean {
    for (const [key, r] of owner.ranges) {
      if (r.inflightAt !== undefined || this.consumed(key) < r.end) return false;
    }
    return true;
  }
}

/** The first read after an exit that found a read in flight: it is that read, or there was none
 * with bytes (a read that began after the exit). */
function settleInflight(key: string, call: ReadCall, owners: OutputOwner[]): void {
  for (const o of owners) {
    const r = o.ranges.get(key);
    if (r?.inflightAt === undefined) continue;
    if (call.startKtime < r.inflightAt) r.end += call.total;
    delete r.inflightAt;
  }
}
