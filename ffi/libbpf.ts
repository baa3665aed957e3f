/**
 * libbpf 1.1 bindings (Debian 12 ships libbpf.so.1 1.1.2): only symbols that exist in that ABI.
 * Thin typed wrappers; every failing call throws naming the libbpf function and the errno.
 * @module
 */
import { describeErrno, errno, formatVaList } from "./libc.ts";

const SYMBOLS = {
  libbpf_set_print: { parameters: ["function"], result: "pointer" },
  bpf_object__open_file: { parameters: ["buffer", "pointer"], result: "pointer" },
  bpf_object__load: { parameters: ["pointer"], result: "i32" },
  bpf_object__close: { parameters: ["pointer"], result: "void" },
  bpf_object__find_map_by_name: { parameters: ["pointer", "buffer"], result: "pointer" },
  bpf_object__find_program_by_name: { parameters: ["pointer", "buffer"], result: "pointer" },
  bpf_map__set_max_entries: { parameters: ["pointer", "u32"], result: "i32" },
  bpf_map__fd: { parameters: ["pointer"], result: "i32" },
  bpf_program__attach: { parameters: ["pointer"], result: "pointer" },
  bpf_program__attach_uprobe: {
    parameters: ["pointer", "bool", "i32", "buffer", "usize"],
    result: "pointer",
  },
  bpf_link__destroy: { parameters: ["pointer"], result: "i32" },
  bpf_map_update_elem: { parameters: ["i32", "buffer", "buffer", "u64"], result: "i32" },
  bpf_map_lookup_elem: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  bpf_map_delete_elem: { parameters: ["i32", "buffer"], result: "i32" },
  bpf_map_get_next_key: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  libbpf_num_possible_cpus: { parameters: [], result: "i32" },
  libbpf_major_version: { parameters: [], result: "u32" },
  libbpf_minor_version: { parameters: [], result: "u32" },
  libbpf_probe_bpf_map_type: { parameters: ["i32", "pointer"], result: "i32" },
  libbpf_probe_bpf_helper: { parameters: ["i32", "i32", "pointer"], result: "i32" },
  libbpf_probe_bpf_prog_type: { parameters: ["i32", "pointer"], result: "i32" },
  ring_buffer__new: { parameters: ["i32", "function", "pointer", "pointer"], result: "pointer" },
  ring_buffer__consume: { parameters: ["pointer"], result: "i32" },
  ring_buffer__epoll_fd: { parameters: ["pointer"], result: "i32" },
  ring_buffer__free: { parameters: ["pointer"], result: "void" },
} as const;

let lib: Deno.DynamicLibrary<typeof SYMBOLS> | undefined;

function bpf(): Deno.DynamicLibrary<typeof SYMBOLS>["symbols"] {
  lib ??= Deno.dlopen("libbpf.so.1", SYMBOLS);
  return lib.symbols;
}

/** Error of a libbpf call, with the errno it failed with. */
export class LibbpfError extends Error {
  /** Positive errno value. */
  readonly code: number;
  constructor(call: string, code: number, detail = "") {
    super(`Cannot ${call}${detail ? ` "${detail}"` : ""}: ${describeErrno(code)}`);
    this.name = "LibbpfError";
    this.code = Math.abs(code);
  }
}

/** A pointer that libbpf returned, never null. */
export type NativePointer = NonNullable<Deno.PointerValue>;

function cstr(s: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(s + "\0");
}

function check(call: string, rc: number, detail = ""): void {
  if (rc < 0) throw new LibbpfError(call, -rc, detail);
}

function checkPtr(call: string, p: Deno.PointerValue, detail = ""): NativePointer {
  if (p === null) throw new LibbpfError(call, errno() || 22, detail);
  return p;
}

const PRINT_DEF = { parameters: ["i32", "pointer", "pointer"], result: "i32" } as const;
const SAMPLE_DEF = { parameters: ["pointer", "pointer", "usize"], result: "i32" } as const;
let printCallback: Deno.UnsafeCallback<typeof PRINT_DEF> | undefined;

/** Routes libbpf's own log lines to `sink` (level 0 warn, 1 info, 2 debug). */
export function setLibbpfLog(sink: (level: number, line: string) => void): void {
  printCallback?.close();
  printCallback = new Deno.UnsafeCallback(
    PRINT_DEF,
    (level, fmt, args) => {
      sink(level, formatVaList(fmt, args).trimEnd());
      return 0;
    },
  );
  bpf().libbpf_set_print(printCallback.pointer);
}

/** Opens a BPF object file (not yet loaded). */
export function openObject(path: string): NativePointer {
  return checkPtr("open BPF object", bpf().bpf_object__open_file(cstr(path), null), path);
}

/** Verifies and loads every program and map of an opened object into the kernel. */
export function loadObject(obj: NativePointer): void {
  check("load BPF object", bpf().bpf_object__load(obj));
}

/** Frees an object: its programs and maps leave the kernel once no link holds them. */
export function closeObject(obj: NativePointer): void {
  bpf().bpf_object__close(obj);
}

/** Finds a map by name. */
export function findMap(obj: NativePointer, name: string): NativePointer {
  return checkPtr("find BPF map", bpf().bpf_object__find_map_by_name(obj, cstr(name)), name);
}

/** Finds a program by name. */
export function findProgram(obj: NativePointer, name: string): NativePointer {
  return checkPtr(
    "find BPF program",
    bpf().bpf_object__find_program_by_name(obj, cstr(name)),
    name,
  );
}

/** Sets a map's size before load. */
export function setMaxEntries(map: NativePointer, entries: number): void {
  check("set BPF map size", bpf().bpf_map__set_max_entries(map, entries));
}

/** The fd of a loaded map. */
export function mapFd(map: NativePointer): number {
  const fd = bpf().bpf_map__fd(map);
  check("get BPF map fd", fd);
  return fd;
}

/** Attaches a program by its SEC() name (tracepoints); returns the link. */
export function attachProgram(prog: NativePointer, what: string): NativePointer {
  return checkPtr("attach", bpf().bpf_program__attach(prog), what);
}

/** Attaches a program as a uprobe (or uretprobe) at a file offset of a binary, for all pids. */
export function attachUprobe(
  prog: NativePointer,
  options: { retprobe: boolean; path: string; offset: number },
): NativePointer {
  const p = bpf().bpf_program__attach_uprobe(
    prog,
    options.retprobe,
    -1,
    cstr(options.path),
    BigInt(options.offset),
  );
  return checkPtr("attach uprobe", p, `${options.path}+0x${options.offset.toString(16)}`);
}

/** Detaches and frees a link. */
export function destroyLink(link: NativePointer): void {
  bpf().bpf_link__destroy(link);
}

/** Writes one map element (flags: 0 any, 1 no-exist, 2 exist). */
export function mapUpdate(
  fd: number,
  key: Uint8Array<ArrayBuffer>,
  value: Uint8Array<ArrayBuffer>,
  flags = 0,
): void {
  check("update BPF map", bpf().bpf_map_update_elem(fd, key, value, BigInt(flags)));
}

/** Reads one map element into `value`; false when the key is absent. */
export function mapLookup(
  fd: number,
  key: Uint8Array<ArrayBuffer>,
  value: Uint8Array<ArrayBuffer>,
): boolean {
  const rc = bpf().bpf_map_lookup_elem(fd, key, value);
  if (rc === -2) return false;
  check("look up BPF map", rc);
  return true;
}

/** Deletes one map element; false when it was absent. */
export function mapDelete(fd: number, key: Uint8Array<ArrayBuffer>): boolean {
  const rc = bpf().bpf_map_delete_elem(fd, key);
  if (rc === -2) return false;
  check("delete from BPF map", rc);
  return true;
}

/** Every key of a hash map (keySize bytes each). */
export function mapKeys(fd: number, keySize: number): Uint8Array<ArrayBuffer>[] {
  const keys: Uint8Array<ArrayBuffer>[] = [];
  let prev: Uint8Array<ArrayBuffer> | null = null;
  for (;;) {
    const next = new Uint8Array(keySize);
    const rc = bpf().bpf_map_get_next_key(fd, prev ?? new Uint8Array(keySize), next);
    if (rc === -2) break;
    check("list BPF map keys", rc);
    keys.push(next);
    prev = next;
    if (keys.length > 1_000_000) break;
  }
  return keys;
}

/** Number of possible CPUs, as per-CPU maps count them. */
export function possibleCpus(): number {
  const n = bpf().libbpf_num_possible_cpus();
  check("count possible CPUs", n);
  return n;
}

/** The loaded libbpf's version, e.g. "1.1". */
export function libbpfVersion(): string {
  return `${bpf().libbpf_major_version()}.${bpf().libbpf_minor_version()}`;
}

/** BPF_MAP_TYPE_RINGBUF in enum bpf_map_type (linux/bpf.h). */
const BPF_MAP_TYPE_RINGBUF = 27;
/** enum bpf_prog_type / bpf_func_id values (uapi/linux/bpf.h) for the helper probe. */
const BPF_PROG_TYPE_KPROBE = 2;
const BPF_FUNC_LOOP = 181;

/**
 * Whether the running kernel offers BPF ring buffers (Linux 5.8+): libbpf creates one to see.
 * @throws {LibbpfError} when the probe itself fails (e.g. no permission to use bpf())
 */
export function kernelHasRingBuffer(): boolean {
  const result = bpf().libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, null);
  if (result < 0) throw new LibbpfError("probe the BPF ring buffer", result);
  return result === 1;
}

/**
 * Whether the running kernel offers the bpf_loop() helper the program uses (Linux 5.17+, or
 * backported, as in RHEL 9): libbpf loads a tiny program calling it to see. Undefined when no
 * program can be loaded at all (no privilege, seccomp): libbpf's helper probe then says yes.
 * @throws {LibbpfError} when the probe itself fails
 */
export function kernelHasBpfLoop(): boolean | undefined {
  if (bpf().libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_KPROBE, null) !== 1) return undefined;
  const result = bpf().libbpf_probe_bpf_helper(BPF_PROG_TYPE_KPROBE, BPF_FUNC_LOOP, null);
  if (result < 0) throw new LibbpfError("probe the bpf_loop() helper", result);
  return result === 1;
}

/** A libbpf ring buffer whose samples are delivered to a JS callback on the JS thread. */
export class RingBuffer {
  #rb: NativePointer;
  #callback: Deno.UnsafeCallback<typeof SAMPLE_DEF>;

  /** `onSample` gets a copy of each record; return a negative number to stop this consume. */
  constructor(mapFd: number, onSample: (data: Uint8Array) => number) {
    this.#callback = new Deno.UnsafeCallback(
      SAMPLE_DEF,
      (_ctx, data, size) => {
        if (data === null) return 0;
        const view = Deno.UnsafePointerView.getArrayBuffer(data, Number(size));
        return onSample(new Uint8Array(view).slice());
      },
    );
    this.#rb = checkPtr(
      "create ring buffer",
      bpf().ring_buffer__new(mapFd, this.#callback.pointer, null, null),
    );
  }

  /** The epoll fd that becomes readable when records are waiting. */
  epollFd(): number {
    return bpf().ring_buffer__epoll_fd(this.#rb);
  }

  /** Delivers waiting records synchronously; returns the count or a negative stop code. */
  consume(): number {
    return bpf().ring_buffer__consume(this.#rb);
  }

  /** Frees the ring buffer and its callback. */
  close(): void {
    bpf().ring_buffer__free(this.#rb);
    this.#callback.close();
  }
}
