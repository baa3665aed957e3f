/**
 * A view of one live session for an administrator, as `sshlog attach` and the web interface open
 * it: the current screen (rebuilt in a headless terminal from the session's latest output), then
 * its output as it comes, and, with session injection, a way to type into it. Every open, close
 * and injected batch is an event naming who did it.
 */
import { getLogger } from "@logtape/logtape";
import type { EventBus } from "../events/bus.ts";
import { rawBytes } from "../events/raw.ts";
import type { SshlogEvent } from "../events/types.ts";
import type { LiveSessions } from "../sessions/live_sessions.ts";
import type { Session } from "../sessions/session.ts";
import { type Injector, openInjector } from "./injector.ts";
import type { SessionView, ViewSink } from "../web/backend.ts";
import { renderScreen } from "./screen.ts";

export type { SessionView, ViewSink };

const log = getLogger(["sshlog", "daemon"]);

/** Who opens a view, as the attach events report it. */
export interface Viewer {
  "admin_user": string;
  "admin_uid": number;
  /** How the administrator came: the socket (`sshlog attach`) or the web interface. */
  via: "socket" | "web";
  /** The web client's address, when `via` is "web". */
  "admin_ip"?: string;
}

/** A view request. */
export interface ViewRequest {
  /** session_id, TTY number or ptm pid. */
  key: string;
  mode: "readonly" | "interactive";
  viewer: Viewer;
  /** The client's pid when known: a client inside the session itself is refused. */
  clientPid?: number;
}

/** A refusal the requester can be told as is. */
export class ViewRefused extends Error {}

/** What opening views needs from the daemon. */
export interface ViewContext {
  sessions: LiveSessions;
  bus: EventBus;
  injection: boolean;
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

function usableSize(
  size: { columns: number; rows: number } | undefined,
): { columns: number; rows: number } | undefined {
  return size && size.columns > 0 && size.rows > 0
    ? { columns: size.columns, rows: size.rows }
    : undefined;
}

/** Opens a view of a live session; throws ViewRefused with the reason when it cannot. */
export async function openSessionView(
  context: ViewContext,
  request: ViewRequest,
  sink: ViewSink,
): Promise<SessionView> {
  const session = context.sessions.findSession(request.key);
  if (!session) throw new ViewRefused(`No live session matches ${JSON.stringify(request.key)}`);
  if (session.init.ttyId < 0) {
    throw new ViewRefused(`Session ${session.init.id} has no terminal to attach to`);
  }
  if (request.clientPid && isInside(request.clientPid, session)) {
    throw new ViewRefused("Cannot attach to your own session");
  }
  if (request.mode === "interactive" && !context.injection) {
    throw new ViewRefused(
      "Session injection is disabled: the daemon runs without --enable-session-injection",
    );
  }
  // A client without a terminal of its own (ssh -tt from a script) reports 0×0.
  const size = usableSize(session.size) ?? { columns: 80, rows: 24 };
  // Subscribed before the output is taken: what comes while the screen renders is kept for later.
  const early: SshlogEvent[] = [];
  let forward = (event: SshlogEvent) => void early.push(event);
  const unsubscribe = context.bus.subscribe((event: SshlogEvent) => {
    if (event.session_id === session.init.id) forward(event);
  });
  let screen: string;
  let injector: Injector | undefined;
  try {
    screen = await renderScreen(session.recentOutput(), size);
    if (session.closed) throw new ViewRefused(`Session ${session.init.id} has ended`);
    // Opened last: nothing can fail between it and close(), which frees it.
    injector = request.mode === "interactive" ? openInjector(session) : undefined;
  } catch (error) {
    unsubscribe();
    throw error;
  }
  const { viewer } = request;
  const note = (type: "session_attach" | "session_detach") =>
    context.bus.publish({ ...session.fields(type, Date.now()), ...viewer, mode: request.mode });
  note("session_attach");
  log.info("{user} attached to session {id} ({mode}, via {via})", {
    user: viewer.admin_user,
    id: session.init.id,
    mode: request.mode,
    via: viewer.via,
  });
  let open = true;
  const view: SessionView = {
    session: session.snapshot(),
    screen,
    size,
    input(base64) {
      if (!injector || !open) return false;
      try {
        const bytes = injector.write(base64);
        context.bus.publish({
          ...session.fields("terminal_input", Date.now()),
          terminal_data: new TextDecoder().decode(bytes),
          data_len: bytes.length,
          injected: true,
          ...viewer,
        } as SshlogEvent);
        return true;
      } catch (error) {
        log.error("Cannot inject into session {id}: {error}", { id: session.init.id, error });
        return false;
      }
    },
    close() {
      if (!open) return;
      open = false;
      unsubscribe();
      injector?.close();
      note("session_detach");
    },
  };
  sink.opened(view);
  forward = (event: SshlogEvent) => {
    if (event.event_type === "terminal_update") {
      const bytes = rawBytes(event);
      if (bytes) sink.output(bytes);
    } else if (event.event_type === "terminal_resize") {
      const resized = usableSize(event);
      if (resized) sink.resize(resized);
    } else if (event.event_type === "connection_close") {
      sink.ended();
    }
  };
  for (const event of early.splice(0)) forward(event);
  return view;
}
