/**
 * The `attach` op of the daemon socket: `sshlog attach` sees a live session's screen, then its
 * output as it comes, and, when the daemon runs with session injection, types into it
 * (session_view.ts does the work).
 */
import { encodeBase64 } from "../events/base64.ts";
import type { IpcEnvelope, IpcServer } from "../ipc/mod.ts";
import { IpcError, optionalText } from "../ipc/mod.ts";
import { identifyClient } from "./client_identity.ts";
import {
  openSessionView,
  type SessionView,
  type ViewContext,
  ViewRefused,
} from "./session_view.ts";

/** An attach request, as the client sends it (its identity fields are checked when it runs). */
interface AttachRequest {
  session: string;
  mode: "readonly" | "interactive";
  envelope: IpcEnvelope;
}

function parseAttach(envelope: IpcEnvelope): AttachRequest {
  const session = optionalText(envelope, "session");
  if (session === undefined) throw new TypeError('The "attach" request needs a "session"');
  const mode = envelope.mode;
  if (mode !== "readonly" && mode !== "interactive") {
    throw new TypeError('The "attach" request needs a "mode": "readonly" or "interactive"');
  }
  return { session, mode, envelope };
}

/**
 * Adds the `attach` op to the daemon's socket at `socketPath`; `context.injection` says whether
 * interactive attach is allowed.
 */
export function registerAttachOp(
  server: IpcServer,
  context: ViewContext,
  socketPath: string,
): void {
  server.handle("attach", {
    parse: parseAttach,
    run: async (request, connection) => {
      const who = await identifyClient(request.envelope, socketPath);
      if (request.mode === "interactive" && who.admin_uid < 0) {
        throw new IpcError(
          "Cannot verify who you are (no valid proof file next to the socket): typing into a " +
            "session needs it; attach with --readonly",
          "refused",
        );
      }
      let view: SessionView;
      try {
        view = await openSessionView(context, {
          key: request.session,
          mode: request.mode,
          viewer: { admin_user: who.admin_user, admin_uid: who.admin_uid, via: "socket" },
          clientPid: who.clientPid,
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
      if (connection.closed) return view.close(); // the client left while the view opened
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
