/** Starts the diagnostic web interface with the daemon's sessions, events, views and recordings. */
import { getLogger } from "@logtape/logtape";
import type { EventBus } from "../events/bus.ts";
import { listRecordingsIn } from "../recorder/mod.ts";
import type { LiveSessions } from "../sessions/live_sessions.ts";
import { findWebRoot, loadAssets } from "../web/assets.ts";
import type { WebBackend } from "../web/backend.ts";
import { startWebServer, type WebServer } from "../web/server.ts";
import { killSession } from "./kill_op.ts";
import type { WebOptions } from "./options.ts";
import { openSessionView } from "./session_view.ts";

const log = getLogger(["sshlog", "web"]);

/** What the web interface uses of the running daemon. */
export interface WebContext {
  sessions: LiveSessions;
  bus: EventBus;
  injection: boolean;
  /** The folders the running configuration records sessions into. */
  recordingDirs(): string[];
}

function backendOf(context: WebContext): WebBackend {
  return {
    injection: context.injection,
    sessions: () => context.sessions.list(),
    subscribe: (listener) => context.bus.subscribe(listener),
    openView: (key, mode, who, sink) =>
      openSessionView(context, {
        key,
        mode,
        viewer: { admin_user: who.user, admin_uid: -1, via: "web", admin_ip: who.address },
      }, sink),
    kill(key, who) {
      const session = context.sessions.findSession(key);
      if (!session) return false;
      killSession(session, `Web user ${JSON.stringify(who.user)} from ${who.address}`);
      return true;
    },
    recordings: (options) => listRecordingsIn(context.recordingDirs(), options),
  };
}

/** Serves the web interface; throws with a clear message when it cannot. */
export async function startWeb(options: WebOptions, context: WebContext): Promise<WebServer> {
  const root = findWebRoot((name) => Deno.env.get(name));
  const assets = loadAssets(root);
  const tls = options.tls
    ? {
      cert: await Deno.readTextFile(options.tls.certFile),
      key: await Deno.readTextFile(options.tls.keyFile),
    }
    : undefined;
  const { promise: listening, resolve } = Promise.withResolvers<void>();
  const server = startWebServer({
    hostname: options.ip,
    port: options.port,
    user: options.user,
    password: options.password,
    ...(tls ? { tls } : {}),
    assets,
    backend: backendOf(context),
    onListen: () => resolve(),
  });
  await listening;
  const scheme = tls ? "https" : "http";
  const host = options.ip.includes(":") ? `[${options.ip}]` : options.ip;
  log.info("Diagnostic web interface on {url}", { url: `${scheme}://${host}:${server.port}/` });
  if (!tls && !/^(127\.|::1$|localhost$)/.test(options.ip)) {
    log.warn(
      "The web interface listens on {ip} without TLS: passwords and sessions cross the network " +
        "in clear; set --diagnostic-web-tls-cert and --diagnostic-web-tls-key",
      { ip: options.ip },
    );
  }
  return server;
}
