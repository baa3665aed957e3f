/** What the web interface asks of the daemon: the daemon implements it, the web layer only uses it. */
import type { SessionSnapshot, SshlogEvent } from "../events/types.ts";
import type { ListOptions, RecordingInfo } from "../recorder/mod.ts";

/**
 * Where a live view of a session (the web's, and `sshlog attach`'s through the socket) delivers
 * what happens in the session.
 */
export interface ViewSink {
  /** The view is open: called once, before any other call, with the current screen. */
  opened(view: SessionView): void;
  output(bytes: Uint8Array): void;
  resize(size: { columns: number; rows: number }): void;
  /** The session ended; no call follows. */
  ended(): void;
}

/** An open live view of a session. */
export interface SessionView {
  session: SessionSnapshot;
  /** Escape sequences that draw the current screen. */
  screen: string;
  size: { columns: number; rows: number };
  /** Types base64 keystrokes (interactive views only); false when refused or failed. */
  input(base64: string): boolean;
  close(): void;
}

/** Who uses the web interface, as the daemon's events and log name them. */
export interface WebUser {
  user: string;
  address: string;
}

/** The daemon's side of the web interface. */
export interface WebBackend {
  /** True when the daemon runs with --enable-session-injection. */
  readonly injection: boolean;
  /** The live sessions, oldest first. */
  sessions(): SessionSnapshot[];
  /** Calls `listener` with every event from now on; returns the unsubscribe function. */
  subscribe(listener: (event: SshlogEvent) => void): () => void;
  /** Opens a live view; rejects with an Error whose message can be shown as is. */
  openView(
    key: string,
    mode: "readonly" | "interactive",
    who: WebUser,
    sink: ViewSink,
  ): Promise<SessionView>;
  /** Ends a tracked session; false when no live session matches `key`. */
  kill(key: string, who: WebUser): boolean;
  /** The recordings the daemon writes, filtered. */
  recordings(options: ListOptions): Promise<RecordingInfo[]>;
}
