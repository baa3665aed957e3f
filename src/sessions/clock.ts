/** Converts the kernel's boot-clock nanoseconds (bpf_ktime_get_boot_ns) to epoch milliseconds. */
import { bootTimeNs } from "../../ffi/libc.ts";

/** Epoch ms of boot: the wall clock (sub-millisecond) minus CLOCK_BOOTTIME, read together. */
export function bootEpochMs(): number {
  const wall = performance.timeOrigin + performance.now();
  return wall - Number(bootTimeNs()) / 1e6;
}

/** Boot epoch in whole seconds from /proc/stat: identical for every reader during one boot. */
export function stableBootEpochSeconds(): number {
  const line = Deno.readTextFileSync("/proc/stat").split("\n").find((l) => l.startsWith("btime "));
  return line ? Number(line.slice(6)) : Math.floor(bootEpochMs() / 1000);
}

/** A converter from boot-clock ns to epoch ms. */
export class BootClock {
  #bootMs: number;
  constructor(bootMs: number = bootEpochMs()) {
    this.#bootMs = bootMs;
  }
  /** Epoch ms of a boot-clock timestamp. */
  toEpochMs(ktimeNs: bigint): number {
    return Math.round(this.#bootMs + Number(ktimeNs / 1000n) / 1000);
  }
}
