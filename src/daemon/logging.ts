/** Configures the daemon's own log (stderr, or a file with --logfile); only at daemon start. */
import { configure, getStreamSink, type LogLevel, type Sink } from "@logtape/logtape";

/**
 * Sets up logtape: `debug` shows libbpf and debug lines; `file` appends to a 0600 file (its folder
 * made 0700 when missing).
 * @throws {Deno.errors.PermissionDenied} and the like when the file cannot be opened
 */
export async function setupLogging(options: { debug: boolean; file?: string }): Promise<void> {
  let sink: Sink;
  if (options.file) {
    const slash = options.file.lastIndexOf("/");
    if (slash > 0) await Deno.mkdir(options.file.slice(0, slash), { recursive: true, mode: 0o700 });
    const f = await Deno.open(options.file, { append: true, create: true, mode: 0o600 });
    sink = getStreamSink(f.writable);
  } else {
    sink = getStreamSink(Deno.stderr.writable);
  }
  const level: LogLevel = options.debug ? "debug" : "info";
  await configure({
    reset: true,
    sinks: { main: sink },
    loggers: [
      { category: ["sshlog"], lowestLevel: level, sinks: ["main"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["main"] },
    ],
  });
}
