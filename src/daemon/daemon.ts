/**
 * `sshlog daemon`: loads the tracer, finds what is already running, assembles sessions, and
 * serves the socket. Data flows one way: tracer → sessions → bus → consumers.
 */
import { getLogger } from "@logtape/logtape";
import { EventBus } from "../events/bus.ts";
import { IpcServer } from "../ipc/server.ts";
import { SessionAssembler } from "../sessions/assembler.ts";
import { BootClock, stableBootEpochSeconds } from "../sessions/clock.ts";
import { scanProc } from "../sessions/proc_scan.ts";
import { BtmpWatcher } from "../sessions/btmp.ts";
import { PROC_IGNORED, Tracer } from "../tracer/tracer.ts";
import { VERSION } from "../version.ts";
import { GapReporter } from "./gaps.ts";
import { bootTimeNs } from "../../ffi/libc.ts";
import { binaryHooks, hookOpenSshOf } from "./hooks.ts";
import { registerAttachOp } from "./attach_op.ts";
import { registerKillOp } from "./kill_op.ts";
import { registerRecordingsOp } from "./recordings_op.ts";
import { checkCapabilities, checkKernel } from "./requirements.ts";
import { setupLogging } from "./logging.ts";
import { type DaemonOptions, parseDaemonOptions, UsageError } from "./options.ts";
import { type RunningRules, startRules } from "./rules.ts";
import { startWeb } from "./web.ts";
import { errorMessage } from "../error_message.ts";

const log = getLogger(["sshlog", "daemon"]);
const USAGE = "Usage: sshlog daemon [--config-dir DIR] [--plugin-dir DIR] [--socket PATH] " +
  "[--logfile PATH] [--debug] [--enable-diagnostic-web] [--diagnostic-web-ip IP] " +
  "[--diagnostic-web-port N] [--diagnostic-web-tls-cert PEM --diagnostic-web-tls-key PEM] " +
  "[--enable-session-injection]";

function stderr(line: string): void {
  Deno.stderr.writeSync(new TextEncoder().encode(line + "\n"));
}

/** Runs the daemon until SIGINT/SIGTERM; returns the exit code. */
export async function run(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    Deno.stdout.writeSync(new TextEncoder().encode(HELP));
    return 0;
  }
  let options: DaemonOptions;
  try {
    options = parseDaemonOptions(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    stderr(`${error.message}\n${USAGE}`);
    return 2;
  }
  try {
    await setupLogging({
      debug: options.debug,
      ...(options.logfile ? { file: options.logfile } : {}),
    });
  } catch (error) {
    stderr(`Cannot open the log file "${options.logfile}": ${errorMessage(error)}`);
    return 1;
  }
  for (const check of [checkCapabilities(), ...checkKernel()]) {
    if (!check.ok) {
      stderr(`Cannot start the daemon: ${check.detail}; ${check.fix} (see sshlog doctor)`);
      return 1;
    }
  }
  const bus = new EventBus();
  bus.onListenerError = (error) => log.error("An event consumer failed: {error}", { error });
  const rules = await startRules(options, bus);
  if (typeof rules === "number") return rules;
  // What has been started, stopped in reverse order however run() ends: a failure to start
  // must not leave a timer or watcher that keeps the process alive.
  const started: (() => unknown)[] = [() => rules.stop()];
  try {
    return await capture(options, bus, rules, started);
  } finally {
    for (const stop of started.reverse()) await stop();
    log.info("sshlog stopped");
  }
}

/** Loads the tracer and serves the socket (and web interface) until a stop signal. */
async function capture(
  options: DaemonOptions,
  bus: EventBus,
  rules: RunningRules,
  started: (() => unknown)[],
): Promise<number> {
  let tracer: Tracer;
  try {
    tracer = Tracer.open(options.bpfObject);
  } catch (error) {
    stderr(`Cannot load the BPF program "${options.bpfObject}": ${errorMessage(error)}`);
    return 1;
  }
  let drained: Promise<void> = Promise.resolve();
  started.push(async () => {
    tracer.close();
    await drained;
  });
  const hostname = Deno.hostname();
  const assembler = new SessionAssembler((e) => bus.publish(e), binaryHooks(tracer), {
    hostname,
    clock: new BootClock(),
    bootEpochSec: stableBootEpochSeconds(),
  });
  adoptRunning(tracer, assembler);
  const btmp = new BtmpWatcher("/var/log/btmp");
  btmp.start((login) => assembler.authFailed(login));
  started.push(() => btmp.stop());

  const ipc = new IpcServer({
    path: options.socket,
    bus,
    sessions: assembler.sessions,
    version: VERSION,
  });
  registerKillOp(ipc, assembler.sessions, options.socket);
  const views = { sessions: assembler.sessions, bus, injection: options.sessionInjection };
  registerAttachOp(ipc, views, options.socket);
  registerRecordingsOp(ipc, () => rules.recordingDirs());
  try {
    await ipc.start();
  } catch (error) {
    stderr(`Cannot serve the socket "${options.socket}": ${errorMessage(error)}`);
    return 1;
  }
  started.push(() => ipc.close());
  if (options.web.enabled) {
    try {
      const web = await startWeb(options.web, {
        ...views,
        recordingDirs: () => rules.recordingDirs(),
      });
      started.push(() => web.close());
    } catch (error) {
      stderr(
        `Cannot serve the web interface on ${options.web.ip}:${options.web.port}: ` +
          errorMessage(error),
      );
      return 1;
    }
  }
  const gaps = new GapReporter(hostname);
  let sinceSweep = 0;
  const gapTimer = setInterval(() => {
    const lost = gaps.update(tracer.gapTotals());
    for (const e of lost) {
      log.warn("Capture gap: {reason} lost {lost_events} events, {lost_bytes} bytes", { ...e });
      bus.publish(e);
    }
    // Exit records may be among what was lost: look for processes that are gone.
    if (lost.length || ++sinceSweep >= 30) {
      sinceSweep = 0;
      assembler.sweep(bootTimeNs());
    }
  }, 1000);
  started.push(() => clearInterval(gapTimer));
  log.info("sshlog {version} capturing; socket {socket}", {
    version: VERSION,
    socket: options.socket,
  });

  drained = tracer.run((r) => assembler.handle(r), {
    onBatchEnd: () => assembler.flushOutput(),
  });
  await waitForStop(() => rules.reload());
  return 0;
}

/** Registers the listeners and connections that were running before the daemon started. */
function adoptRunning(tracer: Tracer, assembler: SessionAssembler): void {
  const self = Deno.pid;
  tracer.trackProcess(self, 0, PROC_IGNORED);
  const scan = scanProc(self);
  const btime = stableBootEpochSeconds();
  for (const l of scan.listeners) {
    tracer.addListener(l);
    hookOpenSshOf(tracer, l);
  }
  for (const { conn, procs } of scan.connections) {
    for (const p of procs) {
      tracer.trackProcess(p.tgid, conn);
      assembler.adoptProcess({ ...p, conn });
      const parent = procs.find((q) => q.tgid === p.ppid);
      const parentIsSshd = p.ppid === conn || (parent && /sshd(-session)?$/.test(parent.exe));
      if (
        parentIsSshd && !/sshd(-session|-auth)?$/.test(p.exe) && (p.ttyIndex >= 0 || p.stdinIsPipe)
      ) {
        const startSec = btime + Math.floor(p.startTicks / 100);
        assembler.adoptSession(p.tgid, {
          ttyIndex: p.ttyIndex,
          pipes: p.pipes,
          startSec,
          startMs: btime * 1000 + p.startTicks * 10,
        });
      }
    }
  }
}

async function waitForStop(onReload: () => Promise<void>): Promise<void> {
  const { promise, resolve } = Promise.withResolvers<void>();
  const stop = () => resolve();
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  const reload = () => {
    onReload().catch((error) => log.error("Reload failed: {error}", { error }));
  };
  Deno.addSignalListener("SIGHUP", reload);
  await promise;
  Deno.removeSignalListener("SIGINT", stop);
  Deno.removeSignalListener("SIGTERM", stop);
  Deno.removeSignalListener("SIGHUP", reload);
}

const HELP = `sshlog daemon — capture every SSH session and serve the sshlog socket

${USAGE}

Options:
  --config-dir DIR              folder holding conf.d/ (SSHLOG_CONFIG_DIR, default /etc/sshlog)
  --plugin-dir DIR              plug-in folder (default DIR/plugins)
  --socket PATH                 daemon socket (SSHLOG_SOCKET, default /var/run/sshlogd.sock)
  --logfile PATH                the daemon's own log file (SSHLOG_LOGFILE, default stderr)
  --debug                       debug logging, libbpf's included (SSHLOG_DEBUG)
  --enable-diagnostic-web       serve the web interface (SSHLOG_ENABLE_DIAGNOSTIC_WEB)
  --diagnostic-web-ip IP        (SSHLOG_DIAGNOSTIC_WEB_IP, default 127.0.0.1)
  --diagnostic-web-port N       (SSHLOG_DIAGNOSTIC_WEB_PORT, default 5000)
  --diagnostic-web-tls-cert PEM serve HTTPS with this certificate (SSHLOG_WEB_TLS_CERT)
  --diagnostic-web-tls-key PEM  and this private key (SSHLOG_WEB_TLS_KEY)
  --enable-session-injection    allow interactive attach (SSHLOG_ENABLE_SESSION_INJECTION)

Flags win over the environment; --no-debug, --no-enable-diagnostic-web and
--no-enable-session-injection turn off what a variable turned on. An empty variable is unset.

The web interface's login is SSHLOG_WEB_USER (default admin) and SSHLOG_WEB_PASS (or the first
line of the file SSHLOG_WEB_PASS_FILE); it is never served without a password.

Examples:
  sshlog daemon
  SSHLOG_WEB_USER=ops SSHLOG_WEB_PASS_FILE=/etc/sshlog/web.pass sshlog daemon --enable-diagnostic-web
  sshlog daemon --config-dir /etc/sshlog --logfile /var/log/sshlog/sshlogd.log
  SSHLOG_DEBUG=1 sshlog daemon --socket /tmp/sshlog.sock
`;
