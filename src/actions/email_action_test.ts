import assert from "node:assert/strict";
import { SMTPServer } from "smtp-server";
import { sampleEvent } from "../plugins/mod.ts";
import { PermanentError } from "./_retry.ts";
import {
  freePort,
  recordingLogger,
  selfSignedCertificate,
  TEST_RETRY,
  type TestCertificate,
} from "./_test_receivers.ts";
import { email, type EmailOptions } from "./email_action.ts";

const HOSTILE = "<!channel> & $(touch /tmp/x)";

interface Received {
  from: string;
  to: string[];
  raw: string;
  secure: boolean;
  user: string | undefined;
}

interface Mode {
  secure?: boolean;
  certificate?: TestCertificate;
  /** SMTP answers to the DATA command in turn: a code makes it fail, undefined accepts. */
  dataReplies?: (number | undefined)[];
}

async function smtpReceiver(mode: Mode) {
  const mails: Received[] = [];
  const replies = [...(mode.dataReplies ?? [])];
  const server = new SMTPServer({
    secure: mode.secure ?? false,
    ...(mode.certificate ? { key: mode.certificate.key, cert: mode.certificate.cert } : {}),
    ...(mode.certificate ? {} : { disabledCommands: ["STARTTLS"] }),
    authOptional: true,
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === "alice" && auth.password === "pw") callback(null, { user: "alice" });
      else callback(new Error("Invalid username or password"));
    },
    onData(stream, session, callback) {
      const chunks: Uint8Array[] = [];
      stream.on("data", (chunk: Uint8Array) => chunks.push(chunk));
      stream.on("end", () => {
        const code = replies.shift();
        if (code !== undefined) {
          callback(Object.assign(new Error(`Refused with ${code}`), { responseCode: code }));
          return;
        }
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: new TextDecoder().decode(Uint8Array.from(chunks.flatMap((c) => [...c]))),
          secure: session.secure,
          user: typeof session.user === "string" ? session.user : undefined,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as { port: number }).port;
  return {
    port,
    mails,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function options(port: number, more: Partial<EmailOptions> = {}): EmailOptions {
  return {
    sender: "sshlog@example.org",
    recipient: "admin@example.org",
    subject: "Login of {{username}} on {{hostname}}",
    body: "User {{username}} from {{client_ip}} ({{event_type}})",
    smtp_server: "127.0.0.1",
    smtp_port: port,
    tls: "none",
    ...more,
  };
}

function call() {
  return { rule: "test", signal: new AbortController().signal };
}

function header(raw: string, name: string): string | undefined {
  const match = new RegExp(`^${name}: (.*(?:\\r\\n[ \\t].*)*)`, "mi").exec(raw);
  return match?.[1]?.replace(/\r\n[ \t]/g, " ");
}

function body(raw: string): string {
  return raw.slice(raw.indexOf("\r\n\r\n") + 4).trim();
}

Deno.test("emailAction() sends a plain mail to several recipients with the hostile name verbatim", async () => {
  const receiver = await smtpReceiver({});
  const handler = email(options(receiver.port, { recipient: ["a@example.org", "b@example.org"] }));
  try {
    await handler.handle(sampleEvent("connection_auth_failed", { username: HOSTILE }), call());
  } finally {
    await handler.close?.();
    await receiver.close();
  }
  assert.equal(receiver.mails.length, 1);
  const mail = receiver.mails[0]!;
  assert.equal(mail.from, "sshlog@example.org");
  assert.deepEqual(mail.to, ["a@example.org", "b@example.org"]);
  assert.equal(mail.secure, false);
  assert.equal(header(mail.raw, "Subject"), `Login of ${HOSTILE} on server1`);
  assert.equal(body(mail.raw), `User ${HOSTILE} from 15.12.5.8 (connection_auth_failed)`);
});

Deno.test("emailAction() substitutes once: a user name of {{hostname}} stays literal", async () => {
  const receiver = await smtpReceiver({});
  const handler = email(options(receiver.port));
  try {
    await handler.handle(
      sampleEvent("connection_established", { username: "{{hostname}}" }),
      call(),
    );
  } finally {
    await handler.close?.();
    await receiver.close();
  }
  assert.equal(header(receiver.mails[0]!.raw, "Subject"), "Login of {{hostname}} on server1");
});

Deno.test("emailAction() upgrades with STARTTLS and logs in", async () => {
  const certificate = await selfSignedCertificate();
  const receiver = await smtpReceiver({ certificate });
  const handler = email(
    options(receiver.port, {
      tls: "starttls",
      smtp_server: "localhost",
      username: "alice",
      password: "pw",
    }),
    { ca: [certificate.ca] },
  );
  try {
    await handler.handle(sampleEvent("connection_established"), call());
  } finally {
    await handler.close?.();
    await receiver.close();
  }
  assert.equal(receiver.mails.length, 1);
  assert.equal(receiver.mails[0]!.secure, true);
  assert.equal(receiver.mails[0]!.user, "alice");
});

Deno.test("emailAction() sends over implicit TLS", async () => {
  const certificate = await selfSignedCertificate();
  const receiver = await smtpReceiver({ certificate, secure: true });
  const handler = email(options(receiver.port, { tls: "implicit", smtp_server: "localhost" }), {
    ca: [certificate.ca],
  });
  try {
    await handler.handle(sampleEvent("connection_established"), call());
  } finally {
    await handler.close?.();
    await receiver.close();
  }
  assert.equal(receiver.mails.length, 1);
  assert.equal(receiver.mails[0]!.secure, true);
});

Deno.test("emailAction() refuses to send without TLS when starttls is required", async () => {
  const receiver = await smtpReceiver({});
  const handler = email(options(receiver.port, { tls: "starttls" }), { retry: TEST_RETRY });
  try {
    await assert.rejects(
      Promise.resolve(handler.handle(sampleEvent("connection_established"), call())),
      (error: unknown) => error instanceof PermanentError && /STARTTLS/.test(error.message),
    );
  } finally {
    await handler.close?.();
    await receiver.close();
  }
  assert.equal(receiver.mails.length, 0);
});

Deno.test("emailAction() retries a 451 answer, then delivers", async () => {
  const logger = recordingLogger();
  const receiver = await smtpReceiver({ dataReplies: [451] });
  const handler = email(options(receiver.port), { retry: TEST_RETRY, logger });
  try {
    await handler.handle(sampleEvent("connection_established"), call());
  } finally {
    await handler.close?.();
    await receiver.close();
  }
  assert.equal(receiver.mails.length, 1);
  assert.equal(logger.lines.length, 1);
});

Deno.test("emailAction() does not retry a 550 answer", async () => {
  const logger = recordingLogger();
  const receiver = await smtpReceiver({ dataReplies: [550, 550] });
  const handler = email(options(receiver.port), { retry: TEST_RETRY, logger });
  try {
    await assert.rejects(
      Promise.resolve(handler.handle(sampleEvent("connection_established"), call())),
      (error: unknown) =>
        error instanceof PermanentError && /^SMTP server refused the mail/.test(error.message),
    );
  } finally {
    await handler.close?.();
    await receiver.close();
  }
  assert.equal(logger.lines.length, 0);
});

Deno.test("emailAction() retries when the server is down, then fails", async () => {
  const logger = recordingLogger();
  const handler = email(options(freePort()), { retry: TEST_RETRY, logger });
  try {
    await assert.rejects(
      Promise.resolve(handler.handle(sampleEvent("connection_established"), call())),
      /Cannot send mail/,
    );
  } finally {
    await handler.close?.();
  }
  assert.equal(logger.lines.length, TEST_RETRY.attempts - 1);
});
