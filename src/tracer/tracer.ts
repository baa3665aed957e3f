/**
 * Opens, loads and attaches the BPF object, keeps the kernel's tracking maps, hooks OpenSSH
 * binaries with uprobes, and drains the ring buffer without blocking the JS thread.
 */
import { getLogger } from "@logtape/logtape";
import {
  attachProgram,
  attachUprobe,
  closeObject,
  destroyLink,
  findMap,
  findProgram,
  loadObject,
  mapDelete,
  mapFd,
  mapKeys,
  mapLookup,
  mapUpdate,
  type NativePointer,
  openObject,
  possibleCpus,
  RingBuffer,
  setLibbpfLog,
  setMaxEntries,
} from "../../ffi/libbpf.ts";
import { epollWait } from "../../ffi/libc.ts";
import { findPltStubs } from "./plt.ts";
import { decodeRecord, GAP_REASONS, type TraceRecord } from "./records.ts";

const log = getLogger(["sshlog", "tracer"]);

/** Programs on rare scheduler tracepoints, attached at start. */
const TRACEPOINT_PROGRAMS = ["handle_fork", "handle_exec", "handle_exit"] as const;

/** uprobe programs per libc function called through an OpenSSH binary's PLT (write needs no
 * return probe: see handle_write_enter). */
const STUB_PROGRAMS: Record<string, { enter: string; exit?: string }> = {
  read: { enter: "handle_read_enter", exit: "handle_read_return" },
  write: { enter: "handle_write_enter" },
  open: { enter: "handle_open_enter", exit: "handle_open_return" },
  ioctl: { enter: "handle_ioctl_enter" },
};

/** procs map flag: the daemon itself and its children. */
export const PROC_IGNORED = 1;

/** Options of Tracer.open(). */
export interface TracerOptions {
  /** Ring buffer size in bytes, a power of two (default 16 MiB). */
  ringBytes?: number;
  /** Records delivered per synchronous batch before yielding (default 4096). */
  batch?: number;
  /** Called after each batch of records, before waiting for more. */
  onBatchEnd?: () => void;
}

/** Totals of data the kernel side lost, per reason. */
export type GapTotals = Record<string, { events: number; bytes: number }>;

function u32(n: number): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0, true);
  return b;
}

/** The loaded BPF side of sshlog. */
export class Tracer {
  #obj: NativePointer;
  #links: NativePointer[] = [];
  #hooked = new Map<string, NativePointer[]>();
  #procsFd: number;
  #listenersFd: number;
  #gapsFd: number;
  #quietFd: number;
  #cpus: number;
  #ring?: RingBuffer;
  #closed = false;
  #decodeErrors = 0;

  private constructor(obj: NativePointer, cpus: number) {
    this.#obj = obj;
    this.#cpus = cpus;
    this.#procsFd = mapFd(findMap(obj, "procs"));
    this.#listenersFd = mapFd(findMap(obj, "listeners"));
    this.#gapsFd = mapFd(findMap(obj, "gap_counts"));
    this.#quietFd = mapFd(findMap(obj, "quiet_pipes"));
  }

  /** Loads the object at `path` and attaches the scheduler tracepoints. */
  static open(path: string, options: TracerOptions = {}): Tracer {
    setLibbpfLog((level, line) => {
      // A process that ended before its binary was hooked is a normal race, not a warning.
      if (level === 0 && !/No such file or directory/.test(line)) {
        log.warn("libbpf: {line}", { line });
      } else log.debug("libbpf: {line}", { line });
    });
    const obj = openObject(path);
    try {
      const cpus = possibleCpus();
      setMaxEntries(findMap(obj, "scratch"), cpus);
      setMaxEntries(findMap(obj, "events"), options.ringBytes ?? 16 * 1024 * 1024);
      loadObject(obj);
      const tracer = new Tracer(obj, cpus);
      for (const name of TRACEPOINT_PROGRAMS) {
        tracer.#links.push(attachProgram(findProgram(obj, name), name));
      }
      return tracer;
    } catch (error) {
      closeObject(obj);
      throw error;
    }
  }

  /**
   * Hooks read/write/open of one OpenSSH binary (sshd, sshd-session, sftp-server, scp) at its
   * PLT stubs. `key` identifies the file (device:inode) so each is hooked once.
   * Returns the functions hooked.
   */
  hookBinary(key: string, path: string): string[] {
    if (this.#hooked.has(key)) return [];
    const stubs = findPltStubs(Deno.readFileSync(path), Object.keys(STUB_PROGRAMS));
    const links: NativePointer[] = [];
    try {
      for (const [fn, offset] of Object.entries(stubs)) {
        const progs = STUB_PROGRAMS[fn];
        if (!progs) continue;
        links.push(
          attachUprobe(findProgram(this.#obj, progs.enter), { retprobe: false, path, offset }),
        );
        if (progs.exit) {
          links.push(
            attachUprobe(findProgram(this.#obj, progs.exit), { retprobe: true, path, offset }),
          );
        }
      }
    } catch (error) {
      for (const l of links) destroyLink(l);
      throw error;
    }
    this.#hooked.set(key, links);
    return Object.keys(stubs);
  }

  /** True once a binary (device:inode key) is hooked. */
  isHooked(key: string): boolean {
    return this.#hooked.has(key);
  }

  /** Adds a process found by the /proc scan to the kernel's tracking. */
  trackProcess(tgid: number, connTgid: number, flags = 0): void {
    const value = new Uint8Array(8);
    const v = new DataView(value.buffer);
    v.setUint32(0, connTgid, true);
    v.setUint32(4, flags, true);
    mapUpdate(this.#procsFd, u32(tgid), value);
  }

  /** Removes a process from tracking (it ended while the daemon was not looking). */
  untrackProcess(tgid: number): void {
    mapDelete(this.#procsFd, u32(tgid));
  }

  /** Marks an sshd listener: its children are new connections. */
  addListener(tgid: number): void {
    mapUpdate(this.#listenersFd, u32(tgid), new Uint8Array(1));
  }

  /** Stops (or resumes) copying the bytes that pass through these pipes (file transfers). */
  setQuietPipes(inodes: bigint[], quiet: boolean): void {
    for (const ino of inodes) {
      const key = new Uint8Array(8);
      new DataView(key.buffer).setBigUint64(0, ino, true);
      if (quiet) mapUpdate(this.#quietFd, key, new Uint8Array(1));
      else mapDelete(this.#quietFd, key);
    }
  }

  /** The listener tgids the kernel knows. */
  listeners(): number[] {
    return mapKeys(this.#listenersFd, 4).map((k) => new DataView(k.buffer).getUint32(0, true));
  }

  /** Sums the per-CPU loss counters, plus records the daemon could not decode. */
  gapTotals(): GapTotals {
    const totals: GapTotals = {};
    const value = new Uint8Array(16 * this.#cpus);
    const v = new DataView(value.buffer);
    GAP_REASONS.forEach((reason, i) => {
      let events = 0;
      let bytes = 0;
      if (mapLookup(this.#gapsFd, u32(i), value)) {
        for (let c = 0; c < this.#cpus; c++) {
          events += Number(v.getBigUint64(c * 16, true));
          bytes += Number(v.getBigUint64(c * 16 + 8, true));
        }
      }
      totals[reason] = { events, bytes };
    });
    totals["decode_error"] = { events: this.#decodeErrors, bytes: 0 };
    return totals;
  }

  /**
   * Delivers every record to `onRecord` until close(). Records are consumed in batches on the
   * JS thread; waiting happens in a native thread (non-blocking epoll_wait).
   */
  async run(onRecord: (record: TraceRecord) => void, options: TracerOptions = {}): Promise<void> {
    const batch = options.batch ?? 4096;
    let inBatch = 0;
    this.#ring = new RingBuffer(mapFd(findMap(this.#obj, "events")), (data) => {
      try {
        onRecord(decodeRecord(data));
      } catch (error) {
        this.#decodeErrors++;
        log.error("Cannot handle a kernel record: {error}", { error });
      }
      return ++inBatch >= batch ? -1 : 0;
    });
    const epfd = this.#ring.epollFd();
    while (!this.#closed) {
      await epollWait(epfd, 200);
      if (this.#closed) break;
      for (;;) {
        inBatch = 0;
        const n = this.#ring.consume();
        options.onBatchEnd?.();
        if (n >= 0 && inBatch < batch) break;
        await new Promise((resolve) => setTimeout(resolve, 1)); // let the event loop breathe
        if (this.#closed) break;
      }
    }
  }

  /** Detaches everything and frees the object; in reverse order of creation. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const links of this.#hooked.values()) for (const l of links) destroyLink(l);
    for (const l of this.#links.reverse()) destroyLink(l);
    this.#ring?.close();
    closeObject(this.#obj);
  }
}
