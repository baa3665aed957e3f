/**
 * What the machine must offer the daemon (SPEC §1): a kernel with BTF, the BPF ring buffer and
 * bpf_loop() (5.17 and later), libbpf, OpenSSH's sshd, root or the capabilities it uses. Each check
 * says what is wrong and how to fix it; `sshlog doctor` prints them all, the daemon refuses to
 * start on the privilege and kernel ones.
 */
import { kernelHasBpfLoop, kernelHasRingBuffer, libbpfVersion } from "../../ffi/libbpf.ts";
import { findPltStubs } from "../tracer/plt.ts";
import { Tracer } from "../tracer/tracer.ts";
import { errorMessage } from "../error_message.ts";
import { IpcClient, IpcError } from "../ipc/mod.ts";

/** One check's outcome. */
export interface CheckResult {
  name: string;
  ok: boolean;
  /** What was found, or what is wrong. */
  detail: string;
  /** How to fix it, when not ok. */
  fix?: string;
}

/* 5.8 brought the BPF ring buffer, 5.17 bpf_loop(), which the program uses. */
const MIN_KERNEL: [number, number] = [5, 17];

/** Whether the kernel offers bpf_loop(), when it can be probed (root); undefined otherwise. */
function probeBpfLoop(): boolean | undefined {
  try {
    return kernelHasBpfLoop();
  } catch {
    return undefined; // no permission to probe, or no libbpf
  }
}

/**
 * Kernel release at least 5.17 (ring buffer, bpf_loop), or an older one whose bpf_loop() a probe
 * finds (distribution backports, as RHEL 9's 5.14), and its BTF present (CO-RE).
 */
export function checkKernel(
  release: string = Deno.osRelease(),
  btfPath = "/sys/kernel/btf/vmlinux",
  probe: () => boolean | undefined = probeBpfLoop,
): CheckResult[] {
  const [major = 0, minor = 0] = release.split(/[.-]/).map(Number);
  const newEnough = major > MIN_KERNEL[0] || (major === MIN_KERNEL[0] && minor >= MIN_KERNEL[1]);
  const backported = !newEnough && probe() === true;
  let btf = false;
  try {
    btf = Deno.statSync(btfPath).isFile;
  } catch { /* missing */ }
  return [
    newEnough || backported
      ? {
        name: "kernel",
        ok: true,
        detail: `Linux ${release}${backported ? " (bpf_loop() backported)" : ""}`,
      }
      : {
        name: "kernel",
        ok: false,
        detail: `Linux ${release} is older than 5.17: no bpf_loop() for the BPF program`,
        fix: "run a kernel 5.17 or later (Debian 12 and later), or one with bpf_loop() backported",
      },
    btf ? { name: "kernel BTF", ok: true, detail: "/sys/kernel/btf/vmlinux" } : {
      name: "kernel BTF",
      ok: false,
      detail: "/sys/kernel/btf/vmlinux is missing",
      fix: "use a kernel built with CONFIG_DEBUG_INFO_BTF=y (every current distribution kernel)",
    },
  ];
}

/** The capabilities the daemon uses: load BPF, open uprobe perf events, read other processes. */
const NEEDED_CAPABILITIES: ReadonlyArray<readonly [string, number]> = [
  ["CAP_DAC_READ_SEARCH", 2],
  ["CAP_SYS_PTRACE", 19],
  ["CAP_SYS_ADMIN", 21], // uprobe perf events are refused without it on these kernels
  ["CAP_PERFMON", 38],
  ["CAP_BPF", 39],
];

/**
 * Root, or the capabilities the daemon needs, in the effective set (`CapEff` of
 * /proc/self/status, passed as `status`).
 */
export function checkCapabilities(status?: string): CheckResult {
  const name = "privileges";
  try {
    status ??= Deno.readTextFileSync("/proc/self/status");
  } catch {
    status = Deno.uid() === 0 ? "CapEff:\tffffffffffffffff" : ""; // no /proc: judge by uid
  }
  const hex = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  const effective = hex === undefined ? 0n : BigInt(`0x${hex}`);
  const missing = NEEDED_CAPABILITIES.filter(([, bit]) => (effective & (1n << BigInt(bit))) === 0n)
    .map(([cap]) => cap);
  return missing.length === 0
    ? { name, ok: true, detail: `the capabilities to capture (${NEEDED_CAPABILITIES.length})` }
    : {
      name,
      ok: false,
      detail: `missing ${missing.join(", ")}`,
      fix: "run as root (or with CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN, CAP_SYS_PTRACE, " +
        "CAP_DAC_READ_SEARCH)",
    };
}

function checkLibbpf(): CheckResult {
  try {
    return { name: "libbpf", ok: true, detail: `libbpf.so.1 version ${libbpfVersion()}` };
  } catch (error) {
    return {
      name: "libbpf",
      ok: false,
      detail: `Cannot load libbpf.so.1: ${error instanceof Error ? error.message : error}`,
      fix: "apt install libbpf1 (or dnf install libbpf)",
    };
  }
}

async function checkSshd(): Promise<CheckResult[]> {
  const path = ["/usr/sbin/sshd", "/usr/local/sbin/sshd"].find((p) => {
    try {
      return Deno.statSync(p).isFile;
    } catch {
      return false;
    }
  });
  if (!path) {
    return [{
      name: "sshd",
      ok: false,
      detail: "no sshd in /usr/sbin or /usr/local/sbin",
      fix: "apt install openssh-server",
    }];
  }
  const out = await new Deno.Command(path, { args: ["-V"], stdout: "piped", stderr: "piped" })
    .output().catch(() => undefined);
  const text = out
    ? new TextDecoder().decode(out.stderr) + new TextDecoder().decode(out.stdout)
    : "";
  const version = /OpenSSH_[\w.]+/.exec(text)?.[0] ?? "unknown version";
  const stubs = findPltStubs(Deno.readFileSync(path), ["read", "write"]);
  const hookable = "read" in stubs && "write" in stubs;
  return [
    { name: "sshd", ok: true, detail: `${path} (${version})` },
    hookable ? { name: "sshd I/O hooks", ok: true, detail: "read/write PLT stubs found" } : {
      name: "sshd I/O hooks",
      ok: false,
      detail: `${path} calls read/write without PLT stubs (-fno-plt or static)`,
      fix: "use the distribution's OpenSSH package; session output cannot be captured otherwise",
    },
  ];
}

function checkRingBuffer(privileged: boolean): CheckResult {
  const name = "ring buffer";
  if (!privileged) {
    return { name, ok: false, detail: "not checked: not root", fix: "run sshlog doctor as root" };
  }
  try {
    return kernelHasRingBuffer()
      ? { name, ok: true, detail: "the kernel creates BPF ring buffers" }
      : {
        name,
        ok: false,
        detail: "the kernel has no BPF ring buffer (BPF_MAP_TYPE_RINGBUF)",
        fix: "run a kernel 5.8 or later (5.17 or later for sshlog)",
      };
  } catch (error) {
    return { name, ok: false, detail: errorMessage(error), fix: "run sshlog doctor as root" };
  }
}

function checkBpf(objectPath: string, privileged: boolean): CheckResult {
  if (!privileged) {
    return {
      name: "BPF programs",
      ok: false,
      detail: "not checked: not root",
      fix: "run sshlog doctor as root",
    };
  }
  try {
    Tracer.open(objectPath, { ringBytes: 1 << 20 }).close();
    return { name: "BPF programs", ok: true, detail: `${objectPath} loads and attaches` };
  } catch (error) {
    return {
      name: "BPF programs",
      ok: false,
      detail: errorMessage(error),
      fix: "check the kernel checks above",
    };
  }
}

function checkMode(name: string, path: string, want: number, fix: string): CheckResult {
  try {
    const mode = Deno.statSync(path).mode! & 0o777;
    return mode & ~want
      ? { name, ok: false, detail: `${path} has mode ${mode.toString(8)}`, fix }
      : { name, ok: true, detail: `${path} (${mode.toString(8)})` };
  } catch {
    return { name, ok: true, detail: `${path} does not exist yet (the daemon creates it)` };
  }
}

/** The socket: mode at most 0660, owned by root, group `sshlog` (gid `sshlogGid`) when it exists. */
export function checkSocket(path: string, sshlogGid: number | undefined): CheckResult {
  const name = "socket";
  let stat: Deno.FileInfo;
  try {
    stat = Deno.statSync(path);
  } catch {
    return { name, ok: true, detail: `${path} does not exist yet (the daemon creates it)` };
  }
  const mode = stat.mode! & 0o777;
  const wrong = [
    ...(mode & ~0o660 ? [`mode ${mode.toString(8)}`] : []),
    ...(stat.uid !== 0 ? [`owner uid ${stat.uid}`] : []),
    ...(sshlogGid !== undefined && stat.gid !== sshlogGid ? [`group gid ${stat.gid}`] : []),
  ];
  return wrong.length === 0
    ? { name, ok: true, detail: `${path} (${mode.toString(8)}, root:sshlog)` }
    : {
      name,
      ok: false,
      detail: `${path} has ${wrong.join(", ")}`,
      fix: `restart the daemon, or chown root:sshlog ${path} && chmod 660 ${path}`,
    };
}

/**
 * Whether a daemon answers on the socket: not running is no problem for this machine (ok, said
 * so); a socket that refuses or does not answer is.
 */
export async function checkDaemon(path: string): Promise<CheckResult> {
  const name = "daemon";
  let client: IpcClient | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    client = await IpcClient.connect(path);
    const version = await Promise.race([
      client.version(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`No answer on ${path} within 3 s`)), 3000);
      }),
    ]);
    return { name, ok: true, detail: `sshlog ${version} answers on ${path}` };
  } catch (error) {
    if (error instanceof IpcError && error.code === "not_running") {
      return {
        name,
        ok: true,
        detail: `not running (${path}): start it with systemctl start sshlog`,
      };
    }
    return {
      name,
      ok: false,
      detail: errorMessage(error),
      fix: "run sshlog doctor as root or a member of group sshlog; restart the daemon",
    };
  } finally {
    clearTimeout(timer);
    client?.close();
  }
}

/** Every check, in order. */
export async function allChecks(
  options: { bpfObject: string; socket: string; logDir: string },
): Promise<CheckResult[]> {
  let sshlogGid: number | undefined;
  try {
    const line = Deno.readTextFileSync("/etc/group").split("\n").find((l) =>
      l.startsWith("sshlog:")
    );
    if (line !== undefined) sshlogGid = Number(line.split(":")[2]);
  } catch { /* unreadable */ }
  const group = sshlogGid !== undefined;
  const privileges = checkCapabilities();
  return [
    ...checkKernel(),
    privileges,
    checkLibbpf(),
    checkRingBuffer(privileges.ok),
    ...await checkSshd(),
    checkBpf(options.bpfObject, privileges.ok),
    group ? { name: "group sshlog", ok: true, detail: "exists: its members may use the socket" } : {
      name: "group sshlog",
      ok: false,
      detail: "missing: only root can use the socket",
      fix: "groupadd --system sshlog",
    },
    checkSocket(options.socket, sshlogGid),
    await checkDaemon(options.socket),
    checkMode("log directory", options.logDir, 0o700, `chmod 700 ${options.logDir}`),
  ];
}
