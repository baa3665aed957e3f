/**
 * The diagnostic web interface (SPEC §7): Deno's HTTP server, login on every route but the login
 * page itself, the live channels (live.ts), the JSON API the page uses, and the bundled files.
 * Requests that change something (kill, logout) need the login session's CSRF token and a
 * same-origin Origin; WebSockets need a same-origin Origin when the browser sends one.
 */
import { getLogger } from "@logtape/logtape";
import type { RecordingInfo } from "../recorder/mod.ts";
import type { Asset } from "./assets.ts";
import {
  basicCredentials,
  cookieValue,
  type LoginSession,
  SESSION_COOKIE,
  SESSION_TTL_MS,
  WebAuth,
} from "./auth.ts";
import type { WebBackend, WebUser } from "./backend.ts";
import { applySecurityHeaders } from "./headers.ts";
import { serveEventFeed, serveSessionView } from "./live.ts";
import { loginPage } from "./login_page.ts";

const log = getLogger(["sshlog", "web"]);
/** A failed login is answered this late, to slow down guessing. */
const FAILED_LOGIN_DELAY_MS = 1000;
/** The largest login form accepted. */
const MAX_LOGIN_BODY = 8 * 1024;

/** How the web interface is served. */
export interface WebServerOptions {
  hostname: string;
  port: number;
  user: string;
  password: string;
  /** PEM certificate and key: serve HTTPS instead of HTTP. */
  tls?: { cert: string; key: string };
  assets: Map<string, Asset>;
  backend: WebBackend;
  /** Called once listening, with the bound port (useful with port 0). */
  onListen?: (address: { hostname: string; port: number }) => void;
}

/** A running web interface. */
export interface WebServer {
  readonly port: number;
  close(): Promise<void>;
}

/** How often a live channel checks that its login still holds, ms. */
const LOGIN_RECHECK_MS = 2000;
/** WebSocket close code of a channel whose login ended (application range 4000–4999). */
const LOGGED_OUT_CODE = 4001;

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json; charset=utf-8" },
  });
}

function problem(message: string, status: number): Response {
  return json({ error: message }, status);
}

/** The recording fields the page needs; paths on disk stay on the server. */
function publicRecording(r: RecordingInfo): Omit<RecordingInfo, "cast_path" | "log_path"> {
  const { cast_path: _c, log_path: _l, ...rest } = r;
  return rest;
}

/** True when the request's Origin, if any, is this server's own. */
function sameOrigin(request: Request): boolean {
  const origin = request.headers.get("Origin");
  if (origin === null) return true;
  try {
    return new URL(origin).host === request.headers.get("Host");
  } catch {
    return false;
  }
}

function sessionCookie(value: string, maxAgeSec: number, tls: boolean): string {
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSec}` +
    (tls ? "; Secure" : "");
}

/** Starts the web interface; throws when the password is empty or the address cannot be bound. */
export function startWebServer(options: WebServerOptions): WebServer {
  const auth = new WebAuth(options.user, options.password);
  const { backend, assets } = options;
  const tls = options.tls !== undefined;

  async function handleLogin(request: Request, address: string): Promise<Response> {
    if (request.method === "GET") return page(loginPage());
    if (request.method !== "POST") return problem("Use GET or POST", 405);
    if (!sameOrigin(request)) return problem("Cross-origin login refused", 403);
    const length = Number(request.headers.get("Content-Length") ?? "0");
    if (length > MAX_LOGIN_BODY) return problem("Login form too large", 413);
    const text = await request.text();
    if (text.length > MAX_LOGIN_BODY) return problem("Login form too large", 413);
    const form = new URLSearchParams(text);
    const user = form.get("user") ?? "";
    const result = await auth.login(user, form.get("password") ?? "", address);
    if (result.ok) {
      log.info("Web login of {user} from {address}", { user, address });
      return new Response(null, {
        status: 303,
        headers: {
          Location: "/",
          "Set-Cookie": sessionCookie(result.token, SESSION_TTL_MS / 1000, tls),
        },
      });
    }
    await refuseSlowly("login", user, address, result.reason);
    return result.reason === "locked"
      ? page(loginPage("Too many failed logins: try again in a few minutes."), 429)
      : page(loginPage("Wrong user name or password."), 401);
  }

  /** Logs a refused login or Basic authentication, then waits, to slow down guessing. */
  async function refuseSlowly(
    kind: "login" | "Basic authentication",
    user: string,
    address: string,
    reason: "wrong" | "locked",
  ): Promise<void> {
    log.warn(`Failed web ${kind} as {user} from {address}: {why}`, {
      user: user.slice(0, 64),
      address,
      why: reason === "locked" ? "locked out after too many failures" : "wrong credentials",
    });
    await new Promise((resolve) => setTimeout(resolve, FAILED_LOGIN_DELAY_MS));
  }

  function page(html: string, status = 200): Response {
    return new Response(html, { status, headers: { "Content-Type": "text/html; charset=utf-8" } });
  }

  function unauthenticated(request: Request, path: string): Response {
    const wantsPage = request.method === "GET" && !path.startsWith("/api/") &&
      (request.headers.get("Accept") ?? "").includes("text/html");
    if (wantsPage) return new Response(null, { status: 303, headers: { Location: "/login" } });
    return problem("Login required", 401);
  }

  /**
   * Scripts (curl -u) may send `Authorization: Basic` on each request instead of logging in. It
   * opens no login session and its CSRF token is new on every request, so it can only read.
   */
  async function basicLogin(
    request: Request,
    address: string,
  ): Promise<LoginSession | "refused" | undefined> {
    const credentials = basicCredentials(request.headers.get("Authorization"));
    if (!credentials) return undefined;
    const verdict = await auth.check(credentials.user, credentials.password, address);
    if (verdict === "ok") {
      return { user: credentials.user, csrf: crypto.randomUUID(), expiresMs: 0 };
    }
    log.warn("Failed web authentication as {user} from {address}: {why}", {
      user: credentials.user.slice(0, 64),
      address,
      why: verdict,
    });
    await new Promise((resolve) => setTimeout(resolve, FAILED_LOGIN_DELAY_MS));
    return "refused";
  }

  function upgrade(request: Request, serve: (socket: WebSocket) => void): Response {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return problem("This route is a WebSocket", 426);
    }
    if (!sameOrigin(request)) return problem("Cross-origin WebSocket refused", 403);
    // A channel opened with a login cookie ends with that login (logout or expiry).
    const token = cookieValue(request.headers.get("Cookie"), SESSION_COOKIE);
    const { socket, response } = Deno.upgradeWebSocket(request, { idleTimeout: 60 });
    serve(socket);
    if (token !== undefined && auth.session(token) !== undefined) {
      const timer = setInterval(() => {
        if (auth.session(token) === undefined) socket.close(LOGGED_OUT_CODE, "Logged out");
      }, LOGIN_RECHECK_MS);
      socket.addEventListener("close", () => clearInterval(timer));
    }
    return response;
  }

  async function handleApi(
    request: Request,
    path: string,
    url: URL,
    login: LoginSession,
    who: WebUser,
  ): Promise<Response> {
    const changes = request.method === "POST";
    if (changes) {
      if (!sameOrigin(request)) return problem("Cross-origin request refused", 403);
      if (request.headers.get("X-CSRF-Token") !== login.csrf) {
        return problem("Missing or wrong CSRF token", 403);
      }
    } else if (request.method !== "GET") {
      return problem("Method not allowed", 405);
    }
    if (path === "/api/me" && !changes) {
      return json({ user: login.user, csrf: login.csrf, injection: backend.injection });
    }
    if (path === "/api/sessions" && !changes) return json({ sessions: backend.sessions() });
    if (path === "/api/events" && !changes) {
      return upgrade(request, (socket) => serveEventFeed(socket, backend));
    }
    const session = /^\/api\/sessions\/([^/]{1,256})\/(view|kill)$/.exec(path);
    if (session) {
      let key: string;
      try {
        key = decodeURIComponent(session[1]!);
      } catch {
        return problem("Malformed session key", 400);
      }
      if (session[2] === "kill" && changes) {
        return backend.kill(key, who)
          ? json({ ok: true })
          : problem(`No live session matches ${JSON.stringify(key)}`, 404);
      }
      if (session[2] === "view" && !changes) {
        const mode = url.searchParams.get("mode") === "interactive" ? "interactive" : "readonly";
        return upgrade(request, (socket) => serveSessionView(socket, backend, { key, mode, who }));
      }
    }
    if (path === "/api/recordings" && !changes) {
      const q = url.searchParams;
      const since = Number(q.get("since") ?? "");
      const list = await backend.recordings({
        ...(q.get("user") ? { user: q.get("user")! } : {}),
        ...(q.get("grep") ? { grep: q.get("grep")! } : {}),
        ...(since > 0 ? { since } : {}),
      });
      return json({ recordings: list.map(publicRecording) });
    }
    const cast = /^\/api\/recordings\/([A-Za-z0-9._-]{1,200})\.cast$/.exec(path);
    if (cast && !changes) {
      const [found] = await backend.recordings({ session: cast[1]! });
      if (!found) return problem("No such recording", 404);
      let file: Deno.FsFile;
      try {
        file = await Deno.open(found.cast_path, { read: true });
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) return problem("No such recording", 404);
        throw error;
      }
      return new Response(file.readable, {
        headers: { "Content-Type": "application/x-asciicast; charset=utf-8" },
      });
    }
    if (path === "/api/logout" && changes) {
      auth.logout(cookieValue(request.headers.get("Cookie"), SESSION_COOKIE));
      return new Response(null, {
        status: 204,
        headers: { "Set-Cookie": sessionCookie("", 0, tls) },
      });
    }
    return problem("Not found", 404);
  }

  async function handle(request: Request, info: Deno.ServeHandlerInfo): Promise<Response> {
    const url = new URL(request.url);
    const path = url.pathname;
    const remote = info.remoteAddr as Deno.NetAddr;
    const address = remote.hostname ?? "unknown";
    if (path === "/login") return await handleLogin(request, address);
    const login = auth.session(cookieValue(request.headers.get("Cookie"), SESSION_COOKIE)) ??
      await basicLogin(request, address);
    if (login === "refused") return problem("Wrong user name or password", 401);
    if (!login) return unauthenticated(request, path);
    if (path.startsWith("/api/")) {
      return await handleApi(request, path, url, login, { user: login.user, address });
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      return problem("Method not allowed", 405);
    }
    const asset = assets.get(path === "/" ? "/index.html" : path);
    if (!asset) return problem("Not found", 404);
    return new Response(asset.body, { headers: { "Content-Type": asset.type } });
  }

  const server = Deno.serve({
    hostname: options.hostname,
    port: options.port,
    ...(options.tls ?? {}),
    onListen: (address) => options.onListen?.(address),
  }, async (request, info) => {
    let response: Response;
    try {
      response = await handle(request, info);
    } catch (error) {
      log.error("Web request {path} failed: {error}", {
        path: new URL(request.url).pathname,
        error,
      });
      response = problem("Internal error", 500);
    }
    // A WebSocket upgrade's headers cannot be changed.
    if (response.status !== 101) applySecurityHeaders(response.headers, tls);
    return response;
  });
  return {
    port: server.addr.port,
    close: () => server.shutdown(),
  };
}
