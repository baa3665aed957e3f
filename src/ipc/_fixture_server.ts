/** Test fixtures for this folder: a real `IpcServer` on a temp socket and a raw line client. */

import {
  EventBus,
  type SessionDirectory,
  type SessionSnapshot,
  type SshlogEvent,
} from "../events/mod.ts";
import { IpcServer, type IpcServerOptions } from "./server.ts";
import { LineReader } from "./_line_reader.ts";

/** A live session of `user` on `tty` (ptm_pid 1000 + tty). */
export function fixtureSession(user: string, tty: number): SessionSnapshot {
  return {
    hostname: "test",
    "session_id": `s-${user}-${tty}`,
    "ptm_pid": 1000 + tty,
    "pts_pid": 2000 + tty,
    "shell_pid": 3000 + tty,
    "user_id": 1000,
    username: user,
    "tty_id": tty,
    "start_time": 1_714_580_000_000,
    "end_time": 0,
    "tcp_info": {
      "client_ip": "10.1.2.3",
      "client_port": 40000 + tty,
      "server_ip": "10.0.0.1",
      "server_port": 22,
    },
    "last_activity_time": 1_714_580_000_000,
    "last_command": "/bin/bash",
    existing: false,
  };
}

/** A command_start event in `session` running `args`. */
export function fixtureEvent(session: SessionSnapshot, args: string): SshlogEvent {
  return {
    ...session,
    "event_type": "command_start",
    timestamp: Date.now(),
    pid: 5000,
    "parent_pid": session.shell_pid,
    filename: args.split(" ")[0] ?? "",
    args,
    argv: args.split(" "),
    cwd: "/",
    "exec_path": args.split(" ")[0] ?? "",
    "command_start_time": Date.now(),
  };
}

/** A session directory over a fixed list, found by session_id, TTY number or ptm_pid. */
export function fixtureDirectory(sessions: SessionSnapshot[]): SessionDirectory {
  return {
    list: () => sessions,
    find: (key) =>
      sessions.find((s) =>
        s.session_id === key || String(s.tty_id) === key || String(s.ptm_pid) === key
      ),
  };
}

/** A started server in a fresh temp dir; disposing it closes the server and removes the dir. */
export interface FixtureServer extends AsyncDisposable {
  server: IpcServer;
  bus: EventBus;
  path: string;
  dir: string;
}

/** Starts an `IpcServer` with alice on tty 1 and bob on tty 2, plus any option overrides. */
export async function startFixtureServer(
  overrides: Partial<IpcServerOptions> = {},
): Promise<FixtureServer> {
  const dir = await Deno.makeTempDir({ prefix: "sshlog_ipc_" });
  const path = `${dir}/sshlogd.sock`;
  const bus = new EventBus();
  const sessions = fixtureDirectory([fixtureSession("alice", 1), fixtureSession("bob", 2)]);
  const server = new IpcServer({ path, bus, sessions, version: "9.9.9", ...overrides });
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

/** A raw client that writes text and reads parsed JSON lines. */
export class RawClient implements Disposable {
  #conn: Deno.UnixConn;
  #reader: LineReader;

  private constructor(conn: Deno.UnixConn) {
    this.#conn = conn;
    this.#reader = new LineReader(conn, 64 * 1024 * 1024);
  }

  /** Connects to a socket path. */
  static async connect(path: string): Promise<RawClient> {
    return new RawClient(await Deno.connect({ transport: "unix", path }));
  }

  /** Writes text as is (add the "\n" yourself). */
  async write(text: string | Uint8Array): Promise<void> {
    const bytes = typeof text === "string" ? new TextEncoder().encode(text) : text;
    let written = 0;
    while (written < bytes.length) written += await this.#conn.write(bytes.subarray(written));
  }

  /** Reads the next line as JSON; null at the end of the stream. */
  async read(): Promise<Record<string, unknown> | null> {
    const line = await this.#reader.next();
    return line === null ? null : JSON.parse(new TextDecoder().decode(line));
  }

  /** Sends one request object and reads one answer. */
  async ask(request: unknown): Promise<Record<string, unknown> | null> {
    await this.write(JSON.stringify(request) + "\n");
    return await this.read();
  }

  /** Closes the connection. */
  [Symbol.dispose](): void {
    try {
      this.#conn.close();
    } catch (error) {
      if (!(error instanceof Deno.errors.BadResource)) throw error;
    }
  }
}

/** Polls `condition` every 5 ms until it holds or `timeoutMs` passes (then throws). */
export async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("Condition not met before the deadline");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
