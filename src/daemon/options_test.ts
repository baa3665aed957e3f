import assert from "node:assert/strict";
import { parseDaemonOptions, UsageError } from "./options.ts";

const noEnv = () => undefined;

Deno.test("parseDaemonOptions() uses the SPEC defaults", () => {
  const o = parseDaemonOptions([], noEnv);
  assert.equal(o.configDir, "/etc/sshlog");
  assert.equal(o.pluginDir, "/etc/sshlog/plugins");
  assert.equal(o.socket, "/var/run/sshlogd.sock");
  assert.equal(o.debug, false);
  assert.deepEqual(o.web, {
    enabled: false,
    ip: "127.0.0.1",
    port: 5000,
    user: "admin",
    password: "",
  });
  assert.equal(o.sessionInjection, false);
});

Deno.test("parseDaemonOptions() lets flags win over the environment", () => {
  const env: Record<string, string> = {
    SSHLOG_SOCKET: "/env.sock",
    SSHLOG_CONFIG_DIR: "/env",
    SSHLOG_DEBUG: "YES",
    SSHLOG_ENABLE_SESSION_INJECTION: "true",
    SSHLOG_DIAGNOSTIC_WEB_PORT: "6000",
  };
  const o = parseDaemonOptions(["--socket", "/flag.sock"], (n) => env[n]);
  assert.equal(o.socket, "/flag.sock");
  assert.equal(o.configDir, "/env");
  assert.equal(o.pluginDir, "/env/plugins");
  assert.equal(o.debug, true);
  assert.equal(o.sessionInjection, true);
  assert.equal(o.web.port, 6000);
});

Deno.test("parseDaemonOptions() turns off with --no-FLAG what the environment turned on", () => {
  const env: Record<string, string> = { SSHLOG_DEBUG: "1", SSHLOG_ENABLE_SESSION_INJECTION: "yes" };
  const o = parseDaemonOptions(["--no-debug", "--no-enable-session-injection"], (n) => env[n]);
  assert.equal(o.debug, false);
  assert.equal(o.sessionInjection, false);
});

Deno.test("parseDaemonOptions() takes an empty variable as unset", () => {
  const empty = () => "";
  const o = parseDaemonOptions([], empty);
  assert.equal(o.configDir, "/etc/sshlog");
  assert.equal(o.pluginDir, "/etc/sshlog/plugins");
  assert.equal(o.socket, "/var/run/sshlogd.sock");
  assert.equal(o.web.ip, "127.0.0.1");
  assert.equal(o.web.port, 5000);
  assert.equal(o.logfile, undefined);
});

Deno.test("parseDaemonOptions() quotes a port that is not a number", () => {
  assert.throws(
    () => parseDaemonOptions(["--diagnostic-web-port", "abc"], noEnv),
    (error) =>
      error instanceof UsageError &&
      error.message === 'Invalid --diagnostic-web-port "abc": use 1 to 65535',
  );
});

Deno.test("parseDaemonOptions() rejects an unknown flag with a UsageError", () => {
  assert.throws(() => parseDaemonOptions(["--bogus"], noEnv), UsageError);
});

Deno.test("parseDaemonOptions() rejects a web port out of range", () => {
  assert.throws(
    () => parseDaemonOptions(["--diagnostic-web-port", "70000"], noEnv),
    (e: unknown) => e instanceof UsageError && /^Invalid --diagnostic-web-port/.test(e.message),
  );
});

Deno.test("parseDaemonOptions() refuses the web interface without a password", () => {
  assert.throws(
    () => parseDaemonOptions(["--enable-diagnostic-web"], noEnv),
    (e: unknown) => e instanceof UsageError && /needs a password/.test(e.message),
  );
  const env: Record<string, string> = { SSHLOG_ENABLE_DIAGNOSTIC_WEB: "1", SSHLOG_WEB_USER: "ops" };
  assert.throws(() => parseDaemonOptions([], (n) => env[n]), UsageError);
});

Deno.test("parseDaemonOptions() reads the web credentials and TLS files from the environment", () => {
  const env: Record<string, string> = {
    SSHLOG_ENABLE_DIAGNOSTIC_WEB: "yes",
    SSHLOG_WEB_USER: "ops",
    SSHLOG_WEB_PASS: "s3cret",
    SSHLOG_DIAGNOSTIC_WEB_IP: "::1",
    SSHLOG_WEB_TLS_CERT: "/c.pem",
    SSHLOG_WEB_TLS_KEY: "/k.pem",
  };
  const o = parseDaemonOptions([], (n) => env[n]);
  assert.deepEqual(o.web, {
    enabled: true,
    ip: "::1",
    port: 5000,
    user: "ops",
    password: "s3cret",
    tls: { certFile: "/c.pem", keyFile: "/k.pem" },
  });
});

Deno.test("parseDaemonOptions() reads the web password from SSHLOG_WEB_PASS_FILE", () => {
  const file = Deno.makeTempFileSync();
  try {
    Deno.writeTextFileSync(file, "from-file\n");
    const env: Record<string, string> = {
      SSHLOG_ENABLE_DIAGNOSTIC_WEB: "1",
      SSHLOG_WEB_PASS_FILE: file,
    };
    assert.equal(parseDaemonOptions([], (n) => env[n]).web.password, "from-file");
  } finally {
    Deno.removeSync(file);
  }
});

Deno.test("parseDaemonOptions() wants both TLS files or neither", () => {
  assert.throws(
    () => parseDaemonOptions(["--diagnostic-web-tls-cert", "/c.pem"], noEnv),
    (e: unknown) => e instanceof UsageError && /needs both/.test(e.message),
  );
});
