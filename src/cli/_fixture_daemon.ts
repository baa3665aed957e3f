/** Test fixtures for the CLI: a real `IpcServer` in a temp dir and helpers that run `sshlog`. */

import { EventBus, type SessionSnapshot } from "../events/mod.ts";
import { IpcServer } from "../ipc/mod.ts";

const MOD_TS = new URL("../../mod.ts", import.meta.url).pathname;

/** A live session of `user` on `tty`, active just now. */
export function liveSession(user: string, tty: number): SessionSnapshot {
  return {
    hostname: "test",
    "session_id": `s-${user}-${tty}`,
    "ptm_pid": 1000 + tty,
    "pts_pid": 2000 + tty,
    "shell_pid": 3000 + tty,
    "user_id": 1000 + tty,
    username: user,
    "tty_id": tty,
    "start_time": Date.UTC(2024, 4, 1, 16, 16, 45),
    "end_time": 0,
    "tcp_info": {
      "client_ip": "15.12.5.8",
      "client_port": 59120,
      "server_ip": "10.0.0.1",
      "server_port": 22,
    },
    "last_activity_time": Date.now(),
    "last_command": "/usr/bin/top",
    existing: false,
  };
}

/** A running daemon stand-in; disposing it stops the server and removes its temp dir. */
export interface DaemonFixture extends AsyncDisposable {
  server: IpcServer;
  bus: EventBus;
  path: string;
  dir: string;
}

/** Starts an `IpcServer` serving `sessions` (default: alice on tty 33) in a fresh temp dir. */
export async function startDaemonFixture(
  sessions: SessionSnapshot[] = [liveSession("alice", 33)],
): Promise<DaemonFixture> {
  const dir = await Deno.makeTempDir({ prefix: "sshlog_cli_" });
  const path = `${dir}/sshlogd.sock`;
  const bus = new EventBus();
  const server = new IpcServer({
    path,
    bus,
    version: "0.1.0",
    sessions: {
      list: () => sessions,
      find: (key) => sessions.find((s) => s.session_id === key || String(s.tty_id) === key),
    },
  });
  await server.start();
  return {
    server,
    bus,
    path,
    dir,
    async [Symbol.asyncDispose]() {
      await server.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** What one `sshlog` run printed and returned. */
export interface SshlogResult {
  code: number;
  stdout: string;
  stderr: string;
}

function command(args: string[], env: Record<string, string>): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "-q", MOD_TS, ...args],
    env: { TZ: "UTC", NO_COLOR: "1", SSHLOG_SOCKET: "", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
}

/** Runs `sshlog ARGS…` (as `deno run -A mod.ts`) to completion. */
export async function runSshlog(
  args: string[],
  env: Record<string, string> = {},
): Promise<SshlogResult> {
  const output = await command(args, env).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** Starts `sshlog ARGS…` in the background with piped stdout and stderr. */
export function spawnSshlog(args: string[]): Deno.ChildProcess {
  return command(args, {}).spawn();
}

/** Reads lines from a child's stdout until `count` lines arrived (throws if it ends first). */
export async function readLines(
  reader: ReadableStreamDefaultReader<string>,
  count: number,
): Promise<string[]> {
  const lines: string[] = [];
  let pending = "";
  while (lines.length < count) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`Output ended after ${lines.length} of ${count} lines`);
    pending += value;
    const parts = pending.split("\n");
    pending = parts.pop() ?? "";
    lines.push(...parts);
  }
  return lines;
}

/** Polls `condition` every 10 ms until it holds or `timeoutMs` passes (then throws). */
export async function waitFor(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("Condition not met before the deadline");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
