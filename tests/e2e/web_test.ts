/**
 * End-to-end: the diagnostic web interface in headless Chromium (Debian's `chromium` driven by
 * playwright-core) against the real daemon and a real ssh session. Logs in, finds the session in
 * the live list, watches its output arrive in the live view, kills it, replays its recording;
 * wrong credentials and an unauthenticated WebSocket are refused; a command line made of HTML is
 * shown as text. Screenshots go to build/screenshots/. Needs root and chromium.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { freePort, selfSignedCertificate } from "../../src/actions/_test_receivers.ts";
import { startSshd, waitFor } from "./_harness/sshd.ts";
import { REPO_ROOT, startDaemon } from "./_harness/daemon.ts";
import type { SessionAttachEvent } from "../../src/events/mod.ts";

const USER = "sshlogtest";
const WEB_USER = "webadmin";
const WEB_PASS = "correct horse battery staple";
const HOSTILE = "<img src=x onerror=alert(1)>";
const SCREENSHOTS = join(REPO_ROOT, "build", "screenshots");

async function launchBrowser(): Promise<Browser> {
  return await chromium.launch({
    executablePath: "/usr/bin/chromium",
    // Chromium's sandbox cannot run as root.
    args: ["--no-sandbox"],
  });
}

async function screenshot(page: Page, name: string): Promise<void> {
  await Deno.mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

Deno.test({
  name: "web: log in, see a live session, watch its output, kill it and replay its recording",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using sshd = await startSshd();
    await sshd.ensureUser(USER);
    const recordings = await Deno.makeTempDir({ prefix: "sshlog-web-rec-" });
    const port = freePort();
    await using daemon = await startDaemon({
      args: ["--enable-diagnostic-web", "--diagnostic-web-port", String(port)],
      env: { SSHLOG_WEB_USER: WEB_USER, SSHLOG_WEB_PASS: WEB_PASS },
      config: {
        "record.yaml": `
events:
  - event: record
    triggers: [connection_established, connection_close, command_start, terminal_update,
               terminal_resize]
    actions:
      - action: record
        plugin: sessionlog_action
        log_directory: ${recordings}
`,
      },
    });
    const base = `http://127.0.0.1:${port}`;
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const dialogs: string[] = [];
      page.on("dialog", async (dialog) => {
        dialogs.push(dialog.message());
        await dialog.accept();
      });
      const pageErrors: string[] = [];
      page.on("pageerror", (error) => pageErrors.push(String(error)));
      const foreign: string[] = [];
      page.on("request", (request) => {
        const url = new URL(request.url());
        const local = url.host === `127.0.0.1:${port}` || ["data:", "blob:"].includes(url.protocol);
        if (!local) foreign.push(url.href);
      });

      // Not logged in: sent to the login page; a wrong password is refused.
      await page.goto(base);
      assert.equal(new URL(page.url()).pathname, "/login");
      await page.fill("#user", WEB_USER);
      await page.fill("#password", "wrong password");
      await page.click("button[type=submit]");
      await page.waitForSelector("text=Wrong user name or password");
      await screenshot(page, "web-login-refused");

      await page.fill("#user", WEB_USER);
      await page.fill("#password", WEB_PASS);
      await page.click("button[type=submit]");
      await page.waitForSelector("#feed-state:text('live')");

      // An ssh session appears in the live list, its hostile command line as text.
      await using login = await sshd.spawnSsh(USER, [], { tty: true });
      await login.write(`/bin/echo web-marker-$((6*7)); /bin/echo '${HOSTILE}'\n`);
      const start = await daemon.events.waitForType(
        "command_start",
        (e) => e.args.includes(HOSTILE) && e.tcp_info.server_port === sshd.port,
      );
      const id = start.session_id;
      const row = page.locator(`#sessions tr[data-session-id="${id}"]`);
      await row.waitFor();
      assert.equal(await row.locator("td.user").textContent(), USER);
      await waitFor("the last command in the list", async () => {
        const text = await row.locator("td.command").textContent();
        return text?.includes(HOSTILE) ? text : undefined;
      }, { timeoutMs: 15_000 });
      assert.equal(await page.locator("#sessions img").count(), 0, "no element made of user text");
      await screenshot(page, "web-sessions");

      // The live view shows the current screen at once, then new output.
      await row.locator("a.view").click();
      const terminal = page.locator("#terminal .xterm-rows");
      await waitFor("the current screen in the live view", async () => {
        const text = await terminal.textContent();
        return text?.includes("web-marker-42") ? text : undefined;
      }, { timeoutMs: 15_000 });
      await login.write("echo live-$((7*6))-output\n");
      await waitFor("new output in the live view", async () => {
        const text = await terminal.textContent();
        return text?.includes("live-42-output") ? text : undefined;
      }, { timeoutMs: 15_000 });
      assert.equal(await page.locator("#live-interactive").isVisible(), false, "no injection");
      await screenshot(page, "web-live-view");
      const attach = await daemon.events.waitForEvent((e) =>
        e.event_type === "session_attach" && e.session_id === id
      ) as SessionAttachEvent;
      assert.equal(attach.admin_user, WEB_USER);
      assert.equal(attach.via, "web");
      assert.equal(attach.mode, "readonly");

      // The event feed shows the hostile command and a hostile uploaded file name as text too.
      const local = join(recordings, "plain.txt");
      await Deno.writeTextFile(local, "payload\n");
      const fileName = "<img src=x onerror=alert(2)>.txt";
      const put = await sshd.sftp(USER, [`put ${local} "${fileName}"`]);
      assert.equal(put.code, 0, put.stderr);
      await page.click("#nav-events");
      await page.locator("#events td.details", { hasText: HOSTILE }).first().waitFor();
      await page.locator("#events tr[data-event-type=file_upload] td.details", {
        hasText: fileName,
      }).first().waitFor();
      assert.equal(await page.locator("#events img").count(), 0);
      await screenshot(page, "web-events");

      // Kill from the live view: the session ends.
      await page.goBack();
      await page.click("#live-kill");
      await daemon.events.waitForType("connection_close", (e) => e.session_id === id);
      await page.waitForSelector("#live-state:text('the session ended')");

      // The recording is listed and replays in asciinema-player.
      await page.click("#nav-recordings");
      await page.fill("#recordings-grep", "live-42-output");
      await page.click("#recordings-search button");
      const recording = page.locator(`#recordings tr[data-session-id="${id}"]`);
      await recording.waitFor();
      await recording.locator("a.replay").click();
      await waitFor("the replayed output", async () => {
        const text = await page.locator("#player").textContent();
        return text?.includes("live-42-output") ? text : undefined;
      }, { timeoutMs: 20_000 });
      await screenshot(page, "web-replay");

      assert.deepEqual(dialogs.filter((d) => !d.startsWith("Kill the session")), []);
      assert.equal(dialogs.length, 1, "one confirmation: the kill");
      assert.deepEqual(pageErrors, []);
      assert.deepEqual(foreign, [], "nothing is loaded from anywhere but the daemon");
      // Neither the password nor a wrong one typed at the login reaches the daemon's log.
      assert.ok(!daemon.stderr.includes(WEB_PASS), "the web password is not logged");
      assert.ok(!daemon.stderr.includes("wrong password"), "a typed password is not logged");
      assert.match(daemon.stderr, /Failed web login as "webadmin" from "127\.0\.0\.1"/);
    } finally {
      await browser.close();
      await Deno.remove(recordings, { recursive: true });
    }
  },
});

Deno.test({
  name: "web: with session injection, keystrokes typed in the live view run in the session",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using sshd = await startSshd();
    await sshd.ensureUser(USER);
    const port = freePort();
    await using daemon = await startDaemon({
      args: [
        "--enable-diagnostic-web",
        "--diagnostic-web-port",
        String(port),
        "--enable-session-injection",
      ],
      env: { SSHLOG_WEB_USER: WEB_USER, SSHLOG_WEB_PASS: WEB_PASS },
    });
    await using login = await sshd.spawnSsh(USER, [], { tty: true });
    await login.write("/bin/echo inject-ready\n");
    const start = await daemon.events.waitForType(
      "command_start",
      (e) => e.args.includes("inject-ready") && e.tcp_info.server_port === sshd.port,
    );
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${port}/login`);
      await page.fill("#user", WEB_USER);
      await page.fill("#password", WEB_PASS);
      await page.click("button[type=submit]");
      await page.waitForSelector("#feed-state:text('live')");
      await page.goto(`http://127.0.0.1:${port}/#/live/${start.session_id}`);
      await page.click("#live-interactive");
      await page.waitForSelector("#live-state:text('your keystrokes go to the session')");
      await page.locator("#terminal .xterm").click();
      await page.keyboard.type("/bin/echo typed-in-$((5*5))");
      await page.keyboard.press("Enter");
      const ran = await daemon.events.waitForType(
        "command_start",
        (e) => e.session_id === start.session_id && e.args.includes("typed-in-25"),
      );
      assert.equal(ran.args, "/bin/echo typed-in-25");
      const typed = await daemon.events.waitForType(
        "terminal_input",
        (e) => e.session_id === start.session_id && e.injected === true,
      );
      assert.equal(typed.admin_user, WEB_USER);
      assert.equal(typed.via, "web");
      await waitFor("the injected command's output in the live view", async () => {
        const text = await page.locator("#terminal .xterm-rows").textContent();
        return text?.includes("typed-in-25") ? text : undefined;
      }, { timeoutMs: 15_000 });
      await screenshot(page, "web-interactive");
    } finally {
      await browser.close();
    }
  },
});

Deno.test({
  name: "web: HTTPS with the configured certificate; a login cookie is Secure",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const cert = await selfSignedCertificate();
    const dir = await Deno.makeTempDir({ prefix: "sshlog-web-tls-" });
    const client = Deno.createHttpClient({ caCerts: [cert.ca] });
    try {
      await Deno.writeTextFile(join(dir, "cert.pem"), cert.cert);
      await Deno.writeTextFile(join(dir, "key.pem"), cert.key, { mode: 0o600 });
      const port = freePort();
      await using _daemon = await startDaemon({
        args: [
          "--enable-diagnostic-web",
          "--diagnostic-web-port",
          String(port),
          "--diagnostic-web-tls-cert",
          join(dir, "cert.pem"),
          "--diagnostic-web-tls-key",
          join(dir, "key.pem"),
        ],
        env: { SSHLOG_WEB_USER: WEB_USER, SSHLOG_WEB_PASS: WEB_PASS },
        collect: false,
      });
      const base = `https://localhost:${port}`;
      const login = await fetch(`${base}/login`, {
        method: "POST",
        body: new URLSearchParams({ user: WEB_USER, password: WEB_PASS }),
        redirect: "manual",
        client,
      });
      await login.body?.cancel();
      assert.equal(login.status, 303);
      assert.match(login.headers.get("Set-Cookie") ?? "", /; Secure/);
      assert.match(login.headers.get("Strict-Transport-Security") ?? "", /max-age=/);
      const cookie = login.headers.get("Set-Cookie")!.split(";")[0]!;
      const sessions = await fetch(`${base}/api/sessions`, { headers: { Cookie: cookie }, client });
      assert.deepEqual(await sessions.json(), { sessions: [] });
      await assert.rejects(fetch(`http://localhost:${port}/api/sessions`), "no plain HTTP");
    } finally {
      client.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "web: unauthenticated API and WebSocket requests are refused; no password, no start",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const port = freePort();
    await using daemon = await startDaemon({
      args: ["--enable-diagnostic-web", "--diagnostic-web-port", String(port)],
      env: { SSHLOG_WEB_USER: WEB_USER, SSHLOG_WEB_PASS: WEB_PASS },
      collect: false,
    });
    const base = `http://127.0.0.1:${port}`;
    const api = await fetch(`${base}/api/sessions`);
    await api.body?.cancel();
    assert.equal(api.status, 401);
    const socket = new WebSocket(`ws://127.0.0.1:${port}/api/events`);
    const outcome = await new Promise<string>((resolve) => {
      socket.onopen = () => resolve("open");
      socket.onerror = () => resolve("refused");
    });
    assert.equal(outcome, "refused");

    // In the browser too: a page that opens the WebSocket before logging in gets nothing.
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.goto(`${base}/login`);
      const state = await page.evaluate((url) =>
        new Promise<string>((resolve) => {
          const ws = new WebSocket(url);
          ws.onopen = () => resolve("open");
          ws.onerror = () => resolve("refused");
        }), `ws://127.0.0.1:${port}/api/events`);
      assert.equal(state, "refused");
    } finally {
      await browser.close();
    }
    await daemon.stop();

    const noPassword = await new Deno.Command(join(REPO_ROOT, "sshlog"), {
      args: ["daemon", "--enable-diagnostic-web", "--socket", "/tmp/sshlog-web-nopass.sock"],
      env: { SSHLOG_WEB_USER: WEB_USER, SSHLOG_WEB_PASS: "" },
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.equal(noPassword.code, 2);
    assert.match(new TextDecoder().decode(noPassword.stderr), /needs a password/);

    // A port already taken is a clear failure, not a daemon without its interface.
    const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const configDir = await Deno.makeTempDir({ prefix: "sshlog-web-busy-" });
    await Deno.mkdir(join(configDir, "conf.d"));
    try {
      const busy = await new Deno.Command(join(REPO_ROOT, "sshlog"), {
        args: [
          "daemon",
          "--enable-diagnostic-web",
          "--diagnostic-web-port",
          String(taken.addr.port),
          "--socket",
          "/tmp/sshlog-web-busy.sock",
          "--config-dir",
          configDir,
        ],
        env: { SSHLOG_WEB_USER: WEB_USER, SSHLOG_WEB_PASS: WEB_PASS },
        stdout: "null",
        stderr: "piped",
      }).output();
      assert.equal(busy.code, 1);
      assert.match(
        new TextDecoder().decode(busy.stderr),
        new RegExp(`Cannot serve the web interface on 127\\.0\\.0\\.1:${taken.addr.port}`),
      );
    } finally {
      taken.close();
      await Deno.remove(configDir, { recursive: true });
    }
  },
});
