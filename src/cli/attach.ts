/** `sshlog attach`: see a live session's screen and output, and type into it when allowed. */

import { decodeBase64, encodeBase64 } from "../events/base64.ts";
import { escapeText } from "../events/mod.ts";
import type { SessionSnapshot } from "../events/mod.ts";
import { IpcClient, IpcError, type IpcStream } from "../ipc/mod.ts";
import { identityFields, removeProof } from "./_identity.ts";
import {
  CLIENT_OPTIONS,
  EXIT_OK,
  parseVerbArgs,
  resolveSocketPath,
  runtimeFailure,
  SOCKET_FLAG_HELP,
  type VerbHelp,
  writeStderr,
} from "./_common.ts";

const CTRL_Q = 0x11;

/** Help of `sshlog attach`. */
export const HELP: VerbHelp = {
  name: "attach",
  summary: "Show a live session's screen and output; type into it when the daemon allows it.",
  usage: "attach SESSION [--readonly|-r] [--socket PATH]   (Ctrl-Q detaches)",
  flags: [
    ["-r, --readonly", "only watch (the default when the daemon has no session injection)"],
    SOCKET_FLAG_HELP,
    ["-h, --help", "show this help"],
  ],
  examples: ["sshlog attach 3", "sshlog attach -r 20261127T174212Z-29903-29910"],
};

/** Connects and asks to attach, proving who asks; the client is closed when refused. */
async function open(socket: string, session: string, mode: string) {
  const client = await IpcClient.connect(socket);
  const identity = await identityFields(socket);
  try {
    return {
      client,
      stream: await client.openStream({ op: "attach", session, mode, ...identity }),
    };
  } catch (error) {
    client.close();
    throw error;
  } finally {
    await removeProof(socket, identity);
  }
}

const out = (bytes: Uint8Array) => Deno.stdout.write(bytes);
const text = (s: string) => out(new TextEncoder().encode(s));

/** Runs `sshlog attach ARGS…`; returns the exit code. */
export async function run(args: string[]): Promise<number> {
  const parsed = await parseVerbArgs(HELP, args, {
    ...CLIENT_OPTIONS,
    readonly: { type: "boolean", short: "r" },
  }, { max: 1, missing: "Give a session" });
  if (typeof parsed === "number") return parsed;
  const { values, positionals } = parsed;
  const key = positionals[0]!;
  const socket = resolveSocketPath(values.socket);
  let client: IpcClient | undefined;
  let raw = false;
  try {
    let mode = values.readonly ? "readonly" : "interactive";
    let stream: IpcStream;
    let notice = "";
    try {
      ({ client, stream } = await open(socket, key, mode));
    } catch (error) {
      if (!(error instanceof IpcError) || !/injection is disabled/.test(error.message)) throw error;
      notice = `${error.message}: attached read-only. `;
      mode = "readonly";
      ({ client, stream } = await open(socket, key, mode));
    }
    const s = stream.first.session as SessionSnapshot;
    if (Deno.stdin.isTerminal()) {
      Deno.stdin.setRaw(true);
      raw = true;
    }
    // The session's current screen first, then one status line under it.
    await text("\x1b[H\x1b[2J" + String(stream.first.screen ?? ""));
    await writeStderr(
      `\r\n[sshlog] ${notice}Attached to ${escapeText(s.username)}@pts/${s.tty_id} ` +
        `(${s.session_id}), ${mode}. Ctrl-Q detaches.${sizeNote(stream.first)}\r\n`,
    );
    const typing = pumpKeys(stream, mode === "interactive");
    for (;;) {
      const message = await Promise.race([stream.next(), typing]);
      if (message === "detached" || message === null) break;
      if (typeof message.output === "string") await out(decodeBase64(message.output));
      if (message.ended) {
        await writeStderr("\r\n[sshlog] The session ended.\r\n");
        break;
      }
    }
    return EXIT_OK;
  } catch (error) {
    return await runtimeFailure(error);
  } finally {
    if (raw) Deno.stdin.setRaw(false);
    client?.close();
  }
}

/** A hint when this terminal is smaller than the session's: its lines will wrap here. */
function sizeNote(first: Record<string, unknown>): string {
  const columns = Number(first.columns), rows = Number(first.rows);
  let mine: { columns: number; rows: number };
  try {
    mine = Deno.consoleSize();
  } catch {
    return "";
  }
  if (mine.columns >= columns && mine.rows >= rows) return "";
  return ` The session's terminal is ${columns}x${rows}, yours ${mine.columns}x${mine.rows}: ` +
    "enlarge your window to see it whole.";
}

/** Reads keystrokes until Ctrl-Q; sends them when interactive. Resolves "detached". */
async function pumpKeys(stream: IpcStream, interactive: boolean): Promise<"detached"> {
  const buf = new Uint8Array(4096);
  for (;;) {
    const n = await Deno.stdin.read(buf);
    if (n === null) return await new Promise(() => {}); // stdin closed: keep watching
    const keys = buf.subarray(0, n);
    const quit = keys.indexOf(CTRL_Q);
    const send = quit < 0 ? keys : keys.subarray(0, quit);
    if (interactive && send.length) await stream.send({ input: encodeBase64(send) });
    if (quit >= 0) {
      await stream.send({ detach: true }).catch(() => {});
      return "detached";
    }
  }
}
