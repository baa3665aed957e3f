/**
 * Starts one real sshd (on the host or inside a chroot) on a free loopback port with a throwaway
 * host key, and wraps it in a handle that stops it and everything it spawned.
 */
import { join } from "node:path";
import { type CommandResult, killTree, run, waitFor, type WaitOptions } from "./_process.ts";
import {
  type ClientOptions,
  scp,
  type ScpOptions,
  type ScpTransfer,
  sftp,
  spawnSsh,
  ssh,
  type SshOptions,
  type SshSession,
  type SshTarget,
} from "./client.ts";
import { ensureUser, setPassword, type TestUser } from "./users.ts";

/** Options of `startSshd()` and `startTrixieSshd()`. */
export interface SshdOptions {
  /** Serve sftp with `internal-sftp` instead of the sftp-server program. Default false. */
  internalSftp?: boolean;
  /**
   * Extra sshd_config lines. Lines before the first `Match` go before the harness's own (sshd
   * keeps the first value of a keyword); the `Match` blocks go last. Default: none.
   */
  extraConfig?: string[];
  /** Milliseconds to wait for sshd to listen. Default 15000. */
  startTimeoutMs?: number;
}

/** A running harness sshd: where it listens, its files, and clients bound to it. */
export interface SshdHandle extends SshTarget, AsyncDisposable {
  /** The port it listens on, on both 127.0.0.1 and ::1. */
  readonly port: number;
  /** PID of the listener sshd. */
  readonly pid: number;
  /** The root it runs in: "/" or the chroot directory. */
  readonly root: string;
  /** `sshd -V` of that root, e.g. "OpenSSH_9.2" or "OpenSSH_10.0p2". */
  readonly version: string;
  /** Host path of the temp directory holding config, host key, pid file and log. */
  readonly dir: string;
  /** Host path of sshd_config. */
  readonly configPath: string;
  /** Host path of the log written by `sshd -E`. */
  readonly logPath: string;
  /** Returns the sshd log so far. */
  readLog(): Promise<string>;
  /**
   * Waits until the sshd log contains `pattern` and returns the log.
   * @throws {Error} when the deadline passes first
   */
  waitForLog(pattern: string | RegExp, options?: WaitOptions): Promise<string>;
  /** `ensureUser()` in this sshd's root. */
  ensureUser(name: string): Promise<TestUser>;
  /** `setPassword()` in this sshd's root. */
  setPassword(name: string, password: string): Promise<void>;
  /** `ssh()` against this sshd. */
  ssh(user: string, args?: readonly string[], options?: SshOptions): Promise<CommandResult>;
  /** `spawnSsh()` against this sshd. */
  spawnSsh(user: string, args?: readonly string[], options?: SshOptions): Promise<SshSession>;
  /** `scp()` against this sshd. */
  scp(user: string, transfer: ScpTransfer, options?: ScpOptions): Promise<CommandResult>;
  /** `sftp()` against this sshd. */
  sftp(user: string, commands: readonly string[], options?: ClientOptions): Promise<CommandResult>;
  /** Stops sshd and every process it spawned, then removes its temp directory. Idempotent. */
  stop(): Promise<void>;
}

/** How a launch differs between the host sshd and a chrooted one. */
export interface LaunchSpec {
  /** Root directory sshd runs in ("/" for the host). */
  root: string;
  /** Turns an argv that is valid inside the root into the argv to spawn on the host. */
  wrap(argv: string[]): string[];
  /** Config lines this OpenSSH version needs on top of the common ones. */
  versionConfig: string[];
}

const SSHD = "/usr/sbin/sshd";

function freePort(): number {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 40_000);
    const listeners: Deno.Listener[] = [];
    try {
      listeners.push(Deno.listen({ hostname: "127.0.0.1", port }));
      listeners.push(Deno.listen({ hostname: "::1", port }));
      return port;
    } catch (error) {
      if (!(error instanceof Deno.errors.AddrInUse)) throw error;
    } finally {
      for (const listener of listeners) listener.close();
    }
  }
  throw new Error("Cannot find a free port on 127.0.0.1 and ::1 after 50 tries");
}

function configText(port: number, inside: string, spec: LaunchSpec, options: SshdOptions): string {
  const extra = options.extraConfig ?? [];
  const firstMatch = extra.findIndex((line) => /^\s*Match\s/i.test(line));
  const early = firstMatch < 0 ? extra : extra.slice(0, firstMatch);
  const late = firstMatch < 0 ? [] : extra.slice(firstMatch);
  const sftpLine = extra.some((line) => /^\s*Subsystem\s+sftp\s/i.test(line))
    ? []
    : [`Subsystem sftp ${options.internalSftp ? "internal-sftp" : "/usr/lib/openssh/sftp-server"}`];
  return [
    "# Written by the sshlog e2e harness (tests/e2e/_harness).",
    ...early,
    `Port ${port}`,
    "ListenAddress 127.0.0.1",
    "ListenAddress ::1",
    `HostKey ${inside}/ssh_host_ed25519_key`,
    `PidFile ${inside}/sshd.pid`,
    "UsePAM yes",
    "PasswordAuthentication yes",
    "KbdInteractiveAuthentication no",
    "PubkeyAuthentication yes",
    "PermitRootLogin yes",
    "StrictModes no",
    "AuthorizedKeysFile .ssh/authorized_keys",
    "LogLevel VERBOSE",
    "UseDNS no",
    "PrintMotd no",
    "MaxStartups 100:30:200",
    "MaxSessions 100",
    "LoginGraceTime 30",
    ...spec.versionConfig,
    ...sftpLine,
    ...late,
    "",
  ].join("\n");
}

/**
 * Starts sshd as `spec` says and returns its handle once it listens on both addresses.
 * @throws {Error} with sshd's own message when the config is refused or it does not start
 */
export async function launchSshd(spec: LaunchSpec, options: SshdOptions): Promise<SshdHandle> {
  await Deno.mkdir(join(spec.root, "run/sshd"), { recursive: true, mode: 0o755 });
  await Deno.mkdir(join(spec.root, "tmp"), { recursive: true, mode: 0o1777 });
  const dir = await Deno.makeTempDir({ dir: join(spec.root, "tmp"), prefix: "sshlog-sshd-" });
  const inside = spec.root === "/" ? dir : dir.slice(spec.root.replace(/\/$/, "").length);
  try {
    await Deno.chmod(dir, 0o755);
    const hostKey = join(dir, "ssh_host_ed25519_key");
    await run([
      "ssh-keygen",
      "-q",
      "-t",
      "ed25519",
      "-N",
      "",
      "-C",
      "sshlog-test-host",
      "-f",
      hostKey,
    ], {
      check: true,
    });
    const versionRun = await run(spec.wrap([SSHD, "-V"]));
    const version = versionRun.stderr.trim().split(",")[0] ?? "unknown";
    for (let attempt = 1;; attempt++) {
      const port = freePort();
      await Deno.writeTextFile(join(dir, "sshd_config"), configText(port, inside, spec, options));
      await Deno.writeTextFile(join(dir, "sshd.log"), "");
      if (attempt === 1) {
        const test = await run(spec.wrap([SSHD, "-t", "-f", `${inside}/sshd_config`]));
        if (test.code !== 0) {
          throw new Error(`Cannot start sshd: its config is refused: ${test.stderr.trim()}`);
        }
      }
      const started = await startOnce(spec, dir, inside, port, options);
      if (started !== "port-taken") return new Sshd(spec.root, version, dir, port, started);
      if (attempt >= 5) throw new Error("Cannot start sshd: 5 ports in a row were taken");
    }
  } catch (error) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw error;
  }
}

async function startOnce(
  spec: LaunchSpec,
  dir: string,
  inside: string,
  port: number,
  options: SshdOptions,
): Promise<Deno.ChildProcess | "port-taken"> {
  const argv = spec.wrap([SSHD, "-D", "-f", `${inside}/sshd_config`, "-E", `${inside}/sshd.log`]);
  const child = new Deno.Command(argv[0]!, {
    args: argv.slice(1),
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let exited = false;
  const stderr = new Response(child.stderr).text();
  child.status.then(() => (exited = true));
  const logPath = join(dir, "sshd.log");
  const outcome = await waitFor(`sshd to listen on port ${port}`, async () => {
    const log = await Deno.readTextFile(logPath);
    const v4 = log.includes(`Server listening on 127.0.0.1 port ${port}`);
    const v6 = log.includes(`Server listening on ::1 port ${port}`);
    if (v4 && v6) return "ready";
    if (/Bind to port \d+ on .* failed: Address already in use/.test(log)) return "port-taken";
    if (exited) return "exited";
    return undefined;
  }, { timeoutMs: options.startTimeoutMs ?? 15_000 }).catch((error: unknown) => {
    return error instanceof Error ? error.message : String(error);
  });
  if (outcome === "ready") return child;
  await killTree(child.pid, 1000);
  await child.status;
  if (outcome === "port-taken") return "port-taken";
  const log = await Deno.readTextFile(logPath).catch(() => "");
  throw new Error(
    `Cannot start sshd (${outcome}): ${(await stderr).trim()} ${log.trim()}`.trim(),
  );
}

class Sshd implements SshdHandle {
  readonly root: string;
  readonly version: string;
  readonly dir: string;
  readonly port: number;
  readonly pid: number;
  readonly configPath: string;
  readonly logPath: string;
  #process: Deno.ChildProcess;
  #stopped: Promise<void> | undefined;

  constructor(root: string, version: string, dir: string, port: number, child: Deno.ChildProcess) {
    this.root = root;
    this.version = version;
    this.dir = dir;
    this.port = port;
    this.pid = child.pid;
    this.configPath = join(dir, "sshd_config");
    this.logPath = join(dir, "sshd.log");
    this.#process = child;
  }

  readLog(): Promise<string> {
    return Deno.readTextFile(this.logPath);
  }

  waitForLog(pattern: string | RegExp, options: WaitOptions = {}): Promise<string> {
    return waitFor(`sshd log matching ${String(pattern)}`, async () => {
      const log = await this.readLog();
      const found = typeof pattern === "string" ? log.includes(pattern) : pattern.test(log);
      return found ? log : undefined;
    }, options);
  }

  ensureUser(name: string): Promise<TestUser> {
    return ensureUser(name, { root: this.root });
  }

  setPassword(name: string, password: string): Promise<void> {
    return setPassword(name, password, { root: this.root });
  }

  ssh(
    user: string,
    args: readonly string[] = [],
    options: SshOptions = {},
  ): Promise<CommandResult> {
    return ssh(this, user, args, options);
  }

  spawnSsh(
    user: string,
    args: readonly string[] = [],
    options: SshOptions = {},
  ): Promise<SshSession> {
    return spawnSsh(this, user, args, options);
  }

  scp(user: string, transfer: ScpTransfer, options: ScpOptions = {}): Promise<CommandResult> {
    return scp(this, user, transfer, options);
  }

  sftp(
    user: string,
    commands: readonly string[],
    options: ClientOptions = {},
  ): Promise<CommandResult> {
    return sftp(this, user, commands, options);
  }

  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      await killTree(this.pid);
      await this.#process.status;
      await Deno.remove(this.dir, { recursive: true });
    })();
    return this.#stopped;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}
