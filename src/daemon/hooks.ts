/** Hooks the OpenSSH binaries that listeners and connections run, once per file. */
import { getLogger } from "@logtape/logtape";
import type { BinaryHooks } from "../sessions/assembler.ts";
import { HOOKED_BINARIES } from "../sessions/openssh.ts";
import type { Tracer } from "../tracer/tracer.ts";

const log = getLogger(["sshlog", "daemon"]);

function fileKey(path: string): string | undefined {
  try {
    const st = Deno.statSync(path);
    return `${st.dev}:${st.ino}`;
  } catch {
    return undefined;
  }
}

/** Hooks `path` (seen from the daemon) unless its file is hooked already. */
function hook(tracer: Tracer, path: string, key: string | undefined): void {
  if (!key || tracer.isHooked(key)) return;
  try {
    const fns = tracer.hookBinary(key, path);
    log.info("Hooked {path}: {fns}", { path, fns: fns.join(", ") });
    if (!fns.includes("read") || !fns.includes("write")) {
      log.warn("No read/write PLT stubs in {path}: its session I/O is not captured", { path });
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || (error as { code?: number }).code === 2) {
      // The process ended before we looked: a short-lived sshd (sshd -t, a quick exit).
      log.debug("Cannot hook {path}: it is gone", { path });
    } else {
      log.error("Cannot hook {path}: {message}", { path, message: String(error) });
    }
  }
}

/** Hooks every OpenSSH binary visible from process `pid`'s root. */
export function hookOpenSshOf(tracer: Tracer, pid: number): void {
  hook(tracer, `/proc/${pid}/exe`, fileKey(`/proc/${pid}/exe`));
  for (const rel of HOOKED_BINARIES) {
    const path = `/proc/${pid}/root${rel}`;
    hook(tracer, path, fileKey(path));
  }
}

/** The BinaryHooks the session assembler calls. */
export function binaryHooks(tracer: Tracer): BinaryHooks {
  return {
    onOpenSshImage(pid, _exe, key) {
      if (!tracer.isHooked(key)) hookOpenSshOf(tracer, pid);
    },
    onListener(pid) {
      hookOpenSshOf(tracer, pid);
    },
    promoteListener(pid) {
      tracer.untrackProcess(pid);
      tracer.addListener(pid);
      log.info("sshd {pid} daemonized: it is the listener now", { pid });
    },
    quietPipes(inodes, quiet) {
      try {
        tracer.setQuietPipes(inodes, quiet);
      } catch (error) {
        log.warn("Cannot update the quiet pipes: {error}", { error });
      }
    },
  };
}
