/**
 * The `attach` op of the daemon socket: an administrator sees a live session's screen (rebuilt
 * in a headless terminal from the session's latest output), then its output as it comes, and,
 * when the daemon runs with session injection, types into it through a copy of the pty master
 * that sshd holds. Every attach, detach and injected batch is an event naming who did it.
 */
import { getLogger } from "@logtape/logtape";
import { encodeBase64 } from "../events/base64.ts";
import type { EventBus } from "../events/bus.ts";
import { rawBytes } from "../events/raw.ts";
import type { SshlogEvent } from "../events/types.ts";
import type { IpcEnvelope, IpcServer } from "../ipc/mod.ts";
import { IpcError } from "../ipc/mod.ts";
import type { LiveSessions } from "../sessions/live_sessions.ts";
import type { Session } from "../sessions/session.ts";
import { openInjector } from "./injector.ts";
import { renderScreen } from "./screen.ts";

const log = getLogger(["sshlog", "daemon"]);

/** An attach request, as the client sends it. */
interface AttachRequest {
  session: string;
  mode: "readonly" | "interactive";
  adminUser: string;
  adminUid: number;
  /** The client's pid: a client inside the session itself is refused. */
  clientPid: number;
}

function parseAttach(envelope: IpcEnvelope): AttachRequest {
  const e = envelope as Record<string, unknown>;
  if (typeof e.session !== "string" || !e.session || e.session.length > 256) {
    throw new TypeError('The "attach" request needs a "session"');
  }
  if (e.mode !== "readonly" && e.mode !== "interactive") {
    throw new TypeError('The "attach" request needs a "mode": "readonly" or "interactive"');
  }
  const adminUser = typeof e.admin_user === "string" ? e.admin_user.slice(0, 256) : "unknown";
  const adminUid = Number.isInteger(e.admin_uid) ? e.admin_uid as number : -1;
  const clientPid = Number.isInteger(e.client_pid) ? e.client_pid as number : 0;
  return { session: e.session, mode: e.mode, adminUser, adminUid, clientPid };
}

/** True when process `pid` runs inside `session` (one of its ancestors is the session's root). */
function isInside(pid: number, session: Session): boolean {
  for (let p = pid, hops = 0; p > 1 && hops < 64; hops++) {
    if (p === session.init.shellPid) return true;
    try {
      const stat = Deno.readTextFileSync(`/proc/${p}/stat`);
      p = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    } catch {
      return false;
    }
  }
  return false;
}

/** Adds the `attach` op; `injection` says whether interactive attach is allowed. */
export function registerAttachOp(
  server: IpcServer,
  context: { sessions: LiveSessions; bus: EventBus; injection: boolean },
): void {
  server.handle("attach", {
    parse: parseAttach,
    run: async (request, connection) => {
      const session = context.sessions.findSession(request.session);
      if (!session) {
        throw new IpcError(`No live session matches ${JSON.stringify(request.session)}`, "refused");
      }
      if (session.init.ttyId < 0) {
        throw new IpcError(`Session ${session.init.id} has no terminal to attach to`, "refused");
      }
      if (request.clientPid && isInside(request.clientPid, session)) {
        throw new IpcError("Cannot attach to your own session", "refused");
      }
      if (request.mode === "interactive" && !context.injection) {
        throw new IpcError(
          "Session injection is disabled: the daemon runs without --enable-session-injection",
          "refused",
        );
      }
      const size = session.size ?? { columns: 80, rows: 24 };
      const screen = await renderScreen(session.recentOutput(), size);
      // Opened last: nothing can fail between it and the close handler that frees it.
      const injector = request.mode === "interactive" ? openInjector(session) : undefined;
      const who = { "admin_user": request.adminUser, "admin_uid": request.adminUid };
      const note = (type: "session_attach" | "session_detach") =>
        context.bus.publish({
          ...session.fields(type, Date.now()),
          ...who,
          mode: request.mode,
        });
      connection.send({ ok: true, session: session.snapshot(), screen, ...size });
      note("session_attach");
      log.info("{user} attached to session {id} ({mode})", {
        user: request.adminUser,
        id: session.init.id,
        mode: request.mode,
      });
      const unsubscribe = context.bus.subscribe((event: SshlogEvent) => {
        if (event.session_id !== session.init.id) return;
        if (event.event_type === "terminal_update") {
          const bytes = rawBytes(event);
          if (bytes) connection.send({ ok: true, output: encodeBase64(bytes) });
        } else if (event.event_type === "terminal_resize") {
          connection.send({ ok: true, resize: { columns: event.columns, rows: event.rows } });
        } else if (event.event_type === "connection_close") {
          connection.send({ ok: true, ended: true });
          connection.closeAfterFlush();
        }
      });
      connection.stream({
        onMessage: (message) => {
          const m = message as Record<string, unknown>;
          if (m.detach === true) return connection.closeAfterFlush();
          if (typeof m.input !== "string" || !injector) return;
          try {
            const bytes = injector.write(m.input);
            context.bus.publish({
              ...session.fields("terminal_input", Date.now()),
              terminal_data: new TextDecoder().decode(bytes),
              data_len: bytes.length,
              injected: true,
              ...who,
            } as SshlogEvent);
          } catch (error) {
            log.error("Cannot inject into session {id}: {error}", { id: session.init.id, error });
            connection.send({ ok: true, error_message: "Cannot type into the session" });
          }
        },
        onClose: () => {
          unsubscribe();
          injector?.close();
          note("session_detach");
        },
      });
    },
  });
}
