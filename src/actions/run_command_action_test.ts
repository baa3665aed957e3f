import assert from "node:assert/strict";
import { getLogger } from "@logtape/logtape";
import { sampleEvent, type SshlogEvent } from "../plugins/mod.ts";
import { runCommand, type RunCommandOptions } from "./mod.ts";
import { eventEnvironment, substituteFields } from "./_event_env.ts";

const logger = getLogger(["sshlog", "actions", "test"]);
const SCRIPT = `#!/bin/sh
out="$1"; shift
for a in "$@"; do printf '%s\\0' "$a"; done > "$out.argv"
env > "$out.env"
cat > "$out.stdin"
`;

async function recorder(): Promise<{ dir: string; script: string }> {
  const dir = await Deno.makeTempDir({ prefix: "sshlog-run-" });
  const script = `${dir}/record.sh`;
  await Deno.writeTextFile(script, SCRIPT, { mode: 0o755 });
  return { dir, script };
}

async function run(
  options: RunCommandOptions,
  event: SshlogEvent,
  signal = new AbortController().signal,
) {
  const handler = runCommand(options, logger);
  await handler.handle(event, { rule: "test", signal });
}

async function argvOf(out: string): Promise<string[]> {
  const text = await Deno.readTextFile(`${out}.argv`);
  return text.split("\0").slice(0, -1);
}

Deno.test("runCommand() passes a hostile user name as one verbatim argument and runs no shell", async () => {
  const { dir, script } = await recorder();
  const hostile = `$(touch ${dir}/pwned); touch ${dir}/pwned2 \`touch ${dir}/pwned3\``;
  const out = `${dir}/out`;
  const args = [
    out,
    "{{username}}",
    "user={{username}} tty={{tty_id}}",
    "{{client_ip}}",
    "{{tcp_info.server_port}}",
  ];
  await run(
    { command: script, args, timeout: 10 },
    sampleEvent("connection_auth_failed", { username: hostile }),
  );
  assert.deepEqual(await argvOf(out), [hostile, `user=${hostile} tty=3`, "15.12.5.8", "22"]);
  for (const name of ["pwned", "pwned2", "pwned3"]) {
    await assert.rejects(Deno.stat(`${dir}/${name}`), Deno.errors.NotFound);
  }
});

Deno.test("runCommand() substitutes once: a user name of {{username}} stays literal", async () => {
  const { dir, script } = await recorder();
  const out = `${dir}/out`;
  const event = sampleEvent("connection_established", { username: "{{username}}{{tty_id}}" });
  await run({
    command: script,
    args: [out, "{{username}}", "[{{ username }}]", "{{nope}}"],
    timeout: 10,
  }, event);
  assert.deepEqual(await argvOf(out), ["{{username}}{{tty_id}}", "[{{username}}{{tty_id}}]", ""]);
});

Deno.test("runCommand() gives the event as SSHLOG_* variables and as JSON on stdin", async () => {
  const { dir, script } = await recorder();
  const out = `${dir}/out`;
  const event = sampleEvent("command_finish");
  await run({ command: script, args: [out], timeout: 10 }, event);
  const env = Object.fromEntries(
    (await Deno.readTextFile(`${out}.env`)).trim().split("\n").map((line) => {
      const at = line.indexOf("=");
      return [line.slice(0, at), line.slice(at + 1)];
    }),
  );
  assert.equal(env.SSHLOG_USERNAME, "billy");
  assert.equal(env.SSHLOG_CLIENT_IP, "15.12.5.8");
  assert.equal(env.SSHLOG_SERVER_PORT, "22");
  assert.equal(env.SSHLOG_EXIT_CODE, "0");
  assert.equal(env.SSHLOG_ARGV, '["sudo","ls","-la"]');
  assert.equal(env.SSHLOG_SIGNAL, "");
  assert.equal(env.SSHLOG_TCP_INFO, undefined);
  assert.deepEqual(JSON.parse(await Deno.readTextFile(`${out}.stdin`)), event);
});

Deno.test("runCommand() kills a command (and its children) at its timeout", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sshlog-run-" });
  const started = Date.now();
  await run(
    { command: "/bin/sh", args: ["-c", `sleep 30; touch ${dir}/late`], timeout: 0.3 },
    sampleEvent("command_start"),
  );
  assert.ok(Date.now() - started < 10_000);
  await assert.rejects(Deno.stat(`${dir}/late`), Deno.errors.NotFound);
});

Deno.test("runCommand() rejects when the program does not exist", async () => {
  await assert.rejects(
    run({ command: "/nonexistent/program", args: [], timeout: 1 }, sampleEvent("command_start")),
    Deno.errors.NotFound,
  );
});

Deno.test("substituteFields() and eventEnvironment() turn values into text without NUL bytes", () => {
  const event = sampleEvent("terminal_update", { terminal_data: "a\0b" });
  assert.equal(substituteFields("{{terminal_data}}|{{data_len}}|{{existing}}", event), "ab|2|");
  assert.equal(eventEnvironment(event).SSHLOG_TERMINAL_DATA, "ab");
});
