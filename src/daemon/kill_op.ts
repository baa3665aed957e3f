/**
 * The `kill` op of the daemon socket: ends a session the daemon tracks by stopping the sshd
 * process that serves it (SIGTERM, then SIGKILL if it is still there after KILL_GRACE_MS). The
 * client is disconnected, the session's processes get SIGHUP and connection_close follows. Only
 * tracked sessions can be named: the op never takes a pid.
 */
import { getLogger } from "@logtape/logtape";
import type { IpcEnvelope, IpcServer } from "../ipc/mod.ts";
import { IpcError, optionalText } from "../ipc/mod.ts";
import type { LiveSessions } from "../sessions/live_sessions.ts";
import type { Session } from "../sessions/session.ts";
import { identifyClient } from "./client_identity.ts";

const log = getLogger(["sshlog", "daemon"]);
const KILL_GRACE_MS = 3000;

function parseKill(envelope: IpcEnvelope): { session: string; envelope: IpcEnvelope } {
  const session = optionalText(envelope, "session");
  if (session === undefined) {
    throw new TypeError(
      'The "kill" request needs a "session": a session id, TTY number or ptm pid',
    );
  }
  return { session, envelope };
}

function signal(pid: number, sig: Deno.Signal): boolean {
  try {
    Deno.kill(pid, sig);
    return true;
  } catch {
    return false; // already gone
  }
}

/** Ends a tracked session: SIGTERM to its sshd, SIGKILL after the grace time; `by` is logged. */
export function killSession(session: Session, by: string): void {
  const { ptsPid, id, username } = session.init;
  log.info("{by} kills session {id} of {user}: SIGTERM to sshd {pid}", {
    by,
    id,
    user: username,
    pid: ptsPid,
  });
  signal(ptsPid, "SIGTERM");
  setTimeout(() => {
    if (!session.closed && signal(ptsPid, "SIGKILL")) {
      log.warn("sshd {pid} of session {id} ignored SIGTERM: sent SIGKILL", { pid: ptsPid, id });
    }
  }, KILL_GRACE_MS);
}

/** Adds the `kill` op to the daemon's socket at `socketPath`. */
export function registerKillOp(
  server: IpcServer,
  sessions: LiveSessions,
  socketPath: string,
): void {
  server.handle("kill", {
    parse: parseKill,
    run: async (request, connection) => {
      // Who asks first: the session is looked up (and signalled) with no wait in between.
      const who = await identifyClient(request.envelope, socketPath);
      const session = sessions.findSession(request.session);
      if (!session) {
        throw new IpcError(`No live session matches ${JSON.stringify(request.session)}`, "refused");
      }
      killSession(
        session,
        `Socket client ${JSON.stringify(who.admin_user)} (uid ${who.admin_uid})`,
      );
      connection.send({ ok: true, session: session.snapshot() });
    },
  });
}
