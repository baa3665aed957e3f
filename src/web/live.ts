/**
 * The web interface's WebSockets: the live event feed and the live view of one session. Both
 * are opened only by a logged-in browser (server.ts checks before upgrading). A browser that
 * stops reading is disconnected rather than let the daemon's memory grow.
 */
import { getLogger } from "@logtape/logtape";
import { encodeBase64 } from "../events/base64.ts";
import type { SshlogEvent } from "../events/types.ts";
import type { SessionView, WebBackend, WebUser } from "./backend.ts";

const log = getLogger(["sshlog", "web"]);
/** Bytes queued to one browser beyond which it is disconnected as too slow. */
const MAX_BUFFERED = 8 * 1024 * 1024;
/** The largest message a browser may send (keystrokes come in small batches). */
const MAX_INCOMING = 64 * 1024;
/** Events the feed leaves out: terminal bytes belong to the live view, not the feed. */
const NOT_IN_FEED = new Set(["terminal_update", "terminal_input"]);

function sendJson(socket: WebSocket, message: unknown): void {
  if (socket.readyState !== WebSocket.OPEN) return;
  if (socket.bufferedAmount > MAX_BUFFERED) {
    log.warn("A web client fell behind by over {limit} bytes: disconnected", {
      limit: MAX_BUFFERED,
    });
    socket.close(1013, "too slow");
    return;
  }
  socket.send(JSON.stringify(message));
}

/** Streams every event but terminal bytes to `socket` as `{"type":"event","event":…}`. */
export function serveEventFeed(socket: WebSocket, backend: WebBackend): void {
  let unsubscribe = () => {};
  socket.onopen = () => {
    unsubscribe = backend.subscribe((event: SshlogEvent) => {
      if (!NOT_IN_FEED.has(event.event_type)) sendJson(socket, { type: "event", event });
    });
  };
  socket.onclose = () => unsubscribe();
  socket.onmessage = () => {}; // the feed takes no requests
}

/**
 * Serves a live view of session `key`: `screen` first, then `output` (base64), `resize` and
 * `ended`; a refused view gets one `error`. Browsers send `{"type":"input","data":base64}`.
 */
export function serveSessionView(
  socket: WebSocket,
  backend: WebBackend,
  request: { key: string; mode: "readonly" | "interactive"; who: WebUser },
): void {
  let view: SessionView | undefined;
  let closed = false;
  socket.onopen = async () => {
    try {
      const opened = await backend.openView(request.key, request.mode, request.who, {
        opened: (v) =>
          sendJson(socket, {
            type: "screen",
            session: v.session,
            screen: v.screen,
            ...v.size,
            mode: request.mode,
          }),
        output: (bytes) => sendJson(socket, { type: "output", data: encodeBase64(bytes) }),
        resize: (size) => sendJson(socket, { type: "resize", ...size }),
        ended: () => {
          sendJson(socket, { type: "ended" });
          socket.close(1000, "session ended");
        },
      });
      if (closed) opened.close();
      else view = opened;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      sendJson(socket, { type: "error", message });
      socket.close(1000, "refused");
    }
  };
  socket.onmessage = (message) => {
    if (typeof message.data !== "string" || message.data.length > MAX_INCOMING) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(message.data);
    } catch {
      return;
    }
    const m = parsed as { type?: unknown; data?: unknown };
    if (m?.type !== "input" || typeof m.data !== "string" || !view) return;
    if (request.mode !== "interactive") {
      sendJson(socket, { type: "error", message: "This view is read-only" });
    } else if (!view.input(m.data)) {
      sendJson(socket, { type: "error", message: "Cannot type into the session" });
    }
  };
  socket.onclose = () => {
    closed = true;
    view?.close();
    view = undefined;
  };
}
