/**
 * Real receivers on loopback for the network actions' tests: an HTTP server, UDP and TCP
 * listeners, a self-signed certificate. Test-only.
 */
import type { PluginLogger } from "../plugins/mod.ts";
import type { RetryPolicy } from "./_retry.ts";

/** A request as the HTTP receiver saw it. */
export interface SeenRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Headers;
  readonly body: string;
}

/** What the HTTP receiver answers: a status with headers, or a delay before answering 200. */
export type Reply = { status: number; headers?: Record<string, string> } | { delayMs: number };

/** An HTTP server on 127.0.0.1 that answers scripted replies in turn (then 200) and records requests. */
export interface HttpReceiver {
  readonly url: string;
  readonly requests: SeenRequest[];
  close(): Promise<void>;
}

/** Starts an {@linkcode HttpReceiver} on a random port. */
export function httpReceiver(replies: Reply[] = []): HttpReceiver {
  const requests: SeenRequest[] = [];
  const aborts = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: aborts.signal, onListen() {} },
    async (request) => {
      requests.push({
        method: request.method,
        url: new URL(request.url),
        headers: request.headers,
        body: await request.text(),
      });
      const reply = replies.shift();
      if (reply && "delayMs" in reply) {
        await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
        return new Response("late");
      }
      return new Response(reply ? "no" : "ok", {
        status: reply?.status ?? 200,
        headers: reply?.headers ?? {},
      });
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}/hook`,
    requests,
    close: async () => {
      aborts.abort();
      await server.finished;
    },
  };
}

/** Resolves once `check` is true, polling; rejects after `deadlineMs` (no timing is asserted). */
export async function waitFor(check: () => boolean, deadlineMs = 20_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`Condition not met within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** A test CA and a server certificate it signed, for `localhost` and 127.0.0.1 (PEM). */
export interface TestCertificate {
  /** The CA certificate to trust. */
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

async function openssl(dir: string, args: string[]): Promise<void> {
  const { success, stderr } = await new Deno.Command("openssl", {
    args,
    cwd: dir,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!success) throw new Error(`openssl failed: ${new TextDecoder().decode(stderr)}`);
}

/** Creates a {@linkcode TestCertificate} with openssl (rustls refuses a CA as the server's own). */
export async function selfSignedCertificate(): Promise<TestCertificate> {
  const dir = await Deno.makeTempDir({ prefix: "sshlog-cert-" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await openssl(dir, [
    "req",
    "-x509",
    ...ec,
    "-days",
    "2",
    "-subj",
    "/CN=sshlog test CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
  ]);
  await openssl(dir, [
    "req",
    ...ec,
    "-subj",
    "/CN=localhost",
    "-keyout",
    "key.pem",
    "-out",
    "req.csr",
  ]);
  await Deno.writeTextFile(
    `${dir}/ext.cnf`,
    "basicConstraints=CA:FALSE\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n" +
      "extendedKeyUsage=serverAuth\n",
  );
  await openssl(dir, [
    "x509",
    "-req",
    "-in",
    "req.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-days",
    "2",
    "-extfile",
    "ext.cnf",
    "-out",
    "cert.pem",
  ]);
  const read = (name: string) => Deno.readTextFile(`${dir}/${name}`);
  const certificate = {
    ca: await read("ca.pem"),
    cert: await read("cert.pem"),
    key: await read("key.pem"),
  };
  await Deno.remove(dir, { recursive: true });
  return certificate;
}

/** A logged line: level, message template and properties. */
export interface LoggedLine {
  readonly level: string;
  readonly message: string;
  readonly properties: Record<string, unknown>;
}

/** A plug-in logger that keeps what it is told. */
export function recordingLogger(): PluginLogger & { lines: LoggedLine[] } {
  const lines: LoggedLine[] = [];
  const at = (level: string) => (message: string, properties: Record<string, unknown> = {}) => {
    lines.push({ level, message, properties });
  };
  return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/** Fast retries for tests: 3 tries, short backoff, `Retry-After` honoured up to 5 s. */
export const TEST_RETRY: RetryPolicy = {
  attempts: 3,
  baseDelayMs: 10,
  maxDelayMs: 50,
  maxRetryAfterMs: 5000,
};
