/** Converts the kernel's boot-clock nanoseconds (bpf_ktime_get_boot_ns) to epoch milliseconds. */
import { bootTimeNs } from "../../ffi/libc.ts";

/** Epoch ms of boot: the wall clock (sub-millisecond) minus CLOCK_BOOTTIME, read together. */
export function bootEpochMs(): number {
  const wall = performance.timeOrigin + performance.now();
  return wall - Number(bootTimeNs()) / 1e6;
}

/** Where the first boot epoch a daemon saw during this boot is kept (tmpfs: gone at reboot). */
export const BOOT_EPOCH_FILE = "/run/sshlog-boot-epoch";

function currentBtime(): number {
  const line = Deno.readTextFileSync("/proc/stat").split("\n").find((l) => l.startsWith("btime "));
  return line ? Number(line.slice(6)) : Math.floor(bootEpochMs() / 1000);
}

/**
 * Boot epoch in whole seconds, the same for every daemon of one boot: /proc/stat's btime moves
 * when the wall clock is stepped (NTP at boot), so the first value seen is kept in `file` with
 * the boot's id and reused by later daemons of the same boot; session ids stay stable.
 */
export function stableBootEpochSeconds(
  file = BOOT_EPOCH_FILE,
  bootId: () => string = () => Deno.readTextFileSync("/proc/sys/kernel/random/boot_id").trim(),
  btime: () => number = currentBtime,
): number {
  let id: string;
  try {
    id = bootId();
  } catch {
    return btime(); // no boot id: the kernel's value
  }
  try {
    const [storedId, stored] = Deno.readTextFileSync(file).trim().split(" ");
    if (storedId === id && /^\d+$/.test(stored ?? "")) return Number(stored);
  } catch { /* none yet */ }
  const now = btime();
  try {
    Deno.writeTextFileSync(`${file}.tmp`, `${id} ${now}\n`, { mode: 0o644 });
    Deno.renameSync(`${file}.tmp`, file);
  } catch { /* read-only /run: the kernel's value */ }
  return now;
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
