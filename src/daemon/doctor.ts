/**
 * `sshlog doctor`: can this machine run sshlog, and if not, why. Lives beside the daemon because
 * it loads the BPF object as the daemon does.
 */
import { parseArgs } from "node:util";
import { findBpfObject } from "./options.ts";
import { allChecks } from "./requirements.ts";

const HELP =
  `sshlog doctor — check that this machine can run sshlog, and say how to fix what is missing

Usage: sshlog doctor [--socket PATH]

Checks the kernel (5.17 or later, or bpf_loop() backported; BTF), root or the capabilities the
daemon needs, libbpf, the ring buffer, sshd and its hooks, that the BPF programs load, group
sshlog, the socket's mode, owner and group, whether a daemon answers on it, and the mode of
/var/log/sshlog.
Exit 0 when every check passes, 1 otherwise.

Options:
  --socket PATH   the daemon socket to check (SSHLOG_SOCKET, default /var/run/sshlogd.sock)

Examples:
  sudo sshlog doctor
  sshlog doctor --socket /tmp/sshlogd.sock
`;

function write(text: string): void {
  Deno.stdout.writeSync(new TextEncoder().encode(text));
}

/** Runs `sshlog doctor`; returns the exit code. */
export async function run(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      options: { socket: { type: "string" }, help: { type: "boolean", short: "h" } },
    }));
  } catch (error) {
    Deno.stderr.writeSync(
      new TextEncoder().encode(`${error instanceof Error ? error.message : error}\n`),
    );
    Deno.stderr.writeSync(new TextEncoder().encode("Usage: sshlog doctor [--socket PATH]\n"));
    return 2;
  }
  if (values.help) {
    write(HELP);
    return 0;
  }
  const results = await allChecks({
    bpfObject: findBpfObject((n) => Deno.env.get(n)),
    socket: values.socket || Deno.env.get("SSHLOG_SOCKET") || "/var/run/sshlogd.sock",
    logDir: "/var/log/sshlog",
  });
  const width = Math.max(...results.map((r) => r.name.length));
  for (const r of results) {
    write(`${r.ok ? "ok  " : "FAIL"}  ${r.name.padEnd(width)}  ${r.detail}\n`);
    if (!r.ok && r.fix) write(`      ${"".padEnd(width)}  fix: ${r.fix}\n`);
  }
  const failed = results.filter((r) => !r.ok).length;
  write(failed ? `${failed} problem(s) found\n` : "This machine can run sshlog\n");
  return failed ? 1 : 0;
}
