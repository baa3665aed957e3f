/** What the web interface asks of the daemon: the daemon implements it, the web layer only uses it. */
import type { SessionSnapshot, SshlogEvent } from "../events/types.ts";
import type { ListOptions, RecordingInfo } from "../recorder/mod.ts";

/** Where a live view delivers a session's screen, output and end. */
export interface WebViewSink {
  opened(view: WebView): void;
  output(bytes: Uint8Array): void;
  resize(size: { columns: number; rows: number }): void;
  ended(): void;
}

/** An open live view of a session. */
export interface WebView {
  session: SessionSnapshot;
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
    sink: WebViewSink,
  ): Promise<WebView>;
  /** Ends a tracked session; false when no live session matches `key`. */
  kill(key: string, who: WebUser): boolean;
  /** The recordings the daemon writes, filtered. */
  recordings(options: ListOptions): Promise<RecordingInfo[]>;
}
