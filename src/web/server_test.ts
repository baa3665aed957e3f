import assert from "node:assert/strict";
import type { SessionSnapshot, SshlogEvent } from "../events/types.ts";
import { freePort, selfSignedCertificate } from "../actions/_test_receivers.ts";
import type { ListOptions, RecordingInfo } from "../recorder/mod.ts";
import type { Asset } from "./assets.ts";
import type { ViewSink, WebBackend, WebUser } from "./backend.ts";
import { startWebServer, type WebServer } from "./server.ts";

const HOSTILE = "<img src=x onerror=alert(1)>";

const SESSION = {
  session_id: "s1",
  username: HOSTILE,
  tty_id: 3,
  last_command: HOSTILE,
} as unknown as SessionSnapshot;

/** A backend that records what the server asked of it. */
class FakeBackend implements WebBackend {
  injection = false;
  killed: { key: string; who: WebUser }[] = [];
  listeners = new Set<(e: SshlogEvent) => void>();
  castDir = Deno.makeTempDirSync();
  sessions = () => [SESSION];
  subscribe(listener: (e: SshlogEvent) => void) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  openView(key: string, mode: "readonly" | "interactive", _who: WebUser, sink: ViewSink) {
    if (key !== "s1") return Promise.reject(new Error(`No live session matches "${key}"`));
    const view = {
      session: SESSION,
      screen: "screen-text",
      size: { columns: 80, rows: 24 },
      input: () => mode === "interactive",
      close: () => {},
    };
    sink.opened(view);
    return Promise.resolve(view);
  }
  kill(key: string, who: WebUser) {
    this.killed.push({ key, who });
    return key === "s1";
  }
  recordings(options: ListOptions): Promise<RecordingInfo[]> {
    const cast = `${this.castDir}/r1.cast`;
    Deno.writeTextFileSync(cast, '{"version":2,"width":80,"height":24}\n');
    if (options.session !== undefined && options.session !== "r1") return Promise.resolve([]);
    return Promise.resolve([{
      session_id: "r1",
      user: "u",
      host: "h",
      client: "c",
      start_time: 1,
      duration_ms: 2,
      size_bytes: 3,
      recording: false,
      cast_path: cast,
      log_path: `${this.castDir}/r1.log`,
    }]);
  }
}

const ASSETS = new Map<string, Asset>([
  ["/index.html", { body: new TextEncoder().encode("<p>app</p>"), type: "text/html" }],
]);

async function withServer(
  fn: (base: string, backend: FakeBackend, server: WebServer) => Promise<void>,
  tls?: { cert: string; key: string },
): Promise<void> {
  const backend = new FakeBackend();
  const server = startWebServer({
    hostname: "127.0.0.1",
    port: freePort(),
    user: "admin",
    password: "correct horse",
    ...(tls ? { tls } : {}),
    assets: ASSETS,
    backend,
  });
  try {
    await fn(`${tls ? "https" : "http"}://127.0.0.1:${server.port}`, backend, server);
  } finally {
    await server.close();
    Deno.removeSync(backend.castDir, { recursive: true });
  }
}

async function login(base: string, password = "correct horse"): Promise<Response> {
  return await fetch(`${base}/login`, {
    method: "POST",
    body: new URLSearchParams({ user: "admin", password }),
    headers: { Origin: base },
    redirect: "manual",
  });
}

async function cookieOf(base: string): Promise<string> {
  const response = await login(base);
  await response.body?.cancel();
  assert.equal(response.status, 303);
  return response.headers.get("Set-Cookie")!.split(";")[0]!;
}

Deno.test("web server: every route but /login needs a login", async () => {
  await withServer(async (base) => {
    for (const path of ["/", "/index.html", "/api/sessions", "/api/me", "/api/recordings"]) {
      const response = await fetch(base + path, { redirect: "manual" });
      await response.body?.cancel();
      assert.equal(response.status, 401, path);
    }
    const page = await fetch(`${base}/`, { headers: { Accept: "text/html" }, redirect: "manual" });
    await page.body?.cancel();
    assert.equal(page.status, 303);
    assert.equal(page.headers.get("Location"), "/login");
    const loginPage = await fetch(`${base}/login`);
    assert.equal(loginPage.status, 200);
    assert.match(await loginPage.text(), /<form method="post" action="\/login">/);
  });
});

Deno.test("web server: a wrong password is refused and a forged cookie is worthless", async () => {
  await withServer(async (base) => {
    const wrong = await login(base, "correct horsf");
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers.get("Set-Cookie"), null);
    assert.match(await wrong.text(), /Wrong user name or password/);
    const forged = await fetch(`${base}/api/sessions`, {
      headers: { Cookie: `sshlog_session=${"0".repeat(64)}` },
    });
    await forged.body?.cancel();
    assert.equal(forged.status, 401);
  });
});

Deno.test("web server: the login cookie is HttpOnly and SameSite=Strict, Secure over TLS", async () => {
  await withServer(async (base) => {
    const response = await login(base);
    await response.body?.cancel();
    const cookie = response.headers.get("Set-Cookie")!;
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    assert.doesNotMatch(cookie, /Secure/);
  });
  const cert = await selfSignedCertificate();
  const client = Deno.createHttpClient({ caCerts: [cert.ca] });
  await withServer(async (base) => {
    const response = await fetch(`${base.replace("127.0.0.1", "localhost")}/login`, {
      method: "POST",
      body: new URLSearchParams({ user: "admin", password: "correct horse" }),
      redirect: "manual",
      client,
    });
    await response.body?.cancel();
    assert.equal(response.status, 303);
    assert.match(response.headers.get("Set-Cookie")!, /; Secure/);
    assert.match(response.headers.get("Strict-Transport-Security")!, /max-age=/);
  }, { cert: cert.cert, key: cert.key });
  client.close();
});

Deno.test("web server: responses carry a strict CSP and no-sniff", async () => {
  await withServer(async (base) => {
    const cookie = await cookieOf(base);
    const response = await fetch(`${base}/`, { headers: { Cookie: cookie } });
    assert.equal(await response.text(), "<p>app</p>");
    const csp = response.headers.get("Content-Security-Policy")!;
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'(;|$)/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(response.headers.get("X-Content-Type-Options"), "nosniff");
  });
});

Deno.test("web server: the API gives sessions as JSON and recordings without disk paths", async () => {
  await withServer(async (base) => {
    const cookie = await cookieOf(base);
    const sessions = await (await fetch(`${base}/api/sessions`, { headers: { Cookie: cookie } }))
      .json();
    assert.equal(sessions.sessions[0].username, HOSTILE);
    const list = await (await fetch(`${base}/api/recordings`, { headers: { Cookie: cookie } }))
      .json();
    assert.equal(list.recordings[0].session_id, "r1");
    assert.equal(list.recordings[0].cast_path, undefined);
    const cast = await fetch(`${base}/api/recordings/r1.cast`, { headers: { Cookie: cookie } });
    assert.match(await cast.text(), /"version":2/);
    const missing = await fetch(`${base}/api/recordings/..%2Fetc%2Fpasswd.cast`, {
      headers: { Cookie: cookie },
    });
    await missing.body?.cancel();
    assert.equal(missing.status, 404);
    const unknown = await fetch(`${base}/api/recordings/r2.cast`, { headers: { Cookie: cookie } });
    await unknown.body?.cancel();
    assert.equal(unknown.status, 404);
  });
});

Deno.test("web server: kill needs the CSRF token and a same-origin request", async () => {
  await withServer(async (base, backend) => {
    const cookie = await cookieOf(base);
    const me = await (await fetch(`${base}/api/me`, { headers: { Cookie: cookie } })).json();
    const kill = (headers: Record<string, string>) =>
      fetch(`${base}/api/sessions/s1/kill`, {
        method: "POST",
        headers: { Cookie: cookie, ...headers },
      });
    const noToken = await kill({});
    await noToken.body?.cancel();
    assert.equal(noToken.status, 403);
    const crossSite = await kill({ "X-CSRF-Token": me.csrf, Origin: "http://evil.example" });
    await crossSite.body?.cancel();
    assert.equal(crossSite.status, 403);
    assert.equal(backend.killed.length, 0);
    const ok = await kill({ "X-CSRF-Token": me.csrf, Origin: base });
    assert.deepEqual(await ok.json(), { ok: true });
    assert.equal(backend.killed[0]!.key, "s1");
    assert.equal(backend.killed[0]!.who.user, "admin");
    const unknown = await fetch(`${base}/api/sessions/nope/kill`, {
      method: "POST",
      headers: { Cookie: cookie, "X-CSRF-Token": me.csrf },
    });
    await unknown.body?.cancel();
    assert.equal(unknown.status, 404);
  });
});

/** Opens a WebSocket with headers (Deno's client accepts them) and gives its first message. */
function firstMessage(url: string, headers: Record<string, string>): Promise<string> {
  const socket = new WebSocket(url, { headers } as unknown as string[]);
  return new Promise((resolve, reject) => {
    socket.onmessage = (m) => {
      resolve(String(m.data));
      socket.close();
    };
    socket.onerror = () => reject(new Error("WebSocket refused"));
  });
}

Deno.test("web server: WebSockets need a login and a same-origin Origin", async () => {
  await withServer(async (base) => {
    const ws = base.replace("http", "ws");
    await assert.rejects(firstMessage(`${ws}/api/sessions/s1/view`, {}), /refused/);
    const cookie = await cookieOf(base);
    await assert.rejects(
      firstMessage(`${ws}/api/sessions/s1/view`, { Cookie: cookie, Origin: "http://evil.example" }),
      /refused/,
    );
    const screen = JSON.parse(await firstMessage(`${ws}/api/sessions/s1/view`, { Cookie: cookie }));
    assert.equal(screen.type, "screen");
    assert.equal(screen.screen, "screen-text");
    const refused = JSON.parse(
      await firstMessage(`${ws}/api/sessions/zz/view`, { Cookie: cookie }),
    );
    assert.deepEqual(refused, { type: "error", message: 'No live session matches "zz"' });
  });
});

Deno.test("web server: the event feed streams events but not terminal bytes", async () => {
  await withServer(async (base, backend) => {
    const cookie = await cookieOf(base);
    const socket = new WebSocket(`${base.replace("http", "ws")}/api/events`, {
      headers: { Cookie: cookie },
    } as unknown as string[]);
    const got = new Promise<string>((resolve) => socket.onmessage = (m) => resolve(String(m.data)));
    await new Promise((resolve) => socket.onopen = resolve);
    while (backend.listeners.size === 0) await new Promise((r) => setTimeout(r, 10));
    for (const listener of backend.listeners) {
      listener({ event_type: "terminal_update" } as SshlogEvent);
      listener({ event_type: "command_start", args: HOSTILE } as SshlogEvent);
    }
    const message = JSON.parse(await got);
    assert.equal(message.event.event_type, "command_start");
    assert.equal(message.event.args, HOSTILE);
    socket.close();
    await new Promise((resolve) => socket.onclose = resolve);
  });
});

Deno.test("web server: a live channel closes when its login logs out", async () => {
  await withServer(async (base) => {
    const cookie = await cookieOf(base);
    const socket = new WebSocket(`${base.replace("http", "ws")}/api/events`, {
      headers: { Cookie: cookie },
    } as unknown as string[]);
    const closed = new Promise<CloseEvent>((resolve) => socket.onclose = resolve);
    await new Promise((resolve) => socket.onopen = resolve);
    const me = await (await fetch(`${base}/api/me`, { headers: { Cookie: cookie } })).json();
    const out = await fetch(`${base}/api/logout`, {
      method: "POST",
      headers: { Cookie: cookie, "X-CSRF-Token": me.csrf, Origin: base },
    });
    await out.body?.cancel();
    assert.equal(out.status, 204);
    const event = await closed;
    assert.equal(event.code, 4001);
    assert.equal(event.reason, "Logged out");
  });
});

Deno.test("web server: too many failed logins lock the address out", async () => {
  await withServer(async (base) => {
    const attempts = await Promise.all(
      Array.from({ length: 10 }, () => login(base, "guess")),
    );
    for (const a of attempts) await a.body?.cancel();
    const locked = await login(base);
    await locked.body?.cancel();
    assert.equal(locked.status, 429, "even the right password waits out the lock");
  });
});

Deno.test("web server: a malformed session key is a 400, not a failure", async () => {
  await withServer(async (base) => {
    const cookie = await cookieOf(base);
    const me = await (await fetch(`${base}/api/me`, { headers: { Cookie: cookie } })).json();
    const response = await fetch(`${base}/api/sessions/%E0%A4%A/kill`, {
      method: "POST",
      headers: { Cookie: cookie, "X-CSRF-Token": me.csrf },
    });
    await response.body?.cancel();
    assert.equal(response.status, 400);
  });
});

Deno.test("web server: scripts may read with Basic authentication but not change anything", async () => {
  await withServer(async (base, backend) => {
    const basic = (user: string, password: string) => ({
      Authorization: `Basic ${btoa(`${user}:${password}`)}`,
    });
    const sessions = await fetch(`${base}/api/sessions`, {
      headers: basic("admin", "correct horse"),
    });
    assert.equal(sessions.status, 200);
    assert.equal((await sessions.json()).sessions[0].session_id, "s1");
    const wrong = await fetch(`${base}/api/sessions`, { headers: basic("admin", "nope") });
    await wrong.body?.cancel();
    assert.equal(wrong.status, 401);
    const kill = await fetch(`${base}/api/sessions/s1/kill`, {
      method: "POST",
      headers: basic("admin", "correct horse"),
    });
    await kill.body?.cancel();
    assert.equal(kill.status, 403);
    assert.equal(backend.killed.length, 0);
  });
});
