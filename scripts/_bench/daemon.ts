/**
 * The sshlog daemon and `sshlog watch --json` clients as the benchmark runs them: a throwaway
 * config dir and socket, the time to "capturing", its stderr kept for the report.
 */
import { join } from "node:path";
import { assertNotInterrupted, comm, onCleanup, sleep, stopChild } from "./proc.ts";

/** The repository root (where the `sshlog` launcher lives). */
export const REPO = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const LAUNCHER = join(REPO, "sshlog");

async function pumpLines(
  stream: ReadableStream<Uint8Array>,
  onLine: (line: string, receivedAt: number) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  let pending = "";
  for await (const chunk of stream) {
    const receivedAt = Date.now();
    pending += decoder.decode(chunk, { stream: true });
    let newline = pending.indexOf("\n");
    let start = 0;
    while (newline >= 0) {
      onLine(pending.slice(start, newline), receivedAt);
      start = newline + 1;
      newline = pending.indexOf("\n", start);
    }
    pending = pending.slice(start);
  }
  if (pending !== "") onLine(pending, Date.now());
}

/**
 * The pid to measure: `sshlog` is a bash launcher that execs deno, so the child's pid becomes
 * deno's once the exec happened. Waits (bounded) for that exec.
 */
async function denoPid(pid: number): Promise<number> {
  for (let i = 0; i < 100 && comm(pid) === "sshlog"; i++) await sleep(10);
  return pid;
}

/** A running daemon started by the benchmark. */
export class Daemon {
  readonly pid: number;
  /** Milliseconds from spawn to the "capturing" log line. */
  readonly readyMs: number;
  readonly socket: string;
  readonly stderrLines: string[];
  #child: Deno.ChildProcess;
  #dir: string;
  #pump: Promise<void>;
  #release: () => Promise<void>;

  private constructor(
    child: Deno.ChildProcess,
    pid: number,
    readyMs: number,
    dir: string,
    lines: string[],
    pump: Promise<void>,
    release: () => Promise<void>,
  ) {
    this.#child = child;
    this.pid = pid;
    this.readyMs = readyMs;
    this.#dir = dir;
    this.socket = join(dir, "sshlog.sock");
    this.stderrLines = lines;
    this.#pump = pump;
    this.#release = release;
  }

  /**
   * Starts `sshlog daemon` with an empty conf.d and waits for its "capturing" line.
   * @throws {Error} with its stderr when it exits or is not ready within `timeoutMs`
   */
  static async start(timeoutMs = 30_000): Promise<Daemon> {
    assertNotInterrupted();
    const dir = await Deno.makeTempDir({ prefix: "sshlog-bench-" });
    await Deno.mkdir(join(dir, "conf.d"));
    const socket = join(dir, "sshlog.sock");
    const lines: string[] = [];
    let child: Deno.ChildProcess | undefined;
    const release = onCleanup(async () => {
      if (child !== undefined) await stopChild(child);
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    });
    const start = performance.now();
    try {
      child = new Deno.Command(LAUNCHER, {
        args: ["daemon", "--socket", socket, "--config-dir", dir],
        stdin: "null",
        stdout: "null",
        stderr: "piped",
      }).spawn();
    } catch (error) {
      await release();
      throw error;
    }
    let readyAt: number | undefined;
    const pump = pumpLines(child.stderr, (line) => {
      lines.push(line);
      if (readyAt === undefined && line.includes("capturing")) readyAt = performance.now();
    }).catch(() => {});
    let exited = false;
    child.status.then(() => (exited = true));
    const deadline = start + timeoutMs;
    while (readyAt === undefined && !exited && performance.now() < deadline) await sleep(5);
    if (readyAt === undefined) {
      await release();
      await pump;
      throw new Error(
        `The daemon ${exited ? "exited" : "was not ready"} before saying "capturing": ` +
          lines.slice(-20).join("\n"),
      );
    }
    const pid = await denoPid(child.pid);
    return new Daemon(child, pid, readyAt - start, dir, lines, pump, release);
  }

  /**
   * Its stderr log entries other than info and debug (a timestamped line and its continuation
   * lines, such as a stack trace), each joined with "\n".
   */
  problems(): string[] {
    const entries: string[][] = [];
    for (const line of this.stderrLines) {
      if (/^\d{4}-\d\d-\d\d[ T]/.test(line) || entries.length === 0) entries.push([line]);
      else entries[entries.length - 1]!.push(line);
    }
    return entries.map((lines) => lines.join("\n"))
      .filter((entry) => entry.trim() !== "" && !/^\S+ \S+ \S+ \[(INF|DBG)\]/.test(entry));
  }

  /** Stops it (SIGTERM, SIGKILL after 10 s) and removes its dir; returns ms to exit. */
  async stop(): Promise<number> {
    const start = performance.now();
    await this.#release();
    await this.#pump;
    return performance.now() - start;
  }
}

/** One event line as the benchmark keeps it (terminal data dropped). */
export interface SeenEvent {
  type: string;
  timestamp: number;
  /** Wall clock (epoch ms) when the benchmark read the line from `watch`. */
  receivedAt: number;
  sessionId: string | undefined;
  username: string | undefined;
  dataLen: number;
  filename: string;
  execPath: string;
  lostBytes: number;
  lostEvents: number;
  reason: string;
}

function field(object: Record<string, unknown>, key: string): unknown {
  return object[key];
}

function text(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function num(value: unknown): number {
  return typeof value === "number" ? value : 0;
}

function parseEvent(line: string, receivedAt: number): SeenEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const event = value as Record<string, unknown>;
  const session = field(event, "session_id");
  const user = field(event, "username");
  return {
    type: text(field(event, "event_type")),
    timestamp: num(field(event, "timestamp")),
    receivedAt,
    sessionId: typeof session === "string" ? session : undefined,
    username: typeof user === "string" ? user : undefined,
    dataLen: num(field(event, "data_len")),
    filename: text(field(event, "filename")),
    execPath: text(field(event, "exec_path")),
    lostBytes: num(field(event, "lost_bytes")),
    lostEvents: num(field(event, "lost_events")),
    reason: text(field(event, "reason")),
  };
}

/** A running `sshlog watch --json` client. */
export class Watch {
  readonly pid: number;
  readonly events: SeenEvent[] = [];
  /** Lines that were not JSON events. */
  readonly junk: string[] = [];
  #child: Deno.ChildProcess;
  #done: Promise<void>;
  #stderr: Promise<string>;
  #exited = false;
  #release: () => Promise<void>;

  private constructor(child: Deno.ChildProcess, pid: number) {
    this.#child = child;
    this.pid = pid;
    this.#done = pumpLines(child.stdout, (line, receivedAt) => {
      const event = parseEvent(line, receivedAt);
      if (event === undefined) this.junk.push(line.slice(0, 200));
      else this.events.push(event);
    }).catch(() => {});
    this.#stderr = new Response(child.stderr).text().catch(() => "");
    child.status.then(() => (this.#exited = true));
    this.#release = onCleanup(async () => {
      await stopChild(child, 5000);
      await this.#done;
    });
  }

  /** Starts `sshlog watch --json --type TYPES --socket SOCKET`. */
  static async start(socket: string, types: readonly string[]): Promise<Watch> {
    assertNotInterrupted();
    const child = new Deno.Command(LAUNCHER, {
      args: ["watch", "--json", "--socket", socket, "--type", types.join(",")],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    return new Watch(child, await denoPid(child.pid));
  }

  /** Whether the client exited (e.g. the daemon dropped it). */
  get exited(): boolean {
    return this.#exited;
  }

  /**
   * Polls `probe` every 20 ms until it returns true, the client exits, or `timeoutMs` passes.
   * @returns whether `probe` returned true
   */
  async until(probe: () => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      if (probe()) return true;
      if (this.#exited) return probe();
      await sleep(20);
    }
    return probe();
  }

  /** Stops the client and returns its stderr. */
  async stop(): Promise<string> {
    await this.#release();
    return (await this.#stderr).trim();
  }
}
