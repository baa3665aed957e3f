/**
 * The e2e harness for the daemon: runs the REAL `sshlog daemon` through the `./sshlog` launcher
 * on a temp socket and a temp config directory (stderr captured), and collects its events with a
 * `watch` connection opened before the scenario runs.
 *
 * ```ts
 * await using sshd = await startSshd();
 * await using daemon = await startDaemon();
 * await sshd.ssh("alice", ["echo", "hi"]);
 * const close = await daemon.events.waitForEvent((e) => e.event_type === "connection_close");
 * ```
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { EVENT_TYPES, type SshlogEvent } from "../../../src/events/mod.ts";
import { IpcClient, type WatchOptions } from "../../../src/ipc/client.ts";
import { type CommandResult, run, waitFor, type WaitOptions } from "./_process.ts";

export type { SshlogEvent } from "../../../src/events/mod.ts";
export type { CommandResult } from "./_process.ts";

/** The repository root (where the `sshlog` launcher is). */
export const REPO_ROOT: string = fileURLToPath(new URL("../../../", import.meta.url)).replace(
  /\/$/,
  "",
);

/** The shipped launcher: `./sshlog` of the source checkout. */
export const SSHLOG: string = join(REPO_ROOT, "sshlog");

/** Options of {@linkcode startDaemon}. */
export interface DaemonOptions {
  /** Files written into `CONFIG_DIR/conf.d/`, name → YAML text. Default: none (no rules). */
  config?: Record<string, string>;
  /** Extra `sshlog daemon` flags. Default: none. */
  args?: string[];
  /** Extra environment variables for the daemon. Default: none. */
  env?: Record<string, string>;
  /** A command the daemon runs under, e.g. `["setpriv", "--no-new-privs"]`. Default: none. */
  wrapper?: string[];
  /** Milliseconds to wait for the socket to answer. Default 30000. */
  startTimeoutMs?: number;
  /**
   * Open the event collector (a `watch` of every event type) as soon as the socket answers.
   * Default true.
   */
  collect?: boolean;
}

/** Options of {@linkcode EventCollector.waitForEvent}. */
export interface EventWaitOptions extends WaitOptions {
  /** What is awaited, for the error message. Default "a matching event". */
  what?: string;
}

/** Narrows an event to one type. */
export type EventOf<T extends SshlogEvent["event_type"]> = Extract<SshlogEvent, { event_type: T }>;

/**
 * Everything one `watch` connection received, in order, with helpers that wait (with a deadline)
 * for events to arrive.
 */
export class EventCollector {
  /** Every event received so far, in arrival order. */
  readonly events: SshlogEvent[] = [];
  #client: IpcClient;
  #pump: Promise<void>;
  #error: unknown;
  #ended = false;
  #describe: () => string;

  private constructor(client: IpcClient, stream: AsyncGenerator<SshlogEvent>, d: () => string) {
    this.#client = client;
    this.#describe = d;
    this.#pump = (async () => {
      try {
        for await (const event of stream) this.events.push(event);
      } catch (error) {
        this.#error = error;
      } finally {
        this.#ended = true;
      }
    })();
  }

  /**
   * Connects to `socket` and starts watching; resolves once the daemon accepted the watch, so
   * every event published afterwards is collected. Default: every event type.
   */
  static async open(
    socket: string,
    options: WatchOptions = { types: EVENT_TYPES },
    describe: () => string = () => "",
  ): Promise<EventCollector> {
    const client = await IpcClient.connect(socket);
    try {
      return new EventCollector(client, await client.watch(options), describe);
    } catch (error) {
      client.close();
      throw error;
    }
  }

  /** True once the stream ended (daemon gone, or `close()`). */
  get ended(): boolean {
    return this.#ended;
  }

  /** The error that ended the stream, if it did not end by `close()`. */
  get error(): unknown {
    return this.#error;
  }

  /** The events matching `predicate`, in arrival order. */
  filter<E extends SshlogEvent>(predicate: (event: SshlogEvent) => event is E): E[];
  filter(predicate: (event: SshlogEvent) => boolean): SshlogEvent[];
  filter(predicate: (event: SshlogEvent) => boolean): SshlogEvent[] {
    return this.events.filter(predicate);
  }

  /** The events of one session (by session_id), in arrival order. */
  ofSession(sessionId: string): SshlogEvent[] {
    return this.events.filter((event) => event.session_id === sessionId);
  }

  /**
   * Waits for the first event (already received or still to come) matching `predicate`.
   * @throws {Error} naming what was awaited, with the last events and the daemon's stderr
   */
  waitForEvent<E extends SshlogEvent>(
    predicate: (event: SshlogEvent) => event is E,
    options?: EventWaitOptions,
  ): Promise<E>;
  waitForEvent(
    predicate: (event: SshlogEvent) => boolean,
    options?: EventWaitOptions,
  ): Promise<SshlogEvent>;
  async waitForEvent(
    predicate: (event: SshlogEvent) => boolean,
    options: EventWaitOptions = {},
  ): Promise<SshlogEvent> {
    const [event] = await this.waitForEvents(predicate, 1, options);
    return event!;
  }

  /**
   * Waits for the first event of type `type` matching `predicate`, typed as that event.
   * @throws {Error} naming what was awaited, with the last events and the daemon's stderr
   */
  waitForType<T extends SshlogEvent["event_type"]>(
    type: T,
    predicate: (event: EventOf<T>) => boolean = () => true,
    options: EventWaitOptions = {},
  ): Promise<EventOf<T>> {
    return this.waitForEvent(
      (event): event is EventOf<T> => event.event_type === type && predicate(event as EventOf<T>),
      { ...options, what: options.what ?? `a matching ${type}` },
    );
  }

  /**
   * Waits until at least `count` events match `predicate` and returns all that match.
   * @throws {Error} naming what was awaited, with the last events and the daemon's stderr
   */
  async waitForEvents(
    predicate: (event: SshlogEvent) => boolean,
    count: number,
    options: EventWaitOptions = {},
  ): Promise<SshlogEvent[]> {
    const what = options.what ?? "a matching event";
    try {
      return await waitFor(what, () => {
        const found = this.events.filter(predicate);
        if (found.length >= count) return found;
        if (this.#ended) {
          throw new Error(`The event stream ended (${String(this.#error)}) before ${what}`);
        }
        return undefined;
      }, { timeoutMs: options.timeoutMs ?? 15_000, intervalMs: options.intervalMs ?? 25 });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`${message}\n${this.#context()}`, { cause: error });
    }
  }

  /**
   * Waits for the session whose first event matches `predicate` (typically a `command_start`
   * with a marker in its argv) to close, and returns all its events up to its connection_close.
   */
  async waitForSession(
    predicate: (event: SshlogEvent) => boolean,
    options: EventWaitOptions = {},
  ): Promise<SshlogEvent[]> {
    const first = await this.waitForEvent(
      (event) => event.session_id !== undefined && predicate(event),
      { ...options, what: options.what ?? "an event of the session" },
    );
    const id = first.session_id!;
    await this.waitForEvent(
      (event) => event.event_type === "connection_close" && event.session_id === id,
      { ...options, what: `connection_close of session ${id}` },
    );
    return this.ofSession(id);
  }

  #context(): string {
    const last = this.events.slice(-15).map((event) => JSON.stringify(event)).join("\n");
    return `Last ${Math.min(15, this.events.length)} of ${this.events.length} events:\n${last}\n` +
      this.#describe();
  }

  /** Stops watching; the collected events stay. */
  async close(): Promise<void> {
    this.#client.close();
    await this.#pump;
  }
}

/** A running `sshlog daemon` with its socket, config dir, captured stderr and event collector. */
export class DaemonHandle implements AsyncDisposable {
  /** PID of the daemon (deno, exec'd by the launcher). */
  readonly pid: number;
  /** Its socket. */
  readonly socket: string;
  /** Temp directory holding the socket and the config dir. */
  readonly dir: string;
  /** The `--config-dir` (holds `conf.d/`). */
  readonly configDir: string;
  #process: Deno.ChildProcess;
  #stderr = "";
  #stderrPump: Promise<void>;
  #status: Promise<Deno.CommandStatus>;
  #exited = false;
  #collector: EventCollector | undefined;
  #watchers: EventCollector[] = [];
  #stopped: Promise<{ status: Deno.CommandStatus; stderr: string }> | undefined;

  /** @internal Use {@linkcode startDaemon}. */
  constructor(process: Deno.ChildProcess, socket: string, dir: string, configDir: string) {
    this.#process = process;
    this.pid = process.pid;
    this.socket = socket;
    this.dir = dir;
    this.configDir = configDir;
    const decoder = new TextDecoder();
    this.#stderrPump = process.stderr.pipeTo(
      new WritableStream({
        write: (chunk) => {
          this.#stderr += decoder.decode(chunk, { stream: true });
        },
      }),
    ).catch(() => {});
    this.#status = process.status.then((status) => {
      this.#exited = true;
      return status;
    });
  }

  /** What the daemon wrote on stderr so far. */
  get stderr(): string {
    return this.#stderr;
  }

  /** True while the daemon process runs. */
  get alive(): boolean {
    return !this.#exited;
  }

  /** The collector opened at start (every event type). */
  get events(): EventCollector {
    if (this.#collector === undefined) {
      throw new Error("This daemon was started with collect: false");
    }
    return this.#collector;
  }

  /** @internal */
  set collector(collector: EventCollector) {
    this.#collector = collector;
  }

  /** Opens another `watch` connection with its own filter; closed by `stop()`. */
  async watch(options: WatchOptions = { types: EVENT_TYPES }): Promise<EventCollector> {
    const collector = await EventCollector.open(this.socket, options, () => this.describe());
    this.#watchers.push(collector);
    return collector;
  }

  /** Runs the shipped CLI `sshlog ARGS… --socket SOCKET` to completion. */
  cli(args: readonly string[], options: { timeoutMs?: number } = {}): Promise<CommandResult> {
    return runSshlog([...args, "--socket", this.socket], options);
  }

  /** The daemon's stderr, for error messages. */
  describe(): string {
    const tail = this.#stderr.split("\n").slice(-30).join("\n");
    return `Daemon ${this.pid} (${this.alive ? "running" : "exited"}) stderr:\n${tail}`;
  }

  /**
   * Stops the collectors, sends SIGTERM and waits for the daemon to exit (SIGKILL after 15 s).
   * Idempotent. Returns its exit status and whole stderr.
   */
  stop(): Promise<{ status: Deno.CommandStatus; stderr: string }> {
    this.#stopped ??= (async () => {
      for (const watcher of [this.#collector, ...this.#watchers]) await watcher?.close();
      if (!this.#exited) {
        try {
          this.#process.kill("SIGTERM");
        } catch { /* already gone */ }
      }
      const timer = setTimeout(() => {
        try {
          this.#process.kill("SIGKILL");
        } catch { /* already gone */ }
      }, 15_000);
      const status = await this.#status.finally(() => clearTimeout(timer));
      await this.#stderrPump;
      await Deno.remove(this.dir, { recursive: true }).catch(() => {});
      return { status, stderr: this.#stderr };
    })();
    return this.#stopped;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

/**
 * Runs the shipped `./sshlog ARGS…` to completion (no socket added).
 * @throws {Error} when it outlives `timeoutMs` (default 30000)
 */
export function runSshlog(
  args: readonly string[],
  options: { timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<CommandResult> {
  return run([SSHLOG, ...args], {
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.env === undefined ? {} : { env: options.env }),
  });
}

/**
 * Starts `./sshlog daemon --socket TMP/sshlog.sock --config-dir TMP/config` and returns once the
 * socket answers `version` and (unless `collect: false`) the event collector watches.
 * Stop it with `stop()` or `await using`.
 * @throws {Error} with the daemon's stderr when it exits or does not answer in time
 */
export async function startDaemon(options: DaemonOptions = {}): Promise<DaemonHandle> {
  const dir = await Deno.makeTempDir({ prefix: "sshlog-daemon-" });
  const configDir = join(dir, "config");
  await Deno.mkdir(join(configDir, "conf.d"), { recursive: true });
  for (const [name, text] of Object.entries(options.config ?? {})) {
    await Deno.writeTextFile(join(configDir, "conf.d", name), text);
  }
  const socket = join(dir, "sshlog.sock");
  const argv = [
    ...(options.wrapper ?? []),
    SSHLOG,
    "daemon",
    "--socket",
    socket,
    "--config-dir",
    configDir,
    ...(options.args ?? []),
  ];
  const process = new Deno.Command(argv[0]!, {
    args: argv.slice(1),
    env: { NO_COLOR: "1", ...options.env },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const daemon = new DaemonHandle(process, socket, dir, configDir);
  try {
    await waitFor("the daemon socket to answer", async () => {
      if (!daemon.alive) throw new Error("The daemon exited before it served its socket");
      try {
        const client = await IpcClient.connect(socket);
        try {
          await client.version();
          return true;
        } finally {
          client.close();
        }
      } catch {
        return undefined;
      }
    }, { timeoutMs: options.startTimeoutMs ?? 30_000 });
    if (options.collect ?? true) {
      daemon.collector = await EventCollector.open(
        socket,
        { types: EVENT_TYPES },
        () => daemon.describe(),
      );
    }
    return daemon;
  } catch (error) {
    const { stderr } = await daemon.stop();
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`Cannot start the sshlog daemon: ${message}\n${stderr.trim()}`, {
      cause: error,
    });
  }
}

/** Waits for `probe` to return a value (re-exported harness helper). */
export { waitFor };

/** The four fields of `$SSH_CONNECTION` as the session's `tcp_info` must carry them. */
export interface TcpInfo {
  "client_ip": string;
  "client_port": number;
  "server_ip": string;
  "server_port": number;
}

/**
 * Parses the first `CLIENT_IP CLIENT_PORT SERVER_IP SERVER_PORT` line of a command's output
 * (what `echo $SSH_CONNECTION` prints).
 * @throws {Error} when there is none
 */
export function parseSshConnection(output: string): TcpInfo {
  const match = /^(\S+) (\d+) (\S+) (\d+)\r?$/m.exec(output);
  if (match === null) throw new Error(`No $SSH_CONNECTION line in ${JSON.stringify(output)}`);
  return {
    client_ip: match[1]!,
    client_port: Number(match[2]),
    server_ip: match[3]!,
    server_port: Number(match[4]),
  };
}

/** The session fields every event of one session must carry with the same value. */
const SESSION_FIELDS = [
  "session_id",
  "hostname",
  "ptm_pid",
  "pts_pid",
  "shell_pid",
  "user_id",
  "username",
  "tty_id",
  "start_time",
] as const;

/**
 * Checks that all `events` carry the same session fields, equal to `expected` where given, and
 * returns the common values.
 * @throws {AssertionError} naming the first field and event that differ
 */
export function commonSessionFields(
  events: readonly SshlogEvent[],
  expected: Partial<Record<(typeof SESSION_FIELDS)[number], unknown>> & { tcp_info?: TcpInfo },
): Record<(typeof SESSION_FIELDS)[number], unknown> & { tcp_info: TcpInfo } {
  if (events.length === 0) throw new Error("No events to compare");
  const first = events[0]! as unknown as Record<string, unknown>;
  const common = {} as Record<string, unknown>;
  for (const field of [...SESSION_FIELDS, "tcp_info"] as const) {
    const want = field in expected ? expected[field] : first[field];
    for (const event of events) {
      const got = (event as unknown as Record<string, unknown>)[field];
      if (JSON.stringify(got) !== JSON.stringify(want)) {
        throw new Error(
          `Field "${field}" is ${JSON.stringify(got)}, expected ${JSON.stringify(want)}, in ` +
            JSON.stringify(event),
        );
      }
    }
    common[field] = want;
  }
  return common as Record<(typeof SESSION_FIELDS)[number], unknown> & { tcp_info: TcpInfo };
}

/** Concatenates the `terminal_data` of a session's `terminal_update` events. */
export function terminalText(events: readonly SshlogEvent[]): string {
  return events.filter(isType("terminal_update")).map((event) => event.terminal_data).join("");
}

/** Sums the `data_len` of a session's `terminal_update` events. */
export function terminalBytes(events: readonly SshlogEvent[]): number {
  return events.filter(isType("terminal_update")).reduce((n, event) => n + event.data_len, 0);
}

/** Type guard factory: `isType("command_start")`. */
export function isType<T extends SshlogEvent["event_type"]>(
  type: T,
): (event: SshlogEvent) => event is EventOf<T> {
  return (event): event is EventOf<T> => event.event_type === type;
}
