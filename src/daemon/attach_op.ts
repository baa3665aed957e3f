/**
 * The `attach` op of the daemon socket: `sshlog attach` sees a live session's screen, then its
 * output as it comes, and, when the daemon runs with session injection, types into it
 * (session_view.ts does the work).
 */
import { encodeBase64 } from "../events/base64.ts";
import type { IpcEnvelope, IpcServer } from "../ipc/mod.ts";
import { IpcError } from "../ipc/mod.ts";
import {
  openSessionView,
  type SessionView,
  type ViewContext,
  ViewRefused,
} from "./session_view.ts";

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

/** Adds the `attach` op; `context.injection` says whether interactive attach is allowed. */
export function registerAttachOp(server: IpcServer, context: ViewContext): void {
  server.handle("attach", {
    parse: parseAttach,
    run: async (request, connection) => {
      let view: SessionView;
      try {
        view = await openSessionView(context, {
          key: request.session,
          mode: request.mode,
          viewer: { admin_user: request.adminUser, admin_uid: request.adminUid, via: "socket" },
          clientPid: request.clientPid,
        }, {
          opened: (v) =>
            connection.send({ ok: true, session: v.session, screen: v.screen, ...v.size }),
          output: (bytes) => connection.send({ ok: true, output: encodeBase64(bytes) }),
          resize: (size) => connection.send({ ok: true, resize: size }),
          ended: () => {
            connection.send({ ok: true, ended: true });
            connection.closeAfterFlush();
          },
        });
      } catch (error) {
        if (error instanceof ViewRefused) throw new IpcError(error.message, "refused");
        throw error;
      }
      connection.stream({
        onMessage: (message) => {
          const m = message as Record<string, unknown>;
          if (m.detach === true) return connection.closeAfterFlush();
          if (typeof m.input !== "string" || request.mode !== "interactive") return;
          if (!view.input(m.input)) {
            connection.send({ ok: true, error_message: "Cannot type into the session" });
          }
        },
        onClose: () => view.close(),
      });
    },
  });
}
