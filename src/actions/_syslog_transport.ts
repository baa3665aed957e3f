import dgram from "node:dgram";
import type { PluginLogger } from "../plugins/mod.ts";
import { errorMessage } from "../error_message.ts";

/** Sends framed messages to a syslog server. */
export interface SyslogTransport {
  /** Sends (UDP) or queues (streams) one message. */
  send(frame: Uint8Array): Promise<void>;
  /** Flushes for at most `deadlineMs`, then closes. */
  close(deadlineMs: number): Promise<void>;
}

/** A UDP transport: one datagram per message, no connection. */
export function udpTransport(host: string, port: number): SyslogTransport {
  const socket = dgram.createSocket(host.includes(":") ? "udp6" : "udp4");
  socket.on("error", () => {});
  return {
    send: (frame) =>
      new Promise((resolve, reject) =>
        socket.send(frame, port, host, (error) => (error ? reject(error) : resolve()))
      ),
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

/** Options of {@linkcode streamTransport}. */
export interface StreamOptions {
  readonly host: string;
  readonly port: number;
  /** Dial with TLS, trusting these CA certificates (PEM) besides the system's. */
  readonly tls?: { caCerts?: string[] };
  /** Messages kept while disconnected; the oldest is dropped beyond it [1000]. */
  readonly capacity?: number;
  /** First and longest wait between dials, ms [200, 10000]. */
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly logger?: PluginLogger;
}

/**
 * A TCP or TLS transport that survives a receiver restart: a background writer sends queued
 * frames, a reader notices the peer closing, and a lost connection is re-dialled with backoff.
 * While disconnected at most `capacity` messages wait; older ones are dropped, logged and counted.
 */
export function streamTransport(options: StreamOptions): SyslogTransport & { dropped(): number } {
  const capacity = options.capacity ?? 1000;
  const minBackoff = options.minBackoffMs ?? 200;
  const maxBackoff = options.maxBackoffMs ?? 10_000;
  const pending: Uint8Array[] = [];
  let conn: Deno.Conn | undefined;
  let closed = false;
  let dropped = 0;
  let wake: (() => void) | undefined;
  let interrupt: (() => void) | undefined;
  const nudge = () => {
    wake?.();
    wake = undefined;
  };
  const idle = () => new Promise<void>((resolve) => (wake = resolve));
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      interrupt = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const lose = (reason: string) => {
    if (!conn) return;
    try {
      conn.close();
    } catch { /* already closed */ }
    conn = undefined;
    if (!closed) {
      options.logger?.warn("Syslog connection to {host}:{port} lost ({reason}): re-dialling", {
        host: options.host,
        port: options.port,
        reason,
      });
    }
  };

  const watch = async (watched: Deno.Conn) => {
    const buffer = new Uint8Array(512);
    try {
      while ((await watched.read(buffer)) !== null) { /* servers send nothing; ignore it */ }
    } catch { /* reset */ }
    if (conn === watched) lose("closed by the server");
  };

  const dial = async (): Promise<Deno.Conn> => {
    const address = { hostname: options.host, port: options.port };
    return options.tls
      ? await Deno.connectTls({
        ...address,
        ...(options.tls.caCerts ? { caCerts: options.tls.caCerts } : {}),
      })
      : await Deno.connect(address);
  };

  const run = async () => {
    let backoff = minBackoff;
    let failures = 0;
    while (!closed || (pending.length > 0 && conn)) {
      if (pending.length === 0) {
        if (closed) break;
        await idle();
        continue;
      }
      if (!conn) {
        if (closed) break;
        try {
          conn = await dial();
          if (failures > 0) {
            options.logger?.info("Syslog reconnected to {host}:{port}", {
              host: options.host,
              port: options.port,
            });
          }
          failures = 0;
          backoff = minBackoff;
          watch(conn);
        } catch (error) {
          if (failures++ === 0) {
            options.logger?.warn("Cannot connect to syslog server {host}:{port}: {error}", {
              host: options.host,
              port: options.port,
              error: errorMessage(error),
            });
          }
          await pause(backoff);
          backoff = Math.min(maxBackoff, backoff * 2);
          continue;
        }
      }
      const frame = pending[0]!;
      try {
        let written = 0;
        while (written < frame.length) written += await conn.write(frame.subarray(written));
        pending.shift();
      } catch (error) {
        lose(errorMessage(error));
      }
    }
  };
  const running = run();

  return {
    send(frame) {
      if (closed) return Promise.resolve();
      if (pending.length >= capacity) {
        pending.shift();
        dropped++;
        if (dropped === 1 || dropped % 1000 === 0) {
          options.logger?.warn(
            "Syslog queue of {capacity} messages is full: dropped {dropped} so far",
            {
              capacity,
              dropped,
            },
          );
        }
      }
      pending.push(frame);
      nudge();
      return Promise.resolve();
    },
    async close(deadlineMs) {
      closed = true;
      nudge();
      interrupt?.();
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        running,
        new Promise((resolve) => (timer = setTimeout(resolve, deadlineMs))),
      ]);
      clearTimeout(timer);
      if (pending.length > 0) dropped += pending.splice(0).length;
      const last = conn;
      conn = undefined;
      try {
        last?.close();
      } catch { /* already closed */ }
      nudge();
      await Promise.race([
        running,
        new Promise((resolve) => (timer = setTimeout(resolve, 1000))),
      ]);
      clearTimeout(timer);
    },
    dropped: () => dropped,
  };
}
