import assert from "node:assert/strict";
import dgram from "node:dgram";
import { sampleEvent, type SshlogEvent } from "../plugins/mod.ts";
import { escapeParamValue } from "./_syslog_format.ts";
import { freePort, recordingLogger, selfSignedCertificate, waitFor } from "./_test_receivers.ts";
import { syslog, type SyslogOptions } from "./syslog_action.ts";

const HOSTILE = "<!channel> & $(touch /tmp/x)";

/** One RFC 5424 message, parsed strictly. */
interface Parsed {
  pri: number;
  timestamp: string;
  hostname: string;
  appName: string;
  procId: string;
  msgId: string;
  sd: Map<string, Map<string, string>>;
  msg: string;
}

const HEADER =
  /^<(\d{1,3})>1 (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?(?:Z|[+-]\d\d:\d\d)) ([\x21-\x7e]{1,255}) ([\x21-\x7e]{1,48}) ([\x21-\x7e]{1,128}) ([\x21-\x7e]{1,32}) /;
const NAME = /^[\x21-\x7e]{1,32}/;

/** Parses an RFC 5424 message strictly (§6): throws on any deviation. */
function parse5424(text: string): Parsed {
  const header = HEADER.exec(text);
  if (!header) throw new SyntaxError(`Bad header: ${text.slice(0, 80)}`);
  const pri = Number(header[1]);
  if (pri > 191) throw new RangeError(`PRI out of range: ${pri}`);
  let at = header[0].length;
  const sd = new Map<string, Map<string, string>>();
  const name = () => {
    const match = NAME.exec(text.slice(at).replace(/[= \]"][\s\S]*$/, ""));
    if (!match) throw new SyntaxError(`Bad SD name at ${at}`);
    at += match[0].length;
    return match[0];
  };
  if (text[at] === "-") at++;
  else {
    while (text[at] === "[") {
      at++;
      const id = name();
      const params = new Map<string, string>();
      while (text[at] === " ") {
        at++;
        const key = name();
        if (text.slice(at, at + 2) !== '="') throw new SyntaxError(`Expected =" at ${at}`);
        at += 2;
        let value = "";
        for (;;) {
          const c = text[at++];
          if (c === undefined) throw new SyntaxError("Unterminated PARAM-VALUE");
          if (c === '"') break;
          if (c === "]") throw new SyntaxError(`Unescaped ] in PARAM-VALUE at ${at - 1}`);
          if (c === "\\" && ['"', "\\", "]"].includes(text[at]!)) value += text[at++];
          else value += c;
        }
        params.set(key, value);
      }
      if (text[at++] !== "]") throw new SyntaxError(`Expected ] at ${at - 1}`);
      sd.set(id, params);
    }
    if (sd.size === 0) throw new SyntaxError("Missing STRUCTURED-DATA");
  }
  let msg = "";
  if (at < text.length) {
    if (text[at] !== " ") throw new SyntaxError(`Expected SP before MSG at ${at}`);
    msg = text.slice(at + 1);
  }
  return {
    pri,
    timestamp: header[2]!,
    hostname: header[3]!,
    appName: header[4]!,
    procId: header[5]!,
    msgId: header[6]!,
    sd,
    msg,
  };
}

/** Splits an octet-counted stream (`LEN SP MSG`…) strictly, keeping an incomplete tail. */
function deframe(buffer: Uint8Array, out: string[]): Uint8Array {
  let at = 0;
  for (;;) {
    const space = buffer.indexOf(0x20, at);
    if (space < 0) return buffer.slice(at);
    const lenText = new TextDecoder().decode(buffer.subarray(at, space));
    if (!/^[1-9]\d*$/.test(lenText)) throw new SyntaxError(`Bad frame length "${lenText}"`);
    const end = space + 1 + Number(lenText);
    if (end > buffer.length) return buffer.slice(at);
    out.push(new TextDecoder().decode(buffer.subarray(space + 1, end)));
    at = end;
  }
}

interface Receiver {
  port: number;
  messages: string[];
  close(): Promise<void>;
}

async function udpReceiver(): Promise<Receiver> {
  const socket = dgram.createSocket("udp4");
  const messages: string[] = [];
  socket.on("message", (data) => messages.push(new TextDecoder().decode(data)));
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  return {
    port: socket.address().port,
    messages,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

function streamReceiver(
  port = 0,
  tls?: { cert: string; key: string },
  messages: string[] = [],
): Receiver {
  const listener = tls
    ? Deno.listenTls({ hostname: "127.0.0.1", port, ...tls })
    : Deno.listen({ hostname: "127.0.0.1", port });
  const conns = new Set<Deno.Conn>();
  const serve = async (conn: Deno.Conn) => {
    conns.add(conn);
    let rest: Uint8Array = new Uint8Array(0);
    const chunk = new Uint8Array(65536);
    try {
      for (;;) {
        const n = await conn.read(chunk);
        if (n === null) break;
        const joined = new Uint8Array(rest.length + n);
        joined.set(rest);
        joined.set(chunk.subarray(0, n), rest.length);
        rest = deframe(joined, messages);
      }
    } catch { /* closed by the test */ }
    conns.delete(conn);
  };
  const accepting = (async () => {
    try {
      for await (const conn of listener) serve(conn);
    } catch { /* closed */ }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    messages,
    close: async () => {
      listener.close();
      for (const conn of conns) {
        try {
          conn.close();
        } catch { /* gone */ }
      }
      await accepting;
    },
  };
}

function options(port: number, more: Partial<SyslogOptions> = {}): SyslogOptions {
  return {
    server_address: "127.0.0.1",
    port,
    program_name: "sshlog",
    output_json: false,
    facility: 3,
    severity: 6,
    ...more,
  };
}

function call() {
  return { rule: "test", signal: new AbortController().signal };
}

const EVENT: SshlogEvent = sampleEvent("command_finish", {
  username: HOSTILE,
  args: 'grep "a]b" C:\\x',
});

function checkEvent(parsed: Parsed, facility = 3, severity = 6) {
  assert.equal(parsed.pri, facility * 8 + severity);
  assert.equal(parsed.timestamp, new Date(EVENT.timestamp).toISOString());
  assert.equal(parsed.hostname, "server1");
  assert.equal(parsed.appName, "sshlog");
  assert.equal(parsed.procId, String(Deno.pid));
  assert.equal(parsed.msgId, "command_finish");
  const sd = parsed.sd.get("sshlog@32473")!;
  assert.equal(sd.get("username"), HOSTILE);
  assert.equal(sd.get("args"), 'grep "a]b" C:\\x');
  assert.equal(sd.get("client_ip"), "15.12.5.8");
  assert.equal(sd.get("exit_code"), "0");
  assert.equal(sd.has("argv"), false);
}

Deno.test("escapeParamValue() escapes quote, backslash and bracket", () => {
  assert.equal(escapeParamValue('a"b\\c]d'), 'a\\"b\\\\c\\]d');
});

Deno.test("syslogAction() sends RFC 5424 with structured data over UDP", async () => {
  const receiver = await udpReceiver();
  const handler = syslog(options(receiver.port, { facility: 4, severity: 2 }));
  try {
    await handler.handle(EVENT, call());
    await waitFor(() => receiver.messages.length === 1);
    const parsed = parse5424(receiver.messages[0]!);
    checkEvent(parsed, 4, 2);
    assert.match(
      parsed.msg,
      /: command_finish: \(970236\) <!channel> & \$\(touch \/tmp\/x\) execute complete/,
    );
  } finally {
    await handler.close?.();
    await receiver.close();
  }
});

Deno.test("syslogAction() sends JSON messages in octet-counted frames over TCP (udp: false)", async () => {
  const receiver = streamReceiver();
  const handler = syslog(options(receiver.port, { udp: false, output_json: true }));
  try {
    await handler.handle(EVENT, call());
    await handler.handle(sampleEvent("connection_close"), call());
    await waitFor(() => receiver.messages.length === 2);
    const parsed = parse5424(receiver.messages[0]!);
    checkEvent(parsed);
    assert.deepEqual(JSON.parse(parsed.msg), EVENT);
    assert.equal(parse5424(receiver.messages[1]!).msgId, "connection_close");
  } finally {
    await handler.close?.();
    await receiver.close();
  }
});

Deno.test("syslogAction() sends over TLS to a server with a self-signed certificate", async () => {
  const certificate = await selfSignedCertificate();
  const receiver = streamReceiver(0, { cert: certificate.cert, key: certificate.key });
  const handler = syslog(options(receiver.port, { protocol: "tls", server_address: "localhost" }), {
    caCerts: [certificate.ca],
  });
  try {
    await handler.handle(EVENT, call());
    await waitFor(() => receiver.messages.length === 1);
    checkEvent(parse5424(receiver.messages[0]!));
  } finally {
    await handler.close?.();
    await receiver.close();
  }
});

Deno.test("syslogAction() reconnects after the TCP receiver restarts and keeps queued messages", async () => {
  const logger = recordingLogger();
  const messages: string[] = [];
  let receiver = streamReceiver(0, undefined, messages);
  const port = receiver.port;
  const handler = syslog(options(port, { protocol: "tcp" }), { logger, minBackoffMs: 20 });
  try {
    await handler.handle(EVENT, call());
    await waitFor(() => messages.length === 1);
    await receiver.close();
    await waitFor(() => logger.lines.some((line) => /lost/.test(line.message)));
    await handler.handle(sampleEvent("command_start"), call());
    await handler.handle(sampleEvent("connection_close"), call());
    receiver = streamReceiver(port, undefined, messages);
    await waitFor(() => messages.length === 3);
    assert.deepEqual(messages.map((m) => parse5424(m).msgId), [
      "command_finish",
      "command_start",
      "connection_close",
    ]);
  } finally {
    await handler.close?.();
    await receiver.close();
  }
});

Deno.test("syslogAction() keeps at most its capacity while the server is down, dropping the oldest", async () => {
  const logger = recordingLogger();
  const port = freePort();
  const handler = syslog(options(port, { protocol: "tcp" }), {
    logger,
    capacity: 2,
    minBackoffMs: 20,
  });
  const messages: string[] = [];
  let receiver: Receiver | undefined;
  try {
    for (const type of ["command_start", "command_finish", "connection_close"] as const) {
      await handler.handle(sampleEvent(type), call());
    }
    assert.ok(logger.lines.some((line) => /full: dropped/.test(line.message)));
    receiver = streamReceiver(port, undefined, messages);
    await waitFor(() => messages.length === 2);
    assert.deepEqual(messages.map((m) => parse5424(m).msgId), [
      "command_finish",
      "connection_close",
    ]);
  } finally {
    await handler.close?.();
    await receiver?.close();
  }
});
