/**
 * Drives the real OpenSSH clients (`ssh`, `scp`, `sftp`) against a harness sshd on loopback, with
 * the harness's client key or a password, never reading any ssh_config or known_hosts.
 */
import { join } from "node:path";
import { type CommandResult, run, waitFor, type WaitOptions } from "./_process.ts";
import { CACHE_DIR, CLIENT_KEY_PATH, clientPublicKey } from "./users.ts";

/** The sshd a client connects to: only its port matters (the address is loopback). */
export interface SshTarget {
  readonly port: number;
}

/** Options shared by {@linkcode ssh}, {@linkcode spawnSsh}, {@linkcode scp} and {@linkcode sftp}. */
export interface ClientOptions {
  /** Connect to `::1` instead of `127.0.0.1`. Default false. */
  ipv6?: boolean;
  /** Extra `-o` options, which win over the harness's own, e.g. `["ControlMaster=auto"]`. */
  options?: string[];
  /** Log in with this password (through SSH_ASKPASS) instead of the key. Not for sftp. */
  password?: string;
  /** Kill the client and throw after this many milliseconds. Default 30000. */
  timeoutMs?: number;
  /** Extra environment variables for the client. Default: none. */
  env?: Record<string, string>;
}

/** Options of {@linkcode ssh} and {@linkcode spawnSsh}. */
export interface SshOptions extends ClientOptions {
  /** Force a remote terminal (`-tt`). Default false. */
  tty?: boolean;
  /** Written to the client's standard input, which is then closed. Default: no input. */
  stdin?: string | Uint8Array;
  /** Extra command-line flags put before the destination, e.g. `["-N"]` or `["-O", "exit"]`. */
  flags?: string[];
}

/** Options of {@linkcode scp}. */
export interface ScpOptions extends ClientOptions {
  /** Use the legacy SCP protocol (`-O`: `scp -t`/`scp -f` on the server). Default false (SFTP). */
  legacy?: boolean;
  /** Copy directories recursively (`-r`). Default false. */
  recursive?: boolean;
}

/** One scp copy between a local path and a path on the server. */
export interface ScpTransfer {
  direction: "upload" | "download";
  local: string;
  /** Path on the server, relative to the user's home unless absolute. */
  remote: string;
}

function host(options: ClientOptions): string {
  return options.ipv6 ? "::1" : "127.0.0.1";
}

let askpass: Promise<string> | undefined;

/** Writes, once, a tiny askpass program that prints $SSHLOG_TEST_PASSWORD. */
function askpassProgram(): Promise<string> {
  askpass ??= (async () => {
    await clientPublicKey();
    const path = join(CACHE_DIR, "askpass.sh");
    const scratch = `${path}.tmp-${Deno.pid}`;
    await Deno.writeTextFile(scratch, '#!/bin/sh\nprintf "%s\\n" "$SSHLOG_TEST_PASSWORD"\n', {
      mode: 0o700,
    });
    await Deno.rename(scratch, path);
    return path;
  })();
  return askpass;
}

async function commonArgs(
  target: SshTarget,
  options: ClientOptions,
  portFlag: "-p" | "-P",
): Promise<{ args: string[]; env: Record<string, string> }> {
  await clientPublicKey();
  const args = ["-F", "none"];
  for (const option of options.options ?? []) args.push("-o", option);
  const env: Record<string, string> = { ...options.env };
  if (options.password === undefined) {
    args.push("-o", "BatchMode=yes");
  } else {
    args.push("-o", "BatchMode=no", "-o", "PubkeyAuthentication=no");
    args.push("-o", "PreferredAuthentications=password,keyboard-interactive");
    args.push("-o", "NumberOfPasswordPrompts=1");
    env.SSH_ASKPASS = await askpassProgram();
    env.SSH_ASKPASS_REQUIRE = "force";
    env.SSHLOG_TEST_PASSWORD = options.password;
  }
  for (
    const option of [
      "StrictHostKeyChecking=no",
      "UserKnownHostsFile=/dev/null",
      "GlobalKnownHostsFile=/dev/null",
      "LogLevel=ERROR",
      "ConnectTimeout=10",
      "IdentitiesOnly=yes",
    ]
  ) args.push("-o", option);
  args.push("-i", CLIENT_KEY_PATH, portFlag, String(target.port));
  return { args, env };
}

async function sshArgv(
  target: SshTarget,
  user: string,
  args: readonly string[],
  options: SshOptions,
): Promise<{ argv: string[]; env: Record<string, string> }> {
  const common = await commonArgs(target, options, "-p");
  const argv = ["ssh", ...common.args, ...(options.tty ? ["-tt"] : []), ...(options.flags ?? [])];
  argv.push(`${user}@${host(options)}`, ...args);
  return { argv, env: common.env };
}

/**
 * Runs `ssh user@host ARGS…` to completion. As with ssh itself, the args are joined with spaces
 * and run by the user's login shell; with no args the login shell reads `stdin`.
 * @throws {Error} when the client outlives `timeoutMs`
 */
export async function ssh(
  target: SshTarget,
  user: string,
  args: readonly string[],
  options: SshOptions = {},
): Promise<CommandResult> {
  const { argv, env } = await sshArgv(target, user, args, options);
  return await run(argv, {
    env,
    ...(options.stdin === undefined ? {} : { stdin: options.stdin }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
}

/**
 * Copies one file (or tree, with `recursive`) with the real `scp`.
 * @throws {Error} when the client outlives `timeoutMs`
 */
export async function scp(
  target: SshTarget,
  user: string,
  transfer: ScpTransfer,
  options: ScpOptions = {},
): Promise<CommandResult> {
  const common = await commonArgs(target, options, "-P");
  const address = options.ipv6 ? "[::1]" : "127.0.0.1";
  const remote = `${user}@${address}:${transfer.remote}`;
  const argv = ["scp", ...common.args];
  if (options.legacy) argv.push("-O");
  if (options.recursive) argv.push("-r");
  argv.push(
    ...(transfer.direction === "upload" ? [transfer.local, remote] : [remote, transfer.local]),
  );
  return await run(argv, {
    env: common.env,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
}

/**
 * Runs sftp batch commands (`put a b`, `get b c`, `ls`…) with the real `sftp -b`; the first
 * failing command stops the batch and makes the status non-zero.
 * @throws {Error} when the client outlives `timeoutMs`
 */
export async function sftp(
  target: SshTarget,
  user: string,
  commands: readonly string[],
  options: ClientOptions = {},
): Promise<CommandResult> {
  if (options.password !== undefined) {
    throw new TypeError("Cannot run sftp with a password: sftp -b allows key login only");
  }
  const common = await commonArgs(target, options, "-P");
  const batch = await Deno.makeTempFile({ prefix: "sshlog-sftp-batch-" });
  try {
    await Deno.writeTextFile(batch, commands.join("\n") + "\n");
    const address = options.ipv6 ? "[::1]" : "127.0.0.1";
    return await run(["sftp", ...common.args, "-b", batch, `${user}@${address}`], {
      env: common.env,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    });
  } finally {
    await Deno.remove(batch);
  }
}

/**
 * A running `ssh` client whose input the test writes and whose output it watches, for
 * interactive sessions that must stay open while something else happens.
 */
export class SshSession implements AsyncDisposable {
  /** The client process. */
  readonly process: Deno.ChildProcess;
  #stdout: Uint8Array[] = [];
  #text = "";
  #stderr = "";
  #pumps: Promise<void>;
  #writer: WritableStreamDefaultWriter<Uint8Array>;

  /** Wraps a spawned client with piped stdin, stdout and stderr. */
  constructor(process: Deno.ChildProcess) {
    this.process = process;
    this.#writer = process.stdin.getWriter();
    const decoder = new TextDecoder();
    const stderrDecoder = new TextDecoder();
    this.#pumps = Promise.all([
      process.stdout.pipeTo(
        new WritableStream({
          write: (chunk) => {
            this.#stdout.push(chunk);
            this.#text += decoder.decode(chunk, { stream: true });
          },
        }),
      ),
      process.stderr.pipeTo(
        new WritableStream({
          write: (chunk) => {
            this.#stderr += stderrDecoder.decode(chunk, { stream: true });
          },
        }),
      ),
    ]).then(() => {});
  }

  /** Everything the client printed on stdout so far, decoded. */
  get output(): string {
    return this.#text;
  }

  /** Sends keystrokes or bytes to the session. */
  async write(data: string | Uint8Array): Promise<void> {
    await this.#writer.write(typeof data === "string" ? new TextEncoder().encode(data) : data);
  }

  /** Closes the client's standard input (EOF for the remote side). */
  async closeInput(): Promise<void> {
    await this.#writer.close().catch(() => {});
  }

  /**
   * Waits until stdout so far contains `pattern` and returns stdout so far.
   * @throws {Error} when the deadline passes first
   */
  async waitForOutput(pattern: string | RegExp, options: WaitOptions = {}): Promise<string> {
    const found = (): boolean =>
      typeof pattern === "string" ? this.#text.includes(pattern) : pattern.test(this.#text);
    return await waitFor(`ssh output matching ${String(pattern)}`, () => {
      return found() ? this.#text : undefined;
    }, options);
  }

  /**
   * Waits for the client to exit (killing it after `timeoutMs`, default 30000) and returns what
   * it printed.
   * @throws {Error} when it had to be killed
   */
  async wait(options: { timeoutMs?: number } = {}): Promise<CommandResult> {
    const timeoutMs = options.timeoutMs ?? 30_000;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      this.kill("SIGKILL");
    }, timeoutMs);
    try {
      await this.closeInput();
      const status = await this.process.status;
      await this.#pumps;
      if (timedOut) throw new Error(`ssh client did not exit within ${timeoutMs} ms`);
      const bytes = new Uint8Array(this.#stdout.reduce((n, c) => n + c.length, 0));
      let offset = 0;
      for (const chunk of this.#stdout) {
        bytes.set(chunk, offset);
        offset += chunk.length;
      }
      const code = status.signal === null
        ? status.code
        : 128 + (status.signal === "SIGKILL" ? 9 : 15);
      return { code, stdout: this.#text, stdoutBytes: bytes, stderr: this.#stderr };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends a signal to the client (default SIGTERM), ignoring a client already gone. */
  kill(signal: Deno.Signal = "SIGTERM"): void {
    try {
      this.process.kill(signal);
    } catch (error) {
      if (!(error instanceof TypeError) && !(error instanceof Deno.errors.NotFound)) throw error;
    }
  }

  /** Kills the client if it still runs and waits for it. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.kill("SIGKILL");
    await this.process.status;
    await this.#pumps.catch(() => {});
  }
}

/**
 * Starts `ssh user@host ARGS…` without waiting: the test writes to it and watches its output.
 * With `tty` and no args it is an interactive login shell. `stdin` in options is ignored.
 */
export async function spawnSsh(
  target: SshTarget,
  user: string,
  args: readonly string[],
  options: SshOptions = {},
): Promise<SshSession> {
  const { argv, env } = await sshArgv(target, user, args, options);
  const [program, ...rest] = argv;
  const process = new Deno.Command(program!, {
    args: rest,
    env,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  return new SshSession(process);
}
