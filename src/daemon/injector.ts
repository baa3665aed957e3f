/** Types into a live session: writes to a copy of the pty master that the session's sshd holds. */
import { BorrowedFd } from "../../ffi/pty_master.ts";
import { decodeBase64 } from "../events/base64.ts";
import type { Session } from "../sessions/session.ts";

/** What an interactive attach writes keystrokes with. */
export interface Injector {
  /** Writes base64-encoded keystrokes; returns the bytes written. */
  write(base64: string): Uint8Array;
  close(): void;
}

/** The fd of `pid` that is the pty master of pts `tty` (from /proc/PID/fdinfo's tty-index). */
function findPtyMaster(pid: number, tty: number): number {
  for (const entry of Deno.readDirSync(`/proc/${pid}/fd`)) {
    let target = "";
    try {
      target = Deno.readLinkSync(`/proc/${pid}/fd/${entry.name}`);
    } catch {
      continue;
    }
    if (!/ptmx$/.test(target)) continue;
    const info = Deno.readTextFileSync(`/proc/${pid}/fdinfo/${entry.name}`);
    if (new RegExp(`^tty-index:\\s+${tty}$`, "m").test(info)) return Number(entry.name);
  }
  throw new Error(`Cannot find the pty master of /dev/pts/${tty} in sshd ${pid}`);
}

/** Opens the injector of a pty session. */
export function openInjector(session: Session): Injector {
  const fd = findPtyMaster(session.init.ptsPid, session.init.ttyId);
  const master = BorrowedFd.borrow(session.init.ptsPid, fd);
  return {
    write(base64) {
      const bytes = decodeBase64(base64);
      master.write(bytes);
      return bytes;
    },
    close: () => master.close(),
  };
}
