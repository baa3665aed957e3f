/**
 * Who the caller is, for requests the daemon audits (attach, kill): the name it goes by, its pid,
 * and a proof file whose owner tells the daemon its uid (see proofDirOf in the IPC protocol).
 */
import { proofDirOf, proofText } from "../ipc/mod.ts";

/** The identity fields of a request. */
export interface IdentityFields {
  "admin_user": string;
  "client_pid": number;
  /** The proof file's name in the socket's proof folder, when it could be written. */
  proof?: string;
}

/** The sudo caller when run through sudo, else the user of this process. */
function callerName(): string {
  const sudo = Deno.env.get("SUDO_USER");
  if (sudo) return sudo;
  const uid = Deno.uid();
  try {
    const line = Deno.readTextFileSync("/etc/passwd").split("\n")
      .find((l) => l.split(":")[2] === String(uid));
    if (line) return line.split(":")[0]!;
  } catch { /* no passwd: fall back to the environment */ }
  return Deno.env.get("USER") ?? String(uid ?? "unknown");
}

/**
 * Writes this process's proof file next to the daemon socket at `socketPath` and returns the
 * identity fields; without a writable proof folder the daemon records the identity unverified.
 */
export async function identityFields(socketPath: string): Promise<IdentityFields> {
  const fields: IdentityFields = { "admin_user": callerName(), "client_pid": Deno.pid };
  const name = `p${crypto.randomUUID().replaceAll("-", "")}`;
  try {
    // Created and written through one handle: the name cannot be swapped in between.
    const file = await Deno.open(`${proofDirOf(socketPath)}/${name}`, {
      createNew: true,
      write: true,
      mode: 0o600,
    });
    try {
      await file.write(new TextEncoder().encode(proofText(Deno.pid)));
    } finally {
      file.close();
    }
    fields.proof = name;
  } catch { /* unverified */ }
  return fields;
}

/** Removes a proof file the daemon did not consume (it removes those it checked). */
export async function removeProof(socketPath: string, fields: IdentityFields): Promise<void> {
  if (fields.proof === undefined) return;
  await Deno.remove(`${proofDirOf(socketPath)}/${fields.proof}`).catch(() => {});
}
